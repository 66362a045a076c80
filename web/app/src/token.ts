// How the app gets a join token. A development server (`serve --dev`) hands
// them out from /dev/token; anywhere else the user pastes one that their
// organisation's app minted. Tokens stay in memory only: never in the URL,
// never in storage.

import { JoinError } from './text.js';

export interface JoinCredentials {
  /** Server base URL for connect(); "" means this page's origin. */
  url: string;
  token: string;
}

export type TokenSource = { kind: 'dev' } | { kind: 'paste' };

/** Asks the server whether it runs in development mode. */
export async function detectTokenSource(): Promise<TokenSource> {
  try {
    const res = await fetch('/dev/config', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) return { kind: 'paste' };
    const body = (await res.json()) as { dev?: unknown };
    return body.dev === true ? { kind: 'dev' } : { kind: 'paste' };
  } catch {
    return { kind: 'paste' };
  }
}

export async function fetchDevToken(room: string, name: string): Promise<JoinCredentials> {
  let res: Response;
  try {
    res = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ room, name }),
      cache: 'no-store',
    });
  } catch {
    throw new JoinError('The server could not be reached.', true);
  }
  if (!res.ok) {
    // Busy or restarting (429, 5xx) passes; a refused request does not.
    const later = res.status === 429 || res.status >= 500;
    const detail = await errorMessage(res);
    if (detail) throw new JoinError(`Could not get a join token: ${detail}`, later);
    if (res.status === 429) throw new JoinError('Too many join attempts; wait a second and try again.', true);
    throw new JoinError(`Could not get a join token (the server answered ${res.status}).`, later);
  }
  let body: { token?: unknown; url?: unknown };
  try {
    body = (await res.json()) as { token?: unknown; url?: unknown };
  } catch {
    throw new Error('The server sent an unreadable answer.');
  }
  if (typeof body?.token !== 'string' || body.token === '') throw new Error('The server sent no token.');
  return { token: body.token, url: connectUrl(typeof body.url === 'string' ? body.url : '') };
}

/**
 * The text of a server error: its JSON body is {"error":{"code","message"}};
 * the message is meant for people, the code is the fallback. '' when the body
 * says neither (not JSON, another shape).
 */
async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } } | null;
    const { message, code } = body?.error ?? {};
    if (typeof message === 'string' && message.trim()) return message.trim();
    if (typeof code === 'string' && code.trim()) return code.trim();
  } catch {
    // not JSON: the status is all there is
  }
  return '';
}

/**
 * The page's CSP allows connections to its own origin only, so the SDK is
 * pointed at the server's URL only when it is this origin (e.g. the dev server
 * may report 127.0.0.1 while the page was opened as localhost).
 */
function connectUrl(url: string): string {
  try {
    return url && new URL(url).origin === location.origin ? url : '';
  } catch {
    return '';
  }
}

/**
 * Reads the room and name claims of a pasted token, only to prefill the form.
 * Nothing here is trusted: the server verifies the token when we join.
 */
export function peekClaims(token: string): { room?: string; name?: string; exp?: number } {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return {};
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return {
      room: typeof claims.room === 'string' ? claims.room : undefined,
      name: typeof claims.name === 'string' ? claims.name : typeof claims.sub === 'string' ? claims.sub : undefined,
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  } catch {
    return {};
  }
}
