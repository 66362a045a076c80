// Human-readable text for the codes the SDK and the server give us.

import type { DeviceErrorKind } from '../../sdk/src/index.js';

export const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Token `name` claim limit is 128 bytes; keep display names well inside it. */
export const NAME_MAX = 64;

export type DeviceKind = 'camera' | 'microphone';

export function deviceErrorText(device: DeviceKind, kind: DeviceErrorKind | undefined): string {
  const Dev = device === 'camera' ? 'Camera' : 'Microphone';
  switch (kind) {
    case 'not_found':
      return `No ${device} found`;
    case 'permission_denied':
      return `${Dev} permission was denied — allow it in the browser's site settings`;
    case 'in_use':
      return `${Dev} is in use by another application`;
    case 'insecure_context':
      return 'Media devices need a secure (https) page';
    default:
      return `${Dev} could not be started`;
  }
}

const LEAVE_REASONS: Record<string, string> = {
  client_left: 'You left the meeting.',
  left: 'You left the meeting.',
  removed: 'A room admin removed you from the meeting.',
  room_deleted: 'The meeting room was closed.',
  room_not_found: 'This room does not exist or has been closed.',
  server_shutdown: 'The server is restarting. Try rejoining in a moment.',
  connection_lost: 'The connection to the server was lost.',
  network: 'The network connection was lost.',
  join_timeout: 'Joining took too long.',
  identity_in_use: 'You are already in this meeting from another tab or device.',
  room_full: 'The room is full.',
  permission_denied: 'Your join token does not allow joining this room.',
  rate_limited: 'Too many messages were sent; the server ended the session.',
  error: 'The session ended because of an error.',
};

export function leaveReasonText(reason: string): string {
  return LEAVE_REASONS[reason] ?? `Disconnected (${reason || 'unknown reason'}).`;
}

/** Error text for a failed connect(): SDK errors may carry a server code. */
export function connectErrorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code && LEAVE_REASONS[code]) return LEAVE_REASONS[code];
  if (code.startsWith('token')) return 'The join token is invalid or has expired.';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  for (const key of Object.keys(LEAVE_REASONS)) {
    if (msg.includes(key) && key.length > 5) return LEAVE_REASONS[key];
  }
  if (/token/i.test(msg)) return 'The join token is invalid or has expired.';
  return `Could not join: ${msg}`;
}
