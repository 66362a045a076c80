// Room: one participant's session — the signaling connection (with resume),
// the publisher and subscriber PeerConnections, local and remote tracks,
// data/chat, and the events of API.md.

import { fromBase64, toBase64 } from './base64.js';
import {
  audioConstraints,
  DeviceError,
  getDisplayMedia,
  getUserMedia,
  videoConstraints,
  type VideoCaptureOptions,
} from './devices.js';
import { Emitter } from './emitter.js';
import { LevelMeter } from './level.js';
import type { ClientMessages, Joined, ServerMessage } from './messages.js';
import { Publisher } from './publisher.js';
import { msidByMid } from './sdp.js';
import {
  abortError,
  backoffDelay,
  RECONNECT_GIVE_UP_MS,
  signalURL,
  SIMULATED_DROP_CODE,
  SignalSocket,
} from './signal.js';
import { StatsMonitor, type RemoteTrackRef } from './stats.js';
import { Subscriber } from './subscriber.js';
import { attachTransform, transformSupported } from './transform.js';
import type {
  ConnectionState,
  ConnectOptions,
  LocalTrack,
  ParticipantInfo,
  RemoteTrack,
  RoomEvents,
  TrackInfo,
  TrackSource,
} from './types.js';

const JOIN_TIMEOUT_MS = 10_000;
const MAX_DATA_BYTES = 15 << 10;
const MAX_OUTBOX = 500;
/** How long a subscribed track may wait for its TrackInfo before one is synthesised. */
const TRACK_INFO_WAIT_MS = 2_000;
/** Minimum spacing of ICE restart requests per PeerConnection. */
const ICE_RESTART_SPACING_MS = 3_000;
/** Re-check an ICE restart that has not recovered the connection after this long. */
const ICE_RESTART_RECHECK_MS = 10_000;

/** Join failures; retryable ones are retried within the reconnect window. */
class JoinFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ConclaveError';
  }
}

/** Server codes worth retrying during a reconnect (the old session may still be held). */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['network', 'timeout', 'identity_in_use', 'rate_limited', 'internal']);

/** Resume refusals after which the SDK joins afresh with the same token. */
const FRESH_JOIN_CODES: ReadonlySet<string> = new Set(['resume_failed', 'token_expired']);

function conclaveError(code: string, message: string): Error {
  const err = new Error(`${code}: ${message}`) as Error & { code: string };
  err.name = 'ConclaveError';
  err.code = code;
  return err;
}

interface LocalState {
  cid: string;
  kind: 'audio' | 'video';
  stream: MediaStream;
  transceiver: RTCRtpTransceiver | null;
  videoOpts?: VideoCaptureOptions;
  cleanup: Array<() => void>;
}

interface RemoteEntry {
  participantId: string;
  trackId: string;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  stream: MediaStream;
  rt: RemoteTrack | null;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type Outgoing = { [T in keyof ClientMessages]: [T, ClientMessages[T] | undefined] }[keyof ClientMessages];

const START: unique symbol = Symbol('conclave.start');
const CONSTRUCT: unique symbol = Symbol('conclave.construct');

function replaceInPlace<T extends object>(target: T, src: T): void {
  for (const k of Object.keys(target)) if (!(k in src)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, src);
}

function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sourceFitsKind(source: TrackSource, kind: string): boolean {
  return kind === 'video' ? source === 'camera' || source === 'screen' : source === 'microphone' || source === 'screen_audio';
}

export class Room {
  /** The participant record of this session; updated in place. */
  readonly local: ParticipantInfo = {
    id: '',
    identity: '',
    joined_at: 0,
    permissions: { publish: false, subscribe: false, publish_data: false },
    tracks: [],
  };

  private _name = '';
  private _state: ConnectionState = 'connecting';
  private readonly _participants = new Map<string, ParticipantInfo>();
  private readonly events = new Emitter<RoomEvents>();
  private readonly wsUrl: string;
  private readonly token: string;
  private readonly opts: ConnectOptions;
  private socket: SignalSocket | null = null;
  private publisher: Publisher | null = null;
  private subscriber: Subscriber | null = null;
  private resumeSecret: string | undefined;
  private ended = false;
  private reconnectingNow = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private outbox: Outgoing[] = [];
  private readonly locals = new Map<LocalTrack, LocalState>();
  private readonly remotes = new Map<string, RemoteEntry>();
  private readonly stats: StatsMonitor;
  private micMeter: { track: MediaStreamTrack; meter: LevelMeter } | null = null;
  private readonly preferred: { audioinput?: string; videoinput?: string } = {};
  private readonly lastIceRestart = { publisher: 0, subscriber: 0 };
  private readonly iceRecheck: { publisher?: ReturnType<typeof setTimeout>; subscriber?: ReturnType<typeof setTimeout> } = {};

  /** @internal Rooms are created by connect(). */
  constructor(key: typeof CONSTRUCT, wsUrl: string, token: string, opts: ConnectOptions) {
    if (key !== CONSTRUCT) throw new TypeError('use connect() to join a room');
    this.wsUrl = wsUrl;
    this.token = token;
    this.opts = opts;
    this.stats = new StatsMonitor(
      {
        publisher: () => this.publisher?.pc ?? null,
        subscriber: () => this.subscriber?.pc ?? null,
        localId: () => this.local.id,
        localMicLevel: () => this.localMicLevel(),
        localPublishing: () => [...this.locals.keys()].some((t) => t.track.readyState === 'live'),
        remoteTracks: () => this.remoteRefs(),
      },
      (ids) => this.events.emit('activeSpeakers', ids),
      (id, q) => this.events.emit('connectionQuality', id, q),
    );
  }

  /** The room name. */
  get name(): string {
    return this._name;
  }

  /** Remote participants by id. */
  get participants(): ReadonlyMap<string, ParticipantInfo> {
    return this._participants;
  }

  get state(): ConnectionState {
    return this._state;
  }

  on<E extends keyof RoomEvents>(event: E, fn: RoomEvents[E]): () => void {
    return this.events.on(event, fn);
  }

  // ---------------------------------------------------------------- joining

  /** @internal */
  async [START](): Promise<void> {
    const signal = this.opts.signal;
    if (signal?.aborted) throw abortError();
    try {
      await this.openAndJoin(undefined, (j) => this.applyJoined(j, false));
    } catch (err) {
      this.ended = true;
      this.teardown();
      this._state = 'disconnected';
      if (err instanceof JoinFailure) throw conclaveError(err.code, err.message.slice(err.code.length + 2));
      throw err;
    }
    this.setState('connected');
    this.stats.start();
    signal?.addEventListener('abort', () => void this.leave(), { once: true });
  }

  /**
   * Opens a socket and joins (or resumes). `apply` runs synchronously inside
   * the handler of `joined`, so messages that follow it are handled with the
   * new state in place.
   */
  private async openAndJoin(resume: { participant_id: string; secret: string } | undefined, apply: (j: Joined) => void): Promise<void> {
    const signal = this.opts.signal;
    let socket: SignalSocket;
    try {
      socket = await SignalSocket.open(this.wsUrl, this._state === 'connecting' ? signal : undefined);
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') throw err;
      throw new JoinFailure('network', (err as Error).message ?? 'cannot reach the server', true);
    }
    if (this.ended) {
      socket.close();
      throw new JoinFailure('client_left', 'the room was left', false);
    }
    await new Promise<void>((resolve, reject) => {
      let errCode: string | undefined;
      let errMessage = '';
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          socket.close();
          reject(err);
        } else resolve();
      };
      const onAbort = () => {
        if (this._state === 'connecting') finish(abortError());
      };
      const timer = setTimeout(() => finish(new JoinFailure('timeout', 'no answer to join', true)), JOIN_TIMEOUT_MS);
      signal?.addEventListener('abort', onAbort);
      socket.onMessage = (msg) => {
        if (done) return;
        switch (msg.type) {
          case 'joined':
            if (this.ended) {
              finish(new JoinFailure('client_left', 'the room was left', false));
              return;
            }
            done = true;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            this.socket = socket;
            socket.onMessage = (m) => this.handle(m);
            socket.onClose = () => this.onSocketClosed(socket);
            try {
              apply(msg.data);
            } catch (err) {
              console.error('conclave: applying joined failed', err);
            }
            resolve();
            return;
          case 'error':
            errCode = msg.data.code;
            errMessage = msg.data.message;
            return;
          case 'leave': {
            const code = errCode ?? msg.data.reason ?? 'error';
            finish(new JoinFailure(code, errMessage || `the server refused the join (${code})`, RETRYABLE_CODES.has(code)));
            return;
          }
          default:
            console.warn(`conclave: ignoring "${msg.type}" before joined`);
        }
      };
      socket.onClose = () => {
        const code = errCode ?? 'network';
        finish(new JoinFailure(code, errMessage || 'the connection closed during join', RETRYABLE_CODES.has(code)));
      };
      const join: ClientMessages['join'] = { token: this.token };
      if (resume) join.resume = resume;
      if (!socket.send('join', join)) finish(new JoinFailure('network', 'could not send join', true));
    });
  }

  /** Applies a joined (first join, resume, or fresh re-join). Synchronous. */
  private applyJoined(j: Joined, rejoin: boolean): void {
    const resumed = rejoin && j.resumed === true && this.publisher !== null && j.participant.id === this.local.id;
    if (rejoin && !resumed) this.teardownMedia();
    this._name = j.room;
    this.resumeSecret = j.resume_secret ?? (resumed ? this.resumeSecret : undefined);
    replaceInPlace(this.local, j.participant);
    if (!this.publisher || !this.subscriber) this.createPCs();
    this.reconcileParticipants(j.participants, !rejoin);
    this.syncLocalInfos();
    if (resumed) {
      const queued = this.outbox;
      this.outbox = [];
      for (const [type, data] of queued) this.sendNow(type, data);
      this.publisher?.resendPendingOffer();
    } else {
      this.outbox = [];
      if (rejoin) this.republish();
    }
  }

  private createPCs(): void {
    const send = <T extends keyof ClientMessages>(type: T, data: ClientMessages[T]) => this.send(type, data);
    this.publisher = new Publisher(
      this.opts.iceServers,
      send,
      () => this.ready(),
      () => this._state === 'connected',
      () => this.restartPublisherIce(),
    );
    this.subscriber = new Subscriber(
      this.opts.iceServers,
      send,
      (ev) => this.onRemoteTrack(ev),
      () => this.sweepRemoteTracks(),
      () => this.restartSubscriberIce(),
    );
  }

  /** Closes both PeerConnections (fresh re-join); local MediaStreamTracks are kept. */
  private teardownMedia(): void {
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.stats.reset();
    for (const [lt, st] of this.locals) {
      lt.info = null;
      st.transceiver = null;
    }
  }

  /** Publishes every local track again on a new publisher PeerConnection. */
  private republish(): void {
    if (this.locals.size === 0 || !this.publisher) return;
    for (const [lt, st] of this.locals) {
      st.cid = lt.track.id;
      try {
        this.attachSender(lt, st);
      } catch (err) {
        console.warn('conclave: could not republish a track', err);
      }
    }
    this.publisher.negotiate().catch((err) => console.warn('conclave: republishing failed', err));
  }

  // ------------------------------------------------------------- reconnect

  private onSocketClosed(socket: SignalSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.ended) return;
    if (this.opts.reconnect === false) {
      this.finish('network');
      return;
    }
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    if (this.reconnectingNow || this.ended) return;
    this.reconnectingNow = true;
    this.setState('reconnecting');
    this.events.emit('reconnecting');
    const deadline = Date.now() + RECONNECT_GIVE_UP_MS;
    let tryResume = this.resumeSecret !== undefined && this.local.id !== '';
    let failure = 'network';
    try {
      for (let attempt = 0; !this.ended; attempt++) {
        const delay = backoffDelay(attempt);
        if (Date.now() + delay > deadline) break;
        await new Promise((r) => setTimeout(r, delay));
        if (this.ended) return;
        try {
          if (tryResume) {
            try {
              await this.openAndJoin({ participant_id: this.local.id, secret: this.resumeSecret ?? '' }, (j) =>
                this.applyJoined(j, true),
              );
              this.reconnectDone();
              return;
            } catch (err) {
              if (!(err instanceof JoinFailure) || err.retryable) throw err;
              // Only a refused resume (or an expired token) falls back to a
              // fresh join; anything else (room_not_found, removed, ...) is final.
              if (!FRESH_JOIN_CODES.has(err.code)) throw err;
              console.info(`conclave: resume refused (${err.code}); joining afresh`);
              tryResume = false;
            }
          }
          this.teardownMedia();
          await this.openAndJoin(undefined, (j) => this.applyJoined(j, true));
          this.reconnectDone();
          return;
        } catch (err) {
          if (err instanceof JoinFailure) {
            failure = err.code;
            if (!err.retryable) {
              this.finish(err.code);
              return;
            }
          }
          if (this.ended) return;
        }
      }
      this.finish(failure === 'network' || RETRYABLE_CODES.has(failure) ? 'network' : failure);
    } finally {
      this.reconnectingNow = false;
    }
  }

  private reconnectDone(): void {
    this.setState('connected');
    this.events.emit('reconnected');
    // The network may have changed under the media too.
    const pub = this.publisher?.pc;
    const sub = this.subscriber?.pc;
    if (pub && (pub.iceConnectionState === 'failed' || pub.iceConnectionState === 'disconnected')) this.restartPublisherIce();
    if (sub && (sub.iceConnectionState === 'failed' || sub.iceConnectionState === 'disconnected')) this.restartSubscriberIce();
  }

  private restartPublisherIce(): void {
    if (this.opts.reconnect === false || this.ended) return;
    const pub = this.publisher;
    if (!pub || !pub.pc.remoteDescription) return;
    if (this._state !== 'connected') return; // reconnectDone() checks again
    const now = Date.now();
    if (now - this.lastIceRestart.publisher < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.publisher = now;
    pub.negotiate(true).catch((err) => console.warn('conclave: publisher ICE restart failed', err));
    this.recheckIce('publisher');
  }

  private restartSubscriberIce(): void {
    if (this.opts.reconnect === false || this.ended) return;
    const sub = this.subscriber;
    if (!sub || !sub.pc.remoteDescription) return;
    if (this._state !== 'connected') return;
    const now = Date.now();
    if (now - this.lastIceRestart.subscriber < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.subscriber = now;
    sub.restartIce();
    this.recheckIce('subscriber');
  }

  private recheckIce(which: 'publisher' | 'subscriber'): void {
    clearTimeout(this.iceRecheck[which]);
    this.iceRecheck[which] = setTimeout(() => {
      const pc = which === 'publisher' ? this.publisher?.pc : this.subscriber?.pc;
      if (!pc || this.ended) return;
      if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'disconnected') {
        if (which === 'publisher') this.restartPublisherIce();
        else this.restartSubscriberIce();
      }
    }, ICE_RESTART_RECHECK_MS);
  }

  // ------------------------------------------------------------- sending

  private ready(): Promise<void> {
    if (this.ended) return Promise.reject(conclaveError('disconnected', 'the room is disconnected'));
    if (this._state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private setState(s: ConnectionState): void {
    if (this._state === s) return;
    this._state = s;
    if (s === 'connected') {
      const w = this.waiters;
      this.waiters = [];
      for (const x of w) x.resolve();
    }
    this.events.emit('connectionStateChanged', s);
  }

  private sendNow<T extends keyof ClientMessages>(type: T, data: ClientMessages[T] | undefined): boolean {
    return this.socket?.send(type, data) ?? false;
  }

  /** Sends now, or queues while signaling is reconnecting (offers are resent instead). */
  private send<T extends keyof ClientMessages>(type: T, data: ClientMessages[T] | undefined): void {
    if (this.ended) return;
    if (this.sendNow(type, data)) return;
    if (type === 'offer' || type === 'ping' || type === 'join' || type === 'leave' || type === 'restart_ice') return;
    if (this.outbox.length < MAX_OUTBOX) this.outbox.push([type, data] as Outgoing);
  }

  private assertActive(): void {
    if (this.ended) throw conclaveError('disconnected', 'the room is disconnected');
  }

  // ------------------------------------------------------------- handling

  private handle(msg: ServerMessage): void {
    if (this.ended) return;
    switch (msg.type) {
      case 'joined':
        console.warn('conclave: ignoring an unexpected joined');
        return;
      case 'participant_joined':
        this.upsertParticipant(msg.data.participant, true);
        return;
      case 'participant_updated':
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.syncLocalInfos();
        } else {
          this.upsertParticipant(msg.data.participant, true);
        }
        return;
      case 'participant_left':
        this.removeParticipant(msg.data.participant_id, msg.data.reason);
        return;
      case 'track_published':
        this.onTrackPublished(msg.data.participant_id, msg.data.track);
        return;
      case 'track_unpublished':
        this.onTrackUnpublished(msg.data.participant_id, msg.data.track_id);
        return;
      case 'offer':
        if (msg.data.pc !== 'subscriber') {
          console.warn('conclave: ignoring a server offer for the publisher');
          return;
        }
        this.subscriber?.handleOffer(msg.data.sdp);
        return;
      case 'answer':
        if (msg.data.pc !== 'publisher') {
          console.warn('conclave: ignoring a server answer for the subscriber');
          return;
        }
        this.publisher?.handleAnswer(msg.data.sdp);
        return;
      case 'candidate':
        if (msg.data.pc === 'publisher') this.publisher?.handleCandidate(msg.data);
        else this.subscriber?.handleCandidate(msg.data);
        return;
      case 'mute':
        this.onServerMute(msg.data.track_id, msg.data.muted);
        return;
      case 'data':
        this.onData(msg.data.payload, msg.data.from ?? '', msg.data.topic ?? '');
        return;
      case 'leave':
        this.finish(msg.data.reason ?? 'left');
        return;
      case 'pong':
        return;
      case 'error': {
        const { code, message } = msg.data;
        if ((code === 'bad_sdp' || code === 'permission_denied') && this.publisher?.offerInFlight) {
          this.publisher.failInFlight(code, message);
        }
        this.events.emit('error', code, message);
        return;
      }
    }
  }

  private reconcileParticipants(list: ParticipantInfo[], initial: boolean): void {
    const seen = new Set<string>();
    for (const p of list) {
      if (p.id === this.local.id) continue;
      seen.add(p.id);
      this.upsertParticipant(p, !initial);
    }
    for (const id of [...this._participants.keys()]) if (!seen.has(id)) this.removeParticipant(id, 'left');
  }

  private upsertParticipant(p: ParticipantInfo, announce: boolean): void {
    if (p.id === this.local.id) return;
    const old = this._participants.get(p.id);
    if (!old) {
      this._participants.set(p.id, p);
      if (announce) this.events.emit('participantJoined', p);
      this.resolvePendingRemotes(p.id);
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
    this.resolvePendingRemotes(p.id);
    this.events.emit('participantUpdated', old);
    for (const t of old.tracks) {
      const was = before.get(t.id);
      if (was === undefined || was === t.muted) continue;
      this.events.emit(t.muted ? 'trackMuted' : 'trackUnmuted', p.id, { ...t });
    }
  }

  private removeParticipant(id: string, reason: string): void {
    const p = this._participants.get(id);
    for (const e of [...this.remotes.values()]) if (e.participantId === id) this.unsubscribeEntry(e);
    if (!p) return;
    this._participants.delete(id);
    this.events.emit('participantLeft', p, reason);
  }

  private onTrackPublished(pid: string, track: TrackInfo): void {
    if (pid === this.local.id) {
      this.local.tracks = [...this.local.tracks.filter((t) => t.id !== track.id), track];
      this.syncLocalInfos();
      return;
    }
    const p = this._participants.get(pid);
    if (!p) {
      console.warn(`conclave: track_published for unknown participant ${pid}`);
      return;
    }
    p.tracks = [...p.tracks.filter((t) => t.id !== track.id), track];
    this.resolvePendingRemotes(pid);
  }

  private onTrackUnpublished(pid: string, trackId: string): void {
    if (pid === this.local.id) {
      this.local.tracks = this.local.tracks.filter((t) => t.id !== trackId);
      for (const lt of this.locals.keys()) if (lt.info?.id === trackId) lt.info = null;
      return;
    }
    const p = this._participants.get(pid);
    if (p) p.tracks = p.tracks.filter((t) => t.id !== trackId);
    const e = this.remotes.get(trackId);
    if (e) this.unsubscribeEntry(e);
  }

  private onServerMute(trackId: string, muted: boolean): void {
    for (const lt of this.locals.keys()) {
      if (lt.info?.id !== trackId) continue;
      lt.info.muted = muted;
      if (muted) {
        lt.track.enabled = false;
        lt.muted = true;
        this.events.emit('muteRequested', lt);
      }
      return;
    }
    console.warn(`conclave: mute for an unknown local track ${trackId}`);
  }

  private onData(payloadB64: string, from: string, topic: string): void {
    const bytes = fromBase64(payloadB64);
    if (!bytes) {
      console.warn('conclave: ignoring a data message with a bad payload');
      return;
    }
    if (topic === 'chat') {
      let text: unknown;
      try {
        text = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { text?: unknown } | null)?.text;
      } catch {
        text = undefined;
      }
      if (typeof text !== 'string') {
        console.warn('conclave: ignoring a malformed chat message');
        return;
      }
      this.events.emit('chat', { from, text, time: Date.now() });
      return;
    }
    this.events.emit('data', bytes, from, topic);
  }

  /** Fills LocalTrack.info from the server's view of our own tracks (matched by cid). */
  private syncLocalInfos(): void {
    const claimed = new Set<string>();
    for (const lt of this.locals.keys()) if (lt.info) claimed.add(lt.info.id);
    for (const [lt, st] of this.locals) {
      let info = this.local.tracks.find((t) => t.cid === st.cid);
      if (!info && lt.info) info = this.local.tracks.find((t) => t.id === lt.info?.id);
      if (!info) {
        // A server that does not echo cid: match by kind and source.
        const candidates = this.local.tracks.filter(
          (t) => t.cid === undefined && t.kind === st.kind && t.source === lt.source && !claimed.has(t.id),
        );
        if (candidates.length === 1) info = candidates[0];
      }
      if (!info) continue;
      claimed.add(info.id);
      const first = lt.info === null || lt.info.id !== info.id;
      if (first) {
        lt.info = { ...info };
        if (lt.muted && !info.muted) this.send('mute', { track_id: info.id, muted: true });
        else if (info.muted && !lt.muted) {
          lt.muted = true;
          lt.track.enabled = false;
        }
      } else if (lt.info) {
        replaceInPlace(lt.info, { ...info });
      }
    }
  }

  // ------------------------------------------------------------- remote tracks

  private onRemoteTrack(ev: RTCTrackEvent): void {
    const sub = this.subscriber;
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
    this.bindRemote(tr, pid, tid);
  }

  private bindRemote(tr: RTCRtpTransceiver, pid: string, tid: string): void {
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
      attachTransform(this.opts.transform, tr.receiver, {
        side: 'receive',
        trackId: tid,
        kind: track.kind === 'audio' ? 'audio' : 'video',
        participantId: pid,
      });
    } catch (err) {
      console.warn('conclave: could not attach the receive transform', err);
    }
    this.remotes.set(tid, entry);
    if (!this.tryEmitRemote(entry)) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.remotes.get(tid) !== entry || entry.rt) return;
        console.warn(`conclave: no track info for ${tid}; assuming defaults`);
        const kind = track.kind === 'audio' ? 'audio' : 'video';
        this.emitRemote(entry, { id: tid, kind, source: kind === 'audio' ? 'microphone' : 'camera', mime_type: '', muted: false });
      }, TRACK_INFO_WAIT_MS);
    }
  }

  private tryEmitRemote(e: RemoteEntry): boolean {
    if (e.rt) return true;
    const info = this._participants.get(e.participantId)?.tracks.find((t) => t.id === e.trackId);
    if (!info) return false;
    this.emitRemote(e, info);
    return true;
  }

  private emitRemote(e: RemoteEntry, info: TrackInfo): void {
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    e.rt = { info: { ...info }, participantId: e.participantId, track: e.track, stream: e.stream, receiver: e.transceiver.receiver };
    this.events.emit('trackSubscribed', e.rt);
  }

  private resolvePendingRemotes(pid: string): void {
    for (const e of this.remotes.values()) if (e.participantId === pid && !e.rt) this.tryEmitRemote(e);
  }

  private unsubscribeEntry(e: RemoteEntry): void {
    if (this.remotes.get(e.trackId) === e) this.remotes.delete(e.trackId);
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    if (e.rt) {
      const rt = e.rt;
      e.rt = null;
      this.events.emit('trackUnsubscribed', rt);
    }
  }

  /** After each subscriber negotiation: bind new tracks, drop the ones that stopped. */
  private sweepRemoteTracks(): void {
    const sub = this.subscriber;
    if (!sub) return;
    const map = msidByMid(sub.pc.remoteDescription?.sdp ?? '');
    const receiving = (tr: RTCRtpTransceiver) => tr.currentDirection === 'recvonly' || tr.currentDirection === 'sendrecv';
    for (const tr of sub.pc.getTransceivers()) {
      const m = tr.mid !== null ? map.get(tr.mid) : undefined;
      if (receiving(tr) && m) this.bindRemote(tr, m.streamId, m.trackId);
    }
    for (const e of [...this.remotes.values()]) {
      const m = e.transceiver.mid !== null ? map.get(e.transceiver.mid) : undefined;
      if (!receiving(e.transceiver) || (m && m.trackId !== e.trackId)) this.unsubscribeEntry(e);
    }
  }

  private remoteRefs(): RemoteTrackRef[] {
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

  // ------------------------------------------------------------- local tracks

  async publishCamera(opts: { deviceId?: string; width?: number; height?: number } = {}): Promise<LocalTrack> {
    this.assertActive();
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

  async publishMicrophone(opts: { deviceId?: string } = {}): Promise<LocalTrack> {
    this.assertActive();
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
    this.assertActive();
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
    this.assertActive();
    this.assertCanPublish();
    if (!(track instanceof MediaStreamTrack)) throw new TypeError('publishTrack needs a MediaStreamTrack');
    if (track.readyState === 'ended') throw new TypeError('publishTrack: the track has ended');
    if (!sourceFitsKind(source, track.kind)) throw new TypeError(`publishTrack: source ${source} does not fit a ${track.kind} track`);
    for (const lt of this.locals.keys()) if (lt.track === track) throw new TypeError('publishTrack: this track is already published');
    await this.ready();
    const publisher = this.publisher;
    if (!publisher) throw conclaveError('disconnected', 'the room is disconnected');

    const st: LocalState = {
      cid: track.id,
      kind: track.kind === 'audio' ? 'audio' : 'video',
      stream: new MediaStream([track]),
      transceiver: null,
      cleanup: [],
    };
    const lt: LocalTrack = { info: null, source, track, sender: null as unknown as RTCRtpSender, muted: !track.enabled };
    this.attachSender(lt, st);
    this.locals.set(lt, st);
    try {
      await publisher.negotiate();
    } catch (err) {
      this.locals.delete(lt);
      if (st.transceiver) this.publisher?.removeTrack(st.transceiver.sender);
      throw err;
    }
    if (!this.locals.has(lt)) throw conclaveError('disconnected', 'the track was unpublished while publishing');
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
    this.syncLocalInfos();
    this.updateMicMeter();
    this.events.emit('localTrackPublished', lt);
    return lt;
  }

  /** Announces the track (add_track), adds its transceiver and the send transform. */
  private attachSender(lt: LocalTrack, st: LocalState): void {
    const publisher = this.publisher;
    if (!publisher) throw conclaveError('disconnected', 'the room is disconnected');
    this.send('add_track', { cid: st.cid, kind: st.kind, source: lt.source });
    const tr = publisher.addTrack(lt.track, st.stream);
    st.transceiver = tr;
    lt.sender = tr.sender;
    attachTransform(this.opts.transform, tr.sender, {
      side: 'send',
      trackId: st.cid,
      kind: st.kind,
      participantId: this.local.id,
    });
  }

  async unpublish(t: LocalTrack): Promise<void> {
    const st = this.locals.get(t);
    if (!st) return;
    this.locals.delete(t);
    for (const f of st.cleanup) f();
    t.track.stop();
    this.updateMicMeter();
    const publisher = this.publisher;
    if (st.transceiver && publisher) {
      publisher.removeTrack(st.transceiver.sender);
      if (!this.ended) {
        try {
          await publisher.negotiate();
        } catch (err) {
          console.warn('conclave: renegotiation after unpublish failed', err);
        }
      }
    }
    if (t.info) this.local.tracks = this.local.tracks.filter((x) => x.id !== t.info?.id);
    this.events.emit('localTrackUnpublished', t);
  }

  localTracks(): LocalTrack[] {
    return [...this.locals.keys()];
  }

  remoteTracks(participantId?: string): RemoteTrack[] {
    const out: RemoteTrack[] = [];
    for (const e of this.remotes.values()) {
      if (e.rt && (participantId === undefined || e.participantId === participantId)) out.push(e.rt);
    }
    return out;
  }

  async setMuted(t: LocalTrack, muted: boolean): Promise<void> {
    this.assertActive();
    if (!this.locals.has(t)) throw new TypeError('setMuted: not a published local track');
    t.track.enabled = !muted;
    t.muted = muted;
    if (t.info) {
      t.info.muted = muted;
      this.send('mute', { track_id: t.info.id, muted });
    }
    // Otherwise the mute is sent once the server's track id is known.
  }

  async switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    this.assertActive();
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

  // ------------------------------------------------------------- data

  async sendData(payload: Uint8Array | string, opts: { topic?: string; to?: string[] } = {}): Promise<void> {
    this.assertActive();
    if (!this.local.permissions.publish_data) throw conclaveError('permission_denied', 'the token does not grant publishData');
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('sendData: payload must be a Uint8Array or a string');
    if (bytes.length > MAX_DATA_BYTES) throw conclaveError('message_too_large', `data payloads are limited to ${MAX_DATA_BYTES} bytes`);
    const msg: ClientMessages['data'] = { payload: toBase64(bytes) };
    if (opts.topic) msg.topic = opts.topic;
    if (opts.to && opts.to.length > 0) msg.to = [...opts.to];
    this.send('data', msg);
  }

  sendChat(text: string): Promise<void> {
    if (typeof text !== 'string') return Promise.reject(new TypeError('sendChat: text must be a string'));
    return this.sendData(JSON.stringify({ text }), { topic: 'chat' });
  }

  // ------------------------------------------------------------- leaving

  async leave(): Promise<void> {
    if (this.ended) return;
    this.sendNow('leave', undefined);
    this.finish('client_left');
  }

  simulateSignalDrop(): void {
    this.socket?.drop(SIMULATED_DROP_CODE, 'simulated drop');
  }

  async getStats(): Promise<{ publisher: RTCStatsReport; subscriber: RTCStatsReport }> {
    const empty = new Map() as unknown as RTCStatsReport;
    const [publisher, subscriber] = await Promise.all([
      this.publisher ? this.publisher.pc.getStats() : Promise.resolve(empty),
      this.subscriber ? this.subscriber.pc.getStats() : Promise.resolve(empty),
    ]);
    return { publisher, subscriber };
  }

  /** Ends the session for good: closes everything and emits disconnected(reason). */
  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.teardown();
    this.setState('disconnected');
    this.events.emit('disconnected', reason);
  }

  private teardown(): void {
    this.stats.stop();
    clearTimeout(this.iceRecheck.publisher);
    clearTimeout(this.iceRecheck.subscriber);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'bye');
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    for (const [lt, st] of this.locals) {
      for (const f of st.cleanup) f();
      lt.track.stop();
    }
    this.locals.clear();
    this.micMeter?.meter.close();
    this.micMeter = null;
    this.outbox = [];
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(conclaveError('disconnected', 'the room is disconnected'));
  }

  private assertCanPublish(): void {
    if (!this.local.permissions.publish) throw conclaveError('permission_denied', 'the token does not grant publish');
  }

  // ------------------------------------------------------------- levels

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

  private localMicLevel(): number {
    const mic = [...this.locals.keys()].find((t) => t.source === 'microphone');
    if (!mic || mic.muted || !this.micMeter) return 0;
    return this.micMeter.meter.level();
  }
}

/**
 * Joins a room. `url` is the server ("https://host:port"; the SDK connects to
 * wss://host:port/v1/signal), or "" for the page's own origin.
 */
export async function connect(url: string, token: string, opts: ConnectOptions = {}): Promise<Room> {
  if (typeof token !== 'string' || token === '') throw new TypeError('connect: a join token is required');
  if (opts.transform && !transformSupported()) {
    throw conclaveError('transform_unsupported', 'this browser has no RTCRtpScriptTransform');
  }
  const room = new Room(CONSTRUCT, signalURL(url), token, { ...opts });
  await room[START]();
  return room;
}
