// The SDK's error shapes: ConclaveError (API.md) and the join failures the
// join and reconnect logic tell apart.

/** Join failures; retryable ones are retried within the reconnect window. */
export class JoinFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ConclaveError';
  }
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

export function conclaveError(code: string, message: string): Error {
  const err = new Error(`${code}: ${message}`) as Error & { code: string };
  err.name = 'ConclaveError';
  err.code = code;
  return err;
}
