// Passkeys in the browser: WebAuthn through the JSON forms the server
// speaks (PublicKeyCredential.parseCreationOptionsFromJSON /
// parseRequestOptionsFromJSON, credential.toJSON()), for registration, for
// signing in with a passkey alone and for the second step after a password.

import { api, type Ceremony, type SigninAnswer } from './account-api.js';
import { passkeyErrorText } from './text.js';

/** A failure of the browser's side of a ceremony, with its sentence. */
export class PasskeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasskeyError';
  }
}

/** Whether this browser can do what Conclave's passkeys need. */
export function browserSupportsPasskeys(): boolean {
  const PKC = (window as { PublicKeyCredential?: typeof PublicKeyCredential }).PublicKeyCredential;
  return (
    window.isSecureContext &&
    typeof PKC === 'function' &&
    typeof PKC.parseCreationOptionsFromJSON === 'function' &&
    typeof PKC.parseRequestOptionsFromJSON === 'function' &&
    !!navigator.credentials
  );
}

/** The sentence for a browser that cannot use passkeys. */
export const NO_BROWSER_PASSKEYS = 'This browser cannot use passkeys. A current Chrome, Edge, Firefox or Safari can.';

function asJSON(cred: Credential | null): unknown {
  if (!cred || !(cred instanceof PublicKeyCredential)) throw new PasskeyError(passkeyErrorText(null));
  return cred.toJSON();
}

async function create(options: PublicKeyCredentialCreationOptionsJSON): Promise<unknown> {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  try {
    return asJSON(await navigator.credentials.create({ publicKey }));
  } catch (err) {
    if (err instanceof PasskeyError) throw err;
    throw new PasskeyError(passkeyErrorText(err));
  }
}

async function get(options: PublicKeyCredentialRequestOptionsJSON): Promise<unknown> {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  try {
    return asJSON(await navigator.credentials.get({ publicKey }));
  } catch (err) {
    if (err instanceof PasskeyError) throw err;
    throw new PasskeyError(passkeyErrorText(err));
  }
}

export interface RegisteredPasskey {
  passkey: { id: string; name: string; created_at: string; last_used_at?: string };
  recovery_codes?: string[];
}

/** Registers a passkey for the signed-in account (the password confirms it is them). */
export async function registerPasskey(password: string, name: string): Promise<RegisteredPasskey> {
  const c = await api<Ceremony<PublicKeyCredentialCreationOptionsJSON>>('POST', '/v1/auth/passkeys/options', { password });
  const credential = await create(c.options);
  return api<RegisteredPasskey>('POST', '/v1/auth/passkeys/finish', { ceremony: c.ceremony, name, credential });
}

/** Signs in with a passkey alone (a discoverable credential). */
export async function signinWithPasskey(): Promise<SigninAnswer> {
  const c = await api<Ceremony<PublicKeyCredentialRequestOptionsJSON>>('POST', '/v1/auth/passkey/options', {});
  const credential = await get(c.options);
  return api<SigninAnswer>('POST', '/v1/auth/passkey/finish', { ceremony: c.ceremony, credential });
}

/** The second step of a password sign-in with a passkey. */
export async function secondStepWithPasskey(ticket: string): Promise<SigninAnswer> {
  const c = await api<Ceremony<PublicKeyCredentialRequestOptionsJSON>>('POST', '/v1/auth/signin/passkey/options', { ticket });
  const credential = await get(c.options);
  return api<SigninAnswer>('POST', '/v1/auth/signin/passkey/finish', { ticket, ceremony: c.ceremony, credential });
}
