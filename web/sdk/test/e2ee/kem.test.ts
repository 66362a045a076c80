// HPKE with X-Wing, HKDF-SHA256 and ChaCha20-Poly1305 against Go's vector,
// and the KEM key wrapper the key packages use.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { toHex, utf8 } from '../../src/e2ee/bytes.js';
import { E2eeError } from '../../src/e2ee/errors.js';
import { KEM_PUBLIC_KEY_LEN, generateKemKey, hpkeSeal, kemKeyFromSeed } from '../../src/e2ee/kem.js';
import { hex, hpkePQVectorsPath, readJSON } from './testdata.js';

interface HPKEVector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmE: string;
  skRm: string;
  pkRm: string;
  enc: string;
  encryptions: { aad: string; ct: string; pt: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}

const X_WING = 0x647a;

function xwingVectors(): HPKEVector[] {
  const all = readJSON(hpkePQVectorsPath()) as HPKEVector[];
  return all.filter((v) => v.mode === 0 && v.kem_id === X_WING && v.kdf_id === 1 && v.aead_id === 3);
}

test("Go's X-Wing / HKDF-SHA256 / ChaCha20-Poly1305 vectors", async () => {
  const vs = xwingVectors();
  assert.ok(vs.length >= 1, 'no X-Wing vector in hpke-pq.json');
  const kem = new XWing();
  const suite = new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
  for (const v of vs) {
    // The serialized private key is X-Wing's 32-byte seed.
    const k = await kemKeyFromSeed(hex(v.skRm));
    assert.equal(toHex(k.publicKey), v.pkRm);

    const recipient = await suite.createRecipientContext({
      recipientKey: await kem.deserializePrivateKey(hex(v.skRm)),
      enc: hex(v.enc),
      info: hex(v.info),
    });
    for (const e of v.encryptions) {
      assert.equal(toHex(new Uint8Array(await recipient.open(hex(e.ct), hex(e.aad)))), e.pt);
    }
    for (const x of v.exports) {
      assert.equal(toHex(new Uint8Array(await recipient.export(hex(x.exporter_context), x.L))), x.exported_value);
    }

    // Encapsulation with the vector's randomness gives the vector's enc and ciphertexts.
    const sender = await suite.createSenderContext({
      recipientPublicKey: await kem.deserializePublicKey(hex(v.pkRm)),
      info: hex(v.info),
      ekm: hex(v.ikmE),
    });
    assert.equal(toHex(new Uint8Array(sender.enc)), v.enc);
    for (const e of v.encryptions) {
      assert.equal(toHex(new Uint8Array(await sender.seal(hex(e.pt), hex(e.aad)))), e.ct);
    }
  }
});

test('hpkeSeal opens with the KEM key, and only with its info', async () => {
  const k = await generateKemKey();
  assert.equal(k.publicKey.length, KEM_PUBLIC_KEY_LEN);
  const sealed = await hpkeSeal(k.publicKey, utf8('info'), utf8('thirty-two bytes of sender key!!'));
  assert.equal(sealed.length, 1120 + 32 + 16);
  assert.deepEqual(await k.open(utf8('info'), sealed), utf8('thirty-two bytes of sender key!!'));
  const isOpenError = (err: unknown) => err instanceof E2eeError && err.code === 'key_package_open';
  await assert.rejects(k.open(utf8('other'), sealed), isOpenError);
  const other = await generateKemKey();
  await assert.rejects(other.open(utf8('info'), sealed), isOpenError);
  assert.equal(String(k), 'KemKey{X-Wing}');
});
