// Scenario: a signed-in member hosts a meeting from the join page: "New
// meeting", the preview, the meeting; Rejoin after leaving asks the server
// for a fresh host token; the account's meeting is then listed on the join
// page, and "Join as host" joins it again.
import { scenario, log } from './lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';

const email = process.env.CONCLAVE_ACCOUNT_EMAIL;
const password = process.env.CONCLAVE_ACCOUNT_PASSWORD;
const name = process.env.CONCLAVE_ACCOUNT_NAME;

async function enter(p) {
  await p.waitFor('the preview page', 'body[data-state="preview"]');
  await p.waitFor('"Join now" enabled', '#enter-button:not([disabled])');
  await p.page.click('#enter-button');
  return p.inMeeting();
}

async function leave(p) {
  await p.page.click('#leave-button');
  await p.waitFor('the page after the meeting', 'body[data-state="left"]');
}

scenario('accounts_host', async (ctx) => {
  const p = await (await ctx.browser()).page('host');
  const { page } = p;
  await signIn(p, email, password);
  await signedInAs(p, name);
  await p.waitFor('New meeting', 'body[data-state="join"] #new-meeting');
  const created = page.waitForResponse((r) => r.url().endsWith('/v1/meetings') && r.request().method() === 'POST');
  await page.click('#new-meeting');
  const createdStatus = (await created).status();
  const first = await enter(p);
  const room = await page.evaluate(() => window.conclaveRoom.name);
  log(`hosting ${room} as ${first.identity}`);
  await page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/accounts-host-meeting.png` });
  await leave(p);

  // Rejoin: a fresh host token for the account's own room.
  const fresh = page.waitForResponse((r) => r.url().endsWith(`/v1/meetings/${encodeURIComponent(room)}/join`));
  await page.click('#rejoin-button');
  const freshStatus = (await fresh).status();
  const second = await p.inMeeting();
  await leave(p);

  // The join page lists the meeting; "Join as host" joins it.
  await page.click('#home-button');
  await p.waitFor('the meeting listed', (r) => [...document.querySelectorAll('#meeting-list .item-name')].some((e) => e.textContent === r), undefined, room);
  await page.locator('#meeting-list li', { hasText: room }).getByRole('button', { name: `Join ${room} as host` }).click();
  const third = await enter(p);
  const thirdRoom = await page.evaluate(() => window.conclaveRoom.name);
  await leave(p);
  return { room, createdStatus, freshStatus, identities: [first.identity, second.identity, third.identity], thirdRoom };
});
