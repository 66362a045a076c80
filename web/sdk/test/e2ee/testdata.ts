// Where the e2ee tests find their vectors, and small helpers for them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../src/e2ee/bytes.js';

function webDir(): string {
  const d = process.env.CONCLAVE_WEB_DIR;
  if (!d) throw new Error('CONCLAVE_WEB_DIR is not set: run the tests with `npm test` in web/');
  return d;
}

/** Reads a JSON file, turning integers too large for a double into bigints when bigKeys names their keys. */
export function readJSON(path: string, bigKeys: string[] = []): unknown {
  let text = readFileSync(path, 'utf8');
  for (const k of bigKeys) text = text.replace(new RegExp(`("${k}"\\s*:\\s*)(\\d+)`, 'g'), '$1"$2n"');
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
}

/** e2ee/testdata/vectors.json: the vectors the Go package writes and both implementations check. */
export function conclaveVectorsPath(): string {
  return join(webDir(), '..', 'e2ee', 'testdata', 'vectors.json');
}

/** The RFC 9605 test vectors, in the shared/ folder beside the repository (as the Go tests read them). */
export function rfc9605VectorsPath(): string {
  return join(webDir(), '..', '..', 'shared', 'vectors', 'sframe', 'rfc9605-test-vectors.json');
}

/** Go's HPKE post-quantum vectors. */
export function hpkePQVectorsPath(): string {
  const goroot = process.env.CONCLAVE_GOROOT;
  if (!goroot) throw new Error('CONCLAVE_GOROOT is not set: the Go toolchain is needed for its HPKE vectors');
  return join(goroot, 'src', 'crypto', 'hpke', 'testdata', 'hpke-pq.json');
}

export const hex = fromHex;
