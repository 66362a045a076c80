// Sealed data messages: the payload of a `data` message in an E2EE room.
//
//   0x01 0x03 || SFrame (header || ciphertext || tag) || signature (64)
//
// The SFrame metadata binds the room, the sender and the topic; the
// signature is the sender's identity key over the same and the bytes before it.

import { concat, lp } from './bytes.js';
import { E2eeError } from './errors.js';
import { SIGNATURE_LEN, verifySignature, type Identity } from './identity.js';
import { TYPE_SEALED_DATA, VERSION } from './keypackage.js';
import { parseHeader, type Header, type SFrameKey } from './sframe.js';

/** Largest sealed data message: the server's `data` payload limit (15 KiB). */
export const MAX_SEALED_DATA_LEN = 15 * 1024;

const TAG_LEN = 16; // AES_128_GCM_SHA256_128
/** Shortest sealed data message: version, type, a one-byte header, a tag, a signature. */
const MIN_SEALED_LEN = 2 + 1 + TAG_LEN + SIGNATURE_LEN;

const DATA_METADATA_LABEL = 'conclave e2ee data v1';
const DATA_SIGNATURE_LABEL = 'conclave e2ee data signature v1';

function metadata(room: string, sender: string, topic: string): Uint8Array {
  return concat(lp(DATA_METADATA_LABEL), lp(room), lp(sender), lp(topic));
}

function signedMessage(room: string, sender: string, topic: string, unsigned: Uint8Array): Uint8Array {
  return concat(lp(DATA_SIGNATURE_LABEL), lp(room), lp(sender), lp(topic), unsigned);
}

/**
 * Seals payload, sent by participant sender on topic in room, with data key
 * k and counter ctr, and signs it with id, the sender's identity. It never
 * checks ctr: the Session counts.
 */
export async function sealDataMessage(
  id: Identity,
  k: SFrameKey,
  ctr: number,
  room: string,
  sender: string,
  topic: string,
  payload: Uint8Array,
): Promise<Uint8Array> {
  const unsigned = await k.seal(BigInt(ctr), metadata(room, sender, topic), payload, new Uint8Array([VERSION, TYPE_SEALED_DATA]));
  if (unsigned.length + SIGNATURE_LEN > MAX_SEALED_DATA_LEN) {
    throw new E2eeError('too_large', `sealed message of ${unsigned.length + SIGNATURE_LEN} bytes, limit ${MAX_SEALED_DATA_LEN}`);
  }
  return concat(unsigned, await id.sign(signedMessage(room, sender, topic, unsigned)));
}

/** Checks a sealed data message's framing and returns its SFrame header; neither verifies nor opens it. */
export function parseDataMessage(sealed: Uint8Array): Header {
  if (sealed.length < MIN_SEALED_LEN || sealed.length > MAX_SEALED_DATA_LEN) throw new E2eeError('data_message', `${sealed.length} bytes`);
  if (sealed[0] !== VERSION || sealed[1] !== TYPE_SEALED_DATA) throw new E2eeError('data_message', `version ${sealed[0]} type ${sealed[1]}`);
  const unsigned = sealed.subarray(0, sealed.length - SIGNATURE_LEN);
  let header: Header;
  let n: number;
  try {
    ({ header, length: n } = parseHeader(unsigned, 2));
  } catch (err) {
    throw new E2eeError('data_message', err instanceof Error ? err.message : 'bad SFrame header');
  }
  if (2 + n + TAG_LEN > unsigned.length) throw new E2eeError('data_message', 'no room for a tag');
  return header;
}

/** Throws E2eeError 'data_signature' unless sealed (framing checked) is signed by identityKey for room, sender and topic. */
export async function verifyDataMessage(identityKey: Uint8Array, room: string, sender: string, topic: string, sealed: Uint8Array): Promise<void> {
  const unsigned = sealed.subarray(0, sealed.length - SIGNATURE_LEN);
  const signature = sealed.subarray(sealed.length - SIGNATURE_LEN);
  if (!(await verifySignature(identityKey, signedMessage(room, sender, topic, unsigned), signature))) {
    throw new E2eeError('data_signature', 'sealed data signature does not verify');
  }
}

/**
 * Verifies sealed, sent by participant sender on topic in room, with the
 * sender's identity key, then opens it with k, the sender's data key for
 * the KID in its header, and returns the payload.
 */
export async function openDataMessage(
  identityKey: Uint8Array,
  k: SFrameKey,
  room: string,
  sender: string,
  topic: string,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  parseDataMessage(sealed);
  await verifyDataMessage(identityKey, room, sender, topic, sealed);
  return openVerifiedData(k, room, sender, topic, sealed);
}

/** Opens a sealed data message whose framing and signature are checked. */
export async function openVerifiedData(k: SFrameKey, room: string, sender: string, topic: string, sealed: Uint8Array): Promise<Uint8Array> {
  const { plaintext } = await k.open(sealed.subarray(0, sealed.length - SIGNATURE_LEN), metadata(room, sender, topic), 2);
  return plaintext;
}
