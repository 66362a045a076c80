// The accounts API (docs/accounts.md) as the app calls it: /v1/auth,
// /v1/users and /v1/meetings. The session is the HttpOnly cookie the
// server sets, so nothing here ever holds it; every state-changing call is
// same-origin JSON, as the server's cross-origin protection requires.

import { accountErrorText } from './text.js';

/** A refused or failed call: the server's code and the sentence for the user. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from Retry-After (429), or 0. */
    readonly retryAfter = 0,
    /** The server's own message (e.g. the line and reason of an invalid policy). */
    readonly serverMessage = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Dispatched on window when a call finds the session gone (signed out elsewhere, expired). */
export const SESSION_ENDED = 'conclave-session-ended';

/**
 * Calls the API; resolves with the JSON answer (undefined for 204), or
 * rejects with an ApiError whose message is a sentence for the user.
 * With bearer (a join token: the meeting's invite calls) the call is
 * authenticated by it alone, without the session cookie.
 */
export async function api<T = unknown>(method: Method, path: string, body?: unknown, bearer = ''): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, cache: 'no-store', credentials: bearer ? 'omit' : 'same-origin', redirect: 'error' };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', accountErrorText('network'));
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = undefined;
  try {
    data = await res.json();
  } catch {
    // not JSON: the status says what there is to say
  }
  if (res.ok) return data as T;
  const err = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof err?.code === 'string' ? err.code : res.status === 404 ? 'not_found' : 'http_' + res.status;
  const serverMessage = typeof err?.message === 'string' ? err.message : '';
  // Only unauthenticated means the session is gone: a wrong password is a 401 too.
  if (code === 'unauthenticated' && path !== '/v1/auth/me' && !bearer) window.dispatchEvent(new Event(SESSION_ENDED));
  const retry = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : 0;
  throw new ApiError(res.status, code, accountErrorText(code, serverMessage, retryAfter), retryAfter, serverMessage);
}

// --- Shapes (docs/accounts.md; internal/accounts) ---

export interface SecondFactors {
  totp: boolean;
  passkeys: number;
}

/** The signed-in account as /v1/auth shows it to its owner. */
export interface Me {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member' | string;
  second_factors: SecondFactors;
  second_factor_required: boolean;
  totp_pending: boolean;
}

export interface LockNotice {
  locked_at: string;
  failures: number;
}

export interface MeResponse {
  user: Me;
  recovery_codes: number;
  notice?: LockNotice;
  /** False when this server cannot offer passkeys (no public URL outside --dev). */
  passkeys_available?: boolean;
}

export type SigninAnswer =
  | { status: 'signed_in'; user: Me; notice?: LockNotice }
  | { status: 'second_factor'; ticket: string; methods: string[] };

export interface TOTPEnrollment {
  secret: string;
  uri: string;
  qr_svg: string;
}

export interface SessionInfo {
  id: string;
  device: string;
  user_agent: string;
  ip: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  current: boolean;
}

export interface Passkey {
  id: string;
  name: string;
  created_at: string;
  last_used_at?: string;
}

export interface PersonalToken {
  id: string;
  name: string;
  grants: string[];
  created_at: string;
  expires_at: string;
  last_used_at?: string;
}

export interface Invite {
  id: string;
  email: string;
  role: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at?: string;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'disabled' | string;
  totp: boolean;
  passkeys: number;
  created_at: string;
  last_signin_at?: string;
}

export interface JoinGrant {
  token: string;
  identity: string;
  name: string;
  expires_at: string;
}

/** A meeting invite as the API shows it (docs/api.md): no secret. */
export interface MeetingInvite {
  id: string;
  room: string;
  role: string;
  max_uses: number;
  uses: number;
  email_domain?: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at?: string;
}

/** The answer of POST /v1/invites/redeem: a guest join token. */
export interface Redemption {
  room: string;
  role: string;
  invite_id: string;
  join: JoinGrant;
  /** The token is a signed-in member's, not a guest's. */
  member?: boolean;
}

/** GET and PUT /v1/policy (docs/policy.md, "API"). */
export interface PolicyState {
  version: number;
  source: 'stored' | 'defaults' | string;
  author?: string;
  applied_at?: string;
  effective: string;
  yaml: string;
}

export interface Meeting {
  name: string;
  [key: string]: unknown;
}

/** Options for navigator.credentials, as the server sends them (JSON form). */
export interface Ceremony<T> {
  ceremony: string;
  options: T;
}

/** The account of this browser's session, or null when it has none. */
export async function loadMe(): Promise<MeResponse | null> {
  try {
    return await api<MeResponse>('GET', '/v1/auth/me');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.code === 'account_disabled')) return null;
    throw err;
  }
}

/** Whether the account has the second factor its policy requires. */
export function needsSecondFactor(me: Me): boolean {
  return me.second_factor_required && !me.second_factors.totp && me.second_factors.passkeys === 0;
}
