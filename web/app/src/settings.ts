// The meeting's settings: a popover above the controls with a camera and a
// microphone select (choosing one switches the published track) and the
// switch for single-key shortcuts (WCAG 2.1.4: they can be turned off).

import { DeviceError, listDevices, type Room } from '../../sdk/src/index.js';
import { h, notify } from './dom.js';
import { loadPrefs, savePrefs } from './prefs.js';
import { SHORTCUT_KEYS } from './shortcuts.js';
import { deviceErrorText, type DeviceKind } from './text.js';

export class SettingsPanel {
  readonly el: HTMLElement;
  /** Single-key shortcuts on (remembered in the preferences). */
  readonly shortcuts: HTMLInputElement;
  private readonly select: Record<DeviceKind, HTMLSelectElement>;
  private readonly msg: Record<DeviceKind, HTMLElement>;
  private readonly closeButton: HTMLButtonElement;
  private readonly switching: Record<DeviceKind, boolean> = { camera: false, microphone: false };
  private enumerating = 0;
  private disposed = false;
  private readonly offs: Array<() => void> = [];

  /**
   * toggle is the button that opens the panel; changed is called after a
   * device switch (the local tile shows the new track) and after the
   * shortcuts setting changed.
   */
  constructor(
    private readonly room: Room,
    private readonly toggle: HTMLButtonElement,
    private readonly changed: () => void,
  ) {
    const camera = h('select', { id: 'meeting-camera-select', 'aria-describedby': 'meeting-camera-message' });
    const microphone = h('select', { id: 'meeting-mic-select', 'aria-describedby': 'meeting-mic-message' });
    this.select = { camera, microphone };
    this.msg = {
      camera: h('p', { id: 'meeting-camera-message', class: 'device-message', role: 'status' }),
      microphone: h('p', { id: 'meeting-mic-message', class: 'device-message', role: 'status' }),
    };
    this.shortcuts = h('input', { type: 'checkbox', id: 'shortcuts-toggle', 'aria-describedby': 'shortcuts-hint' });
    this.shortcuts.checked = loadPrefs().shortcuts;
    this.closeButton = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close settings' }, '×');
    this.el = h(
      'div',
      { id: 'settings-panel', class: 'devices-panel', role: 'group', 'aria-labelledby': 'settings-title', hidden: true },
      h('div', { class: 'devices-head' }, h('h2', { id: 'settings-title' }, 'Settings'), this.closeButton),
      h('div', { class: 'field' }, h('label', { for: 'meeting-camera-select' }, 'Camera'), camera, this.msg.camera),
      h('div', { class: 'field' }, h('label', { for: 'meeting-mic-select' }, 'Microphone'), microphone, this.msg.microphone),
      h(
        'div',
        { class: 'field field-check' },
        h('label', { for: 'shortcuts-toggle' }, this.shortcuts, ' Single-key shortcuts'),
        h('p', { id: 'shortcuts-hint', class: 'hint' }, `${SHORTCUT_KEYS.map((k) => k.toUpperCase()).join(', ')} press the controls. Turn them off if they get in the way of your keyboard or speech input.`),
      ),
    );
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', 'settings-panel');
    this.shortcuts.addEventListener('change', () => {
      savePrefs({ shortcuts: this.shortcuts.checked });
      changed();
    });

    camera.addEventListener('change', () => void this.switchTo('camera', camera.value));
    microphone.addEventListener('change', () => void this.switchTo('microphone', microphone.value));
    toggle.addEventListener('click', () => this.setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
    this.closeButton.addEventListener('click', () => this.setOpen(false));
    // A click elsewhere closes the panel, as a menu would (focus stays where the click put it).
    const onPointerDown = (e: PointerEvent) => {
      const t = e.target as Node | null;
      if (this.open && t && !this.el.contains(t) && !toggle.contains(t)) this.setOpen(false, false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    const onDeviceChange = () => void this.refresh();
    navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);
    this.offs.push(
      () => document.removeEventListener('pointerdown', onPointerDown),
      () => navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange),
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  setOpen(open: boolean, focus = true): void {
    if (open === this.open) return;
    this.el.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.classList.toggle('is-open', open);
    if (open) {
      void this.refresh();
      const { camera, microphone } = this.select;
      if (focus) (camera.disabled ? (microphone.disabled ? this.closeButton : microphone) : camera).focus();
    } else if (focus) this.toggle.focus();
  }

  dispose(): void {
    this.disposed = true;
    for (const off of this.offs) off();
  }

  /** The device in use: the published track's, else the remembered choice. */
  private current(kind: DeviceKind): string {
    const t = this.room.localTracks().find((x) => x.source === kind);
    const id = t && t.track.readyState !== 'ended' ? t.track.getSettings().deviceId ?? '' : '';
    if (id) return id;
    const prefs = loadPrefs();
    return kind === 'camera' ? prefs.cameraId : prefs.micId;
  }

  private setMsg(kind: DeviceKind, text: string): void {
    this.msg[kind].textContent = text;
    this.msg[kind].classList.toggle('is-error', text !== '');
  }

  private fill(kind: DeviceKind, list: MediaDeviceInfo[]): void {
    const sel = this.select[kind];
    const noun = kind === 'camera' ? 'Camera' : 'Microphone';
    sel.replaceChildren(...list.map((d, i) => h('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (list.length === 0) sel.append(h('option', { value: '' }, `No ${kind} found`));
    sel.disabled = list.length === 0 || this.switching[kind] || !this.room.local.permissions.publish;
    const want = this.current(kind);
    if (list.some((d) => d.deviceId === want)) sel.value = want;
  }

  private async refresh(): Promise<void> {
    const my = ++this.enumerating;
    let devs: Awaited<ReturnType<typeof listDevices>>;
    try {
      devs = await listDevices();
    } catch (err) {
      if (this.disposed || my !== this.enumerating) return;
      const text = deviceErrorText('camera', err instanceof DeviceError ? err.kind : undefined);
      this.setMsg('camera', text);
      this.setMsg('microphone', text);
      return;
    }
    if (this.disposed || my !== this.enumerating) return;
    this.fill('camera', devs.videoinput);
    this.fill('microphone', devs.audioinput);
  }

  private async switchTo(kind: DeviceKind, deviceId: string): Promise<void> {
    if (this.switching[kind] || !deviceId) return;
    const sel = this.select[kind];
    this.switching[kind] = true;
    sel.disabled = true;
    sel.setAttribute('aria-busy', 'true');
    this.setMsg(kind, '');
    try {
      await this.room.switchDevice(kind === 'camera' ? 'videoinput' : 'audioinput', deviceId);
      savePrefs(kind === 'camera' ? { cameraId: deviceId } : { micId: deviceId });
    } catch (err) {
      const text = err instanceof DeviceError ? deviceErrorText(kind, err.kind) : `Could not switch the ${kind}: ${err instanceof Error ? err.message : String(err)}`;
      this.setMsg(kind, text);
      notify(text, 'error');
    } finally {
      this.switching[kind] = false;
      sel.removeAttribute('aria-busy');
      if (!this.disposed) {
        this.changed();
        await this.refresh(); // labels may now be readable; the select shows the device really in use
        if (document.activeElement === document.body && this.open) sel.focus();
      }
    }
  }
}
