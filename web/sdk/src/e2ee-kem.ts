// The page's side of the KEM Worker (e2ee/kem-worker.ts): a KemBackend whose
// work runs off the page. One Worker serves every room of the page; the SDK
// starts it when it is loaded (prewarmKem), so that the Worker's start and
// the first key are not on a join's path. If it cannot start (not served,
// refused by a CSP), the work falls back to the page: slower joins, the
// same keys.

import { setKemBackend, type KemBackend } from './e2ee/kem.js';
import type { KemReply, KemRequest } from './e2ee/kem-worker.js';

type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
type Pending = { resolve: (r: KemReply & { ok: true }) => void; reject: (e: Error) => void };

let installed = false;

/** Moves X-Wing work into a Worker loaded from url, once per page. */
export function useKemWorker(url: string | URL): void {
  if (installed || typeof Worker !== 'function') return;
  installed = true;
  startKemWorker(url);
}

function startKemWorker(url: string | URL): void {
  let worker: Worker;
  try {
    worker = new Worker(url, { type: 'module', name: 'conclave-e2ee-kem' });
  } catch (err) {
    console.warn('conclave: the E2EE key worker could not start; keys are made on the page', err);
    return;
  }
  const pending = new Map<number, Pending>();
  let next = 1;
  let failed = false;
  const fail = (why: string) => {
    if (failed) return;
    failed = true;
    console.warn(`conclave: the E2EE key worker failed (${why}); keys are made on the page`);
    setKemBackend(null);
    worker.terminate();
    for (const p of pending.values()) p.reject(new Error('the E2EE key worker failed'));
    pending.clear();
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    fail(ev.message || 'error');
  };
  worker.onmessage = (ev: MessageEvent<KemReply>) => {
    const r = ev.data;
    const p = pending.get(r?.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r);
    else p.reject(new Error('HPKE failed'));
  };
  const call = (req: Without<KemRequest, 'id'>): Promise<KemReply & { ok: true }> => {
    if (failed) return Promise.reject(new Error('the E2EE key worker failed'));
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id } as KemRequest);
    });
  };
  // One key is made ahead, as soon as the Worker starts: a connect() takes
  // it and the next one is made for the connect after. Each key still
  // serves one session only.
  const make = async () => {
    const r = await call({ op: 'generate' });
    return { publicKey: r.publicKey!, handle: r.handle! };
  };
  let spare: Promise<{ publicKey: Uint8Array; handle: number }> | null = make();
  spare.catch(() => {});
  const backend: KemBackend = {
    generate() {
      const k = spare ?? make();
      spare = make();
      spare.catch(() => {});
      return k;
    },
    async open(handle, info, sealed) {
      return (await call({ op: 'open', handle, info, sealed })).bytes!;
    },
    async seal(recipient, info, plaintext) {
      return (await call({ op: 'seal', recipient, info, plaintext })).bytes!;
    },
    async isPublicKey(key) {
      return (await call({ op: 'check', key })).valid === true;
    },
  };
  setKemBackend(backend);
}

/**
 * Starts the KEM Worker (and its first key) early, from the default place
 * beside the SDK module, when the browser can do end-to-end encryption.
 * connect() with another e2eeWorkerUrl uses this Worker too once started.
 */
export function prewarmKem(sdkModuleUrl: string): void {
  const g = globalThis as { RTCRtpScriptTransform?: unknown; Worker?: unknown; document?: unknown };
  if (typeof g.RTCRtpScriptTransform !== 'function' || typeof g.Worker !== 'function' || !g.document) return;
  try {
    useKemWorker(new URL('./e2ee-kem-worker.js', sdkModuleUrl));
  } catch {
    // A module URL that is not a URL: connect() starts the Worker itself.
  }
}
