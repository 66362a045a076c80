// Scenario: the meeting app as a new user meets it.
//   - Alone in a meeting, "Copy invite link" can be clicked at common window
//     sizes (it is not under the control bar).
//   - The meeting view has a level-one heading; every control's accessible
//     name contains its visible word (WCAG 2.5.3).
//   - Single-key shortcuts can be turned off, and stay off after a reload
//     (WCAG 2.1.4).
//   - Three people with the same name are told apart, the same way on every
//     page, and keep their label when one of them leaves.
// Every problem is collected and reported at the end.
import { scenario, until, log, LIMIT } from './lib.mjs';

const SIZES = [[1280, 800], [1366, 768], [1024, 640], [1440, 900], [1920, 1080]];

scenario('usability', async (ctx) => {
  const browser = await ctx.browser();
  const problems = [];
  const first = await browser.page('first');
  await first.join(undefined, 'Alex');
  const page = first.page;
  const result = {};

  // ---- the invite button when alone ----------------------------------------
  result.invite = [];
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    const r = await until(`the invite button laid out at ${width}x${height}`, LIMIT.page, () => page.evaluate(() => {
      const b = [...document.querySelectorAll('.waiting .invite-btn')].find((el) => el.getClientRects().length > 0);
      if (!b) return null;
      const rc = b.getBoundingClientRect();
      const hit = document.elementFromPoint(rc.left + rc.width / 2, rc.top + rc.height / 2);
      const controls = document.querySelector('.controls').getBoundingClientRect();
      return {
        top: Math.round(rc.top), bottom: Math.round(rc.bottom), controlsTop: Math.round(controls.top),
        hit: hit ? (hit.closest('button') || hit).textContent.trim() : null, onButton: !!hit && b.contains(hit),
      };
    }));
    result.invite.push({ size: `${width}x${height}`, ...r });
    if (!r.onButton || r.bottom > r.controlsTop) {
      problems.push(`at ${width}x${height} a click on "Copy invite link" lands on ${JSON.stringify(r.hit)} (button ${r.top}-${r.bottom}, controls from ${r.controlsTop})`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  if (result.invite[0].onButton) {
    await page.locator('.waiting .invite-btn').click();
    await first.waitFor('the invite link notice', () => [...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('Invite link')));
  }
  log('invite button checked at', SIZES.map((s) => s.join('x')).join(', '));

  // ---- headings and accessible names -----------------------------------------
  const h1 = await page.evaluate(() => [...document.querySelectorAll('h1')].map((h) => h.textContent));
  if (h1.length !== 1) problems.push(`the meeting view has ${h1.length} level-one headings ${JSON.stringify(h1)}, want 1`);
  result.h1 = h1;
  const controls = await page.$$eval('.controls button', (els) => els.map((b) => ({ id: b.id, text: (b.querySelector('.ctrl-label') || b).textContent.trim() })));
  for (const c of controls) {
    // Playwright matches accessible names by case-insensitive substring.
    const ids = await page.getByRole('button', { name: c.text }).evaluateAll((els) => els.map((e) => e.id));
    if (!ids.includes(c.id)) problems.push(`the accessible name of #${c.id} does not contain its visible text "${c.text}"`);
  }
  result.controls = controls.map((c) => c.text);

  // ---- single-key shortcuts ----------------------------------------------------
  const muted = () => page.evaluate(() => document.querySelector('#mic-button').getAttribute('aria-pressed') === 'true');
  const pressM = async () => {
    await page.locator('#mic-button').focus();
    const was = await muted();
    await page.keyboard.press('m');
    return was;
  };
  const was = await pressM();
  await until('M toggles the microphone', LIMIT.page, async () => (await muted()) !== was);
  const setting = async () => {
    const settings = page.getByRole('button', { name: /settings/i }).first();
    if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
    const box = page.getByRole('checkbox', { name: /shortcut/i });
    return (await box.count()) === 1 ? box : null;
  };
  const box = await setting();
  if (!box) {
    problems.push('there is no setting to turn off single-key shortcuts');
  } else {
    if (!(await box.isChecked())) problems.push('single-key shortcuts start turned off');
    await box.uncheck();
    await page.keyboard.press('Escape');
    const before = await pressM();
    // Nothing may happen: give a press that would work the time it takes
    // (the microphone button's busy mark comes and goes), then look.
    await until('the microphone button idle', LIMIT.page, () => page.evaluate(() => !document.querySelector('#mic-button').hasAttribute('aria-busy')));
    if ((await muted()) !== before) problems.push('M still toggles the microphone with shortcuts turned off');
    // After a reload the setting is still off.
    await first.join(undefined, 'Alex');
    const again = await setting();
    if (!again || (await again.isChecked())) problems.push('single-key shortcuts are on again after a reload');
    await page.keyboard.press('Escape');
    const before2 = await pressM();
    await until('the microphone button idle', LIMIT.page, () => page.evaluate(() => !document.querySelector('#mic-button').hasAttribute('aria-busy')));
    if ((await muted()) !== before2) problems.push('M toggles the microphone again after a reload');
  }
  log('shortcuts checked');

  // ---- three people called Alex ---------------------------------------------------
  const second = await browser.page('second');
  const third = await browser.page('third');
  await second.join(undefined, 'Alex');
  await third.join(undefined, 'Alex');
  const all = [first, second, third];
  // labels: participant id -> the name its camera tile shows, on page p.
  const labels = (p) => until(`three camera tiles on ${p.label}`, LIMIT.page, async () => {
    const t = (await p.tiles()).filter((x) => x.source === 'camera');
    if (t.length !== 3) throw new Error(`${t.length} camera tiles`);
    return Object.fromEntries(t.map((x) => [x.participantId, x.name]));
  });
  const seen = await Promise.all(all.map(labels));
  result.names = seen;
  const distinct = new Set(Object.values(seen[0]));
  if (distinct.size !== 3) problems.push(`three people called Alex show as ${JSON.stringify(Object.values(seen[0]))}: not told apart`);
  for (const s of seen.slice(1)) {
    if (JSON.stringify(Object.entries(s).sort()) !== JSON.stringify(Object.entries(seen[0]).sort())) {
      problems.push(`the pages label the three differently: ${JSON.stringify(seen)}`);
      break;
    }
  }
  // The first leaves: the others keep their labels.
  await page.click('#leave-button');
  await first.waitFor('the page after leaving', 'body[data-state="left"]');
  const after = await Promise.all([second, third].map((p) => until(`two camera tiles on ${p.label}`, LIMIT.page, async () => {
    const t = (await p.tiles()).filter((x) => x.source === 'camera');
    if (t.length !== 2) throw new Error(`${t.length} camera tiles`);
    return Object.fromEntries(t.map((x) => [x.participantId, x.name]));
  })));
  for (const [i, s] of after.entries()) {
    for (const [id, name] of Object.entries(s)) {
      if (seen[i + 1][id] !== name) problems.push(`on ${all[i + 1].label} ${id} was "${seen[i + 1][id]}" and became "${name}" when another Alex left`);
    }
  }
  result.namesAfterLeave = after;
  log('same names checked', JSON.stringify(seen[0]));

  if (problems.length) throw new Error(`${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
  return result;
});
