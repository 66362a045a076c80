// Conclave meeting app: join → preview → meeting → left. Each page is a
// render function that returns its own clean-up; this file moves between them
// and owns the one thing they share, the session (room, name, token).

import { connect, type Room } from '../../sdk/src/index.js';
import { byId, h } from './dom.js';
import { renderJoin } from './join.js';
import { renderMeeting } from './meeting.js';
import { loadPrefs, savePrefs } from './prefs.js';
import { renderPreview, type MediaChoice } from './preview.js';
import { connectErrorText, leaveReasonText, ROOM_PATTERN } from './text.js';
import { detectTokenSource, fetchDevToken, type JoinCredentials, type TokenSource } from './token.js';

declare global {
  interface Window {
    /** The live Room, for the browser tests. Holds no token. */
    conclaveRoom?: Room;
  }
}

type PageState = 'join' | 'preview' | 'meeting' | 'left';

interface Session {
  room: string;
  name: string;
  creds: JoinCredentials;
  /** A dev token is single-use here: later joins ask the dev server for a fresh one. */
  credsUsed: boolean;
}

const root = byId('app');
const headerSlot = byId('header-slot');
let cleanup: () => void = () => {};
let source: TokenSource = { kind: 'paste' };
let session: Session | null = null;
let lastChoice: Pick<MediaChoice, 'cameraOn' | 'micOn' | 'cameraId' | 'micId'> | null = null;

function show(state: PageState, title: string, render: () => () => void): void {
  cleanup();
  cleanup = () => {};
  document.body.dataset.state = state;
  document.title = title ? `${title} · Conclave` : 'Conclave';
  if (state !== 'meeting' && state !== 'left') headerSlot.replaceChildren();
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
  show('join', '', () =>
    renderJoin(root, {
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
    }),
  );
}

function showPreview(): void {
  const s = session;
  if (!s) return showJoin();
  show('preview', s.room, () =>
    renderPreview(root, {
      room: s.room,
      name: s.name,
      onEnter: (choice) => enter(choice),
      onBack: () => showJoin(),
    }),
  );
}

async function credentials(s: Session): Promise<JoinCredentials> {
  if (!s.credsUsed) {
    s.credsUsed = true;
    return s.creds;
  }
  if (source.kind === 'dev') s.creds = await fetchDevToken(s.room, s.name);
  return s.creds;
}

/** Connects and shows the meeting; throws an Error with a message for the user. */
async function enter(choice: MediaChoice): Promise<void> {
  const s = session;
  if (!s) throw new Error('No meeting selected.');
  lastChoice = { cameraOn: choice.cameraOn, micOn: choice.micOn, cameraId: choice.cameraId, micId: choice.micId };
  const creds = await credentials(s);
  let room: Room;
  try {
    room = await connect(creds.url, creds.token, { reconnect: true });
  } catch (err) {
    throw new Error(connectErrorText(err));
  }
  window.conclaveRoom = room;
  s.room = room.name || s.room;
  history.replaceState(null, '', `/?room=${encodeURIComponent(s.room)}`);
  show('meeting', s.room, () =>
    renderMeeting(root, headerSlot, {
      room,
      choice,
      onEnd: (reason, media) => {
        if (lastChoice) lastChoice = { ...lastChoice, ...media };
        showLeft(reason);
      },
    }),
  );
}

function showLeft(reason: string): void {
  const s = session;
  show('left', 'Left', () => {
    const selfLeft = reason === 'client_left';
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const rejoin = h('button', { type: 'button', id: 'rejoin-button', class: 'btn btn-primary' }, 'Rejoin');
    const home = h('button', { type: 'button', id: 'home-button', class: 'btn btn-ghost' }, 'Join another room');
    const heading = h('h1', { id: 'left-title', tabindex: -1 }, selfLeft ? 'You left the meeting' : 'You were disconnected');
    root.replaceChildren(
      h(
        'div',
        { class: 'page page-left' },
        h(
          'section',
          { class: 'card left-card', 'aria-labelledby': 'left-title' },
          heading,
          h('p', { id: 'left-reason', 'data-reason': reason }, leaveReasonText(reason)),
          s?.room ? h('p', { class: 'hint' }, 'Room: ', h('strong', {}, s.room)) : null,
          error,
          h('div', { class: 'actions' }, home, rejoin),
        ),
      ),
    );
    let busy = false;
    rejoin.addEventListener('click', async () => {
      if (busy) return;
      busy = true;
      rejoin.disabled = true;
      rejoin.textContent = 'Rejoining…';
      error.hidden = true;
      const c = lastChoice ?? { cameraOn: true, micOn: true, cameraId: '', micId: '' };
      try {
        await enter({ ...c, video: null, audio: null });
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        error.hidden = false;
        rejoin.disabled = false;
        rejoin.textContent = 'Rejoin';
        busy = false;
      }
    });
    home.addEventListener('click', () => showJoin());
    heading.focus();
    return () => {};
  });
}

async function start(): Promise<void> {
  root.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  source = await detectTokenSource();
  showJoin();
}

void start();
