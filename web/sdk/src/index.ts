// Conclave JS SDK — the public surface (web/sdk/API.md is the contract).

export type {
  TrackSource,
  ConnectionState,
  ConnectionQuality,
  ReconnectReason,
  TrackInfo,
  ParticipantInfo,
  Permissions,
  Role,
  E2EEAnnouncement,
  TransformOptions,
  ConnectOptions,
  RemoteTrack,
  LocalTrack,
  ChatMessage,
  RoomEvents,
  LobbyStatus,
  LobbyGuest,
  LobbyLeftReason,
} from './types.js';
export { connect, Room } from './room.js';
export type { E2EEParticipantStatus, E2EEStats } from './e2ee-room.js';
export { DeviceError, listDevices, getLocalMedia, type DeviceErrorKind } from './devices.js';
export { LevelMeter } from './level.js';

// The end-to-end encryption key Worker starts with the SDK, off the page's
// thread, so that a join does not wait for it (e2ee-kem.ts).
import { prewarmKem } from './e2ee-kem.js';
prewarmKem(import.meta.url);
