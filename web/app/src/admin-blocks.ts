// The admin page's "Blocked addresses and accounts" (docs/security.md,
// "brute force"): the blocks the traffic defence holds (GET /v1/blocks),
// each with Unblock (DELETE /v1/blocks/{id}). An address is blocked after
// repeated failures; an account is throttled when many addresses fail on
// it. Lifting one is a security event that names the admin. The list
// reads again every few seconds (admin-refresh.ts), and each block's
// time left counts down, so an attack shows while it happens.

import { api } from './account-api.js';
import { button, confirmInline, errorText, section, when } from './account-ui.js';
import { h, notify } from './dom.js';
import { autoRefresh, timeLeft, WATCH_REFRESH_MS } from './admin-refresh.js';

/** One block, as GET /v1/blocks answers. */
export interface BlockRecord {
  id: string;
  kind: 'address' | 'account' | string;
  address?: string;
  account?: string;
  level: number;
  since: string;
  until: string;
  reason: string;
  addresses?: number;
  /** How long it still holds, by the server's clock. */
  seconds_left?: number;
}

/** What a block is of, as the list says it. */
export function blockSubject(b: BlockRecord): string {
  return b.kind === 'account' ? `Account ${b.account ?? ''}` : `Address ${b.address ?? ''}`;
}

/**
 * The failure that tipped a block, as a phrase ("a failed sign-in"):
 * the guard records it as an event kind or as "unauthorized CODE
 * METHOD PATH" (docs/security.md); anything else is shown as it came.
 */
export function failureText(reason: string): string {
  const fixed: Record<string, string> = {
    signin_failed: 'a failed sign-in',
    signin_throttled: 'a sign-in tried while it had to wait',
    room_password_failed: 'a wrong meeting password',
    meeting_invite_redeemed: 'a refused meeting invite',
  };
  if (!reason) return 'not recorded';
  if (fixed[reason]) return fixed[reason];
  const tok = /^token_refused (\S+)$/.exec(reason);
  if (tok) return `a refused token (${tok[1]})`;
  const req = /^unauthorized (\S*) (\S+) (\S+)$/.exec(reason);
  if (req) return `an unauthorized ${req[2]} ${req[3]}${req[1] ? ` (${req[1]})` : ''}`;
  return reason;
}

/** Why, as the list says it: the block's level and the failure that tipped it. */
export function blockFacts(b: BlockRecord): string {
  const why = b.kind === 'account'
    ? `${b.addresses ?? 'many'} addresses failed to sign in to it; the last was ${failureText(b.reason)}`
    : `block ${b.level} after repeated failures; the last was ${failureText(b.reason)}`;
  return `${why} · since ${when(b.since)} · until ${when(b.until)}`;
}

export function blocksSection(): HTMLElement {
  const body = h('div', { class: 'section-body' }, h('p', { class: 'loading', role: 'status' }, 'Loading the blocks…'));
  const reload = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'blocks-reload' }, 'Reload');
  const hint = h('p', { class: 'hint' }, 'The list reads again every few seconds while this page is open.');
  const el = section('admin-blocks', 'Blocked addresses and accounts', hint, h('div', { class: 'actions actions-left' }, reload), body);
  const seen = new Set<string>();
  let first = true;
  const load = async (): Promise<void> => {
    const fresh = await loadBlocks(body, load);
    // A block that appears while the admin watches is announced.
    if (fresh && !first) for (const b of fresh) if (!seen.has(b.id)) notify(`${blockSubject(b)} is blocked.`, 'warn');
    if (fresh) {
      seen.clear();
      for (const b of fresh) seen.add(b.id);
      first = false;
    }
  };
  reload.addEventListener('click', () => void load());
  void load();
  autoRefresh(el, body, WATCH_REFRESH_MS, load);
  // The time left counts down between reads; a block that ran out is
  // read again (gone from the list, or renewed).
  const tick = window.setInterval(() => {
    if (!el.isConnected) {
      window.clearInterval(tick);
      return;
    }
    let ended = false;
    for (const span of body.querySelectorAll<HTMLElement>('.block-left')) {
      const left = (Number(span.dataset.end) - performance.now()) / 1000;
      if (left <= 0) ended = true;
      span.textContent = `${timeLeft(left)} left`;
    }
    if (ended && !body.querySelector('.confirm')) void load();
  }, 1000);
  return el;
}

/** Draws the blocks in force; returns them, or null when they could not be read. */
async function loadBlocks(body: HTMLElement, reload: () => Promise<void>): Promise<BlockRecord[] | null> {
  let list: BlockRecord[];
  try {
    list = (await api<{ blocks: BlockRecord[] }>('GET', '/v1/blocks')).blocks ?? [];
  } catch (e) {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert', id: 'blocks-error' }, errorText(e)));
    return null;
  }
  if (list.length === 0) {
    body.replaceChildren(h('p', { id: 'blocks-none' }, 'Nothing is blocked.'));
    return list;
  }
  const now = performance.now();
  body.replaceChildren(h('ul', { class: 'acct-list', id: 'block-list', 'aria-label': 'Blocks in force' }, ...list.map((b) => {
    const slot = h('div', { class: 'section-slot' });
    const subject = blockSubject(b);
    const lift = button('Unblock', { class: 'btn btn-ghost btn-small', 'aria-label': `Unblock ${subject}`, 'data-block': b.id });
    lift.addEventListener('click', () => confirmInline(slot, `Unblock ${subject}? Its next block, if it keeps failing, is longer.`, 'Unblock', async () => {
      await api('DELETE', `/v1/blocks/${encodeURIComponent(b.id)}`, {});
      notify(`${subject} unblocked.`);
      slot.replaceChildren();
      await reload();
    }, lift));
    const left = b.seconds_left ?? Math.max(0, (new Date(b.until).getTime() - Date.now()) / 1000);
    return h('li', { class: 'acct-item', 'data-block': b.id },
      h('div', { class: 'item-main' },
        h('span', { class: 'item-name' }, subject, ' ', h('span', { class: 'acct-badge acct-badge-warn block-left', 'data-end': String(now + left * 1000) }, `${timeLeft(left)} left`)),
        h('span', { class: 'item-meta' }, blockFacts(b))),
      h('div', { class: 'item-actions' }, lift), slot);
  })));
  return list;
}
