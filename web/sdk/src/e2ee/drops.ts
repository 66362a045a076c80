// Counts of dropped frames and messages, by reason.

import { E2eeError } from './errors.js';

/** Frames or messages dropped, by reason. */
export interface DropCounts {
  /** Not an encrypted frame or sealed message, or a codec an E2EE room does not carry. */
  malformed: number;
  /** From a participant not in the room. */
  unknownMember: number;
  /** From a member whose announcement does not verify. */
  unverified: number;
  /** A KID naming no epoch held, or a step before the lowest held or too far ahead. */
  noKey: number;
  /** Failed authentication or signature. */
  auth: number;
}

export function newDropCounts(): DropCounts {
  return { malformed: 0, unknownMember: 0, unverified: 0, noKey: 0, auth: 0 };
}

/** Adds a drop to the counter err names. */
export function countDrop(c: DropCounts, err: unknown): void {
  const code = err instanceof E2eeError ? err.code : null;
  switch (code) {
    case 'unknown_member':
      c.unknownMember++;
      return;
    case 'unverified':
      c.unverified++;
      return;
    case 'unknown_kid':
      c.noKey++;
      return;
    case 'auth':
    case 'data_signature':
      c.auth++;
      return;
  }
  c.malformed++;
}
