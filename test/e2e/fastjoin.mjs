// Scenario: two people click "Join now" the moment the preview appears,
// before their camera and microphone have started. With camera and mic on
// (the defaults), each must still be seen and heard by the other.
import { scenario, flowing, log } from './lib.mjs';

scenario('fastjoin', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(undefined, undefined, { fast: true }), bob.join(undefined, undefined, { fast: true })]);
  log('both joined without waiting for the preview');
  const published = async (p) => p.page.evaluate(() => window.conclaveRoom.localTracks().map((t) => t.source).sort());
  const [ab, ba] = await Promise.all([flowing(alice, bob.id), flowing(bob, alice.id)]).catch(async (e) => {
    throw new Error(`${e.message}; alice publishes ${JSON.stringify(await published(alice))}, bob publishes ${JSON.stringify(await published(bob))}`);
  });
  return { aliceFromBob: ab.video[1], bobFromAlice: ba.video[1] };
});
