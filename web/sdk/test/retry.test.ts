// A refusal that says when to try again: error.retry_after is checked as
// strictly as the Go decoder does, carried on the join's failure (and the
// ConclaveError), and the reconnect loop waits at least that long.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Emitter } from '../src/emitter.js';
import { conclaveError, JoinFailure } from '../src/errors.js';
import { openAndJoin, type JoinHost } from '../src/join.js';
import { checkServerMessage } from '../src/messages.js';
import { reconnectDelay, Reconnector, type ReconnectHost } from '../src/reconnect.js';
import { backoffDelay } from '../src/signal.js';
import type { ConnectionState, RoomEvents } from '../src/types.js';

test('error.retry_after: whole seconds, 1 to a day, with rate_limited or too_many_attempts only', () => {
  assert.deepEqual(checkServerMessage('error', { code: 'rate_limited', message: 'wait', retry_after: 3 }), {
    type: 'error', data: { code: 'rate_limited', message: 'wait', retry_after: 3 },
  });
  assert.deepEqual(checkServerMessage('error', { code: 'too_many_attempts', message: 'wait', retry_after: 86_400 }), {
    type: 'error', data: { code: 'too_many_attempts', message: 'wait', retry_after: 86_400 },
  });
  assert.deepEqual(checkServerMessage('error', { code: 'rate_limited', message: 'dropped' }), {
    type: 'error', data: { code: 'rate_limited', message: 'dropped' },
  });
  for (const retry_after of [-1, 1.5, 86_401, '3', null, Infinity]) {
    assert.equal(checkServerMessage('error', { code: 'rate_limited', message: 'x', retry_after }), null, String(retry_after));
  }
  assert.equal(checkServerMessage('error', { code: 'room_full', message: 'x', retry_after: 3 }), null);
});

/** A WebSocket the test drives: it opens at once and records what is sent. */
class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static last: FakeWebSocket | undefined;
  readyState = FakeWebSocket.CONNECTING;
  sent: Array<{ type: string; data?: Record<string, unknown> }> = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.last = this;
    queueMicrotask(() => {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.();
    });
  }

  send(s: string): void {
    this.sent.push(JSON.parse(s));
  }

  close(): void {
    this.readyState = FakeWebSocket.CLOSED;
  }

  serve(type: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ v: 1, type, data }) });
  }
}

/** Waits until a fake socket has sent its join. */
async function joinSent(): Promise<FakeWebSocket> {
  for (let i = 0; i < 1000; i++) {
    const ws = FakeWebSocket.last;
    if (ws && ws.sent.length >= 1) return ws;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error('the SDK sent no join');
}

function joinHost(): JoinHost {
  return {
    wsUrl: 'wss://example.test/v1/signal',
    token: 'tok',
    signal: undefined,
    connecting: () => true,
    ended: () => false,
    adopt: () => {},
  };
}

/** Joins over a fake socket that refuses with error{data} and leave. */
async function refusedJoin(data: Record<string, unknown>): Promise<JoinFailure> {
  FakeWebSocket.last = undefined;
  const joining = openAndJoin(joinHost(), undefined, () => assert.fail('joined'));
  const ws = await joinSent();
  ws.serve('error', data);
  ws.serve('leave', { reason: 'error' });
  try {
    await joining;
  } catch (err) {
    assert.ok(err instanceof JoinFailure, String(err));
    return err;
  }
  throw new Error('the refused join resolved');
}

test('a refused join carries retry_after; too_many_attempts with a wait is worth retrying', async (t) => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
  t.after(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  let f = await refusedJoin({ code: 'rate_limited', message: 'too many joins with this identity; try again in 3 s', retry_after: 3 });
  assert.equal(f.code, 'rate_limited');
  assert.equal(f.retryAfter, 3);
  assert.equal(f.retryable, true);

  f = await refusedJoin({ code: 'too_many_attempts', message: 'too many wrong passwords; try again in 40 s', retry_after: 40 });
  assert.equal(f.retryAfter, 40);
  assert.equal(f.retryable, true);

  // Without a wait, a throttled password stays final, as before.
  f = await refusedJoin({ code: 'too_many_attempts', message: 'locked' });
  assert.equal(f.retryAfter, undefined);
  assert.equal(f.retryable, false);

  // What connect() rejects with.
  const e = conclaveError('rate_limited', 'slow down', 3) as Error & { code?: string; retryAfter?: number };
  assert.equal(e.name, 'ConclaveError');
  assert.equal(e.code, 'rate_limited');
  assert.equal(e.retryAfter, 3);
  assert.equal('retryAfter' in conclaveError('room_full', 'full'), false);
});

test('reconnectDelay: the backoff, or the server\'s wait when longer', () => {
  assert.equal(reconnectDelay(0, 0), backoffDelay(0));
  assert.equal(reconnectDelay(0, 3_000), 3_000);
  assert.equal(reconnectDelay(10, 1_000), backoffDelay(10));
});

test('the reconnect loop waits at least retry_after before its next join', async () => {
  const events = new Emitter<RoomEvents>();
  const attempts: Array<{ n: number; delay: number }> = [];
  events.on('reconnectAttempt', (n, delay) => attempts.push({ n, delay }));
  const joins: number[] = [];
  let state: ConnectionState = 'connected';
  let finished: string | undefined;
  const retryAfter = 3;
  const host: ReconnectHost = {
    events,
    enabled: true,
    ended: () => finished !== undefined,
    state: () => state,
    setState: (s) => {
      state = s;
    },
    localId: () => 'PA_1',
    resumeSecret: () => undefined, // no resume: every attempt is a fresh join
    publisher: () => null,
    subscriber: () => null,
    rejoin: async () => {
      joins.push(Date.now());
      if (joins.length === 1) {
        throw new JoinFailure('rate_limited', `too many joins with this identity; try again in ${retryAfter} s`, true, retryAfter);
      }
    },
    teardownMedia: () => {},
    finish: (reason) => {
      finished = reason;
    },
  };
  await new Reconnector(host).run('network');
  assert.equal(finished, undefined, 'the reconnect gave up');
  assert.equal(state, 'connected');
  assert.equal(joins.length, 2);
  assert.deepEqual(attempts.map((a) => a.n), [1, 2]);
  assert.equal(attempts[1].delay, retryAfter * 1000, 'the announced wait is the server\'s, not the shorter backoff');
  // A lower bound only: a busy machine makes the gap longer, never shorter
  // (less 5 ms: Node's timers may fire a millisecond early by Date.now()).
  assert.ok(joins[1] - joins[0] >= retryAfter * 1000 - 5, `the next join came ${joins[1] - joins[0]} ms after the refusal`);
});
