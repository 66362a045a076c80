// The page after a meeting: why it ended, and the way back in. When the
// server or the network went away (a restart, a crash that outlasted the
// SDK's own reconnect), it rejoins by itself with backoff and shows a
// countdown, instead of leaving the user at a dead end.

import { h } from './dom.js';
import { JoinError, leaveReasonText, retryable } from './text.js';

export interface LeftOptions {
  /** Why the meeting ended: "client_left" when we left, else the SDK's reason. */
  reason: string;
  room: string;
  /** Joins again with the same choices; resolves once in the meeting (this page is gone then). */
  rejoin: () => Promise<void>;
  onHome: () => void;
}

/** Delay before the n-th automatic rejoin (0-based): 2 s, 4 s, 8 s, 15 s, then every 30 s. */
export function retryDelay(n: number): number {
  return [2_000, 4_000, 8_000, 15_000][n] ?? 30_000;
}

/** Automatic rejoins stop after this long; the Rejoin button stays. */
const RETRY_FOR_MS = 10 * 60_000;

export function renderLeft(root: HTMLElement, opts: LeftOptions): () => void {
  const selfLeft = opts.reason === 'client_left';
  const heading = h('h1', { id: 'left-title', tabindex: -1 }, selfLeft ? 'You left the meeting' : 'You were disconnected');
  const status = h('p', { id: 'rejoin-status', role: 'status', hidden: true });
  const error = h('p', { id: 'rejoin-error', class: 'form-error', role: 'alert', hidden: true });
  const home = h('button', { type: 'button', id: 'home-button', class: 'btn btn-ghost' }, 'Join another room');
  const stop = h('button', { type: 'button', id: 'stop-rejoin-button', class: 'btn btn-ghost', hidden: true }, 'Stop trying');
  const rejoin = h('button', { type: 'button', id: 'rejoin-button', class: 'btn btn-primary' }, 'Rejoin');
  root.replaceChildren(
    h(
      'div',
      { class: 'page page-left' },
      h(
        'section',
        { class: 'card left-card', 'aria-labelledby': 'left-title' },
        heading,
        // The heading already says it when we left ourselves.
        selfLeft ? null : h('p', { id: 'left-reason', 'data-reason': opts.reason }, leaveReasonText(opts.reason)),
        opts.room ? h('p', { class: 'hint' }, 'Room: ', h('strong', {}, opts.room)) : null,
        status,
        error,
        h('div', { class: 'actions' }, home, stop, rejoin),
      ),
    ),
  );

  let disposed = false;
  let busy = false;
  let attempt = 0;
  let timer = 0;
  let ticker = 0;
  const since = Date.now();

  const clearTimers = () => {
    window.clearTimeout(timer);
    window.clearInterval(ticker);
  };

  /** Stops the automatic rejoins; the Rejoin button stays. */
  const stopRetrying = () => {
    clearTimers();
    status.hidden = true;
    delete status.dataset.seconds;
    stop.hidden = true;
    rejoin.textContent = 'Rejoin';
  };

  /** Schedules a rejoin, no sooner than minMs (the server's wait) from now. */
  const scheduleRetry = (minMs = 0) => {
    if (Date.now() - since > RETRY_FOR_MS) {
      stopRetrying();
      return;
    }
    const delay = Math.max(retryDelay(attempt++), minMs);
    const at = Date.now() + delay;
    const paint = () => {
      const s = Math.max(0, Math.ceil((at - Date.now()) / 1000));
      status.dataset.seconds = String(s);
      const text = `Rejoining in ${s} s…`;
      if (status.textContent !== text) status.textContent = text;
    };
    status.hidden = false;
    paint();
    ticker = window.setInterval(paint, 250);
    timer = window.setTimeout(() => void tryRejoin(), delay);
    stop.hidden = false;
    rejoin.textContent = 'Rejoin now';
  };

  const tryRejoin = async () => {
    if (busy) return;
    busy = true;
    clearTimers();
    rejoin.disabled = true;
    stop.hidden = true;
    status.hidden = false;
    delete status.dataset.seconds;
    status.textContent = 'Rejoining…';
    try {
      await opts.rejoin();
    } catch (err) {
      if (disposed) return;
      busy = false;
      rejoin.disabled = false;
      const e = err instanceof JoinError ? err : new JoinError(err instanceof Error ? err.message : String(err), false);
      error.textContent = e.message;
      error.hidden = false;
      if (e.retryable) scheduleRetry(e.retryAfter * 1000);
      else stopRetrying();
    }
  };

  rejoin.addEventListener('click', () => void tryRejoin());
  stop.addEventListener('click', () => {
    stopRetrying();
    rejoin.focus();
  });
  home.addEventListener('click', () => opts.onHome());
  heading.focus();
  if (!selfLeft && retryable(opts.reason)) scheduleRetry();

  return () => {
    disposed = true;
    clearTimers();
  };
}
