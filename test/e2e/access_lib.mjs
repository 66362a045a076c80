// Helpers of the access-control scenarios (access_*.mjs): a signed-in
// member hosting a meeting, the host's "Invite people", a guest opening
// the link, the participant list's actions menu, and reading what a page
// shows (notices, the host controls it sees).
import { log, LIMIT } from './lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';

export const account = {
  email: process.env.CONCLAVE_ACCOUNT_EMAIL,
  password: process.env.CONCLAVE_ACCOUNT_PASSWORD,
  name: process.env.CONCLAVE_ACCOUNT_NAME,
};

// enter clicks "Join now" on the preview once it is enabled.
export async function enter(p) {
  await p.waitFor('the preview page', 'body[data-state="preview"]');
  await p.waitFor('"Join now" enabled', '#enter-button:not([disabled])');
  await p.page.click('#enter-button');
}

// hostMeeting signs the account in (unless signedIn) and starts a new
// meeting as its host.
export async function hostMeeting(p, { signedIn = false } = {}) {
  if (!signedIn) {
    await signIn(p, account.email, account.password);
    await signedInAs(p, account.name);
  }
  await p.waitFor('New meeting', 'body[data-state="join"] #new-meeting');
  await p.page.click('#new-meeting');
  await enter(p);
  await p.inMeeting();
  const room = await p.page.evaluate(() => window.conclaveRoom.name);
  log(`${p.label}: hosting ${room}`);
  return room;
}

// openPeople opens the participants panel if it is closed.
export async function openPeople(p) {
  if (await p.page.isHidden('#participants-panel')) await p.page.click('#participants-button');
  await p.waitFor('the participants panel', '#participants-panel:not([hidden])');
}

// makeInvite fills "Invite people" and returns the link it shows.
export async function makeInvite(p, { uses = 1, role = 'participant', domain = '' } = {}) {
  await openPeople(p);
  if ((await p.page.getAttribute('#invite-people', 'aria-expanded')) !== 'true') await p.page.click('#invite-people');
  await p.waitFor('the invite form', '#invite-panel:not([hidden]) #invite-create');
  await p.page.selectOption('#invite-role', role);
  await p.page.fill('#invite-uses', String(uses));
  await p.page.fill('#invite-domain', domain);
  const before = await p.page.$$eval('#invite-result .guest-link', (els) => els.map((e) => e.value));
  await p.page.click('#invite-create');
  await p.waitFor('a new invite link', (old) => {
    const el = document.querySelector('#invite-result .guest-link');
    return el && !old.includes(el.value);
  }, LIMIT.page, before);
  const link = await p.page.inputValue('#invite-result .guest-link');
  const summary = await p.page.textContent('#invite-link-summary');
  log(`${p.label}: invite link for ${uses} (${role})`);
  return { link, summary };
}

// openInvite opens a guest link and gives the name; it returns the page's
// address right after (the token must have left it).
export async function openInvite(p, link, name) {
  await p.page.goto('about:blank');
  await p.page.goto(link, { waitUntil: 'load' });
  await p.waitFor('the guest page', '#guest-name');
  const url = p.page.url();
  await p.page.fill('#guest-name', name);
  await p.page.click('#guest-continue');
  return url;
}

// guestJoins opens the link, names the guest and joins the meeting; when
// the meeting holds the guest in its lobby, host admits it.
export async function guestJoins(p, link, name, host) {
  const url = await openInvite(p, link, name);
  await enter(p);
  await admitted(p, name, host);
  return url;
}

// admitted waits until p is in the meeting; if p waits in the lobby
// instead, host admits it from its waiting list.
export async function admitted(p, name, host) {
  await p.waitFor('the meeting or the lobby', () => ['meeting', 'lobby'].includes(document.body.dataset.state));
  if ((await p.page.evaluate(() => document.body.dataset.state)) === 'lobby') await admit(host, name);
  await p.inMeeting();
}

// lobbyGuest is the selector of a waiting guest's row on a host's page.
export const lobbyGuest = (name) => `#lobby-list li:has(.item-name:text-is("${name}"))`;

// admit presses Admit for the guest of that name in host's waiting list.
export async function admit(host, name) {
  await openPeople(host);
  await host.waitFor(`${name} in the waiting list`, lobbyGuest(name));
  await host.page.click(`${lobbyGuest(name)} [data-action="admit"]`);
}

// row is the selector of a participant's row in the list.
export const row = (id) => `#participant-list li[data-participant-id="${id}"]`;

// menuAction opens the actions of a participant's row and presses one.
export async function menuAction(p, id, action) {
  await openPeople(p);
  const toggle = `${row(id)} .person-more`;
  await p.waitFor(`the actions of ${id}`, `${toggle}:not([hidden])`);
  if ((await p.page.getAttribute(toggle, 'aria-expanded')) !== 'true') await p.page.click(toggle);
  await p.page.click(`${row(id)} .person-menu [data-action="${action}"]:not([hidden])`);
}

// notices lists the texts of the notices a page shows now.
export async function notices(p) {
  return p.page.$$eval('#notices .notice > span', (els) => els.map((e) => e.textContent));
}

// waitNotice waits until a notice that contains text shows, and returns it.
export async function waitNotice(p, text) {
  await p.waitFor(`a notice saying "${text}"`, (t) => [...document.querySelectorAll('#notices .notice > span')].some((e) => e.textContent.includes(t)), LIMIT.page, text);
  return (await notices(p)).find((t) => t.includes(text));
}

// controlsSeen says which host controls a page shows: the meeting-wide
// ones and the actions buttons of the participant list.
export async function controlsSeen(p) {
  await openPeople(p);
  return p.page.evaluate(() => {
    const shown = (el) => !!el && el.getClientRects().length > 0;
    return {
      panel: shown(document.querySelector('#host-panel')),
      lock: shown(document.querySelector('#lock-button')),
      end: shown(document.querySelector('#end-button')),
      invite: shown(document.querySelector('#invite-people')),
      rowActions: [...document.querySelectorAll('#participant-list .person-more')].filter(shown).length,
    };
  });
}
