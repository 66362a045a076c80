// FrameCrypto: one counter per KID for every track, the receiver's bounds
// (3 epochs, 64 steps ahead and one more per join seen, never backward),
// drops counted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { E2eeError } from '../../src/e2ee/errors.js';
import { FrameCrypto, type FrameKeyUpdate } from '../../src/e2ee/frame-crypto.js';
import { keyId, ratchet } from '../../src/e2ee/keys.js';
import { parseHeader } from '../../src/e2ee/sframe.js';

const isCode = (code: string) => (err: unknown) => err instanceof E2eeError && err.code === code;

function vp8Key(n: number): Uint8Array {
  const f = new Uint8Array(n);
  f[0] = 0x50; // bit 0 clear: key frame
  for (let i = 1; i < n; i++) f[i] = i & 0xff;
  return f;
}

async function steps(key0: Uint8Array, n: number): Promise<Uint8Array[]> {
  const out = [key0];
  for (let i = 1; i <= n; i++) out.push(await ratchet(out[i - 1]!));
  return out;
}

/** A sender FrameCrypto sending with key(e, s). */
function sender(epoch: number, step: number, key: Uint8Array): FrameCrypto {
  const fc = new FrameCrypto();
  fc.setSendKey(keyId(epoch, step), key);
  return fc;
}

test('one counter per KID across tracks and codecs, from 0, distinct under concurrency', async () => {
  const fc = new FrameCrypto();
  await assert.rejects(fc.encrypt('opus', new Uint8Array(10)), isCode('no_key'));
  assert.equal(fc.sendingKid(), 0);
  fc.setSendKey(keyId(1, 0), new Uint8Array(32).fill(1));
  const frames = await Promise.all([
    fc.encrypt('opus', new Uint8Array(20)),
    fc.encrypt('vp8', vp8Key(100)),
    fc.encrypt('opus', new Uint8Array(20)),
    fc.encrypt('vp8', vp8Key(100)),
  ]);
  const ctrs = frames.map((f, i) => parseHeader(f, i % 2 === 0 ? 0 : 10).header.ctr);
  assert.deepEqual([...ctrs].sort(), [0n, 1n, 2n, 3n]);

  fc.setSendKey(keyId(1, 0), new Uint8Array(32).fill(1)); // the same KID again: no restart
  assert.equal(parseHeader(await fc.encrypt('opus', new Uint8Array(5))).header.ctr, 4n);
  fc.setSendKey(keyId(1, 1), new Uint8Array(32).fill(2));
  const h = parseHeader(await fc.encrypt('opus', new Uint8Array(5))).header;
  assert.deepEqual(h, { kid: BigInt(keyId(1, 1)), ctr: 0n });
  assert.throws(() => fc.setSendKey(keyId(1, 0), new Uint8Array(32)), isCode('stale_kid'));
  assert.equal(fc.sendingKid(), keyId(1, 1));
  const s = fc.stats();
  assert.equal(s.framesEncrypted, 6);
  assert.equal(s.framesNotEncrypted, 1);
});

test('a receiver derives forward within 64 steps of the highest seen, never backward', async () => {
  const keys = await steps(new Uint8Array(32).fill(9), 140);
  const rx = new FrameCrypto();
  rx.setReceiveKey('A', keyId(1, 3), keys[3]!);
  const frame = vp8Key(50);
  const open = async (step: number) => rx.decrypt('A', 'vp8', await sender(1, step, keys[step]!).encrypt('vp8', frame));

  assert.deepEqual(await open(3), frame);
  await assert.rejects(open(2), isCode('unknown_kid'), 'backward');
  await assert.rejects(open(68), isCode('unknown_kid'), '65 ahead of the highest seen');
  assert.deepEqual(await open(67), frame, '64 ahead');
  assert.deepEqual(await open(131), frame, '64 ahead of step 67, now seen');
  assert.deepEqual(await open(10), frame, 'steps between stay reachable');
  await assert.rejects(open(2), isCode('unknown_kid'));
  await assert.rejects(rx.decrypt('B', 'vp8', await sender(1, 3, keys[3]!).encrypt('vp8', frame)), isCode('unknown_kid'), 'other sender');

  // A lower step installed later reaches down to it.
  rx.setReceiveKey('A', keyId(1, 1), keys[1]!);
  assert.deepEqual(await open(2), frame);
  const s = rx.stats();
  assert.equal(s.framesDecrypted, 5);
  assert.equal(s.framesDropped.noKey, 4);
});

test('a join moves every sender one step further; frames that fail authentication move nothing', async () => {
  const keysA = await steps(new Uint8Array(32).fill(9), 140);
  const keysB = await steps(new Uint8Array(32).fill(7), 70);
  const rx = new FrameCrypto();
  rx.apply({ type: 'receive', sender: 'A', kid: keyId(1, 3), key: keysA[3]! });
  rx.apply({ type: 'receive', sender: 'B', kid: keyId(2, 0), key: keysB[0]! });
  const frame = vp8Key(50);
  const open = async (who: 'A' | 'B', step: number) =>
    rx.decrypt(who, 'vp8', await (who === 'A' ? sender(1, step, keysA[step]!) : sender(2, step, keysB[step]!)).encrypt('vp8', frame));

  await assert.rejects(open('A', 68), isCode('unknown_kid'), '65 ahead with no join');
  const forged = await sender(1, 67, new Uint8Array(32).fill(1)).encrypt('vp8', frame);
  await assert.rejects(rx.decrypt('A', 'vp8', forged), isCode('auth'), 'in reach, wrong key');
  await assert.rejects(open('A', 68), isCode('unknown_kid'), 'a frame that failed authentication moved the window');

  rx.apply({ type: 'join' });
  await assert.rejects(open('B', 66), isCode('unknown_kid'), 'one join, one step');
  assert.deepEqual(await open('B', 65), frame, 'the join moved every sender');
  assert.deepEqual(await open('A', 68), frame);

  // An update type this FrameCrypto does not know (from a newer page) changes nothing.
  rx.apply({ type: 'rotate', sender: 'A' } as unknown as FrameKeyUpdate);
  await assert.rejects(open('A', 133), isCode('unknown_kid'), '65 ahead of step 68');
  rx.apply({ type: 'join' });
  assert.deepEqual(await open('A', 133), frame);
  const s = rx.stats();
  assert.equal(s.framesDecrypted, 3);
  assert.equal(s.framesDropped.noKey, 4);
  assert.equal(s.framesDropped.auth, 1);
});

test('a receiver keeps 3 epochs per sender and forgets a sender that left', async () => {
  const rx = new FrameCrypto();
  const key = (e: number) => new Uint8Array(32).fill(e);
  const open = async (e: number) => rx.decrypt('A', 'opus', await sender(e, 0, key(e)).encrypt('opus', new Uint8Array([1, 2, 3])));
  for (const e of [1, 2, 3]) rx.setReceiveKey('A', keyId(e, 0), key(e));
  for (const e of [1, 2, 3]) assert.deepEqual(await open(e), new Uint8Array([1, 2, 3]));
  rx.setReceiveKey('A', keyId(5, 0), key(5));
  await assert.rejects(open(1), isCode('unknown_kid'), 'oldest epoch evicted');
  assert.deepEqual(await open(5), new Uint8Array([1, 2, 3]));
  rx.setReceiveKey('A', keyId(1, 0), key(1)); // older than every epoch held: ignored
  await assert.rejects(open(1), isCode('unknown_kid'));
  assert.deepEqual(await open(2), new Uint8Array([1, 2, 3]));
  rx.apply({ type: 'remove', sender: 'A' });
  await assert.rejects(open(5), isCode('unknown_kid'));
});

test('tampered frames and clear prefixes fail authentication and are counted', async () => {
  const key = new Uint8Array(32).fill(4);
  const tx = sender(1, 0, key);
  const rx = new FrameCrypto();
  rx.apply({ type: 'receive', sender: 'A', kid: keyId(1, 0), key });
  const enc = await tx.encrypt('vp8', vp8Key(200));
  for (const i of [0, 5, 9, 10, 11, 100, enc.length - 1]) {
    const bad = enc.slice();
    bad[i]! ^= 0x02; // bit 1: byte 0 stays a key frame
    await assert.rejects(rx.decrypt('A', 'vp8', bad), E2eeError, `byte ${i}`);
  }
  await assert.rejects(rx.decrypt('A', 'vp8', new Uint8Array(0)), E2eeError);
  assert.deepEqual(await rx.decrypt('A', 'vp8', enc), vp8Key(200));
  const s = rx.stats();
  assert.equal(s.framesDecrypted, 1);
  const dropped = Object.values(s.framesDropped).reduce((a, b) => a + b, 0);
  assert.equal(dropped, 7);
  assert.equal(s.framesEmpty, 1);
  assert.ok(s.framesDropped.auth >= 5);
});

test('an empty received frame is dropped and counted apart from the drops that are an alarm', async () => {
  const rx = new FrameCrypto();
  await assert.rejects(rx.decrypt('A', 'opus', new Uint8Array(0)), isCode('header'));
  await assert.rejects(rx.decrypt('A', 'opus', new Uint8Array([0xff])), isCode('header')); // a header cut short
  const s = rx.stats();
  assert.equal(s.framesEmpty, 1);
  assert.equal(s.framesDropped.malformed, 1, 'a truncated frame is still malformed');
});
