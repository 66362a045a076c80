// Scenario: guests of a meeting's invite links, in the app.
//   - A link that expired, one the host revoked, and one whose signature
//     was tampered with are refused on the guest page, in words.
//   - A link for one email domain asks for an email, refuses another
//     domain's, and takes the right one; that guest joins and media flows
//     both ways (decoded video, received audio).
//   - A guest of a single-use link whom the host removes cannot return:
//     the same link opened again in its tab joins with the guest token it
//     had and is refused; in a new tab (a phone-sized one, which the page
//     fits) the link is used up.
//   - An invite's opening rush: the Go side redeems an invite until the
//     server answers 429 rate_limited and goes on taking what it earns
//     back; a guest presses Continue once, sees the countdown (a polite
//     live region, the button disabled), the Go side stops, and the page
//     tries again by itself and the guest gets in under the typed name.
import { scenario, flowing, log, step, LIMIT } from './lib.mjs';
import { noOverflow } from './accounts_lib.mjs';
import { admitted, enter, hostMeeting, makeInvite, menuAction, openPeople, row, waitNotice } from './access_lib.mjs';

// refusal opens link in p, gives a name and returns what the guest page says.
async function refusal(p, link, name) {
  await p.page.goto('about:blank');
  await p.page.goto(link, { waitUntil: 'load' });
  await p.waitFor('the guest page', '#guest-name');
  await p.page.fill('#guest-name', name);
  await p.page.click('#guest-continue');
  await p.waitFor('the refusal', '#guest-error:not([hidden])');
  return p.page.evaluate(() => {
    const e = document.querySelector('#guest-error');
    return { text: e.textContent, code: e.dataset.code, role: e.getAttribute('role') };
  });
}

scenario('access_guest', async (ctx) => {
  const host = await (await ctx.browser()).page('host');
  const room = await hostMeeting(host);
  const guests = await ctx.browser();
  const g = await guests.page('guest');

  // Links that do not let anyone in.
  const { link: expiredLink } = await step('expired-invite', { room });
  const expired = await refusal(g, expiredLink, 'Late Guest');
  const revokedInvite = await makeInvite(host, { uses: 1 });
  await host.page.click('#invite-list li button');
  await host.waitFor('the revoked link gone from the list', () => !document.querySelector('#invite-list li'));
  const revoked = await refusal(g, revokedInvite.link, 'Late Guest');
  const tampered = await refusal(g, revokedInvite.link.slice(0, -3) + (revokedInvite.link.endsWith('AAA') ? 'BBB' : 'AAA'), 'Late Guest');
  log('expired, revoked and tampered links refused');

  // An invite for one email domain.
  const domainInvite = await makeInvite(host, { uses: 2, domain: 'example.org' });
  const noEmail = await refusal(g, domainInvite.link, 'Robin Guest');
  const emailShown = await g.page.isVisible('#guest-email');
  await g.page.fill('#guest-email', 'robin@example.net');
  await g.page.click('#guest-continue');
  await g.waitFor('the other domain refused', () => document.querySelector('#guest-error').dataset.code === 'invite_email_domain' && document.querySelector('#guest-continue').textContent === 'Continue');
  const otherDomain = await g.page.textContent('#guest-error');
  await g.page.fill('#guest-email', 'robin@example.org');
  await g.page.click('#guest-continue');
  await enter(g);
  await admitted(g, 'Robin Guest', host);
  log('the guest of the domain invite is in');

  // Media both ways, honestly: decoded video and received audio.
  const toHost = await flowing(host, g.id);
  const toGuest = await flowing(g, host.id);
  log('media flows both ways');

  // The opening rush of an invite: a countdown, then in by itself.
  const { link: rushLink } = await step('drain-invite', { room });
  let rush = null;
  let rushPage = null;
  // The Go side takes most of the redemptions the invite earns back; should
  // the page's one take it first (it then needs no wait), a new tab tries.
  for (let i = 0; i < 10 && !rush; i++) {
    const p = await guests.page(`rush${i}`);
    let requests = 0;
    p.page.on('request', (req) => {
      if (req.url().endsWith('/v1/invites/redeem') && req.method() === 'POST') requests++;
    });
    await p.page.goto(rushLink, { waitUntil: 'load' });
    await p.waitFor('the guest page', '#guest-name');
    await p.page.fill('#guest-name', 'Rush Guest');
    await p.page.evaluate(() => {
      window.rushClicks = 0;
      document.querySelector('#guest-continue').addEventListener('click', () => window.rushClicks++);
    });
    await p.page.click('#guest-continue');
    await p.waitFor('the countdown, or the preview', () => document.body.dataset.state === 'preview' || /Trying again in/.test(document.querySelector('#guest-wait')?.textContent ?? ''));
    const seen = await p.page.evaluate(() => {
      const w = document.querySelector('#guest-wait');
      if (!w || !/Trying again in/.test(w.textContent)) return null;
      const e = document.querySelector('#guest-error');
      return { text: w.textContent, live: w.getAttribute('aria-live'), role: w.getAttribute('role'),
        disabled: document.querySelector('#guest-continue').disabled, error: e.hidden ? '' : e.textContent };
    });
    if (!seen) {
      log(`rush ${i}: the page's redemption came first, no wait`);
      await p.page.goto('about:blank');
      continue;
    }
    rush = seen;
    rushPage = p;
    rush.counts = () => requests;
  }
  if (!rush) throw new Error('the page was never made to wait by the drained invite');
  const drained = await step('stop-drain', {});
  await enter(rushPage);
  await admitted(rushPage, 'Rush Guest', host);
  rush.requests = rush.counts();
  delete rush.counts;
  rush.clicks = await rushPage.page.evaluate(() => window.rushClicks);
  rush.name = await rushPage.page.evaluate(() => window.conclaveRoom?.local?.name ?? '');
  rush.drained = drained;
  log('the rush guest waited and got in by itself');

  // A single-use link's guest, removed, cannot return.
  const single = await makeInvite(host, { uses: 1 });
  const pat = await guests.page('pat');
  await pat.page.goto(single.link, { waitUntil: 'load' });
  await pat.waitFor('the guest page', '#guest-name');
  await pat.page.fill('#guest-name', 'Pat Guest');
  await pat.page.click('#guest-continue');
  await enter(pat);
  await admitted(pat, 'Pat Guest', host);
  await openPeople(host);
  await host.waitFor('Pat in the host’s list', (sel) => !!document.querySelector(sel), LIMIT.page, row(pat.id));
  await menuAction(host, pat.id, 'remove');
  await host.page.click(`${row(pat.id)} [data-action="confirm-remove"]`);
  await pat.waitFor('Pat’s page after the meeting', 'body[data-state="left"]');
  const removed = await pat.page.textContent('#left-reason');
  const removedNotice = await waitNotice(g, 'was removed');
  // The link again, in the same tab: the guest token it had, refused.
  await pat.page.goto('about:blank');
  await pat.page.goto(single.link, { waitUntil: 'load' });
  await pat.waitFor('the guest page offering to join again', '#guest-join');
  const kept = await pat.page.textContent('#guest-kept');
  await pat.page.click('#guest-join');
  await enter(pat);
  await pat.waitFor('the return refused', '#enter-error:not([hidden])');
  const reopened = await pat.page.textContent('#enter-error');
  // The link in a new tab: a new redemption, and the link is used up.
  const fresh = await guests.page('pat-again');
  await fresh.page.setViewportSize({ width: 360, height: 740 });
  const usedUp = await refusal(fresh, single.link, 'Pat Guest');
  await noOverflow(fresh, 'the guest page on a phone');
  const inRoom = await step('server-roles', { room });
  log('the removed guest cannot return');

  return {
    room, expired, revoked, tampered, noEmail, emailShown, otherDomain,
    toHost: toHost.video[1].framesDecoded, toGuest: toGuest.video[1].framesDecoded,
    removed, removedNotice, kept, reopened, usedUp, inRoom, patIdentity: pat.identity, guestIdentity: g.identity,
    rush, rushIdentity: rushPage.identity,
  };
});
