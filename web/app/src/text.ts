// Human-readable text for the codes the SDK and the server give us.

import type { DeviceErrorKind } from '../../sdk/src/index.js';

// Room names as the server takes them (token.ValidateRoom): 1–128 of these
// characters, and never "." or ".." (path segments in /v1/rooms/{room}).
export const ROOM_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,128}$/;
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
  removed: 'A host or moderator removed you from the meeting. The link or token you joined with no longer lets you in.',
  meeting_ended: 'The host ended the meeting for everyone.',
  max_duration: 'The meeting reached its maximum duration and ended.',
  meeting_locked: 'This meeting is locked: nobody new can join until a host unlocks it.',
  banned: 'You are banned from this meeting.',
  token_revoked: 'You were removed from this meeting: the link or token you joined with no longer lets you in.',
  invite_required: 'This meeting admits its hosts and the guests of its invites only: open the invite link you were sent.',
  lobby_denied: 'A host or moderator did not let you in.',
  lobby_timeout: 'Nobody let you in while you waited, and the lobby’s waiting time ran out.',
  lobby_full: 'Too many people are waiting to join this meeting right now. Try again in a while.',
  password_required: 'This meeting has a password: enter it to join.',
  password_wrong: 'That is not the meeting’s password.',
  too_many_attempts: 'Too many wrong passwords. Wait a little, then try again.',
  policy_violation: 'The organisation’s policy does not allow this meeting to be joined this way.',
  room_deleted: 'The meeting room was closed.',
  room_not_found: 'This room does not exist or has been closed.',
  server_shutdown: 'The server is restarting.',
  connection_lost: 'The connection to the server was lost.',
  network: 'The network connection was lost.',
  join_timeout: 'The server took too long to answer.',
  identity_in_use: 'You are already in this meeting from another tab or device.',
  room_full: 'The room is full.',
  permission_denied: 'Your join token does not allow joining this room.',
  role_denied: 'Your role in this meeting does not allow this.',
  rate_limited: 'Too many messages were sent; the server ended the session.',
  e2ee_required: 'This room requires end-to-end encryption, which this browser cannot do. Try a current Chrome, Edge, Firefox or Safari.',
  e2ee_downgrade: 'The server answered that this meeting is no longer end-to-end encrypted, so you were disconnected rather than continue without it.',
  error: 'The session ended because of an error.',
};

export function leaveReasonText(reason: string): string {
  return LEAVE_REASONS[reason] ?? `Disconnected (${reason || 'unknown reason'}).`;
}

/**
 * Codes after which joining again is worth trying by itself, a little later:
 * the server or the network is away for a moment, or still holds our old
 * session. The others (removed, room_deleted, a bad token, ...) need a person.
 */
const RETRY_CODES: ReadonlySet<string> = new Set([
  'network', 'connection_lost', 'timeout', 'join_timeout', 'server_shutdown', 'internal', 'identity_in_use', 'rate_limited', 'unavailable',
]);

/** Whether a meeting that ended with this reason should be rejoined by itself. */
export function retryable(reason: string): boolean {
  return RETRY_CODES.has(reason);
}

/**
 * Why joining failed, for the user; retryable when trying again later may
 * work, and retryAfter the seconds the server asked to wait first (0: none).
 */
export class JoinError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfter = 0,
  ) {
    super(message);
    this.name = 'JoinError';
  }
}

/** The server's wait (error.retry_after) an SDK error carries, in whole seconds; 0 for none. */
function retryAfterOf(err: unknown): number {
  const v = (err as { retryAfter?: unknown } | null)?.retryAfter;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 0;
}

/**
 * A failed connect() as a JoinError: SDK errors carry a code, and a
 * throttled join the wait after which it is worth trying again.
 */
export function connectError(err: unknown): JoinError {
  const code = (err as { code?: unknown } | null)?.code;
  const wait = retryAfterOf(err);
  const later = typeof code === 'string' && (RETRY_CODES.has(code) || (code === 'too_many_attempts' && wait > 0));
  return new JoinError(connectErrorText(err), later, wait);
}

/** A wait in seconds as people read it: "1 second", "40 seconds", "3 minutes". */
export function waitText(seconds: number): string {
  if (seconds === 1) return '1 second';
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/**
 * Joins refused for now, not for good: the sentence with the wait, or null
 * for the other codes. (As a leave reason, rate_limited means a session cut
 * off for flooding; refusing a join, it is the join limit.)
 */
function joinLaterText(code: string, wait: number): string | null {
  const then = wait > 0 ? ` Try again in ${waitText(wait)}.` : ' Wait a little, then try again.';
  if (code === 'rate_limited') return `Too many joins from this address or with this identity in a short time.${then}`;
  if (code === 'too_many_attempts') return `Too many wrong passwords for this meeting.${then}`;
  return null;
}

/** Error text for a failed connect(): SDK errors may carry a server code. */
export function connectErrorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const later = joinLaterText(code, retryAfterOf(err));
  if (later) return later;
  if (code && LEAVE_REASONS[code]) return LEAVE_REASONS[code];
  if (code.startsWith('token')) return 'The join token is invalid or has expired.';
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  for (const key of Object.keys(LEAVE_REASONS)) {
    if (msg.includes(key) && key.length > 5) return LEAVE_REASONS[key];
  }
  if (/token/i.test(msg)) return 'The join token is invalid or has expired.';
  return `Could not join: ${msg}`;
}

// --- Accounts (docs/accounts.md, "Error codes") ---

const ACCOUNT_ERRORS: Record<string, string> = {
  invalid_credentials: 'The email or password is wrong, or the code is not right.',
  too_many_attempts: 'Too many attempts. Wait a little, then try again.',
  account_disabled: 'This account is disabled. Ask an administrator of this server.',
  second_factor_required: 'This account must first be protected with a second factor: add a passkey or an authenticator app on your account page.',
  ticket_invalid: 'This sign-in took too long or had too many tries. Sign in again from the start.',
  unauthenticated: 'You are signed out (or the session expired). Sign in again.',
  permission_denied: 'Your account is not allowed to do this.',
  cross_origin: 'The server refused the request because it did not come from this site. Reload the page and try again.',
  password_too_short: 'The new password is too short: use at least 12 characters.',
  password_too_long: 'The new password is too long: use at most 256 characters.',
  password_invalid_utf8: 'The new password contains characters that cannot be stored. Type it again.',
  password_common: 'This password is one of the most common ones, which attackers try first. Choose another.',
  password_contains_email: 'The password must not contain your email name. Choose another.',
  invite_invalid: 'This invite link is not valid any more: it was used, it expired, or it is for another email. Ask for a new one.',
  email_taken: 'An account with this email already exists. Sign in instead, or ask an administrator.',
  signup_closed: 'This server creates accounts by invitation only. Ask an administrator for an invite link.',
  passkey_failed: 'The passkey could not be verified. Try again, or use another way to sign in.',
  passkeys_unavailable: 'This server does not offer passkeys yet: its administrator has to set its public address (public_url). Use your password and an authenticator app meanwhile.',
  reset_invalid: 'This password reset link is not valid any more: it was used, it expired, or a newer one replaced it. Ask your administrator for a new one.',
  last_admin: 'This would leave the server without an active administrator. Make someone else an administrator first.',
  too_many_invites: 'There are as many open invites as the server allows. Revoke some, or wait until they are used or expire.',
  too_many_tokens: 'You have as many API tokens as an account may. Revoke one you no longer use first.',
  too_many_rooms: 'The server has as many meetings open as it allows. Try again later, or close a meeting you no longer need.',
  room_exists: 'A meeting with that name exists already. Choose another name.',
  token_owner: 'This host token was not made by this server for one of your meetings. Start the meeting again from your account.',
  token_revoked: 'This token was revoked, or the account it acts for is disabled.',
  not_found: 'It is not there any more (it may have been removed meanwhile). Reload the page.',
  room_not_found: 'This meeting is not running: it has not started, or it has ended.',
  invite_link_invalid: 'This is not a valid invite link for this server. Check that you copied all of it, or ask for a new one.',
  invite_expired: 'This invite link has expired. Ask the host for a new one.',
  invite_used_up: 'This invite link has been used as many times as it may be. Ask the host for a new one.',
  invite_revoked: 'This invite link was withdrawn by the meeting’s host. Ask them for a new one.',
  invite_email_domain: 'This invite is only for people with an email address at a particular domain: enter yours.',
  password_required: 'This meeting has a password: enter it to join.',
  password_wrong: 'That is not the meeting’s password.',
  too_many_meeting_invites: 'This meeting has as many open invite links as it may. Revoke some first.',
  role_denied: 'Your role in this meeting does not allow this.',
  role_rank: 'This needs a higher role than yours.',
  policy_violation: 'The organisation’s policy does not allow this.',
  policy_invalid: 'This is not a valid policy.',
  policy_conflict: 'Someone changed the policy since you opened it. Load the newest version, then make your change again.',
  invalid_argument: 'The server could not accept what was sent.',
  body_too_large: 'What was sent is too large.',
  unavailable: 'The server is busy. Try again in a moment.',
  internal: 'The server had a problem. Try again; if it persists, tell an administrator.',
  network: 'The server could not be reached. Check the connection and try again.',
  address_blocked: 'This network address is blocked after repeated failures. Try again later.',
  rate_limited: 'Too many requests. Wait a moment, then try again.',
  too_many_connections: 'Too many connections from this network address. Close other tabs, then try again.',
};

/** The sentence for an accounts API error code (the server's own message for invalid_argument). */
export function accountErrorText(code: string, serverMessage = '', retryAfter = 0): string {
  const wait = waitText(retryAfter);
  if (code === 'too_many_attempts' && retryAfter > 0) return `Too many attempts. Try again in ${wait}.`;
  if (code === 'address_blocked' && retryAfter > 0) return `This network address is blocked after repeated failures. Try again in ${wait}.`;
  if (code === 'invalid_argument' && serverMessage) {
    const m = serverMessage.trim();
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }
  return ACCOUNT_ERRORS[code] ?? `Something went wrong (${code || 'unknown error'}). Try again.`;
}

/** The sentence for a failed navigator.credentials call (a DOMException's name). */
export function passkeyErrorText(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  switch (name) {
    case 'NotAllowedError':
      return 'The passkey request was cancelled or timed out. Try again when you are ready.';
    case 'InvalidStateError':
      return 'This device already holds a passkey for this account.';
    case 'SecurityError':
      return 'This page’s address cannot use passkeys for this server. Open Conclave at its own address.';
    case 'NotSupportedError':
      return 'This browser or device cannot make a passkey of the kind Conclave needs.';
    case 'AbortError':
      return 'The passkey request was stopped.';
    default:
      return 'The passkey did not work in this browser. Try again, or use another way.';
  }
}

// --- Moderation (docs/access.md, "Refusals") ---

const MODERATION_ERRORS: Record<string, string> = {
  role_denied: 'Your role in this meeting does not allow that.',
  role_rank: 'The server refused: you can act only on people whose role is below yours (hosts are peers).',
  permission_denied: 'Your join token does not allow that.',
  unknown_participant: 'That person is no longer in the meeting.',
  unknown_track: 'That microphone or camera is no longer on.',
  unavailable: 'The server could not record that just now, so nothing changed. Try again.',
  policy_violation: 'The organisation’s policy does not allow that.',
  guest_not_found: 'That guest is no longer waiting.',
  room_full: 'The meeting is full: nobody more can be let in now.',
};

/** The sentence for a refused moderation action, or '' when code is not one. */
export function moderationErrorText(code: string): string {
  return MODERATION_ERRORS[code] ?? '';
}

/** A role as people read it. */
export const ROLE_TEXT: Record<string, string> = {
  host: 'Host',
  moderator: 'Moderator',
  participant: 'Participant',
  viewer: 'Viewer',
};
