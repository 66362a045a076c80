// The control bar under the meeting: microphone, camera, settings, screen
// share, chat, participants and leave. It shows state; what a press does is
// the meeting's business (the actions given to it).

import { h, setPressed } from './dom.js';
import { icon, swapIcon, type IconName } from './icons.js';

export interface ControlActions {
  mic(): void;
  camera(): void;
  screen(): void;
  chat(): void;
  people(): void;
  leave(): void;
}

/** What the media buttons show. */
export interface ControlState {
  micMuted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  /** The token allows publishing. */
  canPublish: boolean;
  /** Connected or reconnecting (a press can take effect). */
  live: boolean;
  /** Single-key shortcuts are on: the buttons name their keys. */
  shortcuts: boolean;
  /** The host muted the microphone / camera: the button asks them instead. */
  micLocked: boolean;
  cameraLocked: boolean;
  /** We asked the host to lift it a moment ago. */
  micAsked: boolean;
  cameraAsked: boolean;
}

const NO_PUBLISH = 'Your token does not allow sharing audio or video';

export class ControlBar {
  readonly el: HTMLElement;
  readonly mic: HTMLButtonElement;
  readonly camera: HTMLButtonElement;
  readonly settings: HTMLButtonElement;
  readonly screen: HTMLButtonElement;
  readonly chat: HTMLButtonElement;
  readonly people: HTMLButtonElement;
  readonly leave: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly waitingBadge: HTMLElement;

  constructor(actions: ControlActions) {
    // The mic and camera buttons are toggles whose aria-pressed="true" means
    // "muted" / "camera off" (the off switch is engaged; .is-off styles it and
    // the browser tests read it). Their label, title and visible text name what
    // a press does, so they follow the state too: see paintMedia().
    this.mic = ctrl('mic-button', 'Mute microphone', 'Mute', 'm', 'mic');
    this.camera = ctrl('camera-button', 'Stop camera', 'Stop camera', 'v', 'camera');
    // Named by its visible word alone, so speech users can say what they see.
    this.settings = ctrl('settings-button', null, 'Settings', null, 'settings');
    this.screen = ctrl('screen-button', 'Share screen', 'Share screen', 's', 'screen');
    this.chat = ctrl('chat-button', 'Chat', 'Chat', 'c', 'chat');
    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.chat.append(this.badge);
    this.people = ctrl('participants-button', 'Participants', 'Participants', 'p', 'people');
    this.waitingBadge = h('span', { class: 'badge badge-waiting', id: 'waiting-badge', hidden: true, 'aria-hidden': 'true' });
    this.people.append(this.waitingBadge);
    this.leave = ctrl('leave-button', 'Leave meeting', 'Leave', null, 'leave', 'ctrl-leave');
    for (const b of [this.mic, this.camera, this.screen, this.chat, this.people]) setPressed(b, false);

    this.el = h(
      'section',
      { class: 'controls', 'aria-label': 'Meeting controls' },
      h('div', { class: 'controls-group' }, this.mic, this.camera, this.settings, this.screen),
      h('div', { class: 'controls-group' }, this.chat, this.people),
      h('div', { class: 'controls-group' }, this.leave),
    );

    this.mic.addEventListener('click', () => actions.mic());
    this.camera.addEventListener('click', () => actions.camera());
    this.screen.addEventListener('click', () => actions.screen());
    this.chat.addEventListener('click', () => actions.chat());
    this.people.addEventListener('click', () => actions.people());
    this.leave.addEventListener('click', () => actions.leave());
  }

  paint(s: ControlState): void {
    const key = (k: string) => (s.shortcuts ? ` (${k})` : '');
    // A button whose device the host muted names the lock and asks them.
    paintMedia(this.mic, s.micMuted, key('M'), s.micLocked
      ? { label: s.micAsked ? 'Muted by the host: you asked to unmute' : 'Muted by the host: ask to unmute', text: s.micAsked ? 'Asked to unmute' : 'Ask to unmute', icon: 'micOff', locked: true }
      : s.micMuted
        ? { label: 'Unmute microphone', text: 'Unmute', icon: 'micOff' }
        : { label: 'Mute microphone', text: 'Mute', icon: 'mic' });
    paintMedia(this.camera, s.cameraOff, key('V'), s.cameraLocked
      ? { label: s.cameraAsked ? 'Camera stopped by the host: you asked to start it' : 'Camera stopped by the host: ask to start it', text: s.cameraAsked ? 'Asked to start' : 'Ask to start camera', icon: 'cameraOff', locked: true }
      : s.cameraOff
        ? { label: 'Start camera', text: 'Start camera', icon: 'cameraOff' }
        : { label: 'Stop camera', text: 'Stop camera', icon: 'camera' });
    setPressed(this.screen, s.sharing);
    for (const b of [this.mic, this.camera, this.screen]) {
      b.disabled = !s.canPublish || !s.live;
      if (!s.canPublish) b.title = NO_PUBLISH;
    }
    if (s.canPublish) this.screen.title = (s.sharing ? 'You are sharing: press to stop' : 'Share screen') + key('S');
    this.chat.title = `Chat${key('C')}`;
    this.people.title = `Participants${key('P')}`;
    for (const [b, k] of [[this.mic, 'm'], [this.camera, 'v'], [this.screen, 's'], [this.chat, 'c'], [this.people, 'p']] as const) {
      if (s.shortcuts) b.setAttribute('aria-keyshortcuts', k);
      else b.removeAttribute('aria-keyshortcuts');
    }
    this.settings.title = s.canPublish ? 'Camera, microphone and keyboard settings' : `${NO_PUBLISH}; keyboard settings`;
  }

  /** Shows which side panel is open (the security panel has its button in the header). */
  setPanel(which: 'chat' | 'people' | 'security' | null): void {
    setPressed(this.chat, which === 'chat');
    setPressed(this.people, which === 'people');
  }

  /** How many guests wait in the lobby, for those who may admit them. */
  setWaiting(n: number): void {
    this.waitingBadge.hidden = n === 0;
    this.waitingBadge.textContent = n > 9 ? '9+' : String(n);
    this.people.setAttribute('aria-label', n > 0 ? `Participants, ${n} waiting to join` : 'Participants');
  }

  setUnread(n: number): void {
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 9 ? '9+' : String(n);
    this.chat.setAttribute('aria-label', n > 0 ? `Chat, ${n} unread` : 'Chat');
  }
}

/** A control; label (the accessible name) must contain text, the visible word; null: text is the name. */
function ctrl(id: string, label: string | null, text: string, key: string | null, ic: IconName, extra = ''): HTMLButtonElement {
  const name = label ?? text;
  return h(
    'button',
    {
      type: 'button', id, class: `ctrl ${extra}`.trim(), 'aria-label': label,
      title: key ? `${name} (${key.toUpperCase()})` : name, 'aria-keyshortcuts': key,
    },
    icon(ic),
    h('span', { class: 'ctrl-label' }, text),
  );
}

/** Sets a mic/camera toggle: aria-pressed = off (see the note in the constructor), label and text = the action. */
function paintMedia(btn: HTMLButtonElement, off: boolean, key: string, v: { label: string; text: string; icon: IconName; locked?: boolean }): void {
  setPressed(btn, off);
  btn.classList.toggle('is-off', off);
  btn.dataset.hostMuted = String(!!v.locked);
  if (btn.dataset.icon !== v.icon) {
    btn.dataset.icon = v.icon;
    swapIcon(btn, v.icon);
  }
  btn.setAttribute('aria-label', v.label);
  btn.title = v.label + key;
  const text = btn.querySelector('.ctrl-label');
  if (text && text.textContent !== v.text) text.textContent = v.text;
}
