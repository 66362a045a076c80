// The errors of the e2ee module: one E2eeError class whose code names what
// failed, one code per sentinel error of the Go package e2ee (ErrHeader is
// 'header', ErrUnknownKID 'unknown_kid', ...). Messages never carry key
// material.

/** The codes of E2eeError. */
export type E2eeErrorCode =
  | 'header' // malformed SFrame header: truncated, or not the shortest encoding
  | 'suite' // unknown SFrame cipher suite
  | 'base_key' // SFrame base key too short
  | 'unknown_kid' // no key for this (sender, KID): epoch not held, or step out of reach
  | 'auth' // AEAD authentication failed: wrong key, or tampered bytes
  | 'counter_exhausted' // every counter of a key used
  | 'codec' // a codec an E2EE room does not carry
  | 'too_long' // a string over 65,535 bytes where lp() encodes it
  | 'too_large' // a message over its limit
  | 'announcement' // announcement with wrong sizes or a KEM key that does not parse
  | 'announcement_signature' // announcement signature does not verify
  | 'key_package' // not a key package or acknowledgement: size, version, type or KID
  | 'key_package_signature' // key package signature does not verify
  | 'key_package_open' // key package, correctly signed, that this KEM key cannot open
  | 'data_message' // not a sealed data message
  | 'data_signature' // sealed data signature does not verify
  | 'not_joined' // Session used before joined()
  | 'unknown_member' // from a participant not in the room
  | 'unverified' // from a member whose announcement does not verify
  | 'epochs_exhausted' // every epoch (2^32 - 1) used: nothing more is sent
  | 'no_key' // FrameCrypto: nothing to encrypt with yet
  | 'stale_kid' // FrameCrypto: a send key older than the one in use
  | 'invalid'; // a caller's argument out of range (seed length, KID, ...)

/** An e2ee failure. A frame or message that fails is dropped. */
export class E2eeError extends Error {
  constructor(
    readonly code: E2eeErrorCode,
    message: string,
  ) {
    super(`e2ee: ${code}: ${message}`);
    this.name = 'E2eeError';
  }
}

/** Whether err is an E2eeError with code. */
export function isE2eeError(err: unknown, code?: E2eeErrorCode): err is E2eeError {
  return err instanceof E2eeError && (code === undefined || err.code === code);
}
