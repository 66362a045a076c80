// The worker side: rtctransform events run frames through one FrameCrypto;
// frames that fail are dropped, never enqueued, and counted; the page sets
// keys and reads stats by message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameCrypto, type FrameCryptoStats } from '../../src/e2ee/frame-crypto.js';
import { keyId, ratchet } from '../../src/e2ee/keys.js';
import {
  serveFrameTransforms,
  transformFrames,
  type EncodedFrame,
  type FrameTransformer,
  type FrameWorkerScope,
  type WorkerReply,
  type WorkerRequest,
} from '../../src/e2ee/transform-worker.js';

/** A transformer fed with frames; done resolves with what was written once the readable side ends. */
function transformer(frames: Uint8Array[], options: unknown): { t: FrameTransformer; done: Promise<Uint8Array[]> } {
  const written: Uint8Array[] = [];
  let finish!: (v: Uint8Array[]) => void;
  const done = new Promise<Uint8Array[]>((r) => (finish = r));
  const readable = new ReadableStream<EncodedFrame>({
    start(c) {
      for (const f of frames) c.enqueue({ data: f.slice().buffer });
      c.close();
    },
  });
  const writable = new WritableStream<EncodedFrame>({
    write(f) {
      written.push(new Uint8Array(f.data));
    },
    close() {
      finish(written);
    },
  });
  return { t: { readable, writable, options }, done };
}

class FakeScope implements FrameWorkerScope {
  readonly listeners = new Map<string, ((ev: never) => void)[]>();
  readonly posted: WorkerReply[] = [];
  private waiters: (() => void)[] = [];

  addEventListener(type: string, listener: (ev: never) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  postMessage(m: WorkerReply): void {
    this.posted.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  dispatch(type: string, ev: unknown): void {
    for (const l of this.listeners.get(type) ?? []) (l as (ev: unknown) => void)(ev);
  }

  send(m: WorkerRequest): void {
    this.dispatch('message', { data: m });
  }

  async stats(id: number): Promise<FrameCryptoStats> {
    this.send({ type: 'stats', id });
    for (;;) {
      const r = this.posted.find((p) => p.id === id);
      if (r) return r.stats;
      await new Promise<void>((res) => this.waiters.push(res));
    }
  }
}

const KEY = new Uint8Array(32).fill(0x33);
const KID = keyId(2, 7);

function frames(): Uint8Array[] {
  const key = new Uint8Array(15000).map((_, i) => (i * 7) & 0xff);
  key[0] = 0x90; // key frame
  const delta = new Uint8Array(3000).map((_, i) => (i * 3) & 0xff);
  delta[0] = 0x31; // delta frame
  return [key, delta, new Uint8Array([0x31, 0x05])];
}

test('send and receive transforms: frames round-trip, bad frames are dropped and counted', async () => {
  const sendScope = new FakeScope();
  serveFrameTransforms(sendScope);
  sendScope.send({ type: 'keys', update: { type: 'send', kid: KID, key: KEY } });
  const video = transformer(frames(), { side: 'send', kind: 'video', participantId: 'PA_me', trackId: 't1' });
  const audio = transformer([new Uint8Array(80).fill(0xfc)], { side: 'send', kind: 'audio', participantId: 'PA_me' });
  sendScope.dispatch('rtctransform', { transformer: video.t });
  sendScope.dispatch('rtctransform', { transformer: audio.t });
  const [encVideo, encAudio] = await Promise.all([video.done, audio.done]);
  assert.equal(encVideo.length, 3);
  assert.equal(encAudio.length, 1);
  assert.deepEqual(encVideo[0]!.subarray(0, 10), frames()[0]!.subarray(0, 10), 'key frame prefix in clear');
  assert.notDeepEqual(encVideo[0]!.subarray(10, 100), frames()[0]!.subarray(10, 100));
  assert.equal((await sendScope.stats(1)).framesEncrypted, 4);

  const recvScope = new FakeScope();
  serveFrameTransforms(recvScope);
  recvScope.send({ type: 'keys', update: { type: 'receive', sender: 'PA_me', kid: KID, key: KEY } });
  const tampered = encVideo[1]!.slice();
  tampered[20]! ^= 1;
  const rx = transformer([encVideo[0]!, tampered, frames()[1]!, encVideo[1]!, encVideo[2]!], { side: 'receive', kind: 'video', participantId: 'PA_me' });
  recvScope.dispatch('rtctransform', { transformer: rx.t });
  const got = await rx.done;
  assert.deepEqual(got, [frames()[0]!, frames()[1]!, frames()[2]!]);
  const s = await recvScope.stats(2);
  assert.equal(s.framesDecrypted, 3);
  assert.equal(s.framesDropped.auth + s.framesDropped.malformed + s.framesDropped.noKey, 2);

  // Once the sender is removed, its frames are all dropped.
  recvScope.send({ type: 'keys', update: { type: 'remove', sender: 'PA_me' } });
  const after = transformer(encVideo, { side: 'receive', kind: 'video', participantId: 'PA_me' });
  recvScope.dispatch('rtctransform', { transformer: after.t });
  assert.deepEqual(await after.done, []);
  assert.equal((await recvScope.stats(3)).framesDropped.noKey, 3 + s.framesDropped.noKey);
});

test('frames before any send key, and transforms with bad options, are dropped', async () => {
  const fc = new FrameCrypto();
  const before = transformer(frames(), { side: 'send', kind: 'video', participantId: 'PA_me' });
  await transformFrames(fc, before.t);
  assert.deepEqual(await before.done, []);
  fc.setSendKey(KID, KEY);
  const noKind = transformer(frames(), { side: 'send', participantId: 'PA_me' });
  await transformFrames(fc, noKind.t);
  assert.deepEqual(await noKind.done, []);
  const noSender = transformer(frames(), { side: 'receive', kind: 'audio' });
  await transformFrames(fc, noSender.t);
  assert.deepEqual(await noSender.done, []);
  const s = fc.stats();
  assert.equal(s.framesEncrypted, 0);
  assert.equal(s.framesNotEncrypted, 6);
  assert.equal(s.framesDropped.malformed, 3);
});

test('a join posted to the worker moves its window; update types it does not know are ignored', async () => {
  const scope = new FakeScope();
  serveFrameTransforms(scope);
  let key: Uint8Array = KEY;
  for (let i = 0; i < 65; i++) key = await ratchet(key);
  const tx = new FrameCrypto();
  tx.setSendKey(keyId(2, 65), key); // 65 steps past the key the receiver holds
  const sent = await tx.encrypt('vp8', frames()[1]!);
  const receive = async (): Promise<Uint8Array[]> => {
    const rx = transformer([sent], { side: 'receive', kind: 'video', participantId: 'PA_me' });
    scope.dispatch('rtctransform', { transformer: rx.t });
    return rx.done;
  };

  scope.send({ type: 'keys', update: { type: 'receive', sender: 'PA_me', kid: keyId(2, 0), key: KEY } });
  assert.deepEqual(await receive(), [], 'out of reach before any join');
  scope.send({ type: 'keys', update: { type: 'rekey', sender: 'PA_me' } } as unknown as WorkerRequest);
  scope.send({ type: 'keys' } as unknown as WorkerRequest);
  scope.send({ type: 'join' } as unknown as WorkerRequest);
  assert.deepEqual(await receive(), [], 'unknown messages moved nothing');
  scope.send({ type: 'keys', update: { type: 'join' } });
  assert.deepEqual(await receive(), [frames()[1]!]);
  const s = await scope.stats(1);
  assert.equal(s.framesDecrypted, 1);
  assert.equal(s.framesDropped.noKey, 2);
});
