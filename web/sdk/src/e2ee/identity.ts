// The participant's long-term Ed25519 identity key. In a browser it is a
// non-extractable WebCrypto key kept in IndexedDB (database "conclave-e2ee",
// store "identity"), so script on the page can sign with it but cannot read
// it; where that is impossible it lives for the page's life only, and the
// Identity says so.

import { buf, concat } from './bytes.js';
import { E2eeError } from './errors.js';

/** Length of an Ed25519 public key, seed and signature. */
export const IDENTITY_KEY_LEN = 32;
export const IDENTITY_SEED_LEN = 32;
export const SIGNATURE_LEN = 64;

/** IndexedDB database and object store that hold the identity key pair. */
export const IDENTITY_DB = 'conclave-e2ee';
export const IDENTITY_STORE = 'identity';
const DEFAULT_RECORD = 'default';

/** Where an identity key is kept: 'indexeddb' survives reloads, 'memory' dies with the page. */
export type IdentityStorage = 'indexeddb' | 'memory';

/** A signing identity: an Ed25519 key pair whose private half cannot be read. */
export class Identity {
  constructor(
    /** The raw 32-byte Ed25519 public key, as announced. */
    readonly publicKey: Uint8Array,
    private readonly privateKey: CryptoKey,
    /** Where the key pair is kept. */
    readonly storage: IdentityStorage,
  ) {}

  /** The Ed25519 signature of message (64 bytes). */
  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(await crypto.subtle.sign('Ed25519', this.privateKey, buf(message)));
  }

  toString(): string {
    return `Identity{storage: ${this.storage}}`;
  }
}

/** Whether signature is publicKey's Ed25519 signature of message. Malformed input is false. */
export async function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (publicKey.length !== IDENTITY_KEY_LEN || signature.length !== SIGNATURE_LEN) return false;
  try {
    const k = await crypto.subtle.importKey('raw', buf(publicKey), 'Ed25519', false, ['verify']);
    return await crypto.subtle.verify('Ed25519', k, buf(signature), buf(message));
  } catch {
    return false;
  }
}

async function rawPublicKey(k: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', k));
}

/** A fresh non-extractable identity kept in memory. */
export async function generateIdentity(): Promise<Identity> {
  const kp = (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as CryptoKeyPair;
  return new Identity(await rawPublicKey(kp.publicKey), kp.privateKey, 'memory');
}

// PKCS #8 PrivateKeyInfo for Ed25519 (RFC 8410): this prefix, then the 32-byte seed.
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * The identity whose private key is the 32-byte Ed25519 seed (RFC 8032),
 * kept in memory, non-extractable. For tests and for keys held elsewhere.
 */
export async function identityFromSeed(seed: Uint8Array): Promise<Identity> {
  if (seed.length !== IDENTITY_SEED_LEN) throw new E2eeError('invalid', `identity seed is ${IDENTITY_SEED_LEN} bytes`);
  const pkcs8 = concat(PKCS8_ED25519_PREFIX, seed);
  // WebCrypto gives the public key of a private key only through JWK export,
  // so a throwaway extractable copy yields it; the kept copy is not extractable.
  const tmp = await crypto.subtle.importKey('pkcs8', buf(pkcs8), 'Ed25519', true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', tmp);
  if (typeof jwk.x !== 'string') throw new E2eeError('invalid', 'no public key for the identity seed');
  const priv = await crypto.subtle.importKey('pkcs8', buf(pkcs8), 'Ed25519', false, ['sign']);
  pkcs8.fill(0);
  return new Identity(fromBase64Url(jwk.x), priv, 'memory');
}

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Options of loadIdentity. */
export interface LoadIdentityOptions {
  /** The IndexedDB factory; defaults to globalThis.indexedDB. Null keeps the key in memory. */
  indexedDB?: IDBFactory | null;
  /** The record key in the store, for more than one identity per origin; defaults to "default". */
  name?: string;
}

/**
 * The device's identity: the key pair stored in IndexedDB, or a new
 * non-extractable one stored there. A stored key is never overwritten. Where
 * there is no IndexedDB or it cannot store the key, the new key is kept in
 * memory and the result's storage is 'memory'.
 */
export async function loadIdentity(options: LoadIdentityOptions = {}): Promise<Identity> {
  const factory = options.indexedDB === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : options.indexedDB;
  const name = options.name ?? DEFAULT_RECORD;
  const fresh = (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as CryptoKeyPair;
  if (!factory) return new Identity(await rawPublicKey(fresh.publicKey), fresh.privateKey, 'memory');
  let kp: CryptoKeyPair;
  try {
    kp = await storeOnce(factory, name, fresh);
  } catch {
    return new Identity(await rawPublicKey(fresh.publicKey), fresh.privateKey, 'memory');
  }
  return new Identity(await rawPublicKey(kp.publicKey), kp.privateKey, 'indexeddb');
}

function openDB(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(IDENTITY_DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(IDENTITY_STORE)) req.result.createObjectStore(IDENTITY_STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('indexedDB open failed'));
    req.onblocked = () => reject(new Error('indexedDB open blocked'));
  });
}

function isKeyPair(v: unknown): v is CryptoKeyPair {
  const kp = v as Partial<CryptoKeyPair> | null;
  return !!kp && typeof kp === 'object' && kp.privateKey instanceof CryptoKey && kp.publicKey instanceof CryptoKey;
}

/**
 * In one read-write transaction (so two tabs cannot both store a key), the
 * stored pair under name, or fresh once stored there.
 */
async function storeOnce(factory: IDBFactory, name: string, fresh: CryptoKeyPair): Promise<CryptoKeyPair> {
  const db = await openDB(factory);
  try {
    return await new Promise<CryptoKeyPair>((resolve, reject) => {
      const tx = db.transaction(IDENTITY_STORE, 'readwrite');
      const store = tx.objectStore(IDENTITY_STORE);
      let result: CryptoKeyPair | null = null;
      const get = store.get(name);
      get.onsuccess = () => {
        if (isKeyPair(get.result)) {
          result = get.result;
          return;
        }
        // A non-extractable key that cannot be cloned into the store throws here.
        try {
          store.put({ privateKey: fresh.privateKey, publicKey: fresh.publicKey }, name);
          result = fresh;
        } catch (err) {
          tx.abort();
          reject(err);
        }
      };
      tx.oncomplete = () => (result ? resolve(result) : reject(new Error('identity not stored')));
      tx.onerror = () => reject(tx.error ?? new Error('identity transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('identity transaction aborted'));
    });
  } finally {
    db.close();
  }
}
