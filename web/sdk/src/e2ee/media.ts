// Media frames: SFrame with the codec bytes that the SFU and the receiving
// depacketizer read kept in clear and authenticated as metadata.
//
//   encrypted frame = prefix || SFrame header || ciphertext || tag
//   AAD             = SFrame header || prefix

import { E2eeError } from './errors.js';
import { MAX_HEADER_LEN, parseHeader, type Header, type SFrameKey } from './sframe.js';

/** The codecs of an E2EE room. */
export type Codec = 'opus' | 'vp8';

/** Clear prefix of a VP8 key frame (frame tag, start code and size) and of a delta frame (frame tag). */
export const VP8_KEY_FRAME_PREFIX = 10;
export const VP8_DELTA_FRAME_PREFIX = 3;

const TAG_LEN = 16; // AES_128_GCM_SHA256_128

/** The clear prefix a frame starting with frame's first byte has, before the frame's own length counts. */
function prefixLength(codec: Codec, frame: Uint8Array): number {
  switch (codec) {
    case 'opus':
      return 0;
    case 'vp8':
      return frame.length > 0 && (frame[0]! & 0x01) === 1 ? VP8_DELTA_FRAME_PREFIX : VP8_KEY_FRAME_PREFIX;
  }
  throw new E2eeError('codec', `codec ${String(codec)} is not carried in an E2EE room`);
}

/**
 * How many bytes at the start of an unencrypted frame stay in clear: 0 for
 * Opus, 10 for a VP8 key frame (first byte's bit 0 is 0), 3 for a VP8 delta
 * frame, and the whole frame if it is shorter (Go: ClearPrefixLen).
 */
export function clearPrefixLength(codec: Codec, frame: Uint8Array): number {
  return Math.min(prefixLength(codec, frame), frame.length);
}

/** The encrypted frame of frame with key k and counter ctr. Never give one (key, ctr) twice. */
export function sealFrame(k: SFrameKey, ctr: number, codec: Codec, frame: Uint8Array): Promise<Uint8Array> {
  const n = clearPrefixLength(codec, frame);
  const prefix = frame.subarray(0, n);
  return k.seal(BigInt(ctr), prefix, frame.subarray(n), prefix);
}

/** Opens an encrypted frame sealed with k: its SFrame header and the frame (prefix || plaintext). */
export function openFrame(k: SFrameKey, codec: Codec, frame: Uint8Array): Promise<{ header: Header; frame: Uint8Array }> {
  return openFrameWith(codec, frame, (kid) => {
    if (kid !== k.kid) throw new E2eeError('unknown_kid', `frame KID ${kid}, key has ${k.kid}`);
    return k;
  });
}

/** Finds the key for a frame's KID, or throws (E2eeError 'unknown_kid'). */
export type KeyLookup = (kid: bigint) => SFrameKey | Promise<SFrameKey>;

/**
 * Opens frame with the key lookup finds for its KID.
 *
 * A VP8 frame shorter than its clear prefix was sent whole as the prefix,
 * with an empty plaintext, and its first byte does not tell the receiver
 * its length. So when the full prefix does not open a frame short enough to
 * be such a frame, each shorter prefix after which a header ends exactly
 * one tag before the end is tried, longest first: at most ten opens of
 * empty plaintexts, for frames of at most 42 bytes.
 */
export async function openFrameWith(codec: Codec, frame: Uint8Array, lookup: KeyLookup): Promise<{ header: Header; frame: Uint8Array }> {
  const p = prefixLength(codec, frame);
  try {
    return await openAt(frame, p, lookup);
  } catch (err) {
    if (codec !== 'vp8' || frame.length > p - 1 + MAX_HEADER_LEN + TAG_LEN) throw err;
    for (let n = Math.min(p, frame.length) - 1; n >= 0; n--) {
      try {
        const { length } = parseHeader(frame, n);
        if (n + length + TAG_LEN !== frame.length) continue;
        return await openAt(frame, n, lookup);
      } catch {
        // not this prefix
      }
    }
    throw err;
  }
}

async function openAt(frame: Uint8Array, p: number, lookup: KeyLookup): Promise<{ header: Header; frame: Uint8Array }> {
  if (frame.length <= p) throw new E2eeError('header', `frame of ${frame.length} bytes has no SFrame header after its ${p}-byte prefix`);
  const { header, length } = parseHeader(frame, p);
  const k = await lookup(header.kid);
  const prefix = frame.subarray(0, p);
  const pt = await k.openParsed(frame, p, header, length, prefix);
  if (p === 0) return { header, frame: pt };
  const out = new Uint8Array(p + pt.length);
  out.set(prefix, 0);
  out.set(pt, p);
  return { header, frame: out };
}
