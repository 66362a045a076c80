// The administration page (#admin): invite people (a link to copy, with
// its options), the invites still open, the accounts (role,
// disable/enable, a password reset link, resetting second factors),
// the organisation's security policy (admin-policy.ts), then, in the
// order an attack reads, the blocked addresses and accounts
// (admin-blocks.ts), the recent security events and the live rooms
// (admin-watch.ts).

import { api, type Invite, type UserRecord } from './account-api.js';
import { blocksSection } from './admin-blocks.js';
import { policySection } from './admin-policy.js';
import { liveRoomsSection, securityEventsSection } from './admin-watch.js';
import type { Accounts } from './account-nav.js';
import { button, confirmInline, copyBox, errorText, field, formError, input, page, section, when, withBusy } from './account-ui.js';
import { h, notify } from './dom.js';

const EMAIL_MAX = 254;

const INVITE_EXPIRIES: { value: string; label: string }[] = [
  { value: '24h', label: '1 day' },
  { value: '72h', label: '3 days' },
  { value: '168h', label: '7 days' },
  { value: '720h', label: '30 days' },
];

/** The link that carries an invite's secret: in the fragment, which browsers never send to a server. */
export function inviteLink(token: string): string {
  return `${location.origin}/#invite=${token}`;
}

/** The link that carries a password reset's secret. */
export function resetLink(token: string): string {
  return `${location.origin}/#reset=${token}`;
}

export function renderAdmin(root: HTMLElement, acc: Accounts): () => void {
  const me = acc.me?.user;
  if (!me) {
    acc.signInFirst('admin');
    return () => {};
  }
  if (me.role !== 'admin') {
    page(root, 'page-admin', 'Administration', h('p', { class: 'form-error', role: 'alert' }, 'Only administrators can open this page.'));
    return () => {};
  }
  const invites = h('div', { class: 'section-body' });
  const users = h('div', { class: 'section-body' });
  const reloadInvites = () => loadInvites(invites);
  page(root, 'page-admin', 'Administration',
    inviteSection(reloadInvites),
    section('admin-invites', 'Open invites', invites),
    section('admin-users', 'Accounts', users),
    policySection(me.id),
    // An attack reads top to bottom: what is blocked, what happened,
    // the rooms.
    blocksSection(),
    securityEventsSection(),
    liveRoomsSection(),
  );
  void reloadInvites();
  void loadUsers(users, me.id);
  return () => {};
}

function inviteSection(reload: () => Promise<void>): HTMLElement {
  const email = field('Email (optional)', input({ id: 'invite-email', type: 'email', autocomplete: 'off', maxlength: EMAIL_MAX }), 'When given, only this email can use the invite.');
  const role = field('Role', h('select', { id: 'invite-role' }, h('option', { value: 'member', selected: true }, 'Member: hosts meetings'), h('option', { value: 'admin' }, 'Administrator: also manages accounts')));
  const expiry = field('Link works for', h('select', { id: 'invite-expiry' }, ...INVITE_EXPIRIES.map((x) => h('option', { value: x.value, selected: x.value === '72h' }, x.label))));
  const err = formError();
  err.id = 'invite-error';
  const make = h('button', { type: 'submit', class: 'btn btn-primary', id: 'invite-create' }, 'Create invite link');
  const result = h('div', { class: 'section-slot', id: 'invite-result' });
  const form = h('form', { class: 'inline-form', novalidate: true, 'aria-label': 'New invite' }, email.wrap, role.wrap, expiry.wrap, err, h('div', { class: 'actions actions-left' }, make));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const em = email.input.value.trim();
    void withBusy(make, 'Creating…', err, async () => {
      const body: Record<string, string> = { role: role.input.value, expires_in: expiry.input.value };
      if (em) body.email = em;
      const r = await api<{ invite: Invite; token: string }>('POST', '/v1/users/invites', body);
      result.replaceChildren(h('div', { class: 'one-time', role: 'group', 'aria-labelledby': 'invite-link-title' },
        h('h3', { id: 'invite-link-title', tabindex: -1 }, 'Invite link'),
        h('p', {}, `Send this link to ${r.invite.email || 'the person you invite'} over a channel you trust. It works once, until ${when(r.invite.expires_at)}, and is shown only now.`),
        copyBox('Invite link', inviteLink(r.token), 'invite-link')));
      result.querySelector<HTMLElement>('#invite-link-title')?.focus();
      email.input.value = '';
      await reload();
    });
  });
  return section('admin-invite', 'Invite someone', form, result);
}

async function loadInvites(body: HTMLElement): Promise<void> {
  let list: Invite[];
  try {
    list = (await api<{ invites: Invite[] }>('GET', '/v1/users/invites')).invites ?? [];
  } catch (e) {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(e)));
    return;
  }
  const now = Date.now();
  const open = list.filter((i) => !i.used_at && new Date(i.expires_at).getTime() > now);
  if (open.length === 0) {
    body.replaceChildren(h('p', {}, 'No open invites.'));
    return;
  }
  body.replaceChildren(h('ul', { class: 'acct-list', id: 'invite-list', 'aria-label': 'Open invites' }, ...open.map((i) => {
    const slot = h('div', { class: 'section-slot' });
    const who = i.email || 'anyone with the link';
    const revoke = button('Revoke', { class: 'btn btn-ghost btn-small', 'aria-label': `Revoke the invite for ${who}` });
    revoke.addEventListener('click', () => confirmInline(slot, `Revoke the invite for ${who}? Its link stops working.`, 'Revoke', async () => {
      await api('DELETE', `/v1/users/invites/${encodeURIComponent(i.id)}`, {});
      notify('Invite revoked.');
      await loadInvites(body);
    }, revoke));
    return h('li', { class: 'acct-item' },
      h('div', { class: 'item-main' },
        h('span', { class: 'item-name' }, who),
        h('span', { class: 'item-meta' }, `${i.role === 'admin' ? 'Administrator' : 'Member'} · made ${when(i.created_at)} · expires ${when(i.expires_at)}`)),
      h('div', { class: 'item-actions' }, revoke), slot);
  })));
}

/** Loads the accounts a page at a time (the list's "next" cursor), with "Show more" for the rest. */
async function loadUsers(body: HTMLElement, selfID: string): Promise<void> {
  const reload = () => loadUsers(body, selfID);
  const ul = h('ul', { class: 'acct-list', id: 'user-list', 'aria-label': 'Accounts' });
  const err = formError();
  const more = button('Show more accounts', { id: 'users-more' });
  more.hidden = true;
  let next = '';
  const page = async () => {
    const r = await api<{ users: UserRecord[]; next?: string }>('GET', next ? `/v1/users?after=${encodeURIComponent(next)}` : '/v1/users');
    for (const u of r.users ?? []) ul.appendChild(userRow(u, u.id === selfID, reload));
    next = r.next ?? '';
    more.hidden = next === '';
  };
  try {
    await page();
  } catch (e) {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(e)));
    return;
  }
  more.addEventListener('click', () => {
    const before = ul.children.length;
    void withBusy(more, 'Loading…', err, page).then(() => (ul.children[before]?.querySelector('select, button') as HTMLElement | null)?.focus());
  });
  body.replaceChildren(ul, err, h('div', { class: 'actions actions-left' }, more));
}

function userRow(u: UserRecord, self: boolean, reload: () => Promise<void>): HTMLLIElement {
  const who = u.name ? `${u.name} (${u.email})` : u.email;
  const slot = h('div', { class: 'section-slot' });
  const factors = [u.totp ? 'authenticator app' : '', u.passkeys > 0 ? `${u.passkeys} passkey${u.passkeys === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ') || 'no second factor';
  const disabled = u.status !== 'active';

  const role = h('select', { 'aria-label': `Role of ${who}`, class: 'select-small', disabled: self }, h('option', { value: 'member', selected: u.role === 'member' }, 'Member'), h('option', { value: 'admin', selected: u.role === 'admin' }, 'Administrator'));
  role.addEventListener('change', () => {
    const to = role.value;
    confirmInline(slot, `Make ${who} ${to === 'admin' ? 'an administrator' : 'a member'}? Their sessions end and they sign in again.`, 'Change role', async () => {
      await api('PATCH', `/v1/users/${encodeURIComponent(u.id)}`, { role: to });
      notify(`${who} is now ${to === 'admin' ? 'an administrator' : 'a member'}.`);
      await reload();
    }, role);
    slot.querySelector('button.btn-ghost')?.addEventListener('click', () => { role.value = u.role; });
  });
  const toggle = button(disabled ? 'Enable' : 'Disable', { class: 'btn btn-ghost btn-small', 'aria-label': `${disabled ? 'Enable' : 'Disable'} ${who}`, disabled: self });
  toggle.addEventListener('click', () => {
    const q = disabled ? `Enable ${who}? They can sign in again.` : `Disable ${who}? Their sessions end and their API tokens stop working at once.`;
    confirmInline(slot, q, disabled ? 'Enable' : 'Disable', async () => {
      await api('PATCH', `/v1/users/${encodeURIComponent(u.id)}`, { status: disabled ? 'active' : 'disabled' });
      notify(disabled ? `${who} is enabled.` : `${who} is disabled.`);
      await reload();
    }, toggle);
  });
  const reset = button('Reset password', { class: 'btn btn-ghost btn-small', 'aria-label': `Reset the password of ${who}`, disabled: self });
  reset.addEventListener('click', () => confirmInline(slot, `Reset the password of ${who}? Their sessions end; you get a one-time link to send them to set a new one.`, 'Reset password', async () => {
    const r = await api<{ token: string; expires_at: string }>('POST', `/v1/users/${encodeURIComponent(u.id)}/reset-password`, {});
    slot.replaceChildren(h('div', { class: 'one-time', role: 'group', 'aria-labelledby': `reset-title-${u.id}` },
      h('h3', { id: `reset-title-${u.id}`, tabindex: -1 }, 'Password reset link'),
      h('p', {}, `Send it to ${u.email} over a channel you trust (not to the email alone if the mailbox may be the problem). It works once, until ${when(r.expires_at)}, and is shown only now.`),
      copyBox('Reset link', resetLink(r.token), 'reset-link')));
    slot.querySelector<HTMLElement>(`#reset-title-${CSS.escape(u.id)}`)?.focus();
  }, reset));
  const reset2fa = button('Reset second factors', { class: 'btn btn-ghost btn-small', 'aria-label': `Reset the second factors of ${who}`, disabled: self || (!u.totp && u.passkeys === 0) });
  reset2fa.addEventListener('click', () => confirmInline(slot, `Remove the authenticator app, passkeys and recovery codes of ${who}? Do this only after checking who is asking, in person or by a call you made. Their sessions end.`, 'Reset second factors', async () => {
    await api('POST', `/v1/users/${encodeURIComponent(u.id)}/reset-2fa`, {});
    notify(`The second factors of ${who} are removed.`);
    await reload();
  }, reset2fa));

  return h('li', { class: 'acct-item user-item', 'data-user': u.id, 'data-status': u.status },
    h('div', { class: 'item-main' },
      h('span', { class: 'item-name' }, who, self ? ' ' : null, self ? h('span', { class: 'acct-badge' }, 'You') : null, disabled ? ' ' : null, disabled ? h('span', { class: 'acct-badge acct-badge-warn' }, 'Disabled') : null),
      h('span', { class: 'item-meta' }, `${factors} · joined ${when(u.created_at)} · last sign-in ${u.last_signin_at ? when(u.last_signin_at) : 'never'}`)),
    h('div', { class: 'item-actions' }, role, toggle, reset, reset2fa),
    slot);
}
