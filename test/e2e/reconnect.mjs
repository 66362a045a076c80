// Scenario d: the signaling WebSocket of one page drops; the page resumes
// its session (reconnect banner, then connected), media flows again both
// ways, and nobody sees a ghost.
import { scenario, flowing, until, log, step, LIMIT } from './lib.mjs';

scenario('reconnect', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(), bob.join()]);
  await Promise.all([flowing(alice, bob.id), flowing(bob, alice.id)]);
  const before = { alice: alice.id, bob: bob.id };
  log('joined, media flowing');

  // Record what alice's page shows while it reconnects: the banner may be
  // up for less time than a poll takes.
  await alice.page.evaluate(() => {
    const seen = { banner: false, states: [], events: [] };
    window.__e2eReconnect = seen;
    const visible = (el) => !!el && !el.hidden && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const look = () => {
      if (visible(document.querySelector('#reconnect-banner'))) seen.banner = true;
      const s = (document.querySelector('#connection-status') || { dataset: {} }).dataset.state;
      if (s && seen.states[seen.states.length - 1] !== s) seen.states.push(s);
    };
    new MutationObserver(look).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    for (const ev of ['reconnecting', 'reconnected', 'disconnected']) {
      window.conclaveRoom.on(ev, () => seen.events.push(ev));
    }
    look();
  });
  const dropAt = Date.now();
  await alice.page.evaluate(() => window.conclaveRoom.simulateSignalDrop());

  const seen = await until('alice reconnected after the banner', LIMIT.page, async () => {
    const s = await alice.page.evaluate(() => ({
      ...window.__e2eReconnect,
      now: (document.querySelector('#connection-status') || { dataset: {} }).dataset.state,
      bannerNow: (() => { const el = document.querySelector('#reconnect-banner'); return !!el && !el.hidden && el.getClientRects().length > 0; })(),
    }));
    if (!(s.banner && s.now === 'connected' && s.events.includes('reconnected'))) throw new Error(JSON.stringify(s));
    return s;
  });
  const reconnectMs = Date.now() - dropAt;
  if (seen.bannerNow) {
    await until('reconnect banner hidden', LIMIT.page, () => alice.page.evaluate(() => {
      const el = document.querySelector('#reconnect-banner');
      return !el || el.hidden || el.getClientRects().length === 0;
    }));
  }
  const afterId = await alice.page.evaluate(() => window.conclaveRoom.local.id);
  if (afterId !== before.alice) throw new Error(`alice resumed as ${afterId}, was ${before.alice}: a fresh join, not a resume`);
  log(`reconnected in ${reconnectMs} ms`, JSON.stringify(seen.states));

  // Media flows again both ways (counters keep growing after the drop).
  await Promise.all([flowing(alice, bob.id), flowing(bob, alice.id)]);
  log('media flows again');

  // The server lists exactly the two, and bob shows alice once.
  await step('server-participants', { ids: [alice.id, bob.id] });
  const tiles = await bob.remoteTiles();
  const ofAlice = tiles.filter((t) => t.identity === alice.identity || t.participantId === alice.id);
  const cam = tiles.filter((t) => t.source === 'camera');
  if (cam.length !== 1 || cam[0].participantId !== alice.id) throw new Error(`bob shows camera tiles ${JSON.stringify(cam)}, want exactly one for alice ${alice.id}`);
  if (ofAlice.length !== 1 || tiles.length !== 1) throw new Error(`bob shows ${tiles.length} remote tiles, ${ofAlice.length} for alice: ${JSON.stringify(tiles)}`);
  const list = await bob.page.$$eval('#participant-list li[data-participant-id]', (els) => els.map((e) => e.dataset.participantId));
  if (list.filter((id) => id === alice.id).length !== 1 || new Set(list).size !== list.length) {
    throw new Error(`bob's participant list ${JSON.stringify(list)}: want alice ${alice.id} exactly once`);
  }
  const roomParticipants = await bob.page.evaluate(() => [...window.conclaveRoom.participants.keys()]);
  if (roomParticipants.length !== 1 || roomParticipants[0] !== alice.id) {
    throw new Error(`bob's SDK lists remote participants ${JSON.stringify(roomParticipants)}, want only ${alice.id}`);
  }

  // A reconnect whose join the server gives up on (join_timeout: it waited
  // too long for the join message, as on a busy machine) is retried; alice is
  // never told "Joining took too long" in the middle of her meeting.
  let refused = 0;
  await alice.page.routeWebSocket(/\/v1\/signal$/, (ws) => {
    if (refused > 0) {
      ws.connectToServer();
      return;
    }
    refused++;
    ws.onMessage((raw) => {
      if (JSON.parse(String(raw)).type !== 'join') return;
      ws.send(JSON.stringify({ v: 1, type: 'error', data: { code: 'join_timeout', message: 'no join message within the time allowed' } }));
      ws.send(JSON.stringify({ v: 1, type: 'leave', data: { reason: 'join_timeout' } }));
      ws.close({ code: 1000 });
    });
  });
  await alice.watch();
  const events = await alice.page.evaluate(() => window.__e2eReconnect.events.length);
  await alice.page.evaluate(() => window.conclaveRoom.simulateSignalDrop());
  await until('alice reconnected after a join_timeout', LIMIT.page, async () => {
    const s = await alice.page.evaluate((n) => ({
      events: window.__e2eReconnect.events.slice(n),
      state: window.conclaveRoom.state,
      page: document.body.dataset.state,
    }), events);
    if (s.page !== 'meeting') throw new Error(`alice's page is ${s.page}: ${await alice.page.innerText('#app')}`);
    if (!(refused === 1 && s.state === 'connected' && s.events.includes('reconnected'))) throw new Error(`refused ${refused} joins; ${JSON.stringify(s)}`);
    return true;
  });
  const after = await alice.seen();
  if (after.states.some((x) => x !== 'meeting') || after.texts.some((t) => /took too long/.test(t))) {
    throw new Error(`after a join_timeout alice's page went through ${JSON.stringify(after.states)} and said ${JSON.stringify(after.texts)}`);
  }
  await flowing(bob, alice.id);
  log('a reconnect refused with join_timeout was retried');

  return { reconnectMs, states: seen.states, events: seen.events, tiles: tiles.length, joinTimeoutRetried: true };
});
