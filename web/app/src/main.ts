// Conclave meeting app: join → preview → meeting → left, the guest page
// of a meeting invite (#join=…), and the account pages reached by the
// URL's fragment (#signin, #invite=…, #reset=…, #account, #admin). Each page is a render function that returns its own
// clean-up; this file moves between them and owns the one thing they share,
// the session (room, name, token).

import { connect, type LobbyStatus, type Room } from '../../sdk/src/index.js';
import { renderAccount } from './account.js';
import { hostToken, meetingsCard, type HostJoin } from './account-meetings.js';
import { Accounts, routeOf, type Route } from './account-nav.js';
import { renderSignin } from './account-signin.js';
import { renderGone, renderReset, renderSignup } from './account-signup.js';
import { renderAdmin } from './admin.js';
import { byId, h } from './dom.js';
import { renderGuest, type GuestPass } from './guest.js';
import { renderJoin } from './join.js';
import { renderLeft } from './left.js';
import { renderLobby, type LobbyView } from './lobby.js';
import { renderMeeting } from './meeting.js';
import { loadPrefs, savePrefs } from './prefs.js';
import { renderPreview, type MediaChoice } from './preview.js';
import { connectError, connectErrorText, ROOM_PATTERN } from './text.js';
import { detectTokenSource, fetchDevToken, type JoinCredentials, type TokenSource } from './token.js';

declare global {
  interface Window {
    /** The live Room, for the browser tests. Holds no token. */
    conclaveRoom?: Room;
  }
}

type PageState = 'join' | 'guest' | 'preview' | 'lobby' | 'meeting' | 'left' | 'account';

interface Session {
  room: string;
  name: string;
  creds: JoinCredentials;
  /** A dev token is single-use here: later joins ask the dev server for a fresh one. */
  credsUsed: boolean;
  /** A meeting the signed-in account hosts: later joins ask /v1/meetings for a fresh host token. */
  hosted?: boolean;
  /** A guest of an invite: every join presents the guest token it was given (guest.ts). */
  guest?: boolean;
  /** The room password the guest typed, for the joins (memory only). */
  password?: string;
}

const root = byId('app');
const headerSlot = byId('header-slot');
let cleanup: () => void = () => {};
let source: TokenSource = { kind: 'paste' };
let session: Session | null = null;
let lastChoice: Pick<MediaChoice, 'cameraOn' | 'micOn' | 'cameraId' | 'micId'> | null = null;
let state: PageState = 'join';
const accounts = new Accounts(headerSlot.parentElement ?? document.body, (r) => route(r));

function show(next: PageState, title: string, render: () => () => void): void {
  cleanup();
  cleanup = () => {};
  state = next;
  document.body.dataset.state = next;
  document.title = title ? `${title} · Conclave` : 'Conclave';
  // The meeting fills the header itself; after it, the room name stays but
  // not its connection status (a red "Disconnected" says nothing new there).
  if (next === 'left' && session?.room) headerSlot.replaceChildren(h('span', { class: 'header-room', title: 'Room' }, session.room));
  else if (next !== 'meeting') headerSlot.replaceChildren();
  cleanup = render();
}

function roomFromUrl(): string {
  const params = new URLSearchParams(location.search);
  const room = params.get('room') ?? '';
  // A token must never sit in a URL (history, logs, Referer); drop one if someone put it there.
  if (params.has('token')) {
    params.delete('token');
    const q = params.toString();
    history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
  }
  return ROOM_PATTERN.test(room) ? room : '';
}

function showJoin(error?: string): void {
  show('join', '', () => {
    const done = renderJoin(root, {
      source,
      room: session?.room || roomFromUrl(),
      name: session?.name || loadPrefs().name,
      error,
      onJoined: (r) => {
        session = { ...r, credsUsed: false };
        if (r.name) savePrefs({ name: r.name });
        if (r.room) history.replaceState(null, '', `/?room=${encodeURIComponent(r.room)}`);
        showPreview();
      },
    });
    // A signed-in account can host: "New meeting" above the form.
    const card = meetingsCard(accounts, hosted);
    if (card) root.firstElementChild?.prepend(card);
    return done;
  });
}

/** Joins a meeting the account hosts, with the host token the server made. */
function hosted(j: HostJoin): void {
  session = { room: j.room, name: j.join.name, creds: { url: '', token: j.join.token }, credsUsed: false, hosted: true };
  history.replaceState(null, '', `/?room=${encodeURIComponent(j.room)}`);
  showPreview();
}

/** The guest page of an invite link; invite is '' after a reload. */
function showGuest(invite: string, passwordError?: string): void {
  show('guest', 'Join a meeting', () =>
    renderGuest(root, {
      invite,
      name: loadPrefs().name,
      member: accounts.user ? { name: accounts.user.name } : undefined,
      passwordError,
      onReady: (p: GuestPass, password: string) => {
        session = { room: p.room, name: p.name, creds: { url: '', token: p.token }, credsUsed: false, guest: true, password };
        savePrefs({ name: p.name });
        showPreview();
      },
    }),
  );
}

/** The address of the meeting: a guest's stays #join, so that a reload comes back to the guest page. */
function meetingUrl(s: Session): string {
  return s.guest ? `${location.pathname}#join` : `/?room=${encodeURIComponent(s.room)}`;
}

function showPreview(): void {
  const s = session;
  if (!s) return showJoin();
  show('preview', s.room, () =>
    renderPreview(root, {
      room: s.room,
      name: s.name,
      onEnter: (choice) => enter(choice),
      onBack: () => (s.guest ? showGuest('') : showJoin()),
    }),
  );
}

async function credentials(s: Session): Promise<JoinCredentials> {
  if (s.guest) return s.creds;
  if (!s.credsUsed) {
    s.credsUsed = true;
    return s.creds;
  }
  if (s.hosted) s.creds = { url: '', token: (await hostToken(s.room)).token };
  else if (source.kind === 'dev') s.creds = await fetchDevToken(s.room, s.name);
  return s.creds;
}

/** Connects and shows the meeting; throws a JoinError with a message for the user. */
async function enter(choice: MediaChoice): Promise<void> {
  const s = session;
  if (!s) throw new Error('No meeting selected.');
  lastChoice = { cameraOn: choice.cameraOn, micOn: choice.micOn, cameraId: choice.cameraId, micId: choice.micId };
  const creds = await credentials(s);
  // A guest of a room with a lobby waits in it: connect() stays pending
  // and reports each status; the lobby page shows them.
  const abort = new AbortController();
  const wait: { view: LobbyView | null } = { view: null };
  const onLobby = (st: LobbyStatus) => {
    if (wait.view) return wait.view.update(st);
    show('lobby', 'Waiting to join', () => {
      wait.view = renderLobby(root, {
        room: s.room, name: s.name, video: choice.video,
        onLeave: () => abort.abort(),
        onRetry: () => showPreview(),
        onHome: () => showJoin(),
      }, st);
      return () => wait.view?.dispose();
    });
  };
  let room: Room;
  try {
    room = await connect(creds.url, creds.token, { reconnect: true, password: s.password || undefined, signal: abort.signal, onLobby });
  } catch (err) {
    const code = typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : '';
    if (wait.view) {
      // Refused (or left) while waiting: the preview is gone, so is its camera.
      choice.video?.stop();
      choice.audio?.stop();
      wait.view.refused(abort.signal.aborted ? 'client_left' : code || 'error');
      return;
    }
    if (s.guest && (code === 'password_required' || code === 'password_wrong')) {
      choice.video?.stop();
      choice.audio?.stop();
      s.password = undefined;
      showGuest('', connectErrorText(err));
      return;
    }
    throw connectError(err);
  }
  window.conclaveRoom = room;
  s.room = room.name || s.room;
  history.replaceState(null, '', meetingUrl(s));
  show('meeting', s.room, () =>
    renderMeeting(root, headerSlot, {
      room,
      choice,
      token: () => creds.token,
      onEnd: (reason, media) => {
        if (lastChoice) lastChoice = { ...lastChoice, ...media };
        showLeft(reason);
      },
    }),
  );
}

function showLeft(reason: string): void {
  show('left', 'Left', () =>
    renderLeft(root, {
      reason,
      room: session?.room ?? '',
      rejoin: () => enter({ ...(lastChoice ?? { cameraOn: true, micOn: true, cameraId: '', micId: '' }), video: null, audio: null }),
      onHome: () => showJoin(),
    }),
  );
}

/** Shows the page of a route; the join page keeps the meeting flow's own state. */
function route(r: Route): void {
  const page = (title: string, render: () => () => void) => show('account', title, render);
  switch (r.page) {
    case 'home':
      return showJoin();
    case 'signin':
      return page('Sign in', () => renderSignin(root, accounts));
    case 'signup':
      return page('Create your account', () => renderSignup(root, accounts, r.token));
    case 'reset':
      return page('Set a new password', () => renderReset(root, accounts, r.token));
    case 'gone':
      return page(r.what === 'invite' ? 'Create your account' : 'Set a new password', () => renderGone(root, r.what));
    case 'account':
      return page('Your account', () => renderAccount(root, accounts));
    case 'admin':
      return page('Administration', () => renderAdmin(root, accounts));
    case 'guest':
      return showGuest(r.invite);
  }
}

async function start(): Promise<void> {
  root.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  // The fragment is read (and any secret in it removed) before anything waits.
  const first = routeOf(location.hash);
  [source] = await Promise.all([detectTokenSource(), accounts.refresh()]);
  // A meeting is never interrupted by the address: the account pages are
  // left with the header's links, which the meeting does not show.
  window.addEventListener('hashchange', () => {
    if (state !== 'meeting') route(routeOf(location.hash));
  });
  route(first);
}

void start();
