// The announcement a participant sends in `join`: its identity key and its
// session's KEM key, signed by the identity key and bound to the room and
// the participant's identity (the join token's room and sub claims).

import { fromBase64, toBase64 } from '../base64.js';
import { concat, lp } from './bytes.js';
import { E2eeError } from './errors.js';
import { IDENTITY_KEY_LEN, SIGNATURE_LEN, verifySignature, type Identity } from './identity.js';
import { KEM_PUBLIC_KEY_LEN, isKemPublicKey, type KemKey } from './kem.js';

const ANNOUNCE_LABEL = 'conclave e2ee announce v1';

/** A participant's announced keys. */
export interface Announcement {
  /** Ed25519 public key, 32 bytes. */
  identityKey: Uint8Array;
  /** X-Wing public key, 1,216 bytes. */
  kemKey: Uint8Array;
  /** Ed25519 signature, 64 bytes. */
  signature: Uint8Array;
}

/** The announcement as JSON (`join.e2ee`, `ParticipantInfo.e2ee`): padded standard base64. */
export interface AnnouncementJSON {
  identity_key: string;
  kem_key: string;
  signature: string;
}

/** The bytes an announcement's signature covers. */
function signedMessage(room: string, identity: string, identityKey: Uint8Array, kemKey: Uint8Array): Uint8Array {
  return concat(lp(ANNOUNCE_LABEL), lp(room), lp(identity), identityKey, kemKey);
}

/** Signs the announcement of kem for room and identity with id (Go: Identity.Announce). */
export async function announce(id: Identity, room: string, identity: string, kem: KemKey): Promise<Announcement> {
  const identityKey = id.publicKey.slice();
  const kemKey = kem.publicKey.slice();
  const signature = await id.sign(signedMessage(room, identity, identityKey, kemKey));
  return { identityKey, kemKey, signature };
}

/** Throws E2eeError 'announcement' unless the three fields have their sizes (32, 1,216, 64): the server's check. */
export function checkAnnouncementSizes(a: Announcement): void {
  if (a.identityKey.length !== IDENTITY_KEY_LEN) throw new E2eeError('announcement', `identity key is ${a.identityKey.length} bytes`);
  if (a.kemKey.length !== KEM_PUBLIC_KEY_LEN) throw new E2eeError('announcement', `KEM key is ${a.kemKey.length} bytes`);
  if (a.signature.length !== SIGNATURE_LEN) throw new E2eeError('announcement', `signature is ${a.signature.length} bytes`);
}

/**
 * Checks a's sizes, its signature for room and identity (as the server
 * shows the participant), and that its KEM key parses. Throws E2eeError
 * 'announcement' or 'announcement_signature'.
 */
export async function verifyAnnouncement(a: Announcement, room: string, identity: string): Promise<void> {
  checkAnnouncementSizes(a);
  if (!(await verifySignature(a.identityKey, signedMessage(room, identity, a.identityKey, a.kemKey), a.signature))) {
    throw new E2eeError('announcement_signature', 'announcement signature does not verify');
  }
  if (!(await isKemPublicKey(a.kemKey))) throw new E2eeError('announcement', 'KEM key does not parse');
}

/** a as JSON. */
export function announcementToJSON(a: Announcement): AnnouncementJSON {
  return { identity_key: toBase64(a.identityKey), kem_key: toBase64(a.kemKey), signature: toBase64(a.signature) };
}

/**
 * The announcement in j (sizes unchecked: verifyAnnouncement checks them),
 * or null when j is not an object of three base64 strings.
 */
export function announcementFromJSON(j: unknown): Announcement | null {
  if (!j || typeof j !== 'object') return null;
  const o = j as Record<string, unknown>;
  if (typeof o.identity_key !== 'string' || typeof o.kem_key !== 'string' || typeof o.signature !== 'string') return null;
  const identityKey = fromBase64(o.identity_key);
  const kemKey = fromBase64(o.kem_key);
  const signature = fromBase64(o.signature);
  if (!identityKey || !kemKey || !signature) return null;
  return { identityKey, kemKey, signature };
}
