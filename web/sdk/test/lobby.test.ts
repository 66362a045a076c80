// The lobby and the room password in the SDK: the checks of the server's
// lobby messages, and a join that gives the password and waits in the
// lobby, over a fake WebSocket.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openAndJoin, type JoinHost } from '../src/join.js';
import { checkServerMessage, type Joined } from '../src/messages.js';
import type { SignalSocket } from '../src/signal.js';
import type { LobbyStatus } from '../src/types.js';

const participant = {
  id: 'PA_1', identity: 'host', joined_at: 1, role: 'host',
  permissions: { publish: true, subscribe: true, publish_data: true, admit: true }, tracks: [],
};

test('lobby messages: well-formed ones are normalised, malformed ones refused', () => {
  assert.deepEqual(checkServerMessage('lobby', { status: 'waiting_for_host', position: 2 }), {
    type: 'lobby', data: { status: 'waiting_for_host', position: 2 },
  });
  assert.deepEqual(checkServerMessage('lobby_guest', { guest: { id: 'LB_1', identity: 'g', name: 'Gail', invite: true, since: 10 } }), {
    type: 'lobby_guest', data: { guest: { id: 'LB_1', identity: 'g', name: 'Gail', invite: true, member: false, since: 10_000 } },
  });
  assert.deepEqual(checkServerMessage('lobby_guest', { guest: { id: 'LB_2', identity: 'w', since: 3 } }), {
    type: 'lobby_guest', data: { guest: { id: 'LB_2', identity: 'w', invite: false, member: false, since: 3000 } },
  });
  assert.deepEqual(checkServerMessage('lobby_guest', { guest: { id: 'LB_3', identity: 'US_M', invite: true, member: true, since: 3 } }), {
    type: 'lobby_guest', data: { guest: { id: 'LB_3', identity: 'US_M', invite: true, member: true, since: 3000 } },
  });
  assert.deepEqual(checkServerMessage('lobby_changed', { on: true, by: 'PA_1' }), {
    type: 'lobby_changed', data: { on: true, by: 'PA_1' },
  });
  assert.deepEqual(checkServerMessage('lobby_changed', { on: false }), {
    type: 'lobby_changed', data: { on: false, by: '' },
  });
  const mj = checkServerMessage('joined', { room: 'r', participant: { ...participant, member: true }, participants: [], lobby_on: true });
  assert.ok(mj !== null && mj !== 'unknown' && mj.type === 'joined');
  assert.equal((mj.data as Joined).lobby_on, true);
  assert.equal((mj.data as Joined).participant.member, true);
  assert.deepEqual(checkServerMessage('lobby_guest_left', { id: 'LB_1', reason: 'admitted' }), {
    type: 'lobby_guest_left', data: { id: 'LB_1', reason: 'admitted' },
  });
  for (const [type, data] of [
    ['lobby', { status: 'admitted', position: 1 }],
    ['lobby', { status: 'waiting' }],
    ['lobby', { status: 'waiting', position: '1' }],
    ['lobby_guest', {}],
    ['lobby_guest', { guest: { id: '', identity: 'g', since: 1 } }],
    ['lobby_guest', { guest: { id: 'LB_1', identity: 'g', since: 1, invite: 'yes' } }],
    ['lobby_guest', { guest: { id: 'LB_1', identity: 'g' } }],
    ['lobby_guest', { guest: { id: 'LB_1', identity: 'g', since: 1, member: 'yes' } }],
    ['lobby_changed', {}],
    ['lobby_changed', { on: 'true' }],
    ['lobby_changed', { on: true, by: 5 }],
    ['joined', { room: 'r', participant, participants: [], lobby_on: 'yes' }],
    ['joined', { room: 'r', participant: { ...participant, member: 1 }, participants: [] }],
    ['lobby_guest_left', { id: 'LB_1' }],
    ['lobby_guest_left', { id: '', reason: 'left' }],
    ['joined', { room: 'r', participant, participants: [], lobby: {} }],
    ['joined', { room: 'r', participant, participants: [], lobby: [{ id: 'LB_1' }] }],
  ] as const) {
    assert.equal(checkServerMessage(type, data), null, `${type} ${JSON.stringify(data)}`);
  }
  const j = checkServerMessage('joined', {
    room: 'r', participant, participants: [], lobby: [{ id: 'LB_1', identity: 'g', invite: true, since: 5 }],
  });
  assert.ok(j !== null && j !== 'unknown' && j.type === 'joined');
  assert.deepEqual((j.data as Joined).lobby, [{ id: 'LB_1', identity: 'g', invite: true, member: false, since: 5000 }]);
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

  /** Delivers a server message. */
  serve(type: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ v: 1, type, data }) });
  }
}

function host(opts: { password?: string; onLobby?: (s: LobbyStatus) => void }): JoinHost & { socket?: SignalSocket } {
  const h: JoinHost & { socket?: SignalSocket } = {
    wsUrl: 'wss://example.test/v1/signal',
    token: 'tok',
    signal: undefined,
    connecting: () => true,
    ended: () => false,
    adopt: (s) => {
      h.socket = s;
    },
    password: opts.password,
    onLobby: opts.onLobby,
  };
  return h;
}

/** Waits until the fake socket has sent n messages. */
async function sent(n: number): Promise<FakeWebSocket> {
  for (let i = 0; i < 100; i++) {
    const ws = FakeWebSocket.last;
    if (ws && ws.sent.length >= n) return ws;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`the SDK sent fewer than ${n} messages`);
}

test('a guest gives the password in join (not in a resume), waits in the lobby, and is admitted or denied', async (t) => {
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = FakeWebSocket;
  t.after(() => {
    (globalThis as { WebSocket?: unknown }).WebSocket = saved;
  });

  // Admitted after two statuses.
  const statuses: LobbyStatus[] = [];
  const h = host({ password: 'correct horse battery', onLobby: (s) => statuses.push(s) });
  let joined: Joined | undefined;
  const admitted = openAndJoin(h, undefined, (j) => {
    joined = j;
  });
  let ws = await sent(1);
  assert.equal(ws.sent[0].type, 'join');
  assert.deepEqual(ws.sent[0].data, { token: 'tok', password: 'correct horse battery' });
  ws.serve('lobby', { status: 'waiting_for_host', position: 1 });
  ws.serve('lobby', { status: 'waiting', position: 1 });
  ws.serve('joined', { room: 'r', participant: { ...participant, id: 'PA_2', identity: 'g', role: 'participant' }, participants: [] });
  await admitted;
  assert.deepEqual(statuses, [
    { status: 'waiting_for_host', position: 1 },
    { status: 'waiting', position: 1 },
  ]);
  assert.equal(joined?.participant.id, 'PA_2');
  h.socket?.close();

  // A resume gives no password.
  const r = host({ password: 'correct horse battery' });
  const resumed = openAndJoin(r, { participant_id: 'PA_2', secret: 's' }, () => {});
  ws = await sent(1);
  assert.deepEqual(ws.sent[0].data, { token: 'tok', resume: { participant_id: 'PA_2', secret: 's' } });
  ws.serve('joined', { room: 'r', participant: { ...participant, id: 'PA_2' }, participants: [], resumed: true });
  await resumed;
  r.socket?.close();

  // Denied: error then leave, and the join rejects with the code.
  const d = host({ password: 'correct horse battery' });
  const denied = openAndJoin(d, undefined, () => assert.fail('a denied guest joined'));
  ws = await sent(1);
  ws.serve('lobby', { status: 'waiting', position: 3 });
  ws.serve('error', { code: 'lobby_denied', message: 'a host refused you entry' });
  ws.serve('leave', { reason: 'lobby_denied' });
  await assert.rejects(denied, (err: Error & { code?: string }) => err.message.startsWith('lobby_denied:'));
});
