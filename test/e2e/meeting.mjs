// Scenario a: two pages join one room through the app (dev token flow) and
// exchange real audio and video; two more join, and all four see and decode
// the three others. A screenshot of the four-person meeting is saved.
import { scenario, flowing, until, log, LIMIT } from './lib.mjs';

scenario('meeting', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(), bob.join()]);
  log('alice and bob joined', alice.id, bob.id);
  if (!alice.id || alice.id === bob.id) throw new Error(`participant ids ${alice.id} and ${bob.id}`);

  const [ab, ba] = await Promise.all([flowing(alice, bob.id), flowing(bob, alice.id)]);
  log('alice and bob exchange audio and video');

  const carol = await browser.page('carol');
  const dave = await browser.page('dave');
  await Promise.all([carol.join(), dave.join()]);
  const all = [alice, bob, carol, dave];
  log('carol and dave joined');

  // Every page shows exactly the three others' camera tiles, each playing.
  const tiles = await Promise.all(all.map((p) => until(`three remote video tiles on ${p.label}`, LIMIT.media, async () => {
    const others = all.filter((q) => q !== p).map((q) => q.id).sort();
    const t = await p.remoteTiles('camera');
    const ids = t.map((x) => x.participantId).sort();
    if (JSON.stringify(ids) !== JSON.stringify(others)) throw new Error(`${p.label} shows camera tiles of ${ids}, want ${others}`);
    const blank = t.filter((x) => !x.video || !(x.video.width > 0));
    if (blank.length) throw new Error(`${p.label}: tiles without a decoded picture: ${JSON.stringify(blank)}`);
    return t;
  })));

  // ... and decodes each of them (getStats, not just the DOM).
  const decode = await Promise.all(all.flatMap((p) => all.filter((q) => q !== p)
    .map((q) => flowing(p, q.id, { audio: false }).then((r) => ({ viewer: p.label, from: q.label, frames: r.video[1].framesDecoded, width: r.video[1].frameWidth })))));
  log('all four decode the three others');

  const shot = await alice.screenshot('four-person-meeting.png');
  return {
    pair: {
      aliceFromBob: { video: ab.video[1], audio: ab.audio[1] },
      bobFromAlice: { video: ba.video[1], audio: ba.audio[1] },
    },
    tiles: tiles.map((t) => t.length),
    decode,
    screenshot: shot,
  };
});
