// The pre-join preview: check camera and microphone, pick devices, choose to
// join with either off. The tracks started here are handed to the meeting so
// the camera does not blink off and on when entering.

import { DeviceError, getLocalMedia, LevelMeter, listDevices } from '../../sdk/src/index.js';
import { h, hueOf, initials, setPressed } from './dom.js';
import { icon, swapIcon } from './icons.js';
import { loadPrefs, savePrefs } from './prefs.js';
import { deviceErrorText, type DeviceKind, JoinError, waitText } from './text.js';

export interface MediaChoice {
  cameraOn: boolean;
  micOn: boolean;
  cameraId: string;
  micId: string;
  /** Live tracks from the preview; the receiver owns them from now on. */
  video: MediaStreamTrack | null;
  audio: MediaStreamTrack | null;
  /**
   * Why a device that is switched on has no track (the DeviceError text), for
   * the meeting to tell the user; the meeting then joins without it.
   */
  failed?: Partial<Record<DeviceKind, string>>;
}

/** How long "Join now" waits for a camera or microphone that is still starting. */
const ENTER_WAIT_MS = 15000;

export interface PreviewOptions {
  room: string;
  name: string;
  /** Connects; resolves once in the meeting, rejects with a message to show. */
  onEnter: (choice: MediaChoice) => Promise<void>;
  onBack: () => void;
}

export function renderPreview(root: HTMLElement, opts: PreviewOptions): () => void {
  const prefs = loadPrefs();
  let cameraOn = prefs.cameraOn;
  let micOn = prefs.micOn;
  let video: MediaStreamTrack | null = null;
  let audio: MediaStreamTrack | null = null;
  let meter: LevelMeter | null = null;
  let raf = 0;
  let disposed = false;
  let handedOver = false;
  // Bumped on every (re)acquisition so a slow getUserMedia that lost the race is dropped.
  const gen = { camera: 0, microphone: 0 };
  // The latest acquisition still running, per device, so "Join now" can wait for it.
  const inflight: Record<DeviceKind, Promise<void> | null> = { camera: null, microphone: null };
  // The DeviceError text of the latest failed acquisition ('' once one succeeds).
  const lastError: Record<DeviceKind, string> = { camera: '', microphone: '' };

  const previewVideo = h('video', { id: 'preview-video', autoplay: true, playsinline: true, class: 'mirror' });
  previewVideo.muted = true;
  const avatar = h('div', { class: 'avatar avatar-large', 'aria-hidden': 'true' }, initials(opts.name || opts.room));
  avatar.style.setProperty('--hue', String(hueOf(opts.name)));
  const stage = h('div', { class: 'preview-stage', 'data-camera-off': 'true' }, previewVideo, avatar);

  const camToggle = h('button', { type: 'button', id: 'preview-camera-toggle', class: 'round-btn', 'aria-label': 'Camera' }, icon('camera'));
  const micToggle = h('button', { type: 'button', id: 'preview-mic-toggle', class: 'round-btn', 'aria-label': 'Microphone' }, icon('mic'));
  const cameraSelect = h('select', { id: 'camera-select' });
  const micSelect = h('select', { id: 'mic-select' });
  const meterFill = h('div', { class: 'meter-fill' });
  const micMeter = h(
    'div',
    { id: 'mic-meter', class: 'meter', role: 'meter', 'aria-label': 'Microphone level', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
    meterFill,
  );
  const cameraMsg = h('p', { id: 'camera-message', class: 'device-message', role: 'status' });
  const micMsg = h('p', { id: 'mic-message', class: 'device-message', role: 'status' });
  const enterError = h('p', { id: 'enter-error', class: 'form-error', role: 'alert', hidden: true });
  const enterButton = h('button', { type: 'button', id: 'enter-button', class: 'btn btn-primary' }, 'Join now');
  const backButton = h('button', { type: 'button', id: 'back-button', class: 'btn btn-ghost' }, 'Back');

  root.replaceChildren(
    h(
      'div',
      { class: 'page page-preview' },
      h(
        'section',
        { class: 'card preview-card', 'aria-labelledby': 'preview-title' },
        h('h1', { id: 'preview-title' }, 'Ready to join ', h('span', { class: 'room-name' }, opts.room || 'the meeting'), '?'),
        h('p', { class: 'hint' }, 'Joining as ', h('strong', {}, opts.name || 'the name in your token')),
        h(
          'div',
          { class: 'preview-layout' },
          h('div', { class: 'preview-media' }, stage, h('div', { class: 'preview-toggles' }, micToggle, camToggle)),
          h(
            'div',
            { class: 'preview-settings' },
            h('div', { class: 'field' }, h('label', { for: 'camera-select' }, 'Camera'), cameraSelect, cameraMsg),
            h('div', { class: 'field' }, h('label', { for: 'mic-select' }, 'Microphone'), micSelect, h('div', { class: 'meter-row' }, micMeter), micMsg),
            enterError,
            h('div', { class: 'actions' }, backButton, enterButton),
          ),
        ),
      ),
    ),
  );

  const paintToggles = () => {
    setPressed(camToggle, cameraOn);
    setPressed(micToggle, micOn);
    camToggle.title = cameraOn ? 'Join with camera on (click to turn off)' : 'Join with camera off (click to turn on)';
    micToggle.title = micOn ? 'Join with microphone on (click to mute)' : 'Join with microphone muted (click to unmute)';
    swapIcon(camToggle, cameraOn ? 'camera' : 'cameraOff');
    swapIcon(micToggle, micOn ? 'mic' : 'micOff');
    stage.dataset.cameraOff = String(!(cameraOn && video));
    if (audio) audio.enabled = micOn;
  };

  const setMsg = (el: HTMLElement, text: string) => {
    el.textContent = text;
    el.classList.toggle('is-error', text !== '');
  };

  const stopMeter = () => {
    cancelAnimationFrame(raf);
    raf = 0;
    meter?.close();
    meter = null;
    micMeter.setAttribute('aria-valuenow', '0');
    meterFill.style.transform = 'scaleX(0)';
  };

  const startMeter = (track: MediaStreamTrack) => {
    stopMeter();
    try {
      meter = new LevelMeter(track);
    } catch {
      return; // no Web Audio: the preview still works without a meter
    }
    let shown = -1;
    const tick = () => {
      if (!meter) return;
      // The SDK gives linear RMS; speech sits around 0.01–0.1, so show it on a
      // -60…0 dBFS scale, which is what people expect a meter to do.
      const rms = micOn ? meter.level() : 0;
      const level = rms > 0 ? Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60)) : 0;
      const pct = Math.round(level * 100);
      meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
      if (pct !== shown) {
        micMeter.setAttribute('aria-valuenow', String(pct));
        shown = pct;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  };

  function acquire(kind: DeviceKind): Promise<void> {
    const p: Promise<void> = startTrack(kind).finally(() => {
      if (inflight[kind] === p) inflight[kind] = null;
    });
    inflight[kind] = p;
    return p;
  }

  async function startTrack(kind: DeviceKind): Promise<void> {
    const my = ++gen[kind];
    const deviceId = kind === 'camera' ? cameraSelect.value : micSelect.value;
    const constraint = deviceId ? { deviceId } : true;
    try {
      const stream = await getLocalMedia(kind === 'camera' ? { video: constraint } : { audio: constraint });
      const track = kind === 'camera' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (disposed || handedOver || my !== gen[kind] || !track) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      release(kind);
      lastError[kind] = '';
      if (kind === 'camera') {
        video = track;
        previewVideo.srcObject = new MediaStream([track]);
        setMsg(cameraMsg, '');
      } else {
        audio = track;
        startMeter(track);
        setMsg(micMsg, '');
      }
      track.addEventListener('ended', () => {
        if (kind === 'camera' && video === track) { release('camera'); setMsg(cameraMsg, 'The camera stopped.'); }
        if (kind === 'microphone' && audio === track) { release('microphone'); setMsg(micMsg, 'The microphone stopped.'); }
        paintToggles();
      });
      paintToggles();
      // Device labels are only readable once permission is granted.
      void refreshDevices();
    } catch (err) {
      if (disposed || handedOver || my !== gen[kind]) return;
      const text = deviceErrorText(kind, err instanceof DeviceError ? err.kind : undefined);
      lastError[kind] = text;
      setMsg(kind === 'camera' ? cameraMsg : micMsg, `${text}. You can still join without it.`);
      paintToggles();
    }
  }

  function release(kind: DeviceKind): void {
    if (kind === 'camera') {
      video?.stop();
      video = null;
      previewVideo.srcObject = null;
    } else {
      stopMeter();
      audio?.stop();
      audio = null;
    }
  }

  const deviceOf = (t: MediaStreamTrack | null) => t?.getSettings().deviceId ?? '';

  const fillSelect = (sel: HTMLSelectElement, devices: MediaDeviceInfo[], noun: string, want: string) => {
    sel.replaceChildren(...devices.map((d, i) => h('option', { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (devices.length === 0) sel.append(h('option', { value: '' }, `No ${noun.toLowerCase()} found`));
    sel.disabled = devices.length === 0;
    if (devices.some((d) => d.deviceId === want)) sel.value = want;
  };

  // Device ids are only listed once permission is granted, so a remembered
  // choice can be honoured only after the first track is running.
  const honoured = { camera: false, microphone: false };

  async function refreshDevices(): Promise<void> {
    let devs: Awaited<ReturnType<typeof listDevices>>;
    try {
      devs = await listDevices();
    } catch (err) {
      if (err instanceof DeviceError && err.kind === 'insecure_context') {
        setMsg(cameraMsg, deviceErrorText('camera', 'insecure_context'));
        setMsg(micMsg, deviceErrorText('microphone', 'insecure_context'));
      }
      return;
    }
    if (disposed || handedOver) return;
    sync('camera', cameraSelect, devs.videoinput, video, cameraMsg, cameraOn);
    sync('microphone', micSelect, devs.audioinput, audio, micMsg, true);
  }

  function sync(kind: DeviceKind, sel: HTMLSelectElement, list: MediaDeviceInfo[], track: MediaStreamTrack | null, msg: HTMLElement, wanted: boolean): void {
    const pref = kind === 'camera' ? prefs.cameraId : prefs.micId;
    const listed = (id: string) => id !== '' && list.some((d) => d.deviceId === id);
    let want = deviceOf(track) || sel.value;
    const usePref = track !== null && !honoured[kind] && listed(pref) && pref !== deviceOf(track);
    if (track && listed(deviceOf(track))) honoured[kind] = true;
    if (usePref) { want = pref; honoured[kind] = true; }
    fillSelect(sel, list, kind === 'camera' ? 'Camera' : 'Microphone', want);
    if (!wanted) return;
    if (list.length === 0) {
      if (!track) setMsg(msg, `${deviceErrorText(kind, 'not_found')}. You can still join without it.`);
      return;
    }
    const unplugged = track !== null && deviceOf(track) !== '' && !listed(deviceOf(track));
    const appeared = track === null && msg.textContent !== '' && gen[kind] > 0;
    if (usePref || unplugged || appeared) void acquire(kind);
  }

  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener('devicechange', onDeviceChange);

  camToggle.addEventListener('click', () => {
    cameraOn = !cameraOn;
    savePrefs({ cameraOn });
    if (cameraOn) void acquire('camera');
    else { gen.camera++; release('camera'); setMsg(cameraMsg, ''); }
    paintToggles();
  });
  micToggle.addEventListener('click', () => {
    micOn = !micOn;
    savePrefs({ micOn });
    paintToggles();
  });
  cameraSelect.addEventListener('change', () => {
    savePrefs({ cameraId: cameraSelect.value });
    if (cameraOn) void acquire('camera');
  });
  micSelect.addEventListener('change', () => {
    savePrefs({ micId: micSelect.value });
    void acquire('microphone');
  });
  backButton.addEventListener('click', () => opts.onBack());

  const setLocked = (locked: boolean) => {
    for (const el of [camToggle, micToggle, cameraSelect, micSelect, backButton]) el.disabled = locked;
    if (locked) return;
    // Device lists may have changed meanwhile; this also re-enables the selects that have devices.
    void refreshDevices().then(() => {
      if (disposed || handedOver) return;
      if (cameraOn && !video && !inflight.camera) void acquire('camera');
      if (!audio && !inflight.microphone) void acquire('microphone');
    });
  };

  const live = (t: MediaStreamTrack | null) => t !== null && t.readyState === 'live';
  const hasTrack = (kind: DeviceKind) => live(kind === 'camera' ? video : audio);
  const wanted = (kind: DeviceKind) => (kind === 'camera' ? cameraOn : micOn);

  /**
   * Makes sure a device that is switched on has a live track before joining:
   * waits for the getUserMedia the preview already started, or starts one.
   * Resolves with '' when the track is there (or the device is off), else
   * with the DeviceError text to show.
   */
  async function ready(kind: DeviceKind): Promise<string> {
    await startup;
    let waited = false;
    // A newer acquisition (a device change meanwhile) replaces the one awaited.
    while (!disposed && wanted(kind) && !hasTrack(kind) && inflight[kind]) {
      waited = true;
      await inflight[kind];
    }
    if (disposed || !wanted(kind) || hasTrack(kind)) return '';
    // One that just failed is not tried twice; an older failure may be over
    // (the device was plugged in or freed since), so that one is retried.
    if (!(waited && lastError[kind])) await acquire(kind);
    if (disposed || !wanted(kind) || hasTrack(kind)) return '';
    return lastError[kind] || deviceErrorText(kind, undefined);
  }

  /** ready() for every device, bounded so a getUserMedia that never settles cannot block joining. */
  async function readyAll(): Promise<Partial<Record<DeviceKind, string>>> {
    const failed: Partial<Record<DeviceKind, string>> = {};
    const kinds: DeviceKind[] = ['camera', 'microphone'];
    let timer = 0;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = window.setTimeout(() => resolve('timeout'), ENTER_WAIT_MS);
    });
    const results = await Promise.all(kinds.map((k) => Promise.race([ready(k), timeout])));
    window.clearTimeout(timer);
    // A device still starting after the timeout is left to the meeting, which starts it again.
    kinds.forEach((k, i) => {
      const r = results[i];
      if (r && r !== 'timeout') failed[k] = r;
    });
    return failed;
  }

  let entering = false;
  let holdTimer = 0;
  /** Keeps the join button disabled, counting down, until at. */
  const holdUntil = (at: number): void => {
    const paint = (): void => {
      const left = Math.ceil((at - Date.now()) / 1000);
      if (disposed || left <= 0) {
        window.clearInterval(holdTimer);
        holdTimer = 0;
        if (disposed) return;
        enterButton.disabled = false;
        enterButton.textContent = 'Try again';
        entering = false;
        return;
      }
      const text = `Try again in ${waitText(left)}`;
      if (enterButton.textContent !== text) enterButton.textContent = text;
    };
    enterButton.disabled = true;
    holdTimer = window.setInterval(paint, 250);
    paint();
  };
  enterButton.addEventListener('click', async () => {
    if (entering) return;
    entering = true;
    enterError.hidden = true;
    enterButton.disabled = true;
    enterButton.setAttribute('aria-busy', 'true');
    const waiting = (['camera', 'microphone'] as const).filter((k) => wanted(k) && !hasTrack(k));
    if (waiting.length > 0) {
      enterButton.textContent = waiting.length === 2 ? 'Starting camera and microphone…' : waiting[0] === 'camera' ? 'Starting camera…' : 'Starting microphone…';
    }
    const failed = waiting.length > 0 ? await readyAll() : {};
    if (disposed) return;
    enterButton.textContent = 'Joining…';
    // From here the tracks belong to the meeting: no more device changes here.
    handedOver = true;
    setLocked(true);
    // Read after the wait: the toggles stay usable while devices start.
    const choice: MediaChoice = {
      cameraOn,
      micOn,
      cameraId: cameraSelect.value,
      micId: micSelect.value,
      video: cameraOn && live(video) ? video : null,
      audio: live(audio) ? audio : null,
      failed,
    };
    try {
      await opts.onEnter(choice);
    } catch (err) {
      if (disposed) return;
      handedOver = false;
      setLocked(false);
      enterError.textContent = err instanceof Error ? err.message : String(err);
      enterError.hidden = false;
      enterButton.removeAttribute('aria-busy');
      const wait = err instanceof JoinError && err.retryable ? err.retryAfter : 0;
      if (wait > 0) {
        // Trying before the server's wait is over would be refused, and counted.
        holdUntil(Date.now() + wait * 1000);
        return;
      }
      enterButton.disabled = false;
      enterButton.textContent = 'Try again';
      entering = false;
    }
  });

  paintToggles();
  const startup = refreshDevices().then(() => {
    if (disposed) return;
    if (cameraOn) void acquire('camera');
    void acquire('microphone');
  });
  enterButton.focus();

  return () => {
    disposed = true;
    window.clearInterval(holdTimer);
    navigator.mediaDevices?.removeEventListener('devicechange', onDeviceChange);
    stopMeter();
    if (!handedOver) {
      release('camera');
      release('microphone');
    }
    previewVideo.srcObject = null;
  };
}
