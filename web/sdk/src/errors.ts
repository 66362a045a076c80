// The SDK's error shapes: ConclaveError (API.md) and the join failures the
// join and reconnect logic tell apart.

/**
 * Join failures; retryable ones are retried within the reconnect window, no
 * sooner than retryAfter seconds (the server's error.retry_after) if given.
 */
export class JoinFailure extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: string,
    message: string,
    retryable: boolean,
    readonly retryAfter?: number,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ConclaveError';
    // A throttled room password (too_many_attempts) says when it will be
    // checked again: the password that got this client in is worth that
    // wait, within the reconnect window.
    this.retryable = retryable || (code === 'too_many_attempts' && retryAfter !== undefined);
  }
}

/** A refusal's JoinFailure: retryable by its code (RETRYABLE_CODES), with the server's wait. */
export function joinRefused(code: string, message: string, retryAfter?: number): JoinFailure {
  return new JoinFailure(code, message, RETRYABLE_CODES.has(code), retryAfter);
}

/**
 * Server codes worth retrying during a reconnect: the old session may still
 * be held (identity_in_use), the server is restarting (server_shutdown), or
 * the join was slow, not wrong (join_timeout: the server gave up waiting for
 * our join message on a busy machine or network).
 */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'network', 'timeout', 'identity_in_use', 'rate_limited', 'internal', 'server_shutdown', 'join_timeout',
]);

/** Resume refusals after which the SDK joins afresh with the same token. */
export const FRESH_JOIN_CODES: ReadonlySet<string> = new Set(['resume_failed', 'token_expired']);

/**
 * A ConclaveError: `code` is the stable code; `retryAfter`, when the server
 * gave one (rate_limited, too_many_attempts), the seconds to wait before
 * trying again.
 */
export function conclaveError(code: string, message: string, retryAfter?: number): Error {
  const err = new Error(`${code}: ${message}`) as Error & { code: string; retryAfter?: number };
  err.name = 'ConclaveError';
  err.code = code;
  if (retryAfter !== undefined) err.retryAfter = retryAfter;
  return err;
}
