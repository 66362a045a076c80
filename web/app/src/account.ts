// The account page (#account): a first step when the account still needs
// a second factor, then the profile, how it signs in (passkeys, the
// authenticator app, recovery codes, the password), where it is signed in
// and its personal API tokens.

import { api, needsSecondFactor, type MeResponse } from './account-api.js';
import { recoverySection, totpSection } from './account-2fa.js';
import type { Accounts } from './account-nav.js';
import { passkeysSection } from './account-passkeys.js';
import { sessionsSection, tokensSection } from './account-sessions.js';
import { field, formError, input, newPasswordProblem, page, section, withBusy, type Part } from './account-ui.js';
import { h, notify } from './dom.js';

const NAME_MAX = 100;

export function renderAccount(root: HTMLElement, acc: Accounts): () => void {
  const me = acc.me;
  if (!me) {
    acc.signInFirst('account');
    return () => {};
  }
  const banner = h('div', { class: 'acct-banner', id: 'acct-banner', role: 'status' });
  const parts: Part[] = [];
  const changed = () => {
    drawBanner(banner, acc.me);
    for (const p of parts) p.redraw();
  };
  const pk = passkeysSection(acc, changed);
  const totp = totpSection(acc, changed);
  const rec = recoverySection(acc);
  const tokens = tokensSection(acc);
  parts.push(pk, totp, rec, tokens);
  drawBanner(banner, me);
  page(root, 'page-account', 'Your account',
    banner,
    profileSection(acc),
    h('h2', { class: 'group-title' }, 'How you sign in'),
    pk.el, totp.el, rec.el,
    passwordSection(),
    sessionsSection(acc).el,
    tokens.el,
  );
  return () => {};
}

function drawBanner(banner: HTMLElement, me: MeResponse | null): void {
  if (!me || !needsSecondFactor(me.user)) {
    banner.replaceChildren();
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.replaceChildren(
    h('p', { class: 'banner-title' }, 'Protect your account first'),
    h('p', {}, 'Your account needs a second way to prove it is you before you can use it. ',
      me.passkeys_available === false ? 'Set up an authenticator app below.' : 'A passkey is the easiest: add one below. An authenticator app works too.'),
  );
}

function profileSection(acc: Accounts): HTMLElement {
  const u = acc.me?.user;
  const name = field('Display name', input({ id: 'profile-name', autocomplete: 'name', maxlength: NAME_MAX, required: true, spellcheck: 'true' }), 'Shown to others in meetings you host.');
  name.input.value = u?.name ?? '';
  const err = formError();
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'profile-save' }, 'Save');
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Profile' }, name.wrap, err, h('div', { class: 'actions actions-left' }, save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = name.input.value.trim();
    name.setError(v === '' ? 'Enter a name.' : '');
    if (v === '') return name.input.focus();
    void withBusy(save, 'Saving…', err, async () => {
      await api('PATCH', '/v1/auth/me', { name: v });
      await acc.refresh();
      notify('Saved.');
    });
  });
  return section('acct-profile', 'Profile',
    h('dl', { class: 'facts' },
      h('dt', {}, 'Email'), h('dd', { id: 'profile-email' }, u?.email ?? ''),
      h('dt', {}, 'Role'), h('dd', {}, u?.role === 'admin' ? 'Administrator' : 'Member')),
    form);
}

function passwordSection(): HTMLElement {
  const cur = field('Current password', input({ id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 }));
  const nw = field('New password', input({ id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true, maxlength: 1024 }), 'At least 12 characters. Changing it signs out every other browser and device.');
  const rep = field('Repeat the new password', input({ id: 'pw-repeat', type: 'password', autocomplete: 'new-password', required: true, maxlength: 1024 }));
  const err = formError();
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'pw-save' }, 'Change password');
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Change password' }, cur.wrap, nw.wrap, rep.wrap, err, h('div', { class: 'actions actions-left' }, save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cur.setError(cur.input.value === '' ? 'Enter your current password.' : '');
    if (cur.input.value === '') return cur.input.focus();
    const p = newPasswordProblem(nw.input.value, rep.input.value);
    nw.setError(p?.field === 'new' ? p.msg : '');
    rep.setError(p?.field === 'repeat' ? p.msg : '');
    if (p) return (p.field === 'new' ? nw.input : rep.input).focus();
    void withBusy(save, 'Changing…', err, async () => {
      await api('POST', '/v1/auth/password', { current: cur.input.value, new: nw.input.value });
      cur.input.value = nw.input.value = rep.input.value = '';
      notify('Your password is changed. Every other browser and device is signed out.');
    });
  });
  return section('acct-password', 'Password', form);
}
