// Scenario: an administrator watches the server on #admin. A failed
// sign-in (made by the Go side before) is among the security events with
// its severity; the live room holds the Go client with its address;
// "Remove" (confirmed in place) takes it out, and "End meeting" ends the
// room, after which the list says no room is open.
import { scenario, log, step, until, LIMIT } from './lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';
import { account } from './access_lib.mjs';

scenario('admin_watch', async (ctx) => {
  const a = await (await ctx.browser({ permissions: [] })).page('admin');
  await signIn(a, account.email, account.password);
  await signedInAs(a, account.name);
  await a.page.click('#nav-admin');
  await a.waitFor('the security events', '#event-list .acct-item');
  const events = await a.page.$$eval('#event-list .item-name', (els) => els.map((e) => e.textContent));
  await a.waitFor('the live room', '#room-list .acct-item');
  const people = await a.page.$$eval('#room-list .acct-sublist .item-meta', (els) => els.map((e) => e.textContent));
  await a.page.$eval('#admin-rooms', (el) => el.scrollIntoView({ block: 'start' }));
  await a.screenshot('admin-watch.png');
  log('events and rooms shown');

  await a.page.getByRole('button', { name: /^Remove go-watched/ }).click();
  await a.page.getByRole('button', { name: 'Remove', exact: true }).click();
  await a.waitFor('the participant gone', () => document.querySelectorAll('#room-list .acct-sublist .acct-item').length === 1);
  const afterRemove = await step('participants');
  log('a participant removed');

  await a.page.getByRole('button', { name: /^End the meeting in / }).click();
  await a.page.getByRole('button', { name: 'End meeting', exact: true }).click();
  await until('no room open', LIMIT.page, () => a.page.evaluate(() => document.querySelector('#admin-rooms')?.textContent.includes('No rooms are open.')));
  const afterEnd = await step('participants');
  log('the meeting ended');
  return { events, people, afterRemove, afterEnd };
});
