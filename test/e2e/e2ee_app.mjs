// Scenario: what the meeting app shows of end-to-end encryption, each page in
// its own browser (its own profile, so its own identity key). The case comes
// from CONCLAVE_E2EE_CASE:
//
//   meeting  three pages in a room that requires E2EE: the lock in the
//            header, the same safety code in every security panel (and the
//            SDK's), chat in clear on screen, marking a participant verified
//            and unmarking it, a changed identity key flagged once, and a new
//            code on every screen when someone leaves.
//   plain    a plain room: "Not end-to-end encrypted", its explanation, and
//            the indicator and panel driven from the keyboard.
//   tamper   the server swaps one participant's identity key (the Go test's
//            hook, armed through the step "arm-tamper" just before carol
//            joins): the others show her keys as not verifying, their safety
//            code differs from hers, and her chat reaches them as a notice
//            that a message could not be decrypted, never as text.
import { env, scenario, step, until, log, LIMIT } from './lib.mjs';

const CODE = /^\d{5} \d{5} \d{5} \d{5}$/;

// joinAlone opens a page in a fresh browser of its own and joins the room
// with the camera off: these screens need no video, and three pages
// encoding and decoding it through the E2EE Worker would only slow a busy
// machine (TestE2EEMeeting checks the media).
async function joinAlone(ctx, label) {
  const browser = await ctx.browser();
  const p = await browser.page(label);
  await p.page.goto(env.url + '/', { waitUntil: 'load' });
  await p.page.evaluate(() => localStorage.setItem('conclave.prefs.v1', JSON.stringify({ cameraOn: false })));
  await p.join(env.room, label, { fast: true });
  return p;
}

// badge waits until p's participant list shows the key badge kind for id.
async function badge(p, id, kind) {
  await p.waitFor(`the ${kind} key badge in the participant list`, ({ id, kind }) => {
    const el = document.querySelector(`.person[data-participant-id="${id}"] .person-key`);
    return el && !el.hidden && el.dataset.key === kind;
  }, LIMIT.page, { id, kind });
}

// openPanel opens a side panel (security through the header button, the
// others through the control bar) unless it is open already.
async function openPanel(p, which) {
  const [button, panel] = {
    security: ['#security-button', '#security-panel'],
    people: ['#participants-button', '#participants-panel'],
    chat: ['#chat-button', '#chat-panel'],
  }[which];
  if (await p.page.$eval(panel, (el) => el.hidden)) await p.page.click(button);
  await p.waitFor(`the ${which} panel`, `${panel}:not([hidden])`);
}

// security reads what the page's security panel and header show.
async function security(p) {
  return p.page.evaluate(() => {
    const button = document.querySelector('#security-button');
    const code = document.querySelector('#safety-code');
    const attention = document.querySelector('#security-attention');
    return {
      attention: attention && !attention.hidden ? attention.textContent : '',
      e2ee: button ? button.dataset.e2ee : null,
      flagged: button ? Number(button.dataset.flagged) : null,
      label: button ? button.getAttribute('aria-label') || button.textContent : null,
      code: code ? code.dataset.code || '' : '',
      keys: [...document.querySelectorAll('#key-list .key-row')].map((li) => {
        const btn = li.querySelector('.verify-btn');
        return {
          id: li.dataset.participantId, state: li.dataset.keyState, waiting: li.dataset.waiting === 'true',
          text: li.querySelector('.key-state').textContent,
          button: btn && !btn.hidden ? btn.textContent : null,
        };
      }),
    };
  });
}

const sdkCode = (p) => p.page.evaluate(() => window.conclaveRoom.safetyCode());

// keyOf waits until p's panel lists participant id with a state that
// satisfies ok, and returns the row.
async function keyOf(p, id, what, ok) {
  return until(`${p.label}: ${what}`, LIMIT.page, async () => {
    const s = await security(p);
    const k = s.keys.find((x) => x.id === id);
    if (!k || !ok(k, s)) throw new Error(JSON.stringify(s));
    return k;
  });
}

// sameCode waits until every page's panel shows one valid safety code, the
// one its SDK computes, different from each code in not, and returns it.
async function sameCode(pages, what, not = []) {
  return until(what, LIMIT.page, async () => {
    const shown = [];
    for (const p of pages) {
      const s = await security(p);
      const sdk = await sdkCode(p);
      if (!CODE.test(s.code) || s.code !== sdk) throw new Error(`${p.label} shows ${JSON.stringify(s.code)}, its SDK says ${sdk}`);
      shown.push(s.code);
    }
    if (new Set(shown).size !== 1) throw new Error(`codes differ: ${shown.join(' / ')}`);
    if (not.includes(shown[0])) throw new Error(`still the old code ${shown[0]}`);
    return shown[0];
  });
}

// countNotices makes the page count, from now on, the notices whose text
// contains needle (window.__notices[needle]).
async function countNotices(p, needle) {
  await p.page.evaluate((needle) => {
    window.__notices = window.__notices || {};
    window.__notices[needle] = 0;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n.textContent && n.textContent.includes(needle)) window.__notices[needle]++;
    }).observe(document.querySelector('#notices'), { childList: true });
  }, needle);
}
const notices = (p, needle) => p.page.evaluate((needle) => window.__notices[needle], needle);

async function sendChat(p, text) {
  await openPanel(p, 'chat');
  await p.page.fill('#chat-input', text);
  await p.page.press('#chat-input', 'Enter');
  await p.waitFor('its message shown as sent', (t) => [...document.querySelectorAll('.chat-message.own .chat-text')].some((el) => el.textContent === t), LIMIT.page, text);
}

async function meeting(ctx) {
  const a = await joinAlone(ctx, 'alice');
  const b = await joinAlone(ctx, 'bob');
  const c = await joinAlone(ctx, 'carol');
  const all = [a, b, c];
  for (const p of all) {
    await p.waitFor('the lock in the header', '#security-button[data-e2ee="true"]');
    const text = await p.page.textContent('#security-button');
    if (!text.includes('End-to-end encrypted')) throw new Error(`${p.label}: the header says ${JSON.stringify(text)}`);
    await openPanel(p, 'security');
  }
  const code1 = await sameCode(all, 'one safety code on the three screens');
  log('every screen shows the safety code', code1);
  for (const p of all) {
    for (const q of all) {
      if (q !== p) await keyOf(p, q.id, `${q.label} listed, keys in, not verified`, (k) => k.state === 'unverified' && !k.waiting && k.button === 'Mark as verified');
    }
  }
  await a.screenshot('e2ee_app-panel.png');

  // Chat: typed on one screen, in clear on the others, sealed on the way.
  const text = 'The plan stays between us 🔒';
  await sendChat(a, text);
  for (const p of [b, c]) {
    await p.waitFor('alice’s message in clear', ({ from, text }) =>
      [...document.querySelectorAll(`.chat-message[data-from="${from}"] .chat-text`)].some((el) => el.textContent === text), LIMIT.page, { from: a.id, text });
    const stats = await p.page.evaluate(() => window.conclaveRoom.e2eeStats());
    if (!(stats.dataOpened > 0)) throw new Error(`${p.label}: the message was not opened by the E2EE session: ${JSON.stringify(stats)}`);
  }
  log('the chat message is in clear on bob’s and carol’s screens');

  // Marking bob verified on alice's screen, then unmarking.
  await openPanel(a, 'security');
  await a.page.click(`.key-row[data-participant-id="${b.id}"] .verify-btn`);
  const verified = await keyOf(a, b.id, 'bob verified', (k) => k.state === 'verified' && k.button === 'Unmark' && k.text === 'Verified');
  await badge(a, b.id, 'verified');
  await a.page.click(`.key-row[data-participant-id="${b.id}"] .verify-btn`);
  await keyOf(a, b.id, 'bob unmarked', (k) => k.state === 'unverified' && k.button === 'Mark as verified');
  await a.page.click(`.key-row[data-participant-id="${b.id}"] .verify-btn`);
  await keyOf(a, b.id, 'bob verified again', (k) => k.state === 'verified');
  log('alice marked bob verified');

  // A changed identity key: alice's browser remembers another key for
  // carol's identity (where the SDK keeps what it has seen), as if carol
  // had come with another device before; the next render flags her.
  const needle = 'identity key changed';
  await countNotices(a, needle);
  await a.page.evaluate((identity) => localStorage.setItem(`conclave.e2ee.seen.${identity}`, 'ab'.repeat(32)), c.identity);
  const toggleCarolMic = async () => {
    const before = (await c.ownMedia()).micMuted;
    await c.page.click('#mic-button');
    await a.waitFor('carol’s microphone change seen', ({ id, muted }) => {
      const li = document.querySelector(`.person[data-participant-id="${id}"]`);
      return li && li.dataset.micMuted === String(muted);
    }, LIMIT.page, { id: c.id, muted: !before });
  };
  await toggleCarolMic();
  const changed = await keyOf(a, c.id, 'carol flagged: identity key changed', (k, s) =>
    k.state === 'changed' && k.text === 'Identity key changed since you last met' && k.button === 'Mark as verified' && s.flagged === 1);
  await badge(a, c.id, 'changed');
  await until('one notice of carol’s changed key', LIMIT.page, async () => (await notices(a, needle)) === 1);
  await a.page.$eval(`.key-row[data-participant-id="${c.id}"]`, (el) => el.scrollIntoView({ block: 'center' }));
  await a.screenshot('e2ee_app-changed.png');
  await openPanel(a, 'people');
  await a.screenshot('e2ee_app-people.png');
  await toggleCarolMic(); // renders again: no second notice
  const changedNotices = await notices(a, needle);
  if (changedNotices !== 1) throw new Error(`alice was told ${changedNotices} times that carol's key changed`);
  await openPanel(a, 'security');
  await a.page.click(`.key-row[data-participant-id="${c.id}"] .verify-btn`);
  await keyOf(a, c.id, 'carol verified after the change', (k, s) => k.state === 'verified' && s.flagged === 0);
  log('a changed key is flagged once, and verifying it clears the flag');

  // Carol leaves: a new code on the screens that stay.
  await c.page.click('#leave-button');
  await c.waitFor('the page after the meeting', 'body[data-state="left"]');
  const code2 = await sameCode([a, b], 'a new safety code on alice’s and bob’s screens', [code1]);
  for (const [p, q] of [[a, b], [b, a]]) {
    const s = await security(p);
    if (s.keys.length !== 1 || s.keys[0].id !== q.id) throw new Error(`${p.label} lists ${JSON.stringify(s.keys)}`);
  }
  log('after carol left the code is', code2);
  return { code1, code2, verified, changed };
}

async function plain(ctx) {
  const a = await joinAlone(ctx, 'alice');
  const e2ee = await a.page.evaluate(() => window.conclaveRoom.e2ee);
  if (e2ee !== false) throw new Error(`room.e2ee is ${e2ee} in a plain room`);
  await a.waitFor('the plain-room indicator', '#security-button[data-e2ee="false"]');
  const label = (await a.page.textContent('#security-button')).trim();
  if (label !== 'Not end-to-end encrypted') throw new Error(`the header says ${JSON.stringify(label)}`);
  // From the keyboard: Enter opens the panel with focus inside, Escape
  // closes it and gives focus back to the indicator.
  await a.page.focus('#security-button');
  await a.page.keyboard.press('Enter');
  await a.waitFor('the security panel', '#security-panel:not([hidden])');
  await a.waitFor('focus in the panel', () => document.activeElement && document.activeElement.getAttribute('aria-label') === 'Close security');
  const panel = await a.page.evaluate(() => ({
    expanded: document.querySelector('#security-button').getAttribute('aria-expanded'),
    text: document.querySelector('#security-panel').innerText,
    code: document.querySelector('#safety-code').offsetParent !== null,
  }));
  if (panel.expanded !== 'true') throw new Error(`aria-expanded is ${panel.expanded}`);
  if (!panel.text.includes('not end-to-end encrypted') || !panel.text.includes('whoever runs the server can access them')) {
    throw new Error(`the panel says: ${panel.text}`);
  }
  if (panel.code) throw new Error('a plain room shows a safety code');
  await a.screenshot('e2ee_app-plain.png');
  await a.page.keyboard.press('Escape');
  await a.waitFor('the panel closed', () => document.querySelector('#security-panel').hidden);
  await a.waitFor('focus back on the indicator', () => document.activeElement && document.activeElement.id === 'security-button');
  return { label, panel: panel.text };
}

async function tamper(ctx) {
  const a = await joinAlone(ctx, 'alice');
  const b = await joinAlone(ctx, 'bob');
  const needle = 'keys do not verify';
  for (const p of [a, b]) await countNotices(p, needle);
  await step('arm-tamper');
  const c = await joinAlone(ctx, 'carol');
  const { identity } = await step('tampered');
  if (identity !== c.identity) throw new Error(`the server swapped the key of ${identity}, not carol's (${c.identity})`);
  for (const p of [a, b]) {
    await openPanel(p, 'security');
    await keyOf(p, c.id, 'carol’s keys do not verify', (k, s) =>
      k.state === 'invalid' && k.text === 'Keys do not verify' && k.button === null && s.flagged === 1 && s.attention.startsWith('carol needs your attention'));
    await until(`${p.label}: one notice about carol’s keys`, LIMIT.page, async () => (await notices(p, needle)) === 1);
    await badge(p, c.id, 'invalid');
  }
  await a.page.$eval(`.key-row[data-participant-id="${c.id}"]`, (el) => el.scrollIntoView({ block: 'center' }));
  await a.screenshot('e2ee_app-tamper.png');
  await openPanel(c, 'security');
  for (const q of [a, b]) await keyOf(c, q.id, `${q.label}’s keys verify for carol`, (k) => k.state !== 'invalid');
  const theirs = await sameCode([a, b], 'one safety code on alice’s and bob’s screens');
  const hers = await until('carol’s safety code', LIMIT.page, async () => {
    const s = await security(c);
    return CODE.test(s.code) && s.code === (await sdkCode(c)) && s.code;
  });
  if (hers === theirs) throw new Error(`carol's safety code equals the others' (${hers}) although the server swapped her key`);
  log('alice and bob show', theirs, 'carol shows', hers);

  // Her chat cannot be opened by the others: a notice, never the text.
  const text = 'Can anyone read this?';
  const undecryptable = 'A message from carol could not be decrypted.';
  for (const p of [a, b]) await countNotices(p, undecryptable);
  await sendChat(c, text);
  for (const p of [a, b]) {
    await until(`${p.label}: a notice of carol’s undecryptable message`, LIMIT.page, async () => (await notices(p, undecryptable)) >= 1);
    await p.waitFor('the undecryptable message noted in the chat', (t) => [...document.querySelectorAll('.chat-note')].some((n) => n.textContent === t), LIMIT.page, undecryptable);
    const shown = await p.page.evaluate((t) => document.body.textContent.includes(t), text);
    if (shown) throw new Error(`${p.label} shows carol's message although her keys do not verify`);
  }
  return { theirs, hers };
}

const cases = { meeting, plain, tamper };
const which = process.env.CONCLAVE_E2EE_CASE || 'meeting';
if (!cases[which]) throw new Error(`unknown CONCLAVE_E2EE_CASE ${which}`);
log(`case ${which}`);
scenario('e2ee_app', cases[which]);
