// "New meeting" on the join page for a signed-in account: the server
// makes a room the account owns and a host join token signed with its own
// key (POST /v1/meetings); the app then joins it as host. The account's
// open meetings can be joined again as host.

import { api, needsSecondFactor, type JoinGrant, type Meeting } from './account-api.js';
import type { Accounts } from './account-nav.js';
import { button, errorText, field, formError, input, withBusy } from './account-ui.js';
import { h } from './dom.js';

export interface HostJoin {
  room: string;
  join: JoinGrant;
}

/** A fresh host token for one of the account's own meetings (for a rejoin). */
export async function hostToken(room: string): Promise<JoinGrant> {
  return (await api<{ join: JoinGrant }>('POST', `/v1/meetings/${encodeURIComponent(room)}/join`, {})).join;
}

/** The card above the join form; null when nobody is signed in. */
export function meetingsCard(acc: Accounts, onJoin: (j: HostJoin) => void): HTMLElement | null {
  const u = acc.user;
  if (!u) return null;
  if (needsSecondFactor(u)) {
    return h('section', { class: 'card join-card meetings-card', 'aria-labelledby': 'meetings-title' },
      h('h2', { id: 'meetings-title' }, 'Protect your account to host'),
      h('p', {}, 'Your account needs a passkey or an authenticator app before you can host meetings. ', h('a', { href: '#account', id: 'meetings-protect' }, 'Protect your account')));
  }
  const err = formError();
  err.id = 'new-meeting-error';
  const create = button('New meeting', { id: 'new-meeting' }, 'primary');
  // Guests of the meeting give it, apart from their invite link; the
  // server keeps only its hash (docs/access.md, "Lobby and password").
  const pw = field('Meeting password (optional)', input({ id: 'new-meeting-password', type: 'password', autocomplete: 'new-password', maxlength: 128 }),
    'Guests must give it to join; 8 characters or more. You can set or change it in the meeting too.');
  const list = h('ul', { class: 'acct-list', id: 'meeting-list', 'aria-label': 'Your meetings', hidden: true });
  create.addEventListener('click', () => {
    const password = pw.input.value;
    const bad = password !== '' && Array.from(password).length < 8;
    pw.setError(bad ? 'Use at least 8 characters, or leave it empty.' : '');
    if (bad) return pw.input.focus();
    void withBusy(create, 'Creating…', err, async () => {
      const r = await api<{ room: Meeting; join: JoinGrant }>('POST', '/v1/meetings', password ? { password } : {});
      onJoin({ room: r.room.name, join: r.join });
    });
  });
  void api<{ meetings: Meeting[] }>('GET', '/v1/meetings').then(
    (r) => {
      const ms = r.meetings ?? [];
      list.replaceChildren(...ms.map((m) => {
        const b = button('Join as host', { class: 'btn btn-ghost btn-small', 'aria-label': `Join ${m.name} as host` });
        const e = formError();
        b.addEventListener('click', () => void withBusy(b, 'Joining…', e, async () => onJoin({ room: m.name, join: await hostToken(m.name) })));
        return h('li', { class: 'acct-item' }, h('div', { class: 'item-main' }, h('span', { class: 'item-name room-name' }, m.name)), h('div', { class: 'item-actions' }, b), e);
      }));
      list.hidden = ms.length === 0;
    },
    (e) => {
      // Listing is a convenience: a failure says so without hiding "New meeting".
      list.replaceChildren(h('li', { class: 'hint' }, `Your meetings could not be listed: ${errorText(e)}`));
      list.hidden = false;
    },
  );
  return h('section', { class: 'card join-card meetings-card', 'aria-labelledby': 'meetings-title' },
    h('h2', { id: 'meetings-title' }, `Host a meeting, ${u.name || u.email}`),
    h('p', { class: 'hint' }, 'Start a new meeting with you as its host.'),
    pw.wrap,
    err,
    h('div', { class: 'actions actions-left' }, create),
    list);
}
