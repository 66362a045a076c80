// sdk/src/e2ee/errors.ts
var E2eeError = class extends Error {
  constructor(code, message) {
    super(`e2ee: ${code}: ${message}`);
    this.code = code;
    this.name = "E2eeError";
  }
  code;
};

// sdk/src/e2ee/drops.ts
function newDropCounts() {
  return { malformed: 0, unknownMember: 0, unverified: 0, noKey: 0, auth: 0 };
}
function countDrop(c, err) {
  const code = err instanceof E2eeError ? err.code : null;
  switch (code) {
    case "unknown_member":
      c.unknownMember++;
      return;
    case "unverified":
      c.unverified++;
      return;
    case "unknown_kid":
      c.noKey++;
      return;
    case "auth":
    case "data_signature":
      c.auth++;
      return;
  }
  c.malformed++;
}

// sdk/src/e2ee/bytes.ts
var encoder = new TextEncoder();
function utf8(s) {
  return encoder.encode(s);
}
function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
function buf(b) {
  return b;
}

// sdk/src/e2ee/sframe.ts
var AES_128_GCM_SHA256_128 = 4;
var MIN_BASE_KEY_LEN = 16;
var MAX_HEADER_LEN = 17;
var NONCE_LEN = 12;
var MAX_U64 = (1n << 64n) - 1n;
function suiteParams(suite) {
  switch (suite) {
    case 1:
      return { hash: "SHA-256", keyLen: 48, encLen: 16, tagLen: 10, ctrHmac: true };
    case 2:
      return { hash: "SHA-256", keyLen: 48, encLen: 16, tagLen: 8, ctrHmac: true };
    case 3:
      return { hash: "SHA-256", keyLen: 48, encLen: 16, tagLen: 4, ctrHmac: true };
    case 4:
      return { hash: "SHA-256", keyLen: 16, encLen: 16, tagLen: 16, ctrHmac: false };
    case 5:
      return { hash: "SHA-512", keyLen: 32, encLen: 32, tagLen: 16, ctrHmac: false };
  }
  throw new E2eeError("suite", `cipher suite ${suite}`);
}
function longLen(v) {
  if (v < 8n) return 0;
  let l = 0;
  for (; v !== 0n; v >>= 8n) l++;
  return l;
}
function checkU64(v, name) {
  if (v < 0n || v > MAX_U64) throw new E2eeError("header", `${name} out of range`);
}
function encodeHeader(h) {
  checkU64(h.kid, "KID");
  checkU64(h.ctr, "CTR");
  const kl = longLen(h.kid);
  const cl = longLen(h.ctr);
  const out = new Uint8Array(1 + kl + cl);
  out[0] = (kl === 0 ? Number(h.kid) << 4 : 128 | kl - 1 << 4) | (cl === 0 ? Number(h.ctr) : 8 | cl - 1);
  putUint(out, 1, h.kid, kl);
  putUint(out, 1 + kl, h.ctr, cl);
  return out;
}
function putUint(out, off, v, l) {
  for (let i = l - 1; i >= 0; i--) {
    out[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
function parseHeader(b, offset = 0) {
  if (b.length <= offset) throw new E2eeError("header", "empty frame");
  const config = b[offset];
  let n = offset + 1;
  const kid = parseField(b, n, config >> 4, "KID");
  n = kid.next;
  const ctr = parseField(b, n, config & 15, "CTR");
  return { header: { kid: kid.value, ctr: ctr.value }, length: ctr.next - offset };
}
function parseField(b, n, nibble, name) {
  if ((nibble & 8) === 0) return { value: BigInt(nibble & 7), next: n };
  const l = (nibble & 7) + 1;
  if (b.length - n < l) throw new E2eeError("header", `${name} needs ${l} bytes, ${b.length - n} left`);
  let v = 0n;
  for (let i = 0; i < l; i++) v = v << 8n | BigInt(b[n + i]);
  if (longLen(v) !== l) throw new E2eeError("header", `${name} not in its shortest encoding`);
  return { value: v, next: n + l };
}
async function newAead(suite, key) {
  const p = suiteParams(suite);
  if (key.length !== p.keyLen) throw new E2eeError("base_key", `suite ${suite} key is ${p.keyLen} bytes, got ${key.length}`);
  if (!p.ctrHmac) {
    const k = await crypto.subtle.importKey("raw", buf(key), "AES-GCM", false, ["encrypt", "decrypt"]);
    return new GcmAead(k);
  }
  const enc = await crypto.subtle.importKey("raw", buf(key.subarray(0, p.encLen)), "AES-CTR", false, ["encrypt", "decrypt"]);
  const auth = await crypto.subtle.importKey("raw", buf(key.subarray(p.encLen)), { name: "HMAC", hash: p.hash }, false, ["sign"]);
  return new CtrHmacAead(enc, auth, p.tagLen);
}
var GcmAead = class {
  constructor(key) {
    this.key = key;
  }
  key;
  async seal(nonce, aad, plaintext) {
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: buf(nonce), additionalData: buf(aad), tagLength: 128 },
      this.key,
      buf(plaintext)
    );
    return new Uint8Array(ct);
  }
  async open(nonce, aad, ciphertext) {
    try {
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: buf(nonce), additionalData: buf(aad), tagLength: 128 },
        this.key,
        buf(ciphertext)
      );
      return new Uint8Array(pt);
    } catch {
      throw new E2eeError("auth", "frame does not authenticate");
    }
  }
};
var CtrHmacAead = class {
  constructor(enc, auth, tagLen) {
    this.enc = enc;
    this.auth = auth;
    this.tagLen = tagLen;
  }
  enc;
  auth;
  tagLen;
  async seal(nonce, aad, plaintext) {
    const ct = await this.stream(nonce, plaintext);
    return concat(ct, await this.tag(nonce, aad, ct));
  }
  async open(nonce, aad, ciphertext) {
    if (ciphertext.length < this.tagLen) throw new E2eeError("auth", "frame shorter than its tag");
    const ct = ciphertext.subarray(0, ciphertext.length - this.tagLen);
    const tag = ciphertext.subarray(ciphertext.length - this.tagLen);
    if (!equalBytes(await this.tag(nonce, aad, ct), tag)) throw new E2eeError("auth", "frame does not authenticate");
    return this.stream(nonce, ct);
  }
  /** AES-CTR from the nonce followed by a 32-bit block counter at 0. */
  async stream(nonce, data) {
    const counter = new Uint8Array(16);
    counter.set(nonce);
    return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CTR", counter, length: 32 }, this.enc, buf(data)));
  }
  /** HMAC(auth_key, len(aad) || len(ct) || Nt || nonce || aad || ct), lengths u64, truncated to Nt. */
  async tag(nonce, aad, ct) {
    const msg = concat(u64(aad.length), u64(ct.length), u64(this.tagLen), nonce, aad, ct);
    const mac = await crypto.subtle.sign("HMAC", this.auth, buf(msg));
    return new Uint8Array(mac, 0, this.tagLen);
  }
};
async function hkdf(hash, ikm, info, length) {
  const k = await crypto.subtle.importKey("raw", buf(ikm), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash, salt: new Uint8Array(0), info: buf(info) }, k, length * 8);
  return new Uint8Array(bits);
}
var encoder2 = new TextEncoder();
function label(prefix, kid, suite) {
  return concat(encoder2.encode(prefix), u64(kid), new Uint8Array([suite >> 8, suite & 255]));
}
async function deriveKeySalt(suite, kid, baseKey) {
  const p = suiteParams(suite);
  checkU64(kid, "KID");
  if (baseKey.length < MIN_BASE_KEY_LEN) {
    throw new E2eeError("base_key", `${baseKey.length} bytes, need ${MIN_BASE_KEY_LEN}`);
  }
  const [key, salt] = await Promise.all([
    hkdf(p.hash, baseKey, label("SFrame 1.0 Secret key ", kid, suite), p.keyLen),
    hkdf(p.hash, baseKey, label("SFrame 1.0 Secret salt ", kid, suite), NONCE_LEN)
  ]);
  return { key, salt };
}
var SFrameKey = class _SFrameKey {
  constructor(suite, kid, aead, salt) {
    this.suite = suite;
    this.kid = kid;
    this.#aead = aead;
    this.#salt = salt;
  }
  suite;
  kid;
  #aead;
  #salt;
  /** The key for KID kid derived from baseKey with suite's key schedule. */
  static async derive(suite, kid, baseKey) {
    const { key, salt } = await deriveKeySalt(suite, kid, baseKey);
    return new _SFrameKey(suite, kid, await newAead(suite, key), salt);
  }
  /** The salt XOR the counter, right-aligned. */
  nonce(ctr) {
    const n = this.#salt.slice();
    const c = u64(ctr);
    for (let i = 0; i < 8; i++) n[NONCE_LEN - 8 + i] ^= c[i];
    return n;
  }
  /**
   * prefix || header || ciphertext || tag of plaintext under counter ctr,
   * authenticating metadata (bytes sent in clear, such as codec headers).
   * Never seal two frames with one key and one counter.
   */
  async seal(ctr, metadata, plaintext, prefix = new Uint8Array(0)) {
    const header = encodeHeader({ kid: this.kid, ctr });
    const ct = await this.#aead.seal(this.nonce(ctr), concat(header, metadata), plaintext);
    const out = new Uint8Array(prefix.length + header.length + ct.length);
    out.set(prefix, 0);
    out.set(header, prefix.length);
    out.set(ct, prefix.length + header.length);
    return out;
  }
  /**
   * Authenticates and decrypts the SFrame frame at frame[offset] (header ||
   * ciphertext || tag) sealed with this key and metadata.
   */
  async open(frame, metadata, offset = 0) {
    const { header, length } = parseHeader(frame, offset);
    if (header.kid !== this.kid) throw new E2eeError("unknown_kid", `frame KID ${header.kid}, key has ${this.kid}`);
    return { header, plaintext: await this.openParsed(frame, offset, header, length, metadata) };
  }
  /** open() once the header at frame[offset] (length bytes) is parsed. */
  async openParsed(frame, offset, header, length, metadata) {
    const aad = concat(frame.subarray(offset, offset + length), metadata);
    return this.#aead.open(this.nonce(header.ctr), aad, frame.subarray(offset + length));
  }
  /** Names the key without its secrets. */
  toString() {
    return `SFrameKey{suite: ${this.suite}, kid: ${this.kid}}`;
  }
};
function newKey(suite, kid, baseKey) {
  return SFrameKey.derive(suite, BigInt(kid), baseKey);
}

// sdk/src/e2ee/keys.ts
var SUITE = AES_128_GCM_SHA256_128;
var SENDER_KEY_LEN = 32;
var MAX_STEP = 255;
var MAX_EPOCH = 4294967295;
var RATCHET_LABEL = utf8("conclave e2ee ratchet v1");
var MEDIA_LABEL = utf8("conclave e2ee media v1");
var DATA_LABEL = utf8("conclave e2ee data v1");
function splitKeyId(kid) {
  const k = typeof kid === "bigint" ? kid : Number.isSafeInteger(kid) && kid >= 0 ? BigInt(kid) : -1n;
  const epoch = k >> 8n;
  if (epoch < 1n || epoch > BigInt(MAX_EPOCH)) return null;
  return { epoch: Number(epoch), step: Number(k & 0xffn) };
}
function ratchet(key) {
  return hkdf("SHA-256", key, RATCHET_LABEL, SENDER_KEY_LEN);
}
function mediaBaseKey(key) {
  return hkdf("SHA-256", key, MEDIA_LABEL, SENDER_KEY_LEN);
}
async function mediaKey(key, kid) {
  return newKey(SUITE, kid, await mediaBaseKey(key));
}

// sdk/src/e2ee/keyring.ts
var MAX_EPOCHS_KEPT = 3;
var MAX_STEPS_AHEAD = 64;
var KeyRing = class {
  /** derive turns key(e, s) into what get() returns. */
  constructor(derive) {
    this.derive = derive;
  }
  derive;
  senders = /* @__PURE__ */ new Map();
  /**
   * Installs key(e, s) for sender. A step of an epoch held replaces it only
   * if it is below the lowest step held (the rest derive from that); an
   * epoch older than all MAX_EPOCHS_KEPT held is ignored, a newer one evicts
   * the oldest.
   */
  install(sender, kid, key) {
    const id = splitKeyId(kid);
    if (!id) return;
    let epochs = this.senders.get(sender);
    if (!epochs) {
      epochs = /* @__PURE__ */ new Map();
      this.senders.set(sender, epochs);
    }
    const e = epochs.get(id.epoch);
    if (e) {
      if (id.step < e.low) {
        epochs.set(id.epoch, { low: id.step, high: Math.max(e.high, id.step), keys: /* @__PURE__ */ new Map([[id.step, key.slice()]]), derived: /* @__PURE__ */ new Map() });
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
    epochs.set(id.epoch, { low: id.step, high: id.step, keys: /* @__PURE__ */ new Map([[id.step, key.slice()]]), derived: /* @__PURE__ */ new Map() });
  }
  /** Forgets every key of sender. */
  remove(sender) {
    this.senders.delete(sender);
  }
  /** Whether a key of sender is held. */
  has(sender) {
    return this.senders.has(sender);
  }
  /**
   * What derive made of the key for (sender, kid), or null when the epoch is
   * not held or the step is out of reach.
   */
  get(sender, kid) {
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
  markSeen(sender, kid) {
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
  joinSeen() {
    for (const epochs of this.senders.values()) {
      for (const e of epochs.values()) e.high = Math.min(MAX_STEP, e.high + 1);
    }
  }
  /** key(e, step), ratcheted from the highest step held below it. */
  async stepKey(e, step) {
    let s = step;
    while (!e.keys.has(s)) s--;
    let k = e.keys.get(s);
    while (s < step) {
      k = await ratchet(k);
      s++;
      if (!e.keys.has(s)) e.keys.set(s, k);
    }
    return k;
  }
};

// sdk/src/e2ee/media.ts
var VP8_KEY_FRAME_PREFIX = 10;
var VP8_DELTA_FRAME_PREFIX = 3;
var TAG_LEN = 16;
function prefixLength(codec, frame) {
  switch (codec) {
    case "opus":
      return 0;
    case "vp8":
      return frame.length > 0 && (frame[0] & 1) === 1 ? VP8_DELTA_FRAME_PREFIX : VP8_KEY_FRAME_PREFIX;
  }
  throw new E2eeError("codec", `codec ${String(codec)} is not carried in an E2EE room`);
}
function clearPrefixLength(codec, frame) {
  return Math.min(prefixLength(codec, frame), frame.length);
}
function sealFrame(k, ctr, codec, frame) {
  const n = clearPrefixLength(codec, frame);
  const prefix = frame.subarray(0, n);
  return k.seal(BigInt(ctr), prefix, frame.subarray(n), prefix);
}
async function openFrameWith(codec, frame, lookup) {
  const p = prefixLength(codec, frame);
  try {
    return await openAt(frame, p, lookup);
  } catch (err) {
    if (codec !== "vp8" || frame.length > p - 1 + MAX_HEADER_LEN + TAG_LEN) throw err;
    for (let n = Math.min(p, frame.length) - 1; n >= 0; n--) {
      try {
        const { length } = parseHeader(frame, n);
        if (n + length + TAG_LEN !== frame.length) continue;
        return await openAt(frame, n, lookup);
      } catch {
      }
    }
    throw err;
  }
}
async function openAt(frame, p, lookup) {
  if (frame.length <= p) throw new E2eeError("header", `frame of ${frame.length} bytes has no SFrame header after its ${p}-byte prefix`);
  const { header, length } = parseHeader(frame, p);
  const k = await lookup(header.kid);
  const prefix = frame.subarray(0, p);
  const pt = await k.openParsed(frame, p, header, length, prefix);
  if (p === 0) return { header, frame: pt };
  const out = new Uint8Array(p + pt.length);
  out.set(prefix, 0);
  out.set(pt, p);
  return { header, frame: out };
}

// sdk/src/e2ee/frame-crypto.ts
var FrameCrypto = class {
  send = null;
  ring = new KeyRing(mediaKey);
  counts = {
    framesEncrypted: 0,
    framesDecrypted: 0,
    framesNotEncrypted: 0,
    framesDropped: newDropCounts(),
    framesEmpty: 0
  };
  /** Applies an update from the Session. */
  apply(u) {
    switch (u.type) {
      case "send":
        this.setSendKey(u.kid, u.key);
        return;
      case "receive":
        this.setReceiveKey(u.sender, u.kid, u.key);
        return;
      case "remove":
        this.removeSender(u.sender);
        return;
      case "join":
        this.joinSeen();
        return;
      default:
        return;
    }
  }
  /**
   * Encrypts from now on with key(e, s) under kid, counters from 0. The KID
   * in use again changes nothing; an older KID is refused ('stale_kid'):
   * KIDs only grow, which keeps a counter from starting over under one key.
   */
  setSendKey(kid, key) {
    if (!splitKeyId(kid)) throw new E2eeError("invalid", `KID ${kid} has no epoch`);
    if (this.send && kid === this.send.kid) return;
    if (this.send && kid < this.send.kid) throw new E2eeError("stale_kid", `KID ${kid} is older than ${this.send.kid}`);
    const k = mediaKey(key.slice(), kid);
    k.catch(() => {
    });
    this.send = { kid, key: k, next: 0 };
  }
  /** Accepts frames from sender under kid, and the steps after it. */
  setReceiveKey(sender, kid, key) {
    this.ring.install(sender, kid, key);
    this.ring.get(sender, kid)?.catch(() => {
    });
  }
  /** Forgets every key of sender. */
  removeSender(sender) {
    this.ring.remove(sender);
  }
  /** Records a join: every sender ratchets on it, so each one's keys reach one step further. */
  joinSeen() {
    this.ring.joinSeen();
  }
  /** The KID frames are encrypted with, or 0 before the first send key. */
  sendingKid() {
    return this.send ? this.send.kid : 0;
  }
  /** Encrypts one frame with the send key and the next counter of its KID. */
  async encrypt(codec, frame) {
    try {
      const s = this.send;
      if (!s) throw new E2eeError("no_key", "no send key yet");
      if (s.next > Number.MAX_SAFE_INTEGER) throw new E2eeError("counter_exhausted", `KID ${s.kid}`);
      const ctr = s.next++;
      const out = await sealFrame(await s.key, ctr, codec, frame);
      this.counts.framesEncrypted++;
      return out;
    } catch (err) {
      this.counts.framesNotEncrypted++;
      throw err;
    }
  }
  /** Decrypts one frame from sender; throws (E2eeError) for a frame to drop. */
  async decrypt(sender, codec, frame) {
    if (frame.length === 0) {
      this.counts.framesEmpty++;
      throw new E2eeError("header", "an empty frame");
    }
    try {
      const { header, frame: out } = await openFrameWith(codec, frame, (kid) => {
        const k = splitKeyId(kid) ? this.ring.get(sender, Number(kid)) : null;
        if (!k) throw new E2eeError("unknown_kid", `no key for KID ${kid}`);
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
  countDropped(side) {
    if (side === "send") this.counts.framesNotEncrypted++;
    else this.counts.framesDropped.malformed++;
  }
  /** A copy of the counts. */
  stats() {
    return { ...this.counts, framesDropped: { ...this.counts.framesDropped } };
  }
};

// sdk/src/e2ee/transform-worker.ts
function codecOf(kind) {
  if (kind === "video") return "vp8";
  if (kind === "audio") return "opus";
  return null;
}
function exactBuffer(b) {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.slice().buffer;
}
async function transformFrames(fc, transformer) {
  const o = transformer.options ?? {};
  const codec = codecOf(o.kind);
  const sender = typeof o.participantId === "string" ? o.participantId : null;
  const send = o.side === "send";
  const ok = codec !== null && (send || o.side === "receive" && sender !== null);
  const stream = new TransformStream({
    async transform(frame, controller) {
      if (!ok) {
        fc.countDropped(send ? "send" : "receive");
        return;
      }
      const data = new Uint8Array(frame.data);
      try {
        const out = send ? await fc.encrypt(codec, data) : await fc.decrypt(sender, codec, data);
        frame.data = exactBuffer(out);
      } catch {
        return;
      }
      controller.enqueue(frame);
    }
  });
  try {
    await transformer.readable.pipeThrough(stream).pipeTo(transformer.writable);
  } catch {
  }
}
function serveFrameTransforms(scope, fc = new FrameCrypto()) {
  scope.addEventListener("rtctransform", (ev) => {
    void transformFrames(fc, ev.transformer);
  });
  scope.addEventListener("message", (ev) => {
    const m = ev.data;
    if (!m || typeof m !== "object") return;
    if (m.type === "keys") {
      try {
        fc.apply(m.update);
      } catch {
      }
    } else if (m.type === "stats") {
      scope.postMessage({ type: "stats", id: m.id, stats: fc.stats() });
    }
  });
  return fc;
}

// sdk/src/e2ee/worker.ts
serveFrameTransforms(self);
