// Scenario: the server goes away under a meeting and comes back.
//   1. A clean shutdown (SIGTERM: leave{server_shutdown}), then a start.
//   2. A crash (SIGKILL), then a start.
// Both times the pages reconnect by themselves (a fresh join: the new server
// process knows nothing of the old sessions), showing a countdown to the next
// attempt meanwhile and never the page after leaving, and alice keeps her
// choices (muted, camera on).
//   3. Alice leaves; the server stops; her Rejoin fails and the page tries
// again by itself, with a countdown, until the server is back.
import { scenario, flowing, until, log, step, LIMIT } from './lib.mjs';

scenario('restart', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(), bob.join()]);
  await alice.page.click('#mic-button');
  await flowing(bob, alice.id, { audio: false });
  log('joined; alice muted; bob decodes her video');

  const aliceOnBob = async () => {
    const t = (await bob.remoteTiles('camera')).filter((x) => x.participantId === alice.id);
    if (t.length !== 1) throw new Error(`bob shows camera tiles ${JSON.stringify(await bob.remoteTiles('camera'))}, want one of alice ${alice.id}`);
    return t[0];
  };

  // back checks that alice is in the meeting again as she was: a new
  // participant id, muted, camera on, seen so by bob, her video decoded.
  const back = async (before) => {
    await Promise.all([alice.inMeeting(LIMIT.media), bob.inMeeting(LIMIT.media)]);
    await until('alice and bob with new participant ids', LIMIT.page, async () => {
      await Promise.all([alice.inMeeting(), bob.inMeeting()]);
      if (alice.id === before.alice || bob.id === before.bob) throw new Error(`ids ${alice.id}, ${bob.id}; before ${JSON.stringify(before)}`);
      return true;
    });
    const own = await until('alice still muted with her camera on', LIMIT.page, async () => {
      const m = await alice.ownMedia();
      if (!m.micMuted || m.cameraOff) throw new Error(`alice's controls show ${JSON.stringify(m)}`);
      return m;
    });
    const tile = await until('bob sees alice muted with her camera on', LIMIT.media, async () => {
      const t = await aliceOnBob();
      if (!t.micMuted || t.cameraOff) throw new Error(`bob shows alice ${JSON.stringify(t)}`);
      return t;
    });
    await flowing(bob, alice.id, { audio: false });
    return { own, tile };
  };

  // countdown waits until alice's reconnect banner counts down to the SDK's
  // next attempt.
  const countdown = () => until("a countdown in alice's reconnect banner", LIMIT.page, async () => {
    const s = await alice.seen();
    return s.bannerSeconds.length > 0 && s;
  });

  const outage = async (how) => {
    const before = { alice: alice.id, bob: bob.id };
    await Promise.all([alice.watch(), bob.watch()]);
    await step(how);
    const during = await countdown();
    await step('server-start');
    const result = await back(before);
    const seen = await alice.seen();
    if (seen.states.some((s) => s !== 'meeting')) throw new Error(`alice's page went through ${JSON.stringify(seen.states)}: it left the meeting`);
    const bobSeen = await bob.seen();
    if (bobSeen.states.some((s) => s !== 'meeting')) throw new Error(`bob's page went through ${JSON.stringify(bobSeen.states)}: it left the meeting`);
    // Bob came back under a new id: that is no news for alice.
    const noise = seen.texts.filter((t) => /^bob (left|joined|lost)/.test(t));
    if (noise.length) throw new Error(`while reconnecting alice was told ${JSON.stringify(noise)}`);
    return { ...result, countdown: during.bannerSeconds, texts: seen.texts };
  };

  const shutdown = await outage('server-stop');
  if (!shutdown.texts.some((t) => t.includes('The server is restarting.'))) {
    throw new Error(`alice was not told the server is restarting: ${JSON.stringify(shutdown.texts)}`);
  }
  log('after a clean shutdown and a start, both pages are back by themselves', JSON.stringify(shutdown.countdown));

  const crash = await outage('server-crash');
  log('after a crash and a start, both pages are back by themselves', JSON.stringify(crash.countdown));

  // The server is down when alice rejoins: her page keeps trying.
  await alice.page.click('#leave-button');
  await alice.waitFor('the page after leaving', 'body[data-state="left"] #rejoin-button');
  await step('server-stop');
  const before = { alice: alice.id, bob: bob.id };
  await alice.watch();
  await alice.page.click('#rejoin-button');
  const retrying = await until("a countdown on alice's page after her rejoin failed", LIMIT.page, async () => {
    const s = await alice.seen();
    return s.rejoinSeconds.length > 0 && s;
  });
  await step('server-start');
  const rejoined = await back(before);
  log('a failed rejoin is retried by itself', JSON.stringify(retrying.rejoinSeconds));

  const texts = [...shutdown.texts, ...crash.texts, ...(await alice.seen()).texts];
  if (texts.some((t) => /Joining took too long/.test(t))) throw new Error(`alice was told "Joining took too long": ${JSON.stringify(texts)}`);
  return { shutdown, crash, rejoin: { countdown: retrying.rejoinSeconds, ...rejoined } };
});
