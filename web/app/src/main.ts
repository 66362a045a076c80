// Conclave meeting app: join → preview → meeting → left. Each page is a
// render function that returns its own clean-up; this file moves between them
// and owns the one thing they share, the session (room, name, token).

import { connect, type Room } from '../../sdk/src/index.js';
import { byId, h } from './dom.js';
import { renderJoin } from './join.js';
import { renderLeft } from './left.js';
import { renderMeeting } from './meeting.js';
import { loadPrefs, savePrefs } from './prefs.js';
import { renderPreview, type MediaChoice } from './preview.js';
import { connectError, ROOM_PATTERN } from './text.js';
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
  // The meeting fills the header itself; after it, the room name stays but
  // not its connection status (a red "Disconnected" says nothing new there).
  if (state === 'left' && session?.room) headerSlot.replaceChildren(h('span', { class: 'header-room', title: 'Room' }, session.room));
  else if (state !== 'meeting') headerSlot.replaceChildren();
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

/** Connects and shows the meeting; throws a JoinError with a message for the user. */
async function enter(choice: MediaChoice): Promise<void> {
  const s = session;
  if (!s) throw new Error('No meeting selected.');
  lastChoice = { cameraOn: choice.cameraOn, micOn: choice.micOn, cameraId: choice.cameraId, micId: choice.micId };
  const creds = await credentials(s);
  let room: Room;
  try {
    room = await connect(creds.url, creds.token, { reconnect: true });
  } catch (err) {
    throw connectError(err);
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
  show('left', 'Left', () =>
    renderLeft(root, {
      reason,
      room: session?.room ?? '',
      rejoin: () => enter({ ...(lastChoice ?? { cameraOn: true, micOn: true, cameraId: '', micId: '' }), video: null, audio: null }),
      onHome: () => showJoin(),
    }),
  );
}

async function start(): Promise<void> {
  root.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  source = await detectTokenSource();
  showJoin();
}

void start();
