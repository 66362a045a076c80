// The meeting view: the tile grid, remote audio, the controls, chat and the
// participant list, all kept in step with the Room. Every Room event just
// schedules render(), which rebuilds the view state from the Room itself, so
// a missed or reordered event cannot leave a stale tile behind.

import {
  DeviceError,
  listDevices,
  type ConnectionQuality,
  type ConnectionState,
  type LocalTrack,
  type ParticipantInfo,
  type Room,
  type TrackSource,
} from '../../sdk/src/index.js';
import { ChatPanel } from './chat.js';
import { h, isTyping, notify, setPressed } from './dom.js';
import { icon, swapIcon, type IconName } from './icons.js';
import { PeoplePanel, type PersonState } from './people.js';
import { loadPrefs, savePrefs } from './prefs.js';
import type { MediaChoice } from './preview.js';
import { TileGrid, type TileState } from './tiles.js';
import { deviceErrorText, type DeviceKind } from './text.js';

export interface MeetingOptions {
  room: Room;
  /**
   * What to publish. A device that is on but comes without a live track (a
   * rejoin, or a preview that had not started it) is started here, unless
   * choice.failed says it could not be started: then the user is told why.
   */
  choice: MediaChoice;
  /** Called once, when the meeting ends for any reason ("client_left" when we left), with our mic/camera state then. */
  onEnd: (reason: string, media: { micOn: boolean; cameraOn: boolean }) => void;
}

const CONN_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

export function renderMeeting(root: HTMLElement, headerSlot: HTMLElement, opts: MeetingOptions): () => void {
  const { room } = opts;
  const quality = new Map<string, ConnectionQuality>();
  const names = new Map<string, string>();
  const audioEls = new Map<string, HTMLAudioElement>();
  const offs: Array<() => void> = [];
  let disposed = false;
  let ended = false;
  let leaving = false;

  // ---- header: connection status --------------------------------------
  const connText = h('span', { class: 'conn-text' });
  const connStatus = h('div', { id: 'connection-status', class: 'conn-status', role: 'status' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), connText);
  headerSlot.replaceChildren(h('span', { class: 'header-room', title: 'Room' }, room.name), connStatus);
  const setConn = (s: ConnectionState) => {
    connStatus.dataset.state = s;
    const q = quality.get(room.local.id);
    connText.textContent = s === 'connected' && q && q !== 'excellent' && q !== 'good' ? `Connected · ${q} network` : CONN_TEXT[s];
  };

  // ---- banners ---------------------------------------------------------
  const reconnectBanner = h(
    'div',
    { id: 'reconnect-banner', class: 'banner banner-warn', role: 'status', hidden: true },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    'Reconnecting… your call will resume automatically.',
  );
  const unlockButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'audio-unlock' }, 'Turn on sound');
  const audioBanner = h('div', { class: 'banner', hidden: true }, 'Your browser blocked the meeting audio. ', unlockButton);

  // ---- grid, panels ----------------------------------------------------
  const grid = new TileGrid();
  const inviteButton = h('button', { type: 'button', class: 'btn btn-ghost invite-btn', id: 'invite-button' }, icon('link'), 'Copy invite link');
  const waiting = h('div', { class: 'waiting', hidden: true }, h('p', {}, 'You are the only one here.'));
  const audioBox = h('div', { id: 'remote-audio', class: 'visually-hidden', 'aria-hidden': 'true' });

  const chatClose = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close chat' }, '×');
  const chat = new ChatPanel(
    {
      localId: () => room.local.id,
      nameOf,
      send: (text) => room.sendChat(text),
      canSend: () => room.local.permissions.publish_data && room.state === 'connected',
    },
    chatClose,
  );
  const peopleClose = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close participants' }, '×');
  const people = new PeoplePanel(peopleClose, h('div', { class: 'panel-extra' }, inviteButton));

  // ---- controls --------------------------------------------------------
  const ctrl = (id: string, label: string, text: string, key: string | null, ic: IconName, extra = '') => {
    const b = h(
      'button',
      {
        type: 'button', id, class: `ctrl ${extra}`.trim(), 'aria-label': label,
        title: key ? `${label} (${key.toUpperCase()})` : label, 'aria-keyshortcuts': key,
      },
      icon(ic),
      h('span', { class: 'ctrl-label' }, text),
    );
    return b;
  };
  // The mic and camera buttons are toggles whose aria-pressed="true" means
  // "muted" / "camera off" (the off switch is engaged; .is-off styles it and
  // the browser tests read it). Their label, title and visible text name what
  // a press does, so they follow the state too: see paintMediaButton().
  const micButton = ctrl('mic-button', 'Mute microphone', 'Mute', 'm', 'mic');
  const cameraButton = ctrl('camera-button', 'Stop camera', 'Stop camera', 'v', 'camera');
  const devicesButton = ctrl('devices-button', 'Camera and microphone settings', 'Devices', null, 'settings');
  devicesButton.setAttribute('aria-expanded', 'false');
  devicesButton.setAttribute('aria-controls', 'devices-panel');
  const screenButton = ctrl('screen-button', 'Share screen', 'Share screen', 's', 'screen');
  const chatButton = ctrl('chat-button', 'Chat', 'Chat', 'c', 'chat');
  const chatBadge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
  chatButton.append(chatBadge);
  const peopleButton = ctrl('participants-button', 'Participants', 'Participants', 'p', 'people');
  const leaveButton = ctrl('leave-button', 'Leave meeting', 'Leave', null, 'leave', 'ctrl-leave');
  for (const b of [micButton, cameraButton, screenButton, chatButton, peopleButton]) setPressed(b, false);

  // ---- device settings (mid-call camera / microphone switch) ----------------
  const cameraSelect = h('select', { id: 'meeting-camera-select', 'aria-describedby': 'meeting-camera-message' });
  const micSelect = h('select', { id: 'meeting-mic-select', 'aria-describedby': 'meeting-mic-message' });
  const cameraMsg = h('p', { id: 'meeting-camera-message', class: 'device-message', role: 'status' });
  const micMsg = h('p', { id: 'meeting-mic-message', class: 'device-message', role: 'status' });
  const devicesClose = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close device settings' }, '×');
  const devicesPanel = h(
    'div',
    { id: 'devices-panel', class: 'devices-panel', role: 'group', 'aria-labelledby': 'devices-title', hidden: true },
    h('div', { class: 'devices-head' }, h('h2', { id: 'devices-title' }, 'Camera and microphone'), devicesClose),
    h('div', { class: 'field' }, h('label', { for: 'meeting-camera-select' }, 'Camera'), cameraSelect, cameraMsg),
    h('div', { class: 'field' }, h('label', { for: 'meeting-mic-select' }, 'Microphone'), micSelect, micMsg),
  );

  const controls = h(
    'section',
    { class: 'controls', 'aria-label': 'Meeting controls' },
    h('div', { class: 'controls-group' }, micButton, cameraButton, devicesButton, screenButton),
    h('div', { class: 'controls-group' }, chatButton, peopleButton),
    h('div', { class: 'controls-group' }, leaveButton),
  );

  root.replaceChildren(
    h(
      'div',
      { class: 'page page-meeting' },
      reconnectBanner,
      audioBanner,
      h(
        'div',
        { class: 'meeting-body' },
        h('section', { class: 'stage', 'aria-label': 'Participants’ video' }, grid.el, waiting),
        devicesPanel,
        chat.el,
        people.el,
      ),
      controls,
      audioBox,
    ),
  );
  waiting.append(h('button', { type: 'button', class: 'btn btn-ghost invite-btn' }, icon('link'), 'Copy invite link'));

  // ---- view state from the Room ------------------------------------------
  function nameOf(id: string): string {
    if (id === room.local.id) return room.local.name || room.local.identity;
    const p = room.participants.get(id);
    if (p) return p.name || p.identity;
    return names.get(id) ?? 'Someone who left';
  }

  const localTrack = (source: TrackSource): LocalTrack | undefined => room.localTracks().find((t) => t.source === source);

  function remoteState(p: ParticipantInfo): { micMuted: boolean; cameraOff: boolean } {
    const mics = p.tracks.filter((t) => t.source === 'microphone');
    const cams = p.tracks.filter((t) => t.source === 'camera');
    return { micMuted: mics.length === 0 || mics.every((t) => t.muted), cameraOff: cams.length === 0 || cams.every((t) => t.muted) };
  }

  let scheduled = false;
  function schedule(): void {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) render();
    });
  }

  function render(): void {
    const me = room.local;
    names.set(me.id, me.name || me.identity);
    const mic = localTrack('microphone');
    const cam = localTrack('camera');
    const screen = localTrack('screen');
    const myMicMuted = !mic || mic.muted || mic.track.readyState === 'ended';
    const myCamOff = !cam || cam.muted || cam.track.readyState === 'ended';

    const screens: TileState[] = [];
    const cams: TileState[] = [];
    const persons: PersonState[] = [];
    const myName = nameOf(me.id);

    if (screen) {
      screens.push({ participantId: me.id, identity: me.identity, name: myName, source: 'screen', local: true, track: screen.track, micMuted: false, cameraOff: false, quality: null });
    }
    cams.push({
      participantId: me.id, identity: me.identity, name: myName, source: 'camera', local: true,
      track: myCamOff ? null : cam!.track, micMuted: myMicMuted, cameraOff: myCamOff, quality: quality.get(me.id) ?? null,
    });
    persons.push({ id: me.id, identity: me.identity, name: myName, local: true, micMuted: myMicMuted, cameraOff: myCamOff, sharing: !!screen, quality: quality.get(me.id) ?? null });

    const remotes = [...room.participants.values()].sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
    const wantedAudio = new Map<string, MediaStreamTrack>();
    for (const p of remotes) {
      const name = p.name || p.identity;
      names.set(p.id, name);
      const st = remoteState(p);
      const rts = room.remoteTracks(p.id).filter((r) => r.track.readyState !== 'ended');
      const infoOf = (id: string) => p.tracks.find((t) => t.id === id);
      const camRt = rts.find((r) => r.info.source === 'camera' && r.track.kind === 'video');
      const screenInfo = p.tracks.find((t) => t.source === 'screen');
      const screenRt = rts.find((r) => r.info.source === 'screen' && r.track.kind === 'video');
      cams.push({
        participantId: p.id, identity: p.identity, name, source: 'camera', local: false,
        track: !st.cameraOff && camRt && !infoOf(camRt.info.id)?.muted ? camRt.track : null,
        micMuted: st.micMuted, cameraOff: st.cameraOff, quality: quality.get(p.id) ?? null,
      });
      if (screenInfo || screenRt) {
        const muted = screenInfo?.muted ?? false;
        screens.push({
          participantId: p.id, identity: p.identity, name, source: 'screen', local: false,
          track: screenRt && !muted ? screenRt.track : null, micMuted: false, cameraOff: false, quality: null,
        });
      }
      persons.push({ id: p.id, identity: p.identity, name, local: false, ...st, sharing: !!(screenInfo || screenRt), quality: quality.get(p.id) ?? null });
      for (const r of rts) if (r.track.kind === 'audio') wantedAudio.set(r.info.id || r.track.id, r.track);
    }
    grid.render([...screens, ...cams]);
    people.render([persons[0], ...persons.slice(1).sort((a, b) => a.name.localeCompare(b.name))]);
    syncAudio(wantedAudio);
    waiting.hidden = remotes.length > 0;

    // Controls reflect what we actually publish.
    const canPublish = me.permissions.publish;
    const live = room.state === 'connected' || room.state === 'reconnecting';
    paintMediaButton(micButton, myMicMuted, myMicMuted
      ? { label: 'Unmute microphone', text: 'Unmute', icon: 'micOff', key: 'M' }
      : { label: 'Mute microphone', text: 'Mute', icon: 'mic', key: 'M' });
    paintMediaButton(cameraButton, myCamOff, myCamOff
      ? { label: 'Start camera', text: 'Start camera', icon: 'cameraOff', key: 'V' }
      : { label: 'Stop camera', text: 'Stop camera', icon: 'camera', key: 'V' });
    setPressed(screenButton, !!screen);
    for (const b of [micButton, cameraButton, screenButton]) {
      b.disabled = !canPublish || !live;
      if (!canPublish) b.title = 'Your token does not allow sharing audio or video';
    }
    if (canPublish) screenButton.title = screen ? 'You are sharing: press to stop (S)' : 'Share screen (S)';
    devicesButton.disabled = !canPublish;
    if (!canPublish) {
      devicesButton.title = 'Your token does not allow sharing audio or video';
      if (!devicesPanel.hidden) setDevicesOpen(false, false);
    } else devicesButton.title = 'Camera and microphone settings';
    chat.refreshPermission();
    setConn(room.state);
  }

  function syncAudio(wanted: Map<string, MediaStreamTrack>): void {
    for (const [id, el] of audioEls) {
      if (wanted.get(id) !== (el.srcObject as MediaStream | null)?.getAudioTracks()[0]) {
        el.srcObject = null;
        el.remove();
        audioEls.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (audioEls.has(id)) continue;
      const el = h('audio', { autoplay: true, 'data-track-id': id });
      el.srcObject = new MediaStream([track]);
      audioEls.set(id, el);
      audioBox.append(el);
      el.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') audioBanner.hidden = false;
      });
    }
  }

  unlockButton.addEventListener('click', () => {
    audioBanner.hidden = true;
    for (const el of audioEls.values()) el.play().catch(() => { audioBanner.hidden = false; });
  });

  /** Sets a mic/camera toggle: aria-pressed = off (see the note at its creation), label and text = the action. */
  function paintMediaButton(btn: HTMLButtonElement, off: boolean, v: { label: string; text: string; icon: IconName; key: string }): void {
    setPressed(btn, off);
    btn.classList.toggle('is-off', off);
    swapIconIfNeeded(btn, v.icon);
    btn.setAttribute('aria-label', v.label);
    btn.title = `${v.label} (${v.key})`;
    const text = btn.querySelector('.ctrl-label');
    if (text && text.textContent !== v.text) text.textContent = v.text;
  }

  // ---- device settings -----------------------------------------------------
  const deviceSelect = { camera: cameraSelect, microphone: micSelect };
  const deviceMsg = { camera: cameraMsg, microphone: micMsg };
  const switching = { camera: false, microphone: false };
  const sourceOf = (kind: DeviceKind): TrackSource => (kind === 'camera' ? 'camera' : 'microphone');

  /** The device in use: the published track's, else the remembered choice. */
  function currentDevice(kind: DeviceKind): string {
    const t = localTrack(sourceOf(kind));
    const id = t && t.track.readyState !== 'ended' ? t.track.getSettings().deviceId ?? '' : '';
    if (id) return id;
    const prefs = loadPrefs();
    return kind === 'camera' ? prefs.cameraId : prefs.micId;
  }

  function setDeviceMsg(kind: DeviceKind, text: string): void {
    deviceMsg[kind].textContent = text;
    deviceMsg[kind].classList.toggle('is-error', text !== '');
  }

  function fillDevices(kind: DeviceKind, list: MediaDeviceInfo[]): void {
    const sel = deviceSelect[kind];
    const noun = kind === 'camera' ? 'Camera' : 'Microphone';
    sel.replaceChildren(...list.map((d, i) => h('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (list.length === 0) sel.append(h('option', { value: '' }, `No ${kind} found`));
    sel.disabled = list.length === 0 || switching[kind];
    const want = currentDevice(kind);
    if (list.some((d) => d.deviceId === want)) sel.value = want;
  }

  let enumerating = 0;
  async function refreshDevices(): Promise<void> {
    const my = ++enumerating;
    let devs: Awaited<ReturnType<typeof listDevices>>;
    try {
      devs = await listDevices();
    } catch (err) {
      if (disposed || my !== enumerating) return;
      const text = deviceErrorText('camera', err instanceof DeviceError ? err.kind : undefined);
      setDeviceMsg('camera', text);
      setDeviceMsg('microphone', text);
      return;
    }
    if (disposed || my !== enumerating) return;
    fillDevices('camera', devs.videoinput);
    fillDevices('microphone', devs.audioinput);
  }

  async function switchTo(kind: DeviceKind, deviceId: string): Promise<void> {
    if (switching[kind] || !deviceId) return;
    const sel = deviceSelect[kind];
    switching[kind] = true;
    sel.disabled = true;
    sel.setAttribute('aria-busy', 'true');
    setDeviceMsg(kind, '');
    try {
      await room.switchDevice(kind === 'camera' ? 'videoinput' : 'audioinput', deviceId);
      savePrefs(kind === 'camera' ? { cameraId: deviceId } : { micId: deviceId });
    } catch (err) {
      const text = err instanceof DeviceError ? deviceErrorText(kind, err.kind) : `Could not switch the ${kind}: ${err instanceof Error ? err.message : String(err)}`;
      setDeviceMsg(kind, text);
      notify(text, 'error');
    } finally {
      switching[kind] = false;
      sel.removeAttribute('aria-busy');
      if (!disposed) {
        schedule(); // the local tile shows the new track
        await refreshDevices(); // labels may now be readable; the select shows the device really in use
        if (document.activeElement === document.body && !devicesPanel.hidden) sel.focus();
      }
    }
  }

  cameraSelect.addEventListener('change', () => void switchTo('camera', cameraSelect.value));
  micSelect.addEventListener('change', () => void switchTo('microphone', micSelect.value));

  function setDevicesOpen(open: boolean, focus = true): void {
    if (open === !devicesPanel.hidden) return;
    devicesPanel.hidden = !open;
    devicesButton.setAttribute('aria-expanded', String(open));
    devicesButton.classList.toggle('is-open', open);
    if (open) {
      void refreshDevices();
      if (focus) (cameraSelect.disabled ? (micSelect.disabled ? devicesClose : micSelect) : cameraSelect).focus();
    } else if (focus) devicesButton.focus();
  }

  devicesButton.addEventListener('click', () => setDevicesOpen(devicesButton.getAttribute('aria-expanded') !== 'true'));
  devicesClose.addEventListener('click', () => setDevicesOpen(false));
  // A click elsewhere closes the panel, as a menu would (focus stays where the click put it).
  const onPointerDown = (e: PointerEvent) => {
    const t = e.target as Node | null;
    if (!devicesPanel.hidden && t && !devicesPanel.contains(t) && !devicesButton.contains(t)) setDevicesOpen(false, false);
  };
  document.addEventListener('pointerdown', onPointerDown);
  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);

  // ---- actions -----------------------------------------------------------
  const busy = new Set<string>();
  async function guarded(key: string, btn: HTMLButtonElement, fn: () => Promise<void>): Promise<void> {
    if (busy.has(key) || btn.disabled) return;
    busy.add(key);
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      busy.delete(key);
      btn.removeAttribute('aria-busy');
      schedule();
    }
  }

  async function startDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const publish = (id?: string) => (kind === 'camera' ? room.publishCamera(id ? { deviceId: id } : {}) : room.publishMicrophone(id ? { deviceId: id } : {}));
    try {
      try {
        await publish(deviceId || undefined);
      } catch (err) {
        // A remembered device may be gone; fall back to the default one.
        if (deviceId && err instanceof DeviceError && err.kind === 'not_found') await publish();
        else throw err;
      }
    } catch (err) {
      notify(deviceErrorText(kind, err instanceof DeviceError ? err.kind : undefined), 'error');
    }
  }

  const toggleMic = () =>
    guarded('mic', micButton, async () => {
      const t = localTrack('microphone');
      if (t && t.track.readyState !== 'ended') await room.setMuted(t, !t.muted).catch((e: unknown) => notify(`Could not change the microphone: ${String(e)}`, 'error'));
      else {
        if (t) await room.unpublish(t).catch(() => {});
        await startDevice('microphone', loadPrefs().micId);
      }
    });

  const toggleCamera = () =>
    guarded('camera', cameraButton, async () => {
      const t = localTrack('camera');
      if (t && t.track.readyState !== 'ended') await room.setMuted(t, !t.muted).catch((e: unknown) => notify(`Could not change the camera: ${String(e)}`, 'error'));
      else {
        if (t) await room.unpublish(t).catch(() => {});
        await startDevice('camera', loadPrefs().cameraId);
      }
    });

  async function stopScreen(): Promise<void> {
    for (const t of room.localTracks()) {
      if (t.source === 'screen' || t.source === 'screen_audio') await room.unpublish(t).catch(() => {});
    }
  }

  const toggleScreen = () =>
    guarded('screen', screenButton, async () => {
      if (localTrack('screen')) return stopScreen();
      try {
        const t = await room.publishScreen();
        // The browser's own "Stop sharing" ends the track.
        t.track.addEventListener('ended', () => void stopScreen().then(schedule), { once: true });
      } catch (err) {
        const cancelled =
          (err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'AbortError')) ||
          (err instanceof DeviceError && err.kind === 'permission_denied');
        if (err instanceof DeviceError && err.kind === 'insecure_context') notify(deviceErrorText('camera', 'insecure_context'), 'error');
        else if (!cancelled) notify(`Screen sharing failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
      }
    });

  const setPanel = (which: 'chat' | 'people' | null, focus = true) => {
    const wasChat = chat.open;
    const wasPeople = people.open;
    chat.setOpen(which === 'chat');
    people.setOpen(which === 'people');
    setPressed(chatButton, which === 'chat');
    setPressed(peopleButton, which === 'people');
    root.querySelector('.page-meeting')?.classList.toggle('panel-open', which !== null);
    if (!focus) return;
    if (which === 'chat') (chat.input.disabled ? chatClose : chat.input).focus();
    else if (which === 'people') peopleClose.focus();
    else if (wasChat) chatButton.focus();
    else if (wasPeople) peopleButton.focus();
  };
  const toggleChat = () => setPanel(chat.open ? null : 'chat');
  const togglePeople = () => setPanel(people.open ? null : 'people');

  chat.onUnreadChange = (n) => {
    chatBadge.hidden = n === 0;
    chatBadge.textContent = n > 9 ? '9+' : String(n);
    chatButton.setAttribute('aria-label', n > 0 ? `Chat, ${n} unread` : 'Chat');
  };

  async function copyInvite(): Promise<void> {
    const link = `${location.origin}/?room=${encodeURIComponent(room.name)}`;
    try {
      await navigator.clipboard.writeText(link);
      notify('Invite link copied. It contains the room name only, no token.');
    } catch {
      notify(`Invite link: ${link}`, 'info', 15000);
    }
  }

  micButton.addEventListener('click', () => void toggleMic());
  cameraButton.addEventListener('click', () => void toggleCamera());
  screenButton.addEventListener('click', () => void toggleScreen());
  chatButton.addEventListener('click', toggleChat);
  peopleButton.addEventListener('click', togglePeople);
  chatClose.addEventListener('click', () => setPanel(null));
  peopleClose.addEventListener('click', () => setPanel(null));
  for (const b of root.querySelectorAll<HTMLButtonElement>('.invite-btn')) b.addEventListener('click', () => void copyInvite());
  leaveButton.addEventListener('click', () => void leave());

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !devicesPanel.hidden) {
      setDevicesOpen(false);
      return;
    }
    if (e.key === 'Escape' && (chat.open || people.open)) {
      setPanel(null);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e)) return;
    const actions: Record<string, () => void> = { m: toggleMic, v: toggleCamera, s: toggleScreen, c: toggleChat, p: togglePeople };
    const fn = actions[e.key.toLowerCase()];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener('keydown', onKey);

  // ---- Room events ---------------------------------------------------------
  const on = room.on.bind(room) as Room['on'];
  offs.push(
    on('participantJoined', (p) => {
      names.set(p.id, p.name || p.identity);
      notify(`${p.name || p.identity} joined`, 'info', 3000);
      schedule();
    }),
    on('participantLeft', (p, reason) => {
      quality.delete(p.id);
      notify(`${p.name || p.identity} ${reason === 'connection_lost' ? 'lost their connection' : 'left'}`, 'info', 3000);
      schedule();
    }),
    on('participantUpdated', schedule),
    on('trackSubscribed', schedule),
    on('trackUnsubscribed', schedule),
    on('trackMuted', schedule),
    on('trackUnmuted', schedule),
    on('localTrackPublished', schedule),
    on('localTrackUnpublished', schedule),
    on('muteRequested', (t) => {
      const what = t.source === 'camera' ? 'camera' : t.source === 'microphone' ? 'microphone' : 'screen share';
      notify(`A room admin muted your ${what}.${t.source === 'microphone' ? ' You can unmute when you need to speak.' : ''}`, 'warn', 10000);
      if (!t.muted) void room.setMuted(t, true).catch(() => {}).then(schedule);
      schedule();
    }),
    on('activeSpeakers', (ids) => grid.setSpeaking(ids)),
    on('connectionQuality', (id, q) => {
      quality.set(id, q);
      schedule();
    }),
    on('connectionStateChanged', (s) => {
      setConn(s);
      reconnectBanner.hidden = s !== 'reconnecting';
      schedule();
    }),
    on('reconnecting', () => {
      reconnectBanner.hidden = false;
      setConn('reconnecting');
    }),
    on('reconnected', () => {
      reconnectBanner.hidden = true;
      notify('Reconnected.', 'info', 3000);
      schedule();
    }),
    on('disconnected', (reason) => end(reason)),
    on('chat', (m) => chat.receive(m)),
    on('error', (code, message) => {
      if (code === 'rate_limited') notify('You are sending too fast; a message was dropped.', 'warn');
      else notify(`The server refused an action (${code}${message ? `: ${message}` : ''}).`, 'warn');
    }),
  );

  // ---- lifecycle -------------------------------------------------------------
  async function leave(): Promise<void> {
    if (leaving || ended) return;
    leaving = true;
    leaveButton.disabled = true;
    try {
      await room.leave();
    } catch {
      // already gone: nothing more to tell the server
    }
    end('client_left');
  }

  function end(reason: string): void {
    if (ended) return;
    ended = true;
    setConn('disconnected');
    connStatus.dataset.state = 'disconnected';
    const mic = localTrack('microphone');
    const cam = localTrack('camera');
    const media = { micOn: !!mic && !mic.muted, cameraOn: !!cam && !cam.muted };
    for (const t of room.localTracks()) t.track.stop();
    opts.choice.video?.stop();
    opts.choice.audio?.stop();
    opts.onEnd(leaving ? 'client_left' : reason, media);
  }

  const onPageHide = () => {
    if (!ended) void room.leave().catch(() => {});
  };
  window.addEventListener('pagehide', onPageHide);

  async function publishInitial(): Promise<void> {
    const { choice } = opts;
    if (!room.local.permissions.publish) {
      choice.video?.stop();
      choice.audio?.stop();
      notify('You can watch and listen; your token does not allow sharing audio or video.', 'info', 8000);
      return;
    }
    const tasks: Promise<void>[] = [];
    const failed = choice.failed ?? {};
    for (const kind of ['microphone', 'camera'] as const) {
      const text = failed[kind];
      if (text) notify(`${text}. You joined without your ${kind}; use the ${kind} button to try again.`, 'error', 10000);
    }
    const audio = choice.audio?.readyState === 'live' ? choice.audio : null;
    if (audio) {
      // Disabled before it is sent, so a muted join never leaks a syllable.
      audio.enabled = choice.micOn;
      tasks.push(
        room.publishTrack(audio, 'microphone').then(async (t) => {
          if (!choice.micOn) await room.setMuted(t, true);
        }),
      );
    } else {
      choice.audio?.stop();
      if (choice.micOn && !failed.microphone) tasks.push(startDevice('microphone', choice.micId));
    }
    const video = choice.cameraOn && choice.video?.readyState === 'live' ? choice.video : null;
    if (video) tasks.push(room.publishTrack(video, 'camera').then(() => {}));
    else {
      choice.video?.stop();
      if (choice.cameraOn && !failed.camera) tasks.push(startDevice('camera', choice.cameraId));
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) {
      if (r.status === 'rejected') notify(`Could not share your media: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`, 'error');
    }
    schedule();
  }

  render();
  setConn(room.state);
  void publishInitial();
  micButton.focus();

  return () => {
    disposed = true;
    for (const off of offs) off();
    document.removeEventListener('keydown', onKey);
    document.removeEventListener('pointerdown', onPointerDown);
    navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
    window.removeEventListener('pagehide', onPageHide);
    grid.dispose();
    for (const el of audioEls.values()) el.srcObject = null;
    audioEls.clear();
    if (!ended) {
      leaving = true;
      void room.leave().catch(() => {});
      for (const t of room.localTracks()) t.track.stop();
    }
  };
}

function swapIconIfNeeded(btn: HTMLButtonElement, name: IconName): void {
  if (btn.dataset.icon === name) return;
  btn.dataset.icon = name;
  swapIcon(btn, name);
}
