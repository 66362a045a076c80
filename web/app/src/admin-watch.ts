// The admin page's watch sections (docs/webhooks.md): the live rooms on
// this server, with their participants and the addresses they joined
// from, and "End meeting" and "Remove" (each confirmed in place, each
// through the room's own decision); the recent security events from the
// audit log, newest first, a page at a time; and each webhook's
// deliveries. The rooms and the first page of events read again every
// few seconds (admin-refresh.ts) while the admin is not acting in them;
// "Refresh" reads at once.

import { api } from './account-api.js';
import { button, confirmInline, errorText, formError, section, when, withBusy } from './account-ui.js';
import { h, notify } from './dom.js';
import { autoRefresh, EVENTS_REFRESH_MS, WATCH_REFRESH_MS } from './admin-refresh.js';

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
}

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
      return h('li', { class: 'acct-item' },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, who),
          h('span', { class: 'item-meta' }, `${p.role}${p.member ? ' · member' : ''} · from ${p.addr || 'unknown address'} · ${p.tracks} track${p.tracks === 1 ? '' : 's'}${p.tracks > 0 || p.bitrate > 0 ? ` · sending ${kbps(p.bitrate)}` : ''} · joined ${when(p.joined_at)}`)),
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

/** One event as a line: what, to whom, by whom, from where. */
export function eventText(ev: SecurityEvent): string {
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
