// Passkeys on the account page: the list (name, added, last used), add
// one (named, confirmed with the password, made by the browser), rename,
// remove.

import { api, type Passkey } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { browserSupportsPasskeys, NO_BROWSER_PASSKEYS, registerPasskey } from './account-passkey.js';
import { button, errorText, field, formError, input, passwordPrompt, recoveryCodesBox, section, when, withBusy, type Part } from './account-ui.js';
import { append, h, notify } from './dom.js';

/** The most passkeys an account may have (docs/accounts.md). */
const MAX_PASSKEYS = 10;
const PASSKEY_NAME_MAX = 64;

/** A name for a new passkey from this browser's platform, which the user may change. */
function suggestedName(): string {
  const ua = navigator.userAgent;
  if (/iPhone|iPad/.test(ua)) return 'iPhone or iPad';
  if (/Android/.test(ua)) return 'Android phone';
  if (/Mac OS X|Macintosh/.test(ua)) return 'Mac';
  if (/Windows/.test(ua)) return 'Windows Hello';
  if (/CrOS/.test(ua)) return 'Chromebook';
  if (/Linux/.test(ua)) return 'Linux computer';
  return 'My passkey';
}

export function passkeysSection(acc: Accounts, changed: () => void): Part {
  const body = h('div', { class: 'section-body' });
  const sec = section('acct-passkeys', 'Passkeys', body);
  let list: Passkey[] = [];
  let loadError = '';

  const load = async () => {
    try {
      list = (await api<{ passkeys: Passkey[] }>('GET', '/v1/auth/passkeys')).passkeys ?? [];
      loadError = '';
    } catch (e) {
      loadError = errorText(e);
    }
    draw();
  };

  const draw = () => {
    const intro = h('p', {}, 'A passkey signs you in with your fingerprint, face, device PIN or a security key. Nobody can phish it, and it replaces both your password and a code.');
    if (!acc.passkeysAvailable) {
      body.replaceChildren(intro, h('p', { class: 'acct-message', id: 'passkeys-unavailable' },
        'This server cannot offer passkeys yet: its administrator has to set its public address (public_url), because passkeys are bound to the site’s name. Use an authenticator app meanwhile.'));
      return;
    }
    const items = list.map((pk) => row(pk));
    const ul = h('ul', { class: 'acct-list', id: 'passkey-list', 'aria-label': 'Your passkeys' }, ...items);
    const slot = h('div', { class: 'section-slot' });
    const add = button('Add a passkey', { id: 'passkey-add' }, list.length === 0 ? 'primary' : 'ghost');
    const full = list.length >= MAX_PASSKEYS;
    add.disabled = full || !browserSupportsPasskeys();
    add.addEventListener('click', () => {
      add.hidden = true;
      slot.replaceChildren(addForm(slot, () => { slot.replaceChildren(); add.hidden = false; add.focus(); }));
      slot.querySelector('input')?.focus();
    });
    body.replaceChildren();
    append(body,
      intro,
      loadError ? h('p', { class: 'form-error', role: 'alert' }, loadError) : null,
      list.length === 0 && !loadError ? h('p', { id: 'passkey-none' }, 'You have no passkey yet.') : ul,
      !browserSupportsPasskeys() ? h('p', { class: 'acct-message' }, NO_BROWSER_PASSKEYS) : null,
      full ? h('p', { class: 'hint' }, `You have the most passkeys an account may have (${MAX_PASSKEYS}). Remove one to add another.`) : null,
      h('div', { class: 'actions actions-left' }, add),
      slot,
    );
  };

  const row = (pk: Passkey): HTMLLIElement => {
    const slot = h('div', { class: 'section-slot' });
    const rename = button('Rename', { class: 'btn btn-ghost btn-small', 'aria-label': `Rename passkey ${pk.name}` });
    const remove = button('Remove', { class: 'btn btn-ghost btn-small', 'aria-label': `Remove passkey ${pk.name}` });
    const li = h('li', { class: 'acct-item', 'data-passkey': pk.id },
      h('div', { class: 'item-main' },
        h('span', { class: 'item-name' }, pk.name),
        h('span', { class: 'item-meta' }, `Added ${when(pk.created_at)} · ${pk.last_used_at ? `last used ${when(pk.last_used_at)}` : 'not used yet'}`)),
      h('div', { class: 'item-actions' }, rename, remove),
      slot);
    rename.addEventListener('click', () => {
      const name = field('New name', input({ maxlength: PASSKEY_NAME_MAX, required: true, autocomplete: 'off', spellcheck: 'true' }));
      name.input.value = pk.name;
      const err = formError();
      const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save');
      const cancel = button('Cancel');
      const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': `Rename ${pk.name}` }, name.wrap, err, h('div', { class: 'actions actions-left' }, save, cancel));
      cancel.addEventListener('click', () => { slot.replaceChildren(); rename.focus(); });
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = name.input.value.trim();
        name.setError(v === '' ? 'Enter a name.' : '');
        if (v === '') return name.input.focus();
        void withBusy(save, 'Saving…', err, async () => {
          await api('PATCH', `/v1/auth/passkeys/${encodeURIComponent(pk.id)}`, { name: v });
          notify('Passkey renamed.');
          await load();
          sec.querySelector<HTMLElement>(`[data-passkey="${CSS.escape(pk.id)}"] button`)?.focus();
        });
      });
      slot.replaceChildren(form);
      name.input.select();
    });
    remove.addEventListener('click', () => {
      slot.replaceChildren(passwordPrompt(`Remove “${pk.name}”? You will no longer be able to sign in with it. This needs your password.`, 'Remove passkey', async (password) => {
        await api('DELETE', `/v1/auth/passkeys/${encodeURIComponent(pk.id)}`, { password });
        notify('Passkey removed.');
        await acc.refresh();
        changed();
        await load();
        sec.querySelector<HTMLElement>('#passkey-add')?.focus();
      }, () => { slot.replaceChildren(); remove.focus(); }));
    });
    return li;
  };

  const addForm = (slot: HTMLElement, cancel: () => void): HTMLElement => {
    const name = field('Name of the passkey', input({ id: 'passkey-name', maxlength: PASSKEY_NAME_MAX, required: true, autocomplete: 'off', spellcheck: 'true' }), 'So you can tell your passkeys apart, like “Work laptop” or “Phone”.');
    name.input.value = suggestedName();
    const pw = field('Your password', input({ id: 'passkey-password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 }));
    const err = formError();
    err.id = 'passkey-error';
    const go = h('button', { type: 'submit', class: 'btn btn-primary', id: 'passkey-create' }, 'Create passkey');
    const stop = button('Cancel');
    stop.addEventListener('click', cancel);
    const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'New passkey' },
      name.wrap, pw.wrap, h('p', { class: 'hint' }, 'Your browser will then ask for your fingerprint, face, PIN or security key.'), err, h('div', { class: 'actions actions-left' }, go, stop));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = name.input.value.trim();
      name.setError(v === '' ? 'Enter a name.' : '');
      pw.setError(pw.input.value === '' ? 'Enter your password.' : '');
      if (v === '') return name.input.focus();
      if (pw.input.value === '') return pw.input.focus();
      void withBusy(go, 'Waiting for the passkey…', err, async () => {
        const r = await registerPasskey(pw.input.value, v);
        notify(`Passkey “${r.passkey.name}” added.`);
        await acc.refresh();
        changed();
        await load();
        if (r.recovery_codes?.length) {
          const target = body.querySelector<HTMLElement>(':scope > .section-slot') ?? slot;
          target.replaceChildren(recoveryCodesBox(r.recovery_codes, () => { target.replaceChildren(); sec.querySelector<HTMLElement>('#passkey-add')?.focus(); }));
          target.querySelector<HTMLElement>('#recovery-title')?.focus();
        } else {
          sec.querySelector<HTMLElement>('#passkey-add')?.focus();
        }
      });
    });
    return form;
  };

  draw();
  void load();
  return { el: sec, redraw: draw };
}

