// The safety code: the same on every screen in the room, changed by every
// change of membership or of a participant's identity key.

import { buf, compareBytes, concat, lp, u32 } from './bytes.js';

const SAFETY_LABEL = 'conclave e2ee safety code v1';

/** One participant in a safety code: its identity (the join token's sub) and its identity public key. */
export interface SafetyEntry {
  identity: string;
  identityKey: Uint8Array;
}

/**
 * The room's safety code over entries (every participant, self included,
 * in any order): four groups of five digits, "12345 67890 13579 24680".
 */
export async function safetyCode(room: string, entries: SafetyEntry[]): Promise<string> {
  const encoded = entries.map((e) => concat(lp(e.identity), e.identityKey)).sort(compareBytes);
  const input = concat(lp(SAFETY_LABEL), lp(room), u32(encoded.length), ...encoded);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buf(input)));
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + digest[5 * i + j]!;
    groups.push(String(v % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
