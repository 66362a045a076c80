// The Worker side of E2EE media: RTCRtpScriptTransform frames go through one
// FrameCrypto, whose keys the page posts. A frame that fails to encrypt or
// decrypt is dropped (never enqueued) and counted.
//
// Page -> worker messages (WorkerRequest):
//   {type: 'keys', update: FrameKeyUpdate}   from Session's onFrameKeys;
//                                            an update type unknown here is ignored
//   {type: 'stats', id}                      answered with {type: 'stats', id, stats}
//
// Each RTCRtpScriptTransform is made with options
//   {side: 'send' | 'receive', kind: 'audio' | 'video', participantId, trackId}
// where participantId names the sender of received frames.

import { FrameCrypto, type FrameCryptoStats, type FrameKeyUpdate } from './frame-crypto.js';
import type { Codec } from './media.js';

/** What the page posts to the worker. */
export type WorkerRequest = { type: 'keys'; update: FrameKeyUpdate } | { type: 'stats'; id: number };

/** What the worker posts back. */
export type WorkerReply = { type: 'stats'; id: number; stats: FrameCryptoStats };

/** The options each RTCRtpScriptTransform is created with. */
export interface FrameTransformOptions {
  side: 'send' | 'receive';
  kind: 'audio' | 'video';
  participantId: string;
  trackId?: string;
}

/** The parts of RTCEncodedVideoFrame / RTCEncodedAudioFrame used here. */
export interface EncodedFrame {
  data: ArrayBuffer;
}

/** The parts of RTCRtpScriptTransformer used here. */
export interface FrameTransformer {
  readonly readable: ReadableStream<EncodedFrame>;
  readonly writable: WritableStream<EncodedFrame>;
  readonly options?: unknown;
}

/** The parts of DedicatedWorkerGlobalScope used here. */
export interface FrameWorkerScope {
  addEventListener(type: 'rtctransform', listener: (ev: { transformer: FrameTransformer }) => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  postMessage(message: WorkerReply): void;
}

function codecOf(kind: unknown): Codec | null {
  if (kind === 'video') return 'vp8';
  if (kind === 'audio') return 'opus';
  return null;
}

function exactBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.slice().buffer as ArrayBuffer;
}

/**
 * Runs one transformer's frames through fc until its streams close. Frames
 * that fail are dropped; fc counts them (a transformer with bad options
 * drops every frame as 'malformed').
 */
export async function transformFrames(fc: FrameCrypto, transformer: FrameTransformer): Promise<void> {
  const o = (transformer.options ?? {}) as Partial<FrameTransformOptions>;
  const codec = codecOf(o.kind);
  const sender = typeof o.participantId === 'string' ? o.participantId : null;
  const send = o.side === 'send';
  const ok = codec !== null && (send || (o.side === 'receive' && sender !== null));
  const stream = new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      if (!ok) {
        fc.countDropped(send ? 'send' : 'receive');
        return;
      }
      const data = new Uint8Array(frame.data);
      try {
        const out = send ? await fc.encrypt(codec, data) : await fc.decrypt(sender!, codec, data);
        frame.data = exactBuffer(out);
      } catch {
        return; // counted by fc; never enqueued
      }
      controller.enqueue(frame);
    },
  });
  try {
    await transformer.readable.pipeThrough(stream).pipeTo(transformer.writable);
  } catch {
    // The track ended or the transform was replaced.
  }
}

/** Serves RTCRtpScriptTransform events and page messages on scope with fc. */
export function serveFrameTransforms(scope: FrameWorkerScope, fc: FrameCrypto = new FrameCrypto()): FrameCrypto {
  scope.addEventListener('rtctransform', (ev) => {
    void transformFrames(fc, ev.transformer);
  });
  scope.addEventListener('message', (ev) => {
    const m = ev.data as WorkerRequest | null;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'keys') {
      try {
        fc.apply(m.update);
      } catch {
        // A stale or malformed update changes nothing.
      }
    } else if (m.type === 'stats') {
      scope.postMessage({ type: 'stats', id: m.id, stats: fc.stats() });
    }
  });
  return fc;
}
