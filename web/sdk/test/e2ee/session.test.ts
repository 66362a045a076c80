// The Session state machine (docs/e2ee.md "When keys change") with several
// participants, a message relay and an injected clock.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Announcement } from '../../src/e2ee/announce.js';
import { utf8 } from '../../src/e2ee/bytes.js';
import { sealDataMessage } from '../../src/e2ee/data.js';
import { E2eeError } from '../../src/e2ee/errors.js';
import { FrameCrypto, type FrameKeyUpdate } from '../../src/e2ee/frame-crypto.js';
import { generateIdentity, type Identity } from '../../src/e2ee/identity.js';
import { generateKemKey, hpkeSealLocal, isKemPublicKeyLocal, setKemBackend, type KemKey } from '../../src/e2ee/kem.js';
import { ACK_LEN, encodeAck } from '../../src/e2ee/keypackage.js';
import { MAX_STEPS_AHEAD } from '../../src/e2ee/keyring.js';
import { dataKey, keyId, ratchet } from '../../src/e2ee/keys.js';
import { safetyCode } from '../../src/e2ee/safety.js';
import { DEFAULT_REKEY_TIMEOUT, newSession, type Member, type Outbound, type Session } from '../../src/e2ee/session.js';

const ROOM = 'standup-42';
const isCode = (code: string) => (err: unknown) => err instanceof E2eeError && err.code === code;

interface Participant {
  id: string;
  identity: string;
  key: Identity;
  kem: KemKey;
  session: Session;
  member: Member;
  updates: FrameKeyUpdate[];
}

/** A room: participants, a relay of e2ee messages between them, and a clock. */
class Room {
  now = 1_000_000;
  readonly people = new Map<string, Participant>();
  /** Messages whose sender and recipient match are not delivered. */
  blocked: ((from: string, to: string, payload: Uint8Array) => boolean)[] = [];
  delivered = 0;

  async make(name: string, opts: { worker?: boolean; announcement?: (a: Announcement) => Announcement } = {}): Promise<Participant> {
    const key = await generateIdentity();
    const kem = await generateKemKey();
    const updates: FrameKeyUpdate[] = [];
    const session = await newSession({
      room: ROOM,
      identity: name,
      id: key,
      kem,
      now: () => this.now,
      ...(opts.worker ? { onFrameKeys: (u: FrameKeyUpdate) => updates.push(u) } : {}),
    });
    const ann = opts.announcement ? opts.announcement(session.announcement()) : session.announcement();
    const id = `PA_${name}`;
    return { id, identity: name, key, kem, session, updates, member: { id, identity: name, announcement: ann } };
  }

  /**
   * p joins: it gets `joined` with the members present, they get
   * `participant_joined`, and then the e2ee messages of all flow (the
   * server relays nothing from p before p has its `joined`, nor to p).
   */
  async join(p: Participant): Promise<void> {
    const present = [...this.people.values()];
    this.people.set(p.id, p);
    const fromP = await p.session.joined(p.id, present.map((o) => o.member));
    const fromOthers = await Promise.all(present.map(async (o) => ({ id: o.id, out: await o.session.memberJoined(p.member) })));
    await this.relay(p.id, fromP);
    for (const o of fromOthers) await this.relay(o.id, o.out);
  }

  async leave(p: Participant): Promise<void> {
    this.people.delete(p.id);
    for (const o of this.people.values()) await this.relay(o.id, await o.session.memberLeft(p.id));
  }

  /** Delivers out from from, and the answers, until nothing is left. */
  async relay(from: string, out: Outbound[]): Promise<void> {
    const queue = out.map((o) => ({ from, o }));
    for (let m = queue.shift(); m; m = queue.shift()) {
      const to = this.people.get(m.o.to);
      if (!to || this.blocked.some((b) => b(m!.from, m!.o.to, m!.o.payload))) continue;
      this.delivered++;
      const answers = await to.session.receive(m.from, m.o.payload);
      queue.push(...answers.map((o) => ({ from: to.id, o })));
    }
  }
}

const FRAME = (() => {
  const f = new Uint8Array(1200).map((_, i) => (i * 13) & 0xff);
  f[0] = 0x10; // VP8 key frame
  return f;
})();

async function sees(from: Participant, to: Participant): Promise<boolean> {
  const enc = await from.session.encryptFrame('vp8', FRAME);
  try {
    assert.deepEqual(await to.session.decryptFrame(from.id, 'vp8', enc), FRAME);
    return true;
  } catch {
    return false;
  }
}

test('joining: keys go both ways, media and data open, the newcomer cannot read the past', async () => {
  const room = new Room();
  const [a, b, c] = await Promise.all([room.make('alice'), room.make('bob'), room.make('carol')]);
  await room.join(a);
  assert.equal(a.session.sendingKid(), keyId(1, 0));
  await room.join(b);
  assert.equal(a.session.sendingKid(), keyId(1, 1), 'alice ratcheted on bob joining');
  assert.equal(b.session.sendingKid(), keyId(1, 0));
  assert.ok(await sees(a, b));
  assert.ok(await sees(b, a));

  const before = await a.session.encryptFrame('vp8', FRAME); // step 1, before carol
  await room.join(c);
  assert.equal(a.session.sendingKid(), keyId(1, 2));
  assert.equal(b.session.sendingKid(), keyId(1, 1));
  for (const [x, y] of [[a, b], [b, a], [a, c], [c, a], [b, c], [c, b]] as const) assert.ok(await sees(x, y), `${x.identity} -> ${y.identity}`);
  await assert.rejects(c.session.decryptFrame(a.id, 'vp8', before), isCode('unknown_kid'));
  assert.deepEqual(await b.session.decryptFrame(a.id, 'vp8', before), FRAME, 'bob still reads step 1');

  const sealed = await b.session.sealData('chat', utf8('hello room'));
  assert.deepEqual(await a.session.openData(b.id, 'chat', sealed), utf8('hello room'));
  assert.deepEqual(await c.session.openData(b.id, 'chat', sealed), utf8('hello room'));
  await assert.rejects(c.session.openData(b.id, 'other', sealed), isCode('data_signature'));
  await assert.rejects(c.session.openData(a.id, 'chat', sealed), isCode('data_signature'), 'claimed by another sender');
  const cs = c.session.stats();
  assert.equal(cs.dataOpened, 1);
  assert.equal(cs.dataDropped.auth, 2);
  assert.equal(cs.framesDropped.noKey, 1);

  const codes = await Promise.all([a, b, c].map((p) => p.session.safetyCode()));
  assert.equal(new Set(codes).size, 1, 'same code on every screen');
  assert.match(codes[0]!, /^\d{5} \d{5} \d{5} \d{5}$/);
  assert.deepEqual(
    a.session.members().map((m) => [m.id, m.verified, m.hasKey]),
    [
      [b.id, true, true],
      [c.id, true, true],
    ],
  );
});

test('leaving: a new epoch once everyone acknowledges; the leaver cannot read it', async () => {
  const room = new Room();
  const [a, b, c] = await Promise.all([room.make('alice'), room.make('bob'), room.make('carol')]);
  for (const p of [a, b, c]) await room.join(p);
  const codeWithCarol = await a.session.safetyCode();

  // Hold bob's acknowledgement to see alice keep her current key meanwhile.
  const held: Outbound[] = [];
  room.blocked = [(from, to, payload) => from === b.id && to === a.id && payload.length === ACK_LEN && (held.push({ to, payload }), true)];
  const kidBefore = a.session.sendingKid();
  room.people.delete(c.id);
  await room.relay(a.id, await a.session.memberLeft(c.id));
  await room.relay(b.id, await b.session.memberLeft(c.id));
  assert.equal(a.session.sendingKid(), kidBefore, 'still sending with the current key');
  assert.equal(a.session.deadline(), room.now + DEFAULT_REKEY_TIMEOUT);
  assert.ok(await sees(a, b));
  room.blocked = [];
  await room.relay(b.id, held);
  assert.equal(a.session.sendingKid(), keyId(2, 0), 'switched on the last acknowledgement');
  assert.equal(a.session.deadline(), null);
  assert.equal(a.session.stats().switches, 1);

  assert.ok(await sees(a, b));
  assert.ok(await sees(b, a));
  const after = await a.session.encryptFrame('vp8', FRAME);
  await assert.rejects(c.session.decryptFrame(a.id, 'vp8', after), isCode('unknown_kid'));
  assert.notEqual(await a.session.safetyCode(), codeWithCarol);
  assert.equal(await a.session.safetyCode(), await b.session.safetyCode());
});

test('the rekey timeout switches without acknowledgements; a burst of leaves makes one switch', async () => {
  const room = new Room();
  const ps = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => room.make(n)));
  for (const p of ps) await room.join(p);
  const [a, b, c, d] = ps as [Participant, Participant, Participant, Participant];
  room.blocked = [(_from, to, payload) => to === a.id && payload.length === ACK_LEN];

  room.people.delete(d.id);
  await room.relay(a.id, await a.session.memberLeft(d.id));
  const deadline = a.session.deadline();
  assert.equal(deadline, room.now + DEFAULT_REKEY_TIMEOUT);
  const current = a.session.sendingKid();
  room.now += 1500;
  room.people.delete(c.id);
  await room.relay(a.id, await a.session.memberLeft(c.id));
  assert.equal(a.session.deadline(), deadline, 'the burst keeps the first deadline');
  room.now = deadline! - 1;
  assert.deepEqual(a.session.tick(), []);
  assert.equal(a.session.sendingKid(), current);
  room.now = deadline!;
  a.session.tick();
  assert.equal(a.session.sendingKid(), keyId(3, 0), 'epoch 2 was replaced by epoch 3 before the switch');
  assert.equal(a.session.stats().switches, 1);
  assert.equal(a.session.deadline(), null);
  assert.ok(await sees(a, b), 'bob got epoch 3');
  await assert.rejects(c.session.decryptFrame(a.id, 'vp8', await a.session.encryptFrame('vp8', FRAME)), isCode('unknown_kid'));
});

test('a join while a key is pending ratchets both and awaits the newcomer too', async () => {
  const room = new Room();
  const [a, b, c, e] = await Promise.all(['alice', 'bob', 'carol', 'erin'].map((n) => room.make(n)));
  for (const p of [a, b, c]) await room.join(p);
  room.blocked = [(_from, to, payload) => to === a.id && payload.length === ACK_LEN];
  room.people.delete(c.id);
  await room.relay(a.id, await a.session.memberLeft(c.id));
  assert.notEqual(a.session.deadline(), null);
  const sent = room.delivered;
  room.people.set(e.id, e);
  const fromErin = await e.session.joined(e.id, [a.member, b.member]);
  const toErin = await a.session.memberJoined(e.member);
  assert.deepEqual(toErin.map((o) => o.to), [e.id, e.id], 'current and pending keys');
  const fromBob = await b.session.memberJoined(e.member);
  await room.relay(e.id, fromErin);
  await room.relay(a.id, toErin);
  await room.relay(b.id, fromBob);
  assert.ok(room.delivered > sent);
  assert.ok(await sees(a, e), 'erin reads the current key, ratcheted');

  // Acknowledgements of the pending epoch at an earlier step count: bob's of step 0, erin's of step 1.
  room.blocked = [];
  await room.relay(b.id, [{ to: a.id, payload: encodeAck(keyId(2, 0)) }]);
  assert.notEqual(a.session.deadline(), null, 'still awaiting erin');
  await room.relay(e.id, [{ to: a.id, payload: encodeAck(keyId(2, 1)) }]);
  assert.equal(a.session.deadline(), null);
  assert.equal(a.session.sendingKid(), keyId(2, 1));
  assert.ok(await sees(a, b), 'bob derives step 1 of epoch 2');
  assert.ok(await sees(a, e));
});

test('a join at step 255 makes a new epoch instead of ratcheting', async () => {
  const room = new Room();
  const [a, b] = await Promise.all([room.make('alice'), room.make('bob')]);
  await room.join(a);
  await room.join(b); // alice at step 1
  // Members that join and stay: one key package each from alice.
  const guest = await room.make('guest');
  for (let i = 2; i <= 255; i++) {
    await a.session.memberJoined({ ...guest.member, id: `PA_guest${i}` });
  }
  assert.equal(a.session.sendingKid(), keyId(1, 255));
  const out = await a.session.memberJoined({ ...guest.member, id: 'PA_guest256' });
  assert.equal(a.session.sendingKid(), keyId(1, 255), 'not ratcheted');
  assert.equal(a.session.deadline(), room.now + DEFAULT_REKEY_TIMEOUT);
  assert.equal(out.length, 256, 'a new epoch for bob and 255 guests');
  assert.equal(new Set(out.map((o) => o.to)).size, 256);
});

test('members whose announcement does not verify get no key and are not heard', async () => {
  const room = new Room();
  const a = await room.make('alice');
  const m = await room.make('mallory', { announcement: (ann) => ({ ...ann, signature: ann.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) }) });
  await room.join(a);
  room.people.set(m.id, m);
  const out = await a.session.memberJoined(m.member);
  assert.deepEqual(out, []);
  assert.equal(a.session.sendingKid(), keyId(1, 0), 'no ratchet for an unverified member');
  assert.equal(a.session.verified(m.id), false);
  assert.deepEqual(a.session.members(), [{ id: m.id, identity: 'mallory', verified: false, error: 'announcement_signature', hasKey: false }]);

  // Mallory's own session believes alice and sends her a key package; alice refuses it.
  const fromM = await m.session.joined(m.id, [a.member]);
  assert.equal(fromM.length, 1);
  await assert.rejects(a.session.receive(m.id, fromM[0]!.payload), isCode('unverified'));
  await assert.rejects(a.session.decryptFrame(m.id, 'vp8', await m.session.encryptFrame('vp8', FRAME)), isCode('unverified'));
  assert.equal(a.session.stats().framesDropped.unverified, 1);
  await assert.rejects(a.session.receive('PA_nobody', encodeAck(keyId(1, 0))), isCode('unknown_member'));
  await assert.rejects(a.session.receive(m.id, new Uint8Array(2049)), isCode('key_package'));
  await assert.rejects(a.session.receive(m.id, new Uint8Array([2, 1])), isCode('key_package'));
  assert.equal(await a.session.safetyCode(), await safetyCode(ROOM, [{ identity: 'alice', identityKey: a.key.publicKey }]), 'mallory not counted');

  const early = await room.make('early');
  await assert.rejects(early.session.receive(a.id, encodeAck(keyId(1, 0))), isCode('not_joined'));
  await assert.rejects(early.session.encryptFrame('opus', new Uint8Array(3)), isCode('not_joined'));
  await assert.rejects(early.session.sealData('chat', new Uint8Array(3)), isCode('not_joined'));
  assert.equal(early.session.sendingKid(), 0);
});

test('with onFrameKeys the keys go to a FrameCrypto (a worker) and the page does not encrypt media', async () => {
  const room = new Room();
  const a = await room.make('alice', { worker: true });
  const b = await room.make('bob');
  await room.join(a);
  await room.join(b);
  await assert.rejects(a.session.encryptFrame('vp8', FRAME), isCode('invalid'));

  const worker = new FrameCrypto();
  for (const u of a.updates) worker.apply(structuredClone(u)); // what postMessage does
  assert.deepEqual(
    a.updates.map((u) => u.type),
    ['send', 'join', 'send', 'receive'],
    'epoch 1 step 0; on bob joining, the window moves and step 1; then bob key',
  );
  assert.equal(worker.sendingKid(), a.session.sendingKid());
  const enc = await worker.encrypt('vp8', FRAME);
  assert.deepEqual(await b.session.decryptFrame(a.id, 'vp8', enc), FRAME);
  const fromB = await b.session.encryptFrame('opus', utf8('opus frame'));
  assert.deepEqual(await worker.decrypt(b.id, 'opus', fromB), utf8('opus frame'));
  assert.deepEqual(await a.session.decryptFrame(b.id, 'opus', fromB), utf8('opus frame'), 'the page decrypts too');

  await room.leave(b);
  const last = a.updates.slice(-2);
  assert.deepEqual(last.map((u) => u.type), ['remove', 'send'], 'bob forgotten; nobody left to await, so epoch 2 at once');
  for (const u of last) worker.apply(u);
  await assert.rejects(worker.decrypt(b.id, 'opus', fromB), isCode('unknown_kid'));
  assert.equal(worker.sendingKid(), keyId(2, 0));
});

// Before Session.start this hung (the package waited for the held seal): the
// timeout turns a hang into a failure.
test("a newcomer opens a member's key package while its own packages are still being sealed", { timeout: 60_000 }, async () => {
  const room = new Room();
  const [a, b] = await Promise.all([room.make('alice'), room.make('bob')]);
  await room.join(a);
  // Bob's seal for alice is held until released; everything else runs here.
  const aliceKem = a.member.announcement!.kemKey;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = 0;
  setKemBackend({
    generate: () => Promise.reject(new Error('not used')),
    open: () => Promise.reject(new Error('not used')),
    async seal(recipient, info, plaintext) {
      if (recipient.length === aliceKem.length && recipient.every((x, i) => x === aliceKem[i])) {
        held++;
        await gate;
      }
      return hpkeSealLocal(recipient, info, plaintext);
    },
    isPublicKey: (k) => isKemPublicKeyLocal(k),
  });
  try {
    room.people.set(b.id, b);
    const j = b.session.start(b.id, [a.member]);
    let sealed = false;
    void j.packages.then(() => (sealed = true));
    await j.applied;
    const fromA = await a.session.memberJoined(b.member);
    const forB = fromA.filter((o) => o.to === b.id);
    assert.equal(forB.length, 1, "alice's key package for bob");
    const acks = await b.session.receive(a.id, forB[0]!.payload);
    assert.deepEqual(acks.map((o) => o.to), [a.id], 'bob acknowledges it');
    assert.ok(await sees(a, b), "bob decrypts alice's media before his own package for her is sealed");
    assert.equal(held, 1, "bob's seal for alice is under way");
    assert.equal(sealed, false, "bob's packages are not done");
    release();
    const out = await j.packages;
    assert.deepEqual(out.map((o) => o.to), [a.id]);
    await room.relay(b.id, out);
    assert.ok(await sees(b, a), "then alice decrypts bob's");
  } finally {
    release();
    setKemBackend(null);
  }
});

test('joined again after a reconnect keeps the keys of unchanged members', async () => {
  const room = new Room();
  const [a, b] = await Promise.all([room.make('alice'), room.make('bob')]);
  await room.join(a);
  await room.join(b);
  const fromB = await b.session.encryptFrame('vp8', FRAME);
  const out = await a.session.joined(a.id, [b.member]);
  assert.equal(a.session.sendingKid(), keyId(2, 0), 'a new epoch, after every epoch used before');
  assert.deepEqual(await a.session.decryptFrame(b.id, 'vp8', fromB), FRAME);
  await room.relay(a.id, out);
  assert.ok(await sees(a, b));
});

test('a sender silent through 70 joins is still heard: media in the worker, data on the page', async () => {
  const room = new Room();
  const a = await room.make('alice');
  const b = await room.make('bob', { worker: true });
  await room.join(a);
  await room.join(b); // bob holds alice's key(1, 1)
  const guest = await room.make('guest');
  const ann = guest.member.announcement!;
  const swapped = { ...ann, signature: ann.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) };
  for (let i = 0; i < 70; i++) {
    const id = `PA_guest${i}`;
    await a.session.memberJoined({ ...guest.member, id });
    // Every tenth guest does not verify on bob's screen (the server showed
    // him other keys), but alice ratchets for it: the join counts for bob too.
    await b.session.memberJoined({ ...guest.member, id, announcement: i % 10 === 0 ? swapped : ann });
  }
  assert.equal(a.session.sendingKid(), keyId(1, 71), 'alice 70 steps past the key bob holds');
  assert.ok(71 > 1 + MAX_STEPS_AHEAD, 'out of reach without the joins');
  assert.equal(b.updates.filter((u) => u.type === 'join').length, 70);

  const worker = new FrameCrypto();
  const noJoins = new FrameCrypto(); // a worker that ignores joins, as before
  for (const u of b.updates) {
    worker.apply(structuredClone(u)); // what postMessage does
    if (u.type !== 'join') noJoins.apply(structuredClone(u));
  }
  const enc = await a.session.encryptFrame('vp8', FRAME);
  assert.deepEqual(await worker.decrypt(a.id, 'vp8', enc), FRAME);
  assert.deepEqual(await b.session.decryptFrame(a.id, 'vp8', enc), FRAME, 'the page decrypts too');
  await assert.rejects(noJoins.decrypt(a.id, 'vp8', enc), isCode('unknown_kid'));

  const sealed = await a.session.sealData('chat', utf8('still here'));
  assert.deepEqual(await b.session.openData(a.id, 'chat', sealed), utf8('still here'));
});

test('data keys keep the media window: 64 steps past the highest seen, moved by joins, not by failed messages', async () => {
  const room = new Room();
  const a = await room.make('alice');
  const b = await room.make('bob', { worker: true });
  await room.join(a);
  await room.join(b);
  const got = b.updates.find((u) => u.type === 'receive' && u.sender === a.id);
  assert.ok(got?.type === 'receive' && got.kid === keyId(1, 1), "bob holds alice's key(1, 1)");
  const chain = [got.key]; // chain[i] is key(1, 1 + i)
  for (let i = 1; i < 140; i++) chain.push(await ratchet(chain[i - 1]!));
  // What alice would send at step, signed by her: the signature checks, then the key.
  const sealAt = async (step: number, key = chain[step - 1]!) =>
    sealDataMessage(a.key, await dataKey(key, keyId(1, step)), 0, ROOM, a.id, 'chat', utf8(`step ${step}`));
  const opens = async (sealed: Uint8Array) => b.session.openData(a.id, 'chat', sealed);

  await assert.rejects(opens(await sealAt(2 + MAX_STEPS_AHEAD)), isCode('unknown_kid'), '65 ahead, no join');
  assert.deepEqual(await opens(await sealAt(1 + MAX_STEPS_AHEAD)), utf8('step 65'));
  await assert.rejects(opens(await sealAt(130)), isCode('unknown_kid'), '65 ahead of step 65');
  await assert.rejects(opens(await sealAt(129, new Uint8Array(32).fill(5))), isCode('auth'), 'signed, in reach, wrong key');
  await assert.rejects(opens(await sealAt(130)), isCode('unknown_kid'), 'a message that failed authentication moved the window');
  const guest = await room.make('guest');
  await b.session.memberJoined(guest.member);
  assert.deepEqual(await opens(await sealAt(130)), utf8('step 130'), 'the join moved it');
  const s = b.session.stats();
  assert.equal(s.dataOpened, 2);
  assert.equal(s.dataDropped.noKey, 3);
  assert.equal(s.dataDropped.auth, 1);
});
