// The lobby, as the guest who waits in it sees it (docs/access.md, "Lobby
// and password"): the SDK's connect() is still pending and reports each
// status the server sends ("waiting", or "waiting_for_host" while nobody
// who may admit is in, with the position in line). The guest can leave;
// admission shows the meeting (main.ts), a refusal shows here why.

import type { LobbyStatus } from '../../sdk/src/index.js';
import { h } from './dom.js';
import { leaveReasonText } from './text.js';

export interface LobbyOptions {
  room: string;
  name: string;
  /** The camera picture from the preview, kept live for the meeting. */
  video: MediaStreamTrack | null;
  /** Stops waiting (aborts the join). */
  onLeave: () => void;
  /** After a refusal: back to the preview, or home. */
  onRetry: () => void;
  onHome: () => void;
}

export interface LobbyView {
  update(s: LobbyStatus): void;
  /** The wait ended without admission: code says why ("client_left" when the guest left). */
  refused(code: string): void;
  dispose(): void;
}

function statusText(s: LobbyStatus): { title: string; detail: string } {
  const line = s.position > 1 ? ` You are number ${s.position} in line.` : '';
  return s.status === 'waiting_for_host'
    ? { title: 'Waiting for the host', detail: `Nobody who can let you in has joined yet. You will be let in when a host or moderator arrives and admits you.${line}` }
    : { title: 'Waiting to be let in', detail: `The host knows you are here and will let you in soon.${line}` };
}

export function renderLobby(root: HTMLElement, opts: LobbyOptions, first: LobbyStatus): LobbyView {
  const heading = h('h1', { id: 'lobby-title', tabindex: -1 });
  const detail = h('p', { id: 'lobby-detail' });
  const status = h('div', { id: 'lobby-status', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), detail);
  const video = h('video', { id: 'lobby-video', autoplay: true, playsinline: true, class: 'mirror' });
  video.muted = true;
  if (opts.video && opts.video.readyState === 'live') video.srcObject = new MediaStream([opts.video]);
  const leave = h('button', { type: 'button', class: 'btn btn-ghost', id: 'lobby-leave' }, 'Leave');
  const actions = h('div', { class: 'actions' }, leave);
  const card = h('section', { class: 'card lobby-card', 'aria-labelledby': 'lobby-title', 'data-status': first.status },
    heading,
    h('p', { class: 'hint' }, 'Meeting ', h('strong', { class: 'room-name' }, opts.room), opts.name ? ` · you join as ${opts.name}` : ''),
    opts.video ? h('div', { class: 'lobby-stage' }, video) : null,
    status,
    actions);
  root.replaceChildren(h('div', { class: 'page page-lobby' }, card));
  leave.addEventListener('click', () => {
    leave.disabled = true;
    opts.onLeave();
  });

  const update = (s: LobbyStatus) => {
    const t = statusText(s);
    card.dataset.status = s.status;
    card.dataset.position = String(s.position);
    if (heading.textContent !== t.title) heading.textContent = t.title;
    if (detail.textContent !== t.detail) detail.textContent = t.detail;
  };
  update(first);
  heading.focus();

  return {
    update,
    refused(code) {
      card.dataset.status = 'refused';
      card.dataset.reason = code;
      video.srcObject = null;
      card.querySelector('.lobby-stage')?.remove();
      heading.textContent = code === 'client_left' ? 'You left the lobby' : 'You were not let in';
      status.replaceChildren(h('p', { id: 'lobby-reason', 'data-reason': code }, code === 'client_left' ? 'You stopped waiting to join the meeting.' : leaveReasonText(code)));
      const retry = h('button', { type: 'button', class: 'btn btn-primary', id: 'lobby-retry' }, 'Ask again');
      const home = h('button', { type: 'button', class: 'btn btn-ghost', id: 'lobby-home' }, 'Join another room');
      retry.addEventListener('click', () => opts.onRetry());
      home.addEventListener('click', () => opts.onHome());
      actions.replaceChildren(home, retry);
      heading.focus();
    },
    dispose() {
      video.srcObject = null;
    },
  };
}
