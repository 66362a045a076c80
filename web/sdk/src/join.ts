// Opening a signaling connection and joining (or resuming) over it, up to the
// server's `joined`.

import { JoinFailure, joinRefused } from './errors.js';
import type { ClientMessages, Joined } from './messages.js';
import type { E2EEAnnouncement, LobbyStatus } from './types.js';
import { abortError, SignalSocket } from './signal.js';

const JOIN_TIMEOUT_MS = 10_000;

export interface ResumeRequest {
  participant_id: string;
  secret: string;
}

/** What a join needs from the room. */
export interface JoinHost {
  readonly wsUrl: string;
  readonly token: string;
  readonly signal: AbortSignal | undefined;
  /** True while the first join is in progress (only it can be aborted). */
  connecting(): boolean;
  ended(): boolean;
  /** Takes over a socket whose join succeeded (its handlers, the room's socket). */
  adopt(socket: SignalSocket): void;
  /** The end-to-end encryption announcement to join with, if any. */
  announcement?: () => Promise<E2EEAnnouncement | undefined>;
  /** The room password a join (not a resume) gives, if any. */
  readonly password?: string;
  /** Each status of a join that waits in the room's lobby. */
  onLobby?: (s: LobbyStatus) => void;
}

/**
 * Opens a socket and joins (or resumes). `apply` runs synchronously inside
 * the handler of `joined`, so messages that follow it are handled with the
 * new state in place. A join the server holds in the room's lobby waits,
 * without the join timeout (the server bounds the wait), until `joined` or
 * a refusal.
 */
export async function openAndJoin(host: JoinHost, resume: ResumeRequest | undefined, apply: (j: Joined) => void): Promise<void> {
  const signal = host.signal;
  let socket: SignalSocket;
  // The keys are made while the socket opens: the join waits for both.
  const announcing = host.announcement?.();
  announcing?.catch(() => {});
  try {
    socket = await SignalSocket.open(host.wsUrl, host.connecting() ? signal : undefined);
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw err;
    throw new JoinFailure('network', (err as Error).message ?? 'cannot reach the server', true);
  }
  let e2ee: E2EEAnnouncement | undefined;
  try {
    e2ee = await announcing;
  } catch (err) {
    // Joined without keys: a plain room admits it; a room that requires
    // end-to-end encryption refuses it with e2ee_required.
    console.warn('conclave: end-to-end encryption keys could not be made', err);
  }
  if (host.ended()) {
    socket.close();
    throw new JoinFailure('client_left', 'the room was left', false);
  }
  await new Promise<void>((resolve, reject) => {
    let errCode: string | undefined;
    let errMessage = '';
    let errRetryAfter: number | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.close();
        reject(err);
      } else resolve();
    };
    const onAbort = () => {
      if (host.connecting()) finish(abortError());
    };
    const timer = setTimeout(() => finish(new JoinFailure('timeout', 'no answer to join', true)), JOIN_TIMEOUT_MS);
    signal?.addEventListener('abort', onAbort);
    socket.onMessage = (msg) => {
      if (done) return;
      switch (msg.type) {
        case 'joined':
          if (host.ended()) {
            finish(new JoinFailure('client_left', 'the room was left', false));
            return;
          }
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          host.adopt(socket);
          try {
            apply(msg.data);
          } catch (err) {
            console.error('conclave: applying joined failed', err);
          }
          resolve();
          return;
        case 'lobby':
          clearTimeout(timer);
          try {
            host.onLobby?.(msg.data);
          } catch (err) {
            console.error('conclave: the onLobby callback threw', err);
          }
          return;
        case 'error':
          errCode = msg.data.code;
          errMessage = msg.data.message;
          errRetryAfter = msg.data.retry_after;
          return;
        case 'leave': {
          const code = errCode ?? msg.data.reason ?? 'error';
          finish(joinRefused(code, errMessage || `the server refused the join (${code})`, errRetryAfter));
          return;
        }
        default:
          console.warn(`conclave: ignoring "${msg.type}" before joined`);
      }
    };
    socket.onClose = () => {
      const code = errCode ?? 'network';
      finish(joinRefused(code, errMessage || 'the connection closed during join', errRetryAfter));
    };
    const join: ClientMessages['join'] = { token: host.token };
    if (resume) join.resume = resume;
    else if (host.password) join.password = host.password;
    if (e2ee) join.e2ee = e2ee;
    if (!socket.send('join', join)) finish(new JoinFailure('network', 'could not send join', true));
  });
}
