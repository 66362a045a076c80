// Scenario: the host's joins are refused for now by the per-identity
// join limit, which a Go client with the same identity keeps drained
// (steps "drain-joins" and "stop-drain"). The preview says so and counts
// the wait down on its disabled button, then joins when pressed; the page
// after leaving counts down and rejoins by itself.
import { scenario, step, until, log, LIMIT } from './lib.mjs';
import { hostMeeting } from './access_lib.mjs';

scenario('join_wait', async (ctx) => {
  const browser = await ctx.browser();
  const p = await browser.page('joan');
  const room = await hostMeeting(p);
  const out = {};

  // What a page shows after a join attempt: the meeting, or the refusal
  // with its wait (read, in the page; null while neither shows).
  const outcome = (what, read) => until(what, LIMIT.page, () => p.page.evaluate(read));
  const previewRefusal = () => {
    if (document.body.dataset.state === 'meeting') return { joined: true };
    const err = document.querySelector('#enter-error');
    const b = document.querySelector('#enter-button');
    if (!err || err.hidden || !b || !/^Try again in/.test(b.textContent)) return null;
    return { error: err.textContent, button: b.textContent, disabled: b.disabled };
  };
  const leftRefusal = () => {
    if (document.body.dataset.state === 'meeting') return { joined: true };
    const err = document.querySelector('#rejoin-error');
    const st = document.querySelector('#rejoin-status');
    if (!err || err.hidden || !st || st.hidden || !st.dataset.seconds) return null;
    return { error: err.textContent, status: st.textContent };
  };

  // refused leaves the meeting (with leave), starts the drain, then a
  // join (with join), and returns the refusal it gets (read). A join that
  // gets in before the drain takes the token it needed is left, and
  // tried again.
  const refused = async (what, leave, join, read) => {
    for (let attempt = 1; ; attempt++) {
      await leave();
      await step('drain-joins');
      await join();
      const got = await outcome(`${what} refused, or the meeting`, read);
      if (!got.joined) return got;
      await step('stop-drain');
      if (attempt === 3) throw new Error(`${what}: three joins got in despite the drain`);
      log(`${what}: got in before the drain; again`);
      await p.inMeeting();
    }
  };

  // The preview.
  out.preview = await refused('the preview', async () => {
    await p.page.click('#leave-button');
    await p.waitFor('the page after leaving', 'body[data-state="left"] #home-button');
    await p.page.click('#home-button');
    await p.waitFor('the meeting listed', (r) => [...document.querySelectorAll('#meeting-list .item-name')].some((e) => e.textContent === r), undefined, room);
  }, async () => {
    await p.page.locator('#meeting-list li', { hasText: room }).getByRole('button', { name: `Join ${room} as host` }).click();
    await p.waitFor('the preview page', 'body[data-state="preview"]');
    await p.waitFor('"Join now" enabled', '#enter-button:not([disabled])');
    await p.page.click('#enter-button');
  }, previewRefusal);
  log(`preview: ${JSON.stringify(out.preview)}`);
  await step('stop-drain');
  // After the wait the button is back; pressed, it joins (or, if the
  // drain took the last token, is refused once more and pressed again).
  for (let attempt = 1; ; attempt++) {
    await p.waitFor('"Try again" enabled', '#enter-button:not([disabled])', LIMIT.page);
    await p.page.click('#enter-button');
    const got = await outcome('the meeting, or refused again', previewRefusal);
    if (got.joined) break;
    if (attempt === 3) throw new Error(`still refused after three tries: ${JSON.stringify(got)}`);
  }
  await p.inMeeting();
  log('joined from the preview after the wait');

  // The page after leaving.
  out.left = await refused('the rejoin', async () => {
    await p.page.click('#leave-button');
    await p.waitFor('the page after leaving', 'body[data-state="left"] #rejoin-button');
  }, () => p.page.click('#rejoin-button'), leftRefusal);
  log(`left page: ${JSON.stringify(out.left)}`);
  await step('stop-drain');
  await p.inMeeting(4 * LIMIT.page);
  log('rejoined by itself after the wait');
  return out;
});
