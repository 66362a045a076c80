// Session is one participant's end-to-end encryption in one room: the state
// machine of docs/e2ee.md "When keys change", the twin of the Go e2ee.Session.
// It keeps the participant's sending key and the keys it has received,
// answers membership changes and e2ee messages with the e2ee messages to
// send, seals and opens data messages, and hands media keys to a
// FrameCrypto: its own (encryptFrame, decryptFrame) or, when onFrameKeys is
// set, one in the Worker that runs the RTCRtpScriptTransforms.
//
// It starts no timer: the caller sends what the methods return, and calls
// tick() when deadline() passes. Membership changes and received messages
// are handled one at a time, in the order they are called.

import { announce, verifyAnnouncement, type Announcement } from './announce.js';
import { equalBytes } from './bytes.js';
import { parseDataMessage, sealDataMessage, verifyDataMessage, openVerifiedData } from './data.js';
import { countDrop, newDropCounts, type DropCounts } from './drops.js';
import { E2eeError, type E2eeErrorCode } from './errors.js';
import { FrameCrypto, type FrameKeyUpdate } from './frame-crypto.js';
import type { Identity } from './identity.js';
import type { KemKey } from './kem.js';
import { KeyRing } from './keyring.js';
import { MAX_EPOCH, MAX_STEP, dataKey, keyId, newEpochKey, ratchet, splitKeyId } from './keys.js';
import {
  MAX_MESSAGE_LEN,
  TYPE_ACK,
  TYPE_KEY_PACKAGE,
  VERSION,
  encodeAck,
  openKeyPackage,
  parseAck,
  sealKeyPackage,
} from './keypackage.js';
import type { Codec } from './media.js';
import { safetyCode, type SafetyEntry } from './safety.js';
import type { SFrameKey } from './sframe.js';

/** How long (ms) a Session waits for every remaining member to acknowledge a new epoch before it sends with it anyway. */
export const DEFAULT_REKEY_TIMEOUT = 2000;

/** What a Session needs to know about its participant. */
export interface SessionConfig {
  /** The join token's room claim. */
  room: string;
  /** The join token's sub claim. */
  identity: string;
  /** The participant's identity key. */
  id: Identity;
  /** This session's KEM key. */
  kem: KemKey;
  /** The clock, in milliseconds; Date.now if absent. */
  now?: () => number;
  /** Milliseconds to wait for acknowledgements; DEFAULT_REKEY_TIMEOUT if absent or not positive. */
  rekeyTimeout?: number;
  /**
   * Where media keys go when a Worker encrypts and decrypts media: each
   * update is to be posted to it ({type: 'keys', update}). With it set,
   * encryptFrame refuses to run, since two FrameCryptos sending under one
   * key would reuse counters.
   */
  onFrameKeys?: (update: FrameKeyUpdate) => void;
}

/** Another participant as the server shows it. */
export interface Member {
  /** Participant id. */
  id: string;
  /** Identity (token sub). */
  identity: string;
  /** Its announcement; null if it sent none (it gets no key). */
  announcement: Announcement | null;
}

/** An e2ee signaling message to send: payload to participant to. */
export interface Outbound {
  to: string;
  payload: Uint8Array;
}

/** What a Session knows of a member. */
export interface MemberStatus {
  id: string;
  identity: string;
  /** Whether its announcement verified. */
  verified: boolean;
  /** Why its announcement does not verify; null if it does. */
  error: E2eeErrorCode | null;
  /** Whether a key package from it has been installed. */
  hasKey: boolean;
}

/** A Session's counters. */
export interface Stats {
  framesEncrypted: number;
  framesDecrypted: number;
  framesDropped: DropCounts;
  dataSealed: number;
  dataOpened: number;
  dataDropped: DropCounts;
  /** Key packages sealed. */
  keyPackagesSent: number;
  /** Key packages that could not be sealed (their recipient gets no key). */
  keyPackageErrors: number;
  /** Pending keys made current. */
  switches: number;
}

/** A key this participant sends with: key(e, s), and once current its data key and counter. */
interface SendKey {
  epoch: number;
  step: number;
  key: Uint8Array;
}

interface CurrentKey extends SendKey {
  kid: number;
  data: Promise<SFrameKey>;
  nextData: number;
}

/** A new epoch sent and waiting for acknowledgements. */
interface PendingKey extends SendKey {
  awaiting: Set<string>;
  deadline: number;
}

interface MemberState {
  member: Member;
  error: E2eeErrorCode | null;
  hasKey: boolean;
}

/** A Session for cfg: its announcement is signed; it has no key until joined(). */
export async function newSession(cfg: SessionConfig): Promise<Session> {
  if (!cfg.id || !cfg.kem) throw new E2eeError('invalid', 'a session needs an identity and a KEM key');
  return new Session(cfg, await announce(cfg.id, cfg.room, cfg.identity, cfg.kem));
}

export class Session {
  private readonly now: () => number;
  private readonly rekeyTimeout: number;
  private self = ''; // participant id, '' until joined
  private memberMap = new Map<string, MemberState>();
  private cur: CurrentKey | null = null;
  private pending: PendingKey | null = null;
  private nextEpoch = 1;
  // Data keys keep the media window (MAX_STEPS_AHEAD past the highest step
  // installed, opened, or reached by joins), in a ring of their own: with a
  // Worker, the page does not see which media frames open.
  private readonly dataKeys = new KeyRing<SFrameKey>(dataKey);
  private readonly frames = new FrameCrypto();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly counts: Stats = {
    framesEncrypted: 0,
    framesDecrypted: 0,
    framesDropped: newDropCounts(),
    dataSealed: 0,
    dataOpened: 0,
    dataDropped: newDropCounts(),
    keyPackagesSent: 0,
    keyPackageErrors: 0,
    switches: 0,
  };

  /** Use newSession. */
  constructor(
    private readonly cfg: SessionConfig,
    private readonly ann: Announcement,
  ) {
    this.now = cfg.now ?? Date.now;
    this.rekeyTimeout = cfg.rekeyTimeout && cfg.rekeyTimeout > 0 ? cfg.rekeyTimeout : DEFAULT_REKEY_TIMEOUT;
  }

  /** The participant's announcement, to send in join. */
  announcement(): Announcement {
    return this.ann;
  }

  /** Runs fn after every operation called before it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Starts the session once the server has admitted the participant as
   * self, with others already in the room: its key is a fresh epoch,
   * current at once, sent to every member whose announcement verifies.
   * Joined again (after reconnecting) starts over with a new epoch and the
   * members given, keeping the keys of members whose announcement is unchanged.
   */
  joined(self: string, others: Member[]): Promise<Outbound[]> {
    const j = this.start(self, others);
    return j.applied.then(() => j.packages);
  }

  /**
   * joined in two parts: applied resolves once the session has joined (its
   * members known, its key current: data can be sealed and key packages
   * opened); packages resolves with the key packages for the members,
   * sealed after that and outside the session's order, so that opening the
   * members' own packages, which arrive meanwhile, does not wait for them.
   * A newcomer's first decrypted frame needs the members' keys, not its own
   * packages. The packages are sealed with the key made here even if the
   * session moves on before they are done (a later key is sent as well).
   */
  start(self: string, others: Member[]): { applied: Promise<void>; packages: Promise<Outbound[]> } {
    let packages: Promise<Outbound[]> = Promise.resolve([]);
    const applied = this.serial(async () => {
      const checked = await Promise.all(others.filter((o) => o.id !== self).map((o) => this.check(o)));
      const old = this.memberMap;
      this.self = self;
      this.memberMap = new Map();
      this.pending = null;
      for (const m of checked) {
        const p = old.get(m.member.id);
        if (p && p.error === null && m.error === null && p.member.identity === m.member.identity && sameAnnouncement(p.member.announcement, m.member.announcement)) {
          m.hasKey = p.hasKey; // keys it gave before are still its keys
          old.delete(m.member.id);
        }
        this.memberMap.set(m.member.id, m);
      }
      for (const id of old.keys()) this.forget(id);
      const k = this.newEpoch();
      if (!k) {
        this.cur = null;
        return;
      }
      this.makeCurrent(k);
      packages = this.sendTo(k, this.verifiedIds());
    });
    return { applied, packages: applied.then(() => packages) };
  }

  /**
   * Handles a participant joining: the participant's keys ratchet one step,
   * the newcomer gets a key package for each, and the other members derive
   * the step themselves; every member's keys reach one step further. A
   * member whose announcement does not verify gets nothing and makes no
   * ratchet. At step 255 the join is handled as a leave.
   */
  memberJoined(o: Member): Promise<Outbound[]> {
    return this.serial(async () => {
      if (this.self === '' || o.id === this.self) return [];
      const m = await this.check(o);
      const out: Outbound[] = [];
      if (this.memberMap.has(o.id)) out.push(...(await this.leave(o.id)));
      this.joinSeen();
      this.memberMap.set(o.id, m);
      if (m.error !== null || !this.cur) return out;
      if (this.cur.step === MAX_STEP || this.pending?.step === MAX_STEP) {
        out.push(...(await this.rekey()));
        return out;
      }
      // tick() may make the pending key current while the ratchet runs; then
      // ratchet again. Past the awaits, state changes at once, before any
      // other await lets tick() in.
      for (;;) {
        const c: CurrentKey = this.cur;
        const p: PendingKey | null = this.pending;
        const [ck, pk] = await Promise.all([ratchet(c.key), p ? ratchet(p.key) : null]);
        if (this.cur !== c || this.pending !== p) continue;
        const next: SendKey = { epoch: c.epoch, step: c.step + 1, key: ck };
        this.makeCurrent(next);
        let nextPending: SendKey | null = null;
        if (p && pk) {
          p.step++;
          p.key = pk;
          p.awaiting.add(o.id);
          nextPending = { epoch: p.epoch, step: p.step, key: pk };
        }
        out.push(...(await this.sendTo(next, [o.id])));
        if (nextPending) out.push(...(await this.sendTo(nextPending, [o.id])));
        return out;
      }
    });
  }

  /**
   * Handles a participant leaving: its keys are forgotten, and a new epoch
   * goes to every member still in the room as the pending key. The
   * participant keeps sending with its current key until they all
   * acknowledge it or the rekey timeout passes (see tick).
   */
  memberLeft(id: string): Promise<Outbound[]> {
    return this.serial(() => this.leave(id));
  }

  private async leave(id: string): Promise<Outbound[]> {
    const m = this.memberMap.get(id);
    if (!m) return [];
    this.memberMap.delete(id);
    this.forget(id);
    if (m.error !== null || !this.cur) return []; // it never had a key of ours
    return this.rekey();
  }

  /** Makes a new epoch the pending key, replacing any pending one but keeping its deadline: one switch per burst of leaves. */
  private async rekey(): Promise<Outbound[]> {
    const k = this.newEpoch();
    if (!k) {
      this.cur = null;
      this.pending = null;
      return [];
    }
    const deadline = this.pending ? this.pending.deadline : this.now() + this.rekeyTimeout;
    const ids = this.verifiedIds();
    this.pending = { ...k, awaiting: new Set(ids), deadline };
    this.maybeSwitch();
    return this.sendTo(k, ids);
  }

  /** key(e, 0) of the next epoch, or null once none is left. */
  private newEpoch(): SendKey | null {
    if (this.nextEpoch > MAX_EPOCH) return null;
    return { epoch: this.nextEpoch++, step: 0, key: newEpochKey() };
  }

  /** Makes k the sending key, with media and data counters from 0 for its KID. */
  private makeCurrent(k: SendKey): void {
    const kid = keyId(k.epoch, k.step);
    const data = dataKey(k.key, kid);
    data.catch(() => {}); // reported by sealData
    this.cur = { ...k, kid, data, nextData: 0 };
    if (this.cfg.onFrameKeys) this.cfg.onFrameKeys({ type: 'send', kid, key: k.key.slice() });
    else this.frames.setSendKey(kid, k.key);
  }

  private maybeSwitch(): void {
    if (this.pending && this.pending.awaiting.size === 0) this.switchPending();
  }

  private switchPending(): void {
    const p = this.pending!;
    this.pending = null;
    this.makeCurrent({ epoch: p.epoch, step: p.step, key: p.key });
    this.counts.switches++;
  }

  /** Key packages of k for each of ids, in the order of ids; one that cannot be sealed is counted and left out. */
  private async sendTo(k: SendKey, ids: string[]): Promise<Outbound[]> {
    const kid = keyId(k.epoch, k.step);
    const sealed = await Promise.all(
      ids.map(async (id): Promise<Outbound | null> => {
        const a = this.memberMap.get(id)?.member.announcement;
        try {
          if (!a) throw new E2eeError('unknown_member', id);
          const payload = await sealKeyPackage(this.cfg.id, this.cfg.room, this.self, id, a.kemKey, kid, k.key);
          this.counts.keyPackagesSent++;
          return { to: id, payload };
        } catch {
          this.counts.keyPackageErrors++;
          return null;
        }
      }),
    );
    return sealed.filter((o): o is Outbound => o !== null);
  }

  /** The members whose announcement verifies, sorted. */
  private verifiedIds(): string[] {
    const ids: string[] = [];
    for (const [id, m] of this.memberMap) if (m.error === null) ids.push(id);
    return ids.sort();
  }

  private async check(o: Member): Promise<MemberState> {
    const m: MemberState = { member: o, error: null, hasKey: false };
    if (!o.announcement) {
      m.error = 'announcement';
      return m;
    }
    try {
      await verifyAnnouncement(o.announcement, this.cfg.room, o.identity);
    } catch (err) {
      m.error = err instanceof E2eeError ? err.code : 'announcement';
    }
    return m;
  }

  /**
   * Every sender ratchets on a join: each member's keys reach one step
   * further, here and in the worker, so that a sender silent through many
   * joins is not lost for being more than MAX_STEPS_AHEAD past its last
   * frame. Any join counts, verified here or not: another member may have
   * verified it and ratcheted.
   */
  private joinSeen(): void {
    this.dataKeys.joinSeen();
    this.frames.joinSeen();
    this.cfg.onFrameKeys?.({ type: 'join' });
  }

  /** Drops every key of id, here and in the worker. */
  private forget(id: string): void {
    this.dataKeys.remove(id);
    this.frames.removeSender(id);
    this.cfg.onFrameKeys?.({ type: 'remove', sender: id });
  }

  /** When tick() must be called to switch to the pending key (in the clock's milliseconds), or null if no key is pending. */
  deadline(): number | null {
    return this.pending ? this.pending.deadline : null;
  }

  /**
   * Makes the pending key current if its deadline has passed, whoever has
   * not acknowledged it. It returns the messages to send (none today).
   */
  tick(): Outbound[] {
    if (this.pending && this.now() >= this.pending.deadline) this.switchPending();
    return [];
  }

  /**
   * Handles an e2ee message from participant from: a key package is
   * verified, opened and installed, and answered with an acknowledgement;
   * an acknowledgement of the pending key may make it current. A message
   * that fails throws (E2eeError) and sends nothing.
   */
  receive(from: string, payload: Uint8Array): Promise<Outbound[]> {
    if (payload.length > MAX_MESSAGE_LEN) {
      return Promise.reject(new E2eeError('key_package', `${payload.length} bytes, limit ${MAX_MESSAGE_LEN}`));
    }
    if (payload.length < 2 || payload[0] !== VERSION) return Promise.reject(new E2eeError('key_package', 'not an e2ee message'));
    return this.serial(async () => {
      if (this.self === '') throw new E2eeError('not_joined', 'session has not joined the room');
      const m = this.member(from);
      switch (payload[1]) {
        case TYPE_KEY_PACKAGE: {
          const { kid, key } = await openKeyPackage(this.cfg.kem, m.member.announcement!.identityKey, this.cfg.room, from, this.self, payload);
          this.install(from, kid, key);
          m.hasKey = true;
          return [{ to: from, payload: encodeAck(kid) }];
        }
        case TYPE_ACK: {
          const { epoch, step } = splitKeyId(parseAck(payload))!;
          const p = this.pending;
          if (p && p.epoch === epoch && step <= p.step) {
            p.awaiting.delete(from);
            this.maybeSwitch();
          }
          return [];
        }
      }
      throw new E2eeError('key_package', `type ${payload[1]}`);
    });
  }

  private install(from: string, kid: number, key: Uint8Array): void {
    this.dataKeys.install(from, kid, key);
    this.frames.setReceiveKey(from, kid, key);
    this.cfg.onFrameKeys?.({ type: 'receive', sender: from, kid, key: key.slice() });
  }

  /** The verified member id, or throws 'unknown_member' or 'unverified'. */
  private member(id: string): MemberState {
    const m = this.memberMap.get(id);
    if (!m) throw new E2eeError('unknown_member', 'not a member of the room');
    if (m.error !== null) throw new E2eeError('unverified', `announcement: ${m.error}`);
    return m;
  }

  private current(): CurrentKey {
    if (this.cur) return this.cur;
    if (this.self !== '') throw new E2eeError('epochs_exhausted', 'sender epochs exhausted');
    throw new E2eeError('not_joined', 'session has not joined the room');
  }

  /** Encrypts a media frame of codec with the current key and the next media counter (not with onFrameKeys set). */
  async encryptFrame(codec: Codec, frame: Uint8Array): Promise<Uint8Array> {
    if (this.cfg.onFrameKeys) throw new E2eeError('invalid', 'media is encrypted by the FrameCrypto that onFrameKeys feeds');
    this.current();
    const out = await this.frames.encrypt(codec, frame);
    this.counts.framesEncrypted++;
    return out;
  }

  /**
   * Decrypts a media frame of codec from participant sender. A frame that
   * fails in any way throws, is counted in stats(), and must be dropped.
   */
  async decryptFrame(sender: string, codec: Codec, frame: Uint8Array): Promise<Uint8Array> {
    try {
      this.member(sender);
      const out = await this.frames.decrypt(sender, codec, frame);
      this.counts.framesDecrypted++;
      return out;
    } catch (err) {
      countDrop(this.counts.framesDropped, err);
      throw err;
    }
  }

  /** Seals a data message's payload on topic with the current data key and the next data counter, and signs it. */
  async sealData(topic: string, payload: Uint8Array): Promise<Uint8Array> {
    const k = this.current();
    if (k.nextData > Number.MAX_SAFE_INTEGER) throw new E2eeError('counter_exhausted', `data counter of KID ${k.kid}`);
    const ctr = k.nextData++;
    const out = await sealDataMessage(this.cfg.id, await k.data, ctr, this.cfg.room, this.self, topic, payload);
    this.counts.dataSealed++;
    return out;
  }

  /**
   * Verifies and opens a sealed data message from participant sender on
   * topic. A message that fails throws, is counted in stats(), and is to be
   * reported to the application as undecryptable.
   */
  async openData(sender: string, topic: string, sealed: Uint8Array): Promise<Uint8Array> {
    try {
      const { kid } = parseDataMessage(sealed);
      const m = this.member(sender);
      // The signature first, so that forged messages derive no keys.
      await verifyDataMessage(m.member.announcement!.identityKey, this.cfg.room, sender, topic, sealed);
      const k = splitKeyId(kid) ? this.dataKeys.get(sender, Number(kid)) : null;
      if (!k) throw new E2eeError('unknown_kid', `no data key for KID ${kid}`);
      const pt = await openVerifiedData(await k, this.cfg.room, sender, topic, sealed);
      this.dataKeys.markSeen(sender, Number(kid));
      this.counts.dataOpened++;
      return pt;
    } catch (err) {
      countDrop(this.counts.dataDropped, err);
      throw err;
    }
  }

  /** The room's safety code over this participant and every member whose announcement verifies. */
  safetyCode(): Promise<string> {
    const entries: SafetyEntry[] = [{ identity: this.cfg.identity, identityKey: this.cfg.id.publicKey }];
    for (const m of this.memberMap.values()) {
      if (m.error === null) entries.push({ identity: m.member.identity, identityKey: m.member.announcement!.identityKey });
    }
    return safetyCode(this.cfg.room, entries);
  }

  /** The KID of the key frames are sent with now; 0 before joined. */
  sendingKid(): number {
    return this.cur ? this.cur.kid : 0;
  }

  /** Whether member id is in the room with an announcement that verifies. */
  verified(id: string): boolean {
    return this.memberMap.get(id)?.error === null;
  }

  /** The members the session knows, sorted by id. */
  members(): MemberStatus[] {
    return [...this.memberMap.keys()].sort().map((id) => {
      const m = this.memberMap.get(id)!;
      return { id, identity: m.member.identity, verified: m.error === null, error: m.error, hasKey: m.hasKey };
    });
  }

  /** The session's counters. */
  stats(): Stats {
    return { ...this.counts, framesDropped: { ...this.counts.framesDropped }, dataDropped: { ...this.counts.dataDropped } };
  }
}

function sameAnnouncement(a: Announcement | null, b: Announcement | null): boolean {
  if (!a || !b) return false;
  return equalBytes(a.identityKey, b.identityKey) && equalBytes(a.kemKey, b.kemKey) && equalBytes(a.signature, b.signature);
}
