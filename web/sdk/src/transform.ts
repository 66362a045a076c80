// The end-to-end encryption hook: when ConnectOptions.transform is set, every
// sender and receiver gets an RTCRtpScriptTransform running in the given
// Worker. The SDK only wires the transform; it never reads frame payloads.

import type { TransformOptions } from './types.js';

/** PeerConnection configuration extension: legacy insertable streams stay off (we use RTCRtpScriptTransform). */
export const pcExtraConfig = { encodedInsertableStreams: false } as const;

export interface TransformTarget {
  side: 'send' | 'receive';
  trackId: string;
  kind: 'audio' | 'video';
  participantId: string;
}

export function transformSupported(): boolean {
  return typeof (globalThis as { RTCRtpScriptTransform?: unknown }).RTCRtpScriptTransform === 'function';
}

/** Attaches a transform to a sender or receiver when opts.transform is set. */
export function attachTransform(
  opts: TransformOptions | undefined,
  target: RTCRtpSender | RTCRtpReceiver,
  options: TransformTarget,
): void {
  if (!opts) return;
  if (!transformSupported()) throw new Error('transform_unsupported: this browser has no RTCRtpScriptTransform');
  target.transform = new RTCRtpScriptTransform(opts.worker, { ...options });
}
