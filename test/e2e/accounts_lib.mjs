// Helpers of the account scenarios (accounts_*.mjs): the app's address as
// a passkey needs it, TOTP codes computed from the secret the page shows
// (RFC 6238, written here from the RFC, not taken from the app), and the
// steps a person takes on the account pages.

import { createHmac } from 'node:crypto';
import { env, LIMIT, log, until } from './lib.mjs';

// The server listens on 127.0.0.1; passkeys need a host name as their
// relying party id, so the pages open it as localhost (same port).
export const base = (() => {
  const u = new URL(env.url);
  u.hostname = 'localhost';
  return u.origin;
})();

// base32 (RFC 4648) to bytes, ignoring spaces and padding.
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = s.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of clean) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// totpAt is the 6-digit code of a time step (RFC 6238 with HMAC-SHA-1, as
// RFC 4226's dynamic truncation).
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

// Authenticator is the test's authenticator app: each code it gives is of a
// step later than the last one it gave, as the server accepts each step
// once; the server takes one step either side of now, so when the next
// step is too far ahead it waits for the clock (a condition, not a sleep).
export class Authenticator {
  constructor(secret) {
    this.secret = secret;
    this.last = -1;
  }

  async next() {
    const now = () => Math.floor(Date.now() / 1000 / 30);
    const step = await until('the next TOTP step', 90_000, () => {
      const s = Math.max(now(), this.last + 1);
      return s <= now() + 1 ? s : 0;
    }, 500);
    this.last = step;
    return totpAt(this.secret, step);
  }
}

// The sentence the app shows for invalid_credentials (web/app/src/text.ts).
export const WRONG_CODE = 'The email or password is wrong, or the code is not right.';

export async function textOf(page, selector) {
  return (await page.locator(selector).textContent())?.trim() ?? '';
}

// signIn goes through #signin with the keyboard only: the email field has
// the focus, Tab reaches the password, Enter submits.
export async function signIn(p, email, password) {
  const { page } = p;
  // A fresh load of the page (a goto to the same URL with a fragment would not reload).
  await page.goto('about:blank');
  await page.goto(base + '/#signin', { waitUntil: 'load' });
  await p.waitFor('the sign-in form with the focus on the email', () => document.activeElement && document.activeElement.id === 'signin-email');
  await page.keyboard.type(email);
  await page.keyboard.press('Tab');
  await p.waitFor('the focus on the password', () => document.activeElement && document.activeElement.id === 'signin-password');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

// signedInAs waits for the header to name the account.
export async function signedInAs(p, name) {
  await p.waitFor(`the header naming ${name}`, (n) => document.querySelector('#nav-account')?.textContent === n, LIMIT.page, name);
}

export async function signOut(p) {
  await p.page.click('#nav-signout');
  await p.waitFor('the sign-in page after signing out', () => document.querySelector('#nav-signin') && document.querySelector('#signin-email'));
  log(`${p.label}: signed out`);
}

// noOverflow checks that the page fits its width (360 px phones).
export async function noOverflow(p, what) {
  const w = await p.page.evaluate(() => {
    const client = document.documentElement.clientWidth;
    // The innermost elements that reach past the window, to name in a failure.
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > client + 0.5 && ![...el.children].some((c) => c.getBoundingClientRect().right > client + 0.5))
      .slice(0, 3)
      .map((el) => {
        const chain = [];
        for (let x = el; x && x !== document.body; x = x.parentElement) {
          const r = x.getBoundingClientRect();
          chain.push(`${x.tagName.toLowerCase()}${x.id ? '#' + x.id : ''}${x.classList.length ? '.' + [...x.classList].join('.') : ''} [${Math.round(r.left)}..${Math.round(r.right)}]`);
        }
        return chain.join(' < ');
      });
    return { scroll: document.documentElement.scrollWidth, client, wide };
  });
  if (w.scroll > w.client) throw new Error(`${what}: the page is ${w.scroll} px wide in a ${w.client} px window: ${w.wide.join(', ')}`);
}

// virtualAuthenticator gives the page's browser a platform authenticator
// that verifies its user (Chromium's CDP WebAuthn domain): what Touch ID
// or Windows Hello is to a person. It returns the CDP session and the
// authenticator's id, to read its credentials.
export async function virtualAuthenticator(p) {
  const cdp = await p.page.context().newCDPSession(p.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    },
  };
}

// addPasskey registers a passkey on the account page; it returns the
// recovery codes the server made with it, if it made any.
export async function addPasskey(p, name, password) {
  const { page } = p;
  await page.click('#nav-account');
  await p.waitFor('the passkeys section', '#passkey-add:not([disabled])');
  await page.click('#passkey-add');
  await p.waitFor('the passkey form, focused', () => document.activeElement?.id === 'passkey-name');
  await page.fill('#passkey-name', name);
  await page.fill('#passkey-password', password);
  await page.click('#passkey-create');
  await p.waitFor(`the passkey ${name} listed`, (n) => [...document.querySelectorAll('#passkey-list .item-name')].some((e) => e.textContent === n), undefined, name);
  const codes = await page.$$eval('#recovery-codes li', (lis) => lis.map((li) => li.textContent.trim()));
  if (codes.length) await page.click('text=I have saved them');
  log(`${p.label}: passkey ${name} added${codes.length ? ` with ${codes.length} recovery codes` : ''}`);
  return codes;
}

// signInWithPasskey signs in with a passkey alone.
export async function signInWithPasskey(p) {
  const { page } = p;
  await page.goto('about:blank');
  await page.goto(base + '/#signin', { waitUntil: 'load' });
  await p.waitFor('the passkey button', '#signin-passkey:not([hidden])');
  await page.click('#signin-passkey');
}
