// The session's X-Wing KEM key (HPKE KEM 0x647a, MLKEM768-X25519), and HPKE
// base mode single shot with HKDF-SHA256 and ChaCha20-Poly1305: how a
// sender key travels to one recipient.

import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { buf } from './bytes.js';
import { E2eeError } from './errors.js';

/** X-Wing public key length. */
export const KEM_PUBLIC_KEY_LEN = 1216;
/** X-Wing private key (seed) length. */
export const KEM_SEED_LEN = 32;
/** X-Wing encapsulated key length. */
export const KEM_ENC_LEN = 1120;
/** ChaCha20-Poly1305 tag length. */
export const HPKE_TAG_LEN = 16;

let suiteOnce: { kem: XWing; suite: CipherSuite } | null = null;

function hpke(): { kem: XWing; suite: CipherSuite } {
  if (!suiteOnce) {
    const kem = new XWing();
    suiteOnce = { kem, suite: new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() }) };
  }
  return suiteOnce;
}

/**
 * Where the X-Wing work runs. By default on the calling thread; the browser
 * SDK moves it into a Worker (kem-worker.ts) with setKemBackend, so that
 * the milliseconds of ML-KEM arithmetic a key or a package costs never
 * block the page (the join, the subscriber offer, the app), and the
 * private key never lives on the page.
 */
export interface KemBackend {
  /** A fresh key pair: its public key, and a handle that names its private half. */
  generate(): Promise<{ publicKey: Uint8Array; handle: number }>;
  /** Opens sealed (enc || ciphertext || tag) with the private key of handle; rejects when it does not open. */
  open(handle: number, info: Uint8Array, sealed: Uint8Array): Promise<Uint8Array>;
  seal(recipient: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  isPublicKey(b: Uint8Array): Promise<boolean>;
}

let backend: KemBackend | null = null;

/** Moves the X-Wing work to b (null: back to this thread). Keys made before keep where they were made. */
export function setKemBackend(b: KemBackend | null): void {
  backend = b;
}

/** A session's X-Wing key pair. It lives in memory only and prints without its secret. */
export class KemKey {
  readonly #privateKey: CryptoKey | null;
  readonly #remote: { backend: KemBackend; handle: number } | null;

  private constructor(
    /** The public key as announced (1,216 bytes). */
    readonly publicKey: Uint8Array,
    privateKey: CryptoKey | null,
    remote: { backend: KemBackend; handle: number } | null = null,
  ) {
    this.#privateKey = privateKey;
    this.#remote = remote;
  }

  /** @internal */
  static async fromPair(kp: CryptoKeyPair): Promise<KemKey> {
    return new KemKey(new Uint8Array(await hpke().kem.serializePublicKey(kp.publicKey)), kp.privateKey);
  }

  /** @internal A key whose private half another thread holds. */
  static remote(publicKey: Uint8Array, b: KemBackend, handle: number): KemKey {
    return new KemKey(publicKey, null, { backend: b, handle });
  }

  /** Opens what hpkeSeal sealed to this key (enc || ciphertext || tag); throws E2eeError 'key_package_open'. */
  async open(info: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    if (sealed.length < KEM_ENC_LEN + HPKE_TAG_LEN) throw new E2eeError('key_package_open', 'HPKE message too short');
    try {
      if (this.#remote) return await this.#remote.backend.open(this.#remote.handle, info, sealed);
      return await openLocal(this.#privateKey!, info, sealed);
    } catch {
      throw new E2eeError('key_package_open', 'HPKE does not open');
    }
  }

  toString(): string {
    return 'KemKey{X-Wing}';
  }
}

/** HPKE Open on this thread (KemKey.open, and the KEM Worker). */
export async function openLocal(privateKey: CryptoKey, info: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
  const pt = await hpke().suite.open(
    { recipientKey: privateKey, enc: sealed.subarray(0, KEM_ENC_LEN), info: buf(info) },
    sealed.subarray(KEM_ENC_LEN),
  );
  return new Uint8Array(pt);
}

/** A fresh random X-Wing key pair (Go: NewKEMKey), made where the backend says. */
export async function generateKemKey(): Promise<KemKey> {
  if (backend) {
    const b = backend;
    const { publicKey, handle } = await b.generate();
    return KemKey.remote(publicKey, b, handle);
  }
  return KemKey.fromPair(await hpke().kem.generateKeyPair());
}

/** A fresh key pair on this thread, for the KEM Worker. */
export async function generateKemPairLocal(): Promise<{ publicKey: Uint8Array; privateKey: CryptoKey }> {
  const kp = await hpke().kem.generateKeyPair();
  return { publicKey: new Uint8Array(await hpke().kem.serializePublicKey(kp.publicKey)), privateKey: kp.privateKey };
}

/** The X-Wing key pair whose serialized private key is seed (32 bytes), for tests and vectors (Go: KEMKeyFromSeed). */
export async function kemKeyFromSeed(seed: Uint8Array): Promise<KemKey> {
  if (seed.length !== KEM_SEED_LEN) throw new E2eeError('invalid', `KEM seed is ${KEM_SEED_LEN} bytes, got ${seed.length}`);
  return KemKey.fromPair(await hpke().kem.generateKeyPairDerand(seed.slice()));
}

/** Whether b parses as an X-Wing public key. */
export async function isKemPublicKey(b: Uint8Array): Promise<boolean> {
  if (b.length !== KEM_PUBLIC_KEY_LEN) return false;
  if (backend) return backend.isPublicKey(b);
  return isKemPublicKeyLocal(b);
}

/** isKemPublicKey on this thread. */
export async function isKemPublicKeyLocal(b: Uint8Array): Promise<boolean> {
  if (b.length !== KEM_PUBLIC_KEY_LEN) return false;
  try {
    await hpke().kem.deserializePublicKey(buf(b));
    return true;
  } catch {
    return false;
  }
}

/** Single-shot HPKE Seal to the X-Wing public key recipient, empty AAD: enc || ciphertext || tag. */
export async function hpkeSeal(recipient: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  if (recipient.length !== KEM_PUBLIC_KEY_LEN) throw new E2eeError('invalid', `KEM public key is ${KEM_PUBLIC_KEY_LEN} bytes`);
  if (backend) return backend.seal(recipient, info, plaintext);
  return hpkeSealLocal(recipient, info, plaintext);
}

/** hpkeSeal on this thread. */
export async function hpkeSealLocal(recipient: Uint8Array, info: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const { kem, suite } = hpke();
  const pk = await kem.deserializePublicKey(buf(recipient));
  const { enc, ct } = await suite.seal({ recipientPublicKey: pk, info: buf(info) }, buf(plaintext));
  const out = new Uint8Array(enc.byteLength + ct.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ct), enc.byteLength);
  return out;
}
