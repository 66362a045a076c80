// Scenario: an administrator watches an attack on #admin. The server
// trusts loopback as a proxy, so the Go side's sign-ins carrying
// X-Forwarded-For come from 203.0.113.7; the page never sends one. With
// the page open and nothing blocked, the Go side fails to sign in until
// the address is blocked; the block appears in "Blocked addresses and
// accounts" without a reload (the page reads again by itself), with the
// address, its level, the failure that tipped it and a time left that
// counts down; failures on one account from several addresses show it
// throttled; the events list shows the failures, the block and the
// throttle with their severities, as sentences about the address and the
// account. A Go client publishing real VP8 and Opus is listed
// under "Live rooms" with its address and a bitrate above zero, and two
// Go clients receiving it with their loss and RTT, the one reporting a
// quarter lost marked "High loss". The blocks, the events and the rooms
// come in that order. "Unblock"
// lifts the block (the Go side then signs in from the address), then the
// account's, and
// "Remove" takes the publisher out. A member who opens #admin sees
// neither the blocks nor the rooms.
import { scenario, log, step, until, LIMIT } from './lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';
import { account } from './access_lib.mjs';

const ATTACKER = '203.0.113.7';
const member = {
  email: process.env.CONCLAVE_MEMBER_EMAIL,
  password: process.env.CONCLAVE_MEMBER_PASSWORD,
  name: process.env.CONCLAVE_MEMBER_NAME,
};

const texts = (p, sel) => p.page.$$eval(sel, (els) => els.map((e) => e.textContent));

scenario('admin_blocks', async (ctx) => {
  const a = await (await ctx.browser({ permissions: [] })).page('admin');
  await signIn(a, account.email, account.password);
  await signedInAs(a, account.name);
  await a.page.click('#nav-admin');
  await a.waitFor('"Nothing is blocked."', '#blocks-none');
  await a.waitFor('the security events', '#event-list .acct-item');
  const url = a.page.url();

  const attack = await step('attack');
  log('the address is blocked on the server', attack);

  // No reload, no click: the section reads again by itself.
  await a.waitFor('the block listed', (ip) => [...document.querySelectorAll('#block-list .acct-item .item-name')].some((e) => e.textContent.includes(ip)), LIMIT.page, ATTACKER);
  const blockId = await a.page.$eval(`#block-list .acct-item:has(.item-name:has-text("${ATTACKER}"))`, (e) => e.dataset.block);
  const blockRow = `#block-list .acct-item[data-block="${blockId}"]`;
  const block = {
    name: await a.page.$eval(`${blockRow} .item-name`, (e) => e.textContent),
    meta: await a.page.$eval(`${blockRow} .item-meta`, (e) => e.textContent),
    left: await a.page.$eval(`${blockRow} .block-left`, (e) => e.textContent),
  };
  // The time left counts down between reads.
  await a.waitFor('the time left counting down', ([sel, first]) => {
    const el = document.querySelector(sel);
    return el && el.textContent !== first;
  }, LIMIT.page, [`${blockRow} .block-left`, block.left]);
  block.leftLater = await a.page.$eval(`${blockRow} .block-left`, (e) => e.textContent);
  block.reloaded = a.page.url() !== url;
  await a.page.$eval('#admin-blocks', (el) => el.scrollIntoView({ block: 'start' }));
  await a.screenshot('admin-blocks.png');
  log('the block shown', block);

  // Failures on one account from several addresses throttle it.
  await step('distributed');
  await a.waitFor('the account throttled listed', () => [...document.querySelectorAll('#block-list .acct-item .item-name')].some((e) => e.textContent.startsWith('Account ')));
  const throttled = {
    name: await a.page.$eval('#block-list .acct-item:has(.item-name:has-text("Account ")) .item-name', (e) => e.textContent),
    meta: await a.page.$eval('#block-list .acct-item:has(.item-name:has-text("Account ")) .item-meta', (e) => e.textContent),
  };
  log("the account throttled shown", throttled);

  // The events list reads again by itself too.
  await a.waitFor('the block and the throttle among the events', (ip) => {
    const evs = [...document.querySelectorAll('#event-list .item-name')].map((e) => e.textContent);
    return evs.some((t) => t.startsWith(`HIGH · Address ${ip} blocked`)) && evs.some((t) => t.startsWith('HIGH · Account '));
  }, LIMIT.page, ATTACKER);
  const events = await texts(a, '#event-list .item-name');
  const order = await a.page.$$eval('.page-admin section.acct-section', (els) => els.map((e) => e.id));
  await a.page.$eval('#admin-events', (el) => el.scrollIntoView({ block: 'start' }));
  await a.screenshot('admin-events.png');

  // The publisher, with its address and what it sends.
  await a.waitFor('the publisher with a bitrate', () => [...document.querySelectorAll('#room-list .acct-sublist .acct-item')].some((li) => /go-publisher/.test(li.textContent) && /sending [1-9][0-9.]* (kbit|Mbit)\/s/.test(li.textContent)), LIMIT.media);
  // The receivers' loss and RTT, once their reports came.
  await a.waitFor('the receivers\' loss and RTT', () => {
    const li = (id) => [...document.querySelectorAll('#room-list .acct-sublist .acct-item')].find((e) => e.querySelector('.item-name').textContent.includes(`(${id})`));
    const rtt = (id) => / · RTT [0-9]+ ms/.test(li(id)?.textContent ?? '');
    return li('go-lossy')?.querySelector('.loss-mark') && rtt('go-lossy') && rtt('go-watcher');
  }, LIMIT.media);
  const people = Object.fromEntries(await a.page.$$eval('#room-list .acct-sublist .acct-item', (els) => els.map((li) => {
    const name = li.querySelector('.item-name').textContent;
    return [/\(([^)]+)\)/.exec(name)?.[1] ?? name, { name, meta: li.querySelector('.item-meta').textContent, marked: li.classList.contains('loss-high') && !!li.querySelector('.loss-mark') }];
  })));
  await a.page.$eval('#admin-rooms', (el) => el.scrollIntoView({ block: 'start' }));
  await a.screenshot('admin-rooms-bitrate.png');
  log('the participants shown', people);

  // Unblock, confirmed in place.
  await a.page.getByRole('button', { name: `Unblock Address ${ATTACKER}` }).click();
  await a.page.getByRole('button', { name: 'Unblock', exact: true }).click();
  await a.waitFor('the address\'s block gone', (ip) => ![...document.querySelectorAll('#block-list .item-name')].some((e) => e.textContent.includes(ip)), LIMIT.page, ATTACKER);
  const afterUnblock = await step('signin-again');
  log('unblocked; a sign-in from the address', afterUnblock);
  await a.page.getByRole('button', { name: /^Unblock Account / }).click();
  await a.page.getByRole('button', { name: 'Unblock', exact: true }).click();
  await a.waitFor('"Nothing is blocked." again', '#blocks-none');
  const targetAfterUnblock = await step('target-signin');
  log('the account unblocked; its owner signs in', targetAfterUnblock);
  await a.waitFor('both unblocks among the events', (ip) => {
    const evs = [...document.querySelectorAll('#event-list .item-name')].map((e) => e.textContent);
    return evs.some((t) => t.startsWith(`NOTICE · Address ${ip} unblocked`)) && evs.some((t) => /^NOTICE · Account .* unblocked/.test(t));
  }, LIMIT.page, ATTACKER);
  const unblockEvents = await texts(a, '#event-list .item-name');

  // Remove the publisher, confirmed in place.
  await a.page.getByRole('button', { name: /^Remove Go publisher \(go-publisher\) from / }).click();
  await a.page.getByRole('button', { name: 'Remove', exact: true }).click();
  await until('the publisher gone from the page', LIMIT.page, () => a.page.evaluate(() => !document.querySelector('#admin-rooms')?.textContent.includes('go-publisher')));
  const afterRemove = await step('participants');
  log('the publisher removed');

  // A member sees none of it.
  const m = await (await ctx.browser({ permissions: [] })).page('member');
  await signIn(m, member.email, member.password);
  await signedInAs(m, member.name);
  const memberNav = await m.page.evaluate(() => {
    const el = document.querySelector('#nav-admin');
    return !!el && !el.hidden && el.getClientRects().length > 0;
  });
  await m.page.evaluate(() => { location.hash = '#admin'; });
  await m.waitFor('the refusal', () => document.querySelector('.page-admin .form-error')?.textContent.includes('Only administrators'));
  const memberSees = await m.page.evaluate(() => ({
    blocks: !!document.querySelector('#admin-blocks, #block-list, #blocks-none'),
    rooms: !!document.querySelector('#admin-rooms, #room-list'),
    events: !!document.querySelector('#admin-events, #event-list'),
    text: document.querySelector('.page-admin')?.textContent ?? '',
  }));
  log('the member refused');

  return { attack, block, account: throttled, targetAfterUnblock, events, unblockEvents, order, people, afterUnblock, afterRemove, memberNav, memberSees };
});
