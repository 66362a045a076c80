// Remote participants and the tracks subscribed from them: the participant
// map, binding subscriber transceivers to server track records, and the
// participant and track events of API.md.

import type { Emitter } from './emitter.js';
import { replaceInPlace, sameJSON } from './records.js';
import { msidByMid } from './sdp.js';
import type { RemoteTrackRef } from './stats.js';
import type { Subscriber } from './subscriber.js';
import { attachTransform } from './transform.js';
import type { ConnectOptions, ParticipantInfo, RemoteTrack, RoomEvents, TrackInfo, TransformOptions } from './types.js';

/** How long a subscribed track may wait for its TrackInfo before one is synthesised. */
const TRACK_INFO_WAIT_MS = 2_000;

interface RemoteEntry {
  participantId: string;
  trackId: string;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  stream: MediaStream;
  rt: RemoteTrack | null;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What the remote side needs from the room. */
export interface RemoteMediaHost {
  /** The participant record of this session (never listed as remote). */
  readonly local: ParticipantInfo;
  readonly events: Emitter<RoomEvents>;
  readonly opts: ConnectOptions;
  /** The frame transform for receivers: the app's, or the end-to-end encryption Worker's. */
  transform(): TransformOptions | undefined;
  subscriber(): Subscriber | null;
}

export class RemoteMedia {
  /** Remote participants by id. */
  readonly participants = new Map<string, ParticipantInfo>();
  private readonly remotes = new Map<string, RemoteEntry>();

  constructor(private readonly host: RemoteMediaHost) {}

  // ------------------------------------------------------------- participants

  reconcile(list: ParticipantInfo[], initial: boolean): void {
    const seen = new Set<string>();
    for (const p of list) {
      if (p.id === this.host.local.id) continue;
      seen.add(p.id);
      this.upsert(p, !initial);
    }
    for (const id of [...this.participants.keys()]) if (!seen.has(id)) this.remove(id, 'left');
  }

  upsert(p: ParticipantInfo, announce: boolean): void {
    if (p.id === this.host.local.id) return;
    const events = this.host.events;
    const old = this.participants.get(p.id);
    if (!old) {
      this.participants.set(p.id, p);
      if (announce) events.emit('participantJoined', p);
      this.resolvePending(p.id);
      return;
    }
    if (sameJSON(old, p)) return;
    const before = new Map(old.tracks.map((t) => [t.id, t.muted]));
    const gone = old.tracks.filter((t) => !p.tracks.some((n) => n.id === t.id)).map((t) => t.id);
    replaceInPlace(old, p);
    for (const e of this.remotes.values()) {
      if (e.participantId !== p.id || !e.rt) continue;
      const info = old.tracks.find((t) => t.id === e.trackId);
      if (info) Object.assign(e.rt.info, info);
    }
    for (const id of gone) {
      const e = this.remotes.get(id);
      if (e && e.participantId === p.id) this.unsubscribeEntry(e);
    }
    this.resolvePending(p.id);
    events.emit('participantUpdated', old);
    for (const t of old.tracks) {
      const was = before.get(t.id);
      if (was === undefined || was === t.muted) continue;
      events.emit(t.muted ? 'trackMuted' : 'trackUnmuted', p.id, { ...t });
    }
  }

  remove(id: string, reason: string): void {
    const p = this.participants.get(id);
    for (const e of [...this.remotes.values()]) if (e.participantId === id) this.unsubscribeEntry(e);
    if (!p) return;
    this.participants.delete(id);
    this.host.events.emit('participantLeft', p, reason);
  }

  onTrackPublished(pid: string, track: TrackInfo): void {
    const p = this.participants.get(pid);
    if (!p) {
      console.warn(`conclave: track_published for unknown participant ${pid}`);
      return;
    }
    p.tracks = [...p.tracks.filter((t) => t.id !== track.id), track];
    this.resolvePending(pid);
  }

  onTrackUnpublished(pid: string, trackId: string): void {
    const p = this.participants.get(pid);
    if (p) p.tracks = p.tracks.filter((t) => t.id !== trackId);
    const e = this.remotes.get(trackId);
    if (e) this.unsubscribeEntry(e);
  }

  // ------------------------------------------------------------- tracks

  onRemoteTrack(ev: RTCTrackEvent): void {
    const sub = this.host.subscriber();
    if (!sub) return;
    const tr = ev.transceiver;
    const sdp = sub.pc.remoteDescription?.sdp ?? '';
    const m = tr.mid !== null ? msidByMid(sdp).get(tr.mid) : undefined;
    const pid = m?.streamId ?? ev.streams[0]?.id;
    const tid = m?.trackId ?? ev.track.id;
    if (!pid || !tid) {
      console.warn('conclave: a remote track without participant or track id');
      return;
    }
    this.bind(tr, pid, tid);
  }

  private bind(tr: RTCRtpTransceiver, pid: string, tid: string): void {
    for (const e of [...this.remotes.values()]) {
      if (e.transceiver === tr && e.trackId !== tid) this.unsubscribeEntry(e);
    }
    const existing = this.remotes.get(tid);
    if (existing) {
      if (existing.transceiver === tr) return;
      this.unsubscribeEntry(existing);
    }
    const track = tr.receiver.track;
    const entry: RemoteEntry = {
      participantId: pid,
      trackId: tid,
      transceiver: tr,
      track,
      stream: new MediaStream([track]),
      rt: null,
      timer: undefined,
    };
    try {
      attachTransform(this.host.transform(), tr.receiver, {
        side: 'receive',
        trackId: tid,
        kind: track.kind === 'audio' ? 'audio' : 'video',
        participantId: pid,
      });
    } catch (err) {
      console.warn('conclave: could not attach the receive transform', err);
    }
    this.remotes.set(tid, entry);
    if (!this.tryEmit(entry)) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.remotes.get(tid) !== entry || entry.rt) return;
        console.warn(`conclave: no track info for ${tid}; assuming defaults`);
        const kind = track.kind === 'audio' ? 'audio' : 'video';
        this.emit(entry, { id: tid, kind, source: kind === 'audio' ? 'microphone' : 'camera', mime_type: '', muted: false });
      }, TRACK_INFO_WAIT_MS);
    }
  }

  private tryEmit(e: RemoteEntry): boolean {
    if (e.rt) return true;
    const info = this.participants.get(e.participantId)?.tracks.find((t) => t.id === e.trackId);
    if (!info) return false;
    this.emit(e, info);
    return true;
  }

  private emit(e: RemoteEntry, info: TrackInfo): void {
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    e.rt = { info: { ...info }, participantId: e.participantId, track: e.track, stream: e.stream, receiver: e.transceiver.receiver };
    this.host.events.emit('trackSubscribed', e.rt);
  }

  private resolvePending(pid: string): void {
    for (const e of this.remotes.values()) if (e.participantId === pid && !e.rt) this.tryEmit(e);
  }

  private unsubscribeEntry(e: RemoteEntry): void {
    if (this.remotes.get(e.trackId) === e) this.remotes.delete(e.trackId);
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    if (e.rt) {
      const rt = e.rt;
      e.rt = null;
      this.host.events.emit('trackUnsubscribed', rt);
    }
  }

  /** Drops every subscription (the subscriber PeerConnection is closing). */
  unsubscribeAll(): void {
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
  }

  /** After each subscriber negotiation: bind new tracks, drop the ones that stopped. */
  sweep(): void {
    const sub = this.host.subscriber();
    if (!sub) return;
    const map = msidByMid(sub.pc.remoteDescription?.sdp ?? '');
    const receiving = (tr: RTCRtpTransceiver) => tr.currentDirection === 'recvonly' || tr.currentDirection === 'sendrecv';
    for (const tr of sub.pc.getTransceivers()) {
      const m = tr.mid !== null ? map.get(tr.mid) : undefined;
      if (receiving(tr) && m) this.bind(tr, m.streamId, m.trackId);
    }
    for (const e of [...this.remotes.values()]) {
      const m = e.transceiver.mid !== null ? map.get(e.transceiver.mid) : undefined;
      if (!receiving(e.transceiver) || (m && m.trackId !== e.trackId)) this.unsubscribeEntry(e);
    }
  }

  list(participantId?: string): RemoteTrack[] {
    const out: RemoteTrack[] = [];
    for (const e of this.remotes.values()) {
      if (e.rt && (participantId === undefined || e.participantId === participantId)) out.push(e.rt);
    }
    return out;
  }

  /** The subscribed tracks, for the stats monitor. */
  refs(): RemoteTrackRef[] {
    const out: RemoteTrackRef[] = [];
    for (const e of this.remotes.values()) {
      if (!e.rt) continue;
      out.push({
        participantId: e.participantId,
        kind: e.rt.info.kind,
        muted: e.rt.info.muted,
        receiver: e.transceiver.receiver,
        mid: e.transceiver.mid,
      });
    }
    return out;
  }
}
