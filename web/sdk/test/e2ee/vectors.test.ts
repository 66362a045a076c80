// e2ee/testdata/vectors.json, written by the Go package: every
// deterministic byte must come out the same here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { announce, verifyAnnouncement } from '../../src/e2ee/announce.js';
import { toHex } from '../../src/e2ee/bytes.js';
import { openDataMessage, parseDataMessage, sealDataMessage } from '../../src/e2ee/data.js';
import { E2eeError } from '../../src/e2ee/errors.js';
import { identityFromSeed, verifySignature } from '../../src/e2ee/identity.js';
import { kemKeyFromSeed } from '../../src/e2ee/kem.js';
import { KEY_PACKAGE_LEN, encodeAck, openKeyPackage, parseAck, parseKeyPackage, sealKeyPackage } from '../../src/e2ee/keypackage.js';
import { dataBaseKey, dataKey, mediaBaseKey, mediaKey, ratchet } from '../../src/e2ee/keys.js';
import { openFrame, sealFrame, type Codec } from '../../src/e2ee/media.js';
import { safetyCode } from '../../src/e2ee/safety.js';
import { concat, lp } from '../../src/e2ee/bytes.js';
import { conclaveVectorsPath, hex, readJSON } from './testdata.js';

interface Vectors {
  announce: { room: string; identity: string; identity_seed: string; identity_public: string; kem_seed: string; kem_public: string; signature: string };
  ratchet: { key0: string; keys: string[]; media: string[]; data: string[] };
  media: { name: string; codec: Codec; kid: number; ctr: number; key: string; plaintext: string; encrypted: string }[];
  key_package: {
    room: string;
    sender: string;
    recipient: string;
    kid: number;
    sender_identity_seed: string;
    sender_identity_public: string;
    recipient_kem_seed: string;
    recipient_kem_public: string;
    key: string;
    package: string;
    ack: string;
  };
  data: { room: string; sender: string; topic: string; kid: number; ctr: number; key: string; identity_seed: string; plaintext: string; sealed: string };
  safety_code: { room: string; participants: { identity: string; identity_key: string }[]; code: string };
}

const v = readJSON(conclaveVectorsPath()) as Vectors;

test('announcement: keys from seeds, signature byte-exact, verifies for its room and identity only', async () => {
  const a = v.announce;
  const id = await identityFromSeed(hex(a.identity_seed));
  assert.equal(toHex(id.publicKey), a.identity_public);
  const kem = await kemKeyFromSeed(hex(a.kem_seed));
  assert.equal(toHex(kem.publicKey), a.kem_public);
  const ann = await announce(id, a.room, a.identity, kem);
  assert.equal(toHex(ann.signature), a.signature);
  const given = { identityKey: hex(a.identity_public), kemKey: hex(a.kem_public), signature: hex(a.signature) };
  await verifyAnnouncement(given, a.room, a.identity);
  const sigError = (err: unknown) => err instanceof E2eeError && err.code === 'announcement_signature';
  await assert.rejects(verifyAnnouncement(given, a.room + 'x', a.identity), sigError);
  await assert.rejects(verifyAnnouncement(given, a.room, a.identity + 'x'), sigError);
  await assert.rejects(
    verifyAnnouncement({ ...given, signature: given.signature.subarray(1) }, a.room, a.identity),
    (err: unknown) => err instanceof E2eeError && err.code === 'announcement',
  );
});

test('ratchet, media and data base keys', async () => {
  const r = v.ratchet;
  assert.equal(r.keys[0], r.key0);
  assert.equal(r.keys.length, 4);
  let k = hex(r.key0);
  for (let i = 0; i < r.keys.length; i++) {
    assert.equal(toHex(k), r.keys[i], `key(e, ${i})`);
    assert.equal(toHex(await mediaBaseKey(k)), r.media[i], `media base key ${i}`);
    assert.equal(toHex(await dataBaseKey(k)), r.data[i], `data base key ${i}`);
    k = await ratchet(k);
  }
});

test('media frames: encryption byte-exact, and they open', async () => {
  assert.ok(v.media.length >= 3);
  for (const m of v.media) {
    const key = await mediaKey(hex(m.key), m.kid);
    const encrypted = await sealFrame(key, m.ctr, m.codec, hex(m.plaintext));
    assert.equal(toHex(encrypted), m.encrypted, m.name);
    const opened = await openFrame(key, m.codec, hex(m.encrypted));
    assert.equal(toHex(opened.frame), m.plaintext, m.name);
    assert.deepEqual(opened.header, { kid: BigInt(m.kid), ctr: BigInt(m.ctr) }, m.name);
    const bad = hex(m.encrypted);
    bad[bad.length - 1]! ^= 1;
    await assert.rejects(openFrame(key, m.codec, bad), E2eeError, m.name);
  }
});

test('key package: opens to the key, signature verifies and is byte-exact, ack byte-exact', async () => {
  const p = v.key_package;
  const pkg = hex(p.package);
  assert.equal(pkg.length, KEY_PACKAGE_LEN);
  assert.equal(parseKeyPackage(pkg), p.kid);
  const sender = await identityFromSeed(hex(p.sender_identity_seed));
  assert.equal(toHex(sender.publicKey), p.sender_identity_public);
  const kem = await kemKeyFromSeed(hex(p.recipient_kem_seed));
  assert.equal(toHex(kem.publicKey), p.recipient_kem_public);

  const opened = await openKeyPackage(kem, hex(p.sender_identity_public), p.room, p.sender, p.recipient, pkg);
  assert.deepEqual(opened, { kid: p.kid, key: hex(p.key) });

  // Ed25519 is deterministic: signing the unsigned package again gives its signature.
  const unsigned = pkg.subarray(0, pkg.length - 64);
  const msg = concat(lp('conclave e2ee key package v1'), lp(p.room), lp(p.sender), lp(p.recipient), unsigned);
  assert.equal(toHex(await sender.sign(msg)), toHex(pkg.subarray(pkg.length - 64)));
  assert.ok(await verifySignature(sender.publicKey, msg, pkg.subarray(pkg.length - 64)));

  assert.equal(toHex(encodeAck(p.kid)), p.ack);
  assert.equal(parseAck(hex(p.ack)), p.kid);

  const isCode = (code: string) => (err: unknown) => err instanceof E2eeError && err.code === code;
  await assert.rejects(openKeyPackage(kem, hex(p.sender_identity_public), p.room, p.recipient, p.sender, pkg), isCode('key_package_signature'));
  const other = await kemKeyFromSeed(new Uint8Array(32).fill(7));
  await assert.rejects(openKeyPackage(other, hex(p.sender_identity_public), p.room, p.sender, p.recipient, pkg), isCode('key_package_open'));

  // A package sealed here opens here, to the same key.
  const mine = await sealKeyPackage(sender, p.room, p.sender, p.recipient, kem.publicKey, p.kid, hex(p.key));
  assert.equal(mine.length, KEY_PACKAGE_LEN);
  assert.deepEqual(mine.subarray(0, 10), pkg.subarray(0, 10));
  assert.deepEqual(await openKeyPackage(kem, sender.publicKey, p.room, p.sender, p.recipient, mine), { kid: p.kid, key: hex(p.key) });
});

test('sealed data message byte-exact, and it opens', async () => {
  const d = v.data;
  const id = await identityFromSeed(hex(d.identity_seed));
  const k = await dataKey(hex(d.key), d.kid);
  const sealed = await sealDataMessage(id, k, d.ctr, d.room, d.sender, d.topic, hex(d.plaintext));
  assert.equal(toHex(sealed), d.sealed);
  assert.deepEqual(parseDataMessage(hex(d.sealed)), { kid: BigInt(d.kid), ctr: BigInt(d.ctr) });
  assert.equal(toHex(await openDataMessage(id.publicKey, k, d.room, d.sender, d.topic, hex(d.sealed))), d.plaintext);
  await assert.rejects(
    openDataMessage(id.publicKey, k, d.room, d.sender, d.topic + 'x', hex(d.sealed)),
    (err: unknown) => err instanceof E2eeError && err.code === 'data_signature',
  );
});

test('safety code', async () => {
  const s = v.safety_code;
  const entries = s.participants.map((p) => ({ identity: p.identity, identityKey: hex(p.identity_key) }));
  assert.equal(await safetyCode(s.room, entries), s.code);
  assert.equal(await safetyCode(s.room, [...entries].reverse()), s.code, 'order does not matter');
  assert.notEqual(await safetyCode(s.room, entries.slice(1)), s.code);
  assert.match(s.code, /^\d{5} \d{5} \d{5} \d{5}$/);
});
