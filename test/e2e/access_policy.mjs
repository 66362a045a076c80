// Scenario: an administrator edits the organisation's security policy on
// #admin. A document with an unknown key is refused with its line, which
// the editor marks and selects, and nothing changes; a valid one becomes
// version 1, in force; a change based on a version someone else has
// replaced meanwhile (the command line, here the Go test) is refused as a
// conflict, and "Load the newest version" shows theirs.
import { scenario, log, step, until, LIMIT } from './lib.mjs';
import { signedInAs, signIn } from './accounts_lib.mjs';
import { account } from './access_lib.mjs';

const INVALID = 'require_e2ee: false\nscreen_sharing: false\nchat: true\n';
// The server asks admins for a second factor by default once a policy is
// stored; this one has none, so every document here says so.
const VALID = 'require_e2ee: false\nrequire_second_factor: none\nscreen_share: false\n';
const THEIRS = 'require_e2ee: false\nrequire_second_factor: none\nchat: false\n';

async function apply(a, doc) {
  await a.page.fill('#policy-yaml', doc);
  await a.page.click('#policy-apply');
  await a.page.getByRole('button', { name: 'Apply the policy' }).click();
}

const facts = (a) => a.page.evaluate(() => {
  const f = document.querySelector('#policy-facts');
  return { text: f.textContent, version: Number(f.dataset.version), source: f.dataset.source, yaml: document.querySelector('#policy-yaml').value };
});

scenario('access_policy', async (ctx) => {
  const a = await (await ctx.browser({ permissions: [] })).page('admin');
  await signIn(a, account.email, account.password);
  await signedInAs(a, account.name);
  await a.page.click('#nav-admin');
  await a.waitFor('the policy editor', '#policy-yaml');
  const before = await facts(a);

  await apply(a, INVALID);
  await a.waitFor('the refusal', '#policy-error:not([hidden])');
  const invalid = await a.page.evaluate(() => {
    const t = document.querySelector('#policy-yaml');
    const e = document.querySelector('#policy-error');
    return {
      text: e.textContent, role: e.getAttribute('role'), line: Number(e.dataset.line), ariaInvalid: t.getAttribute('aria-invalid'),
      marked: [...document.querySelectorAll('.code-lines .is-error')].map((x) => x.textContent),
      selected: t.value.slice(t.selectionStart, t.selectionEnd), focused: document.activeElement === t,
    };
  });
  await a.screenshot('access-policy-invalid.png');
  const afterInvalid = await step('policy-stored');
  log('an invalid policy refused with its line');

  await apply(a, VALID);
  await a.waitFor('version 1 in force', () => document.querySelector('#policy-facts')?.dataset.version === '1');
  const applied = { ...(await facts(a)), status: await a.page.textContent('#policy-status') };
  const stored = await step('policy-stored');
  log('version 1 applied');

  // Someone else applies version 2 meanwhile; the page is still on 1.
  await step('policy-behind', { yaml: THEIRS });
  await until('the server to serve version 2', LIMIT.page, () => a.page.evaluate(async () => (await (await fetch('/v1/policy')).json()).version === 2));
  await apply(a, 'require_e2ee: false\nrequire_second_factor: none\nscreen_share: true\n');
  await a.waitFor('the conflict', '#policy-reload');
  const conflict = await a.page.textContent('#policy-error');
  await a.page.click('#policy-reload');
  await a.waitFor('version 2 shown', () => document.querySelector('#policy-facts')?.dataset.version === '2');
  const reloaded = await facts(a);
  log('a conflict refused; the newest version loaded');
  return { before, invalid, afterInvalid, applied, stored, conflict, reloaded, valid: VALID, theirs: THEIRS };
});
