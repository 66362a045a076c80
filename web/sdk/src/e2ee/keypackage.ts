// Key packages (a sender key sealed with HPKE to one recipient and signed
// by the sender's identity key) and their acknowledgements: the payloads of
// the `e2ee` signaling message.
//
//   key package     = 0x01 0x01 u64(KID) enc (1,120) ciphertext (48) signature (64)
//   acknowledgement = 0x01 0x02 u64(KID)

import { concat, lp, readU64, u64 } from './bytes.js';
import { E2eeError } from './errors.js';
import { SIGNATURE_LEN, verifySignature, type Identity } from './identity.js';
import { HPKE_TAG_LEN, KEM_ENC_LEN, hpkeSeal, type KemKey } from './kem.js';
import { SENDER_KEY_LEN, splitKeyId } from './keys.js';

/** The version byte that starts every e2ee message. */
export const VERSION = 0x01;
/** The type byte that follows it. */
export const TYPE_KEY_PACKAGE = 0x01;
export const TYPE_ACK = 0x02;
export const TYPE_SEALED_DATA = 0x03;

/** Length of a key package (1,242). */
export const KEY_PACKAGE_LEN = 2 + 8 + KEM_ENC_LEN + SENDER_KEY_LEN + HPKE_TAG_LEN + SIGNATURE_LEN;
/** Length of an acknowledgement. */
export const ACK_LEN = 2 + 8;
/** Largest payload of an `e2ee` signaling message. */
export const MAX_MESSAGE_LEN = 2048;

const KEY_INFO_LABEL = 'conclave e2ee key v1';
const KEY_SIGNATURE_LABEL = 'conclave e2ee key package v1';

function keyInfo(room: string, sender: string, recipient: string, kid: number): Uint8Array {
  return concat(lp(KEY_INFO_LABEL), lp(room), lp(sender), lp(recipient), u64(kid));
}

function signedMessage(room: string, sender: string, recipient: string, unsigned: Uint8Array): Uint8Array {
  return concat(lp(KEY_SIGNATURE_LABEL), lp(room), lp(sender), lp(recipient), unsigned);
}

/**
 * Seals key(e, s) under kid, from participant sender to participant
 * recipient in room, to the recipient's X-Wing public key recipientKem, and
 * signs it with id, the sender's identity: KEY_PACKAGE_LEN bytes.
 */
export async function sealKeyPackage(
  id: Identity,
  room: string,
  sender: string,
  recipient: string,
  recipientKem: Uint8Array,
  kid: number,
  key: Uint8Array,
): Promise<Uint8Array> {
  if (!splitKeyId(kid)) throw new E2eeError('invalid', `KID ${kid} has no epoch`);
  if (key.length !== SENDER_KEY_LEN) throw new E2eeError('invalid', `sender key is ${key.length} bytes, want ${SENDER_KEY_LEN}`);
  const sealed = await hpkeSeal(recipientKem, keyInfo(room, sender, recipient, kid), key);
  const unsigned = concat(new Uint8Array([VERSION, TYPE_KEY_PACKAGE]), u64(kid), sealed);
  return concat(unsigned, await id.sign(signedMessage(room, sender, recipient, unsigned)));
}

/** Checks pkg's size, version, type and KID and returns the KID; neither verifies nor opens it. */
export function parseKeyPackage(pkg: Uint8Array): number {
  if (pkg.length !== KEY_PACKAGE_LEN) throw new E2eeError('key_package', `${pkg.length} bytes, want ${KEY_PACKAGE_LEN}`);
  if (pkg[0] !== VERSION || pkg[1] !== TYPE_KEY_PACKAGE) throw new E2eeError('key_package', `version ${pkg[0]} type ${pkg[1]}`);
  return parseKid(pkg);
}

function parseKid(b: Uint8Array): number {
  const kid = readU64(b, 2);
  if (!splitKeyId(kid)) throw new E2eeError('key_package', `KID ${kid} has no epoch`);
  return Number(kid);
}

/**
 * Verifies pkg, sent by participant sender to participant recipient in
 * room, with the sender's identity key (from its verified announcement),
 * opens it with the recipient's KEM key and returns the KID and key(e, s).
 */
export async function openKeyPackage(
  kem: KemKey,
  senderIdentityKey: Uint8Array,
  room: string,
  sender: string,
  recipient: string,
  pkg: Uint8Array,
): Promise<{ kid: number; key: Uint8Array }> {
  const kid = parseKeyPackage(pkg);
  const unsigned = pkg.subarray(0, KEY_PACKAGE_LEN - SIGNATURE_LEN);
  const signature = pkg.subarray(KEY_PACKAGE_LEN - SIGNATURE_LEN);
  if (!(await verifySignature(senderIdentityKey, signedMessage(room, sender, recipient, unsigned), signature))) {
    throw new E2eeError('key_package_signature', 'key package signature does not verify');
  }
  const key = await kem.open(keyInfo(room, sender, recipient, kid), unsigned.subarray(10));
  if (key.length !== SENDER_KEY_LEN) throw new E2eeError('key_package_open', 'sender key length');
  return { kid, key };
}

/** The acknowledgement of the key package with KID kid (Go: AppendAck). */
export function encodeAck(kid: number): Uint8Array {
  return concat(new Uint8Array([VERSION, TYPE_ACK]), u64(kid));
}

/** The KID an acknowledgement acknowledges. */
export function parseAck(ack: Uint8Array): number {
  if (ack.length !== ACK_LEN) throw new E2eeError('key_package', `acknowledgement is ${ack.length} bytes, want ${ACK_LEN}`);
  if (ack[0] !== VERSION || ack[1] !== TYPE_ACK) throw new E2eeError('key_package', `version ${ack[0]} type ${ack[1]}`);
  return parseKid(ack);
}
