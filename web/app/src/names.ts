// Display names of the people in a meeting. People who give the same name
// are told apart by a number in join order: "Alex", "Alex (2)", "Alex (3)".
// A participant keeps their label for the whole meeting (when the first Alex
// leaves, the second stays "Alex (2)"), and it is remembered after they
// leave (a chat message of someone who left still names them).
//
// Every page numbers the people it sees by the time they joined, so pages
// agree; a page that joins after a same-named person left may number the
// others from 1 again.

import type { ParticipantInfo } from '../../sdk/src/index.js';

export class DisplayNames {
  private readonly assigned = new Map<string, { base: string; n: number }>();
  private present = new Set<string>();

  /**
   * p is someone we knew as oldId, back under a new id (a fresh join after a
   * server restart): they keep their label unless someone present took it.
   */
  carry(p: ParticipantInfo, oldId: string | undefined): void {
    const a = oldId ? this.assigned.get(oldId) : undefined;
    if (!a || a.base !== baseName(p)) return;
    for (const id of this.present) {
      const b = this.assigned.get(id);
      if (id !== p.id && b && b.base === a.base && b.n === a.n) return;
    }
    this.assigned.set(p.id, { ...a });
  }

  /** Notes the participants present now: the local one first, then the others in the order the room gave them. */
  update(present: Iterable<ParticipantInfo>): void {
    // joined_at counts whole seconds: people who joined in the same second
    // keep the order given, which is the server's join order (joined lists
    // them so, later arrivals come after), except that we come last among
    // them, having joined after everyone listed when we joined.
    const list = [...present];
    const local = list[0]?.id;
    const sorted = list.sort((a, b) => a.joined_at - b.joined_at || (a.id === local ? 1 : 0) - (b.id === local ? 1 : 0));
    this.present = new Set(sorted.map((p) => p.id));
    // The numbers present people already hold, per name.
    const used = new Map<string, Set<number>>();
    const usedFor = (base: string) => {
      let set = used.get(base);
      if (!set) used.set(base, (set = new Set()));
      return set;
    };
    for (const p of sorted) {
      const a = this.assigned.get(p.id);
      if (a && a.base === baseName(p)) usedFor(a.base).add(a.n);
    }
    for (const p of sorted) {
      const base = baseName(p);
      const a = this.assigned.get(p.id);
      if (a && a.base === base) continue;
      // New here, or renamed: the smallest number free under this name.
      const taken = usedFor(base);
      let n = 1;
      while (taken.has(n)) n++;
      taken.add(n);
      this.assigned.set(p.id, { base, n });
    }
  }

  /** The label to show for a participant id. */
  of(id: string): string {
    const a = this.assigned.get(id);
    if (!a) return 'Someone who left';
    return a.n === 1 ? a.base : `${a.base} (${a.n})`;
  }
}

/** The name a participant gave, else their identity. */
export function baseName(p: ParticipantInfo): string {
  return p.name || p.identity;
}
