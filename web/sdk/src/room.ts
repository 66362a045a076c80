// Room: one participant's session and the events of API.md. It owns the
// signaling connection and the two PeerConnections and routes server messages;
// local tracks (local-media.ts), remote participants and subscriptions
// (remote-media.ts), joining (join.ts), reconnecting (reconnect.ts) and data
// (data.ts) live in their own modules.

import { fromBase64, toBase64 } from './base64.js';
import { dataMessage, emitData, emitDataBytes } from './data.js';
import { e2eeSupported, RoomE2EE, type E2EEParticipantStatus, type E2EEStats } from './e2ee-room.js';
import { Emitter } from './emitter.js';
import { conclaveError, JoinFailure } from './errors.js';
import { openAndJoin, type ResumeRequest } from './join.js';
import { LocalMedia } from './local-media.js';
import type { ClientMessages, Joined, ServerMessage } from './messages.js';
import { Publisher } from './publisher.js';
import { replaceInPlace } from './records.js';
import { Reconnector } from './reconnect.js';
import { RemoteMedia } from './remote-media.js';
import { abortError, signalURL, SIMULATED_DROP_CODE, type SignalSocket } from './signal.js';
import { StatsMonitor } from './stats.js';
import { Subscriber } from './subscriber.js';
import { transformSupported } from './transform.js';
import type {
  ConnectionState,
  ConnectOptions,
  LobbyGuest,
  LocalTrack,
  ParticipantInfo,
  RemoteTrack,
  Role,
  RoomEvents,
  TrackInfo,
  TrackSource,
} from './types.js';

const MAX_OUTBOX = 500;

type Outgoing = { [T in keyof ClientMessages]: [T, ClientMessages[T] | undefined] }[keyof ClientMessages];

const START: unique symbol = Symbol('conclave.start');
const CONSTRUCT: unique symbol = Symbol('conclave.construct');

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
  private readonly events = new Emitter<RoomEvents>();
  private readonly wsUrl: string;
  private readonly token: string;
  private readonly opts: ConnectOptions;
  private socket: SignalSocket | null = null;
  private publisher: Publisher | null = null;
  private subscriber: Subscriber | null = null;
  private resumeSecret: string | undefined;
  private ended = false;
  private _locked = false;
  private _lobbyOn = false;
  private _endsAt = 0;
  private readonly _lobby = new Map<string, LobbyGuest>();
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private outbox: Outgoing[] = [];
  private readonly localMedia: LocalMedia;
  private readonly remoteMedia: RemoteMedia;
  private readonly reconnector: Reconnector;
  private readonly stats: StatsMonitor;
  private readonly e2eeCtl: RoomE2EE | null;

  /** @internal Rooms are created by connect(). */
  constructor(key: typeof CONSTRUCT, wsUrl: string, token: string, opts: ConnectOptions) {
    if (key !== CONSTRUCT) throw new TypeError('use connect() to join a room');
    this.wsUrl = wsUrl;
    this.token = token;
    this.opts = opts;
    this.e2eeCtl =
      opts.e2ee !== false && !opts.transform && e2eeSupported()
        ? RoomE2EE.start(
            {
              send: (to, payload) => this.send('e2ee', { to, payload }),
              changed: () => this.events.emit('e2eeChanged'),
              error: (code, message) => this.events.emit('error', code, message),
              reportIdentityChanged: (identity, identityKey) => this.send('e2ee_identity_changed', { identity, identity_key: identityKey }),
            },
            token,
            opts.e2eeWorkerUrl ?? new URL('./e2ee-worker.js', import.meta.url),
          )
        : null;
    const transform = () => {
      if (opts.transform) return opts.transform;
      const worker = this.e2eeCtl?.transformWorker();
      return worker ? { worker } : undefined;
    };
    this.localMedia = new LocalMedia({
      local: this.local,
      events: this.events,
      opts,
      transform,
      e2ee: () => this.e2eeCtl?.enabled === true,
      publisher: () => this.publisher,
      ended: () => this.ended,
      ready: () => this.ready(),
      send: (type, data) => this.send(type, data),
      assertActive: () => this.assertActive(),
    });
    this.remoteMedia = new RemoteMedia({
      local: this.local,
      events: this.events,
      opts,
      transform,
      subscriber: () => this.subscriber,
    });
    this.reconnector = new Reconnector({
      events: this.events,
      get enabled() {
        return opts.reconnect !== false;
      },
      ended: () => this.ended,
      state: () => this._state,
      setState: (s) => this.setState(s),
      localId: () => this.local.id,
      resumeSecret: () => this.resumeSecret,
      publisher: () => this.publisher,
      subscriber: () => this.subscriber,
      rejoin: (resume) => this.openAndJoin(resume, (j) => this.applyJoined(j, true)),
      teardownMedia: () => this.teardownMedia(),
      finish: (reason) => this.finish(reason),
    });
    this.stats = new StatsMonitor(
      {
        publisher: () => this.publisher?.pc ?? null,
        subscriber: () => this.subscriber?.pc ?? null,
        localId: () => this.local.id,
        localMicLevel: () => this.localMedia.micLevel(),
        localPublishing: () => this.localMedia.publishing(),
        remoteTracks: () => this.remoteMedia.refs(),
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
    return this.remoteMedia.participants;
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
      // Both PeerConnections are built while the signaling connection
      // opens, not after the joined message: the server's subscriber offer
      // follows joined at once, and building them then would delay its
      // answer. They send nothing before they negotiate.
      try {
        this.createPCs();
      } catch (err) {
        throw new TypeError(`connect: the browser refused the PeerConnection settings (iceServers?): ${String(err)}`);
      }
      await this.openAndJoin(undefined, (j) => this.applyJoined(j, false));
    } catch (err) {
      this.ended = true;
      this.teardown();
      this._state = 'disconnected';
      if (err instanceof JoinFailure) throw conclaveError(err.code, err.message.slice(err.code.length + 2), err.retryAfter);
      throw err;
    }
    this.setState('connected');
    this.stats.start();
    signal?.addEventListener('abort', () => void this.leave(), { once: true });
  }

  private openAndJoin(resume: ResumeRequest | undefined, apply: (j: Joined) => void): Promise<void> {
    return openAndJoin(
      {
        wsUrl: this.wsUrl,
        token: this.token,
        signal: this.opts.signal,
        connecting: () => this._state === 'connecting',
        ended: () => this.ended,
        announcement: this.e2eeCtl ? () => this.e2eeCtl!.announcement() : undefined,
        password: this.opts.password,
        onLobby: this.opts.onLobby,
        adopt: (socket) => {
          this.socket = socket;
          socket.onMessage = (m) => this.handle(m);
          socket.onClose = () => this.onSocketClosed(socket);
        },
      },
      resume,
      apply,
    );
  }

  /** Applies a joined (first join, resume, or fresh re-join). Synchronous. */
  private applyJoined(j: Joined, rejoin: boolean): void {
    if (this.e2eeCtl && !this.e2eeCtl.accepts(j.e2ee === true)) {
      // This session was end-to-end encrypted and the server now calls
      // the room plain: nothing more is sent, media or messages.
      this.finish('e2ee_downgrade');
      return;
    }
    const resumed = rejoin && j.resumed === true && this.publisher !== null && j.participant.id === this.local.id;
    if (rejoin && !resumed) this.teardownMedia();
    this._name = j.room;
    this._locked = j.locked === true;
    this._lobbyOn = j.lobby_on === true;
    this._endsAt = (j.ends_at ?? 0) * 1000;
    // The server's snapshot of the lobby replaces ours (a resume too).
    this._lobby.clear();
    for (const g of j.lobby ?? []) this._lobby.set(g.id, g);
    this.resumeSecret = j.resume_secret ?? (resumed ? this.resumeSecret : undefined);
    replaceInPlace(this.local, j.participant);
    if (!this.publisher || !this.subscriber) this.createPCs();
    const before = resumed ? [...this.remoteMedia.participants.keys()] : [];
    this.remoteMedia.reconcile(j.participants, !rejoin);
    this.applyJoinedE2EE(j, resumed, before);
    this.localMedia.syncInfos();
    if (resumed) {
      const queued = this.outbox;
      this.outbox = [];
      for (const [type, data] of queued) this.sendNow(type, data);
      this.publisher?.resendPendingOffer();
    } else {
      this.outbox = [];
      if (rejoin) this.localMedia.republish();
    }
  }

  /**
   * The keys follow the membership: a join (or fresh re-join) starts the
   * session's keys over; a resume keeps them and catches up with whoever
   * came and went while signaling was down.
   */
  private applyJoinedE2EE(j: Joined, resumed: boolean, before: string[]): void {
    const e = this.e2eeCtl;
    if (!e) return;
    const fail = (err: unknown) => console.error('conclave: e2ee', err);
    if (!resumed) {
      e.joined(j.e2ee === true, j.participant, j.participants).catch(fail);
      return;
    }
    const now = new Set(j.participants.map((p) => p.id));
    for (const id of before) if (!now.has(id)) e.participantLeft(id).catch(fail);
    const had = new Set(before);
    for (const p of j.participants) if (!had.has(p.id)) e.participantJoined(p).catch(fail);
  }

  private createPCs(): void {
    const send = <T extends keyof ClientMessages>(type: T, data: ClientMessages[T]) => this.send(type, data);
    this.publisher = new Publisher(
      this.opts.iceServers,
      send,
      () => this.ready(),
      () => this._state === 'connected',
      () => this.reconnector.restartPublisherIce(),
    );
    this.subscriber = new Subscriber(
      this.opts.iceServers,
      send,
      (ev) => this.remoteMedia.onRemoteTrack(ev),
      () => this.remoteMedia.sweep(),
      () => this.reconnector.restartSubscriberIce(),
    );
  }

  /** Closes both PeerConnections (fresh re-join); local MediaStreamTracks are kept. */
  private teardownMedia(): void {
    this.remoteMedia.unsubscribeAll();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.stats.reset();
    this.localMedia.detach();
  }

  private onSocketClosed(socket: SignalSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.ended) return;
    if (this.opts.reconnect === false) {
      this.finish('network');
      return;
    }
    void this.reconnector.run();
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
        this.remoteMedia.upsert(msg.data.participant, true);
        this.e2eeCtl?.participantJoined(msg.data.participant).catch((err) => console.error('conclave: e2ee', err));
        return;
      case 'participant_updated':
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.localMedia.syncInfos();
        } else {
          this.remoteMedia.upsert(msg.data.participant, true);
        }
        return;
      case 'participant_left':
        this.remoteMedia.remove(msg.data.participant_id, msg.data.reason);
        this.e2eeCtl?.participantLeft(msg.data.participant_id).catch((err) => console.error('conclave: e2ee', err));
        return;
      case 'e2ee':
        this.e2eeCtl?.receive(msg.data.from ?? '', msg.data.payload).catch((err) => console.error('conclave: e2ee', err));
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
        this.localMedia.onServerMute(msg.data.track_id, msg.data.muted);
        return;
      case 'data': {
        const from = msg.data.from ?? '';
        const topic = msg.data.topic ?? '';
        if (this.e2eeCtl?.enabled) {
          const sealed = fromBase64(msg.data.payload);
          if (sealed) this.e2eeCtl.open(from, topic, sealed, (plain) => emitDataBytes(this.events, plain, from, topic));
          return;
        }
        emitData(this.events, msg.data.payload, from, topic);
        return;
      }
      case 'leave':
        if (msg.data.reason === 'server_shutdown' && this.opts.reconnect !== false) {
          // The server is restarting, not ending our session: reconnect as
          // after a drop (the new process refuses the resume; a fresh join follows).
          const socket = this.socket;
          this.socket = null;
          socket?.close(1000, 'server restarting');
          void this.reconnector.run('server_shutdown');
          return;
        }
        this.finish(msg.data.reason ?? 'left');
        return;
      case 'role_changed':
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.localMedia.syncInfos();
          // A role that may not admit sees no lobby; one that now may is
          // sent the guests waiting as lobby_guest messages.
          if (this.local.permissions.admit !== true) this._lobby.clear();
        } else {
          this.remoteMedia.upsert(msg.data.participant, true);
        }
        this.events.emit('roleChanged', msg.data.participant, msg.data.by ?? '');
        return;
      case 'lock_changed':
        this._locked = msg.data.locked;
        this.events.emit('lockChanged', msg.data.locked, msg.data.by ?? '');
        return;
      case 'lobby_changed':
        this._lobbyOn = msg.data.on;
        this.events.emit('lobbyChanged', msg.data.on, msg.data.by ?? '');
        return;
      case 'meeting_ending':
        this._endsAt = msg.data.ends_at * 1000;
        this.events.emit('meetingEnding', this._endsAt, msg.data.seconds_left);
        return;
      case 'lobby_guest':
        this._lobby.set(msg.data.guest.id, msg.data.guest);
        this.events.emit('lobbyGuestWaiting', msg.data.guest);
        return;
      case 'lobby_guest_left': {
        const g = this._lobby.get(msg.data.id);
        if (!g) return;
        this._lobby.delete(msg.data.id);
        this.events.emit('lobbyGuestLeft', g, msg.data.reason);
        return;
      }
      case 'lobby':
        // Only a guest that waits is told its status: before joined.
        return;
      case 'pong':
        return;
      case 'error': {
        const { code, message } = msg.data;
        if (code === 'bitrate_limited' && msg.data.max_bitrate !== undefined) {
          // Not a refusal: the encoders are lowered under the cap before
          // the server's grace period ends (docs/sfu.md, "Bitrate cap").
          const cap = msg.data.max_bitrate;
          this.localMedia.limitBitrate(cap).catch((err) => console.warn('conclave: could not lower the bitrate', err));
          this.events.emit('bitrateLimited', cap);
          return;
        }
        if ((code === 'bad_sdp' || code === 'permission_denied') && this.publisher?.offerInFlight) {
          this.publisher.failInFlight(code, message);
        }
        if (code === 'muted_by_host') this.localMedia.onUnmuteRefused();
        this.events.emit('error', code, message);
        return;
      }
    }
  }

  private onTrackPublished(pid: string, track: TrackInfo): void {
    if (pid === this.local.id) this.localMedia.onPublished(track);
    else this.remoteMedia.onTrackPublished(pid, track);
  }

  private onTrackUnpublished(pid: string, trackId: string): void {
    if (pid === this.local.id) this.localMedia.onUnpublished(trackId);
    else this.remoteMedia.onTrackUnpublished(pid, trackId);
  }

  // ------------------------------------------------------------- local tracks

  publishCamera(opts: { deviceId?: string; width?: number; height?: number } = {}): Promise<LocalTrack> {
    return this.localMedia.publishCamera(opts);
  }

  publishMicrophone(opts: { deviceId?: string } = {}): Promise<LocalTrack> {
    return this.localMedia.publishMicrophone(opts);
  }

  publishScreen(): Promise<LocalTrack> {
    return this.localMedia.publishScreen();
  }

  publishTrack(track: MediaStreamTrack, source: TrackSource): Promise<LocalTrack> {
    return this.localMedia.publishTrack(track, source);
  }

  unpublish(t: LocalTrack): Promise<void> {
    return this.localMedia.unpublish(t);
  }

  localTracks(): LocalTrack[] {
    return this.localMedia.list();
  }

  remoteTracks(participantId?: string): RemoteTrack[] {
    return this.remoteMedia.list(participantId);
  }

  setMuted(t: LocalTrack, muted: boolean): Promise<void> {
    return this.localMedia.setMuted(t, muted);
  }

  requestUnmute(t: LocalTrack): Promise<void> {
    return this.localMedia.requestUnmute(t);
  }

  // ------------------------------------------------------------- moderation
  // Each is decided by the server on this participant's role when it
  // arrives (docs/access.md). A refusal arrives as an 'error' event
  // (role_denied, role_rank, permission_denied, unknown_participant);
  // success as the room's own events (roleChanged, lockChanged,
  // participantLeft with reason "removed", disconnected "meeting_ended").

  /** Mutes (or lifts the mute on) another participant's track, as a host: its publisher cannot unmute it. */
  muteParticipant(participantId: string, trackId: string, muted = true): void {
    this.send('mute_track', { participant_id: participantId, track_id: trackId, muted });
  }

  /**
   * Takes another participant out of the meeting. With ban, its identity
   * is also refused for duration seconds (0 or absent: the room's life;
   * at most a year), whatever token it comes back with; reason is at most
   * 256 bytes.
   */
  removeParticipant(participantId: string, ban?: { duration?: number; reason?: string }): void {
    this.send('remove_participant', ban ? { participant_id: participantId, ban } : { participant_id: participantId });
  }

  /** Gives another participant a role, at most this participant's own. */
  setRole(participantId: string, role: Role): void {
    this.send('set_role', { participant_id: participantId, role });
  }

  /** Locks the meeting (nobody new is admitted, whatever their token) or unlocks it. */
  lockMeeting(locked = true): void {
    this.send('lock_meeting', { locked });
  }

  /** Ends the meeting for everyone. */
  endMeeting(): void {
    this.send('end_meeting', {});
  }

  // ------------------------------------------------------------- lobby and password
  // Decided by the server like the moderation above: admit and deny need
  // the admit permission (a host or moderator), the password the lock
  // permission. A refusal is an 'error' event (role_denied,
  // permission_denied, guest_not_found, room_full when an admission would
  // overfill the room, policy_violation when clearing a password the
  // policy requires); success is lobbyGuestLeft with reason "admitted" or
  // "denied", and the admitted guest's participantJoined.

  /** The guests waiting in the lobby, by id, when this participant may admit them (empty otherwise). */
  get lobby(): ReadonlyMap<string, LobbyGuest> {
    return this._lobby;
  }

  /** Admits the waiting guest with this id. */
  admit(guestId: string): void {
    if (typeof guestId !== 'string' || guestId === '') throw new TypeError('admit: a guest id is required');
    this.send('admit_guest', { id: guestId });
  }

  /** Refuses the waiting guest with this id: its connect() rejects with lobby_denied. */
  deny(guestId: string): void {
    if (typeof guestId !== 'string' || guestId === '') throw new TypeError('deny: a guest id is required');
    this.send('deny_guest', { id: guestId });
  }

  /** Admits every guest waiting. */
  admitAll(): void {
    this.send('admit_guest', { all: true });
  }

  /** Refuses every guest waiting. */
  denyAll(): void {
    this.send('deny_guest', { all: true });
  }

  /**
   * Sets the room password guests must give from now on (8 to 128 bytes of
   * text without control characters; the server keeps only its hash).
   * Those already in stay. A password the server refuses is an 'error'
   * event (bad_message).
   */
  setPassword(password: string): void {
    if (typeof password !== 'string' || password === '') throw new TypeError('setPassword: a password is required (clearPassword() removes it)');
    this.send('set_password', { password });
  }

  /** Removes the room password. */
  clearPassword(): void {
    this.send('set_password', { password: '' });
  }

  /**
   * Turns the room's lobby on (guests from now on wait until admitted) or
   * off (they walk in; those already waiting stay until admitted or
   * denied). Needs the lock permission; success is a 'lobbyChanged' event,
   * a refusal an 'error' event (role_denied, policy_violation when the
   * organisation's policy requires a lobby for this room, unavailable).
   */
  setLobby(on: boolean): void {
    if (typeof on !== 'boolean') throw new TypeError('setLobby: on must be true or false');
    this.send('set_lobby', { on });
  }

  /** Whether guests wait in the room's lobby. */
  get lobbyOn(): boolean {
    return this._lobbyOn;
  }

  /** Whether the meeting is locked. */
  get locked(): boolean {
    return this._locked;
  }

  /** When the meeting's maximum duration ends it (Unix ms), 0 for never. */
  get endsAt(): number {
    return this._endsAt;
  }

  switchDevice(kind: 'audioinput' | 'videoinput', deviceId: string): Promise<void> {
    return this.localMedia.switchDevice(kind, deviceId);
  }

  // ------------------------------------------------------------- data

  async sendData(payload: Uint8Array | string, opts: { topic?: string; to?: string[] } = {}): Promise<void> {
    this.assertActive();
    const msg = dataMessage(this.local, payload, opts);
    if (this.e2eeCtl?.enabled) {
      // Sealed with this participant's key and signed with its identity
      // key: the server relays what it cannot read.
      msg.payload = toBase64(await this.e2eeCtl.seal(opts.topic ?? '', fromBase64(msg.payload)!));
      this.assertActive();
    }
    this.send('data', msg);
  }

  sendChat(text: string): Promise<void> {
    if (typeof text !== 'string') return Promise.reject(new TypeError('sendChat: text must be a string'));
    return this.sendData(JSON.stringify({ text }), { topic: 'chat' });
  }

  // ------------------------------------------------------------- end-to-end encryption

  /** True when the room requires end-to-end encryption and this session encrypts everything it sends. */
  get e2ee(): boolean {
    return this.e2eeCtl?.enabled === true;
  }

  /** Where this browser keeps its identity key: 'indexeddb' (non-extractable, kept across visits) or 'memory' (this page only); null without E2EE. */
  get identityStorage(): 'indexeddb' | 'memory' | null {
    return this.e2eeCtl?.identityStorage ?? null;
  }

  /** The room's safety code ("12345 67890 13579 24680"), the same on every screen; "" without E2EE. */
  safetyCode(): Promise<string> {
    return this.e2eeCtl?.safetyCode() ?? Promise.resolve('');
  }

  /** What this browser knows of a participant's end-to-end encryption; null without E2EE or for an unknown id. */
  e2eeStatus(participantId: string): E2EEParticipantStatus | null {
    return this.e2eeCtl?.status(participantId) ?? null;
  }

  /** Marks (or unmarks) a participant's identity key verified on this browser, after comparing safety codes. */
  markVerified(participantId: string, verified = true): void {
    this.e2eeCtl?.markVerified(participantId, verified);
  }

  /** Counters of this session's end-to-end encryption (frames encrypted, decrypted, dropped by reason); null without E2EE. */
  e2eeStats(): Promise<E2EEStats | null> {
    return this.e2eeCtl?.stats() ?? Promise.resolve(null);
  }

  /** The SFrame key id this session sends with (epoch << 8 | step), for tests and diagnostics. */
  e2eeSendingKeyId(): number {
    return this.e2eeCtl?.sendingKid() ?? 0;
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
    this.e2eeCtl?.close();
    this.stats.stop();
    this.reconnector.stop();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'bye');
    this.remoteMedia.unsubscribeAll();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.localMedia.stopAll();
    this.outbox = [];
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(conclaveError('disconnected', 'the room is disconnected'));
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
