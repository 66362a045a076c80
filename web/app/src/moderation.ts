// What a host or moderator can do to one participant, from the participant
// list: mute their microphone or camera (a lock they cannot lift), change
// their role, remove them, remove and ban them. The menu offers only what
// this participant's permissions and the rank rule allow (docs/access.md:
// an actor acts on roles strictly below its own and gives at most its own);
// the server decides anyway, and a refusal arrives as an error event that
// the meeting turns into a sentence (text.ts moderationErrorText).

import type { Role, Room, TrackInfo } from '../../sdk/src/index.js';
import { button } from './account-ui.js';
import { h } from './dom.js';
import { ROLE_TEXT } from './text.js';

const RANK: Record<Role, number> = { viewer: 0, participant: 1, moderator: 2, host: 3 };
const ROLES: Role[] = ['host', 'moderator', 'participant', 'viewer'];

/** A role's rank; a participant without one (an older server) counts as a participant. */
export function rankOf(role: Role | undefined): number {
  return RANK[role ?? 'participant'] ?? RANK.participant;
}

/** How a guest's identity starts (the server's invite redemption: docs/access.md, "Redeeming"). */
const GUEST_PREFIX = 'guest_';

/** Ban durations offered, in seconds; 0 is the meeting's life. */
export const BAN_DURATIONS: { seconds: number; label: string }[] = [
  { seconds: 3600, label: 'for 1 hour' },
  { seconds: 86400, label: 'for 1 day' },
  { seconds: 7 * 86400, label: 'for 7 days' },
  { seconds: 0, label: 'for as long as this meeting lasts' },
];

/** The participant an action targets, as the list shows it. */
export interface Target {
  id: string;
  identity: string;
  name: string;
  role: Role | undefined;
  local: boolean;
  mic: TrackInfo | null;
  camera: TrackInfo | null;
}

/** What the meeting does with an action: sends it and remembers it, to name it if the server refuses. */
export type Act = (what: string, send: () => void) => void;

/** What this participant may do to t: empty when nothing. */
export function allowed(room: Room, t: Target): { mute: boolean; roles: Role[]; remove: boolean; ban: boolean } {
  const me = room.local;
  const mine = rankOf(me.role);
  const none = { mute: false, roles: [], remove: false, ban: false };
  if (t.local || rankOf(t.role) >= mine) return none;
  const p = me.permissions;
  return {
    mute: !!p.mute_others,
    roles: p.change_roles ? ROLES.filter((r) => RANK[r] <= mine && r !== (t.role ?? 'participant')) : [],
    remove: !!p.remove,
    ban: !!p.ban,
  };
}

/** The actions button of one row of the participant list, and the menu it opens under the row. */
export class PersonActions {
  readonly toggle: HTMLButtonElement;
  readonly menu: HTMLElement;
  private readonly items: HTMLElement;
  private readonly slot: HTMLElement;
  private readonly mic: HTMLButtonElement;
  private readonly camera: HTMLButtonElement;
  private readonly roles = new Map<Role, HTMLButtonElement>();
  private readonly remove: HTMLButtonElement;
  private readonly ban: HTMLButtonElement;
  private target: Target | null = null;

  constructor(
    private readonly room: Room,
    private readonly act: Act,
  ) {
    this.toggle = h('button', { type: 'button', class: 'icon-btn person-more', 'aria-expanded': 'false', hidden: true }, '⋯');
    this.mic = button('Mute microphone', { class: 'btn btn-ghost btn-small', 'data-action': 'mute-mic' });
    this.camera = button('Stop camera', { class: 'btn btn-ghost btn-small', 'data-action': 'mute-camera' });
    for (const r of ROLES) this.roles.set(r, button(`Make ${ROLE_TEXT[r].toLowerCase()}`, { class: 'btn btn-ghost btn-small', 'data-action': `role-${r}` }));
    this.remove = button('Remove from meeting', { class: 'btn btn-ghost btn-small', 'data-action': 'remove' });
    this.ban = button('Remove and ban…', { class: 'btn btn-ghost btn-small', 'data-action': 'ban' });
    this.items = h('div', { class: 'person-menu-items' }, this.mic, this.camera, ...this.roles.values(), this.remove, this.ban);
    this.slot = h('div', { class: 'section-slot' });
    this.menu = h('div', { class: 'person-menu', role: 'group', hidden: true }, this.items, this.slot);
    this.toggle.addEventListener('click', () => this.setOpen(this.toggle.getAttribute('aria-expanded') !== 'true'));
    this.menu.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      this.setOpen(false);
      this.toggle.focus();
    });

    this.mic.addEventListener('click', () => this.mute('microphone'));
    this.camera.addEventListener('click', () => this.mute('camera'));
    for (const [r, b] of this.roles) {
      b.addEventListener('click', () => {
        const t = this.target;
        if (!t) return;
        this.close();
        this.act(`make ${t.name} ${r === 'participant' ? 'a participant' : `a ${r}`}`, () => this.room.setRole(t.id, r));
      });
    }
    this.remove.addEventListener('click', () => this.confirmRemove());
    this.ban.addEventListener('click', () => this.confirmBan());
  }

  /** Shows the button and the items t allows; hides all when there are none. */
  update(t: Target): void {
    this.target = t;
    const a = allowed(this.room, t);
    const any = a.mute || a.roles.length > 0 || a.remove || a.ban;
    this.toggle.hidden = !any;
    this.toggle.setAttribute('aria-label', `Actions for ${t.name}`);
    this.toggle.title = `Actions for ${t.name}`;
    this.menu.setAttribute('aria-label', `Actions for ${t.name}`);
    if (!any) {
      this.setOpen(false);
      return;
    }
    paintMute(this.mic, a.mute ? t.mic : null, 'Mute microphone', 'Let them unmute');
    paintMute(this.camera, a.mute ? t.camera : null, 'Stop camera', 'Let them start camera');
    for (const [r, b] of this.roles) b.hidden = !a.roles.includes(r);
    this.remove.hidden = !a.remove;
    this.ban.hidden = !a.ban;
  }

  setOpen(open: boolean): void {
    if (open === !this.menu.hidden) return;
    this.menu.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (!open) this.slot.replaceChildren();
    else {
      this.menu.scrollIntoView({ block: 'nearest' });
      this.items.querySelector<HTMLButtonElement>('button:not([hidden])')?.focus();
    }
  }

  private close(): void {
    this.setOpen(false);
    this.toggle.focus();
  }

  private mute(source: 'microphone' | 'camera'): void {
    const t = this.target;
    const track = source === 'microphone' ? t?.mic : t?.camera;
    if (!t || !track) return;
    const lift = !!track.muted_by_host;
    const what = source === 'microphone'
      ? (lift ? `let ${t.name} unmute` : `mute ${t.name}`)
      : (lift ? `let ${t.name} start their camera` : `stop the camera of ${t.name}`);
    this.close();
    this.act(what, () => this.room.muteParticipant(t.id, track.id, !lift));
  }

  private confirmRemove(): void {
    const t = this.target;
    if (!t) return;
    const yes = button('Remove', { 'data-action': 'confirm-remove' }, 'danger');
    const no = button('Cancel');
    this.slot.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-label': `Remove ${t.name}?` },
      h('p', {}, `Remove ${t.name} from the meeting? The link or token they joined with stops working.`),
      h('div', { class: 'actions actions-left' }, yes, no)));
    no.addEventListener('click', () => this.slot.replaceChildren());
    yes.addEventListener('click', () => {
      this.close();
      this.act(`remove ${t.name}`, () => this.room.removeParticipant(t.id));
    });
    no.focus();
  }

  private confirmBan(): void {
    const t = this.target;
    if (!t) return;
    const duration = h('select', { class: 'select-small', 'aria-label': `How long ${t.name} is banned`, 'data-field': 'ban-duration' },
      ...BAN_DURATIONS.map((d) => h('option', { value: String(d.seconds) }, d.label)));
    const yes = button('Remove and ban', { 'data-action': 'confirm-ban' }, 'danger');
    const no = button('Cancel');
    this.slot.replaceChildren(h('div', { class: 'confirm', role: 'group', 'aria-label': `Ban ${t.name}?` },
      h('p', {}, `Remove ${t.name} and refuse them, whatever token they come back with:`),
      duration,
      guestNote(t),
      h('div', { class: 'actions actions-left' }, yes, no)));
    no.addEventListener('click', () => this.slot.replaceChildren());
    yes.addEventListener('click', () => {
      const seconds = Number(duration.value);
      this.close();
      this.act(`ban ${t.name}`, () => this.room.removeParticipant(t.id, { duration: seconds }));
    });
    duration.focus();
  }
}

/**
 * A guest's identity is fresh at every redemption of an invite, so a ban
 * binds the identity they have now, not the person: say so, and where the
 * link is revoked (docs/access.md, "Invites").
 */
function guestNote(t: Target): HTMLElement | null {
  if (!t.identity.startsWith(GUEST_PREFIX)) return null;
  return h('p', { class: 'hint' }, 'Someone who came with an invite link can use it again as a new guest while it has uses left: revoke the link under “Invite people” to keep them out.');
}

function paintMute(b: HTMLButtonElement, track: TrackInfo | null, mute: string, lift: string): void {
  b.hidden = !track;
  if (!track) return;
  const text = track.muted_by_host ? lift : mute;
  if (b.textContent !== text) b.textContent = text;
}
