// Display names of the people in a meeting, remembered after they leave (a
// chat message of someone who left still names them).

import type { ParticipantInfo } from '../../sdk/src/index.js';

export class DisplayNames {
  private readonly names = new Map<string, string>();

  /** Notes the participants present now (the local one included). */
  update(present: ParticipantInfo[]): void {
    for (const p of present) this.names.set(p.id, baseName(p));
  }

  /** The name to show for a participant id. */
  of(id: string): string {
    return this.names.get(id) ?? 'Someone who left';
  }
}

/** The name a participant gave, else their identity. */
export function baseName(p: ParticipantInfo): string {
  return p.name || p.identity;
}
