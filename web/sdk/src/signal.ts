// The signaling WebSocket: one connection to wss://host/v1/signal carrying
// {"v":1,"type","data"} envelopes. Strict on input (malformed or unknown
// messages are logged and ignored, nothing throws out of the handlers), an
// application ping every 10 s with a pong watchdog, and the reconnect
// schedule used by the room (resume is driven from room.ts).

import { checkServerMessage, type ClientMessages, type ServerMessage } from './messages.js';

/** Largest server message the SDK accepts (docs/protocol.md, Limits). */
const MAX_SERVER_MESSAGE = 1 << 20;
const PING_INTERVAL_MS = 10_000;
/** No pong for this long: the connection is considered dead. */
const PONG_TIMEOUT_MS = 25_000;
const OPEN_TIMEOUT_MS = 10_000;

/** Close code used by simulateSignalDrop() (an application code: 4000–4999). */
export const SIMULATED_DROP_CODE = 4000;
/** Close code used when the pong watchdog fires. */
export const DEAD_CONNECTION_CODE = 4001;

/**
 * Derives the signaling URL from the server URL: "https://host:port" →
 * "wss://host:port/v1/signal", "" → the page's own origin. Tokens never go
 * into the URL.
 */
export function signalURL(url: string): string {
  let base: URL;
  if (url === '') {
    if (typeof location === 'undefined') throw new TypeError('conclave: url is empty and there is no page origin');
    base = new URL(location.href);
  } else {
    base = new URL(url);
  }
  let proto: string;
  switch (base.protocol) {
    case 'https:':
    case 'wss:':
      proto = 'wss:';
      break;
    case 'http:':
    case 'ws:':
      proto = 'ws:';
      break;
    default:
      throw new TypeError(`conclave: unsupported URL scheme ${base.protocol}`);
  }
  return `${proto}//${base.host}/v1/signal`;
}

/** The reconnect schedule: 0.5 s, 1 s, 2 s, 4 s, then 5 s, for at most 30 s. */
export const RECONNECT_GIVE_UP_MS = 30_000;
export function backoffDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 5_000);
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export class SignalSocket {
  /** Called for every well-formed server message. */
  onMessage: (msg: ServerMessage) => void = () => {};
  /** Called once when the socket closes without close() having been called. */
  onClose: (info: CloseInfo) => void = () => {};
  /** Round-trip time of the last application ping, in ms. */
  rtt: number | undefined;

  private readonly ws: WebSocket;
  private closed = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastPong = Date.now();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev);
    ws.onclose = (ev) => this.closedByPeer({ code: ev.code, reason: ev.reason });
    ws.onerror = () => {
      /* a close event follows */
    };
  }

  /** Opens a socket; rejects if it cannot be opened within 10 s or the signal aborts. */
  static open(url: string, signal?: AbortSignal): Promise<SignalSocket> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        ws.onopen = null;
        ws.onerror = null;
        ws.onclose = null;
        if (err !== undefined) {
          try {
            ws.close();
          } catch {
            /* ignore */
          }
          reject(err);
        } else {
          const s = new SignalSocket(ws);
          s.startPing();
          resolve(s);
        }
      };
      const onAbort = () => finish(abortError());
      const timer = setTimeout(() => finish(new Error('network: signaling connection timed out')), OPEN_TIMEOUT_MS);
      signal?.addEventListener('abort', onAbort);
      ws.onopen = () => finish();
      ws.onerror = () => finish(new Error('network: signaling connection failed'));
      ws.onclose = () => finish(new Error('network: signaling connection closed'));
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one envelope; returns false if the socket is not open. */
  send<T extends keyof ClientMessages>(type: T, data?: ClientMessages[T]): boolean {
    if (!this.isOpen) return false;
    const env: { v: 1; type: T; data?: ClientMessages[T] } = { v: 1, type };
    if (data !== undefined) env.data = data;
    try {
      this.ws.send(JSON.stringify(env));
      return true;
    } catch (err) {
      console.warn('conclave: signaling send failed', err);
      return false;
    }
  }

  /** Closes the socket; onClose is not called. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPing();
    this.ws.onmessage = null;
    this.ws.onclose = null;
    try {
      this.ws.close(code, reason);
    } catch {
      /* ignore */
    }
  }

  /** Closes the socket abruptly, as a network drop would; onClose is called. */
  drop(code: number, reason: string): void {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
      /* ignore */
    }
    // The browser delivers the close event asynchronously; report it now so
    // the drop is handled even if the close handshake stalls.
    this.closedByPeer({ code, reason });
  }

  private closedByPeer(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPing();
    this.ws.onmessage = null;
    this.ws.onclose = null;
    try {
      this.onClose(info);
    } catch (err) {
      console.error('conclave: close handler threw', err);
    }
  }

  private receive(ev: MessageEvent): void {
    try {
      if (typeof ev.data !== 'string') {
        console.warn('conclave: ignoring a binary signaling message');
        return;
      }
      if (ev.data.length > MAX_SERVER_MESSAGE) {
        console.warn('conclave: ignoring an oversized signaling message');
        return;
      }
      let env: unknown;
      try {
        env = JSON.parse(ev.data);
      } catch {
        console.warn('conclave: ignoring a signaling message that is not JSON');
        return;
      }
      if (typeof env !== 'object' || env === null || Array.isArray(env)) {
        console.warn('conclave: ignoring a signaling message that is not an envelope');
        return;
      }
      const { v, type, data } = env as { v?: unknown; type?: unknown; data?: unknown };
      if (v !== 1) {
        console.warn(`conclave: ignoring a signaling message with version ${String(v)}`);
        return;
      }
      if (typeof type !== 'string') {
        console.warn('conclave: ignoring a signaling message without a type');
        return;
      }
      const msg = checkServerMessage(type, data);
      if (msg === 'unknown') {
        console.warn(`conclave: ignoring unknown signaling message type "${type}"`);
        return;
      }
      if (msg === null) {
        console.warn(`conclave: ignoring a malformed "${type}" message`);
        return;
      }
      if (msg.type === 'pong') {
        this.lastPong = Date.now();
        if (msg.data.t > 0) this.rtt = Math.max(0, Date.now() - msg.data.t);
      }
      this.onMessage(msg);
    } catch (err) {
      console.error('conclave: error while handling a signaling message', err);
    }
  }

  private startPing(): void {
    this.lastPong = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastPong > PONG_TIMEOUT_MS) {
        console.warn('conclave: no pong from the server; treating the connection as lost');
        this.drop(DEAD_CONNECTION_CODE, 'no pong');
        return;
      }
      this.send('ping', { t: Date.now() });
    }, PING_INTERVAL_MS);
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}

export function abortError(): Error {
  return new DOMException('the operation was aborted', 'AbortError');
}
