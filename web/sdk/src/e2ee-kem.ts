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
/** Makes the spare key if there is none; set once the Worker runs. */
let refill: () => void = () => {};

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
  // it. The next one is made when that connection ends (refillKem), not
  // at once: made then, it would run in this Worker during the join, ahead
  // of the join's own key packages, and the newcomer's first decrypted
  // frame would wait for it. Each key still serves one session only.
  const make = async () => {
    const r = await call({ op: 'generate' });
    return { publicKey: r.publicKey!, handle: r.handle! };
  };
  let spare: Promise<{ publicKey: Uint8Array; handle: number }> | null = null;
  refill = () => {
    if (failed || spare) return;
    spare = make();
    spare.catch(() => {});
  };
  refill();
  // Then one key package sealed to that key and opened again, once per
  // Worker: a self-test of the Worker's HPKE, and the first run of the
  // encapsulation and decapsulation code, which JavaScript engines run
  // several times slower the first time. A join's own packages then run
  // at full speed: sealed and opened cold, they took 50-170 ms each on a
  // loaded 2-core machine, on the path of the first decrypted frame. It
  // runs after the key (a join waits for the key, not for this), and
  // costs the Worker about as much as one join's packages, once.
  const first = spare as Promise<{ publicKey: Uint8Array; handle: number }> | null;
  first
    ?.then(async (k) => {
      const info = new TextEncoder().encode('conclave e2ee kem worker self-test');
      const plain = crypto.getRandomValues(new Uint8Array(32));
      const sealed = (await call({ op: 'seal', recipient: k.publicKey, info, plaintext: plain })).bytes!;
      const opened = (await call({ op: 'open', handle: k.handle, info, sealed })).bytes!;
      if (opened.length !== plain.length || opened.some((b, i) => b !== plain[i])) fail('self-test: a key package did not open to what was sealed');
    })
    .catch(() => fail('self-test: a key package could not be sealed or opened'));
  const backend: KemBackend = {
    generate() {
      const k = spare ?? make();
      spare = null;
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
 * Makes a key ahead for the next connect() on this page, if the KEM Worker
 * runs and has none: called when a connection ends, when the Worker is
 * otherwise idle.
 */
export function refillKem(): void {
  refill();
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
