// The receiver's sender keys: per sender, at most MAX_EPOCHS_KEPT epochs;
// within an epoch, keys derived forward from the lowest step held, at most
// MAX_STEPS_AHEAD past the highest step installed, authenticated, or reached
// by the joins seen, never backward.

import { MAX_STEP, ratchet, splitKeyId } from './keys.js';

/** Epochs a receiver keeps per sender. */
export const MAX_EPOCHS_KEPT = 3;
/** Steps a receiver derives beyond the highest step it has seen. */
export const MAX_STEPS_AHEAD = 64;

interface EpochKeys<D> {
  low: number;
  high: number; // highest step installed, authenticated, or reached by joins seen
  keys: Map<number, Uint8Array>; // key(e, s) by step, from low up
  derived: Map<number, Promise<D>>; // what derive() made of key(e, s), by step
}

/**
 * Sender keys by (sender, KID), each turned once into what the caller uses
 * (an SFrame key) by derive. A sender is any string: a participant id.
 */
export class KeyRing<D> {
  private readonly senders = new Map<string, Map<number, EpochKeys<D>>>();

  /** derive turns key(e, s) into what get() returns. */
  constructor(private readonly derive: (key: Uint8Array, kid: number) => Promise<D>) {}

  /**
   * Installs key(e, s) for sender. A step of an epoch held replaces it only
   * if it is below the lowest step held (the rest derive from that); an
   * epoch older than all MAX_EPOCHS_KEPT held is ignored, a newer one evicts
   * the oldest.
   */
  install(sender: string, kid: number, key: Uint8Array): void {
    const id = splitKeyId(kid);
    if (!id) return;
    let epochs = this.senders.get(sender);
    if (!epochs) {
      epochs = new Map();
      this.senders.set(sender, epochs);
    }
    const e = epochs.get(id.epoch);
    if (e) {
      if (id.step < e.low) {
        epochs.set(id.epoch, { low: id.step, high: Math.max(e.high, id.step), keys: new Map([[id.step, key.slice()]]), derived: new Map() });
      } else {
        e.high = Math.max(e.high, id.step);
      }
      return;
    }
    if (epochs.size >= MAX_EPOCHS_KEPT) {
      const oldest = Math.min(...epochs.keys());
      if (id.epoch < oldest) return;
      epochs.delete(oldest);
    }
    epochs.set(id.epoch, { low: id.step, high: id.step, keys: new Map([[id.step, key.slice()]]), derived: new Map() });
  }

  /** Forgets every key of sender. */
  remove(sender: string): void {
    this.senders.delete(sender);
  }

  /** Whether a key of sender is held. */
  has(sender: string): boolean {
    return this.senders.has(sender);
  }

  /**
   * What derive made of the key for (sender, kid), or null when the epoch is
   * not held or the step is out of reach.
   */
  get(sender: string, kid: number): Promise<D> | null {
    const id = splitKeyId(kid);
    if (!id) return null;
    const e = this.senders.get(sender)?.get(id.epoch);
    if (!e || id.step < e.low || id.step > e.high + MAX_STEPS_AHEAD) return null;
    let d = e.derived.get(id.step);
    if (!d) {
      d = this.stepKey(e, id.step).then((k) => this.derive(k, kid));
      e.derived.set(id.step, d);
    }
    return d;
  }

  /** Records that kid from sender authenticated a frame or message: the window moves up to it. */
  markSeen(sender: string, kid: number): void {
    const id = splitKeyId(kid);
    const e = id && this.senders.get(sender)?.get(id.epoch);
    if (e && id.step > e.high) e.high = id.step;
  }

  /**
   * Records a join: every sender ratchets on it, so every epoch held of
   * every sender reaches one step further (up to MAX_STEP). A sender silent
   * through many joins stays reachable; frames, which only the AEAD
   * authenticates, still move nothing until they open.
   */
  joinSeen(): void {
    for (const epochs of this.senders.values()) {
      for (const e of epochs.values()) e.high = Math.min(MAX_STEP, e.high + 1);
    }
  }

  /** key(e, step), ratcheted from the highest step held below it. */
  private async stepKey(e: EpochKeys<D>, step: number): Promise<Uint8Array> {
    let s = step;
    while (!e.keys.has(s)) s--;
    let k = e.keys.get(s)!;
    while (s < step) {
      k = await ratchet(k);
      s++;
      if (!e.keys.has(s)) e.keys.set(s, k);
    }
    return k;
  }
}
