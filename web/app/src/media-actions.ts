// What the media buttons do: mute and unmute, camera off and on (starting
// the device again when its track has ended), screen share, and publishing
// what the preview handed over when the meeting starts.

import { DeviceError, type Room } from '../../sdk/src/index.js';
import { notify } from './dom.js';
import { loadPrefs } from './prefs.js';
import type { MediaChoice } from './preview.js';
import { deviceErrorText, type DeviceKind } from './text.js';
import { localTrack } from './view.js';

/** After asking the host to lift a mute, the button says so this long before it asks again. */
const ASKED_MS = 15_000;

export class MediaActions {
  private readonly busy = new Set<string>();
  /** When we last asked the host to lift their mute, per device. */
  private readonly askedAt = new Map<DeviceKind, number>();

  /** changed is called whenever what we publish may have changed. */
  constructor(
    private readonly room: Room,
    private readonly changed: () => void,
  ) {}

  /** Runs one action per key at a time, marking its button busy meanwhile. */
  private async guarded(key: string, btn: HTMLButtonElement, fn: () => Promise<void>): Promise<void> {
    if (this.busy.has(key) || btn.disabled) return;
    this.busy.add(key);
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn();
    } finally {
      this.busy.delete(key);
      btn.removeAttribute('aria-busy');
      this.changed();
    }
  }

  private async startDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const room = this.room;
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

  /** Whether we asked the host to lift their mute of this device a moment ago. */
  asked(kind: DeviceKind): boolean {
    return Date.now() - (this.askedAt.get(kind) ?? -Infinity) < ASKED_MS;
  }

  /** The host lifted (or set) their mute: a new request may be made. */
  forgetAsk(kind: DeviceKind): void {
    this.askedAt.delete(kind);
  }

  /**
   * Mutes or unmutes a live track; publishes the device afresh when its
   * track ended or was never published. A track the host muted cannot be
   * unmuted: the press asks the host instead.
   */
  private toggleDevice(kind: DeviceKind, btn: HTMLButtonElement): Promise<void> {
    return this.guarded(kind, btn, async () => {
      const t = localTrack(this.room, kind);
      if (t?.mutedByHost) {
        if (this.asked(kind)) {
          notify('You have asked the host; they decide.', 'info', 4000);
          return;
        }
        try {
          await this.room.requestUnmute(t);
        } catch (e) {
          notify(`Could not ask the host: ${e instanceof Error ? e.message : String(e)}`, 'error');
          return;
        }
        this.askedAt.set(kind, Date.now());
        notify(`You asked the host to let you ${kind === 'camera' ? 'start your camera' : 'unmute'}.`, 'info', 5000);
        window.setTimeout(this.changed, ASKED_MS + 50);
        return;
      }
      if (t && t.track.readyState !== 'ended') {
        await this.room.setMuted(t, !t.muted).catch((e: unknown) => notify(`Could not change the ${kind}: ${String(e)}`, 'error'));
        return;
      }
      if (t) await this.room.unpublish(t).catch(() => {});
      const prefs = loadPrefs();
      await this.startDevice(kind, kind === 'camera' ? prefs.cameraId : prefs.micId);
    });
  }

  toggleMic(btn: HTMLButtonElement): Promise<void> {
    return this.toggleDevice('microphone', btn);
  }

  toggleCamera(btn: HTMLButtonElement): Promise<void> {
    return this.toggleDevice('camera', btn);
  }

  private async stopScreen(): Promise<void> {
    for (const t of this.room.localTracks()) {
      if (t.source === 'screen' || t.source === 'screen_audio') await this.room.unpublish(t).catch(() => {});
    }
  }

  toggleScreen(btn: HTMLButtonElement): Promise<void> {
    return this.guarded('screen', btn, async () => {
      if (localTrack(this.room, 'screen')) return this.stopScreen();
      try {
        const t = await this.room.publishScreen();
        // The browser's own "Stop sharing" ends the track.
        t.track.addEventListener('ended', () => void this.stopScreen().then(this.changed), { once: true });
      } catch (err) {
        const cancelled =
          (err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'AbortError')) ||
          (err instanceof DeviceError && err.kind === 'permission_denied');
        if (err instanceof DeviceError && err.kind === 'insecure_context') notify(deviceErrorText('camera', 'insecure_context'), 'error');
        else if (!cancelled) notify(`Screen sharing failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
      }
    });
  }

  /**
   * Publishes the choice made in the preview. A device that is on but comes
   * without a live track (a rejoin, or a preview that had not started it) is
   * started here, unless choice.failed says it could not be started: then the
   * user is told why.
   */
  async publishInitial(choice: MediaChoice): Promise<void> {
    const room = this.room;
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
      if (choice.micOn && !failed.microphone) tasks.push(this.startDevice('microphone', choice.micId));
    }
    const video = choice.cameraOn && choice.video?.readyState === 'live' ? choice.video : null;
    if (video) tasks.push(room.publishTrack(video, 'camera').then(() => {}));
    else {
      choice.video?.stop();
      if (choice.cameraOn && !failed.camera) tasks.push(this.startDevice('camera', choice.cameraId));
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) {
      if (r.status === 'rejected') notify(`Could not share your media: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`, 'error');
    }
    this.changed();
  }
}
