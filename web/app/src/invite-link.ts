// The in-meeting "Copy invite link": for a meeting the signed-in account
// hosts (or a room where this browser's session may share invites), a
// guest link the server signs (docs/access.md, "Invites"):
// https://HOST/#join=TOKEN, the token in the fragment, which browsers never
// send to a server. The defaults suit a link pasted into a chat: up to 50
// guests, as participants, for one day.

/** What the app asks for when it makes a link. */
export const APP_INVITE = { role: 'participant', max_uses: 50, expires_in: 86400 } as const;

/**
 * Makes a guest invite link for the room, or returns null when this
 * browser may not (no session, not the room's account, no share_invite):
 * the caller then falls back to the plain room link.
 */
export async function createInviteLink(room: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`/v1/meetings/${encodeURIComponent(room)}/invites`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(APP_INVITE),
      cache: 'no-store',
      credentials: 'same-origin',
      redirect: 'error',
    });
  } catch {
    return null;
  }
  if (res.status !== 201) return null;
  const data = (await res.json().catch(() => null)) as { token?: unknown } | null;
  return typeof data?.token === 'string' && data.token.startsWith('cmi1.') ? `${location.origin}/#join=${data.token}` : null;
}
