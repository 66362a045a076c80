// The admin page's watch sections (docs/webhooks.md): the live rooms on
// this server, with their participants, the addresses they joined
// from, what they send, and their loss and RTT (marked when the loss is
// high), and "End meeting" and "Remove" (each confirmed in place, each
// through the room's own decision); the recent security events from the
// audit log, newest first, a page at a time; and each webhook's
// deliveries. The rooms and the first page of events read again every
// few seconds (admin-refresh.ts) while the admin is not acting in them;
// "Refresh" reads at once.

import { api } from './account-api.js';
import { button, confirmInline, errorText, formError, section, when, withBusy } from './account-ui.js';
import { h, notify } from './dom.js';
import { failureText } from './admin-blocks.js';
import { autoRefresh, EVENTS_REFRESH_MS, timeLeft, WATCH_REFRESH_MS } from './admin-refresh.js';

interface AdminParticipant {
  id: string;
  identity: string;
  name?: string;
  role: string;
  joined_at: string;
  addr?: string;
  member: boolean;
  tracks: number;
  bitrate: number;
  /** The worst fraction lost (0 to 1) in what it receives, once reported. */
  loss?: number;
  /** The longest round trip of what it receives, seconds, once measured. */
  rtt?: number;
}

/** Loss above this (a fraction) is marked: media that loses more than 5 % of its packets visibly breaks up. */
export const LOSS_HIGH = 0.05;

interface AdminRoom {
  name: string;
  created_at: string;
  e2ee: string;
  locked: boolean;
  participants: AdminParticipant[];
}

interface SecurityEvent {
  seq: number;
  time: string;
  kind: string;
  severity: string;
  actor?: string;
  subject?: string;
  ip?: string;
  room?: string;
  details?: Record<string, string>;
}

interface WebhookStatus {
  name: string;
  url: string;
  queued: number;
  delivered: number;
  failed: number;
  dropped: number;
  last_failed_at?: string;
}

export function liveRoomsSection(): HTMLElement {
  const body = h('div', { class: 'section-body' });
  const refresh = button('Refresh', { id: 'rooms-refresh', class: 'btn btn-ghost btn-small' });
  const load = async (): Promise<void> => {
    try {
      const r = await api<{ rooms: AdminRoom[] }>('GET', '/v1/admin/rooms');
      drawRooms(body, r.rooms ?? [], load);
    } catch (e) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(e)));
    }
  };
  refresh.addEventListener('click', () => void load());
  void load();
  const el = section('admin-rooms', 'Live rooms', h('div', { class: 'actions actions-left' }, refresh), body);
  autoRefresh(el, body, WATCH_REFRESH_MS, load);
  return el;
}

function drawRooms(body: HTMLElement, rooms: AdminRoom[], reload: () => Promise<void>): void {
  if (rooms.length === 0) {
    body.replaceChildren(h('p', {}, 'No rooms are open.'));
    return;
  }
  body.replaceChildren(h('ul', { class: 'acct-list', id: 'room-list', 'aria-label': 'Live rooms' }, ...rooms.map((r) => {
    const slot = h('div', { class: 'section-slot' });
    const end = button('End meeting', { class: 'btn btn-ghost btn-small', 'aria-label': `End the meeting in ${r.name}` });
    end.addEventListener('click', () => confirmInline(slot, `End the meeting in ${r.name}? Everyone in it is disconnected.`, 'End meeting', async () => {
      await api('POST', `/v1/admin/rooms/${encodeURIComponent(r.name)}/end`, {});
      notify('Meeting ended.');
      await reload();
    }, end));
    const people = h('ul', { class: 'acct-sublist', 'aria-label': `Participants of ${r.name}` }, ...r.participants.map((p) => {
      const pslot = h('div', { class: 'section-slot' });
      const who = p.name ? `${p.name} (${p.identity})` : p.identity;
      const remove = button('Remove', { class: 'btn btn-ghost btn-small', 'aria-label': `Remove ${who} from ${r.name}` });
      remove.addEventListener('click', () => confirmInline(pslot, `Remove ${who} from ${r.name}? Their tokens for the room stop working.`, 'Remove', async () => {
        await api('DELETE', `/v1/admin/rooms/${encodeURIComponent(r.name)}/participants/${encodeURIComponent(p.identity)}`, {});
        notify('Participant removed.');
        await reload();
      }, remove));
      const lossy = p.loss !== undefined && p.loss > LOSS_HIGH;
      return h('li', { class: `acct-item${lossy ? ' loss-high' : ''}` },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, who, ...(lossy ? [' ', h('span', { class: 'acct-badge acct-badge-warn loss-mark' }, `High loss: ${percent(p.loss ?? 0)}`)] : [])),
          h('span', { class: 'item-meta' }, `${p.role}${p.member ? ' · member' : ''} · from ${p.addr || 'unknown address'} · ${p.tracks} track${p.tracks === 1 ? '' : 's'}${p.tracks > 0 || p.bitrate > 0 ? ` · sending ${kbps(p.bitrate)}` : ''}${reception(p)} · joined ${when(p.joined_at)}`)),
        h('div', { class: 'item-actions' }, remove), pslot);
    }));
    return h('li', { class: 'acct-item' },
      h('div', { class: 'item-main' },
        h('span', { class: 'item-name' }, r.name),
        h('span', { class: 'item-meta' }, `${r.participants.length} in the room${r.locked ? ' · locked' : ''}${r.e2ee === 'required' ? ' · end-to-end encrypted' : ''} · since ${when(r.created_at)}`)),
      h('div', { class: 'item-actions' }, end), slot, people);
  })));
}

/** A bitrate as people read it. */
function kbps(bits: number): string {
  return bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bits / 1e3)} kbit/s`;
}

/** A fraction as a percentage: one decimal under 10 %. */
function percent(f: number): string {
  const p = f * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

/** What a participant receives, as its receiver reports last described it: " · loss 0.4 % · RTT 12 ms", or nothing before a report. */
function reception(p: AdminParticipant): string {
  let s = '';
  if (p.loss !== undefined) s += ` · loss ${percent(p.loss)}`;
  if (p.rtt !== undefined) s += ` · RTT ${Math.round(p.rtt * 1000)} ms`;
  return s;
}

/** A Go duration as the guard writes it ("10m0s") as people read it ("10 min"). */
function duration(d: string): string {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(d);
  if (!m || d === '') return d;
  return timeLeft(Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0));
}

/**
 * The guard's events as sentences (their reasons are written for the
 * log: "unauthorized invalid_credentials POST /v1/auth/signin 10m0s"):
 * the address or account they are about rather than the block's id, and
 * for an unblock the admin's own address apart from the one lifted. An
 * account is named by the email it was failed on, as GET /v1/blocks
 * gives it in the list beside. Null for the other kinds.
 */
function guardEventText(ev: SecurityEvent): string | null {
  const reason = ev.details?.reason ?? '';
  const account = ev.details?.email ? `Account ${ev.details.email}` : 'An account';
  switch (ev.kind) {
    case 'address_blocked': {
      const m = /^(.*?) ?(\S+)$/.exec(reason);
      const [why, dur] = m ? [m[1], m[2]] : ['', ''];
      return `${ev.ip ? `Address ${ev.ip}` : 'An address'} blocked${dur ? ` for ${duration(dur)}` : ''} after repeated failures; the last was ${failureText(why)}`;
    }
    case 'account_throttled': {
      const m = /^(.*?) ?(\S+) from (\d+) addresses$/.exec(reason);
      if (!m) return `${account} throttled after failed sign-ins from many addresses`;
      return `${account} throttled for ${duration(m[2])}: ${m[3]} addresses failed to sign in to it; the last was ${failureText(m[1])}`;
    }
    case 'forwarded_for_refused':
      return `Requests through proxy ${ev.ip || 'unknown'} refused: their X-Forwarded-For names no client address (a misconfigured proxy, or a client trying to pass as another)`;
    case 'address_unblocked': {
      const what = reason.startsWith('account') ? account : `Address ${reason.replace(/^address /, '')}`;
      return `${what} unblocked by ${ev.actor || 'someone unknown'}${ev.ip ? ` (from ${ev.ip})` : ''}`;
    }
  }
  return null;
}

/** One event as a line: what, to whom, by whom, from where. */
export function eventText(ev: SecurityEvent): string {
  const guard = guardEventText(ev);
  if (guard !== null) return guard;
  const parts = [ev.kind.replace(/_/g, ' ')];
  if (ev.subject) parts.push(`subject ${ev.subject}`);
  if (ev.actor) parts.push(`by ${ev.actor}`);
  if (ev.ip) parts.push(`from ${ev.ip}`);
  if (ev.room) parts.push(`in ${ev.room}`);
  const reason = ev.details?.reason;
  if (reason) parts.push(`(${reason})`);
  return parts.join(' ');
}

export function securityEventsSection(): HTMLElement {
  const hooks = h('div', { class: 'section-slot', id: 'webhook-status' });
  const ul = h('ul', { class: 'acct-list', id: 'event-list', 'aria-label': 'Security events' });
  const err = formError();
  const more = button('Show older events', { id: 'events-more' });
  const refresh = button('Refresh', { id: 'events-refresh', class: 'btn btn-ghost btn-small' });
  let before = 0;
  let paged = false; // older pages shown: no reading again by itself
  const page = async (fresh = false): Promise<void> => {
    const r = await api<{ events: SecurityEvent[]; next_before?: number }>('GET', before ? `/v1/security/events?before=${before}` : '/v1/security/events');
    if (fresh) ul.replaceChildren();
    for (const ev of r.events ?? []) {
      ul.appendChild(h('li', { class: `acct-item event-${ev.severity}` },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, `${ev.severity.toUpperCase()} · ${eventText(ev)}`),
          h('span', { class: 'item-meta' }, when(ev.time)))));
    }
    before = r.next_before ?? 0;
    more.hidden = before === 0;
    if (ul.children.length === 0) ul.appendChild(h('li', { class: 'acct-item' }, 'No security events in the last day.'));
  };
  const load = async (): Promise<void> => {
    before = 0;
    paged = false;
    try {
      await page(true);
      const w = await api<{ webhooks: WebhookStatus[] }>('GET', '/v1/webhooks/deliveries');
      hooks.replaceChildren(...(w.webhooks ?? []).map((s) => h('p', { class: s.failed || s.dropped ? 'form-error' : 'item-meta' },
        `Webhook ${s.name}: ${s.delivered} delivered, ${s.failed} failed, ${s.dropped} dropped${s.last_failed_at ? ` (last failure ${when(s.last_failed_at)})` : ''}.`)));
    } catch (e) {
      err.show(errorText(e));
    }
  };
  more.addEventListener('click', () => {
    paged = true;
    void withBusy(more, 'Loading…', err, () => page());
  });
  refresh.addEventListener('click', () => void load());
  void load();
  const el = section('admin-events', 'Security events', h('div', { class: 'actions actions-left' }, refresh), hooks, ul, err, h('div', { class: 'actions actions-left' }, more));
  autoRefresh(el, ul, EVENTS_REFRESH_MS, async () => {
    if (!paged) await load();
  });
  return el;
}
