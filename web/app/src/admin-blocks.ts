// The admin page's "Blocked addresses and accounts" (docs/security.md,
// "brute force"): the blocks the traffic defence holds (GET /v1/blocks),
// each with Unblock (DELETE /v1/blocks/{id}). An address is blocked after
// repeated failures; an account is throttled when many addresses fail on
// it. Lifting one is a security event that names the admin.

import { api } from './account-api.js';
import { button, confirmInline, errorText, section, when } from './account-ui.js';
import { h, notify } from './dom.js';

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
}

/** What a block is of, as the list says it. */
export function blockSubject(b: BlockRecord): string {
  return b.kind === 'account' ? `Account ${b.account ?? ''}` : `Address ${b.address ?? ''}`;
}

/** Why, and for how long, as the list says it. */
export function blockFacts(b: BlockRecord): string {
  const why = b.kind === 'account'
    ? `${b.addresses ?? 'many'} addresses failed to sign in to it`
    : `repeated failures (${b.reason.split(' ')[0] || 'unknown'}); block number ${b.level}`;
  return `${why} · since ${when(b.since)} · until ${when(b.until)}`;
}

export function blocksSection(): HTMLElement {
  const body = h('div', { class: 'section-body' }, h('p', { class: 'loading', role: 'status' }, 'Loading the blocks…'));
  const reload = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'blocks-reload' }, 'Reload');
  const el = section('admin-blocks', 'Blocked addresses and accounts', h('div', { class: 'actions actions-left' }, reload), body);
  const load = () => loadBlocks(body);
  reload.addEventListener('click', () => void load());
  void load();
  return el;
}

async function loadBlocks(body: HTMLElement): Promise<void> {
  let list: BlockRecord[];
  try {
    list = (await api<{ blocks: BlockRecord[] }>('GET', '/v1/blocks')).blocks ?? [];
  } catch (e) {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert', id: 'blocks-error' }, errorText(e)));
    return;
  }
  if (list.length === 0) {
    body.replaceChildren(h('p', { id: 'blocks-none' }, 'Nothing is blocked.'));
    return;
  }
  body.replaceChildren(h('ul', { class: 'acct-list', id: 'block-list', 'aria-label': 'Blocks in force' }, ...list.map((b) => {
    const slot = h('div', { class: 'section-slot' });
    const subject = blockSubject(b);
    const lift = button('Unblock', { class: 'btn btn-ghost btn-small', 'aria-label': `Unblock ${subject}`, 'data-block': b.id });
    lift.addEventListener('click', () => confirmInline(slot, `Unblock ${subject}? Its next block, if it keeps failing, is longer.`, 'Unblock', async () => {
      await api('DELETE', `/v1/blocks/${encodeURIComponent(b.id)}`, {});
      notify(`${subject} unblocked.`);
      await loadBlocks(body);
    }, lift));
    return h('li', { class: 'acct-item' },
      h('div', { class: 'item-main' },
        h('span', { class: 'item-name' }, subject),
        h('span', { class: 'item-meta' }, blockFacts(b))),
      h('div', { class: 'item-actions' }, lift), slot);
  })));
}
