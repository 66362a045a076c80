// Pages reached from a link: signing up with an invite (#invite=<token>)
// and setting a new password after an administrator's reset
// (#reset=<token>). The token was already taken out of the address bar
// (account-nav.ts routeOf); it lives in this page's memory only.

import { api, type SigninAnswer } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { renderSignin } from './account-signin.js';
import { errorText, field, formError, input, newPasswordProblem, page, when, withBusy } from './account-ui.js';
import { h } from './dom.js';

const EMAIL_MAX = 254;
const NAME_MAX = 100;

interface InviteInfo {
  email: string;
  role: string;
  expires_at: string;
}

function newPasswordFields(): { pw: ReturnType<typeof field<HTMLInputElement>>; repeat: ReturnType<typeof field<HTMLInputElement>> } {
  const pw = field('New password', input({ type: 'password', autocomplete: 'new-password', required: true, minlength: 12, maxlength: 1024, id: 'new-password' }),
    'At least 12 characters. A few unrelated words make a strong one that is easy to type.');
  const repeat = field('Repeat the password', input({ type: 'password', autocomplete: 'new-password', required: true, maxlength: 1024, id: 'new-password-repeat' }));
  return { pw, repeat };
}

/** Checks the two new-password fields; focuses the first problem. */
function checkNew(pw: { input: HTMLInputElement; setError: (m: string) => void }, repeat: { input: HTMLInputElement; setError: (m: string) => void }): boolean {
  const p = newPasswordProblem(pw.input.value, repeat.input.value);
  pw.setError(p?.field === 'new' ? p.msg : '');
  repeat.setError(p?.field === 'repeat' ? p.msg : '');
  if (p) (p.field === 'new' ? pw.input : repeat.input).focus();
  return !p;
}

/** A link that no longer carries its token (reloaded, or opened without one). */
export function renderGone(root: HTMLElement, what: 'invite' | 'reset'): () => void {
  page(root, 'page-gone', what === 'invite' ? 'Create your account' : 'Set a new password',
    h('div', { class: 'card acct-card' },
      h('p', {}, what === 'invite'
        ? 'For your safety the invite link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the invite link you received once more.'
        : 'For your safety the reset link was removed from the address bar when it was opened, so reloading the page cannot use it again. Open the reset link you received once more.'),
      h('p', {}, h('a', { href: '#signin' }, 'Sign in'), ' · ', h('a', { href: '/' }, 'Join a meeting'))));
  return () => {};
}

export function renderSignup(root: HTMLElement, acc: Accounts, invite: string): () => void {
  const status = h('p', { class: 'loading', role: 'status' }, 'Checking the invite…');
  page(root, 'page-signup', 'Create your account', status);
  let alive = true;
  api<InviteInfo>('POST', '/v1/auth/signup/check', { invite }).then(
    (info) => { if (alive) signupForm(status, acc, invite, info); },
    (err) => {
      if (!alive) return;
      status.replaceWith(h('div', { class: 'card acct-card' },
        h('p', { class: 'form-error', role: 'alert', id: 'signup-error' }, errorText(err)),
        h('p', {}, h('a', { href: '#signin' }, 'Sign in'), ' · ', h('a', { href: '/' }, 'Join a meeting'))));
    },
  );
  return () => { alive = false; };
}

function signupForm(slot: HTMLElement, acc: Accounts, invite: string, info: InviteInfo): void {
  const bound = info.email !== '';
  const email = field('Email', input({ type: 'email', autocomplete: 'username', required: true, maxlength: EMAIL_MAX, id: 'signup-email', readonly: bound }),
    bound ? 'This invite is for this email.' : 'You sign in with it.');
  email.input.value = info.email;
  const name = field('Your name', input({ autocomplete: 'name', required: true, maxlength: NAME_MAX, id: 'signup-name', spellcheck: 'true' }), 'Shown to others in meetings.');
  const { pw, repeat } = newPasswordFields();
  const err = formError();
  err.id = 'signup-error';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'signup-submit' }, 'Create account');
  const form = h('form', { class: 'card acct-card', novalidate: true, 'aria-label': 'New account' },
    h('p', {}, `You are invited to Conclave as ${info.role === 'admin' ? 'an administrator' : 'a member'}. The invite is good until ${when(info.expires_at)}.`),
    email.wrap, name.wrap, pw.wrap, repeat.wrap, err, h('div', { class: 'actions' }, submit));
  slot.replaceWith(form);
  (bound ? name.input : email.input).focus();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    const nm = name.input.value.trim();
    email.setError(em === '' ? 'Enter your email.' : '');
    name.setError(nm === '' ? 'Enter your name.' : '');
    if (em === '') return email.input.focus();
    if (nm === '') return name.input.focus();
    if (!checkNew(pw, repeat)) return;
    void withBusy(submit, 'Creating the account…', err, async () => {
      const answer = await api<SigninAnswer>('POST', '/v1/auth/signup', { invite, email: em, name: nm, password: pw.input.value });
      await acc.signedIn(answer);
    });
  });
}

export function renderReset(root: HTMLElement, acc: Accounts, token: string): () => void {
  const status = h('p', { class: 'loading', role: 'status' }, 'Checking the link…');
  page(root, 'page-reset', 'Set a new password', status);
  let alive = true;
  api<{ email: string; expires_at: string }>('POST', '/v1/auth/password/reset/check', { token }).then(
    (info) => {
      if (!alive) return;
      const { pw, repeat } = newPasswordFields();
      const err = formError();
      err.id = 'reset-error';
      const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reset-submit' }, 'Set password');
      const form = h('form', { class: 'card acct-card', novalidate: true, 'aria-label': 'New password' },
        h('p', {}, `A new password for ${info.email}. This link works once, until ${when(info.expires_at)}.`),
        pw.wrap, repeat.wrap, err, h('div', { class: 'actions' }, submit));
      status.replaceWith(form);
      pw.input.focus();
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        if (!checkNew(pw, repeat)) return;
        void withBusy(submit, 'Saving…', err, async () => {
          await api('POST', '/v1/auth/password/reset', { token, new: pw.input.value });
          acc.forget();
          history.replaceState(null, '', `${location.pathname}${location.search}#signin`);
          renderSignin(document.getElementById('app') as HTMLElement, acc, { email: info.email, message: 'Your new password is set. Sign in with it.' });
        });
      });
    },
    (err) => {
      if (!alive) return;
      status.replaceWith(h('div', { class: 'card acct-card' },
        h('p', { class: 'form-error', role: 'alert', id: 'reset-error' }, errorText(err)),
        h('p', {}, 'Ask your administrator for a new link.')));
    },
  );
  return () => { alive = false; };
}
