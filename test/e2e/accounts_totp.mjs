// Scenario: an account the Go test made signs in with the keyboard only,
// enrols an authenticator app from the secret the page shows (codes
// computed here, RFC 6238), gets its ten recovery codes once, signs out
// and in with password and TOTP, and with a recovery code, which then
// works no more. On a 360 px wide phone-sized page. The Go test reads the
// result and checks the server's side.
import { scenario, log } from './lib.mjs';
import { Authenticator, base, noOverflow, signedInAs, signIn, signOut, textOf, WRONG_CODE } from './accounts_lib.mjs';

const email = process.env.CONCLAVE_ACCOUNT_EMAIL;
const password = process.env.CONCLAVE_ACCOUNT_PASSWORD;
const name = process.env.CONCLAVE_ACCOUNT_NAME;

scenario('accounts_totp', async (ctx) => {
  const browser = await ctx.browser({ permissions: [] });
  const p = await browser.page('sam');
  const { page } = p;
  await page.setViewportSize({ width: 360, height: 740 });

  // A wrong password: the sentence of invalid_credentials, announced.
  await signIn(p, email, password + 'x');
  await p.waitFor('the wrong-password error', '#signin-error:not([hidden])');
  const wrongPassword = await textOf(page, '#signin-error');
  const errorRole = await page.getAttribute('#signin-error', 'role');

  // Signed in with the password alone (no second factor yet): the join
  // page, with the account in the header.
  await signIn(p, email, password);
  await signedInAs(p, name);
  await p.waitFor('the join page with New meeting', 'body[data-state="join"] #new-meeting');
  // The account was locked since its last sign-in (the Go test says so): told once.
  await p.waitFor('the lock notice', () => [...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('was locked')));
  const lockNotice = await page.evaluate(() => [...document.querySelectorAll('#notices .notice')].map((n) => ({ text: n.firstElementChild.textContent, role: n.getAttribute('role') })).find((n) => n.text.includes('was locked')));
  await noOverflow(p, 'the join page');

  // Enrol the authenticator app.
  await page.click('#nav-account');
  await p.waitFor('the account page', '#acct-totp #totp-setup');
  await noOverflow(p, 'the account page');
  await page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/accounts-account.png`, fullPage: true });
  await page.click('#totp-setup');
  await p.waitFor('the password prompt', '#acct-totp input[type="password"]');
  await page.fill('#acct-totp input[type="password"]', password);
  await page.keyboard.press('Enter');
  await p.waitFor('the QR code, loaded', () => {
    const img = document.querySelector('#totp-qr');
    return img && img.complete && img.naturalWidth > 0;
  });
  const qrSrc = await page.getAttribute('#totp-qr', 'src');
  const secret = await page.getAttribute('#totp-secret', 'data-secret');
  const shownSecret = await textOf(page, '#totp-secret');
  await noOverflow(p, 'the TOTP enrolment');
  await page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/accounts-totp-enrol.png`, fullPage: true });
  const app = new Authenticator(secret);
  await page.fill('#totp-code', await app.next());
  await page.click('#totp-confirm');
  await p.waitFor('the ten recovery codes', () => document.querySelectorAll('#recovery-codes li').length === 10);
  const codes = await page.$$eval('#recovery-codes li', (lis) => lis.map((li) => li.textContent.trim()));
  await page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/accounts-recovery-codes.png`, fullPage: true });
  await page.click('text=I have saved them');
  await p.waitFor('the app shown as on', () => /^On:/.test(document.querySelector('#totp-status')?.textContent ?? ''));
  await p.waitFor('10 recovery codes left', () => /^10 of 10/.test(document.querySelector('#recovery-status')?.textContent ?? ''));
  log('TOTP enrolled; recovery codes:', codes.length);

  // Sign out, then in with the password and a code from the app.
  await signOut(p);
  await signIn(p, email, password);
  await p.waitFor('the second step, focus on the code', () => document.activeElement?.id === 'signin-code');
  await noOverflow(p, 'the second step');
  await page.screenshot({ path: `${process.env.CONCLAVE_ARTIFACTS}/accounts-second-step.png`, fullPage: true });
  await page.keyboard.type(await app.next());
  await page.keyboard.press('Enter');
  await signedInAs(p, name);
  const lockNoticeAgain = await page.evaluate(() => [...document.querySelectorAll('#notices .notice')].some((n) => n.textContent.includes('was locked')));
  log('signed in with password and TOTP');

  // The sessions list names this browser.
  await page.click('#nav-account');
  await p.waitFor('this device in the sessions list', '#session-list li[data-current="true"] .acct-badge');
  const sessions = await page.$$eval('#session-list li', (lis) => lis.length);

  // A recovery code works once.
  await signOut(p);
  await signIn(p, email, password);
  await p.waitFor('the second step', '#signin-use-recovery');
  await page.click('#signin-use-recovery');
  await p.waitFor('the recovery code field, focused', () => document.activeElement?.id === 'signin-recovery');
  await page.keyboard.type(codes[0]);
  await page.keyboard.press('Enter');
  await signedInAs(p, name);
  await page.click('#nav-account');
  await p.waitFor('9 recovery codes left', () => /^9 of 10/.test(document.querySelector('#recovery-status')?.textContent ?? ''));
  log('signed in with a recovery code');

  await signOut(p);
  await signIn(p, email, password);
  await p.waitFor('the second step', '#signin-use-recovery');
  await page.click('#signin-use-recovery');
  await page.fill('#signin-recovery', codes[0]);
  await page.click('#signin-recovery-submit');
  await p.waitFor('the used recovery code refused', '#signin-recovery-form-error:not([hidden])');
  const reused = await textOf(page, '#signin-recovery-form-error');
  // The same ticket still takes a right code.
  await page.fill('#signin-code', await app.next());
  await page.click('#signin-code-submit');
  await signedInAs(p, name);
  log('a used recovery code was refused; TOTP then signed in');

  return { lockNotice, lockNoticeAgain, wrongPassword, errorRole, wrongCodeText: WRONG_CODE, reused, qrIsDataURL: qrSrc.startsWith('data:image/svg+xml'), secret, shownSecret, codes, sessions, url: page.url(), base };
});
