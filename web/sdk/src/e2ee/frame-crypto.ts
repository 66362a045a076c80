// FrameCrypto encrypts and decrypts media frames with keys it is handed. It
// is what a Worker running RTCRtpScriptTransform holds: the Session on the
// page decides keys and posts FrameKeyUpdates (plain, postMessage-able
// objects); FrameCrypto derives the SFrame keys, keeps one media counter per
// KID for every sender transform, and applies the receiver's bounds.
//
// One FrameCrypto must encrypt all of a sender's media: two would each start
// the counter of a KID at 0 and reuse nonces.

import { countDrop, newDropCounts, type DropCounts } from './drops.js';
import { E2eeError } from './errors.js';
import { KeyRing } from './keyring.js';
import { mediaKey, splitKeyId } from './keys.js';
import { openFrameWith, sealFrame, type Codec } from './media.js';
import type { SFrameKey } from './sframe.js';

/**
 * A change of media keys, from the Session to a FrameCrypto (possibly in a
 * Worker). A FrameCrypto ignores a type it does not know, so a page may post
 * updates that an older worker does not read.
 */
export type FrameKeyUpdate =
  /** Encrypt from now on with key(e, s) under kid; the counter starts at 0. */
  | { type: 'send'; kid: number; key: Uint8Array }
  /** Accept frames from sender under kid, and the steps after it, with key(e, s). */
  | { type: 'receive'; sender: string; kid: number; key: Uint8Array }
  /** Forget every key of sender (it left). */
  | { type: 'remove'; sender: string }
  /** A participant joined: every sender's keys reach one step further. */
  | { type: 'join' };

/** Frame counts of a FrameCrypto since it was made. */
export interface FrameCryptoStats {
  framesEncrypted: number;
  framesDecrypted: number;
  /** Frames not encrypted, and so not sent: no send key yet, mostly. */
  framesNotEncrypted: number;
  /** Frames that did not decrypt, and so were dropped, by reason. */
  framesDropped: DropCounts;
  /**
   * Received frames of no bytes, dropped: they carry nothing to decrypt
   * or decode (Chromium hands the receiver one when an audio track starts).
   * Kept apart from framesDropped, whose counts are an alarm.
   */
  framesEmpty: number;
}

interface SendState {
  kid: number;
  key: Promise<SFrameKey>;
  next: number; // the next counter
}

export class FrameCrypto {
  private send: SendState | null = null;
  private readonly ring = new KeyRing<SFrameKey>(mediaKey);
  private readonly counts: FrameCryptoStats = {
    framesEncrypted: 0,
    framesDecrypted: 0,
    framesNotEncrypted: 0,
    framesDropped: newDropCounts(),
    framesEmpty: 0,
  };

  /** Applies an update from the Session. */
  apply(u: FrameKeyUpdate): void {
    switch (u.type) {
      case 'send':
        this.setSendKey(u.kid, u.key);
        return;
      case 'receive':
        this.setReceiveKey(u.sender, u.kid, u.key);
        return;
      case 'remove':
        this.removeSender(u.sender);
        return;
      case 'join':
        this.joinSeen();
        return;
      default:
        return; // from a newer page: ignored
    }
  }

  /**
   * Encrypts from now on with key(e, s) under kid, counters from 0. The KID
   * in use again changes nothing; an older KID is refused ('stale_kid'):
   * KIDs only grow, which keeps a counter from starting over under one key.
   */
  setSendKey(kid: number, key: Uint8Array): void {
    if (!splitKeyId(kid)) throw new E2eeError('invalid', `KID ${kid} has no epoch`);
    if (this.send && kid === this.send.kid) return;
    if (this.send && kid < this.send.kid) throw new E2eeError('stale_kid', `KID ${kid} is older than ${this.send.kid}`);
    const k = mediaKey(key.slice(), kid);
    k.catch(() => {}); // reported by encrypt
    this.send = { kid, key: k, next: 0 };
  }

  /** Accepts frames from sender under kid, and the steps after it. */
  setReceiveKey(sender: string, kid: number, key: Uint8Array): void {
    this.ring.install(sender, kid, key);
    // The sender's next frames carry this KID: derive its SFrame key now
    // (HKDF and the AES key import), not when the first frame waits for it.
    this.ring.get(sender, kid)?.catch(() => {}); // a failure is reported by decrypt
  }

  /** Forgets every key of sender. */
  removeSender(sender: string): void {
    this.ring.remove(sender);
  }

  /** Records a join: every sender ratchets on it, so each one's keys reach one step further. */
  joinSeen(): void {
    this.ring.joinSeen();
  }

  /** The KID frames are encrypted with, or 0 before the first send key. */
  sendingKid(): number {
    return this.send ? this.send.kid : 0;
  }

  /** Encrypts one frame with the send key and the next counter of its KID. */
  async encrypt(codec: Codec, frame: Uint8Array): Promise<Uint8Array> {
    try {
      const s = this.send;
      if (!s) throw new E2eeError('no_key', 'no send key yet');
      if (s.next > Number.MAX_SAFE_INTEGER) throw new E2eeError('counter_exhausted', `KID ${s.kid}`);
      const ctr = s.next++; // taken before any await: concurrent frames get distinct counters
      const out = await sealFrame(await s.key, ctr, codec, frame);
      this.counts.framesEncrypted++;
      return out;
    } catch (err) {
      this.counts.framesNotEncrypted++;
      throw err;
    }
  }

  /** Decrypts one frame from sender; throws (E2eeError) for a frame to drop. */
  async decrypt(sender: string, codec: Codec, frame: Uint8Array): Promise<Uint8Array> {
    if (frame.length === 0) {
      this.counts.framesEmpty++;
      throw new E2eeError('header', 'an empty frame');
    }
    try {
      const { header, frame: out } = await openFrameWith(codec, frame, (kid) => {
        const k = splitKeyId(kid) ? this.ring.get(sender, Number(kid)) : null;
        if (!k) throw new E2eeError('unknown_kid', `no key for KID ${kid}`);
        return k;
      });
      this.ring.markSeen(sender, Number(header.kid));
      this.counts.framesDecrypted++;
      return out;
    } catch (err) {
      countDrop(this.counts.framesDropped, err);
      throw err;
    }
  }

  /** Counts a frame dropped before encrypt or decrypt saw it (say, a transform with bad options). */
  countDropped(side: 'send' | 'receive'): void {
    if (side === 'send') this.counts.framesNotEncrypted++;
    else this.counts.framesDropped.malformed++;
  }

  /** A copy of the counts. */
  stats(): FrameCryptoStats {
    return { ...this.counts, framesDropped: { ...this.counts.framesDropped } };
  }
}
