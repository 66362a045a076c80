// Scenario: a signed-in member hosts a meeting and uses the host controls
// of the app, as the people in it see them.
//   - The host sees the meeting controls; a guest who came with an invite
//     link (made in "Invite people") sees none, and a moderation attempt
//     it makes anyway is refused by the server, in words.
//   - The host makes the guest a moderator (it then sees "Invite people"
//     only, and a try on the host is refused on the rank rule, in words),
//     then a participant again, and mutes its microphone.
//   - The host locks the meeting: everyone sees it, and a newcomer with a
//     valid link is refused; unlocked, the newcomer gets in.
//   - The host removes and bans the guest: its page says so, Rejoin and
//     a reload are refused; the others are told. The host ends the
//     meeting for all.
import { scenario, log, step, LIMIT } from './lib.mjs';
import { admitted, controlsSeen, enter, guestJoins, hostMeeting, makeInvite, menuAction, openInvite, row, waitNotice } from './access_lib.mjs';

scenario('access_host', async (ctx) => {
  const host = await (await ctx.browser()).page('host');
  const room = await hostMeeting(host);
  const hostAlone = await controlsSeen(host);
  const invite = await makeInvite(host, { uses: 3 });

  const guests = await ctx.browser();
  const sam = await guests.page('sam');
  const urlAfterOpen = await guestJoins(sam, invite.link, 'Sam Guest', host);
  await host.waitFor('Sam in the host’s list', (sel) => !!document.querySelector(sel), LIMIT.page, row(sam.id));
  const samSees = await controlsSeen(sam);
  const hostSees = await controlsSeen(host);
  log('sam joined with the link; controls seen', JSON.stringify({ samSees, hostSees }));

  await host.page.click(`${row(sam.id)} .person-more`);
  await host.screenshot('access-host-controls.png');
  await host.page.click(`${row(sam.id)} .person-more`);

  // A participant's moderation attempt, made without the app's menu.
  await sam.page.evaluate((id) => window.conclaveRoom.removeParticipant(id), host.id);
  const refusedParticipant = await waitNotice(sam, 'does not allow');

  // A moderator: "Invite people", nothing over the host.
  await menuAction(host, sam.id, 'role-moderator');
  const madeModerator = await waitNotice(sam, 'made you a moderator');
  await host.waitFor('Sam listed as a moderator', (sel) => document.querySelector(sel)?.dataset.role === 'moderator', LIMIT.page, row(sam.id));
  const moderatorSees = await controlsSeen(sam);
  await sam.page.evaluate((id) => window.conclaveRoom.removeParticipant(id), host.id);
  const refusedModerator = await waitNotice(sam, 'below yours');
  await menuAction(host, sam.id, 'role-participant');
  await sam.waitFor('Sam a participant again', () => window.conclaveRoom.local.role === 'participant' && document.querySelector('#host-panel').hidden);
  const rolesOnServer = await step('server-roles', { room });

  // The host's mute: Sam's microphone is locked.
  await menuAction(host, sam.id, 'mute-mic');
  await sam.waitFor('Sam muted by the host', () => document.querySelector('#mic-button').dataset.hostMuted === 'true');
  await host.waitFor('"Let them unmute" offered', (sel) => document.querySelector(sel)?.textContent === 'Let them unmute', LIMIT.page, `${row(sam.id)} [data-action="mute-mic"]`);
  log('roles and mute done');

  // Lock: everyone sees it; a newcomer with a valid link is refused.
  await host.page.click('#lock-button');
  await host.waitFor('the lock shown to the host', '#meeting-lock:not([hidden])');
  await sam.waitFor('the lock shown to Sam', '#meeting-lock:not([hidden])');
  const lockNotice = await waitNotice(sam, 'locked the meeting');
  const locked = await step('server-room', { room });
  const kim = await guests.page('kim');
  await kim.page.goto(invite.link, { waitUntil: 'load' });
  await kim.waitFor('the guest page', '#guest-name');
  await kim.screenshot('access-guest-page.png');
  await openInvite(kim, invite.link, 'Kim Late');
  await enter(kim);
  await kim.waitFor('the locked meeting refusing Kim', '#enter-error:not([hidden])');
  const lockedOut = (await kim.page.textContent('#enter-error')).trim();
  await host.page.click('#lock-button');
  await sam.waitFor('the lock gone on Sam', () => document.querySelector('#meeting-lock').hidden);
  const unlocked = await step('server-room', { room });
  await kim.page.click('#enter-button');
  await admitted(kim, 'Kim Late', host);
  log('lock shown to all and refused Kim; unlocked, Kim is in');

  // Remove and ban: Sam is out and stays out.
  await menuAction(host, sam.id, 'ban');
  await host.page.selectOption(`${row(sam.id)} [data-field="ban-duration"]`, '3600');
  await host.page.click(`${row(sam.id)} [data-action="confirm-ban"]`);
  await sam.waitFor('Sam’s page after the meeting', 'body[data-state="left"]');
  const removed = (await sam.page.textContent('#left-reason')).trim();
  const removedNotice = await waitNotice(kim, 'was removed');
  const bans = await step('server-bans', { room });
  await sam.page.click('#rejoin-button');
  await sam.waitFor('Rejoin refused', '#rejoin-error:not([hidden])');
  const rejoin = (await sam.page.textContent('#rejoin-error')).trim();
  await sam.page.reload({ waitUntil: 'load' });
  await sam.waitFor('the guest page after a reload', '#guest-join');
  const reloadUrl = sam.page.url();
  await sam.page.click('#guest-join');
  await enter(sam);
  await sam.waitFor('the join after a reload refused', '#enter-error:not([hidden])');
  const reloaded = (await sam.page.textContent('#enter-error')).trim();
  log('Sam removed and banned; rejoin and reload refused');

  // End for all.
  await host.page.click('#end-button');
  await host.page.click('#end-confirm');
  await kim.waitFor('Kim’s page after the meeting', 'body[data-state="left"]');
  const ended = (await kim.page.textContent('#left-reason')).trim();
  const afterEnd = await step('server-room', { room });

  return {
    room, link: invite.link, summary: invite.summary, urlAfterOpen, hostAlone, hostSees, samSees, moderatorSees,
    refusedParticipant, madeModerator, refusedModerator, rolesOnServer, lockNotice, locked, lockedOut, unlocked,
    removed, removedNotice, bans, rejoin, reloadUrl, reloaded, ended, afterEnd, samIdentity: sam.identity, kimIdentity: kim.identity,
  };
});
