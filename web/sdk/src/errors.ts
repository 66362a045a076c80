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

/** Server codes worth retrying during a reconnect (the old session may still be held). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['network', 'timeout', 'identity_in_use', 'rate_limited', 'internal']);

/** Resume refusals after which the SDK joins afresh with the same token. */
export const FRESH_JOIN_CODES: ReadonlySet<string> = new Set(['resume_failed', 'token_expired']);

export function conclaveError(code: string, message: string): Error {
  const err = new Error(`${code}: ${message}`) as Error & { code: string };
  err.name = 'ConclaveError';
  err.code = code;
  return err;
}
