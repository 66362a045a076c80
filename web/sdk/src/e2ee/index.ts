// End-to-end encryption (docs/e2ee.md), the browser twin of the Go package
// e2ee: SFrame, identity and KEM keys, announcements, key packages, sender
// keys, media and data framing, the safety code, and the Session that ties
// them together. Media frames are encrypted by a FrameCrypto, in a Worker
// (worker.ts) or on the page.

export { E2eeError, isE2eeError, type E2eeErrorCode } from './errors.js';
export { fromHex, toHex } from './bytes.js';
export {
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_CTR_HMAC_SHA256_64,
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_GCM_SHA256_128,
  AES_256_GCM_SHA512_128,
  MAX_HEADER_LEN,
  MIN_BASE_KEY_LEN,
  SFrameKey,
  deriveKeySalt,
  encodeHeader,
  headerLength,
  newAead,
  newKey,
  parseHeader,
  suiteOverhead,
  type Aead,
  type Header,
  type Suite,
} from './sframe.js';
export {
  IDENTITY_DB,
  IDENTITY_KEY_LEN,
  IDENTITY_SEED_LEN,
  IDENTITY_STORE,
  Identity,
  SIGNATURE_LEN,
  generateIdentity,
  identityFromSeed,
  loadIdentity,
  verifySignature,
  type IdentityStorage,
  type LoadIdentityOptions,
} from './identity.js';
export { KEM_PUBLIC_KEY_LEN, KEM_SEED_LEN, KemKey, generateKemKey, kemKeyFromSeed } from './kem.js';
export {
  announce,
  announcementFromJSON,
  announcementToJSON,
  checkAnnouncementSizes,
  verifyAnnouncement,
  type Announcement,
  type AnnouncementJSON,
} from './announce.js';
export {
  MAX_EPOCH,
  MAX_STEP,
  SENDER_KEY_LEN,
  SUITE,
  dataBaseKey,
  dataKey,
  keyId,
  mediaBaseKey,
  mediaKey,
  newEpochKey,
  ratchet,
  splitKeyId,
} from './keys.js';
export {
  ACK_LEN,
  KEY_PACKAGE_LEN,
  MAX_MESSAGE_LEN,
  TYPE_ACK,
  TYPE_KEY_PACKAGE,
  TYPE_SEALED_DATA,
  VERSION,
  encodeAck,
  openKeyPackage,
  parseAck,
  parseKeyPackage,
  sealKeyPackage,
} from './keypackage.js';
export { MAX_EPOCHS_KEPT, MAX_STEPS_AHEAD } from './keyring.js';
export { clearPrefixLength, openFrame, sealFrame, type Codec } from './media.js';
export { MAX_SEALED_DATA_LEN, openDataMessage, parseDataMessage, sealDataMessage } from './data.js';
export { safetyCode, type SafetyEntry } from './safety.js';
export type { DropCounts } from './drops.js';
export { FrameCrypto, type FrameCryptoStats, type FrameKeyUpdate } from './frame-crypto.js';
export {
  serveFrameTransforms,
  transformFrames,
  type FrameTransformOptions,
  type WorkerReply,
  type WorkerRequest,
} from './transform-worker.js';
export {
  DEFAULT_REKEY_TIMEOUT,
  Session,
  newSession,
  type Member,
  type MemberStatus,
  type Outbound,
  type SessionConfig,
  type Stats,
} from './session.js';
