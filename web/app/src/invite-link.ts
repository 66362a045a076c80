// "Invite people" in the meeting: guest links the server signs
// (docs/access.md, "Invites"), https://HOST/#join=TOKEN, the token in the
// fragment, which browsers never send to a server. Whoever has the
// share_invite permission (hosts, moderators) picks the options, gets the
// link to copy, and sees the room's open links with "Revoke". The calls
// carry this participant's own join token, so the server decides on the
// role it has now; the session cookie plays no part.

import { api, type MeetingInvite } from './account-api.js';
import { button, copyBox, errorText, field, formError, input, when, withBusy } from './account-ui.js';
import { h, notify } from './dom.js';

/** How long a new link works: the server allows 60 s to 30 days, never past the meeting's end. */
export const INVITE_EXPIRIES: { seconds: number; label: string }[] = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' },
  { seconds: 7 * 86400, label: '7 days' },
  { seconds: 30 * 86400, label: '30 days' },
];

/** The server's bound on one link's uses (accounts.MaxMeetingInviteUses). */
export const MAX_INVITE_USES = 1000;

export interface InviteRequest {
  role: 'participant' | 'viewer';
  max_uses: number;
  expires_in: number;
  email_domain?: string;
}

/** The guest link of an invite token. */
export function guestLink(token: string): string {
  return `${location.origin}/#join=${token}`;
}

function invitesPath(room: string): string {
  return `/v1/meetings/${encodeURIComponent(room)}/invites`;
}

/** Makes an invite; rejects with an ApiError whose message is a sentence. */
export async function createInvite(room: string, req: InviteRequest, bearer: string): Promise<{ invite: MeetingInvite; link: string }> {
  const r = await api<{ invite: MeetingInvite; token: string }>('POST', invitesPath(room), req, bearer);
  if (typeof r?.token !== 'string' || !r.token.startsWith('cmi1.')) throw new Error('The server sent no invite link.');
  return { invite: r.invite, link: guestLink(r.token) };
}

/** The sentence that says what a link allows. */
export function inviteSummary(i: MeetingInvite): string {
  const uses = i.max_uses === 1 ? 'one person' : `up to ${i.max_uses} people`;
  const role = i.role === 'viewer' ? 'as viewers (they watch and listen)' : 'as participants';
  const domain = i.email_domain ? `, who give an email address at ${i.email_domain}` : '';
  return `For ${uses}${domain}, ${role}, until ${when(i.expires_at)}. Where the meeting has a lobby, each waits there until a host or moderator lets them in.`;
}

export interface InvitePanelDeps {
  room: () => string;
  /** This participant's join token. */
  token: () => string;
}

/** The "Invite people" form, its result and the open links. */
export class InvitePanel {
  readonly el: HTMLElement;
  private readonly result: HTMLElement;
  private readonly list: HTMLElement;

  constructor(private readonly deps: InvitePanelDeps) {
    const role = field('They join as', h('select', { id: 'invite-role' },
      h('option', { value: 'participant', selected: true }, 'Participants: speak and show video'),
      h('option', { value: 'viewer' }, 'Viewers: watch and listen only')));
    const uses = field('How many people can use it', input({ id: 'invite-uses', type: 'number', min: 1, max: MAX_INVITE_USES, step: 1, inputmode: 'numeric', value: '1' }),
      `1 to ${MAX_INVITE_USES}. Each use lets one more guest in.`);
    uses.input.value = '1';
    const expiry = field('Link works for', h('select', { id: 'invite-expiry' },
      ...INVITE_EXPIRIES.map((x) => h('option', { value: String(x.seconds), selected: x.seconds === 86400 }, x.label))));
    const domain = field('Email domain (optional)', input({ id: 'invite-domain', autocomplete: 'off', maxlength: 253, placeholder: 'example.org' }),
      'Guests must give an email address at this domain. It is what they state: Conclave sends no email to check it.');
    const err = formError();
    err.id = 'invite-error';
    const create = h('button', { type: 'submit', class: 'btn btn-primary', id: 'invite-create' }, 'Create invite link');
    const form = h('form', { class: 'inline-form invite-form', novalidate: true, 'aria-label': 'New invite link' },
      role.wrap, uses.wrap, expiry.wrap, domain.wrap, err, h('div', { class: 'actions actions-left' }, create));
    this.result = h('div', { class: 'section-slot', id: 'invite-result' });
    this.list = h('div', { class: 'invite-open', id: 'invite-open' });
    this.el = h('div', { class: 'invite-panel', id: 'invite-panel', hidden: true }, form, this.result, this.list);

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = Number(uses.input.value);
      const ok = Number.isInteger(n) && n >= 1 && n <= MAX_INVITE_USES;
      uses.setError(ok ? '' : `Enter a whole number from 1 to ${MAX_INVITE_USES}.`);
      const d = domain.input.value.trim().toLowerCase().replace(/^@/, '');
      const dOk = d === '' || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d);
      domain.setError(dOk ? '' : 'Enter a domain name such as example.org, without the part before “@”.');
      if (!ok) return uses.input.focus();
      if (!dOk) return domain.input.focus();
      const req: InviteRequest = { role: role.input.value === 'viewer' ? 'viewer' : 'participant', max_uses: n, expires_in: Number(expiry.input.value) };
      if (d) req.email_domain = d;
      void withBusy(create, 'Creating…', err, async () => {
        const { invite, link } = await createInvite(this.deps.room(), req, this.deps.token());
        this.showLink(invite, link);
        await this.load();
      });
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  setOpen(open: boolean): void {
    this.el.hidden = !open;
    if (open) {
      void this.load();
      this.el.querySelector<HTMLElement>('#invite-role')?.focus();
    }
  }

  private showLink(invite: MeetingInvite, link: string): void {
    this.result.replaceChildren(h('div', { class: 'one-time', role: 'group', 'aria-labelledby': 'invite-link-title' },
      h('h4', { id: 'invite-link-title', tabindex: -1 }, 'Invite link'),
      h('p', { id: 'invite-link-summary' }, inviteSummary(invite), ' Send it over a channel you trust: whoever holds it can use it.'),
      copyBox('Invite link', link, 'guest-link')));
    navigator.clipboard.writeText(link).then(
      () => notify('Invite link copied.'),
      () => this.result.querySelector<HTMLInputElement>('.guest-link')?.select(),
    );
    this.result.querySelector<HTMLElement>('#invite-link-title')?.focus();
  }

  /** Lists the room's links that still work, with "Revoke". */
  private async load(): Promise<void> {
    let invites: MeetingInvite[];
    try {
      invites = (await api<{ invites: MeetingInvite[] }>('GET', invitesPath(this.deps.room()), undefined, this.deps.token())).invites ?? [];
    } catch (e) {
      this.list.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, `The open links could not be listed: ${errorText(e)}`));
      return;
    }
    const now = Date.now();
    const open = invites.filter((i) => !i.revoked_at && i.uses < i.max_uses && new Date(i.expires_at).getTime() > now);
    if (open.length === 0) {
      this.list.replaceChildren();
      return;
    }
    this.list.replaceChildren(h('h4', {}, 'Links that still work'), h('ul', { class: 'acct-list', id: 'invite-list', 'aria-label': 'Invite links that still work' }, ...open.map((i) => {
      const err = formError();
      const revoke = button('Revoke', { class: 'btn btn-ghost btn-small', 'aria-label': `Revoke the link made ${when(i.created_at)}` });
      revoke.addEventListener('click', () => void withBusy(revoke, 'Revoking…', err, async () => {
        await api('DELETE', `${invitesPath(this.deps.room())}/${encodeURIComponent(i.id)}`, {}, this.deps.token());
        notify('The link no longer works.');
        await this.load();
      }));
      return h('li', { class: 'acct-item', 'data-invite': i.id },
        h('div', { class: 'item-main' },
          h('span', { class: 'item-name' }, `${i.role === 'viewer' ? 'Viewers' : 'Participants'} · ${i.uses} of ${i.max_uses} used`),
          h('span', { class: 'item-meta' }, `${i.email_domain ? `@${i.email_domain} · ` : ''}until ${when(i.expires_at)}`)),
        h('div', { class: 'item-actions' }, revoke), err);
    })));
  }
}
