// A room's end-to-end encryption (docs/e2ee.md): the participant's keys, its
// e2ee.Session, the Worker that encrypts and decrypts media frames, and what
// this browser remembers of other participants' identity keys. Room drives
// it from signaling; the crypto lives in ./e2ee/.

import { fromBase64, toBase64 } from './base64.js';
import {
  announcementFromJSON,
  announcementToJSON,
  fromHex,
  generateKemKey,
  loadIdentity,
  newSession,
  toHex,
  type FrameCryptoStats,
  type IdentityStorage,
  type Member,
  type Outbound,
  type Session,
  type WorkerReply,
  type WorkerRequest,
} from './e2ee/index.js';
import { refillKem, useKemWorker } from './e2ee-kem.js';
import type { E2EEAnnouncement, ParticipantInfo } from './types.js';

/** What this browser knows of another participant's end-to-end encryption. */
export interface E2EEParticipantStatus {
  /** Its announcement verifies: its keys are bound to its identity and this room. */
  valid: boolean;
  /** Why not, when not valid (an e2ee error code). */
  error: string | null;
  /** Its sender key has arrived: its media and messages can be decrypted. */
  hasKey: boolean;
  /** Its identity key differs from the one this browser saw before for the same identity. */
  changed: boolean;
  /** Someone on this browser marked this identity key verified (markVerified). */
  verified: boolean;
  /** Its identity key, hex. */
  identityKey: string;
}

/** Counters of this session's end-to-end encryption. */
export interface E2EEStats {
  framesEncrypted: number;
  framesDecrypted: number;
  /** Frames dropped (never decoded), by reason. */
  framesDropped: Record<string, number>;
  /** Received frames of no bytes, dropped (nothing to decrypt; not an alarm). */
  framesEmpty: number;
  dataSealed: number;
  dataOpened: number;
  dataDropped: Record<string, number>;
  keyPackagesSent: number;
  switches: number;
}

const SEEN_PREFIX = 'conclave.e2ee.seen.';
const VERIFIED_PREFIX = 'conclave.e2ee.verified.';

/** Whether this browser can run E2EE: encoded transforms, module workers, WebCrypto Ed25519. */
export function e2eeSupported(): boolean {
  const g = globalThis as { RTCRtpScriptTransform?: unknown; Worker?: unknown; crypto?: Crypto };
  return typeof g.RTCRtpScriptTransform === 'function' && typeof g.Worker === 'function' && !!g.crypto?.subtle;
}

/** The room and sub claims of a join token, read without verifying (the server verifies it). */
export function tokenClaims(token: string): { room: string; identity: string } | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4));
    const c = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0)))) as {
      room?: unknown;
      sub?: unknown;
    };
    if (typeof c.room !== 'string' || typeof c.sub !== 'string') return null;
    return { room: c.room, identity: c.sub };
  } catch {
    return null;
  }
}

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled for this page
  }
}

export interface E2EEHost {
  /** Sends an e2ee message (queued while signaling reconnects). */
  send(to: string, payload: string): void;
  /** Something an app shows changed: the safety code, a participant's status, the room's mode. */
  changed(): void;
  /** A failure worth the app's attention (undecryptable data, a refused key package). */
  error(code: string, message: string): void;
  /**
   * Tells the server that identity now announces identityKey (base64),
   * not the key this browser saw before (e2ee_identity_changed: the
   * operator's security event). Once per identity and key per connection.
   */
  reportIdentityChanged?(identity: string, identityKey: string): void;
}

/**
 * RoomE2EE holds one connection's keys from before the join (they are
 * announced in it) to the end. It is active only once the server's joined
 * says the room requires end-to-end encryption.
 */
export class RoomE2EE {
  private session: Session | null = null;
  private worker: Worker | null = null;
  private active = false;
  private ready: Promise<void> = Promise.resolve();
  /** Where the identity key is kept, once loaded. */
  identityStorage: IdentityStorage = 'memory';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private statsId = 0;
  private readonly statsWaiters = new Map<number, (s: FrameCryptoStats) => void>();
  private readonly identities = new Map<string, { identity: string; key: string }>();
  /** Identity and key pairs reported changed on this connection. */
  private readonly reported = new Set<string>();
  /**
   * Every use of the Session runs in arrival order, one at a time: a chat
   * message that follows its sender's key package waits for the package
   * to be opened, and nothing is sealed before joined is applied.
   */
  private queue: Promise<unknown> = Promise.resolve();
  /** Whether this connection's session was ever encrypted: it never goes back to plain. */
  private wasActive = false;

  private constructor(private readonly host: E2EEHost) {}

  /**
   * Starts loading the identity key and making this session's KEM key and
   * Worker; the announcement is ready when announcement() resolves.
   * workerUrl is where the SDK's e2ee-worker.js is served.
   */
  static start(host: E2EEHost, token: string, workerUrl: string | URL): RoomE2EE {
    const e = new RoomE2EE(host);
    const claims = tokenClaims(token);
    // The KEM work (a key now, a package to and from every member later)
    // runs in its own Worker, beside the frame Worker.
    useKemWorker(new URL('./e2ee-kem-worker.js', workerUrl instanceof URL ? workerUrl : new URL(workerUrl, location.href)));
    e.ready = (async () => {
      if (!claims) throw new TypeError('the join token has no room or sub claim');
      // A KEM Worker that fails hands the work back to the page: the
      // second try makes the key here.
      const [id, kem] = await Promise.all([loadIdentity(), generateKemKey().catch(() => generateKemKey())]);
      e.identityStorage = id.storage;
      const worker = new Worker(workerUrl, { type: 'module', name: 'conclave-e2ee' });
      worker.onmessage = (ev: MessageEvent<WorkerReply>) => e.onWorkerMessage(ev.data);
      e.worker = worker;
      e.session = await newSession({
        room: claims.room,
        identity: claims.identity,
        id,
        kem,
        onFrameKeys: (update) => e.post({ type: 'keys', update }),
      });
    })();
    e.ready.catch(() => {});
    return e;
  }

  /** The announcement for join; rejects if the keys could not be made. */
  async announcement(): Promise<E2EEAnnouncement> {
    await this.ready;
    return announcementToJSON(this.session!.announcement());
  }

  /** The room requires end-to-end encryption and this session encrypts. */
  get enabled(): boolean {
    return this.active;
  }

  /** The Worker every RTCRtpScriptTransform of this session runs in, while active. */
  transformWorker(): Worker | null {
    return this.active ? this.worker : null;
  }

  /** Runs f after everything queued before it. */
  private run<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f);
    this.queue = p.catch(() => {});
    return p;
  }

  /**
   * Whether a joined that says roomE2EE may be applied: a connection that
   * was encrypted never continues in clear, whatever the server says (a
   * server that answers a re-join with a plain room is refused).
   */
  accepts(roomE2EE: boolean): boolean {
    return roomE2EE || !this.wasActive;
  }

  /** Applies joined: the room's mode, and the keys for everyone in it. */
  joined(roomE2EE: boolean, self: ParticipantInfo, others: ParticipantInfo[]): Promise<void> {
    // Set at once, so that the messages that follow joined are handled
    // as the room's mode says; the keys follow in order.
    this.active = roomE2EE && this.session !== null;
    if (this.active) this.wasActive = true;
    return this.run(async () => {
      this.identities.clear();
      if (this.active) {
        for (const p of others) this.remember(p);
        // The members' key packages may be opened (and data sealed) once
        // the session has joined; this session's own packages for them
        // are sent when sealed, without holding up what follows.
        const j = this.session!.start(self.id, others.map(member));
        await j.applied;
        j.packages.then(
          (out) => {
            if (this.active) this.flush(out);
          },
          (err) => console.error('conclave: e2ee', err),
        );
        this.recordSeen(others.map((p) => p.id));
      }
      this.host.changed();
    });
  }

  participantJoined(p: ParticipantInfo): Promise<void> {
    return this.run(async () => {
      if (!this.active) return;
      this.remember(p);
      this.flush(await this.session!.memberJoined(member(p)));
      this.recordSeen([p.id]);
      this.host.changed();
    });
  }

  participantLeft(id: string): Promise<void> {
    return this.run(async () => {
      if (!this.active) return;
      this.identities.delete(id);
      this.flush(await this.session!.memberLeft(id));
      this.host.changed();
    });
  }

  /** An e2ee message from another participant: a key package or an acknowledgement. */
  receive(from: string, payloadB64: string): Promise<void> {
    return this.run(async () => {
      if (!this.active) return;
      const bytes = fromBase64(payloadB64);
      if (!bytes) return;
      try {
        this.flush(await this.session!.receive(from, bytes));
      } catch (err) {
        this.host.error('e2ee_key_package', `a key package from ${from} was refused: ${(err as Error).message}`);
      }
      this.host.changed();
    });
  }

  /** Seals an outgoing data payload (active only), after joined is applied. */
  seal(topic: string, payload: Uint8Array): Promise<Uint8Array> {
    return this.run(() => this.session!.sealData(topic, payload));
  }

  /**
   * Opens a received data payload, in arrival order and after any key
   * package that came before it; deliver gets the plaintext, or nothing
   * when it does not open (reported as an error).
   */
  open(from: string, topic: string, sealed: Uint8Array, deliver: (plain: Uint8Array) => void): void {
    void this.run(async () => {
      try {
        deliver(await this.session!.openData(from, topic, sealed));
      } catch (err) {
        this.host.error('data_undecryptable', `a message from ${from} could not be decrypted: ${(err as Error).message}`);
      }
    });
  }

  safetyCode(): Promise<string> {
    return this.active ? this.session!.safetyCode() : Promise.resolve('');
  }

  status(participantId: string): E2EEParticipantStatus | null {
    if (!this.active) return null;
    const m = this.session!.members().find((x) => x.id === participantId);
    const id = this.identities.get(participantId);
    if (!m || !id) return null;
    const st = storage();
    const seen = st?.getItem(SEEN_PREFIX + id.identity) ?? null;
    const verified = st?.getItem(VERIFIED_PREFIX + id.identity) ?? null;
    const changed = seen !== null && seen !== id.key;
    if (changed && m.verified) this.reportChanged(id);
    return {
      valid: m.verified,
      error: m.error,
      hasKey: m.hasKey,
      changed,
      verified: verified !== null && verified === id.key,
      identityKey: id.key,
    };
  }

  /**
   * Marks a participant's current identity key verified (after comparing
   * safety codes), and accepts it as the one this browser has seen.
   */
  markVerified(participantId: string, verified = true): void {
    const id = this.identities.get(participantId);
    const st = storage();
    if (!id || !st) return;
    if (verified) {
      st.setItem(VERIFIED_PREFIX + id.identity, id.key);
      st.setItem(SEEN_PREFIX + id.identity, id.key);
    } else {
      st.removeItem(VERIFIED_PREFIX + id.identity);
    }
    this.host.changed();
  }

  async stats(): Promise<E2EEStats | null> {
    if (!this.active || !this.worker) return null;
    const s = this.session!.stats();
    const id = ++this.statsId;
    const fc = await new Promise<FrameCryptoStats | null>((resolve) => {
      const t = setTimeout(() => {
        this.statsWaiters.delete(id);
        resolve(null);
      }, 2000);
      this.statsWaiters.set(id, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      this.post({ type: 'stats', id });
    });
    return {
      framesEncrypted: fc?.framesEncrypted ?? 0,
      framesDecrypted: fc?.framesDecrypted ?? 0,
      framesDropped: { ...(fc?.framesDropped ?? {}) },
      framesEmpty: fc?.framesEmpty ?? 0,
      dataSealed: s.dataSealed,
      dataOpened: s.dataOpened,
      dataDropped: { ...s.dataDropped },
      keyPackagesSent: s.keyPackagesSent,
      switches: s.switches,
    };
  }

  /** The key id this session sends with (0 before joined). */
  sendingKid(): number {
    return this.session?.sendingKid() ?? 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.active = false;
    this.worker?.terminate();
    this.worker = null;
    refillKem(); // a key for this page's next connect(), now that this one's work is over
  }

  // ----------------------------------------------------------------------

  /** Notes a participant's identity key, as the server shows it. */
  private remember(p: ParticipantInfo): void {
    const a = p.e2ee ? announcementFromJSON(p.e2ee) : null;
    if (a) this.identities.set(p.id, { identity: p.identity, key: toHex(a.identityKey) });
  }

  /**
   * The first identity key whose announcement verifies for an identity
   * becomes the one this browser compares later sessions with. A key that
   * fails verification is never remembered.
   */
  private recordSeen(ids: string[]): void {
    const st = storage();
    if (!st) return;
    for (const pid of ids) {
      const id = this.identities.get(pid);
      if (!id || !this.session!.verified(pid)) continue;
      const seen = st.getItem(SEEN_PREFIX + id.identity);
      if (seen === null) {
        st.setItem(SEEN_PREFIX + id.identity, id.key);
      } else if (seen !== id.key) {
        this.reportChanged(id);
      }
    }
  }

  /**
   * A verified announcement of another key than the one this browser saw:
   * the operator hears of it too (the server records who reported it),
   * once per identity and key on this connection.
   */
  private reportChanged(id: { identity: string; key: string }): void {
    const k = id.identity + ' ' + id.key;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    this.host.reportIdentityChanged?.(id.identity, toBase64(fromHex(id.key)));
  }

  private flush(out: Outbound[]): void {
    for (const o of out) this.host.send(o.to, toBase64(o.payload));
    this.schedule();
  }

  /** Arms the timer for the Session's next deadline (the switch to a pending key). */
  private schedule(): void {
    clearTimeout(this.timer);
    const d = this.session?.deadline() ?? null;
    if (d === null) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.session) this.flush(this.session.tick());
      this.host.changed();
    }, Math.max(0, d - Date.now()));
  }

  private post(m: WorkerRequest): void {
    this.worker?.postMessage(m);
  }

  private onWorkerMessage(m: WorkerReply): void {
    if (m?.type !== 'stats') return;
    const w = this.statsWaiters.get(m.id);
    this.statsWaiters.delete(m.id);
    w?.(m.stats);
  }
}

function member(p: ParticipantInfo): Member {
  return { id: p.id, identity: p.identity, announcement: p.e2ee ? announcementFromJSON(p.e2ee) : null };
}
