// Local tracks: capturing and publishing them, mute, device switches, matching
// them with the server's track records, and the microphone level meter.

import {
  audioConstraints,
  DeviceError,
  getDisplayMedia,
  getUserMedia,
  videoConstraints,
  type VideoCaptureOptions,
} from './devices.js';
import { allocateFor, applyCap } from './bitrate.js';
import type { Emitter } from './emitter.js';
import { conclaveError } from './errors.js';
import { LevelMeter } from './level.js';
import type { Send } from './pc.js';
import type { Publisher } from './publisher.js';
import { replaceInPlace } from './records.js';
import { attachTransform } from './transform.js';
import type { ClientMessages } from './messages.js';
import type {
  ConnectOptions,
  LocalTrack,
  ParticipantInfo,
  RoomEvents,
  TrackInfo,
  TrackSource,
  TransformOptions,
} from './types.js';

interface LocalState {
  cid: string;
  kind: 'audio' | 'video';
  stream: MediaStream;
  transceiver: RTCRtpTransceiver | null;
  videoOpts?: VideoCaptureOptions;
  cleanup: Array<() => void>;
}

/** What local media needs from the room. */
export interface LocalMediaHost {
  /** The participant record of this session (its tracks as the server sees them). */
  readonly local: ParticipantInfo;
  readonly events: Emitter<RoomEvents>;
  readonly opts: ConnectOptions;
  /** The frame transform for senders and receivers: the app's, or the end-to-end encryption Worker's. */
  transform(): TransformOptions | undefined;
  /** The room requires end-to-end encryption and this session encrypts. */
  e2ee(): boolean;
  publisher(): Publisher | null;
  ended(): boolean;
  /** Resolves once signaling is connected. */
  ready(): Promise<void>;
  send: Send;
  assertActive(): void;
}

/**
 * Offers VP8 only: an end-to-end encrypted room carries VP8 and Opus, the
 * codecs whose headers the encryption leaves in clear (docs/e2ee.md).
 */
function preferVP8(tr: RTCRtpTransceiver): void {
  const caps = RTCRtpSender.getCapabilities?.('video')?.codecs;
  if (!caps || typeof tr.setCodecPreferences !== 'function') return;
  const primary = /^video\/(vp9|h264|h265|av1)$/i;
  try {
    tr.setCodecPreferences(caps.filter((c) => !primary.test(c.mimeType)));
  } catch (err) {
    console.warn('conclave: could not restrict the codecs to VP8', err);
  }
}

function sourceFitsKind(source: TrackSource, kind: string): boolean {
  return kind === 'video' ? source === 'camera' || source === 'screen' : source === 'microphone' || source === 'screen_audio';
}

export class LocalMedia {
  private readonly locals = new Map<LocalTrack, LocalState>();
  private micMeter: { track: MediaStreamTrack; meter: LevelMeter } | null = null;
  private readonly preferred: { audioinput?: string; videoinput?: string } = {};
  /** The room's bitrate cap once the server said we were above it (0: not limited). */
  private maxBitrate = 0;
  /** setParameters calls on one sender must not overlap: they run one after another. */
  private capping: Promise<void> = Promise.resolve();

  constructor(private readonly host: LocalMediaHost) {}

  async publishCamera(opts: { deviceId?: string; width?: number; height?: number }): Promise<LocalTrack> {
    this.host.assertActive();
    this.assertCanPublish();
    const vopts: VideoCaptureOptions = { ...opts };
    if (vopts.deviceId === undefined && this.preferred.videoinput) vopts.deviceId = this.preferred.videoinput;
    const stream = await getUserMedia({ video: videoConstraints(vopts) });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new DeviceError('not_found', 'the camera gave no video track');
    try {
      const lt = await this.publishTrack(track, 'camera');
      const st = this.locals.get(lt);
      if (st) st.videoOpts = vopts;
      return lt;
    } catch (err) {
      track.stop();
      throw err;
    }
  }

  async publishMicrophone(opts: { deviceId?: string }): Promise<LocalTrack> {
    this.host.assertActive();
    this.assertCanPublish();
    const deviceId = opts.deviceId ?? this.preferred.audioinput;
    const stream = await getUserMedia({ audio: audioConstraints(deviceId ? { deviceId } : {}) });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new DeviceError('not_found', 'the microphone gave no audio track');
    try {
      return await this.publishTrack(track, 'microphone');
    } catch (err) {
      track.stop();
      throw err;
    }
  }

  async publishScreen(): Promise<LocalTrack> {
    this.host.assertActive();
    this.assertCanPublish();
    let stream: MediaStream;
    try {
      stream = await getDisplayMedia({ video: true, audio: true });
    } catch (err) {
      // Some browsers refuse audio for display capture outright.
      if (err instanceof DeviceError && err.kind === 'unknown') stream = await getDisplayMedia({ video: true });
      else throw err;
    }
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    if (!video) {
      for (const t of stream.getTracks()) t.stop();
      throw new DeviceError('not_found', 'screen capture gave no video track');
    }
    let lt: LocalTrack;
    try {
      lt = await this.publishTrack(video, 'screen');
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      throw err;
    }
    if (audio) {
      try {
        await this.publishTrack(audio, 'screen_audio');
      } catch (err) {
        audio.stop();
        console.warn('conclave: could not publish the screen audio', err);
      }
    }
    return lt;
  }

  async publishTrack(track: MediaStreamTrack, source: TrackSource): Promise<LocalTrack> {
    this.host.assertActive();
    this.assertCanPublish();
    if (!(track instanceof MediaStreamTrack)) throw new TypeError('publishTrack needs a MediaStreamTrack');
    if (track.readyState === 'ended') throw new TypeError('publishTrack: the track has ended');
    if (!sourceFitsKind(source, track.kind)) throw new TypeError(`publishTrack: source ${source} does not fit a ${track.kind} track`);
    for (const lt of this.locals.keys()) if (lt.track === track) throw new TypeError('publishTrack: this track is already published');
    await this.host.ready();
    const publisher = this.host.publisher();
    if (!publisher) throw conclaveError('disconnected', 'the room is disconnected');

    const st: LocalState = {
      cid: track.id,
      kind: track.kind === 'audio' ? 'audio' : 'video',
      stream: new MediaStream([track]),
      transceiver: null,
      cleanup: [],
    };
    const lt: LocalTrack = { info: null, source, track, sender: null as unknown as RTCRtpSender, muted: !track.enabled, mutedByHost: false };
    this.attachSender(lt, st);
    this.locals.set(lt, st);
    try {
      await publisher.negotiate();
    } catch (err) {
      this.locals.delete(lt);
      if (st.transceiver) this.host.publisher()?.removeTrack(st.transceiver.sender);
      throw err;
    }
    if (!this.locals.has(lt)) throw conclaveError('disconnected', 'the track was unpublished while publishing');
    void this.applyCap();
    if (source === 'screen' || source === 'screen_audio') {
      const onEnded = () => {
        if (!this.locals.has(lt)) return;
        void this.unpublish(lt);
        if (source === 'screen') {
          for (const other of [...this.locals.keys()]) if (other.source === 'screen_audio') void this.unpublish(other);
        }
      };
      track.addEventListener('ended', onEnded);
      st.cleanup.push(() => track.removeEventListener('ended', onEnded));
    }
    this.syncInfos();
    this.updateMicMeter();
    this.host.events.emit('localTrackPublished', lt);
    return lt;
  }

  /** Announces the track (add_track), adds its transceiver and the send transform. */
  private attachSender(lt: LocalTrack, st: LocalState): void {
    const publisher = this.host.publisher();
    if (!publisher) throw conclaveError('disconnected', 'the room is disconnected');
    const e2ee = this.host.e2ee();
    const announce: ClientMessages['add_track'] = { cid: st.cid, kind: st.kind, source: lt.source };
    if (e2ee) announce.e2ee = true;
    this.host.send('add_track', announce);
    const tr = publisher.addTrack(lt.track, st.stream, this.firstMaxBitrate(lt, st));
    st.transceiver = tr;
    lt.sender = tr.sender;
    if (e2ee && st.kind === 'video') preferVP8(tr);
    attachTransform(this.host.transform(), tr.sender, {
      side: 'send',
      trackId: st.cid,
      kind: st.kind,
      participantId: this.host.local.id,
    });
  }

  async unpublish(t: LocalTrack): Promise<void> {
    const st = this.locals.get(t);
    if (!st) return;
    this.locals.delete(t);
    for (const f of st.cleanup) f();
    t.track.stop();
    this.updateMicMeter();
    const publisher = this.host.publisher();
    if (st.transceiver && publisher) {
      publisher.removeTrack(st.transceiver.sender);
      if (!this.host.ended()) {
        try {
          await publisher.negotiate();
        } catch (err) {
          console.warn('conclave: renegotiation after unpublish failed', err);
        }
      }
    }
    // What is left may have more of the cap.
    void this.applyCap();
    if (t.info) this.host.local.tracks = this.host.local.tracks.filter((x) => x.id !== t.info?.id);
    this.host.events.emit('localTrackUnpublished', t);
  }

  list(): LocalTrack[] {
    return [...this.locals.keys()];
  }

  /** Whether any published local track is live (for connection quality). */
  publishing(): boolean {
    return [...this.locals.keys()].some((t) => t.track.readyState === 'live');
  }

  async setMuted(t: LocalTrack, muted: boolean): Promise<void> {
    this.host.assertActive();
    if (!this.locals.has(t)) throw new TypeError('setMuted: not a published local track');
    if (!muted && t.mutedByHost) {
      throw conclaveError('muted_by_host', 'the host muted this track; requestUnmute() asks them to lift it');
    }
    t.track.enabled = !muted;
    t.muted = muted;
    if (t.info) {
      t.info.muted = muted;
      this.host.send('mute', { track_id: t.info.id, muted });
    }
    // Otherwise the mute is sent once the server's track id is known.
  }

  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    this.host.assertActive();
    if (kind !== 'audioinput' && kind !== 'videoinput') throw new TypeError(`switchDevice: unknown kind ${String(kind)}`);
    this.preferred[kind] = deviceId;
    const source: TrackSource = kind === 'videoinput' ? 'camera' : 'microphone';
    for (const [lt, st] of [...this.locals]) {
      if (lt.source !== source) continue;
      const constraints: MediaStreamConstraints =
        kind === 'videoinput'
          ? { video: videoConstraints({ ...st.videoOpts, deviceId }) }
          : { audio: audioConstraints({ deviceId }) };
      let stream: MediaStream;
      try {
        stream = await getUserMedia(constraints);
      } catch (err) {
        // Some devices cannot be open twice: release the old one and retry.
        if (!(err instanceof DeviceError) || (err.kind !== 'in_use' && err.kind !== 'unknown')) throw err;
        lt.track.stop();
        stream = await getUserMedia(constraints);
      }
      const next = kind === 'videoinput' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (!next) throw new DeviceError('not_found', 'the device gave no track');
      if (!this.locals.has(lt)) {
        next.stop();
        continue;
      }
      next.enabled = !lt.muted;
      try {
        await lt.sender.replaceTrack(next);
      } catch (err) {
        next.stop();
        throw err;
      }
      const old = lt.track;
      lt.track = next;
      old.stop();
    }
    this.updateMicMeter();
  }

  // ------------------------------------------------------------- server view

  /** Fills LocalTrack.info from the server's view of our own tracks (matched by cid). */
  syncInfos(): void {
    const local = this.host.local;
    const claimed = new Set<string>();
    for (const lt of this.locals.keys()) if (lt.info) claimed.add(lt.info.id);
    for (const [lt, st] of this.locals) {
      let info = local.tracks.find((t) => t.cid === st.cid);
      if (!info && lt.info) info = local.tracks.find((t) => t.id === lt.info?.id);
      if (!info) {
        // A server that does not echo cid: match by kind and source.
        const candidates = local.tracks.filter(
          (t) => t.cid === undefined && t.kind === st.kind && t.source === lt.source && !claimed.has(t.id),
        );
        if (candidates.length === 1) info = candidates[0];
      }
      if (!info) continue;
      claimed.add(info.id);
      const first = lt.info === null || lt.info.id !== info.id;
      if (first) {
        lt.info = { ...info };
        if (lt.muted && !info.muted) this.host.send('mute', { track_id: info.id, muted: true });
        else if (info.muted && !lt.muted) {
          lt.muted = true;
          lt.track.enabled = false;
        }
      } else if (lt.info) {
        replaceInPlace(lt.info, { ...info });
      }
      this.setHostLock(lt, info.muted_by_host === true);
    }
  }

  /** Follows the server's lock on a track; a lock also mutes it here. */
  private setHostLock(lt: LocalTrack, locked: boolean): void {
    if (locked) {
      lt.muted = true;
      lt.track.enabled = false;
    }
    if (lt.mutedByHost === locked) return;
    lt.mutedByHost = locked;
    this.host.events.emit('hostMuteChanged', lt, locked);
  }

  /** Asks the host to lift their mute of t (unmute_request; the server does not answer). */
  async requestUnmute(t: LocalTrack): Promise<void> {
    this.host.assertActive();
    if (!this.locals.has(t)) throw new TypeError('requestUnmute: not a published local track');
    if (!t.mutedByHost || !t.info) throw conclaveError('not_muted_by_host', 'the host has not muted this track');
    this.host.send('unmute_request', { track_id: t.info.id });
  }

  /**
   * The server refused an unmute (error muted_by_host): it holds a lock we
   * had not heard of yet. Every track it locks is muted again here.
   */
  onUnmuteRefused(): void {
    for (const lt of this.locals.keys()) {
      if (lt.info?.muted_by_host || lt.mutedByHost) this.setHostLock(lt, true);
    }
  }

  /** track_published for one of our own tracks. */
  onPublished(track: TrackInfo): void {
    const local = this.host.local;
    local.tracks = [...local.tracks.filter((t) => t.id !== track.id), track];
    this.syncInfos();
  }

  /** track_unpublished for one of our own tracks. */
  onUnpublished(trackId: string): void {
    const local = this.host.local;
    local.tracks = local.tracks.filter((t) => t.id !== trackId);
    for (const lt of this.locals.keys()) if (lt.info?.id === trackId) lt.info = null;
  }

  /**
   * The host muted one of our tracks (muted: a lock we cannot lift), or
   * lifted that lock (the track stays muted: the server never turns anyone's
   * microphone on).
   */
  onServerMute(trackId: string, muted: boolean): void {
    for (const lt of this.locals.keys()) {
      if (lt.info?.id !== trackId) continue;
      if (muted) {
        lt.info.muted = true;
        lt.info.muted_by_host = true;
        this.setHostLock(lt, true);
        this.host.events.emit('muteRequested', lt);
      } else {
        delete lt.info.muted_by_host;
        this.setHostLock(lt, false);
      }
      return;
    }
    console.warn(`conclave: mute for an unknown local track ${trackId}`);
  }

  // ------------------------------------------------------------- sessions

  /** Forgets server state after the PeerConnections closed; the MediaStreamTracks are kept. */
  detach(): void {
    for (const [lt, st] of this.locals) {
      lt.info = null;
      st.transceiver = null;
    }
  }

  /** Publishes every local track again on a new publisher PeerConnection. */
  republish(): void {
    const publisher = this.host.publisher();
    if (this.locals.size === 0 || !publisher) return;
    for (const [lt, st] of this.locals) {
      st.cid = lt.track.id;
      try {
        this.attachSender(lt, st);
      } catch (err) {
        console.warn('conclave: could not republish a track', err);
      }
    }
    publisher
      .negotiate()
      .then(() => this.applyCap())
      .catch((err) => console.warn('conclave: republishing failed', err));
  }

  // ------------------------------------------------------------- bitrate cap

  /**
   * The server found us above the room's bitrate cap (error
   * bitrate_limited): every sender is bounded under it from now on, for
   * tracks published later and on a new publisher connection too.
   */
  limitBitrate(cap: number): Promise<void> {
    if (!(cap > 0)) return Promise.resolve();
    this.maxBitrate = cap;
    return this.applyCap();
  }

  /** The room's bitrate cap this session keeps to (0: none yet). */
  bitrateCap(): number {
    return this.maxBitrate;
  }

  /** Shares the cap among the senders as they are now (bitrate.ts). */
  private applyCap(): Promise<void> {
    if (this.maxBitrate <= 0) return this.capping;
    this.capping = this.capping.then(async () => {
      const senders = [...this.locals.values()]
        .filter((st) => st.transceiver !== null)
        .map((st) => ({ kind: st.kind, sender: (st.transceiver as RTCRtpTransceiver).sender }));
      await applyCap(this.maxBitrate, senders);
    });
    return this.capping;
  }

  /** A new sender's maxBitrate under the cap, counting it among the others (undefined: no cap). */
  private firstMaxBitrate(lt: LocalTrack, st: LocalState): number | undefined {
    if (this.maxBitrate <= 0) return undefined;
    const kinds = [st.kind, ...[...this.locals].filter(([other]) => other !== lt).map(([, ost]) => ost.kind)];
    const alloc = allocateFor(this.maxBitrate, kinds);
    return st.kind === 'audio' ? alloc.audio : alloc.video;
  }

  /** Stops every local track and the level meter (the room is closing). */
  stopAll(): void {
    for (const [lt, st] of this.locals) {
      for (const f of st.cleanup) f();
      lt.track.stop();
    }
    this.locals.clear();
    this.micMeter?.meter.close();
    this.micMeter = null;
  }

  // ------------------------------------------------------------- levels

  private assertCanPublish(): void {
    if (!this.host.local.permissions.publish) throw conclaveError('permission_denied', 'the token does not grant publish');
  }

  private updateMicMeter(): void {
    const mic = [...this.locals.keys()].find((t) => t.source === 'microphone' && t.track.readyState === 'live');
    if (this.micMeter && this.micMeter.track === mic?.track) return;
    this.micMeter?.meter.close();
    this.micMeter = null;
    if (!mic) return;
    try {
      this.micMeter = { track: mic.track, meter: new LevelMeter(mic.track) };
    } catch (err) {
      console.debug('conclave: no level meter for the microphone', err);
    }
  }

  micLevel(): number {
    const mic = [...this.locals.keys()].find((t) => t.source === 'microphone');
    if (!mic || mic.muted || !this.micMeter) return 0;
    return this.micMeter.meter.level();
  }
}
