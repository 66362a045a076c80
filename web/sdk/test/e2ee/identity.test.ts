// The identity key: from a seed, fresh, and kept in IndexedDB (here the
// in-memory fake-indexeddb, which stores keys by structured clone as a
// browser does).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDBFactory } from 'fake-indexeddb';
import { utf8 } from '../../src/e2ee/bytes.js';
import { IDENTITY_DB, IDENTITY_STORE, generateIdentity, identityFromSeed, loadIdentity, verifySignature } from '../../src/e2ee/identity.js';
import { hex } from './testdata.js';

// RFC 8032 section 7.1, test 1.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const SIG_EMPTY =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

test('identityFromSeed gives the RFC 8032 public key and signature', async () => {
  const id = await identityFromSeed(hex(SEED));
  assert.deepEqual(id.publicKey, hex(PUBLIC));
  assert.deepEqual(await id.sign(new Uint8Array(0)), hex(SIG_EMPTY));
  assert.equal(id.storage, 'memory');
  assert.equal(String(id), 'Identity{storage: memory}');
});

test('signatures verify with the public key only', async () => {
  const id = await generateIdentity();
  const sig = await id.sign(utf8('hello'));
  assert.ok(await verifySignature(id.publicKey, utf8('hello'), sig));
  assert.ok(!(await verifySignature(id.publicKey, utf8('hellO'), sig)));
  assert.ok(!(await verifySignature(id.publicKey, utf8('hello'), sig.subarray(1))), 'short signature');
  assert.ok(!(await verifySignature(new Uint8Array(31), utf8('hello'), sig)), 'short key');
});

test('loadIdentity without IndexedDB keeps a key in memory and says so', async () => {
  const a = await loadIdentity({ indexedDB: null });
  const b = await loadIdentity({ indexedDB: null });
  assert.equal(a.storage, 'memory');
  assert.notDeepEqual(a.publicKey, b.publicKey);
});

test('loadIdentity stores one non-extractable key pair in IndexedDB and loads it again', async () => {
  const idb = new IDBFactory();
  const first = await loadIdentity({ indexedDB: idb });
  assert.equal(first.storage, 'indexeddb');
  const again = await loadIdentity({ indexedDB: idb });
  assert.equal(again.storage, 'indexeddb');
  assert.deepEqual(again.publicKey, first.publicKey);
  assert.ok(await verifySignature(first.publicKey, utf8('m'), await again.sign(utf8('m'))));

  const other = await loadIdentity({ indexedDB: idb, name: 'second' });
  assert.notDeepEqual(other.publicKey, first.publicKey);

  const stored = await new Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }>((resolve, reject) => {
    const req = idb.open(IDENTITY_DB);
    req.onsuccess = () => {
      const get = req.result.transaction(IDENTITY_STORE).objectStore(IDENTITY_STORE).get('default');
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    };
    req.onerror = () => reject(req.error);
  });
  assert.equal(stored.privateKey.extractable, false);
  assert.equal(stored.privateKey.algorithm.name, 'Ed25519');
  await assert.rejects(crypto.subtle.exportKey('pkcs8', stored.privateKey));
});

test('two loads racing on a fresh database end with one identity', async () => {
  const idb = new IDBFactory();
  const [a, b] = await Promise.all([loadIdentity({ indexedDB: idb }), loadIdentity({ indexedDB: idb })]);
  assert.deepEqual(a.publicKey, b.publicKey);
});
