// Scenario: the whole path, in the app, by a person who read no
// docs. An administrator (made by the Go test, with an authenticator app)
// signs in with password and TOTP and makes an invite link on #admin; a
// newcomer opens it in another browser (the token leaves the address bar
// at once), creates the account, is asked to protect it first (the server
// requires a second factor of everyone), protects it with a passkey (Chromium's
// virtual authenticator), signs out, signs in with the passkey alone and
// hosts a new meeting. The administrator then sees the account, makes a
// password reset link, and the newcomer sets a new password with it.
import { scenario, log } from './lib.mjs';
import { addPasskey, Authenticator, base, noOverflow, signedInAs, signIn, signInWithPasskey, signOut, textOf, virtualAuthenticator } from './accounts_lib.mjs';

const admin = {
  email: process.env.CONCLAVE_ADMIN_EMAIL,
  password: process.env.CONCLAVE_ADMIN_PASSWORD,
  name: process.env.CONCLAVE_ADMIN_NAME,
  totp: new Authenticator(process.env.CONCLAVE_ADMIN_TOTP),
};
const newcomer = { email: 'robin@example.org', name: 'Robin Okafor', password: 'maple river lantern quietly', password2: 'orchid violin harbour seven' };
const shot = (p, name) => p.page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/${name}.png`, fullPage: true });

scenario('accounts_invite', async (ctx) => {
  // The administrator: password, then the code of the authenticator app.
  const adminBrowser = await ctx.browser({ permissions: [] });
  const a = await adminBrowser.page('admin');
  await signIn(a, admin.email, admin.password);
  await a.waitFor('the second step', () => document.activeElement?.id === 'signin-code');
  await a.page.keyboard.type(await admin.totp.next());
  await a.page.keyboard.press('Enter');
  await signedInAs(a, admin.name);
  await a.page.click('#nav-admin');
  await a.waitFor('the admin page', '#invite-create');
  await a.page.fill('#invite-email', newcomer.email);
  await a.page.click('#invite-create');
  await a.waitFor('the invite link', '#invite-result .invite-link');
  const link = await a.page.inputValue('#invite-result .invite-link');
  await shot(a, 'accounts-admin-invite');
  log('invite link made');

  // The newcomer, in another browser, on a phone-sized page.
  const b = await (await ctx.browser()).page('newcomer');
  await b.page.setViewportSize({ width: 360, height: 740 });
  const authenticator = await virtualAuthenticator(b);
  await b.page.goto(link, { waitUntil: 'load' });
  await b.waitFor('the signup form', '#signup-name');
  const urlAfterOpen = b.page.url();
  const historyHasToken = await b.page.evaluate(() => location.href.includes('cvi_'));
  const boundEmail = await b.page.inputValue('#signup-email');
  await noOverflow(b, 'the signup page');
  await b.page.fill('#signup-name', newcomer.name);
  await b.page.fill('#new-password', newcomer.password);
  await b.page.fill('#new-password-repeat', newcomer.password);
  await shot(b, 'accounts-signup');
  await b.page.click('#signup-submit');
  await signedInAs(b, newcomer.name);
  log('account created');

  // The server requires a second factor of everyone: the account page
  // says so first, and the join page offers no meeting until then.
  await b.waitFor('"Protect your account first"', '#acct-banner:not([hidden])');
  const banner = await textOf(b.page, '#acct-banner');
  await b.page.click('#nav-home');
  await b.waitFor('the join page asking to protect the account', '#meetings-protect');
  await b.page.click('#meetings-protect');

  // Protect it with a passkey, then sign out and in with the passkey alone.
  const codes = await addPasskey(b, 'Phone', newcomer.password);
  const bannerAfter = await b.page.isVisible('#acct-banner');
  await noOverflow(b, 'the account page with a passkey');
  await shot(b, 'accounts-passkey-added');
  const creds = await authenticator.credentials();
  await signOut(b);
  await signInWithPasskey(b);
  await signedInAs(b, newcomer.name);
  log('signed in with the passkey alone');

  // Host a meeting: "New meeting" on the join page, then the preview.
  await b.waitFor('New meeting', 'body[data-state="join"] #new-meeting');
  await b.page.click('#new-meeting');
  await b.waitFor('the preview page', 'body[data-state="preview"]');
  await b.waitFor('"Join now" enabled', '#enter-button:not([disabled])');
  await b.page.click('#enter-button');
  const self = await b.inMeeting();
  const meetingRoom = await b.page.evaluate(() => window.conclaveRoom.name);
  await shot(b, 'accounts-hosting');
  log(`hosting ${meetingRoom} as ${self.identity}`);
  await b.page.click('#leave-button');
  await b.waitFor('the page after the meeting', 'body[data-state="left"]');

  // The administrator sees the account and makes a reset link.
  await a.page.goto('about:blank');
  await a.page.goto(base + '/#admin', { waitUntil: 'load' });
  await a.waitFor('the new account listed', (email) => [...document.querySelectorAll('#user-list .item-name')].some((e) => e.textContent.includes(email)), undefined, newcomer.email);
  const row = a.page.locator('#user-list li', { hasText: newcomer.email });
  const rowMeta = (await row.locator('.item-meta').textContent()).trim();
  await row.getByRole('button', { name: `Reset the password of ${newcomer.name} (${newcomer.email})` }).click();
  await row.getByRole('button', { name: 'Reset password', exact: true }).click();
  await a.waitFor('the reset link', '#user-list .reset-link');
  const resetLink = await a.page.inputValue('#user-list .reset-link');
  await shot(a, 'accounts-admin-reset');

  // The newcomer's sessions ended; the link sets a new password.
  await b.page.goto('about:blank');
  await b.page.goto(resetLink, { waitUntil: 'load' });
  await b.waitFor('the reset form', '#new-password');
  const resetURL = b.page.url();
  await b.page.fill('#new-password', newcomer.password2);
  await b.page.fill('#new-password-repeat', newcomer.password2);
  await b.page.click('#reset-submit');
  await b.waitFor('the sign-in page saying the password is set', '#signin-password');
  const resetMessage = await textOf(b.page, '.acct-message');
  await b.page.fill('#signin-password', newcomer.password2);
  await b.page.click('#signin-submit');
  await b.waitFor('the second step offering the passkey', '#signin-step-passkey');
  await b.page.click('#signin-step-passkey');
  await signedInAs(b, newcomer.name);
  log('signed in with the new password and the passkey');

  // Administration: disabling refuses the newcomer at once, enabling
  // lets them in again; an invite can be revoked.
  const who = `${newcomer.name} (${newcomer.email})`;
  await a.page.goto('about:blank');
  await a.page.goto(base + '/#admin', { waitUntil: 'load' });
  const userRow = a.page.locator('#user-list li', { hasText: newcomer.email });
  await userRow.getByRole('button', { name: `Disable ${who}` }).click();
  await userRow.getByRole('button', { name: 'Disable', exact: true }).click();
  await a.waitFor('the newcomer shown disabled', (email) => [...document.querySelectorAll('#user-list li')].some((li) => li.textContent.includes(email) && li.dataset.status === 'disabled'), undefined, newcomer.email);
  await b.page.goto('about:blank');
  await b.page.goto(base + '/#account', { waitUntil: 'load' });
  await b.waitFor('the sign-in page (the session ended with the account disabled)', '#signin-email');
  await b.page.fill('#signin-email', newcomer.email);
  await b.page.fill('#signin-password', newcomer.password2);
  await b.page.click('#signin-submit');
  await b.waitFor('the disabled account refused', '#signin-error:not([hidden])');
  const disabledText = await textOf(b.page, '#signin-error');
  await userRow.getByRole('button', { name: `Enable ${who}` }).click();
  await userRow.getByRole('button', { name: 'Enable', exact: true }).click();
  await a.waitFor('the newcomer shown active', (email) => [...document.querySelectorAll('#user-list li')].some((li) => li.textContent.includes(email) && li.dataset.status === 'active'), undefined, newcomer.email);
  await b.page.click('#signin-submit');
  await b.waitFor('the second step again', '#signin-step-passkey');
  await b.page.click('#signin-step-passkey');
  await signedInAs(b, newcomer.name);

  await a.page.click('#invite-create');
  await a.waitFor('an open invite for anyone', () => [...document.querySelectorAll('#invite-list .item-name')].some((e) => e.textContent === 'anyone with the link'));
  await a.page.getByRole('button', { name: 'Revoke the invite for anyone with the link' }).click();
  await a.page.locator('#invite-list').getByRole('button', { name: 'Revoke', exact: true }).click();
  await a.waitFor('no open invite', () => document.querySelector('#admin-invites')?.textContent.includes('No open invites.'));
  log('disabled, enabled, an invite revoked');

  return { disabledText, banner, bannerAfter, link, urlAfterOpen, historyHasToken, boundEmail, codes, credentials: creds.length, meetingRoom, identity: self.identity, rowMeta, resetLink, resetURL, resetMessage, base };
});
