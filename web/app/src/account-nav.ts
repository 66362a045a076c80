// What the account pages share: who is signed in (the answer of
// /v1/auth/me), moving between the pages by the URL's fragment, and the
// links in the header (Sign in, or the account's name, Admin, Sign out).

import { api, loadMe, SESSION_ENDED, needsSecondFactor, type LockNotice, type Me, type MeResponse, type SigninAnswer } from './account-api.js';
import { when } from './account-ui.js';
import { append, h, notify } from './dom.js';

export type Route =
  | { page: 'home' }
  | { page: 'signin' }
  | { page: 'signup'; token: string }
  | { page: 'reset'; token: string }
  | { page: 'account' }
  | { page: 'admin' }
  | { page: 'gone'; what: 'invite' | 'reset' }
  /** A meeting invite link (#join=…); invite is '' once it has left the address bar. */
  | { page: 'guest'; invite: string };

/** The shared state of the account pages. */
export class Accounts {
  /** The signed-in account, or null. */
  me: MeResponse | null = null;
  /** The page to return to after signing in (a signed-out visit to #account or #admin). */
  private next: '' | 'account' | 'admin' = '';
  private nav: HTMLElement;

  constructor(
    header: HTMLElement,
    /** Shows the page of a route (main.ts). */
    private readonly show: (r: Route) => void,
  ) {
    this.nav = h('nav', { class: 'acct-nav', 'aria-label': 'Account' });
    header.appendChild(this.nav);
    window.addEventListener(SESSION_ENDED, () => {
      // Only a signed-in page reacts: a wrong code on the sign-in page is a 401 too.
      if (!this.me) return;
      this.forget();
      const hash = location.hash;
      if (hash === '#account' || hash === '#admin') {
        notify('Your session has ended. Sign in again.', 'warn');
        this.go('signin');
      }
    });
  }

  /** Loads who is signed in and redraws the header; a failure leaves the header as it was. */
  async refresh(): Promise<MeResponse | null> {
    try {
      this.me = await loadMe();
    } catch {
      // The server is away: say nothing about the account until it answers.
    }
    this.drawNav();
    return this.me;
  }

  get user(): Me | null {
    return this.me?.user ?? null;
  }

  /** Whether passkey buttons are offered: false only when the server says it cannot. */
  get passkeysAvailable(): boolean {
    return this.me?.passkeys_available !== false;
  }

  /** Goes to a page: '' is the join page; others are fragments ('account', 'signin', ...). */
  go(fragment: '' | 'signin' | 'account' | 'admin'): void {
    if (fragment === '') {
      history.pushState(null, '', `${location.pathname}${location.search}`);
      this.show({ page: 'home' });
    } else if (location.hash === `#${fragment}`) {
      this.show(routeOf(location.hash));
    } else {
      location.hash = fragment; // hashchange shows it
    }
  }

  /** After a completed sign-in: the lock notice once, then the page the account needs. */
  async signedIn(answer: SigninAnswer): Promise<void> {
    if (answer.status !== 'signed_in') return;
    await this.refresh();
    if (answer.notice) this.showLockNotice(answer.notice);
    const u = this.user ?? answer.user;
    const next = this.next;
    this.next = '';
    this.go(needsSecondFactor(u) ? 'account' : next);
  }

  /** Sends a signed-out visitor of a signed-in page to the sign-in page, and back after it. */
  signInFirst(page: 'account' | 'admin'): void {
    this.next = page;
    this.go('signin');
  }

  /** Signs out this browser and goes to the sign-in page. */
  async signOut(): Promise<void> {
    try {
      await api('POST', '/v1/auth/signout', {});
    } catch {
      // Already signed out, or the server is away: forget the account here all the same.
    }
    this.forget();
    notify('You are signed out.');
    this.go('signin');
  }

  /** The session ended (signed out elsewhere, all sessions ended): forget the account here. */
  forget(): void {
    this.me = null;
    this.drawNav();
  }

  private showLockNotice(n: LockNotice): void {
    notify(
      `Your account was locked on ${when(n.locked_at)} after ${n.failures} failed sign-in attempt${n.failures === 1 ? '' : 's'}. If that was not you, change your password.`,
      'error',
      0,
      { label: 'Change password', run: () => this.go('account') },
    );
  }

  drawNav(): void {
    const u = this.user;
    if (!u) {
      this.nav.replaceChildren(h('a', { href: '#signin', class: 'nav-link', id: 'nav-signin' }, 'Sign in'));
      return;
    }
    const out = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'nav-signout' }, 'Sign out');
    this.nav.replaceChildren();
    out.addEventListener('click', () => void this.signOut());
    const home = h('a', { href: '/', class: 'nav-link', id: 'nav-home' }, 'Meetings');
    home.addEventListener('click', (e) => {
      e.preventDefault();
      this.go('');
    });
    append(this.nav,
      home,
      h('a', { href: '#account', class: 'nav-link', id: 'nav-account', title: u.email }, u.name || u.email),
      u.role === 'admin' ? h('a', { href: '#admin', class: 'nav-link', id: 'nav-admin' }, 'Admin') : null,
      out,
    );
  }
}

/**
 * The route of a fragment. A secret in it (an invite or reset token) is
 * taken out of the address bar at once: it is replaced by a fragment
 * without the token, so it stays out of history, bookmarks and screenshots.
 */
export function routeOf(hash: string): Route {
  const frag = hash.startsWith('#') ? hash.slice(1) : hash;
  const take = (prefix: string, what: 'invite' | 'reset', page: 'signup' | 'reset'): Route => {
    const token = frag.slice(prefix.length).trim();
    history.replaceState(null, '', `${location.pathname}${location.search}#${page}`);
    return token ? { page, token } : { page: 'gone', what };
  };
  if (frag.startsWith('join=')) {
    const invite = frag.slice('join='.length).trim();
    history.replaceState(null, '', `${location.pathname}#join`);
    return { page: 'guest', invite };
  }
  if (frag.startsWith('invite=')) return take('invite=', 'invite', 'signup');
  if (frag.startsWith('reset=')) return take('reset=', 'reset', 'reset');
  switch (frag) {
    case 'signin':
      return { page: 'signin' };
    case 'account':
      return { page: 'account' };
    case 'admin':
      return { page: 'admin' };
    case 'join':
      return { page: 'guest', invite: '' };
    case 'signup':
      return { page: 'gone', what: 'invite' };
    case 'reset':
      return { page: 'gone', what: 'reset' };
  }
  return { page: 'home' };
}
