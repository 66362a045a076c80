// The meeting-wide controls of those whose role allows them, above the
// participant list: lock and unlock, end the meeting for everyone (after a
// confirmation), and "Invite people" (invite-link.ts). Each shows only
// with its permission (the joined message's, kept current by
// role_changed); the server decides anyway. The lock's state is shown to
// everyone, in the header (LockBadge).

import type { Room } from '../../sdk/src/index.js';
import { button } from './account-ui.js';
import { h } from './dom.js';
import { icon } from './icons.js';
import { InvitePanel } from './invite-link.js';
import type { Act } from './moderation.js';

export interface HostDeps {
  room: Room;
  /** This participant's join token (the invite calls carry it). */
  token: () => string;
  act: Act;
}

export class HostPanel {
  readonly el: HTMLElement;
  readonly invites: InvitePanel;
  private readonly lock: HTMLButtonElement;
  private readonly end: HTMLButtonElement;
  private readonly invite: HTMLButtonElement;
  private readonly slot: HTMLElement;

  constructor(private readonly deps: HostDeps) {
    const { room } = deps;
    // Its words say what a press does; data-locked styles the locked state.
    this.lock = button('Lock meeting', { id: 'lock-button' });
    this.end = button('End for all', { id: 'end-button' }, 'danger');
    this.invite = button('Invite people', { id: 'invite-people', 'aria-expanded': 'false', 'aria-controls': 'invite-panel' });
    this.slot = h('div', { class: 'section-slot' });
    this.invites = new InvitePanel({ room: () => room.name, token: deps.token });
    this.el = h('section', { class: 'host-panel', id: 'host-panel', 'aria-labelledby': 'host-title', hidden: true },
      h('h3', { id: 'host-title' }, 'Meeting controls'),
      h('div', { class: 'host-actions' }, this.invite, this.lock, this.end),
      this.slot,
      this.invites.el);

    this.lock.addEventListener('click', () => {
      const locked = !room.locked;
      deps.act(locked ? 'lock the meeting' : 'unlock the meeting', () => room.lockMeeting(locked));
    });
    this.end.addEventListener('click', () => this.confirmEnd());
    this.invite.addEventListener('click', () => this.showInvites(!this.invites.open));
  }

  /** Opens (or closes) "Invite people"; false when this participant may not share invites. */
  showInvites(open: boolean): boolean {
    if (!this.deps.room.local.permissions.share_invite) return false;
    this.invites.setOpen(open);
    this.invite.setAttribute('aria-expanded', String(open));
    return true;
  }

  /** Shows what the participant's permissions allow, and the lock's state. */
  update(): void {
    const { room } = this.deps;
    const p = room.local.permissions;
    this.lock.hidden = !p.lock;
    this.end.hidden = !p.end_meeting;
    this.invite.hidden = !p.share_invite;
    if (!p.share_invite && this.invites.open) this.showInvites(false);
    if (!p.end_meeting) this.slot.replaceChildren();
    this.el.hidden = !p.lock && !p.end_meeting && !p.share_invite;
    const text = room.locked ? 'Unlock meeting' : 'Lock meeting';
    if (this.lock.textContent !== text) this.lock.textContent = text;
    this.lock.dataset.locked = String(room.locked);
  }

  private confirmEnd(): void {
    const yes = button('End the meeting', { id: 'end-confirm' }, 'danger');
    const no = button('Cancel');
    this.slot.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-label': 'End the meeting for everyone?' },
      h('p', {}, 'End the meeting for everyone? Everyone is disconnected and the meeting closes.'),
      h('div', { class: 'actions actions-left' }, yes, no)));
    no.addEventListener('click', () => {
      this.slot.replaceChildren();
      this.end.focus();
    });
    yes.addEventListener('click', () => {
      this.slot.replaceChildren();
      this.deps.act('end the meeting', () => this.deps.room.endMeeting());
    });
    no.focus();
  }
}

/** "Locked" in the header, for everyone in the meeting. */
export class LockBadge {
  readonly el: HTMLElement;

  constructor() {
    this.el = h('span', { id: 'meeting-lock', class: 'lock-badge', hidden: true, title: 'Nobody new can join until a host unlocks the meeting' },
      icon('lock'), h('span', {}, 'Locked'));
  }

  paint(locked: boolean): void {
    this.el.hidden = !locked;
    this.el.dataset.locked = String(locked);
  }
}
