// Byte helpers shared by the e2ee module: the spec's encodings (lp, u32,
// u64), hex, and constant-time comparison.

import { E2eeError } from './errors.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of s. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The concatenation of parts. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Longest field lp() encodes. */
export const MAX_LP_LEN = 0xffff;

/** lp(x): a 2-byte big-endian length, then x. Strings are UTF-8. */
export function lp(x: Uint8Array | string): Uint8Array {
  const b = typeof x === 'string' ? utf8(x) : x;
  if (b.length > MAX_LP_LEN) throw new E2eeError('too_long', `field of ${b.length} bytes, lp() holds at most ${MAX_LP_LEN}`);
  const out = new Uint8Array(2 + b.length);
  out[0] = b.length >>> 8;
  out[1] = b.length & 0xff;
  out.set(b, 2);
  return out;
}

/** u32(n): 4 bytes big-endian. */
export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** u64(n): 8 bytes big-endian; n is a safe integer or a bigint. */
export function u64(n: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Reads u64 at off as a bigint. */
export function readU64(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off);
}

/** Lowercase hex of b. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += c.toString(16).padStart(2, '0');
  return s;
}

/** Bytes of a hex string; throws on odd length or a non-hex digit. */
export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new E2eeError('invalid', 'not a hex string');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Whether a and b are equal, in time that depends on their lengths only. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Bytewise (lexicographic) order of a and b, as for sort(). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/**
 * A BufferSource WebCrypto accepts for b. TypeScript's DOM types want an
 * ArrayBuffer-backed view; every view this module makes is one.
 */
export function buf(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>;
}

/** n random bytes from the platform's CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
