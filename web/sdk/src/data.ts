// Data and chat messages: validating and encoding what the app sends,
// decoding what the server relays.

import { fromBase64, toBase64 } from './base64.js';
import type { Emitter } from './emitter.js';
import { conclaveError } from './errors.js';
import type { ClientMessages } from './messages.js';
import type { ParticipantInfo, RoomEvents } from './types.js';

const MAX_DATA_BYTES = 15 << 10;

/** Builds the data message for sendData(); throws what sendData() rejects with. */
export function dataMessage(
  local: ParticipantInfo,
  payload: Uint8Array | string,
  opts: { topic?: string; to?: string[] },
): ClientMessages['data'] {
  if (!local.permissions.publish_data) throw conclaveError('permission_denied', 'the token does not grant publishData');
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('sendData: payload must be a Uint8Array or a string');
  if (bytes.length > MAX_DATA_BYTES) throw conclaveError('message_too_large', `data payloads are limited to ${MAX_DATA_BYTES} bytes`);
  const msg: ClientMessages['data'] = { payload: toBase64(bytes) };
  if (opts.topic) msg.topic = opts.topic;
  if (opts.to && opts.to.length > 0) msg.to = [...opts.to];
  return msg;
}

/** Emits a relayed data message as 'chat' (topic "chat") or 'data'. */
export function emitData(events: Emitter<RoomEvents>, payloadB64: string, from: string, topic: string): void {
  const bytes = fromBase64(payloadB64);
  if (!bytes) {
    console.warn('conclave: ignoring a data message with a bad payload');
    return;
  }
  emitDataBytes(events, bytes, from, topic);
}

/** Emits a data payload (decoded, and opened in an end-to-end encrypted room) as 'chat' or 'data'. */
export function emitDataBytes(events: Emitter<RoomEvents>, bytes: Uint8Array, from: string, topic: string): void {
  if (topic === 'chat') {
    let text: unknown;
    try {
      text = (JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { text?: unknown } | null)?.text;
    } catch {
      text = undefined;
    }
    if (typeof text !== 'string') {
      console.warn('conclave: ignoring a malformed chat message');
      return;
    }
    events.emit('chat', { from, text, time: Date.now() });
    return;
  }
  events.emit('data', bytes, from, topic);
}
