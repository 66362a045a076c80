// The meeting-wide controls of those whose role allows them, above the
// participant list: lock and unlock, the lobby on and off, the room
// password, end the meeting
// for everyone (after a confirmation), and "Invite people"
// (invite-link.ts). Each shows only
// with its permission (the joined message's, kept current by
// role_changed); the server decides anyway. The lock's state is shown to
// everyone, in the header (LockBadge).

import type { Room } from '../../sdk/src/index.js';
import { api } from './account-api.js';
import { button, errorText, field, formError, input, withBusy } from './account-ui.js';
import { h, notify } from './dom.js';
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
  private readonly lobby: HTMLButtonElement;
  private readonly end: HTMLButtonElement;
  private readonly invite: HTMLButtonElement;
  private readonly password: HTMLButtonElement;
  private readonly slot: HTMLElement;

  constructor(private readonly deps: HostDeps) {
    const { room } = deps;
    // Its words say what a press does; data-locked styles the locked state.
    this.lock = button('Lock meeting', { id: 'lock-button' });
    // As the lock: its words say what a press does; data-lobby is the state.
    this.lobby = button('Turn lobby on', { id: 'lobby-button', title: 'Whether guests wait until a host or moderator admits them' });
    this.end = button('End for all', { id: 'end-button' }, 'danger');
    this.invite = button('Invite people', { id: 'invite-people', 'aria-expanded': 'false', 'aria-controls': 'invite-panel' });
    this.password = button('Room password', { id: 'password-button', 'aria-expanded': 'false' });
    this.slot = h('div', { class: 'section-slot' });
    this.invites = new InvitePanel({ room: () => room.name, token: deps.token });
    this.el = h('section', { class: 'host-panel', id: 'host-panel', 'aria-labelledby': 'host-title', hidden: true },
      h('h3', { id: 'host-title' }, 'Meeting controls'),
      h('div', { class: 'host-actions' }, this.invite, this.lock, this.lobby, this.password, this.end),
      this.slot,
      this.invites.el);

    this.lock.addEventListener('click', () => {
      const locked = !room.locked;
      deps.act(locked ? 'lock the meeting' : 'unlock the meeting', () => room.lockMeeting(locked));
    });
    this.lobby.addEventListener('click', () => {
      // Turning it off admits nobody who already waits (docs/access.md).
      const on = !room.lobbyOn;
      deps.act(on ? 'turn the lobby on' : 'turn the lobby off', () => room.setLobby(on));
    });
    this.end.addEventListener('click', () => this.confirmEnd());
    this.password.addEventListener('click', () => {
      // A second press closes the form.
      if (this.slot.querySelector('#room-password')) this.slot.replaceChildren();
      else void this.passwordForm();
      this.password.setAttribute('aria-expanded', String(!!this.slot.querySelector('#room-password')));
    });
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
    this.lobby.hidden = !p.lock;
    this.end.hidden = !p.end_meeting;
    this.password.hidden = !p.lock;
    this.invite.hidden = !p.share_invite;
    if (!p.share_invite && this.invites.open) this.showInvites(false);
    if (!p.end_meeting && !p.lock) this.slot.replaceChildren();
    this.el.hidden = !p.lock && !p.end_meeting && !p.share_invite;
    const text = room.locked ? 'Unlock meeting' : 'Lock meeting';
    if (this.lock.textContent !== text) this.lock.textContent = text;
    this.lock.dataset.locked = String(room.locked);
    const lobbyText = room.lobbyOn ? 'Turn lobby off' : 'Turn lobby on';
    if (this.lobby.textContent !== lobbyText) this.lobby.textContent = lobbyText;
    this.lobby.dataset.lobby = String(room.lobbyOn);
  }

  /**
   * Sets or removes the room password through the REST API (its answer
   * says the change is stored; signaling's set_password has none), with
   * this participant's join token: the room decides on its role now.
   */
  private async passwordForm(): Promise<void> {
    const { room } = this.deps;
    const path = `/v1/rooms/${encodeURIComponent(room.name)}`;
    const state = h('p', { id: 'password-state' }, 'Checking whether the meeting has a password…');
    const pw = field('New password', input({ id: 'room-password', type: 'password', autocomplete: 'new-password', minlength: 8, maxlength: 128 }),
      'At least 8 characters. Guests who join from now on must give it; those already in stay. Share it apart from the invite link.');
    const err = formError();
    err.id = 'password-error';
    const set = h('button', { type: 'submit', class: 'btn btn-primary btn-small', id: 'password-set' }, 'Set password');
    const clear = button('Remove the password', { id: 'password-clear', class: 'btn btn-ghost btn-small' });
    const close = button('Close', { class: 'btn btn-ghost btn-small' });
    const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Room password' }, state, pw.wrap, err,
      h('div', { class: 'actions actions-left' }, set, clear, close));
    this.slot.replaceChildren(form);
    close.addEventListener('click', () => {
      this.slot.replaceChildren();
      this.password.setAttribute('aria-expanded', 'false');
      this.password.focus();
    });
    const show = (has: boolean | undefined) => {
      state.dataset.password = String(!!has);
      state.textContent = has ? 'This meeting has a password.' : 'This meeting has no password.';
      clear.hidden = !has;
    };
    const send = (password: string, button: HTMLButtonElement, busy: string) => withBusy(button, busy, err, async () => {
      const info = await api<{ password?: boolean }>('POST', `${path}/password`, { password }, this.deps.token());
      show(info?.password);
      pw.input.value = '';
      notify(password ? 'The password is set: guests who join from now on must give it.' : 'The meeting no longer has a password.');
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = pw.input.value;
      const n = Array.from(v).length;
      const ok = n >= 8 && new TextEncoder().encode(v).length <= 128 && !/[\u0000-\u001f\u007f]/.test(v);
      pw.setError(ok ? '' : 'Use 8 to 128 characters, without line breaks.');
      if (!ok) return pw.input.focus();
      void send(v, set, 'Setting…');
    });
    clear.addEventListener('click', () => void send('', clear, 'Removing…'));
    pw.input.focus();
    try {
      show((await api<{ password?: boolean }>('GET', path, undefined, this.deps.token()))?.password);
    } catch (e) {
      state.textContent = `Whether the meeting has a password could not be read: ${errorText(e)}`;
      clear.hidden = false;
    }
  }

  private confirmEnd(): void {
    this.password.setAttribute('aria-expanded', 'false');
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
