// Scenarios of e2ee_interop_test.go: pages of the meeting app in a room that
// requires end-to-end encryption, with a Go client (driven by the Go test
// through steps) in the same room. CONCLAVE_E2EE_CASE picks one:
//
//   interop   a Go client publishing the VP8 and Opus clips of testdata and
//             two pages decode each other's media and read each other's chat
//   safety    three people in three browsers and the Go client show the same
//             safety code, which changes with the membership
//   wrongkey  a Worker holding a wrong key for one participant drops that
//             participant's frames: none of them is decoded
import { randomBytes } from 'node:crypto';
import { scenario, flowing, steady, until, log, step, LIMIT } from './lib.mjs';

const which = process.env.CONCLAVE_E2EE_CASE;
const goIdentity = process.env.CONCLAVE_GO_IDENTITY;

const cases = { interop, safety, wrongkey };
if (!cases[which]) {
  console.error(`CONCLAVE_E2EE_CASE is ${JSON.stringify(which)}, not one of ${Object.keys(cases).join(', ')}`);
  process.exit(2);
}
scenario('e2ee_interop', cases[which]);

// ---- helpers ---------------------------------------------------------------------

// mustBeE2EE fails unless the page's room encrypts end to end.
async function mustBeE2EE(p) {
  const e2ee = await p.page.evaluate(() => window.conclaveRoom.e2ee);
  if (e2ee !== true) throw new Error(`${p.label}: room.e2ee is ${e2ee}`);
}

// goParticipant waits until the page lists the Go client and returns its id.
function goParticipant(p) {
  return until(`the Go client on ${p.label}`, LIMIT.page, () => p.page.evaluate((identity) => {
    for (const q of window.conclaveRoom.participants.values()) if (q.identity === identity) return q.id;
    return null;
  }, goIdentity));
}

// keyed waits until the page has verified participant id's announcement
// and received its sender key.
function keyed(p, id) {
  return until(`${p.label} holding the key of ${id}`, LIMIT.page, async () => {
    const st = await p.page.evaluate((x) => window.conclaveRoom.e2eeStatus(x), id);
    if (!st || !st.valid || !st.hasKey) throw new Error(`status ${JSON.stringify(st)}`);
    return st;
  });
}

// chatShown waits until the app's chat list shows text from participant from.
function chatShown(p, from, text) {
  return until(`chat from ${from} on ${p.label}`, LIMIT.page, async () => {
    const msgs = await p.page.$$eval('.chat-message', (els) => els.map((el) => ({
      from: el.dataset.from, text: (el.querySelector('.chat-text') || {}).textContent || '',
    })));
    const m = msgs.find((x) => x.from === from && x.text === text);
    if (m) return m;
    const s = await stats(p);
    const self = await p.page.evaluate(() => window.conclaveRoom.local.id);
    if (self !== p.id) throw new Error(`${p.label} is now ${self}, no longer ${p.id}: it joined again`);
    throw new Error(`the chat list shows ${JSON.stringify(msgs)}; data opened ${s.dataOpened}, dropped ${JSON.stringify(s.dataDropped)}`);
  });
}

const stats = (p) => p.page.evaluate(() => window.conclaveRoom.e2eeStats());

// audio returns the inbound audio counters of participant from on the page,
// concealment included (samples the page made up for lack of frames).
function audio(p, from) {
  return p.page.evaluate(async (id) => {
    const room = window.conclaveRoom;
    const mine = new Set(room.remoteTracks().filter((t) => t.participantId === id && t.info.kind === 'audio').map((t) => t.track.id));
    const { subscriber } = await room.getStats();
    const out = { packetsReceived: 0, totalSamplesReceived: 0, concealedSamples: 0, silentConcealedSamples: 0 };
    subscriber.forEach((s) => {
      if (s.type !== 'inbound-rtp' || !mine.has(s.trackIdentifier)) return;
      for (const k of Object.keys(out)) out[k] += s[k] || 0;
    });
    return out;
  }, from);
}

// ---- interop ---------------------------------------------------------------------

async function interop(ctx) {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await alice.join();
  await bob.join();
  for (const p of [alice, bob]) await mustBeE2EE(p);
  const goId = await goParticipant(alice);
  if ((await goParticipant(bob)) !== goId) throw new Error('alice and bob see different Go clients');

  // Each page decodes the Go client's clip and the other page through its
  // E2EE Worker: a frame that did not decrypt never reaches the decoder.
  const media = {};
  for (const [name, viewer, from] of [['aliceFromGo', alice, goId], ['bobFromGo', bob, goId], ['aliceFromBob', alice, bob.id], ['bobFromAlice', bob, alice.id]]) {
    const m = await flowing(viewer, from);
    media[name] = { video: m.video[1], audio: m.audio[1] };
  }
  log('alice and bob decode the Go client and each other');
  const status = {
    aliceOfGo: await keyed(alice, goId),
    bobOfGo: await keyed(bob, goId),
  };

  // The Go client decrypts both pages' VP8 and Opus.
  const go = {
    alice: await step('go-media', { participantId: alice.id }),
    bob: await step('go-media', { participantId: bob.id }),
  };
  log(`the Go client decrypted ${JSON.stringify(go)}`);

  // Chat, both ways: what the Go client says shows on both pages, what each
  // page says reaches the Go client opened (and the other page).
  const tag = randomBytes(4).toString('hex');
  const goText = `hello from the Go client ${tag}`;
  await step('go-chat-send', { text: goText });
  await Promise.all([alice, bob].map((p) => chatShown(p, goId, goText)));
  const chat = { go: goText };
  for (const [p, other] of [[alice, bob], [bob, alice]]) {
    const text = `hello from ${p.label} ${tag}`;
    await p.page.evaluate((t) => window.conclaveRoom.sendChat(t), text);
    chat[p.label] = await step('go-chat', { participantId: p.id, text });
    await chatShown(other, p.id, text);
  }
  log('chat crossed between the Go client and both pages');

  return {
    goId, media, status, go, chat,
    stats: { alice: await stats(alice), bob: await stats(bob) },
  };
}

// ---- safety codes ----------------------------------------------------------------

// codes waits until every page and the Go client see exactly the others
// listed (pages) plus the Go client, and show one safety code; it returns
// what each showed.
async function codes(pages, what) {
  const want = pages.length; // everyone else: the other pages and the Go client
  return until(what, LIMIT.page, async () => {
    const seen = {};
    for (const p of pages) {
      seen[p.label] = await p.page.evaluate(async () => ({
        code: await window.conclaveRoom.safetyCode(),
        others: window.conclaveRoom.participants.size,
      }));
    }
    const g = await step('go-safety');
    seen.go = { code: g.code, others: (g.members || []).length, verified: (g.members || []).filter((m) => m.verified).length };
    const all = Object.values(seen);
    const problems = [];
    if (all.some((s) => s.others !== want)) problems.push(`not everyone sees ${want} others`);
    if (seen.go.verified !== want) problems.push(`the Go client verified ${seen.go.verified} of ${want}`);
    if (all.some((s) => !/^\d{5} \d{5} \d{5} \d{5}$/.test(s.code))) problems.push('a code is not four groups of five digits');
    if (new Set(all.map((s) => s.code)).size !== 1) problems.push('the codes differ');
    if (problems.length) throw new Error(`${problems.join('; ')}: ${JSON.stringify(seen)}`);
    return { code: seen.go.code, seen };
  });
}

async function safety(ctx) {
  // Three people: three browsers, each with its own profile and so its own
  // identity key.
  const people = [];
  for (const name of ['alice', 'bob', 'carol']) people.push(await (await ctx.browser()).page(name));
  const [a, b, c] = people;
  await a.join();
  await b.join();
  const three = await codes([a, b], 'one safety code for alice, bob and the Go client');
  log(`alice, bob and the Go client: ${three.code}`);
  await c.join();
  for (const p of people) await mustBeE2EE(p);
  const four = await codes(people, 'one safety code for alice, bob, carol and the Go client');
  log(`with carol: ${four.code}`);
  if (four.code === three.code) throw new Error(`carol joined and the safety code stayed ${four.code}`);

  await c.page.click('#leave-button');
  await c.waitFor('the page after leaving', 'body[data-state="left"]');
  const after = await codes([a, b], 'one safety code once carol left');
  log(`carol left: ${after.code}`);
  return { three: three.code, four: four.code, afterLeave: after.code, seen: { three: three.seen, four: four.seen, afterLeave: after.seen } };
}

// ---- wrong key -------------------------------------------------------------------

// Counters of one participant's video on a page, and of the page's E2EE
// Worker (all senders): frames decrypted and dropped for failing
// authentication.
async function sample(p, from, control) {
  const v = await p.media(from, 'camera');
  const c = await p.media(control, 'camera');
  const s = await stats(p);
  return {
    tracks: v.tracks, framesDecoded: v.framesDecoded, packetsReceived: v.packetsReceived,
    controlFrames: c.framesDecoded, auth: s.framesDropped.auth, noKey: s.framesDropped.noKey, decrypted: s.framesDecrypted,
  };
}

// wrongWindow waits, from before, until the participant's video packets
// keep arriving on the page (30 more), its Worker drops more frames for
// failing authentication (30 more: a second of video or less) and the
// control participant's video decodes on (10 more frames): a window in
// which the page decodes what it can. It returns the last sample.
function wrongWindow(p, from, control, before) {
  return until(`${p.label}: ${from}'s packets arriving and dropped while ${control} decodes`, LIMIT.media, async () => {
    const now = await sample(p, from, control);
    if (now.packetsReceived < before.packetsReceived + 30 || now.auth < before.auth + 30 || now.controlFrames < before.controlFrames + 10) {
      throw new Error(`${JSON.stringify(before)} -> ${JSON.stringify(now)}`);
    }
    return now;
  });
}

async function wrongkey(ctx) {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  const carol = await browser.page('carol');
  await alice.join();
  await bob.join();
  await flowing(bob, alice.id, { audio: false });
  log('bob decodes alice');

  // Carol's page hands its E2EE Worker a random key in place of every key of
  // alice's that her Session opens (the page still holds the real one): her
  // Worker never has alice's key, only a wrong one under the right key id.
  await carol.page.addInitScript((aliceId) => {
    window.__wrongKids = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (m, ...rest) {
      if (m && m.type === 'keys' && m.update && m.update.type === 'receive' && m.update.sender === aliceId) {
        window.__wrongKids.push(m.update.kid);
        m = { type: 'keys', update: { ...m.update, key: crypto.getRandomValues(new Uint8Array(32)) } };
      }
      return post.call(this, m, ...rest);
    };
  }, alice.id);
  await carol.join();
  await mustBeE2EE(carol);
  // Carol's Session has alice's real key (and her Worker a wrong one).
  await keyed(carol, alice.id);
  const wrongKids = await carol.page.evaluate(() => window.__wrongKids);
  if (!wrongKids.length) throw new Error('carol\'s Worker was never given a key of alice\'s');
  // The same Worker decrypts bob.
  await flowing(carol, bob.id, { audio: false });
  const freshBefore = await until('alice\'s video track on carol', LIMIT.media, async () => {
    const s = await sample(carol, alice.id, bob.id);
    return s.tracks === 1 && s.packetsReceived > 0 && s;
  });
  const freshAfter = await wrongWindow(carol, alice.id, bob.id, freshBefore);
  const freshAudio = { alice: await audio(carol, alice.id), bob: await audio(carol, bob.id) };
  if (freshAfter.framesDecoded !== 0) throw new Error(`carol decoded ${freshAfter.framesDecoded} of alice's frames with a wrong key`);
  log(`carol: alice's video ${JSON.stringify(freshBefore)} -> ${JSON.stringify(freshAfter)}`);

  // Bob, who decodes alice, has his Worker's keys of alice's replaced by a
  // wrong one under the key id alice sends with now.
  await flowing(bob, alice.id, { audio: false });
  const kid = await alice.page.evaluate(() => window.conclaveRoom.e2eeSendingKeyId());
  if (!kid) throw new Error('alice sends with no key id');
  await bob.page.evaluate(({ sender, kid }) => {
    const worker = window.conclaveRoom.e2eeCtl.worker;
    worker.postMessage({ type: 'keys', update: { type: 'remove', sender } });
    worker.postMessage({ type: 'keys', update: { type: 'receive', sender, kid, key: crypto.getRandomValues(new Uint8Array(32)) } });
  }, { sender: alice.id, kid });
  // Frames already past the Worker drain; then none more is decoded.
  await steady('alice\'s video on bob no longer decoded', LIMIT.media, 700, async () => (await bob.media(alice.id, 'camera')).framesDecoded);
  const midBefore = await sample(bob, alice.id, carol.id);
  const midAfter = await wrongWindow(bob, alice.id, carol.id, midBefore);
  if (midAfter.framesDecoded !== midBefore.framesDecoded) {
    throw new Error(`bob decoded alice's frames with a wrong key: ${midBefore.framesDecoded} -> ${midAfter.framesDecoded}`);
  }
  log(`bob: alice's video ${JSON.stringify(midBefore)} -> ${JSON.stringify(midAfter)}`);

  return { wrongKids, kid, fresh: { before: freshBefore, after: freshAfter, audio: freshAudio }, midCall: { before: midBefore, after: midAfter } };
}
