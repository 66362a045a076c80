// The participant list: who is here, whether their mic and camera are on,
// and, in an end-to-end encrypted meeting, a badge for keys that are
// verified or flagged (the security panel says more).

import type { ConnectionQuality, Role, TrackInfo } from '../../sdk/src/index.js';
import { h, hueOf, initials } from './dom.js';
import { icon, swapIcon } from './icons.js';
import type { PersonActions } from './moderation.js';
import { KEY_TEXT, type KeyState } from './security.js';
import { ROLE_TEXT } from './text.js';
import { QUALITY_TEXT } from './tiles.js';

export interface PersonState {
  id: string;
  identity: string;
  name: string;
  local: boolean;
  micMuted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  quality: ConnectionQuality | null;
  /** Their keys' state in an end-to-end encrypted meeting; null for us and in a plain one. */
  key: KeyState | null;
  role: Role | undefined;
  /** A signed-in member of the organisation (who came by an invite), not a guest without an account. */
  member: boolean;
  /** Their microphone and camera tracks, for a host's mute. */
  mic: TrackInfo | null;
  camera: TrackInfo | null;
}

interface Row {
  li: HTMLLIElement;
  name: HTMLElement;
  avatar: HTMLElement;
  mic: HTMLElement;
  cam: HTMLElement;
  share: HTMLElement;
  quality: HTMLElement;
  key: HTMLElement;
  role: HTMLElement;
  actions: PersonActions | null;
}

export class PeoplePanel {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly title: HTMLElement;
  private readonly rows = new Map<string, Row>();

  constructor(
    closeButton: HTMLButtonElement,
    extra: HTMLElement,
    /** The actions menu of a row (moderation.ts), for the participant of that id. */
    private readonly actionsFor: ((id: string) => PersonActions) | null = null,
  ) {
    this.list = h('ul', { id: 'participant-list', class: 'people-list' });
    this.title = h('h2', { id: 'people-title' }, 'Participants');
    this.el = h(
      'aside',
      { id: 'participants-panel', class: 'panel', 'aria-labelledby': 'people-title', hidden: true },
      h('div', { class: 'panel-head' }, this.title, closeButton),
      // The host's controls can be tall: they scroll with the list.
      h('div', { class: 'people-scroll' }, extra, this.list),
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  setOpen(open: boolean): void {
    this.el.hidden = !open;
  }

  render(people: PersonState[]): void {
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const p of people) {
      seen.add(p.id);
      let row = this.rows.get(p.id);
      if (!row) {
        row = this.makeRow(p);
        this.rows.set(p.id, row);
      }
      this.updateRow(row, p);
      const want: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.li) this.list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    this.title.textContent = `Participants (${people.length})`;
  }

  private makeRow(p: PersonState): Row {
    const name = h('span', { class: 'person-name' });
    const avatar = h('span', { class: 'avatar avatar-small', 'aria-hidden': 'true' });
    const mic = h('span', { class: 'person-state', role: 'img' }, icon('mic'));
    const cam = h('span', { class: 'person-state', role: 'img' }, icon('camera'));
    const share = h('span', { class: 'person-state person-share', role: 'img', 'aria-label': 'Sharing screen', title: 'Sharing screen' }, icon('screen'));
    const quality = h('span', { class: 'quality', role: 'img' });
    const key = h('span', { class: 'person-key', role: 'img', hidden: true }, icon('warning'));
    const role = h('span', { class: 'person-role', hidden: true });
    const actions = p.local ? null : (this.actionsFor?.(p.id) ?? null);
    const li = h(
      'li',
      { 'data-participant-id': p.id, 'data-identity': p.identity, class: 'person' },
      avatar,
      h('span', { class: 'person-label' }, name, p.local ? h('span', { class: 'person-you' }, ' (you)') : null, role),
      key,
      h('span', { class: 'person-states' }, share, mic, cam, quality),
      actions?.toggle,
      actions?.menu,
    );
    return { li, name, avatar, mic, cam, share, quality, key, role, actions };
  }

  private updateRow(r: Row, p: PersonState): void {
    if (r.name.textContent !== p.name) {
      r.name.textContent = p.name;
      r.avatar.textContent = initials(p.name);
      r.avatar.style.setProperty('--hue', String(hueOf(p.identity)));
    }
    r.li.dataset.micMuted = String(p.micMuted);
    r.li.dataset.cameraOff = String(p.cameraOff);
    setState(r.mic, p.micMuted ? 'micOff' : 'mic', p.micMuted ? 'Microphone off' : 'Microphone on', p.micMuted);
    setState(r.cam, p.cameraOff ? 'cameraOff' : 'camera', p.cameraOff ? 'Camera off' : 'Camera on', p.cameraOff);
    r.share.hidden = !p.sharing;
    setKey(r.key, p.key);
    // Participants are the usual case: only the other roles are named.
    const named = p.role && p.role !== 'participant' ? ROLE_TEXT[p.role] : '';
    const role = p.member ? (named ? `${named} · member` : 'Member') : named;
    r.li.dataset.role = p.role ?? 'participant';
    r.role.hidden = role === '';
    if (r.role.textContent !== role) r.role.textContent = role;
    r.actions?.update({ id: p.id, identity: p.identity, name: p.name, role: p.role, local: p.local, mic: p.mic, camera: p.camera });
    r.quality.hidden = p.quality === null;
    if (p.quality) {
      r.quality.dataset.quality = p.quality;
      r.quality.setAttribute('aria-label', QUALITY_TEXT[p.quality]);
      r.quality.title = QUALITY_TEXT[p.quality];
    }
  }
}

/** The key badge: a warning for flagged keys, a check for verified ones, nothing otherwise. */
function setKey(el: HTMLElement, k: KeyState | null): void {
  const shown = k === 'invalid' || k === 'changed' || k === 'verified' ? k : null;
  if ((el.dataset.key ?? null) === shown) return;
  el.hidden = shown === null;
  if (shown === null) {
    delete el.dataset.key;
    return;
  }
  el.dataset.key = shown;
  swapIcon(el, shown === 'verified' ? 'check' : 'warning');
  el.setAttribute('aria-label', KEY_TEXT[shown]);
  el.title = KEY_TEXT[shown];
}

function setState(el: HTMLElement, name: 'mic' | 'micOff' | 'camera' | 'cameraOff', label: string, off: boolean): void {
  if (el.getAttribute('aria-label') === label) return;
  swapIcon(el, name);
  el.setAttribute('aria-label', label);
  el.title = label;
  el.classList.toggle('is-off', off);
}
