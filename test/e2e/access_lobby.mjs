// Scenario: the guest path, in the app. A signed-in member starts
// a meeting with a password; its guests come with an invite link.
//   - Ana opens the link: the server asks for the password (a wrong one
//     is refused in words), she waits in the lobby ("Waiting to be let
//     in"), the host sees her in the waiting list ("Came with an invite
//     link") and admits her; media flows both ways, honestly measured.
//   - Ben waits and the host denies him: his page says so.
//   - With the host gone, Ben (asking again) and Cleo wait "for the host",
//     in line; the host comes back, sees both and admits all.
//   - The host removes Ana: a reload offers to join again as the same
//     guest, asks the password, and the server refuses her.
//   - Mia, a signed-in member of the organisation, opens the link: she is
//     not asked her name ("Joining as Mia Member (member)"), gives the
//     password, and is in the meeting without waiting (members_skip_lobby).
//   - The host removes the meeting's password.
import { scenario, flowing, log, step, LIMIT } from './lib.mjs';
import { account, enter, hostMeeting, lobbyGuest, menuAction, makeInvite, openPeople, row, waitNotice } from './access_lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';

const PASSWORD = 'blue heron 1987';

// lobbyView reads what a guest's lobby page shows.
const lobbyView = (p) => p.page.evaluate(() => {
  const card = document.querySelector('.lobby-card');
  return card && {
    status: card.dataset.status, position: Number(card.dataset.position || 0), reason: card.dataset.reason || '',
    title: document.querySelector('#lobby-title').textContent, detail: (document.querySelector('#lobby-detail') || document.querySelector('#lobby-reason')).textContent,
  };
});

// toLobby opens the link as name, gives the password when asked, and
// clicks "Join now"; it returns what the guest page said on the way.
async function toLobby(p, link, name) {
  await p.page.goto('about:blank');
  await p.page.goto(link, { waitUntil: 'load' });
  await p.waitFor('the guest page', '#guest-name');
  await p.page.fill('#guest-name', name);
  await p.page.click('#guest-continue');
  await p.waitFor('the password asked', '#guest-password:visible');
  const asked = await p.page.textContent('#guest-error');
  await p.page.fill('#guest-password', 'not the password');
  await p.page.click('#guest-continue');
  await p.waitFor('the wrong password refused', () => document.querySelector('#guest-error').dataset.code === 'password_wrong' && !document.querySelector('#guest-continue').disabled);
  const wrong = await p.page.textContent('#guest-error');
  await p.page.fill('#guest-password', PASSWORD);
  await p.page.click('#guest-continue');
  await enter(p);
  await p.waitFor('the lobby', 'body[data-state="lobby"]');
  return { asked, wrong };
}

scenario('access_lobby', async (ctx) => {
  const host = await (await ctx.browser()).page('host');
  // "New meeting" with a password.
  await signIn(host, account.email, account.password);
  await signedInAs(host, account.name);
  await host.waitFor('New meeting', '#new-meeting');
  await host.page.fill('#new-meeting-password', PASSWORD);
  const room = await hostMeeting(host, { signedIn: true });
  await openPeople(host);
  await host.page.click('#password-button');
  await host.waitFor('the password state', '#password-state[data-password]');
  const passwordState = await host.page.textContent('#password-state');
  const roomBefore = await step('server-room', { room });
  await host.page.click('#password-button');
  const { link } = await makeInvite(host, { uses: 5 });

  // Ana: password, lobby, admitted; media both ways.
  const guests = await ctx.browser();
  const ana = await guests.page('ana');
  const anaAsked = await toLobby(ana, link, 'Ana Guest');
  const anaWaiting = await lobbyView(ana);
  await ana.screenshot('access-lobby-guest.png');
  const waitingNotice = await waitNotice(host, 'is waiting to join');
  await host.waitFor('the waiting badge', '#waiting-badge:not([hidden])');
  const badge = await host.page.textContent('#waiting-badge');
  await host.waitFor('Ana in the waiting list', lobbyGuest('Ana Guest'));
  const listed = await host.page.evaluate(() => [...document.querySelectorAll('#lobby-list li')].map((li) => ({ name: li.querySelector('.item-name').textContent, meta: li.querySelector('.item-meta').textContent, invite: li.dataset.invite })));
  // "Show" on the notice puts the focus on Admit: the keyboard admits her.
  await host.page.click('#notices .notice:has-text("is waiting to join") .notice-action');
  await host.waitFor('the focus on Admit', () => document.activeElement?.getAttribute('aria-label') === 'Admit Ana Guest');
  await host.screenshot('access-lobby-host.png');
  await host.page.keyboard.press('Enter');
  await ana.inMeeting();
  const toHost = await flowing(host, ana.id);
  const toAna = await flowing(ana, host.id);
  log('Ana gave the password, waited, was admitted; media flows both ways');

  // Ben: denied.
  const ben = await guests.page('ben');
  await toLobby(ben, link, 'Ben Guest');
  await host.waitFor('Ben in the waiting list', lobbyGuest('Ben Guest'));
  await host.page.click(`${lobbyGuest('Ben Guest')} [data-action="deny"]`);
  await ben.waitFor('the denial', '.lobby-card[data-status="refused"]');
  const denied = await lobbyView(ben);
  log('Ben denied');

  // Nobody who may admit is in: Ben (asking again) and Cleo wait for the host.
  await host.page.click('#leave-button');
  await host.waitFor('the host’s page after leaving', 'body[data-state="left"]');
  await ben.page.click('#lobby-retry');
  await enter(ben);
  await ben.waitFor('Ben waiting for the host', '.lobby-card[data-status="waiting_for_host"]');
  const cleo = await guests.page('cleo');
  await toLobby(cleo, link, 'Cleo Guest');
  await cleo.waitFor('Cleo waiting for the host', '.lobby-card[data-status="waiting_for_host"]');
  const forHost = { ben: await lobbyView(ben), cleo: await lobbyView(cleo) };
  const anaSees = await ana.page.evaluate(() => ({ panel: !document.querySelector('#lobby-panel').hidden, badge: !document.querySelector('#waiting-badge').hidden }));
  await host.page.click('#rejoin-button');
  await host.inMeeting();
  await ben.waitFor('Ben told the host is in', '.lobby-card[data-status="waiting"]');
  await openPeople(host);
  await host.waitFor('two waiting', () => document.querySelectorAll('#lobby-list li').length === 2);
  const order = await host.page.$$eval('#lobby-list li .item-name', (els) => els.map((e) => e.textContent));
  await host.page.click('#lobby-admit-all');
  await Promise.all([ben.inMeeting(), cleo.inMeeting()]);
  await host.waitFor('the waiting list gone', () => document.querySelector('#lobby-panel').hidden && document.querySelector('#waiting-badge').hidden);
  log('Ben and Cleo waited for the host and were admitted together');

  // Mia, a signed-in member: no name asked, the password still, no lobby.
  const mia = await (await ctx.browser()).page('mia');
  await signIn(mia, process.env.CONCLAVE_MEMBER_EMAIL, process.env.CONCLAVE_MEMBER_PASSWORD);
  await signedInAs(mia, process.env.CONCLAVE_MEMBER_NAME);
  await mia.page.goto('about:blank');
  await mia.page.goto(link, { waitUntil: 'load' });
  await mia.waitFor('the member line', '#guest-member:not([hidden])');
  const memberLine = await mia.page.textContent('#guest-member');
  const nameAsked = await mia.page.isVisible('#guest-name');
  await mia.page.click('#guest-continue');
  await mia.waitFor('the password asked', '#guest-password:visible');
  await mia.page.fill('#guest-password', PASSWORD);
  await mia.page.click('#guest-continue');
  await enter(mia);
  await mia.inMeeting();
  const miaWaitedBadge = await host.page.isVisible('#waiting-badge');
  const lobbyButton = await host.page.textContent('#lobby-button');
  // The host's list names her a member: she is no guest without an account.
  await host.waitFor('Mia named a member', `${row(mia.id)} .person-role:not([hidden])`);
  const miaLabel = await host.page.textContent(`${row(mia.id)} .person-role`);
  const anaLabel = await host.page.textContent(`${row(ana.id)} .person-role`);
  log('Mia, a member, joined without waiting');

  // Ana removed: a reload cannot bring her back.
  await menuAction(host, ana.id, 'remove');
  await host.page.click(`${row(ana.id)} [data-action="confirm-remove"]`);
  await ana.waitFor('Ana’s page after the meeting', 'body[data-state="left"]');
  await ana.page.reload({ waitUntil: 'load' });
  await ana.waitFor('the guest page asking the password again', '#guest-join');
  const passwordAgain = await ana.page.isVisible('#guest-password');
  await ana.page.fill('#guest-password', PASSWORD);
  await ana.page.click('#guest-join');
  await enter(ana);
  await ana.waitFor('the return refused', '#enter-error:not([hidden])');
  const reloaded = await ana.page.textContent('#enter-error');
  const roles = await step('server-roles', { room });
  log('Ana removed; her reload refused');

  // The host removes the password.
  await host.page.click('#password-button');
  await host.waitFor('the password state', '#password-state[data-password="true"]');
  await host.page.click('#password-clear');
  await host.waitFor('the password removed', '#password-state[data-password="false"]');
  const clearedState = await host.page.textContent('#password-state');
  const roomAfter = await step('server-room', { room });

  return {
    room, passwordState, anaAsked, anaWaiting, waitingNotice, badge, listed, toHost: toHost.video[1].framesDecoded, toAna: toAna.video[1].framesDecoded,
    toHostAudio: toHost.audio[1].totalSamplesReceived, toAnaAudio: toAna.audio[1].totalSamplesReceived,
    denied, forHost, anaSees, order, passwordAgain, reloaded, roles, roomBefore, roomAfter, clearedState,
    identities: { ana: ana.identity, ben: ben.identity, cleo: cleo.identity, mia: mia.identity },
    memberLine, nameAsked, miaWaitedBadge, lobbyButton, miaLabel, anaLabel,
  };
});
