// The account page's lists of access: the sessions signed in to the
// account (device, address, last seen; sign out one or all) and personal
// API tokens for scripts (create with grants and an expiry, shown once;
// revoke).

import { api, needsSecondFactor, type PersonalToken, type SessionInfo } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { button, confirmInline, copyBox, errorText, field, formError, input, section, when, withBusy, type Part } from './account-ui.js';
import { h, notify } from './dom.js';

export function sessionsSection(acc: Accounts): Part {
  const body = h('div', { class: 'section-body' });
  const sec = section('acct-sessions', 'Where you are signed in', body);
  const load = async () => {
    let list: SessionInfo[];
    try {
      list = (await api<{ sessions: SessionInfo[] }>('GET', '/v1/auth/sessions')).sessions ?? [];
    } catch (e) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(e)));
      return;
    }
    const ul = h('ul', { class: 'acct-list', id: 'session-list', 'aria-label': 'Sessions' }, ...list.map((s) => {
      const slot = h('div', { class: 'section-slot' });
      const out = button(s.current ? 'Sign out here' : 'Sign out', { class: 'btn btn-ghost btn-small', 'aria-label': `Sign out ${s.device}${s.current ? ' (this device)' : ''}, last seen ${when(s.last_seen_at)}` });
      out.addEventListener('click', () => {
        confirmInline(slot, s.current ? 'Sign out of this browser?' : `Sign out ${s.device} at ${s.ip || 'an unknown address'}?`, 'Sign out', async () => {
          await api('DELETE', `/v1/auth/sessions/${encodeURIComponent(s.id)}`, {});
          if (s.current) {
            acc.forget();
            acc.go('signin');
            return;
          }
          notify('That session is signed out.');
          await load();
          sec.querySelector<HTMLElement>('#sessions-all')?.focus();
        }, out);
      });
      return h('li', { class: 'acct-item', 'data-session': s.id, 'data-current': String(s.current) },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, s.device, s.current ? ' ' : null, s.current ? h('span', { class: 'acct-badge' }, 'This device') : null),
          h('span', { class: 'item-meta' }, `${s.ip || 'Unknown address'} · last seen ${when(s.last_seen_at)} · signed in ${when(s.created_at)}`)),
        h('div', { class: 'item-actions' }, out),
        slot);
    }));
    const allSlot = h('div', { class: 'section-slot' });
    const all = button('Sign out everywhere', { id: 'sessions-all' });
    all.addEventListener('click', () => {
      confirmInline(allSlot, 'Sign out of every browser and device, this one too?', 'Sign out everywhere', async () => {
        await api('DELETE', '/v1/auth/sessions', {});
        acc.forget();
        notify('You are signed out everywhere.');
        acc.go('signin');
      }, all);
    });
    body.replaceChildren(h('p', {}, 'If you see a device you do not know, sign it out and change your password.'), ul, h('div', { class: 'actions actions-left' }, all), allSlot);
  };
  void load();
  return { el: sec, redraw: () => void load() };
}

const GRANTS: { id: string; label: string }[] = [
  { id: 'roomCreate', label: 'Create meetings' },
  { id: 'roomList', label: 'List your meetings' },
  { id: 'roomAdmin', label: 'Manage your meetings (mute, remove people, close)' },
];

const EXPIRIES: { value: string; label: string }[] = [
  { value: '168h', label: '7 days' },
  { value: '720h', label: '30 days' },
  { value: '2160h', label: '90 days' },
  { value: '8760h', label: '1 year' },
];

const TOKEN_NAME_MAX = 64;

export function tokensSection(acc: Accounts): Part {
  const body = h('div', { class: 'section-body' });
  const sec = section('acct-tokens', 'Personal API tokens', body);
  const created = h('div', { class: 'section-slot', id: 'token-created' });

  const load = async () => {
    const u = acc.user;
    if (u && needsSecondFactor(u)) {
      body.replaceChildren(h('p', {}, 'Available once your account has a passkey or an authenticator app.'));
      return;
    }
    let list: PersonalToken[];
    try {
      list = (await api<{ tokens: PersonalToken[] }>('GET', '/v1/auth/tokens')).tokens ?? [];
    } catch (e) {
      body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(e)));
      return;
    }
    const ul = h('ul', { class: 'acct-list', id: 'token-list', 'aria-label': 'Personal API tokens' }, ...list.map((t) => {
      const slot = h('div', { class: 'section-slot' });
      const revoke = button('Revoke', { class: 'btn btn-ghost btn-small', 'aria-label': `Revoke token ${t.name}` });
      revoke.addEventListener('click', () => confirmInline(slot, `Revoke “${t.name}”? Scripts using it stop working at once.`, 'Revoke', async () => {
        await api('DELETE', `/v1/auth/tokens/${encodeURIComponent(t.id)}`, {});
        notify('Token revoked.');
        await load();
        sec.querySelector<HTMLElement>('#token-create')?.focus();
      }, revoke));
      const grants = t.grants.map((g) => GRANTS.find((x) => x.id === g)?.label ?? g).join(', ');
      return h('li', { class: 'acct-item' },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, t.name),
          h('span', { class: 'item-meta' }, `${grants} · expires ${when(t.expires_at)} · ${t.last_used_at ? `last used ${when(t.last_used_at)}` : 'not used yet'}`)),
        h('div', { class: 'item-actions' }, revoke), slot);
    }));

    const name = field('Name', input({ id: 'token-name', maxlength: TOKEN_NAME_MAX, required: true, autocomplete: 'off' }), 'What the script is, like “Calendar sync”.');
    const boxes = GRANTS.map((g) => {
      const cb = h('input', { type: 'checkbox', id: `grant-${g.id}`, value: g.id, checked: g.id !== 'roomAdmin' });
      return { cb, el: h('div', { class: 'check' }, cb, h('label', { for: cb.id }, g.label)) };
    });
    const grantsErr = h('p', { class: 'field-error', hidden: true, id: 'token-grants-error' });
    const grants = h('fieldset', { class: 'fieldset', 'aria-describedby': 'token-grants-error' }, h('legend', {}, 'It may'), ...boxes.map((b) => b.el), grantsErr);
    const expiry = field('Expires after', h('select', { id: 'token-expiry' }, ...EXPIRIES.map((x) => h('option', { value: x.value, selected: x.value === '720h' }, x.label))));
    const err = formError();
    const create = h('button', { type: 'submit', class: 'btn btn-primary', id: 'token-create' }, 'Create token');
    const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'New personal API token' }, name.wrap, grants, expiry.wrap, err, h('div', { class: 'actions actions-left' }, create));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = name.input.value.trim();
      const chosen = boxes.filter((b) => b.cb.checked).map((b) => b.cb.value);
      name.setError(n === '' ? 'Enter a name.' : '');
      grantsErr.textContent = chosen.length === 0 ? 'Choose at least one thing the token may do.' : '';
      grantsErr.hidden = chosen.length > 0;
      if (n === '') return name.input.focus();
      if (chosen.length === 0) return boxes[0].cb.focus();
      void withBusy(create, 'Creating…', err, async () => {
        const r = await api<{ token: PersonalToken; secret: string }>('POST', '/v1/auth/tokens', { name: n, grants: chosen, expires_in: expiry.input.value });
        await load();
        created.replaceChildren(h('div', { class: 'one-time', role: 'group', 'aria-labelledby': 'token-secret-title' },
          h('h3', { id: 'token-secret-title', tabindex: -1 }, `Token “${r.token.name}”`),
          h('p', {}, 'Copy it now: it is shown only once. Use it as “Authorization: Bearer …”. Whoever has it acts as you on your meetings, so keep it out of code repositories and chats.'),
          copyBox('Token', r.secret, 'secret'),
        ));
        created.querySelector<HTMLElement>('#token-secret-title')?.focus();
      });
    });
    body.replaceChildren(
      h('p', {}, 'For scripts that create or manage your meetings through the API. A token acts on your own meetings only.'),
      list.length ? ul : h('p', {}, 'You have no tokens.'),
      created,
      h('h3', {}, 'New token'),
      form,
    );
  };
  void load();
  return { el: sec, redraw: () => void load() };
}
