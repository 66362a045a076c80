// The sign-in page (#signin): email and password, then the second step
// the account has (a code from the authenticator app, a recovery code, or
// a passkey); or a passkey alone.

import { api, ApiError, type SigninAnswer } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { browserSupportsPasskeys, NO_BROWSER_PASSKEYS, secondStepWithPasskey, signinWithPasskey } from './account-passkey.js';
import { button, errorText, field, formError, input, page, withBusy } from './account-ui.js';
import { append, h } from './dom.js';
import { accountErrorText } from './text.js';

export interface SigninOptions {
  email?: string;
  /** Said above the form (after a password reset, after a ticket expired). */
  message?: string;
}

/** The longest email the form takes (store.MaxEmailBytes). */
const EMAIL_MAX = 254;

export function renderSignin(root: HTMLElement, acc: Accounts, opts: SigninOptions = {}): () => void {
  const email = field('Email', input({ type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: EMAIL_MAX, id: 'signin-email' }));
  email.input.value = opts.email ?? '';
  const password = field('Password', input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 1024, id: 'signin-password' }));
  const err = formError();
  err.id = 'signin-error';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'signin-submit' }, 'Sign in');
  const form = h('form', { class: 'card acct-card', novalidate: true, 'aria-label': 'Sign in with email and password' },
    opts.message ? h('p', { class: 'acct-message', role: 'status' }, opts.message) : null,
    email.wrap, password.wrap, err, h('div', { class: 'actions' }, submit));

  const passkeyBtn = button('Sign in with a passkey', { id: 'signin-passkey' });
  const passkeyErr = formError();
  const passkeyBox = h('div', { class: 'card acct-card passkey-card' },
    h('p', { class: 'hint' }, 'A passkey signs you in with your fingerprint, face, device PIN or security key, without a password.'),
    passkeyErr, h('div', { class: 'actions actions-left' }, passkeyBtn));
  if (!browserSupportsPasskeys()) {
    passkeyBtn.hidden = true;
    passkeyErr.show(NO_BROWSER_PASSKEYS);
  }
  passkeyBtn.addEventListener('click', () => {
    void withBusy(passkeyBtn, 'Waiting for the passkey…', passkeyErr, async () => {
      try {
        await acc.signedIn(await signinWithPasskey());
      } catch (e) {
        // A server without passkeys says so: hide the button, keep the sentence.
        if (e instanceof ApiError && (e.code === 'passkeys_unavailable' || e.code === 'not_found')) {
          passkeyBtn.hidden = true;
          throw new Error(accountErrorText('passkeys_unavailable'));
        }
        throw e;
      }
    });
  });

  const step = h('div', { class: 'signin-step' }, form, h('p', { class: 'divider' }, 'or'), passkeyBox);
  page(root, 'page-signin', 'Sign in', step,
    h('p', { class: 'acct-foot' }, h('a', { href: '/', id: 'signin-guest' }, 'Join a meeting without an account')));
  (email.input.value ? password.input : email.input).focus();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    email.setError(em === '' ? 'Enter your email.' : '');
    password.setError(password.input.value === '' ? 'Enter your password.' : '');
    if (em === '') return email.input.focus();
    if (password.input.value === '') return password.input.focus();
    void withBusy(submit, 'Signing in…', err, async () => {
      const answer = await api<SigninAnswer>('POST', '/v1/auth/signin', { email: em, password: password.input.value });
      if (answer.status === 'second_factor') {
        password.input.value = '';
        secondStep(step, acc, answer.ticket, answer.methods, em);
        return;
      }
      await acc.signedIn(answer);
    }).then(() => {
      if (!err.hidden) password.input.select();
    });
  });
  return () => {};
}

/** The second step: one of the account's methods, with the ticket of the first. */
function secondStep(slot: HTMLElement, acc: Accounts, ticket: string, methods: string[], email: string): void {
  const hasTOTP = methods.includes('totp');
  const hasPasskey = methods.includes('passkey') && acc.passkeysAvailable;
  const startOver = (message: string) => renderSignin(document.getElementById('app') as HTMLElement, acc, { email, message });
  const onError = (e: unknown, err: { show: (m: string) => void }) => {
    if (e instanceof ApiError && e.code === 'ticket_invalid') {
      startOver(e.message);
      return;
    }
    err.show(errorText(e));
  };

  const codeForm = (kind: 'totp' | 'recovery'): HTMLFormElement => {
    const totp = kind === 'totp';
    const code = field(
      totp ? 'Code from your authenticator app' : 'Recovery code',
      input(totp
        ? { id: 'signin-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10, required: true, pattern: '[0-9 ]*' }
        : { id: 'signin-recovery', autocomplete: 'off', maxlength: 64, required: true }),
      totp ? 'The 6 digits the app shows for Conclave now.' : 'One of the ten codes you saved, like 7k3qd-x0m9a-4vtrb. Each works once.',
    );
    const err = formError();
    err.id = totp ? 'signin-code-form-error' : 'signin-recovery-form-error';
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: totp ? 'signin-code-submit' : 'signin-recovery-submit' }, 'Verify');
    const f = h('form', { class: 'inline-form', novalidate: true, 'aria-label': totp ? 'Authenticator code' : 'Recovery code' }, code.wrap, err, h('div', { class: 'actions actions-left' }, submit));
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = code.input.value.trim();
      code.setError(v === '' ? (totp ? 'Enter the 6-digit code.' : 'Enter a recovery code.') : '');
      if (v === '') return code.input.focus();
      void withBusy(submit, 'Checking…', err, async () => {
        try {
          await acc.signedIn(await api<SigninAnswer>('POST', totp ? '/v1/auth/signin/totp' : '/v1/auth/signin/recovery', { ticket, code: v }));
        } catch (e2) {
          onError(e2, err);
          code.input.select();
        }
      });
    });
    return f;
  };

  const other = h('div', { class: 'other-ways' });
  const primary = hasTOTP ? codeForm('totp') : null;
  const recovery = codeForm('recovery');
  recovery.hidden = hasTOTP || hasPasskey;
  const recoveryBtn = button('Use a recovery code', { id: 'signin-use-recovery', 'aria-expanded': String(!recovery.hidden) });
  recoveryBtn.addEventListener('click', () => {
    recovery.hidden = false;
    recoveryBtn.setAttribute('aria-expanded', 'true');
    recovery.querySelector('input')?.focus();
  });
  const pkErr = formError();
  const pkBtn = hasPasskey ? button('Use a passkey', { id: 'signin-step-passkey' }, hasTOTP ? 'ghost' : 'primary') : null;
  pkBtn?.addEventListener('click', () => {
    void withBusy(pkBtn, 'Waiting for the passkey…', pkErr, async () => {
      try {
        await acc.signedIn(await secondStepWithPasskey(ticket));
      } catch (e) {
        onError(e, pkErr);
      }
    });
  });
  if (pkBtn && !browserSupportsPasskeys()) {
    pkBtn.hidden = true;
    pkErr.show(NO_BROWSER_PASSKEYS);
  }
  const again = h('a', { href: '#signin', id: 'signin-start-over' }, 'Start over');
  again.addEventListener('click', (e) => {
    e.preventDefault();
    startOver('');
  });
  append(other, pkBtn, pkErr, recovery.hidden ? recoveryBtn : null);
  const h2 = h('h2', { tabindex: -1, id: 'signin-step-title' }, 'Second step');
  slot.replaceChildren(
    h('div', { class: 'card acct-card', role: 'group', 'aria-labelledby': 'signin-step-title' },
      h2,
      h('p', {}, hasTOTP ? 'Your password is right. Now confirm it is you with your authenticator app.' : hasPasskey ? 'Your password is right. Now confirm it is you with your passkey.' : 'Your password is right. Now enter one of your recovery codes.'),
      primary, other, recovery, h('p', { class: 'acct-foot' }, again)),
  );
  const first = primary?.querySelector('input') ?? (pkBtn && !pkBtn.hidden ? pkBtn : recovery.querySelector('input'));
  (first ?? h2).focus();
}
