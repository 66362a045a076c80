// SFrame against the RFC 9605 test vectors: header encodings, the
// AES-CTR-HMAC AEADs, and the key schedule and sealing of suites 1 to 5.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { toHex } from '../../src/e2ee/bytes.js';
import { E2eeError } from '../../src/e2ee/errors.js';
import { SFrameKey, deriveKeySalt, encodeHeader, headerLength, newAead, parseHeader, type Suite } from '../../src/e2ee/sframe.js';
import { hex, readJSON, rfc9605VectorsPath } from './testdata.js';

interface RFCVectors {
  header: { kid: bigint; ctr: bigint; encoded: string }[];
  aes_ctr_hmac: { cipher_suite: number; key: string; nonce: string; aad: string; pt: string; ct: string }[];
  sframe: {
    cipher_suite: number;
    kid: bigint;
    ctr: bigint;
    base_key: string;
    sframe_key: string;
    sframe_salt: string;
    metadata: string;
    pt: string;
    ct: string;
  }[];
}

const vectors = readJSON(rfc9605VectorsPath(), ['kid', 'ctr']) as RFCVectors;

function isCode(code: string) {
  return (err: unknown) => err instanceof E2eeError && err.code === code;
}

test('header vectors encode and parse', () => {
  assert.ok(vectors.header.length > 200);
  for (const v of vectors.header) {
    const h = { kid: v.kid, ctr: v.ctr };
    assert.equal(toHex(encodeHeader(h)), v.encoded, `kid ${v.kid} ctr ${v.ctr}`);
    assert.equal(headerLength(h), v.encoded.length / 2);
    const b = hex(v.encoded + 'aabb'); // a header is read from the front of a frame
    const got = parseHeader(b);
    assert.deepEqual(got, { header: h, length: v.encoded.length / 2 });
  }
});

test('header parsing refuses truncated and non-shortest encodings', () => {
  const cases: [string, string][] = [
    ['', 'empty'],
    ['88', 'KID length 1, nothing after'],
    ['8800', 'KID 0 in a long field, CTR none'],
    ['0807', 'CTR 7 in a long field'],
    ['090000', 'CTR 0 in two bytes'],
    ['980001', 'KID 1 in two bytes'],
    ['8f01020304050607', 'CTR of 8 bytes truncated'],
  ];
  for (const [h, what] of cases) assert.throws(() => parseHeader(hex(h)), isCode('header'), what);
  assert.throws(() => encodeHeader({ kid: 1n << 64n, ctr: 0n }), isCode('header'));
  assert.throws(() => encodeHeader({ kid: 0n, ctr: -1n }), isCode('header'));
});

test('AES-CTR-HMAC suites seal and open the vectors', async () => {
  let n = 0;
  for (const v of vectors.aes_ctr_hmac) {
    if (v.cipher_suite < 1 || v.cipher_suite > 3) continue; // suite 6 is not in RFC 9605's registry
    n++;
    const aead = await newAead(v.cipher_suite as Suite, hex(v.key));
    assert.equal(toHex(await aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt))), v.ct, `suite ${v.cipher_suite}`);
    assert.equal(toHex(await aead.open(hex(v.nonce), hex(v.aad), hex(v.ct))), v.pt);
    const bad = hex(v.ct);
    bad[0]! ^= 1;
    await assert.rejects(aead.open(hex(v.nonce), hex(v.aad), bad), isCode('auth'));
  }
  assert.equal(n, 3);
});

test('SFrame vectors of suites 1 to 5: key schedule, seal, open', async () => {
  const suites = new Set<number>();
  for (const v of vectors.sframe) {
    const suite = v.cipher_suite as Suite;
    suites.add(suite);
    const { key, salt } = await deriveKeySalt(suite, v.kid, hex(v.base_key));
    assert.equal(toHex(key), v.sframe_key, `suite ${suite} key`);
    assert.equal(toHex(salt), v.sframe_salt, `suite ${suite} salt`);
    const k = await SFrameKey.derive(suite, v.kid, hex(v.base_key));
    assert.equal(toHex(await k.seal(v.ctr, hex(v.metadata), hex(v.pt))), v.ct, `suite ${suite} seal`);
    const opened = await k.open(hex(v.ct), hex(v.metadata));
    assert.equal(toHex(opened.plaintext), v.pt);
    assert.deepEqual(opened.header, { kid: v.kid, ctr: v.ctr });
    await assert.rejects(k.open(hex(v.ct), hex(v.metadata + '00')), isCode('auth'), 'other metadata');
    const other = await SFrameKey.derive(suite, v.kid + 1n, hex(v.base_key));
    await assert.rejects(other.open(hex(v.ct), hex(v.metadata)), isCode('unknown_kid'));
  }
  assert.deepEqual([...suites].sort(), [1, 2, 3, 4, 5]);
});

test('key schedule refuses short base keys and unknown suites', async () => {
  await assert.rejects(deriveKeySalt(4, 1n, new Uint8Array(15)), isCode('base_key'));
  await assert.rejects(deriveKeySalt(9 as Suite, 1n, new Uint8Array(16)), isCode('suite'));
});

test('an SFrameKey prints without its secrets', async () => {
  const base = new Uint8Array(32).fill(0xab);
  const k = await SFrameKey.derive(4, 7n, base);
  assert.equal(String(k), 'SFrameKey{suite: 4, kid: 7}');
  const shown = inspect(k, { showHidden: true, depth: 5 });
  assert.ok(!shown.includes('Uint8Array') && !shown.includes('CryptoKey'), shown);
  assert.deepEqual(Object.keys(k).sort(), ['kid', 'suite']);
});
