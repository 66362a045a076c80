// Scenario: passkeys on the account page: an account adds one (Chromium's
// virtual authenticator), renames it, uses it alone to sign in and as the
// second step after a password, then removes it with its password; makes
// and revokes a personal API token; changes its password, signs out
// everywhere and in with the new one.
import { scenario, log } from './lib.mjs';
import { addPasskey, signedInAs, signIn, signInWithPasskey, signOut, virtualAuthenticator } from './accounts_lib.mjs';

const email = process.env.CONCLAVE_ACCOUNT_EMAIL;
const password = process.env.CONCLAVE_ACCOUNT_PASSWORD;
const name = process.env.CONCLAVE_ACCOUNT_NAME;

scenario('accounts_passkey', async (ctx) => {
  const p = await (await ctx.browser({ permissions: [] })).page('kim');
  const { page } = p;
  const authenticator = await virtualAuthenticator(p);
  await signIn(p, email, password);
  await signedInAs(p, name);
  const codes = await addPasskey(p, 'Laptop', password);

  // Rename it.
  const item = page.locator('#passkey-list li', { hasText: 'Laptop' });
  await item.getByRole('button', { name: 'Rename passkey Laptop' }).click();
  await page.keyboard.type('Work laptop');
  await page.keyboard.press('Enter');
  await p.waitFor('the passkey renamed', () => [...document.querySelectorAll('#passkey-list .item-name')].some((e) => e.textContent === 'Work laptop'));

  // Alone.
  await signOut(p);
  await signInWithPasskey(p);
  await signedInAs(p, name);
  log('signed in with the passkey alone');

  // After a password.
  await signOut(p);
  await signIn(p, email, password);
  await p.waitFor('the passkey offered as the second step, focused', () => document.activeElement?.id === 'signin-step-passkey');
  await page.keyboard.press('Enter');
  await signedInAs(p, name);
  log('signed in with password and passkey');
  await page.click('#nav-account');
  await p.waitFor('the passkey used', () => /last used/.test(document.querySelector('#passkey-list .item-meta')?.textContent ?? ''));
  const meta = (await page.locator('#passkey-list .item-meta').textContent()).trim();

  // Remove it.
  await page.locator('#passkey-list li', { hasText: 'Work laptop' }).getByRole('button', { name: 'Remove passkey Work laptop' }).click();
  await page.fill('#acct-passkeys input[type="password"]', password);
  await page.click('#acct-passkeys button:text("Remove passkey")');
  await p.waitFor('no passkey left', '#passkey-none');
  const creds = await authenticator.credentials();

  // A personal API token: shown once, then revoked.
  await page.fill('#token-name', 'Calendar sync');
  await page.click('#token-create');
  await p.waitFor('the new token shown once', '#token-created .secret');
  const secret = await page.inputValue('#token-created .secret');
  const listed = await page.$$eval('#token-list li', (lis) => lis.map((li) => li.textContent));
  await page.getByRole('button', { name: 'Revoke token Calendar sync' }).click();
  await page.locator('#token-list').getByRole('button', { name: 'Revoke', exact: true }).click();
  await p.waitFor('no token left', () => !document.querySelector('#token-list') && document.querySelector('#acct-tokens')?.textContent.includes('You have no tokens.'));
  log('a token made and revoked');

  // A new password, then sign out everywhere and in with it.
  const newPassword = password + ' and more';
  await page.fill('#pw-current', password);
  await page.fill('#pw-new', newPassword);
  await page.fill('#pw-repeat', newPassword);
  await page.click('#pw-save');
  await p.waitFor('the password changed', () => [...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('password is changed')));
  await page.click('#sessions-all');
  await page.locator('#acct-sessions').getByRole('button', { name: 'Sign out everywhere', exact: true }).last().click();
  await p.waitFor('the sign-in page after signing out everywhere', '#signin-email');
  await signIn(p, email, newPassword);
  await signedInAs(p, name);
  log('signed in with the new password');
  return { codes, meta, credentials: creds.length, secret, listed };
});
