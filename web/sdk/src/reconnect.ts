// Recovering a session: the signaling reconnect loop (resume first, then a
// fresh join) and paced ICE restarts of the two PeerConnections.

import type { Emitter } from './emitter.js';
import { FRESH_JOIN_CODES, JoinFailure, RETRYABLE_CODES } from './errors.js';
import type { ResumeRequest } from './join.js';
import type { Publisher } from './publisher.js';
import { backoffDelay, RECONNECT_GIVE_UP_MS } from './signal.js';
import type { Subscriber } from './subscriber.js';
import type { ConnectionState, ReconnectReason, RoomEvents } from './types.js';

/** Minimum spacing of ICE restart requests per PeerConnection. */
const ICE_RESTART_SPACING_MS = 3_000;
/** Re-check an ICE restart that has not recovered the connection after this long. */
const ICE_RESTART_RECHECK_MS = 10_000;

/** What reconnecting needs from the room. */
export interface ReconnectHost {
  readonly events: Emitter<RoomEvents>;
  /** ConnectOptions.reconnect !== false. */
  readonly enabled: boolean;
  ended(): boolean;
  state(): ConnectionState;
  setState(s: ConnectionState): void;
  localId(): string;
  resumeSecret(): string | undefined;
  publisher(): Publisher | null;
  subscriber(): Subscriber | null;
  /** Opens a socket and joins (resume given) or joins afresh, applying the result as a re-join. */
  rejoin(resume: ResumeRequest | undefined): Promise<void>;
  teardownMedia(): void;
  finish(reason: string): void;
}

/**
 * The wait before reconnect attempt `attempt` (from 0): the backoff, or the
 * wait the last refusal asked for if that is longer.
 */
export function reconnectDelay(attempt: number, retryAfterMs: number): number {
  return Math.max(backoffDelay(attempt), retryAfterMs);
}

export class Reconnector {
  private running = false;
  private readonly lastIceRestart = { publisher: 0, subscriber: 0 };
  private readonly iceRecheck: { publisher?: ReturnType<typeof setTimeout>; subscriber?: ReturnType<typeof setTimeout> } = {};

  constructor(private readonly host: ReconnectHost) {}

  /**
   * Reconnects after signaling dropped ("network") or the server said it is
   * shutting down ("server_shutdown": it is restarting; a resume will be
   * refused by the new process and a fresh join follows). Gives up after
   * RECONNECT_GIVE_UP_MS with disconnected(why), or earlier with a fatal code.
   */
  async run(why: ReconnectReason = 'network'): Promise<void> {
    const host = this.host;
    if (this.running || host.ended()) return;
    this.running = true;
    host.setState('reconnecting');
    host.events.emit('reconnecting', why);
    const deadline = Date.now() + RECONNECT_GIVE_UP_MS;
    let tryResume = host.resumeSecret() !== undefined && host.localId() !== '';
    let failure = 'network';
    // The wait the last refusal asked for (error.retry_after): trying
    // sooner would only be refused again, and counted against us.
    let retryAfterMs = 0;
    try {
      for (let attempt = 0; !host.ended(); attempt++) {
        const delay = reconnectDelay(attempt, retryAfterMs);
        if (Date.now() + delay > deadline) break;
        host.events.emit('reconnectAttempt', attempt + 1, delay);
        await new Promise((r) => setTimeout(r, delay));
        if (host.ended()) return;
        try {
          if (tryResume) {
            try {
              await host.rejoin({ participant_id: host.localId(), secret: host.resumeSecret() ?? '' });
              this.done();
              return;
            } catch (err) {
              if (!(err instanceof JoinFailure) || err.retryable) throw err;
              // Only a refused resume (or an expired token) falls back to a
              // fresh join; anything else (room_not_found, removed, ...) is final.
              if (!FRESH_JOIN_CODES.has(err.code)) throw err;
              console.info(`conclave: resume refused (${err.code}); joining afresh`);
              tryResume = false;
            }
          }
          host.teardownMedia();
          await host.rejoin(undefined);
          this.done();
          return;
        } catch (err) {
          if (err instanceof JoinFailure) {
            failure = err.code;
            retryAfterMs = (err.retryAfter ?? 0) * 1000;
            if (!err.retryable) {
              host.finish(err.code);
              return;
            }
          }
          if (host.ended()) return;
        }
      }
      host.finish(failure === 'network' || RETRYABLE_CODES.has(failure) ? why : failure);
    } finally {
      this.running = false;
    }
  }

  private done(): void {
    this.host.setState('connected');
    this.host.events.emit('reconnected');
    // The network may have changed under the media too.
    const pub = this.host.publisher()?.pc;
    const sub = this.host.subscriber()?.pc;
    if (pub && (pub.iceConnectionState === 'failed' || pub.iceConnectionState === 'disconnected')) this.restartPublisherIce();
    if (sub && (sub.iceConnectionState === 'failed' || sub.iceConnectionState === 'disconnected')) this.restartSubscriberIce();
  }

  restartPublisherIce(): void {
    if (!this.host.enabled || this.host.ended()) return;
    const pub = this.host.publisher();
    if (!pub || !pub.pc.remoteDescription) return;
    if (this.host.state() !== 'connected') return; // done() checks again
    const now = Date.now();
    if (now - this.lastIceRestart.publisher < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.publisher = now;
    pub.negotiate(true).catch((err) => console.warn('conclave: publisher ICE restart failed', err));
    this.recheckIce('publisher');
  }

  restartSubscriberIce(): void {
    if (!this.host.enabled || this.host.ended()) return;
    const sub = this.host.subscriber();
    if (!sub || !sub.pc.remoteDescription) return;
    if (this.host.state() !== 'connected') return;
    const now = Date.now();
    if (now - this.lastIceRestart.subscriber < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.subscriber = now;
    sub.restartIce();
    this.recheckIce('subscriber');
  }

  /** Cancels pending ICE re-checks (the room is closing). */
  stop(): void {
    clearTimeout(this.iceRecheck.publisher);
    clearTimeout(this.iceRecheck.subscriber);
  }

  private recheckIce(which: 'publisher' | 'subscriber'): void {
    clearTimeout(this.iceRecheck[which]);
    this.iceRecheck[which] = setTimeout(() => {
      const pc = which === 'publisher' ? this.host.publisher()?.pc : this.host.subscriber()?.pc;
      if (!pc || this.host.ended()) return;
      if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'disconnected') {
        if (which === 'publisher') this.restartPublisherIce();
        else this.restartSubscriberIce();
      }
    }, ICE_RESTART_RECHECK_MS);
  }
}
