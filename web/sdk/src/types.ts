// Public types of the Conclave JS SDK (see web/sdk/API.md, the contract).

export type TrackSource = 'camera' | 'microphone' | 'screen' | 'screen_audio';
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'lost';
export type ReconnectReason = 'network' | 'server_shutdown';

export interface TrackInfo {
  id: string;
  cid?: string;
  kind: 'audio' | 'video';
  source: TrackSource;
  name?: string;
  mime_type: string;
  muted: boolean;
  /** The server (the REST API, later a host) muted the track: a lock its publisher cannot lift. */
  muted_by_host?: boolean;
  /** The publisher announced the track as end-to-end encrypted. */
  e2ee?: boolean;
}

/** A participant's end-to-end encryption announcement (docs/e2ee.md), base64 fields as on the wire. */
export interface E2EEAnnouncement {
  identity_key: string;
  kem_key: string;
  signature: string;
}

export type Role = 'host' | 'moderator' | 'participant' | 'viewer';

/** What a participant may do: its role's permissions narrowed by its token (docs/access.md). The moderation flags are present when true. */
export interface Permissions {
  publish: boolean;
  subscribe: boolean;
  publish_data: boolean;
  publish_audio?: boolean;
  publish_video?: boolean;
  publish_screen?: boolean;
  admit?: boolean;
  mute_others?: boolean;
  remove?: boolean;
  ban?: boolean;
  lock?: boolean;
  end_meeting?: boolean;
  change_roles?: boolean;
  share_invite?: boolean;
}

export interface ParticipantInfo {
  id: string;
  identity: string;
  name?: string;
  joined_at: number;
  /** host, moderator, participant or viewer (docs/access.md) */
  role?: Role;
  permissions: Permissions;
  tracks: TrackInfo[];
  /** In a room that requires end-to-end encryption: the participant's announced keys. */
  e2ee?: E2EEAnnouncement;
  /** a signed-in member of the organisation who came by an invite */
  member?: boolean;
}

/** A guest's place in the room's lobby (docs/access.md, "Lobby and password"). */
export interface LobbyStatus {
  /** 'waiting': a host or moderator is in and sees this guest; 'waiting_for_host': nobody who may admit is in yet */
  status: 'waiting' | 'waiting_for_host';
  /** 1-based, in order of arrival */
  position: number;
}

/** A guest waiting in the lobby, as a participant who may admit it (the admit permission) sees it. */
export interface LobbyGuest {
  /** what admit(id) and deny(id) take */
  id: string;
  identity: string;
  name?: string;
  /** it came with an invite link */
  invite: boolean;
  /** a signed-in member of the organisation (it waits because the policy's members_skip_lobby is off) */
  member: boolean;
  /** when it began to wait, Unix ms */
  since: number;
}

/** Why a guest no longer waits; a newer server may send others. */
export type LobbyLeftReason = 'admitted' | 'denied' | 'left' | 'timeout' | 'locked' | 'closed';

export interface TransformOptions {
  /**
   * A Worker that handles RTCRtpScriptTransform events ("rtctransform"). Every
   * sender gets new RTCRtpScriptTransform(worker, {side: 'send', trackId, kind, participantId}),
   * every receiver {side: 'receive', trackId, kind, participantId}. The SDK never reads frame payloads.
   */
  worker: Worker;
}

export interface ConnectOptions {
  /** default true: resume after a signaling drop, ICE restart on network change */
  reconnect?: boolean;
  /**
   * default true: announce end-to-end encryption keys when joining, and
   * encrypt every track and message when the room requires it (docs/e2ee.md).
   * false: never (a room that requires it refuses the join: e2ee_required).
   * Needs RTCRtpScriptTransform; where the browser lacks it, joining a room
   * that requires E2EE fails with e2ee_required.
   */
  e2ee?: boolean;
  /** Where the SDK's e2ee-worker.js is served; default: beside the SDK module. */
  e2eeWorkerUrl?: string | URL;
  /** A custom frame transform; with it the built-in end-to-end encryption is off. */
  transform?: TransformOptions;
  iceServers?: RTCIceServer[];
  signal?: AbortSignal;
  /**
   * The room password, for a guest of a room that has one: sent in join
   * (and a fresh re-join), never in a URL; a resume needs none. Without it
   * such a room refuses the join (password_required); a wrong one is
   * password_wrong, and too many are too_many_attempts.
   */
  password?: string;
  /**
   * Called each time the server tells a guest waiting in the room's lobby
   * its status ('lobby' messages): connect() resolves when a host or
   * moderator admits it, and rejects with lobby_denied, lobby_timeout,
   * meeting_locked or room_not_found when it is refused. The wait has no
   * client-side timeout (the server bounds it); abort it with `signal`.
   */
  onLobby?: (status: LobbyStatus) => void;
}

export interface RemoteTrack {
  info: TrackInfo;
  participantId: string;
  track: MediaStreamTrack;
  stream: MediaStream;
  receiver: RTCRtpReceiver;
}

export interface LocalTrack {
  /** server view, once published */
  info: TrackInfo | null;
  source: TrackSource;
  track: MediaStreamTrack;
  sender: RTCRtpSender;
  muted: boolean;
  /**
   * The host muted this track: it stays muted, setMuted(t, false) is refused
   * (code "muted_by_host"), and requestUnmute(t) asks the host to lift it.
   */
  mutedByHost: boolean;
}

export interface ChatMessage {
  /** participant id */
  from: string;
  text: string;
  time: number;
}

export interface RoomEvents {
  participantJoined: (p: ParticipantInfo) => void;
  participantLeft: (p: ParticipantInfo, reason: string) => void;
  participantUpdated: (p: ParticipantInfo) => void;
  trackSubscribed: (t: RemoteTrack) => void;
  trackUnsubscribed: (t: RemoteTrack) => void;
  trackMuted: (participantId: string, track: TrackInfo) => void;
  trackUnmuted: (participantId: string, track: TrackInfo) => void;
  localTrackPublished: (t: LocalTrack) => void;
  localTrackUnpublished: (t: LocalTrack) => void;
  /** a room admin muted us (server already stopped forwarding) */
  muteRequested: (t: LocalTrack) => void;
  /** the host locked one of our tracks muted (locked) or lifted the lock (the track stays muted until setMuted(t, false)) */
  hostMuteChanged: (t: LocalTrack, locked: boolean) => void;
  /** loudest first; includes the local participant's id */
  activeSpeakers: (participantIds: string[]) => void;
  connectionQuality: (participantId: string, q: ConnectionQuality) => void;
  connectionStateChanged: (s: ConnectionState) => void;
  /** why: "network" (signaling dropped) or "server_shutdown" (the server is restarting) */
  reconnecting: (why: ReconnectReason) => void;
  /** the next reconnect attempt (1-based) starts in delayMs */
  reconnectAttempt: (attempt: number, delayMs: number) => void;
  reconnected: () => void;
  /** server reason code, or "client_left" / "network" */
  disconnected: (reason: string) => void;
  data: (payload: Uint8Array, from: string, topic: string) => void;
  chat: (m: ChatMessage) => void;
  /** non-fatal errors: the server's, and "data_undecryptable" / "e2ee_key_package" for end-to-end encryption */
  error: (code: string, message: string) => void;
  /**
   * we published above the room's bitrate cap (maxBitrate, bits per second, all our tracks together): the SDK has
   * lowered every sender's encoder under it, for tracks published later too; the app may tell the user
   */
  bitrateLimited: (maxBitrate: number) => void;
  /** the end-to-end encryption state changed: the safety code, a participant's status, the room's mode */
  e2eeChanged: () => void;
  /** a participant (room.local too) has a new role and permissions, already in force; by: who changed it ('' the room's owner) */
  roleChanged: (p: ParticipantInfo, by: string) => void;
  /** the meeting was locked (nobody new gets in) or unlocked; by: who ('' the room's owner) */
  lockChanged: (locked: boolean, by: string) => void;
  /** the room's lobby was turned on or off; by: who ('' the room's owner). Turning it off admits nobody who waits. */
  lobbyChanged: (on: boolean, by: string) => void;
  /** the meeting's maximum duration ends it at endsAt (Unix ms), secondsLeft from now */
  meetingEnding: (endsAt: number, secondsLeft: number) => void;
  /** a guest began to wait in the lobby (to participants with the admit permission; room.lobby has it already) */
  lobbyGuestWaiting: (g: LobbyGuest) => void;
  /** a guest no longer waits (room.lobby no longer has it): admitted, denied, left, timeout, locked or closed */
  lobbyGuestLeft: (g: LobbyGuest, reason: LobbyLeftReason | string) => void;
}
