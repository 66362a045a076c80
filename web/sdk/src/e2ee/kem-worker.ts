// The KEM Worker: X-Wing key generation and HPKE seal and open (kem.ts), off
// the page. A join costs a key and a key package to and from every member,
// each milliseconds of ML-KEM arithmetic in JavaScript; here they never
// hold up the page's signaling and media setup. The session's private KEM
// key lives only in this Worker.
//
// Page -> worker: {id, op: 'generate'} | {id, op: 'open', handle, info, sealed}
//   | {id, op: 'seal', recipient, info, plaintext} | {id, op: 'check', key}
// Worker -> page: {id, ok: true, ...result} | {id, ok: false}

import { generateKemPairLocal, hpkeSealLocal, isKemPublicKeyLocal, openLocal } from './kem.js';

export type KemRequest =
  | { id: number; op: 'generate' }
  | { id: number; op: 'open'; handle: number; info: Uint8Array; sealed: Uint8Array }
  | { id: number; op: 'seal'; recipient: Uint8Array; info: Uint8Array; plaintext: Uint8Array }
  | { id: number; op: 'check'; key: Uint8Array };

export type KemReply =
  | { id: number; ok: true; publicKey?: Uint8Array; handle?: number; bytes?: Uint8Array; valid?: boolean }
  | { id: number; ok: false };

interface Scope {
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  postMessage(message: KemReply): void;
}

/** Serves KEM requests on scope. */
export function serveKem(scope: Scope): void {
  const keys = new Map<number, CryptoKey>();
  let next = 1;
  const handle = async (m: KemRequest): Promise<KemReply> => {
    switch (m.op) {
      case 'generate': {
        const { publicKey, privateKey } = await generateKemPairLocal();
        const h = next++;
        keys.set(h, privateKey);
        return { id: m.id, ok: true, publicKey, handle: h };
      }
      case 'open': {
        const k = keys.get(m.handle);
        if (!k) return { id: m.id, ok: false };
        return { id: m.id, ok: true, bytes: await openLocal(k, m.info, m.sealed) };
      }
      case 'seal':
        return { id: m.id, ok: true, bytes: await hpkeSealLocal(m.recipient, m.info, m.plaintext) };
      case 'check':
        return { id: m.id, ok: true, valid: await isKemPublicKeyLocal(m.key) };
    }
  };
  scope.addEventListener('message', (ev) => {
    const m = ev.data as KemRequest | null;
    if (!m || typeof m !== 'object' || typeof m.id !== 'number') return;
    handle(m).then(
      (r) => scope.postMessage(r),
      () => scope.postMessage({ id: m.id, ok: false }),
    );
  });
}

serveKem(self as unknown as Scope);
