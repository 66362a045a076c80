// The waiting list, for hosts and moderators (the admit permission): who
// waits in the lobby, whether they came with an invite link, and Admit /
// Deny for each, Admit all / Deny all for everyone waiting. It sits at the
// top of the participants panel; the Room keeps the list (room.lobby,
// from joined and the lobby_guest events), the server decides.

import type { LobbyGuest, Room } from '../../sdk/src/index.js';
import { button } from './account-ui.js';
import { h } from './dom.js';
import type { Act } from './moderation.js';

/** How long someone has waited, in words. */
export function waited(since: number, now = Date.now()): string {
  const m = Math.floor(Math.max(0, now - since) / 60_000);
  return m < 1 ? 'just now' : m === 1 ? '1 minute' : `${m} minutes`;
}

export class LobbyList {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly all: HTMLElement;
  private readonly rows = new Map<string, { li: HTMLLIElement; meta: HTMLElement }>();

  constructor(
    private readonly room: Room,
    private readonly act: Act,
  ) {
    this.title = h('h3', { id: 'lobby-list-title' }, 'Waiting to join');
    this.list = h('ul', { class: 'lobby-guests', id: 'lobby-list', 'aria-labelledby': 'lobby-list-title' });
    const admitAll = button('Admit all', { id: 'lobby-admit-all', class: 'btn btn-primary btn-small' });
    const denyAll = button('Deny all', { id: 'lobby-deny-all', class: 'btn btn-ghost btn-small' });
    this.all = h('div', { class: 'host-actions' }, admitAll, denyAll);
    this.el = h('section', { class: 'host-panel lobby-panel', id: 'lobby-panel', 'aria-labelledby': 'lobby-list-title', hidden: true },
      this.title, this.list, this.all);
    admitAll.addEventListener('click', () => this.act('admit everyone waiting', () => this.room.admitAll()));
    denyAll.addEventListener('click', () => this.act('turn away everyone waiting', () => this.room.denyAll()));
  }

  /** How many wait (0 when this participant may not admit). */
  get count(): number {
    return this.room.local.permissions.admit ? this.room.lobby.size : 0;
  }

  /** Brings the list into view and puts the focus on the first Admit. */
  reveal(): void {
    this.el.scrollIntoView({ block: 'nearest' });
    this.list.querySelector<HTMLButtonElement>('[data-action="admit"]')?.focus();
  }

  render(): void {
    const guests = this.room.local.permissions.admit ? [...this.room.lobby.values()].sort((a, b) => a.since - b.since) : [];
    this.el.hidden = guests.length === 0;
    this.title.textContent = `Waiting to join (${guests.length})`;
    this.all.hidden = guests.length < 2;
    const seen = new Set<string>();
    // Rows move only when out of place: moving an element, even to where
    // it is, takes the keyboard focus off its Admit button.
    let prev: Element | null = null;
    for (const g of guests) {
      seen.add(g.id);
      let r = this.rows.get(g.id);
      if (!r) {
        r = this.makeRow(g);
        this.rows.set(g.id, r);
      }
      const how = g.member ? 'A signed-in member, with an invite link' : g.invite ? 'Came with an invite link' : 'Came with a join token';
      const meta = `${how} · waiting ${waited(g.since)}`;
      if (r.meta.textContent !== meta) r.meta.textContent = meta;
      const want: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== r.li) this.list.insertBefore(r.li, want);
      prev = r.li;
    }
    for (const [id, r] of this.rows) {
      if (seen.has(id)) continue;
      r.li.remove();
      this.rows.delete(id);
    }
  }

  private makeRow(g: LobbyGuest): { li: HTMLLIElement; meta: HTMLElement } {
    const who = g.name || 'A guest without a name';
    const admit = button('Admit', { class: 'btn btn-primary btn-small', 'data-action': 'admit', 'aria-label': `Admit ${who}` });
    const deny = button('Deny', { class: 'btn btn-ghost btn-small', 'data-action': 'deny', 'aria-label': `Deny ${who}` });
    admit.addEventListener('click', () => this.act(`admit ${who}`, () => this.room.admit(g.id)));
    deny.addEventListener('click', () => this.act(`turn ${who} away`, () => this.room.deny(g.id)));
    const meta = h('span', { class: 'item-meta' });
    const li = h('li', { class: 'lobby-guest', 'data-guest': g.id, 'data-invite': String(g.invite), 'data-member': String(g.member) },
      h('div', { class: 'item-main' }, h('span', { class: 'item-name' }, who), meta),
      h('div', { class: 'item-actions' }, admit, deny));
    return { li, meta };
  }
}
