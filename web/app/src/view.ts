// What the meeting shows, derived from the Room alone: the tiles, the
// participant list, the remote audio to play and the state of our own media.
// Rebuilt on every render, so a missed or reordered event cannot leave a
// stale tile behind.

import type { ConnectionQuality, LocalTrack, ParticipantInfo, Room, TrackSource } from '../../sdk/src/index.js';
import type { DisplayNames } from './names.js';
import type { PersonState } from './people.js';
import { flagged, keyState, type KeyView, type SecurityView } from './security.js';
import type { TileState } from './tiles.js';

/** Our own media as the controls show it. */
export interface OwnMedia {
  micMuted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  /** The host muted the microphone / camera: only they can lift it. */
  micLocked: boolean;
  cameraLocked: boolean;
}

export interface MeetingView {
  /** Screen shares first, then cameras (ours first, then by join time). */
  tiles: TileState[];
  /** Ours first, then by name. */
  people: PersonState[];
  /** Remote audio tracks to play, by track id. */
  audio: Map<string, MediaStreamTrack>;
  own: OwnMedia;
  /** Nobody else is here. */
  alone: boolean;
  /** End-to-end encryption: the room's mode and everyone else's keys. */
  security: SecurityView;
  /** How many participants' keys are flagged (do not verify, or changed). */
  flagged: number;
}

export function localTrack(room: Room, source: TrackSource): LocalTrack | undefined {
  return room.localTracks().find((t) => t.source === source);
}

/** Our microphone and camera: off when not published, muted or ended. */
export function ownMedia(room: Room): OwnMedia {
  const mic = localTrack(room, 'microphone');
  const cam = localTrack(room, 'camera');
  return {
    micMuted: !mic || mic.muted || mic.track.readyState === 'ended',
    cameraOff: !cam || cam.muted || cam.track.readyState === 'ended',
    sharing: !!localTrack(room, 'screen'),
    micLocked: !!mic?.mutedByHost,
    cameraLocked: !!cam?.mutedByHost,
  };
}

function remoteState(p: ParticipantInfo): { micMuted: boolean; cameraOff: boolean } {
  const mics = p.tracks.filter((t) => t.source === 'microphone');
  const cams = p.tracks.filter((t) => t.source === 'camera');
  return { micMuted: mics.length === 0 || mics.every((t) => t.muted), cameraOff: cams.length === 0 || cams.every((t) => t.muted) };
}

export function meetingView(room: Room, names: DisplayNames, quality: ReadonlyMap<string, ConnectionQuality>): MeetingView {
  const me = room.local;
  const remotes = [...room.participants.values()].sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
  names.update([me, ...remotes]);
  const own = ownMedia(room);
  const cam = localTrack(room, 'camera');
  const screen = localTrack(room, 'screen');

  const screens: TileState[] = [];
  const cams: TileState[] = [];
  const persons: PersonState[] = [];
  const myName = names.of(me.id);
  const q = (id: string) => quality.get(id) ?? null;

  if (screen) {
    screens.push({ participantId: me.id, identity: me.identity, name: myName, source: 'screen', local: true, track: screen.track, micMuted: false, cameraOff: false, hostMuted: false, quality: null });
  }
  cams.push({
    participantId: me.id, identity: me.identity, name: myName, source: 'camera', local: true,
    track: own.cameraOff || !cam ? null : cam.track, micMuted: own.micMuted, cameraOff: own.cameraOff,
    hostMuted: own.micLocked || own.cameraLocked, quality: q(me.id),
  });
  persons.push({
    id: me.id, identity: me.identity, name: myName, local: true, micMuted: own.micMuted, cameraOff: own.cameraOff, sharing: own.sharing, quality: q(me.id), key: null,
    role: me.role, member: me.member === true, mic: null, camera: null,
  });
  const e2ee = room.e2ee;
  const keys: KeyView[] = [];

  const audio = new Map<string, MediaStreamTrack>();
  for (const p of remotes) {
    const name = names.of(p.id);
    const st = remoteState(p);
    const rts = room.remoteTracks(p.id).filter((r) => r.track.readyState !== 'ended');
    const infoOf = (id: string) => p.tracks.find((t) => t.id === id);
    const camRt = rts.find((r) => r.info.source === 'camera' && r.track.kind === 'video');
    const screenInfo = p.tracks.find((t) => t.source === 'screen');
    const screenRt = rts.find((r) => r.info.source === 'screen' && r.track.kind === 'video');
    cams.push({
      participantId: p.id, identity: p.identity, name, source: 'camera', local: false,
      track: !st.cameraOff && camRt && !infoOf(camRt.info.id)?.muted ? camRt.track : null,
      micMuted: st.micMuted, cameraOff: st.cameraOff, hostMuted: false, quality: q(p.id),
    });
    if (screenInfo || screenRt) {
      const muted = screenInfo?.muted ?? false;
      screens.push({
        participantId: p.id, identity: p.identity, name, source: 'screen', local: false,
        track: screenRt && !muted ? screenRt.track : null, micMuted: false, cameraOff: false, hostMuted: false, quality: null,
      });
    }
    let key: KeyView | null = null;
    if (e2ee) {
      const status = room.e2eeStatus(p.id);
      key = { id: p.id, identity: p.identity, name, ...keyState(status), identityKey: status?.identityKey ?? '' };
      keys.push(key);
    }
    persons.push({
      id: p.id, identity: p.identity, name, local: false, ...st, sharing: !!(screenInfo || screenRt), quality: q(p.id), key: key?.state ?? null,
      role: p.role, member: p.member === true, mic: p.tracks.find((t) => t.source === 'microphone') ?? null, camera: p.tracks.find((t) => t.source === 'camera') ?? null,
    });
    for (const r of rts) if (r.track.kind === 'audio') audio.set(r.info.id || r.track.id, r.track);
  }
  return {
    tiles: [...screens, ...cams],
    people: [persons[0], ...persons.slice(1).sort((a, b) => a.name.localeCompare(b.name))],
    audio,
    own,
    alone: remotes.length === 0,
    security: { e2ee, memoryOnly: room.identityStorage === 'memory', keys: keys.sort((a, b) => a.name.localeCompare(b.name)) },
    flagged: keys.filter((k) => flagged(k.state)).length,
  };
}
