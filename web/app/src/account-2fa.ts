// Two-factor sign-in on the account page: the authenticator app (TOTP:
// enrol with the QR code or the secret typed in, confirm one code, then
// the ten recovery codes shown once; or remove it) and new recovery codes.

import { api, type TOTPEnrollment } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { button, field, formError, input, passwordPrompt, recoveryCodesBox, section, withBusy, type Part } from './account-ui.js';
import { h, notify } from './dom.js';

/** The SVG the server made, as an image: a data: URL, so it is never parsed into this page's DOM. */
function qrImage(svg: string): HTMLImageElement {
  return h('img', {
    class: 'qr', id: 'totp-qr', width: 200, height: 200,
    alt: 'QR code for your authenticator app. If you cannot scan it, type the key shown below instead.',
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
  });
}

/** The secret in groups of four, easier to type; authenticator apps ignore the spaces. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function totpSection(acc: Accounts, changed: () => void): Part {
  const body = h('div', { class: 'section-body' });
  const sec = section('acct-totp', 'Authenticator app', body);

  const draw = () => {
    const me = acc.me;
    if (!me) return;
    const enabled = me.user.second_factors.totp;
    const status = h('p', { id: 'totp-status', tabindex: -1 }, enabled
      ? 'On: signing in with your password also asks for a code from your authenticator app.'
      : 'Off. An authenticator app (such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis) makes a new 6-digit code every 30 seconds.');
    const slot = h('div', { class: 'section-slot' });
    const act = enabled ? button('Remove authenticator app', { id: 'totp-remove' }) : button(me.user.totp_pending ? 'Finish setting up the app' : 'Set up an authenticator app', { id: 'totp-setup' }, 'primary');
    act.addEventListener('click', () => {
      act.hidden = true;
      const cancel = () => { slot.replaceChildren(); act.hidden = false; act.focus(); };
      slot.replaceChildren(enabled
        ? passwordPrompt('Removing the app needs your password.', 'Remove', async (password) => {
            await api('DELETE', '/v1/auth/totp', { password });
            notify('The authenticator app is removed.');
            await acc.refresh();
            changed();
            draw();
          }, cancel)
        : passwordPrompt('Setting up the app needs your password.', 'Continue', async (password) => {
            const e = await api<TOTPEnrollment>('POST', '/v1/auth/totp/enroll', { password });
            slot.replaceChildren(enrolment(e, acc, slot, cancel, changed));
            slot.querySelector<HTMLElement>('#totp-step-title')?.focus();
          }, cancel));
    });
    body.replaceChildren(status, h('div', { class: 'actions actions-left' }, act), slot);
  };
  draw();
  return { el: sec, redraw: draw };
}

function enrolment(e: TOTPEnrollment, acc: Accounts, slot: HTMLElement, cancel: () => void, changed: () => void): HTMLElement {
  const code = field('Code from the app', input({ id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 10, required: true }), 'The 6 digits the app now shows for Conclave.');
  const err = formError();
  err.id = 'totp-error';
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'totp-confirm' }, 'Turn on');
  const stop = button('Cancel');
  stop.addEventListener('click', cancel);
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'Confirm the authenticator app' }, code.wrap, err, h('div', { class: 'actions actions-left' }, submit, stop));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = code.input.value.trim();
    code.setError(v === '' ? 'Enter the 6-digit code.' : '');
    if (v === '') return code.input.focus();
    void withBusy(submit, 'Checking…', err, async () => {
      const r = await api<{ recovery_codes: string[] }>('POST', '/v1/auth/totp/confirm', { code: v });
      await acc.refresh();
      notify('The authenticator app is on.');
      // The page redraws once the codes are put away (a redraw now would drop them).
      slot.replaceChildren(recoveryCodesBox(r.recovery_codes, () => {
        changed();
        document.getElementById('totp-status')?.focus();
      }));
      slot.querySelector<HTMLElement>('#recovery-title')?.focus();
    }).then(() => {
      if (!err.hidden) code.input.select();
    });
  });
  return h('div', { class: 'one-time', role: 'group', 'aria-labelledby': 'totp-step-title' },
    h('h3', { id: 'totp-step-title', tabindex: -1 }, 'Scan this code with your authenticator app'),
    h('div', { class: 'totp-grid' },
      qrImage(e.qr_svg),
      h('div', {},
        h('p', {}, 'Or add an account by hand, type “time-based”, and enter this key:'),
        h('p', {}, h('code', { class: 'totp-secret', id: 'totp-secret', 'data-secret': e.secret }, grouped(e.secret))),
        h('p', { class: 'hint' }, 'Keep it secret: whoever has it can make your codes.'))),
    form);
}

export function recoverySection(acc: Accounts): Part {
  const body = h('div', { class: 'section-body' });
  const sec = section('acct-recovery', 'Recovery codes', body);
  const draw = () => {
    const me = acc.me;
    if (!me) return;
    const f = me.user.second_factors;
    const has = f.totp || f.passkeys > 0;
    const left = me.recovery_codes;
    const status = h('p', { id: 'recovery-status' }, !has
      ? 'Recovery codes come with your first passkey or authenticator app.'
      : left === 0 ? 'You have no recovery codes left. Make new ones now.'
      : `${left} of 10 unused. Each signs you in once when your passkey or app is not at hand.`);
    const slot = h('div', { class: 'section-slot' });
    const make = button('Make new codes', { id: 'recovery-new' }, left <= 3 ? 'primary' : 'ghost');
    make.hidden = !has;
    make.addEventListener('click', () => {
      make.hidden = true;
      const cancel = () => { slot.replaceChildren(); make.hidden = false; make.focus(); };
      slot.replaceChildren(passwordPrompt('New codes replace the old ones, which stop working. This needs your password.', 'Make new codes', async (password) => {
        const r = await api<{ recovery_codes: string[] }>('POST', '/v1/auth/recovery-codes', { password });
        await acc.refresh();
        slot.replaceChildren(recoveryCodesBox(r.recovery_codes, () => draw()));
        slot.querySelector<HTMLElement>('#recovery-title')?.focus();
      }, cancel));
    });
    body.replaceChildren(status, h('div', { class: 'actions actions-left' }, make), slot);
  };
  draw();
  return { el: sec, redraw: draw };
}

