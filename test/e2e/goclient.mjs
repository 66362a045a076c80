// Scenario c: a Go client (publishing real VP8 and Opus from testdata) and
// one browser page in the same room. The page decodes the Go client's video
// and receives its audio; the Go test checks it receives the page's audio
// and video.
import { scenario, flowing, until, log, step, LIMIT } from './lib.mjs';

const goIdentity = process.env.CONCLAVE_GO_IDENTITY;

scenario('goclient', async (ctx) => {
  const browser = await ctx.browser();
  const page = await browser.page('browser');
  await page.join();
  const goId = await until('the Go client in the room', LIMIT.page, () => page.page.evaluate((identity) => {
    for (const p of window.conclaveRoom.participants.values()) if (p.identity === identity) return p.id;
    return null;
  }, goIdentity));
  const tile = await until('the Go client tile playing', LIMIT.media, async () => {
    const t = (await page.remoteTiles('camera')).filter((x) => x.participantId === goId);
    return t.length === 1 && t[0].video && t[0].video.width > 0 && t[0];
  });
  const media = await flowing(page, goId);
  log('the page decodes the Go client');
  // The Go side checks what it received from this page.
  const got = await step('go-received', { participantId: page.id });
  return { goId, tileWidth: tile.video.width, video: media.video[1], audio: media.audio[1], go: got };
});
