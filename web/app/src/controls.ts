// The control bar under the meeting: microphone, camera, devices, screen
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
}

const NO_PUBLISH = 'Your token does not allow sharing audio or video';

export class ControlBar {
  readonly el: HTMLElement;
  readonly mic: HTMLButtonElement;
  readonly camera: HTMLButtonElement;
  readonly devices: HTMLButtonElement;
  readonly screen: HTMLButtonElement;
  readonly chat: HTMLButtonElement;
  readonly people: HTMLButtonElement;
  readonly leave: HTMLButtonElement;
  private readonly badge: HTMLElement;

  constructor(actions: ControlActions) {
    // The mic and camera buttons are toggles whose aria-pressed="true" means
    // "muted" / "camera off" (the off switch is engaged; .is-off styles it and
    // the browser tests read it). Their label, title and visible text name what
    // a press does, so they follow the state too: see paintMedia().
    this.mic = ctrl('mic-button', 'Mute microphone', 'Mute', 'm', 'mic');
    this.camera = ctrl('camera-button', 'Stop camera', 'Stop camera', 'v', 'camera');
    this.devices = ctrl('devices-button', 'Camera and microphone settings', 'Devices', null, 'settings');
    this.screen = ctrl('screen-button', 'Share screen', 'Share screen', 's', 'screen');
    this.chat = ctrl('chat-button', 'Chat', 'Chat', 'c', 'chat');
    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.chat.append(this.badge);
    this.people = ctrl('participants-button', 'Participants', 'Participants', 'p', 'people');
    this.leave = ctrl('leave-button', 'Leave meeting', 'Leave', null, 'leave', 'ctrl-leave');
    for (const b of [this.mic, this.camera, this.screen, this.chat, this.people]) setPressed(b, false);

    this.el = h(
      'section',
      { class: 'controls', 'aria-label': 'Meeting controls' },
      h('div', { class: 'controls-group' }, this.mic, this.camera, this.devices, this.screen),
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
    paintMedia(this.mic, s.micMuted, s.micMuted
      ? { label: 'Unmute microphone', text: 'Unmute', icon: 'micOff', key: 'M' }
      : { label: 'Mute microphone', text: 'Mute', icon: 'mic', key: 'M' });
    paintMedia(this.camera, s.cameraOff, s.cameraOff
      ? { label: 'Start camera', text: 'Start camera', icon: 'cameraOff', key: 'V' }
      : { label: 'Stop camera', text: 'Stop camera', icon: 'camera', key: 'V' });
    setPressed(this.screen, s.sharing);
    for (const b of [this.mic, this.camera, this.screen]) {
      b.disabled = !s.canPublish || !s.live;
      if (!s.canPublish) b.title = NO_PUBLISH;
    }
    if (s.canPublish) this.screen.title = s.sharing ? 'You are sharing: press to stop (S)' : 'Share screen (S)';
    this.devices.disabled = !s.canPublish;
    this.devices.title = s.canPublish ? 'Camera and microphone settings' : NO_PUBLISH;
  }

  /** Shows which side panel is open. */
  setPanel(which: 'chat' | 'people' | null): void {
    setPressed(this.chat, which === 'chat');
    setPressed(this.people, which === 'people');
  }

  setUnread(n: number): void {
    this.badge.hidden = n === 0;
    this.badge.textContent = n > 9 ? '9+' : String(n);
    this.chat.setAttribute('aria-label', n > 0 ? `Chat, ${n} unread` : 'Chat');
  }
}

function ctrl(id: string, label: string, text: string, key: string | null, ic: IconName, extra = ''): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button', id, class: `ctrl ${extra}`.trim(), 'aria-label': label,
      title: key ? `${label} (${key.toUpperCase()})` : label, 'aria-keyshortcuts': key,
    },
    icon(ic),
    h('span', { class: 'ctrl-label' }, text),
  );
}

/** Sets a mic/camera toggle: aria-pressed = off (see the note in the constructor), label and text = the action. */
function paintMedia(btn: HTMLButtonElement, off: boolean, v: { label: string; text: string; icon: IconName; key: string }): void {
  setPressed(btn, off);
  btn.classList.toggle('is-off', off);
  if (btn.dataset.icon !== v.icon) {
    btn.dataset.icon = v.icon;
    swapIcon(btn, v.icon);
  }
  btn.setAttribute('aria-label', v.label);
  btn.title = `${v.label} (${v.key})`;
  const text = btn.querySelector('.ctrl-label');
  if (text && text.textContent !== v.text) text.textContent = v.text;
}
