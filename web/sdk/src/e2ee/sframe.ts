// SFrame (RFC 9605): the header, the key schedule and the cipher suites,
// with WebCrypto. KIDs and counters are bigints here, as the header carries
// up to 64 bits of each; the Conclave layer above uses numbers.

import { buf, concat, equalBytes, u64 } from './bytes.js';
import { E2eeError } from './errors.js';

/** An SFrame cipher suite (RFC 9605 section 4.5). */
export type Suite = 1 | 2 | 3 | 4 | 5;

/** The cipher suites of RFC 9605 section 4.5; Conclave uses AES_128_GCM_SHA256_128. */
export const AES_128_CTR_HMAC_SHA256_80: Suite = 1;
export const AES_128_CTR_HMAC_SHA256_64: Suite = 2;
export const AES_128_CTR_HMAC_SHA256_32: Suite = 3;
export const AES_128_GCM_SHA256_128: Suite = 4;
export const AES_256_GCM_SHA512_128: Suite = 5;

/** The shortest base key accepted (128 bits). */
export const MIN_BASE_KEY_LEN = 16;

/** The longest SFrame header: a config byte, an 8-byte KID and an 8-byte CTR. */
export const MAX_HEADER_LEN = 17;

const NONCE_LEN = 12;
const MAX_U64 = (1n << 64n) - 1n;

interface SuiteParams {
  hash: 'SHA-256' | 'SHA-512';
  keyLen: number; // Nk: for CTR-HMAC suites, the AES key and the HMAC key
  encLen: number; // AES key length
  tagLen: number; // Nt
  ctrHmac: boolean;
}

function suiteParams(suite: number): SuiteParams {
  switch (suite) {
    case 1:
      return { hash: 'SHA-256', keyLen: 48, encLen: 16, tagLen: 10, ctrHmac: true };
    case 2:
      return { hash: 'SHA-256', keyLen: 48, encLen: 16, tagLen: 8, ctrHmac: true };
    case 3:
      return { hash: 'SHA-256', keyLen: 48, encLen: 16, tagLen: 4, ctrHmac: true };
    case 4:
      return { hash: 'SHA-256', keyLen: 16, encLen: 16, tagLen: 16, ctrHmac: false };
    case 5:
      return { hash: 'SHA-512', keyLen: 32, encLen: 32, tagLen: 16, ctrHmac: false };
  }
  throw new E2eeError('suite', `cipher suite ${suite}`);
}

/** How many bytes a frame sealed with suite carries beyond header and plaintext (the tag). */
export function suiteOverhead(suite: Suite): number {
  return suiteParams(suite).tagLen;
}

/** The clear part of an SFrame frame (RFC 9605 section 4.3). */
export interface Header {
  kid: bigint;
  ctr: bigint;
}

/** The number of bytes v takes after the config byte: none below 8, else its length without leading zeros. */
function longLen(v: bigint): number {
  if (v < 8n) return 0;
  let l = 0;
  for (; v !== 0n; v >>= 8n) l++;
  return l;
}

function checkU64(v: bigint, name: string): void {
  if (v < 0n || v > MAX_U64) throw new E2eeError('header', `${name} out of range`);
}

/** The length of h encoded. */
export function headerLength(h: Header): number {
  return 1 + longLen(h.kid) + longLen(h.ctr);
}

/** h in the shortest encoding of RFC 9605 section 4.3, the only one parseHeader accepts. */
export function encodeHeader(h: Header): Uint8Array {
  checkU64(h.kid, 'KID');
  checkU64(h.ctr, 'CTR');
  const kl = longLen(h.kid);
  const cl = longLen(h.ctr);
  const out = new Uint8Array(1 + kl + cl);
  out[0] = (kl === 0 ? Number(h.kid) << 4 : 0x80 | ((kl - 1) << 4)) | (cl === 0 ? Number(h.ctr) : 0x08 | (cl - 1));
  putUint(out, 1, h.kid, kl);
  putUint(out, 1 + kl, h.ctr, cl);
  return out;
}

function putUint(out: Uint8Array, off: number, v: bigint, l: number): void {
  for (let i = l - 1; i >= 0; i--) {
    out[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * Reads the SFrame header at b[offset]. Refuses a truncated header and any
 * encoding but the shortest, so that a header has exactly one encoding.
 */
export function parseHeader(b: Uint8Array, offset = 0): { header: Header; length: number } {
  if (b.length <= offset) throw new E2eeError('header', 'empty frame');
  const config = b[offset]!;
  let n = offset + 1;
  const kid = parseField(b, n, config >> 4, 'KID');
  n = kid.next;
  const ctr = parseField(b, n, config & 0x0f, 'CTR');
  return { header: { kid: kid.value, ctr: ctr.value }, length: ctr.next - offset };
}

function parseField(b: Uint8Array, n: number, nibble: number, name: string): { value: bigint; next: number } {
  if ((nibble & 0x08) === 0) return { value: BigInt(nibble & 0x07), next: n };
  const l = (nibble & 0x07) + 1;
  if (b.length - n < l) throw new E2eeError('header', `${name} needs ${l} bytes, ${b.length - n} left`);
  let v = 0n;
  for (let i = 0; i < l; i++) v = (v << 8n) | BigInt(b[n + i]!);
  if (longLen(v) !== l) throw new E2eeError('header', `${name} not in its shortest encoding`);
  return { value: v, next: n + l };
}

/** An AEAD of one SFrame cipher suite: seal returns ciphertext || tag. */
export interface Aead {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

/** The AEAD of suite with key (Nk bytes: for CTR-HMAC suites, AES key || HMAC key). */
export async function newAead(suite: Suite, key: Uint8Array): Promise<Aead> {
  const p = suiteParams(suite);
  if (key.length !== p.keyLen) throw new E2eeError('base_key', `suite ${suite} key is ${p.keyLen} bytes, got ${key.length}`);
  if (!p.ctrHmac) {
    const k = await crypto.subtle.importKey('raw', buf(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return new GcmAead(k);
  }
  const enc = await crypto.subtle.importKey('raw', buf(key.subarray(0, p.encLen)), 'AES-CTR', false, ['encrypt', 'decrypt']);
  const auth = await crypto.subtle.importKey('raw', buf(key.subarray(p.encLen)), { name: 'HMAC', hash: p.hash }, false, ['sign']);
  return new CtrHmacAead(enc, auth, p.tagLen);
}

class GcmAead implements Aead {
  constructor(private readonly key: CryptoKey) {}

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 },
      this.key,
      buf(plaintext),
    );
    return new Uint8Array(ct);
  }

  async open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    try {
      const pt = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: buf(nonce), additionalData: buf(aad), tagLength: 128 },
        this.key,
        buf(ciphertext),
      );
      return new Uint8Array(pt);
    } catch {
      throw new E2eeError('auth', 'frame does not authenticate');
    }
  }
}

/** AES-CTR with HMAC, RFC 9605 section 4.5.1. */
class CtrHmacAead implements Aead {
  constructor(
    private readonly enc: CryptoKey,
    private readonly auth: CryptoKey,
    private readonly tagLen: number,
  ) {}

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const ct = await this.stream(nonce, plaintext);
    return concat(ct, await this.tag(nonce, aad, ct));
  }

  async open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (ciphertext.length < this.tagLen) throw new E2eeError('auth', 'frame shorter than its tag');
    const ct = ciphertext.subarray(0, ciphertext.length - this.tagLen);
    const tag = ciphertext.subarray(ciphertext.length - this.tagLen);
    if (!equalBytes(await this.tag(nonce, aad, ct), tag)) throw new E2eeError('auth', 'frame does not authenticate');
    return this.stream(nonce, ct);
  }

  /** AES-CTR from the nonce followed by a 32-bit block counter at 0. */
  private async stream(nonce: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    const counter = new Uint8Array(16);
    counter.set(nonce);
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 32 }, this.enc, buf(data)));
  }

  /** HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct), lengths u64, truncated to Nt. */
  private async tag(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
    const msg = concat(u64(aad.length), u64(ct.length), u64(this.tagLen), nonce, aad, ct);
    const mac = await crypto.subtle.sign('HMAC', this.auth, buf(msg));
    return new Uint8Array(mac, 0, this.tagLen);
  }
}

/** HKDF-Expand(HKDF-Extract(salt = empty, ikm), info, length) with WebCrypto. */
export async function hkdf(hash: 'SHA-256' | 'SHA-512', ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash, salt: new Uint8Array(0), info: buf(info) }, k, length * 8);
  return new Uint8Array(bits);
}

const encoder = new TextEncoder();

/** prefix || KID (8 bytes) || cipher suite (2 bytes), big-endian. */
function label(prefix: string, kid: bigint, suite: Suite): Uint8Array {
  return concat(encoder.encode(prefix), u64(kid), new Uint8Array([suite >> 8, suite & 0xff]));
}

/** The key schedule of RFC 9605 section 4.4.2: the AEAD key and the salt for (suite, KID, base key). */
export async function deriveKeySalt(suite: Suite, kid: bigint, baseKey: Uint8Array): Promise<{ key: Uint8Array; salt: Uint8Array }> {
  const p = suiteParams(suite);
  checkU64(kid, 'KID');
  if (baseKey.length < MIN_BASE_KEY_LEN) {
    throw new E2eeError('base_key', `${baseKey.length} bytes, need ${MIN_BASE_KEY_LEN}`);
  }
  const [key, salt] = await Promise.all([
    hkdf(p.hash, baseKey, label('SFrame 1.0 Secret key ', kid, suite), p.keyLen),
    hkdf(p.hash, baseKey, label('SFrame 1.0 Secret salt ', kid, suite), NONCE_LEN),
  ]);
  return { key, salt };
}

/**
 * One SFrame key in use: a suite, a KID, and the AEAD key and salt derived
 * from a base key. It does not count: whoever seals keeps the counter and
 * never gives one value twice.
 */
export class SFrameKey {
  readonly #aead: Aead;
  readonly #salt: Uint8Array;

  private constructor(
    readonly suite: Suite,
    readonly kid: bigint,
    aead: Aead,
    salt: Uint8Array,
  ) {
    this.#aead = aead;
    this.#salt = salt;
  }

  /** The key for KID kid derived from baseKey with suite's key schedule. */
  static async derive(suite: Suite, kid: bigint, baseKey: Uint8Array): Promise<SFrameKey> {
    const { key, salt } = await deriveKeySalt(suite, kid, baseKey);
    return new SFrameKey(suite, kid, await newAead(suite, key), salt);
  }

  /** The salt XOR the counter, right-aligned. */
  private nonce(ctr: bigint): Uint8Array {
    const n = this.#salt.slice();
    const c = u64(ctr);
    for (let i = 0; i < 8; i++) n[NONCE_LEN - 8 + i]! ^= c[i]!;
    return n;
  }

  /**
   * prefix || header || ciphertext || tag of plaintext under counter ctr,
   * authenticating metadata (bytes sent in clear, such as codec headers).
   * Never seal two frames with one key and one counter.
   */
  async seal(ctr: bigint, metadata: Uint8Array, plaintext: Uint8Array, prefix: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const header = encodeHeader({ kid: this.kid, ctr });
    const ct = await this.#aead.seal(this.nonce(ctr), concat(header, metadata), plaintext);
    const out = new Uint8Array(prefix.length + header.length + ct.length);
    out.set(prefix, 0);
    out.set(header, prefix.length);
    out.set(ct, prefix.length + header.length);
    return out;
  }

  /**
   * Authenticates and decrypts the SFrame frame at frame[offset] (header ||
   * ciphertext || tag) sealed with this key and metadata.
   */
  async open(frame: Uint8Array, metadata: Uint8Array, offset = 0): Promise<{ header: Header; plaintext: Uint8Array }> {
    const { header, length } = parseHeader(frame, offset);
    if (header.kid !== this.kid) throw new E2eeError('unknown_kid', `frame KID ${header.kid}, key has ${this.kid}`);
    return { header, plaintext: await this.openParsed(frame, offset, header, length, metadata) };
  }

  /** open() once the header at frame[offset] (length bytes) is parsed. */
  async openParsed(frame: Uint8Array, offset: number, header: Header, length: number, metadata: Uint8Array): Promise<Uint8Array> {
    const aad = concat(frame.subarray(offset, offset + length), metadata);
    return this.#aead.open(this.nonce(header.ctr), aad, frame.subarray(offset + length));
  }

  /** Names the key without its secrets. */
  toString(): string {
    return `SFrameKey{suite: ${this.suite}, kid: ${this.kid}}`;
  }
}

/** The SFrame key for KID kid derived from baseKey with suite's key schedule (Go: NewKey). */
export function newKey(suite: Suite, kid: number | bigint, baseKey: Uint8Array): Promise<SFrameKey> {
  return SFrameKey.derive(suite, BigInt(kid), baseKey);
}
