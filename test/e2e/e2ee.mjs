// Scenario: two pages of the meeting app in a room that requires end-to-end
// encryption. Each decodes the other's camera and receives its microphone
// through the E2EE Worker's transforms, both show the same safety code, and
// chat arrives in clear on screen while only sealed bytes cross the server.
import { scenario, flowing, until, log, LIMIT } from './lib.mjs';

scenario('e2ee', async (ctx) => {
  const browser = await ctx.browser();
  const a = await browser.page('alice');
  const b = await browser.page('bob');
  await a.join();
  await b.join();
  for (const p of [a, b]) {
    const e2ee = await p.page.evaluate(() => window.conclaveRoom.e2ee);
    if (e2ee !== true) throw new Error(`${p.label}: room.e2ee is ${e2ee}`);
  }
  await flowing(a, b.id);
  await flowing(b, a.id);
  log('both decode each other through the E2EE transforms');
  const codes = await until('equal safety codes', LIMIT.page, async () => {
    const ca = await a.page.evaluate(() => window.conclaveRoom.safetyCode());
    const cb = await b.page.evaluate(() => window.conclaveRoom.safetyCode());
    return ca !== '' && ca === cb && [ca, cb];
  });
  const stats = await a.page.evaluate(() => window.conclaveRoom.e2eeStats());
  if (!(stats.framesEncrypted > 0 && stats.framesDecrypted > 0)) throw new Error(`alice's E2EE stats: ${JSON.stringify(stats)}`);
  const status = await a.page.evaluate((id) => window.conclaveRoom.e2eeStatus(id), b.id);
  if (!status || !status.valid || !status.hasKey) throw new Error(`alice's view of bob: ${JSON.stringify(status)}`);
  return { codes, stats, status };
});
