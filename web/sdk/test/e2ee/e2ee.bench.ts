// Benchmarks of the e2ee hot paths: media frame encrypt and decrypt (a
// 15 KB VP8 key frame, as FrameCrypto does it in the worker), and the
// per-member costs of key packages and announcements. Figures are printed,
// never asserted. Run with `npm run bench` in web/.

import { announce, verifyAnnouncement } from '../../src/e2ee/announce.js';
import { FrameCrypto } from '../../src/e2ee/frame-crypto.js';
import { generateIdentity } from '../../src/e2ee/identity.js';
import { generateKemKey } from '../../src/e2ee/kem.js';
import { openKeyPackage, sealKeyPackage } from '../../src/e2ee/keypackage.js';
import { keyId } from '../../src/e2ee/keys.js';

async function measure(name: string, n: number, bytes: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(n, 20); i++) await fn(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = (performance.now() - t0) / n;
  const rate = bytes > 0 ? `  ${((bytes / (ms / 1000)) / 1e6).toFixed(0)} MB/s` : '';
  console.log(`${name.padEnd(44)} ${(ms * 1000).toFixed(1).padStart(9)} µs/op${rate}`);
}

async function main(): Promise<void> {
  const frame = new Uint8Array(15000).map((_, i) => (i * 31) & 0xff);
  frame[0] = 0x10; // VP8 key frame
  const key = crypto.getRandomValues(new Uint8Array(32));
  const kid = keyId(1, 0);
  const tx = new FrameCrypto();
  tx.setSendKey(kid, key);
  const rx = new FrameCrypto();
  rx.setReceiveKey('A', kid, key);
  const encrypted = await tx.encrypt('vp8', frame);

  await measure('encrypt 15 KB VP8 frame (FrameCrypto)', 2000, frame.length, () => tx.encrypt('vp8', frame));
  await measure('decrypt 15 KB VP8 frame (FrameCrypto)', 2000, frame.length, () => rx.decrypt('A', 'vp8', encrypted));
  const opus = new Uint8Array(120).fill(0xfc);
  await measure('encrypt 120 B Opus frame (FrameCrypto)', 5000, 0, () => tx.encrypt('opus', opus));

  const id = await generateIdentity();
  const kem = await generateKemKey();
  const ann = await announce(id, 'room', 'alice', kem);
  await measure('verify announcement (Ed25519 + X-Wing key)', 200, 0, () => verifyAnnouncement(ann, 'room', 'alice'));
  await measure('generate X-Wing key', 50, 0, () => generateKemKey());
  const pkg = await sealKeyPackage(id, 'room', 'PA_a', 'PA_b', kem.publicKey, kid, key);
  await measure('seal key package (X-Wing HPKE + Ed25519)', 200, 0, () => sealKeyPackage(id, 'room', 'PA_a', 'PA_b', kem.publicKey, kid, key));
  await measure('open key package', 200, 0, () => openKeyPackage(kem, id.publicKey, 'room', 'PA_a', 'PA_b', pkg));
}

await main();
