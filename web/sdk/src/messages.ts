// Wire types of the signaling protocol (docs/protocol.md) and the checks the
// SDK applies to every message the server sends. A message that fails them is
// logged and ignored; it never throws out of the socket handler.

import type {
  E2EEAnnouncement,
  LobbyGuest,
  LobbyStatus,
  ParticipantInfo,
  Permissions,
  Role,
  TrackInfo,
  TrackSource,
} from './types.js';

export type PCName = 'publisher' | 'subscriber';

export interface Joined {
  room: string;
  participant: ParticipantInfo;
  participants: ParticipantInfo[];
  resume_secret?: string;
  resumed?: boolean;
  /** The room requires end-to-end encryption. */
  e2ee?: boolean;
  /** The meeting is locked. */
  locked?: boolean;
  /** Guests wait in the room's lobby. */
  lobby_on?: boolean;
  /** When the meeting's maximum duration ends it, Unix seconds. */
  ends_at?: number;
  /** The guests waiting in the lobby, for a participant that may admit them. */
  lobby?: LobbyGuest[];
}
export interface RoleChangedMsg { participant: ParticipantInfo; by?: string }
export interface LockChangedMsg { locked: boolean; by?: string }
export interface LobbyChangedMsg { on: boolean; by?: string }
export interface MeetingEndingMsg { ends_at: number; seconds_left: number }
export interface LobbyGuestMsg { guest: LobbyGuest }
export interface LobbyGuestLeftMsg { id: string; reason: string }
export interface ParticipantJoinedMsg { participant: ParticipantInfo }
export interface ParticipantLeftMsg { participant_id: string; reason: string }
export interface ParticipantUpdatedMsg { participant: ParticipantInfo }
export interface TrackPublishedMsg { participant_id: string; track: TrackInfo }
export interface TrackUnpublishedMsg { participant_id: string; track_id: string }
export interface SessionDescriptionMsg { pc: PCName; sdp: string }
export interface CandidateMsg {
  pc: PCName;
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
  usernameFragment?: string;
}
export interface MuteMsg { track_id: string; muted: boolean }
export interface DataMsg { from?: string; to?: string[]; topic?: string; payload: string }
export interface LeaveMsg { reason?: string }
export interface PongMsg { t: number }
/**
 * max_bitrate: with bitrate_limited only, the room's cap in bits per second.
 * retry_after: with rate_limited or too_many_attempts only, the whole seconds
 * (1 to MAX_RETRY_AFTER_S) to wait before trying again.
 */
export interface ErrorMsg { code: string; message: string; max_bitrate?: number; retry_after?: number }

/** The longest wait the SDK takes from error.retry_after (docs/protocol.md): a day. */
export const MAX_RETRY_AFTER_S = 86_400;
const RETRY_AFTER_CODES: ReadonlySet<string> = new Set(['rate_limited', 'too_many_attempts']);
export interface E2EEMsg { from?: string; to?: string; payload: string }

export type ServerMessage =
  | { type: 'joined'; data: Joined }
  | { type: 'participant_joined'; data: ParticipantJoinedMsg }
  | { type: 'participant_left'; data: ParticipantLeftMsg }
  | { type: 'participant_updated'; data: ParticipantUpdatedMsg }
  | { type: 'track_published'; data: TrackPublishedMsg }
  | { type: 'track_unpublished'; data: TrackUnpublishedMsg }
  | { type: 'offer'; data: SessionDescriptionMsg }
  | { type: 'answer'; data: SessionDescriptionMsg }
  | { type: 'candidate'; data: CandidateMsg }
  | { type: 'mute'; data: MuteMsg }
  | { type: 'data'; data: DataMsg }
  | { type: 'leave'; data: LeaveMsg }
  | { type: 'pong'; data: PongMsg }
  | { type: 'error'; data: ErrorMsg }
  | { type: 'e2ee'; data: E2EEMsg }
  | { type: 'role_changed'; data: RoleChangedMsg }
  | { type: 'lock_changed'; data: LockChangedMsg }
  | { type: 'lobby_changed'; data: LobbyChangedMsg }
  | { type: 'meeting_ending'; data: MeetingEndingMsg }
  | { type: 'lobby'; data: LobbyStatus }
  | { type: 'lobby_guest'; data: LobbyGuestMsg }
  | { type: 'lobby_guest_left'; data: LobbyGuestLeftMsg };

/** Client-to-server message types and their payloads. */
export interface ClientMessages {
  join: { token: string; resume?: { participant_id: string; secret: string }; e2ee?: E2EEAnnouncement; password?: string };
  add_track: { cid: string; kind: 'audio' | 'video'; source: TrackSource; name?: string; e2ee?: boolean };
  offer: SessionDescriptionMsg;
  answer: SessionDescriptionMsg;
  candidate: CandidateMsg;
  mute: MuteMsg;
  data: { to?: string[]; topic?: string; payload: string };
  unmute_request: { track_id: string };
  restart_ice: Record<string, never>;
  leave: LeaveMsg;
  ping: { t: number };
  e2ee: { to: string; payload: string };
  e2ee_identity_changed: { identity: string; identity_key: string };
  mute_track: { participant_id: string; track_id: string; muted: boolean };
  remove_participant: { participant_id: string; ban?: { duration?: number; reason?: string } };
  set_role: { participant_id: string; role: Role };
  lock_meeting: { locked: boolean };
  end_meeting: Record<string, never>;
  admit_guest: { id: string } | { all: true };
  deny_guest: { id: string } | { all: true };
  set_password: { password: string };
  set_lobby: { on: boolean };
}

const ROLES: ReadonlySet<string> = new Set(['host', 'moderator', 'participant', 'viewer']);
const MODERATION_PERMS = [
  'publish_audio', 'publish_video', 'publish_screen', 'admit', 'mute_others', 'remove', 'ban', 'lock',
  'end_meeting', 'change_roles', 'share_invite',
] as const;

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isOptStr = (x: unknown): boolean => x === undefined || x === null || typeof x === 'string';
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const SOURCES: ReadonlySet<string> = new Set(['camera', 'microphone', 'screen', 'screen_audio']);

function trackInfo(x: unknown): TrackInfo | null {
  if (!isObj(x) || !isStr(x.id) || x.id === '') return null;
  if (x.kind !== 'audio' && x.kind !== 'video') return null;
  if (!isStr(x.source) || !SOURCES.has(x.source)) return null;
  if (!isOptStr(x.cid) || !isOptStr(x.name) || !isOptStr(x.mime_type)) return null;
  if (x.muted !== undefined && !isBool(x.muted)) return null;
  if (x.muted_by_host !== undefined && !isBool(x.muted_by_host)) return null;
  if (x.e2ee !== undefined && !isBool(x.e2ee)) return null;
  const t: TrackInfo = {
    id: x.id,
    kind: x.kind,
    source: x.source as TrackSource,
    mime_type: (x.mime_type as string | undefined) ?? '',
    muted: x.muted === true,
  };
  if (x.muted_by_host === true) t.muted_by_host = true;
  if (x.e2ee === true) t.e2ee = true;
  if (isStr(x.cid) && x.cid !== '') t.cid = x.cid;
  if (isStr(x.name) && x.name !== '') t.name = x.name;
  return t;
}

function participantInfo(x: unknown): ParticipantInfo | null {
  if (!isObj(x) || !isStr(x.id) || x.id === '' || !isStr(x.identity)) return null;
  if (!isOptStr(x.name) || !isNum(x.joined_at)) return null;
  const perms = x.permissions;
  if (!isObj(perms)) return null;
  const tracks: TrackInfo[] = [];
  if (x.tracks !== null && x.tracks !== undefined) {
    if (!Array.isArray(x.tracks)) return null;
    for (const raw of x.tracks) {
      const t = trackInfo(raw);
      if (!t) return null;
      tracks.push(t);
    }
  }
  const p: ParticipantInfo = {
    id: x.id,
    identity: x.identity,
    joined_at: x.joined_at,
    permissions: {
      publish: perms.publish === true,
      subscribe: perms.subscribe === true,
      publish_data: perms.publish_data === true,
    },
    tracks,
  };
  const pm: Permissions = p.permissions;
  for (const k of MODERATION_PERMS) if (perms[k] === true) pm[k] = true;
  if (x.role !== undefined && x.role !== null) {
    if (!isStr(x.role) || !ROLES.has(x.role)) return null;
    p.role = x.role as Role;
  }
  if (isStr(x.name) && x.name !== '') p.name = x.name;
  if (x.member !== undefined && x.member !== null && !isBool(x.member)) return null;
  if (x.member === true) p.member = true;
  if (x.e2ee !== undefined && x.e2ee !== null) {
    const k = x.e2ee;
    if (!isObj(k) || !isStr(k.identity_key) || !isStr(k.kem_key) || !isStr(k.signature)) return null;
    p.e2ee = { identity_key: k.identity_key, kem_key: k.kem_key, signature: k.signature };
  }
  return p;
}

function participantList(x: unknown): ParticipantInfo[] | null {
  if (x === null || x === undefined) return [];
  if (!Array.isArray(x)) return null;
  const out: ParticipantInfo[] = [];
  for (const raw of x) {
    const p = participantInfo(raw);
    if (!p) return null;
    out.push(p);
  }
  return out;
}

function lobbyGuest(x: unknown): LobbyGuest | null {
  if (!isObj(x) || !isStr(x.id) || x.id === '' || !isStr(x.identity) || !isOptStr(x.name) || !isNum(x.since)) return null;
  if (x.invite !== undefined && x.invite !== null && !isBool(x.invite)) return null;
  if (x.member !== undefined && x.member !== null && !isBool(x.member)) return null;
  const g: LobbyGuest = { id: x.id, identity: x.identity, invite: x.invite === true, member: x.member === true, since: x.since * 1000 };
  if (isStr(x.name) && x.name !== '') g.name = x.name;
  return g;
}

function lobbyList(x: unknown): LobbyGuest[] | null {
  if (x === null || x === undefined) return [];
  if (!Array.isArray(x)) return null;
  const out: LobbyGuest[] = [];
  for (const raw of x) {
    const g = lobbyGuest(raw);
    if (!g) return null;
    out.push(g);
  }
  return out;
}

function pcName(x: unknown): x is PCName {
  return x === 'publisher' || x === 'subscriber';
}

/**
 * Checks one server payload by type. Returns the normalised message,
 * 'unknown' for a type this SDK does not know, or null for a malformed one.
 */
export function checkServerMessage(type: string, data: unknown): ServerMessage | 'unknown' | null {
  const d: Obj = isObj(data) ? data : {};
  switch (type) {
    case 'joined': {
      const participant = participantInfo(d.participant);
      const participants = participantList(d.participants);
      if (!isStr(d.room) || !participant || !participants) return null;
      if (!isOptStr(d.resume_secret) || (d.resumed !== undefined && !isBool(d.resumed))) return null;
      if (d.e2ee !== undefined && !isBool(d.e2ee)) return null;
      if (d.locked !== undefined && !isBool(d.locked)) return null;
      if (d.lobby_on !== undefined && !isBool(d.lobby_on)) return null;
      if (d.ends_at !== undefined && !isNum(d.ends_at)) return null;
      const lobby = lobbyList(d.lobby);
      if (!lobby) return null;
      const j: Joined = { room: d.room, participant, participants, resumed: d.resumed === true, e2ee: d.e2ee === true };
      if (d.locked === true) j.locked = true;
      if (d.lobby_on === true) j.lobby_on = true;
      if (lobby.length > 0) j.lobby = lobby;
      if (isNum(d.ends_at) && d.ends_at > 0) j.ends_at = d.ends_at;
      if (isStr(d.resume_secret) && d.resume_secret !== '') j.resume_secret = d.resume_secret;
      return { type, data: j };
    }
    case 'participant_joined':
    case 'participant_updated': {
      const participant = participantInfo(d.participant);
      return participant ? { type, data: { participant } } : null;
    }
    case 'participant_left':
      if (!isStr(d.participant_id) || !isOptStr(d.reason)) return null;
      return { type, data: { participant_id: d.participant_id, reason: (d.reason as string | undefined) ?? 'left' } };
    case 'track_published': {
      const track = trackInfo(d.track);
      if (!isStr(d.participant_id) || !track) return null;
      return { type, data: { participant_id: d.participant_id, track } };
    }
    case 'track_unpublished':
      if (!isStr(d.participant_id) || !isStr(d.track_id)) return null;
      return { type, data: { participant_id: d.participant_id, track_id: d.track_id } };
    case 'offer':
    case 'answer':
      if (!pcName(d.pc) || !isStr(d.sdp) || d.sdp === '') return null;
      return { type, data: { pc: d.pc, sdp: d.sdp } };
    case 'candidate': {
      if (!pcName(d.pc) || !isStr(d.candidate)) return null;
      if (!isOptStr(d.sdpMid) || !isOptStr(d.usernameFragment)) return null;
      if (d.sdpMLineIndex !== undefined && d.sdpMLineIndex !== null && !isNum(d.sdpMLineIndex)) return null;
      const c: CandidateMsg = { pc: d.pc, candidate: d.candidate };
      if (isStr(d.sdpMid)) c.sdpMid = d.sdpMid;
      if (isNum(d.sdpMLineIndex)) c.sdpMLineIndex = d.sdpMLineIndex;
      if (isStr(d.usernameFragment)) c.usernameFragment = d.usernameFragment;
      return { type, data: c };
    }
    case 'mute':
      if (!isStr(d.track_id) || !isBool(d.muted)) return null;
      return { type, data: { track_id: d.track_id, muted: d.muted } };
    case 'data': {
      if (!isOptStr(d.from) || !isOptStr(d.topic) || !isStr(d.payload)) return null;
      const m: DataMsg = { payload: d.payload };
      if (isStr(d.from)) m.from = d.from;
      if (isStr(d.topic)) m.topic = d.topic;
      return { type, data: m };
    }
    case 'e2ee':
      if (!isStr(d.from) || d.from === '' || !isStr(d.payload)) return null;
      return { type, data: { from: d.from, payload: d.payload } };
    case 'leave':
      if (!isOptStr(d.reason)) return null;
      return { type, data: isStr(d.reason) && d.reason !== '' ? { reason: d.reason } : {} };
    case 'pong':
      return { type, data: { t: isNum(d.t) ? d.t : 0 } };
    case 'role_changed': {
      const participant = participantInfo(d.participant);
      if (!participant || !isOptStr(d.by)) return null;
      return { type, data: { participant, by: isStr(d.by) ? d.by : '' } };
    }
    case 'lock_changed':
      if (!isBool(d.locked) || !isOptStr(d.by)) return null;
      return { type, data: { locked: d.locked, by: isStr(d.by) ? d.by : '' } };
    case 'lobby_changed':
      if (!isBool(d.on) || !isOptStr(d.by)) return null;
      return { type, data: { on: d.on, by: isStr(d.by) ? d.by : '' } };
    case 'meeting_ending':
      if (!isNum(d.ends_at) || !isNum(d.seconds_left)) return null;
      return { type, data: { ends_at: d.ends_at, seconds_left: d.seconds_left } };
    case 'lobby':
      if ((d.status !== 'waiting' && d.status !== 'waiting_for_host') || !isNum(d.position)) return null;
      return { type, data: { status: d.status, position: d.position } };
    case 'lobby_guest': {
      const guest = lobbyGuest(d.guest);
      return guest ? { type, data: { guest } } : null;
    }
    case 'lobby_guest_left':
      if (!isStr(d.id) || d.id === '' || !isStr(d.reason)) return null;
      return { type, data: { id: d.id, reason: d.reason } };
    case 'error': {
      if (!isStr(d.code)) return null;
      if (d.max_bitrate !== undefined && (!isNum(d.max_bitrate) || d.max_bitrate <= 0)) return null;
      // As strict as the Go decoder: a whole number of seconds, bounded,
      // and only with the codes that have a wait.
      if (d.retry_after !== undefined && (!Number.isInteger(d.retry_after) || (d.retry_after as number) < 0 ||
        (d.retry_after as number) > MAX_RETRY_AFTER_S || (d.retry_after !== 0 && !RETRY_AFTER_CODES.has(d.code)))) return null;
      const m: ErrorMsg = { code: d.code, message: isStr(d.message) ? d.message : '' };
      if (isNum(d.max_bitrate)) m.max_bitrate = d.max_bitrate;
      if (isNum(d.retry_after) && d.retry_after > 0) m.retry_after = d.retry_after;
      return { type, data: m };
    }
    default:
      return 'unknown';
  }
}
