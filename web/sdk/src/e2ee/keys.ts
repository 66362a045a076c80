// Sender keys: epochs, steps, KIDs, the ratchet, and the media and data
// base keys derived from a sender key (docs/e2ee.md, "Sender keys, epochs
// and steps").

import { randomBytes, utf8 } from './bytes.js';
import { E2eeError } from './errors.js';
import { AES_128_GCM_SHA256_128, hkdf, newKey, type SFrameKey, type Suite } from './sframe.js';

/** The SFrame cipher suite of Conclave's media and data keys. */
export const SUITE: Suite = AES_128_GCM_SHA256_128;

/** Length of a sender key key(e, s). */
export const SENDER_KEY_LEN = 32;

/** The last step of an epoch: a key at this step is not ratcheted. */
export const MAX_STEP = 255;

/** The last epoch (epochs are 1 .. 2^32 - 1). */
export const MAX_EPOCH = 0xffffffff;

const RATCHET_LABEL = utf8('conclave e2ee ratchet v1');
const MEDIA_LABEL = utf8('conclave e2ee media v1');
const DATA_LABEL = utf8('conclave e2ee data v1');

/** KID = epoch << 8 | step, as a number (at most 40 bits; Go: KeyID). */
export function keyId(epoch: number, step: number): number {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) throw new E2eeError('invalid', `epoch ${epoch} out of range`);
  if (!Number.isInteger(step) || step < 0 || step > MAX_STEP) throw new E2eeError('invalid', `step ${step} out of range`);
  return epoch * 256 + step;
}

/** The epoch and step of kid, or null for a KID no sender key has (epoch 0 or past 2^32 - 1; Go: SplitKeyID). */
export function splitKeyId(kid: number | bigint): { epoch: number; step: number } | null {
  const k = typeof kid === 'bigint' ? kid : Number.isSafeInteger(kid) && kid >= 0 ? BigInt(kid) : -1n;
  const epoch = k >> 8n;
  if (epoch < 1n || epoch > BigInt(MAX_EPOCH)) return null;
  return { epoch: Number(epoch), step: Number(k & 0xffn) };
}

/** 32 fresh random bytes: key(e, 0) of a new epoch. */
export function newEpochKey(): Uint8Array {
  return randomBytes(SENDER_KEY_LEN);
}

/** key(e, s+1) = HKDF(key(e, s), "conclave e2ee ratchet v1", 32). */
export function ratchet(key: Uint8Array): Promise<Uint8Array> {
  return hkdf('SHA-256', key, RATCHET_LABEL, SENDER_KEY_LEN);
}

/** The media base key: HKDF(key(e, s), "conclave e2ee media v1", 32). */
export function mediaBaseKey(key: Uint8Array): Promise<Uint8Array> {
  return hkdf('SHA-256', key, MEDIA_LABEL, SENDER_KEY_LEN);
}

/** The data base key: HKDF(key(e, s), "conclave e2ee data v1", 32). */
export function dataBaseKey(key: Uint8Array): Promise<Uint8Array> {
  return hkdf('SHA-256', key, DATA_LABEL, SENDER_KEY_LEN);
}

/** The SFrame key that seals media with sender key key at KID kid. */
export async function mediaKey(key: Uint8Array, kid: number): Promise<SFrameKey> {
  return newKey(SUITE, kid, await mediaBaseKey(key));
}

/** The SFrame key that seals data messages with sender key key at KID kid. */
export async function dataKey(key: Uint8Array, kid: number): Promise<SFrameKey> {
  return newKey(SUITE, kid, await dataBaseKey(key));
}
