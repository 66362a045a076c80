// The guest page: a meeting invite link, https://HOST/#join=cmi1.…
// (docs/access.md, "Invites"). The invite token never goes in a URL the
// browser sends: routeOf (account-nav.ts) takes it out of the address bar
// at once, and it goes to the server only in the body of
// POST /v1/invites/redeem, with the display name the guest types (and an
// email when the invite is for one domain, and the room password when the
// meeting has one). The answer is a guest join token; the app then goes on
// to the preview and joins with it, giving the password again in the join
// (the server checks it there too). The password stays in memory only.
//
// A signed-in member of the organisation (this browser has a session)
// is not asked for a name: the page says "Joining as NAME (member)" and
// redeems with the session cookie, and the server signs a token that is
// the member's (its account's name and id; with the policy's
// members_skip_lobby it joins without waiting in the lobby). Should the
// server not take the session as a member's (it ended meanwhile), the
// name is asked as of any guest.
//
// The guest token is kept for this tab (sessionStorage, until it
// expires), so that a reload or the same link opened again in this tab
// joins with it instead of spending another use of the invite: a guest
// who was removed is then refused again (token_revoked), rather than
// coming back as a new guest.
//
// An invite's redemptions are rate limited (a webinar's opening rush): on
// 429 rate_limited the page says that many people are joining, counts
// down the server's Retry-After in a polite live region and tries again
// by itself (AUTO_RETRIES times at most, then the button is the guest's),
// with what the guest typed. A throttle of failed guesses
// (too_many_attempts) shows its wait too, but the guest tries again.

import { api, ApiError, type Redemption } from './account-api.js';
import { errorText, field, formError, input, when } from './account-ui.js';
import { h } from './dom.js';
import { NAME_MAX } from './text.js';

/** A redeemed invite: the guest token, kept for this tab. */
export interface GuestPass {
  /** The invite's id (its token's payload). */
  invite: string;
  room: string;
  name: string;
  token: string;
  /** When the token expires, Unix ms. */
  expiresAt: number;
  /** The meeting asked for its password (never the password itself). */
  password?: boolean;
}

const PASS_KEY = 'conclave.guest.v1';
/**
 * The invite's redemptions are rate limited (429 rate_limited, a webinar's
 * opening rush): the page counts down the server's Retry-After and tries
 * again by itself, at most AUTO_RETRIES times in a row, then leaves the
 * guest the button. A wait longer than AUTO_RETRY_MAX_S seconds is shown
 * but not retried by itself.
 */
const AUTO_RETRIES = 3;
const AUTO_RETRY_MAX_S = 60;
/** A 429 without a usable Retry-After waits this long (seconds). */
const DEFAULT_WAIT_S = 2;
/** A pass this close to its expiry is not offered: the join would fail midway. */
const PASS_MARGIN_MS = 60_000;

/** What an invite token says (id, room, expiry), read only to show and to match a kept pass: the server verifies it. */
export function peekInvite(token: string): { id: string; room: string; exp: number } | null {
  const m = /^cmi1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/.exec(token.trim());
  if (!m || token.length > 512) return null;
  try {
    const b64 = m[1].replace(/-/g, '+').replace(/_/g, '/');
    const v = JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4))) as { id?: unknown; room?: unknown; exp?: unknown };
    if (typeof v.id !== 'string' || typeof v.room !== 'string' || typeof v.exp !== 'number') return null;
    return { id: v.id, room: v.room, exp: v.exp };
  } catch {
    return null;
  }
}

/** The pass kept in this tab, or null (none, unreadable or expired). */
export function loadGuestPass(): GuestPass | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(PASS_KEY) ?? 'null') as Partial<GuestPass> | null;
    if (!v || typeof v.token !== 'string' || typeof v.invite !== 'string' || typeof v.room !== 'string' || typeof v.name !== 'string' || typeof v.expiresAt !== 'number') return null;
    if (v.expiresAt - PASS_MARGIN_MS < Date.now()) {
      sessionStorage.removeItem(PASS_KEY);
      return null;
    }
    return v as GuestPass;
  } catch {
    return null;
  }
}

function saveGuestPass(p: GuestPass): void {
  try {
    sessionStorage.setItem(PASS_KEY, JSON.stringify(p));
  } catch {
    // Storage may be off: the guest then redeems again after a reload.
  }
}

export interface GuestOptions {
  /** The invite token from the link; '' after a reload (it left the address bar). */
  invite: string;
  /** The display name to offer. */
  name: string;
  /** This browser's signed-in account: it redeems as a member, under its own name. */
  member?: { name: string };
  /** A join with the kept guest token was refused for the password: the sentence to show. */
  passwordError?: string;
  /** The guest has a token (and the room password it typed, or ''): go on to the preview. */
  onReady: (p: GuestPass, password: string) => void;
}

/** The room password's field, hidden until the meeting asks for it. */
function passwordField(): ReturnType<typeof field<HTMLInputElement>> {
  const f = field('Meeting password', input({ id: 'guest-password', type: 'password', autocomplete: 'off', maxlength: 128 }),
    'The host gave it to you apart from the link.');
  f.wrap.hidden = true;
  return f;
}

/** A code that means the meeting wants its password. */
function asksPassword(code: string): boolean {
  return code === 'password_required' || code === 'password_wrong';
}

export function renderGuest(root: HTMLElement, opts: GuestOptions): () => void {
  const peek = opts.invite ? peekInvite(opts.invite) : null;
  const kept = loadGuestPass();
  // The same link again in this tab (or a reload): the guest it made comes back.
  const pass = kept && (!opts.invite || (peek && peek.id === kept.invite)) ? kept : null;
  const room = peek?.room ?? pass?.room ?? '';
  const heading = h('h1', { id: 'guest-title', tabindex: -1 }, 'Join a meeting');
  const card = h('section', { class: 'card join-card guest-card', 'aria-labelledby': 'guest-title' }, heading,
    room ? h('p', {}, 'You are invited to the meeting ', h('strong', { class: 'room-name', id: 'guest-room' }, room), '.') : null);
  root.replaceChildren(h('div', { class: 'page page-guest' }, card));

  if (pass) {
    const pw = passwordField();
    const err = formError();
    err.id = 'guest-error';
    const again = h('button', { type: 'submit', class: 'btn btn-primary', id: 'guest-join' }, 'Join again');
    const form = h('form', { class: 'guest-form', novalidate: true, 'aria-labelledby': 'guest-title' },
      h('p', { id: 'guest-kept' }, `You opened this invite in this tab as ${pass.name}.`), pw.wrap, err, h('div', { class: 'actions' }, again));
    card.append(form);
    pw.wrap.hidden = !pass.password && !opts.passwordError;
    if (opts.passwordError) err.show(opts.passwordError);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!pw.wrap.hidden && pw.input.value === '') {
        pw.setError('Enter the meeting’s password.');
        return pw.input.focus();
      }
      opts.onReady(pass, pw.wrap.hidden ? '' : pw.input.value);
    });
    (pw.wrap.hidden ? again : pw.input).focus();
    return () => {};
  }
  if (!opts.invite || !peek) {
    card.append(h('p', { class: opts.invite ? 'form-error' : '', role: opts.invite ? 'alert' : null, id: 'guest-gone' }, opts.invite
      ? 'This is not a valid invite link. Check that you copied all of it, or ask for a new one.'
      : 'For your safety the invite link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the invite link you received once more.'));
    heading.focus();
    return () => {};
  }

  const name = field('Your name', input({ id: 'guest-name', autocomplete: 'name', required: true, maxlength: NAME_MAX, spellcheck: 'false' }), 'Shown to the others in the meeting.');
  name.input.value = opts.name;
  let asMember = !!opts.member;
  const memberLine = h('p', { id: 'guest-member' }, `Joining as ${opts.member?.name || 'yourself'} (member)`);
  memberLine.hidden = !asMember;
  name.wrap.hidden = asMember;
  const email = field('Your email address', input({ id: 'guest-email', type: 'email', autocomplete: 'email', maxlength: 254 }),
    'This invite is for people with an email address at a particular domain.');
  email.wrap.hidden = true;
  const pw = passwordField();
  const err = formError();
  err.id = 'guest-error';
  // The wait the server asked for, counted down: a polite live region, in
  // the page from the start so that its first sentence is announced.
  const waitLine = h('p', { id: 'guest-wait', class: 'hint', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const go = h('button', { type: 'submit', class: 'btn btn-primary', id: 'guest-continue' }, 'Continue');
  const form = h('form', { class: 'guest-form', novalidate: true, 'aria-labelledby': 'guest-title' },
    h('p', { class: 'hint' }, `The link works until ${when(new Date(peek.exp * 1000).toISOString())}.`),
    memberLine, name.wrap, email.wrap, pw.wrap, err, waitLine, h('div', { class: 'actions' }, go));
  card.append(form);

  let alive = true;
  let busy = false;
  /** The countdown's timer, 0 when none runs. */
  let timer = 0;
  /** Tries made by the page itself since the guest last pressed Continue. */
  let autoTries = 0;
  let auto = false;
  const stopWait = (): void => {
    if (timer) clearInterval(timer);
    timer = 0;
  };
  const seconds = (n: number): string => (n === 1 ? '1 second' : `${n} seconds`);
  /**
   * Counts down secs seconds with the button disabled, saying sentence(n)
   * each second; then runs done.
   */
  const countDown = (secs: number, sentence: (n: number) => string, done: () => void): void => {
    stopWait();
    let left = secs;
    go.disabled = true;
    go.textContent = 'Please wait…';
    waitLine.textContent = sentence(left);
    timer = window.setInterval(() => {
      if (!alive) return stopWait();
      left -= 1;
      if (left > 0) {
        waitLine.textContent = sentence(left);
        return;
      }
      stopWait();
      done();
    }, 1000);
  };
  const buttonBack = (): void => {
    go.disabled = false;
    go.textContent = 'Continue';
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy || (timer && !auto)) return;
    if (!auto) autoTries = 0;
    auto = false;
    stopWait();
    buttonBack();
    const n = asMember ? '' : name.input.value.trim();
    if (!asMember) {
      name.setError(n === '' ? 'Enter your name.' : '');
      if (n === '') return name.input.focus();
    }
    const em = email.input.value.trim();
    if (!email.wrap.hidden) {
      email.setError(em.includes('@') ? '' : 'Enter your email address.');
      if (!em.includes('@')) return email.input.focus();
    }
    const password = pw.wrap.hidden ? '' : pw.input.value;
    if (!pw.wrap.hidden) {
      pw.setError(password === '' ? 'Enter the meeting’s password.' : '');
      if (password === '') return pw.input.focus();
    }
    busy = true;
    go.disabled = true;
    go.setAttribute('aria-busy', 'true');
    go.textContent = 'Checking the invite…';
    err.show('');
    // A member's redemption carries no name: the session cookie says who.
    const body: Record<string, string> = asMember ? { invite: opts.invite } : { invite: opts.invite, name: n };
    if (em) body.email = em;
    if (password) body.password = password;
    api<Redemption>('POST', '/v1/invites/redeem', body).then(
      (r) => {
        if (!alive) return;
        const p: GuestPass = { invite: r.invite_id, room: r.room, name: r.join.name || n, token: r.join.token, expiresAt: Date.parse(r.join.expires_at) || Date.now() + 3600_000 };
        if (password) p.password = true;
        saveGuestPass(p);
        opts.onReady(p, password);
      },
      (e: unknown) => {
        if (!alive) return;
        busy = false;
        go.disabled = false;
        go.removeAttribute('aria-busy');
        go.textContent = 'Continue';
        const code = e instanceof ApiError ? e.code : '';
        err.dataset.code = code;
        waitLine.textContent = '';
        const secs = e instanceof ApiError && e.status === 429 ? e.retryAfter || DEFAULT_WAIT_S : 0;
        if (code === 'rate_limited' && secs > 0) {
          // Many guests at once: wait as asked, then try again, keeping what was typed.
          err.show('');
          if (autoTries < AUTO_RETRIES && secs <= AUTO_RETRY_MAX_S) {
            autoTries++;
            countDown(secs, (n) => `Many people are joining this meeting right now. Trying again in ${seconds(n)}…`, () => {
              waitLine.textContent = 'Trying again now…';
              auto = true;
              form.requestSubmit();
            });
          } else {
            countDown(secs, (n) => `Many people are joining this meeting right now. You can try again in ${seconds(n)}.`, () => {
              waitLine.textContent = 'Many people are joining this meeting right now. Press Continue to try again.';
              buttonBack();
              go.focus();
            });
          }
          return;
        }
        err.show(errorText(e));
        if (code === 'too_many_attempts' && secs > 0) {
          // Failed guesses throttled: the guest tries again, once the wait is over.
          countDown(secs, (n) => `You can try again in ${seconds(n)}.`, () => {
            waitLine.textContent = 'You can try again now.';
            buttonBack();
          });
        }
        if (asMember && code === 'invalid_argument') {
          // The server did not take the session as a member's: ask the name.
          asMember = false;
          memberLine.hidden = true;
          name.wrap.hidden = false;
          err.show('Your session has ended: join as a guest with your name, or sign in again.');
          name.input.focus();
        } else if (code === 'invite_email_domain') {
          email.wrap.hidden = false;
          email.input.focus();
        } else if (asksPassword(code)) {
          pw.wrap.hidden = false;
          pw.input.value = '';
          pw.input.focus();
        }
      },
    );
  });
  (asMember || name.input.value ? go : name.input).focus();
  return () => {
    alive = false;
    stopWait();
  };
}
