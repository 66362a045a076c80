// sdk/src/base64.ts
function toBase64(bytes) {
  let bin = "";
  const chunk = 32768;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}
function fromBase64(s) {
  let bin;
  try {
    bin = atob(s);
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// sdk/src/errors.ts
var JoinFailure = class extends Error {
  constructor(code, message, retryable, retryAfter) {
    super(`${code}: ${message}`);
    this.code = code;
    this.retryAfter = retryAfter;
    this.name = "ConclaveError";
    this.retryable = retryable || code === "too_many_attempts" && retryAfter !== void 0;
  }
  code;
  retryAfter;
  retryable;
};
function joinRefused(code, message, retryAfter) {
  return new JoinFailure(code, message, RETRYABLE_CODES.has(code), retryAfter);
}
var RETRYABLE_CODES = /* @__PURE__ */ new Set([
  "network",
  "timeout",
  "identity_in_use",
  "rate_limited",
  "internal",
  "server_shutdown",
  "join_timeout"
]);
var FRESH_JOIN_CODES = /* @__PURE__ */ new Set(["resume_failed", "token_expired"]);
function conclaveError(code, message, retryAfter) {
  const err = new Error(`${code}: ${message}`);
  err.name = "ConclaveError";
  err.code = code;
  if (retryAfter !== void 0) err.retryAfter = retryAfter;
  return err;
}

// sdk/src/data.ts
var MAX_DATA_BYTES = 15 << 10;
function dataMessage(local, payload, opts) {
  if (!local.permissions.publish_data) throw conclaveError("permission_denied", "the token does not grant publishData");
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  if (!(bytes instanceof Uint8Array)) throw new TypeError("sendData: payload must be a Uint8Array or a string");
  if (bytes.length > MAX_DATA_BYTES) throw conclaveError("message_too_large", `data payloads are limited to ${MAX_DATA_BYTES} bytes`);
  const msg = { payload: toBase64(bytes) };
  if (opts.topic) msg.topic = opts.topic;
  if (opts.to && opts.to.length > 0) msg.to = [...opts.to];
  return msg;
}
function emitData(events, payloadB64, from, topic) {
  const bytes = fromBase64(payloadB64);
  if (!bytes) {
    console.warn("conclave: ignoring a data message with a bad payload");
    return;
  }
  emitDataBytes(events, bytes, from, topic);
}
function emitDataBytes(events, bytes, from, topic) {
  if (topic === "chat") {
    let text;
    try {
      text = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))?.text;
    } catch {
      text = void 0;
    }
    if (typeof text !== "string") {
      console.warn("conclave: ignoring a malformed chat message");
      return;
    }
    events.emit("chat", { from, text, time: Date.now() });
    return;
  }
  events.emit("data", bytes, from, topic);
}

// sdk/src/e2ee/errors.ts
var E2eeError = class extends Error {
  constructor(code, message) {
    super(`e2ee: ${code}: ${message}`);
    this.code = code;
    this.name = "E2eeError";
  }
  code;
};

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
var MAX_LP_LEN = 65535;
function lp(x) {
  const b = typeof x === "string" ? utf8(x) : x;
  if (b.length > MAX_LP_LEN) throw new E2eeError("too_long", `field of ${b.length} bytes, lp() holds at most ${MAX_LP_LEN}`);
  const out = new Uint8Array(2 + b.length);
  out[0] = b.length >>> 8;
  out[1] = b.length & 255;
  out.set(b, 2);
  return out;
}
function u32(n) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}
function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}
function readU64(b, off) {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off);
}
function toHex(b) {
  let s = "";
  for (const c of b) s += c.toString(16).padStart(2, "0");
  return s;
}
function fromHex(s) {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new E2eeError("invalid", "not a hex string");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}
function buf(b) {
  return b;
}
function randomBytes(n) {
  return crypto.getRandomValues(new Uint8Array(n));
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
  async seal(ctr, metadata2, plaintext, prefix = new Uint8Array(0)) {
    const header = encodeHeader({ kid: this.kid, ctr });
    const ct = await this.#aead.seal(this.nonce(ctr), concat(header, metadata2), plaintext);
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
  async open(frame, metadata2, offset = 0) {
    const { header, length } = parseHeader(frame, offset);
    if (header.kid !== this.kid) throw new E2eeError("unknown_kid", `frame KID ${header.kid}, key has ${this.kid}`);
    return { header, plaintext: await this.openParsed(frame, offset, header, length, metadata2) };
  }
  /** open() once the header at frame[offset] (length bytes) is parsed. */
  async openParsed(frame, offset, header, length, metadata2) {
    const aad = concat(frame.subarray(offset, offset + length), metadata2);
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

// sdk/src/e2ee/identity.ts
var IDENTITY_KEY_LEN = 32;
var SIGNATURE_LEN = 64;
var IDENTITY_DB = "conclave-e2ee";
var IDENTITY_STORE = "identity";
var DEFAULT_RECORD = "default";
var Identity = class {
  constructor(publicKey, privateKey, storage2) {
    this.publicKey = publicKey;
    this.privateKey = privateKey;
    this.storage = storage2;
  }
  publicKey;
  privateKey;
  storage;
  /** The Ed25519 signature of message (64 bytes). */
  async sign(message) {
    return new Uint8Array(await crypto.subtle.sign("Ed25519", this.privateKey, buf(message)));
  }
  toString() {
    return `Identity{storage: ${this.storage}}`;
  }
};
async function verifySignature(publicKey, message, signature) {
  if (publicKey.length !== IDENTITY_KEY_LEN || signature.length !== SIGNATURE_LEN) return false;
  try {
    const k = await crypto.subtle.importKey("raw", buf(publicKey), "Ed25519", false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", k, buf(signature), buf(message));
  } catch {
    return false;
  }
}
async function rawPublicKey(k) {
  return new Uint8Array(await crypto.subtle.exportKey("raw", k));
}
var PKCS8_ED25519_PREFIX = new Uint8Array([
  48,
  46,
  2,
  1,
  0,
  48,
  5,
  6,
  3,
  43,
  101,
  112,
  4,
  34,
  4,
  32
]);
async function loadIdentity(options = {}) {
  const factory = options.indexedDB === void 0 ? globalThis.indexedDB : options.indexedDB;
  const name = options.name ?? DEFAULT_RECORD;
  const fresh = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
  if (!factory) return new Identity(await rawPublicKey(fresh.publicKey), fresh.privateKey, "memory");
  let kp;
  try {
    kp = await storeOnce(factory, name, fresh);
  } catch {
    return new Identity(await rawPublicKey(fresh.publicKey), fresh.privateKey, "memory");
  }
  return new Identity(await rawPublicKey(kp.publicKey), kp.privateKey, "indexeddb");
}
function openDB(factory) {
  return new Promise((resolve, reject) => {
    const req = factory.open(IDENTITY_DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(IDENTITY_STORE)) req.result.createObjectStore(IDENTITY_STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error("indexedDB open failed"));
    req.onblocked = () => reject(new Error("indexedDB open blocked"));
  });
}
function isKeyPair(v) {
  const kp = v;
  return !!kp && typeof kp === "object" && kp.privateKey instanceof CryptoKey && kp.publicKey instanceof CryptoKey;
}
async function storeOnce(factory, name, fresh) {
  const db = await openDB(factory);
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(IDENTITY_STORE, "readwrite");
      const store = tx.objectStore(IDENTITY_STORE);
      let result = null;
      const get = store.get(name);
      get.onsuccess = () => {
        if (isKeyPair(get.result)) {
          result = get.result;
          return;
        }
        try {
          store.put({ privateKey: fresh.privateKey, publicKey: fresh.publicKey }, name);
          result = fresh;
        } catch (err) {
          tx.abort();
          reject(err);
        }
      };
      tx.oncomplete = () => result ? resolve(result) : reject(new Error("identity not stored"));
      tx.onerror = () => reject(tx.error ?? new Error("identity transaction failed"));
      tx.onabort = () => reject(tx.error ?? new Error("identity transaction aborted"));
    });
  } finally {
    db.close();
  }
}

// node_modules/@hpke/common/esm/src/errors.js
var HpkeError = class extends Error {
  constructor(e) {
    let message;
    if (e instanceof Error) {
      message = e.message;
    } else if (typeof e === "string") {
      message = e;
    } else {
      message = "";
    }
    super(message);
    this.name = this.constructor.name;
  }
};
var InvalidParamError = class extends HpkeError {
};
var SerializeError = class extends HpkeError {
};
var DeserializeError = class extends HpkeError {
};
var EncapError = class extends HpkeError {
};
var DecapError = class extends HpkeError {
};
var ExportError = class extends HpkeError {
};
var SealError = class extends HpkeError {
};
var OpenError = class extends HpkeError {
};
var MessageLimitReachedError = class extends HpkeError {
};
var DeriveKeyPairError = class extends HpkeError {
};
var NotSupportedError = class extends HpkeError {
};

// node_modules/@hpke/common/esm/_dnt.shims.js
var dntGlobals = {};
var dntGlobalThis = createMergeProxy(globalThis, dntGlobals);
function createMergeProxy(baseObj, extObj) {
  return new Proxy(baseObj, {
    get(_target, prop, _receiver) {
      if (prop in extObj) {
        return extObj[prop];
      } else {
        return baseObj[prop];
      }
    },
    set(_target, prop, value) {
      if (prop in extObj) {
        delete extObj[prop];
      }
      baseObj[prop] = value;
      return true;
    },
    deleteProperty(_target, prop) {
      let success = false;
      if (prop in extObj) {
        delete extObj[prop];
        success = true;
      }
      if (prop in baseObj) {
        delete baseObj[prop];
        success = true;
      }
      return success;
    },
    ownKeys(_target) {
      const baseKeys = Reflect.ownKeys(baseObj);
      const extKeys = Reflect.ownKeys(extObj);
      const extKeysSet = new Set(extKeys);
      return [...baseKeys.filter((k) => !extKeysSet.has(k)), ...extKeys];
    },
    defineProperty(_target, prop, desc) {
      if (prop in extObj) {
        delete extObj[prop];
      }
      Reflect.defineProperty(baseObj, prop, desc);
      return true;
    },
    getOwnPropertyDescriptor(_target, prop) {
      if (prop in extObj) {
        return Reflect.getOwnPropertyDescriptor(extObj, prop);
      } else {
        return Reflect.getOwnPropertyDescriptor(baseObj, prop);
      }
    },
    has(_target, prop) {
      return prop in extObj || prop in baseObj;
    }
  });
}

// node_modules/@hpke/common/esm/src/algorithm.js
async function loadSubtleCrypto() {
  if (dntGlobalThis !== void 0 && globalThis.crypto !== void 0) {
    return globalThis.crypto.subtle;
  }
  try {
    const { webcrypto } = await import("crypto");
    return webcrypto.subtle;
  } catch (e) {
    throw new NotSupportedError(e);
  }
}
var NativeAlgorithm = class {
  constructor() {
    Object.defineProperty(this, "_api", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
  }
  async _setup() {
    if (this._api !== void 0) {
      return;
    }
    this._api = await loadSubtleCrypto();
  }
};

// node_modules/@hpke/common/esm/src/identifiers.js
var Mode = {
  Base: 0,
  Psk: 1,
  Auth: 2,
  AuthPsk: 3
};
var KemId = {
  NotAssigned: 0,
  DhkemP256HkdfSha256: 16,
  DhkemP384HkdfSha384: 17,
  DhkemP521HkdfSha512: 18,
  DhkemSecp256k1HkdfSha256: 19,
  DhkemX25519HkdfSha256: 32,
  DhkemX448HkdfSha512: 33,
  HybridkemX25519Kyber768: 48,
  MlKem512: 64,
  MlKem768: 65,
  MlKem1024: 66,
  XWing: 25722
};
var KdfId = {
  HkdfSha256: 1,
  HkdfSha384: 2,
  HkdfSha512: 3,
  Sha3256: 4,
  Sha3384: 5,
  Sha3512: 6,
  Shake128: 16,
  Shake256: 17,
  TurboShake128: 18,
  TurboShake256: 19
};
var AeadId = {
  Aes128Gcm: 1,
  Aes256Gcm: 2,
  Chacha20Poly1305: 3,
  ExportOnly: 65535
};

// node_modules/@hpke/common/esm/src/consts.js
var INPUT_LENGTH_LIMIT = 8192;
var INFO_LENGTH_LIMIT = 268435456;
var MINIMUM_PSK_LENGTH = 32;
var EMPTY = /* @__PURE__ */ new Uint8Array(0);
var N_0 = 0n;
var N_1 = 1n;
var N_2 = 2n;

// node_modules/@hpke/common/esm/src/kdfs/hkdf.js
var HPKE_VERSION = /* @__PURE__ */ new Uint8Array([
  72,
  80,
  75,
  69,
  45,
  118,
  49
]);
function toUint8Array(input) {
  return new Uint8Array(toArrayBuffer(input));
}
function toArrayBuffer(input) {
  if (input instanceof ArrayBuffer) {
    return input;
  }
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength).slice().buffer;
  }
  return new Uint8Array(input).slice().buffer;
}
var HkdfNative = class extends NativeAlgorithm {
  constructor() {
    super();
    Object.defineProperty(this, "id", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: KdfId.HkdfSha256
    });
    Object.defineProperty(this, "hashSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_suiteId", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: EMPTY
    });
    Object.defineProperty(this, "algHash", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: {
        name: "HMAC",
        hash: "SHA-256",
        length: 256
      }
    });
  }
  init(suiteId) {
    this._suiteId = suiteId;
  }
  buildLabeledIkm(label2, ikm) {
    this._checkInit();
    const ret = new Uint8Array(7 + this._suiteId.byteLength + label2.byteLength + ikm.byteLength);
    ret.set(HPKE_VERSION, 0);
    ret.set(this._suiteId, 7);
    ret.set(label2, 7 + this._suiteId.byteLength);
    ret.set(ikm, 7 + this._suiteId.byteLength + label2.byteLength);
    return ret;
  }
  buildLabeledInfo(label2, info, len) {
    this._checkInit();
    const ret = new Uint8Array(9 + this._suiteId.byteLength + label2.byteLength + info.byteLength);
    ret.set(new Uint8Array([0, len]), 0);
    ret.set(HPKE_VERSION, 2);
    ret.set(this._suiteId, 9);
    ret.set(label2, 9 + this._suiteId.byteLength);
    ret.set(info, 9 + this._suiteId.byteLength + label2.byteLength);
    return ret;
  }
  async extract(salt, ikm) {
    await this._setup();
    const saltBuf = salt.byteLength === 0 ? new ArrayBuffer(this.hashSize) : toArrayBuffer(salt);
    if (saltBuf.byteLength !== this.hashSize) {
      throw new InvalidParamError("The salt length must be the same as the hashSize");
    }
    const ikmBuf = toArrayBuffer(ikm);
    const key = await this._api.importKey("raw", saltBuf, this.algHash, false, [
      "sign"
    ]);
    return await this._api.sign("HMAC", key, ikmBuf);
  }
  async expand(prk, info, len) {
    await this._setup();
    const prkBuf = toArrayBuffer(prk);
    const key = await this._api.importKey("raw", prkBuf, this.algHash, false, [
      "sign"
    ]);
    const okm = new ArrayBuffer(len);
    const okmBytes = new Uint8Array(okm);
    let prev = EMPTY;
    const mid = toUint8Array(info);
    const tail = new Uint8Array(1);
    if (len > 255 * this.hashSize) {
      throw new Error("Entropy limit reached");
    }
    const tmp = new Uint8Array(this.hashSize + mid.length + 1);
    for (let i = 1, cur = 0; cur < okmBytes.length; i++) {
      tail[0] = i;
      tmp.set(prev, 0);
      tmp.set(mid, prev.length);
      tmp.set(tail, prev.length + mid.length);
      prev = new Uint8Array(await this._api.sign("HMAC", key, tmp.slice(0, prev.length + mid.length + 1)));
      if (okmBytes.length - cur >= prev.length) {
        okmBytes.set(prev, cur);
        cur += prev.length;
      } else {
        okmBytes.set(prev.slice(0, okmBytes.length - cur), cur);
        cur += okmBytes.length - cur;
      }
    }
    return okm;
  }
  async extractAndExpand(salt, ikm, info, len) {
    await this._setup();
    const ikmBuf = toArrayBuffer(ikm);
    const baseKey = await this._api.importKey("raw", ikmBuf, "HKDF", false, ["deriveBits"]);
    return await this._api.deriveBits({
      name: "HKDF",
      hash: this.algHash.hash,
      salt: toArrayBuffer(salt),
      info: toArrayBuffer(info)
    }, baseKey, len * 8);
  }
  async labeledExtract(salt, label2, ikm) {
    return await this.extract(salt, this.buildLabeledIkm(label2, ikm));
  }
  async labeledExpand(prk, label2, info, len) {
    return await this.expand(prk, this.buildLabeledInfo(label2, info, len), len);
  }
  _checkInit() {
    if (this._suiteId === EMPTY) {
      throw new Error("Not initialized. Call init()");
    }
  }
};
var HkdfSha256Native = class extends HkdfNative {
  constructor() {
    super(...arguments);
    Object.defineProperty(this, "id", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: KdfId.HkdfSha256
    });
    Object.defineProperty(this, "hashSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 32
    });
    Object.defineProperty(this, "algHash", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: {
        name: "HMAC",
        hash: "SHA-256",
        length: 256
      }
    });
  }
};

// node_modules/@hpke/common/esm/src/utils/misc.js
var isCryptoKeyPair = (x) => typeof x === "object" && x !== null && typeof x.privateKey === "object" && typeof x.publicKey === "object";
function i2Osp(n, w) {
  if (w <= 0) {
    throw new Error("i2Osp: too small size");
  }
  if (n >= 256 ** w) {
    throw new Error("i2Osp: too large integer");
  }
  const ret = new Uint8Array(w);
  for (let i = 0; i < w && n; i++) {
    ret[w - (i + 1)] = n % 256;
    n = Math.floor(n / 256);
  }
  return ret;
}
function concat2(a, b) {
  const ret = new Uint8Array(a.length + b.length);
  ret.set(a, 0);
  ret.set(b, a.length);
  return ret;
}
function base64UrlToBytes(v) {
  const base64 = v.replace(/-/g, "+").replace(/_/g, "/");
  const byteString = atob(base64);
  const ret = new Uint8Array(byteString.length);
  for (let i = 0; i < byteString.length; i++) {
    ret[i] = byteString.charCodeAt(i);
  }
  return ret;
}
async function loadCrypto() {
  if (typeof dntGlobalThis !== "undefined" && globalThis.crypto !== void 0) {
    return globalThis.crypto;
  }
  try {
    const { webcrypto } = await import("crypto");
    return webcrypto;
  } catch (_e) {
    throw new Error("failed to load Crypto");
  }
}
function xor(a, b) {
  if (a.byteLength !== b.byteLength) {
    throw new Error("xor: different length inputs");
  }
  const buf2 = new Uint8Array(a.byteLength);
  for (let i = 0; i < a.byteLength; i++) {
    buf2[i] = a[i] ^ b[i];
  }
  return buf2;
}

// node_modules/@hpke/common/esm/src/interfaces/dhkemPrimitives.js
var KEM_USAGES = ["deriveBits"];
var LABEL_DKP_PRK = /* @__PURE__ */ new Uint8Array([
  100,
  107,
  112,
  95,
  112,
  114,
  107
]);
var LABEL_SK = /* @__PURE__ */ new Uint8Array([115, 107]);

// node_modules/@hpke/common/esm/src/kems/dhkemPrimitives/ec.js
var EC_P_521_PARAMS = {
  p: (1n << 521n) - 1n,
  b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
  gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  coordinateSize: 66
};

// node_modules/@hpke/common/esm/src/xCryptoKey.js
var XCryptoKey = class {
  constructor(name, key, type, usages = []) {
    Object.defineProperty(this, "key", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "type", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "extractable", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: true
    });
    Object.defineProperty(this, "algorithm", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "usages", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this.key = key;
    this.type = type;
    this.algorithm = { name };
    this.usages = usages;
    if (type === "public") {
      this.usages = [];
    }
  }
};

// node_modules/@hpke/common/esm/src/kems/dhkemPrimitives/xCurve.js
var XCurveDhkemPrimitives = class {
  constructor(algName, keySize, curve, hkdf2) {
    Object.defineProperty(this, "_algName", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_curve", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_hkdf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nPk", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nSk", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this._algName = algName;
    this._nPk = keySize;
    this._nSk = keySize;
    this._curve = curve;
    this._hkdf = hkdf2;
  }
  serializePublicKey(key) {
    try {
      return Promise.resolve(key.key.buffer);
    } catch (e) {
      return Promise.reject(new SerializeError(e));
    }
  }
  async deserializePublicKey(key) {
    try {
      return await this._importRawKey(toArrayBuffer(key), true);
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  serializePrivateKey(key) {
    try {
      return Promise.resolve(key.key.buffer);
    } catch (e) {
      return Promise.reject(new SerializeError(e));
    }
  }
  async deserializePrivateKey(key) {
    try {
      return await this._importRawKey(toArrayBuffer(key), false);
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  async importKey(format, key, isPublic) {
    try {
      if (format === "raw") {
        return await this._importRawKey(key, isPublic);
      }
      if (key instanceof ArrayBuffer) {
        throw new Error("Invalid jwk key format");
      }
      return await this._importJWK(key, isPublic);
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  async generateKeyPair() {
    try {
      const rawSk = await this._curve.utils.randomSecretKey();
      const sk = new XCryptoKey(this._algName, rawSk, "private", KEM_USAGES);
      const pk = await this.derivePublicKey(sk);
      return { publicKey: pk, privateKey: sk };
    } catch (e) {
      throw new NotSupportedError(e);
    }
  }
  async deriveKeyPair(ikm) {
    try {
      const rawIkm = toArrayBuffer(ikm);
      const dkpPrk = await this._hkdf.labeledExtract(EMPTY.buffer, LABEL_DKP_PRK, new Uint8Array(rawIkm));
      const rawSk = await this._hkdf.labeledExpand(dkpPrk, LABEL_SK, EMPTY, this._nSk);
      const sk = new XCryptoKey(this._algName, new Uint8Array(rawSk), "private", KEM_USAGES);
      return {
        privateKey: sk,
        publicKey: await this.derivePublicKey(sk)
      };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }
  derivePublicKey(key) {
    try {
      const pk = this._curve.getPublicKey(key.key);
      return Promise.resolve(new XCryptoKey(this._algName, pk, "public"));
    } catch (e) {
      return Promise.reject(new DeserializeError(e));
    }
  }
  dh(sk, pk) {
    try {
      return Promise.resolve(this._curve.getSharedSecret(sk.key, pk.key).buffer);
    } catch (e) {
      return Promise.reject(new SerializeError(e));
    }
  }
  _importRawKey(key, isPublic) {
    return new Promise((resolve, reject) => {
      if (isPublic && key.byteLength !== this._nPk) {
        reject(new Error("Invalid length of the key"));
      }
      if (!isPublic && key.byteLength !== this._nSk) {
        reject(new Error("Invalid length of the key"));
      }
      resolve(new XCryptoKey(this._algName, new Uint8Array(key), isPublic ? "public" : "private", isPublic ? [] : KEM_USAGES));
    });
  }
  _importJWK(key, isPublic) {
    return new Promise((resolve, reject) => {
      if (key.kty !== "OKP") {
        reject(new Error(`Invalid kty: ${key.kty}`));
      }
      if (key.crv !== this._algName) {
        reject(new Error(`Invalid crv: ${key.crv}`));
      }
      if (isPublic) {
        if (typeof key.d !== "undefined") {
          reject(new Error("Invalid key: `d` should not be set"));
        }
        if (typeof key.x !== "string") {
          reject(new Error("Invalid key: `x` not found"));
        }
        resolve(new XCryptoKey(this._algName, base64UrlToBytes(key.x), "public"));
      } else {
        if (typeof key.d !== "string") {
          reject(new Error("Invalid key: `d` not found"));
        }
        resolve(new XCryptoKey(this._algName, base64UrlToBytes(key.d), "private", KEM_USAGES));
      }
    });
  }
};

// node_modules/@hpke/common/esm/src/utils/noble.js
function isBytes(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function anumber(n, title = "") {
  if (!Number.isSafeInteger(n) || n < 0) {
    const prefix = title && `"${title}" `;
    throw new Error(`${prefix}expected integer >0, got ${n}`);
  }
}
function abytes(value, length, title = "") {
  const bytes = isBytes(value);
  const len = value?.length;
  const needsLen = length !== void 0;
  if (!bytes || needsLen && len !== length) {
    const prefix = title && `"${title}" `;
    const ofLen = needsLen ? ` of length ${length}` : "";
    const got = bytes ? `length=${len}` : `type=${typeof value}`;
    throw new Error(prefix + "expected Uint8Array" + ofLen + ", got " + got);
  }
  return value;
}
function aexists(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("Hash instance has been destroyed");
  if (checkFinished && instance.finished) {
    throw new Error("Hash#digest() has already been called");
  }
}
function aoutput(out, instance) {
  abytes(out, void 0, "digestInto() output");
  const min = instance.outputLen;
  if (out.length < min) {
    throw new Error('"digestInto() output" expected to be of length >=' + min);
  }
}
function abignumer(n) {
  if (typeof n === "bigint") {
    if (!isPosBig(n))
      throw new Error("positive bigint expected, got " + n);
  } else
    anumber(n);
  return n;
}
function u322(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
var _endianTestBuffer = /* @__PURE__ */ new Uint32Array([287454020]);
var _endianTestBytes = /* @__PURE__ */ new Uint8Array(_endianTestBuffer.buffer);
var isLE = _endianTestBytes[0] === 68;
function createView(arr) {
  return new DataView(arr.buffer, arr.byteOffset, arr.byteLength);
}
function rotr(word, shift) {
  return word << 32 - shift | word >>> shift;
}
var hasHexBuiltin = /* @__PURE__ */ (() => (
  // @ts-ignore: to use toHex
  typeof Uint8Array.from([]).toHex === "function" && // @ts-ignore: to use fromHex
  typeof Uint8Array.fromHex === "function"
))();
var hexes = /* @__PURE__ */ Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
var HEX_TO_BIGINT = [
  0n,
  1n,
  2n,
  3n,
  4n,
  5n,
  6n,
  7n,
  8n,
  9n,
  10n,
  11n,
  12n,
  13n,
  14n,
  15n
];
function bytesToHex(bytes) {
  abytes(bytes);
  if (hasHexBuiltin)
    return bytes.toHex();
  let hex = "";
  for (let i = 0; i < bytes.length; i++) {
    hex += hexes[bytes[i]];
  }
  return hex;
}
var asciis = { _0: 48, _9: 57, A: 65, F: 70, a: 97, f: 102 };
function asciiToBase16(ch) {
  if (ch >= asciis._0 && ch <= asciis._9)
    return ch - asciis._0;
  if (ch >= asciis.A && ch <= asciis.F)
    return ch - (asciis.A - 10);
  if (ch >= asciis.a && ch <= asciis.f)
    return ch - (asciis.a - 10);
  return;
}
function hexToBytes(hex) {
  if (typeof hex !== "string") {
    throw new Error("hex string expected, got " + typeof hex);
  }
  if (hasHexBuiltin)
    return Uint8Array.fromHex(hex);
  const hl = hex.length;
  const al = hl / 2;
  if (hl % 2) {
    throw new Error("hex string expected, got unpadded hex of length " + hl);
  }
  const array = new Uint8Array(al);
  for (let ai = 0, hi = 0; ai < al; ai++, hi += 2) {
    const n1 = asciiToBase16(hex.charCodeAt(hi));
    const n2 = asciiToBase16(hex.charCodeAt(hi + 1));
    if (n1 === void 0 || n2 === void 0) {
      const char = hex[hi] + hex[hi + 1];
      throw new Error('hex string expected, got non-hex character "' + char + '" at index ' + hi);
    }
    array[ai] = n1 * 16 + n2;
  }
  return array;
}
function hexToNumber(hex) {
  if (typeof hex !== "string") {
    throw new Error("hex string expected, got " + typeof hex);
  }
  let out = N_0;
  for (let i = 0; i < hex.length; i++) {
    const n = asciiToBase16(hex.charCodeAt(i));
    if (n === void 0) {
      throw new Error('hex string expected, got non-hex character "' + hex[i] + '" at index ' + i);
    }
    out = out << 4n | HEX_TO_BIGINT[n];
  }
  return out;
}
function numberToBigint(num2) {
  anumber(num2, "numberToBigint");
  let n = num2;
  let out = N_0;
  let bit = 1n;
  while (n > 0) {
    if (n % 2 === 1)
      out += bit;
    n = Math.floor(n / 2);
    bit <<= 1n;
  }
  return out;
}
function bytesToNumberLE(bytes) {
  return hexToNumber(bytesToHex(copyBytes(abytes(bytes)).reverse()));
}
function numberToBytesBE(n, len) {
  anumber(len);
  n = abignumer(n);
  const res = hexToBytes(n.toString(16).padStart(len * 2, "0"));
  if (res.length !== len)
    throw new Error("number too large");
  return res;
}
function numberToBytesLE(n, len) {
  return numberToBytesBE(n, len).reverse();
}
function copyBytes(bytes) {
  return Uint8Array.from(bytes);
}
function isPosBig(n) {
  return typeof n === "bigint" && N_0 <= n;
}
function inRange(n, min, max) {
  return isPosBig(n) && isPosBig(min) && isPosBig(max) && min <= n && n < max;
}
function aInRange(title, n, min, max) {
  if (!inRange(n, min, max)) {
    throw new Error("expected valid " + title + ": " + min + " <= n < " + max + ", got " + n);
  }
}
function validateObject(object, fields = {}, optFields = {}) {
  if (!object || typeof object !== "object") {
    throw new Error("expected valid options object");
  }
  function checkField(fieldName, expectedType, isOpt) {
    const val = object[fieldName];
    if (isOpt && val === void 0)
      return;
    const current = typeof val;
    if (current !== expectedType || val === null) {
      throw new Error(`param "${fieldName}" is invalid: expected ${expectedType}, got ${current}`);
    }
  }
  const iter = (f, isOpt) => Object.entries(f).forEach(([k, v]) => checkField(k, v, isOpt));
  iter(fields, false);
  iter(optFields, true);
}
async function randomBytesAsync(bytesLength = 32) {
  const api = await loadCrypto();
  const rnd = new Uint8Array(bytesLength);
  api.getRandomValues(rnd);
  return rnd;
}
function oidNist(suffix) {
  return {
    oid: Uint8Array.from([
      6,
      9,
      96,
      134,
      72,
      1,
      101,
      3,
      4,
      2,
      suffix
    ])
  };
}

// node_modules/@hpke/common/esm/src/hash/hash.js
function ahash(h) {
  if (typeof h !== "function" || typeof h.create !== "function") {
    throw new Error("Hash must wrapped by utils.createHasher");
  }
  anumber(h.outputLen);
  anumber(h.blockLen);
}
function createHasher(hashCons, info = {}) {
  const hashFn = (msg, opts) => hashCons(opts).update(msg).digest();
  const tmp = hashCons(void 0);
  const hashC = Object.assign(hashFn, {
    outputLen: tmp.outputLen,
    blockLen: tmp.blockLen,
    create: (opts) => hashCons(opts),
    ...info
  });
  return Object.freeze(hashC);
}

// node_modules/@hpke/common/esm/src/hash/hmac.js
var _HMAC = class {
  constructor(hash, key) {
    Object.defineProperty(this, "oHash", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "iHash", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "blockLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "outputLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "finished", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "destroyed", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    ahash(hash);
    abytes(key, void 0, "key");
    this.iHash = hash.create();
    if (typeof this.iHash.update !== "function") {
      throw new Error("Expected instance of class which extends utils.Hash");
    }
    this.blockLen = this.iHash.blockLen;
    this.outputLen = this.iHash.outputLen;
    const blockLen = this.blockLen;
    const pad = new Uint8Array(blockLen);
    pad.set(key.length > blockLen ? hash.create().update(key).digest() : key);
    for (let i = 0; i < pad.length; i++)
      pad[i] ^= 54;
    this.iHash.update(pad);
    this.oHash = hash.create();
    for (let i = 0; i < pad.length; i++)
      pad[i] ^= 54 ^ 92;
    this.oHash.update(pad);
    clean(pad);
  }
  update(buf2) {
    aexists(this);
    this.iHash.update(buf2);
    return this;
  }
  digestInto(out) {
    aexists(this);
    abytes(out, this.outputLen, "output");
    this.finished = true;
    this.iHash.digestInto(out);
    this.oHash.update(out);
    this.oHash.digestInto(out);
    this.destroy();
  }
  digest() {
    const out = new Uint8Array(this.oHash.outputLen);
    this.digestInto(out);
    return out;
  }
  _cloneInto(to) {
    to ||= Object.create(Object.getPrototypeOf(this), {});
    const { oHash, iHash, finished, destroyed, blockLen, outputLen } = this;
    to = to;
    to.finished = finished;
    to.destroyed = destroyed;
    to.blockLen = blockLen;
    to.outputLen = outputLen;
    to.oHash = oHash._cloneInto(to.oHash);
    to.iHash = iHash._cloneInto(to.iHash);
    return to;
  }
  clone() {
    return this._cloneInto();
  }
  destroy() {
    this.destroyed = true;
    this.oHash.destroy();
    this.iHash.destroy();
  }
};
var hmac = (hash, key, message) => new _HMAC(hash, key).update(message).digest();
hmac.create = (hash, key) => new _HMAC(hash, key);

// node_modules/@hpke/common/esm/src/hash/md.js
function Chi(a, b, c) {
  return a & b ^ ~a & c;
}
function Maj(a, b, c) {
  return a & b ^ a & c ^ b & c;
}
var HashMD = class {
  constructor(blockLen, outputLen, padOffset, isLE3) {
    Object.defineProperty(this, "blockLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "outputLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "padOffset", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "isLE", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "buffer", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "view", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "finished", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "length", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "pos", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "destroyed", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    this.blockLen = blockLen;
    this.outputLen = outputLen;
    this.padOffset = padOffset;
    this.isLE = isLE3;
    this.buffer = new Uint8Array(blockLen);
    this.view = createView(this.buffer);
  }
  update(data) {
    aexists(this);
    abytes(data);
    const { view, buffer, blockLen } = this;
    const len = data.length;
    for (let pos = 0; pos < len; ) {
      const take = Math.min(blockLen - this.pos, len - pos);
      if (take === blockLen) {
        const dataView = createView(data);
        for (; blockLen <= len - pos; pos += blockLen) {
          this.process(dataView, pos);
        }
        continue;
      }
      buffer.set(data.subarray(pos, pos + take), this.pos);
      this.pos += take;
      pos += take;
      if (this.pos === blockLen) {
        this.process(view, 0);
        this.pos = 0;
      }
    }
    this.length += data.length;
    this.roundClean();
    return this;
  }
  digestInto(out) {
    aexists(this);
    aoutput(out, this);
    this.finished = true;
    const { buffer, view, blockLen, isLE: isLE3 } = this;
    let { pos } = this;
    buffer[pos++] = 128;
    clean(this.buffer.subarray(pos));
    if (this.padOffset > blockLen - pos) {
      this.process(view, 0);
      pos = 0;
    }
    for (let i = pos; i < blockLen; i++)
      buffer[i] = 0;
    view.setBigUint64(blockLen - 8, numberToBigint(this.length * 8), isLE3);
    this.process(view, 0);
    const oview = createView(out);
    const len = this.outputLen;
    if (len % 4)
      throw new Error("_sha2: outputLen must be aligned to 32bit");
    const outLen = len / 4;
    const state = this.get();
    if (outLen > state.length) {
      throw new Error("_sha2: outputLen bigger than state");
    }
    for (let i = 0; i < outLen; i++)
      oview.setUint32(4 * i, state[i], isLE3);
  }
  digest() {
    const { buffer, outputLen } = this;
    this.digestInto(buffer);
    const res = buffer.slice(0, outputLen);
    this.destroy();
    return res;
  }
  _cloneInto(to) {
    to ||= new this.constructor();
    to.set(...this.get());
    const { blockLen, buffer, length, finished, destroyed, pos } = this;
    to.destroyed = destroyed;
    to.finished = finished;
    to.length = length;
    to.pos = pos;
    if (length % blockLen)
      to.buffer.set(buffer);
    return to;
  }
  clone() {
    return this._cloneInto();
  }
};
var SHA256_IV = /* @__PURE__ */ Uint32Array.from([
  1779033703,
  3144134277,
  1013904242,
  2773480762,
  1359893119,
  2600822924,
  528734635,
  1541459225
]);

// node_modules/@hpke/common/esm/src/hash/u64.js
var U32_MASK64 = 0xffffffffn;
var _32n = 32n;
function fromBig(n, le = false) {
  if (le) {
    return { h: Number(n & U32_MASK64), l: Number(n >> _32n & U32_MASK64) };
  }
  return {
    h: Number(n >> _32n & U32_MASK64) | 0,
    l: Number(n & U32_MASK64) | 0
  };
}
function split(lst, le = false) {
  const len = lst.length;
  const Ah = new Uint32Array(len);
  const Al = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const { h, l } = fromBig(lst[i], le);
    [Ah[i], Al[i]] = [h, l];
  }
  return [Ah, Al];
}

// node_modules/@hpke/common/esm/src/hash/sha2.js
var SHA256_K = /* @__PURE__ */ Uint32Array.from([
  1116352408,
  1899447441,
  3049323471,
  3921009573,
  961987163,
  1508970993,
  2453635748,
  2870763221,
  3624381080,
  310598401,
  607225278,
  1426881987,
  1925078388,
  2162078206,
  2614888103,
  3248222580,
  3835390401,
  4022224774,
  264347078,
  604807628,
  770255983,
  1249150122,
  1555081692,
  1996064986,
  2554220882,
  2821834349,
  2952996808,
  3210313671,
  3336571891,
  3584528711,
  113926993,
  338241895,
  666307205,
  773529912,
  1294757372,
  1396182291,
  1695183700,
  1986661051,
  2177026350,
  2456956037,
  2730485921,
  2820302411,
  3259730800,
  3345764771,
  3516065817,
  3600352804,
  4094571909,
  275423344,
  430227734,
  506948616,
  659060556,
  883997877,
  958139571,
  1322822218,
  1537002063,
  1747873779,
  1955562222,
  2024104815,
  2227730452,
  2361852424,
  2428436474,
  2756734187,
  3204031479,
  3329325298
]);
var SHA256_W = /* @__PURE__ */ new Uint32Array(64);
var SHA2_32B = class extends HashMD {
  constructor(outputLen) {
    super(64, outputLen, 8, false);
  }
  get() {
    const { A, B, C, D, E, F, G, H } = this;
    return [A, B, C, D, E, F, G, H];
  }
  set(A, B, C, D, E, F, G, H) {
    this.A = A | 0;
    this.B = B | 0;
    this.C = C | 0;
    this.D = D | 0;
    this.E = E | 0;
    this.F = F | 0;
    this.G = G | 0;
    this.H = H | 0;
  }
  process(view, offset) {
    for (let i = 0; i < 16; i++, offset += 4) {
      SHA256_W[i] = view.getUint32(offset, false);
    }
    for (let i = 16; i < 64; i++) {
      const W15 = SHA256_W[i - 15];
      const W2 = SHA256_W[i - 2];
      const s0 = rotr(W15, 7) ^ rotr(W15, 18) ^ W15 >>> 3;
      const s1 = rotr(W2, 17) ^ rotr(W2, 19) ^ W2 >>> 10;
      SHA256_W[i] = s1 + SHA256_W[i - 7] + s0 + SHA256_W[i - 16] | 0;
    }
    let { A, B, C, D, E, F, G, H } = this;
    for (let i = 0; i < 64; i++) {
      const sigma1 = rotr(E, 6) ^ rotr(E, 11) ^ rotr(E, 25);
      const T1 = H + sigma1 + Chi(E, F, G) + SHA256_K[i] + SHA256_W[i] | 0;
      const sigma0 = rotr(A, 2) ^ rotr(A, 13) ^ rotr(A, 22);
      const T2 = sigma0 + Maj(A, B, C) | 0;
      H = G;
      G = F;
      F = E;
      E = D + T1 | 0;
      D = C;
      C = B;
      B = A;
      A = T1 + T2 | 0;
    }
    A = A + this.A | 0;
    B = B + this.B | 0;
    C = C + this.C | 0;
    D = D + this.D | 0;
    E = E + this.E | 0;
    F = F + this.F | 0;
    G = G + this.G | 0;
    H = H + this.H | 0;
    this.set(A, B, C, D, E, F, G, H);
  }
  roundClean() {
    clean(SHA256_W);
  }
  destroy() {
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
    clean(this.buffer);
  }
};
var _SHA256 = class extends SHA2_32B {
  constructor() {
    super(32);
    Object.defineProperty(this, "A", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[0] | 0
    });
    Object.defineProperty(this, "B", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[1] | 0
    });
    Object.defineProperty(this, "C", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[2] | 0
    });
    Object.defineProperty(this, "D", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[3] | 0
    });
    Object.defineProperty(this, "E", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[4] | 0
    });
    Object.defineProperty(this, "F", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[5] | 0
    });
    Object.defineProperty(this, "G", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[6] | 0
    });
    Object.defineProperty(this, "H", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: SHA256_IV[7] | 0
    });
  }
};
var sha256 = /* @__PURE__ */ createHasher(
  () => new _SHA256(),
  /* @__PURE__ */ oidNist(1)
);

// node_modules/@hpke/common/esm/src/hash/sha3.js
var _0n = 0n;
var _1n = 1n;
var _2n = 2n;
var _7n = 7n;
var _256n = 256n;
var _0x71n = 0x71n;
var SHA3_PI = [];
var SHA3_ROTL = [];
var _SHA3_IOTA = [];
for (let round = 0, R = _1n, x = 1, y = 0; round < 24; round++) {
  [x, y] = [y, (2 * x + 3 * y) % 5];
  SHA3_PI.push(2 * (5 * y + x));
  SHA3_ROTL.push((round + 1) * (round + 2) / 2 % 64);
  let t = _0n;
  for (let j = 0; j < 7; j++) {
    R = (R << _1n ^ (R >> _7n) * _0x71n) % _256n;
    if (R & _2n)
      t ^= _1n << (_1n << BigInt(j)) - _1n;
  }
  _SHA3_IOTA.push(t);
}
var IOTAS = split(_SHA3_IOTA, true);
var SHA3_IOTA_H = IOTAS[0];
var SHA3_IOTA_L = IOTAS[1];

// node_modules/@hpke/common/esm/src/curve/modular.js
function mod(a, b) {
  const result = a % b;
  return result >= N_0 ? result : b + result;
}
function pow2(x, power, modulo) {
  let res = x;
  while (power-- > N_0) {
    res *= res;
    res %= modulo;
  }
  return res;
}

// node_modules/@hpke/common/esm/src/curve/curve.js
function createKeygen(randomSecretKey, getPublicKey) {
  return function keygen(seed) {
    const secretKey = randomSecretKey(seed);
    return { secretKey, publicKey: getPublicKey(secretKey) };
  };
}

// node_modules/@hpke/common/esm/src/curve/montgomery.js
function validateOpts(curve) {
  validateObject(curve, {
    adjustScalarBytes: "function",
    powPminus2: "function"
  });
  return Object.freeze({ ...curve });
}
function montgomery(curveDef) {
  const CURVE = validateOpts(curveDef);
  const { P, type, adjustScalarBytes: adjustScalarBytes2, powPminus2, randomBytes: rand } = CURVE;
  const is25519 = type === "x25519";
  if (!is25519 && type !== "x448")
    throw new Error("invalid type");
  const randomBytes_ = rand || randomBytesAsync;
  const montgomeryBits = is25519 ? 255n : 448n;
  const fieldLen = is25519 ? 32 : 56;
  const Gu = is25519 ? 9n : 5n;
  const a24 = is25519 ? 121665n : 39081n;
  const minScalar = is25519 ? N_2 ** 254n : N_2 ** 447n;
  const maxAdded = is25519 ? 8n * N_2 ** 251n - N_1 : 4n * N_2 ** 445n - N_1;
  const maxScalar = minScalar + maxAdded + N_1;
  const modP = (n) => mod(n, P);
  const GuBytes = encodeU(Gu);
  function encodeU(u) {
    return numberToBytesLE(modP(u), fieldLen);
  }
  function decodeU(u) {
    const _u = copyBytes(abytes(u, fieldLen, "uCoordinate"));
    if (is25519)
      _u[31] &= 127;
    return modP(bytesToNumberLE(_u));
  }
  function decodeScalar(scalar) {
    return bytesToNumberLE(adjustScalarBytes2(copyBytes(abytes(scalar, fieldLen, "scalar"))));
  }
  function scalarMult(scalar, u) {
    const pu = montgomeryLadder(decodeU(u), decodeScalar(scalar));
    if (pu === N_0)
      throw new Error("invalid private or public key received");
    return encodeU(pu);
  }
  function scalarMultBase(scalar) {
    return scalarMult(scalar, GuBytes);
  }
  const getPublicKey = scalarMultBase;
  const getSharedSecret = scalarMult;
  function cswap(swap, x_2, x_3) {
    const dummy = modP(swap * (x_2 - x_3));
    x_2 = modP(x_2 - dummy);
    x_3 = modP(x_3 + dummy);
    return { x_2, x_3 };
  }
  function montgomeryLadder(u, scalar) {
    aInRange("u", u, N_0, P);
    aInRange("scalar", scalar, minScalar, maxScalar);
    const k = scalar;
    const x_1 = u;
    let x_2 = N_1;
    let z_2 = N_0;
    let x_3 = u;
    let z_3 = N_1;
    let swap = N_0;
    for (let t = montgomeryBits - 1n; t >= N_0; t--) {
      const k_t = k >> t & N_1;
      swap ^= k_t;
      ({ x_2, x_3 } = cswap(swap, x_2, x_3));
      ({ x_2: z_2, x_3: z_3 } = cswap(swap, z_2, z_3));
      swap = k_t;
      const A = x_2 + z_2;
      const AA = modP(A * A);
      const B = x_2 - z_2;
      const BB = modP(B * B);
      const E = AA - BB;
      const C = x_3 + z_3;
      const D = x_3 - z_3;
      const DA = modP(D * A);
      const CB = modP(C * B);
      const dacb = DA + CB;
      const da_cb = DA - CB;
      x_3 = modP(dacb * dacb);
      z_3 = modP(x_1 * modP(da_cb * da_cb));
      x_2 = modP(AA * BB);
      z_2 = modP(E * (AA + modP(a24 * E)));
    }
    ({ x_2, x_3 } = cswap(swap, x_2, x_3));
    ({ x_2: z_2, x_3: z_3 } = cswap(swap, z_2, z_3));
    const z2 = powPminus2(z_2);
    return modP(x_2 * z2);
  }
  const lengths = {
    secretKey: fieldLen,
    publicKey: fieldLen,
    seed: fieldLen
  };
  const randomSecretKey = async (seed) => {
    if (seed === void 0) {
      seed = await randomBytes_(fieldLen);
    }
    abytes(seed, lengths.seed, "seed");
    return seed;
  };
  const utils = { randomSecretKey };
  return Object.freeze({
    keygen: createKeygen(randomSecretKey, getPublicKey),
    getSharedSecret,
    getPublicKey,
    scalarMult,
    scalarMultBase,
    utils,
    GuBytes: GuBytes.slice(),
    lengths
  });
}

// node_modules/@hpke/chacha20poly1305/esm/src/chacha/utils.js
function abool(b) {
  if (typeof b !== "boolean")
    throw new Error(`boolean expected, not ${b}`);
}
var wrapCipher = /* @__NO_SIDE_EFFECTS__ */ (params, constructor) => {
  function wrappedCipher(key, ...args) {
    abytes(key, void 0, "key");
    if (!isLE) {
      throw new Error("Non little-endian hardware is not yet supported");
    }
    if (params.nonceLength !== void 0) {
      const nonce = args[0];
      abytes(nonce, params.varSizeNonce ? void 0 : params.nonceLength, "nonce");
    }
    const tagl = params.tagLength;
    if (tagl && args[1] !== void 0)
      abytes(args[1], void 0, "AAD");
    const cipher = constructor(key, ...args);
    const checkOutput = (fnLength, output) => {
      if (output !== void 0) {
        if (fnLength !== 2)
          throw new Error("cipher output not supported");
        abytes(output, void 0, "output");
      }
    };
    let called = false;
    const wrCipher = {
      encrypt(data, output) {
        if (called) {
          throw new Error("cannot encrypt() twice with same key + nonce");
        }
        called = true;
        abytes(data);
        checkOutput(cipher.encrypt.length, output);
        return cipher.encrypt(data, output);
      },
      decrypt(data, output) {
        abytes(data);
        if (tagl && data.length < tagl) {
          throw new Error('"ciphertext" expected length bigger than tagLength=' + tagl);
        }
        checkOutput(cipher.decrypt.length, output);
        return cipher.decrypt(data, output);
      }
    };
    return wrCipher;
  }
  Object.assign(wrappedCipher, params);
  return wrappedCipher;
};
function checkOpts(defaults, opts) {
  if (opts == null || typeof opts !== "object") {
    throw new Error("options must be defined");
  }
  const merged = Object.assign(defaults, opts);
  return merged;
}
function equalBytes2(a, b) {
  if (a.length !== b.length)
    return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++)
    diff |= a[i] ^ b[i];
  return diff === 0;
}
function getOutput(expectedLength, out, onlyAligned = true) {
  if (out === void 0)
    return new Uint8Array(expectedLength);
  if (out.length !== expectedLength) {
    throw new Error('"output" expected Uint8Array of length ' + expectedLength + ", got: " + out.length);
  }
  if (onlyAligned && !isAligned32(out)) {
    throw new Error("invalid output, must be aligned");
  }
  return out;
}
function u64Lengths(dataLength, aadLength, isLE3) {
  abool(isLE3);
  const num2 = new Uint8Array(16);
  const view = createView(num2);
  view.setBigUint64(0, numberToBigint(aadLength), isLE3);
  view.setBigUint64(8, numberToBigint(dataLength), isLE3);
  return num2;
}
function isAligned32(bytes) {
  return bytes.byteOffset % 4 === 0;
}

// node_modules/@hpke/chacha20poly1305/esm/src/chacha/_arx.js
var _utf8ToBytes = (str) => Uint8Array.from(str.split("").map((c) => c.charCodeAt(0)));
var sigma16 = _utf8ToBytes("expand 16-byte k");
var sigma32 = _utf8ToBytes("expand 32-byte k");
var sigma16_32 = u322(sigma16);
var sigma32_32 = u322(sigma32);
function rotl(a, b) {
  return a << b | a >>> 32 - b;
}
function isAligned322(b) {
  return b.byteOffset % 4 === 0;
}
var BLOCK_LEN = 64;
var BLOCK_LEN32 = 16;
var MAX_COUNTER = 2 ** 32 - 1;
var U32_EMPTY = Uint32Array.of();
function runCipher(core, sigma, key, nonce, data, output, counter, rounds) {
  const len = data.length;
  const block = new Uint8Array(BLOCK_LEN);
  const b32 = u322(block);
  const isAligned = isAligned322(data) && isAligned322(output);
  const d32 = isAligned ? u322(data) : U32_EMPTY;
  const o32 = isAligned ? u322(output) : U32_EMPTY;
  for (let pos = 0; pos < len; counter++) {
    core(sigma, key, nonce, b32, counter, rounds);
    if (counter >= MAX_COUNTER)
      throw new Error("arx: counter overflow");
    const take = Math.min(BLOCK_LEN, len - pos);
    if (isAligned && take === BLOCK_LEN) {
      const pos32 = pos / 4;
      if (pos % 4 !== 0)
        throw new Error("arx: invalid block position");
      for (let j = 0, posj; j < BLOCK_LEN32; j++) {
        posj = pos32 + j;
        o32[posj] = d32[posj] ^ b32[j];
      }
      pos += BLOCK_LEN;
      continue;
    }
    for (let j = 0, posj; j < take; j++) {
      posj = pos + j;
      output[posj] = data[posj] ^ block[j];
    }
    pos += take;
  }
}
function createCipher(core, opts) {
  const { allowShortKeys, extendNonceFn, counterLength, counterRight, rounds } = checkOpts({
    allowShortKeys: false,
    counterLength: 8,
    counterRight: false,
    rounds: 20
  }, opts);
  if (typeof core !== "function")
    throw new Error("core must be a function");
  anumber(counterLength);
  anumber(rounds);
  abool(counterRight);
  abool(allowShortKeys);
  return (key, nonce, data, output, counter = 0) => {
    abytes(key, void 0, "key");
    abytes(nonce, void 0, "nonce");
    abytes(data, void 0, "data");
    const len = data.length;
    if (output === void 0)
      output = new Uint8Array(len);
    abytes(output, void 0, "output");
    anumber(counter);
    if (counter < 0 || counter >= MAX_COUNTER) {
      throw new Error("arx: counter overflow");
    }
    if (output.length < len) {
      throw new Error(`arx: output (${output.length}) is shorter than data (${len})`);
    }
    const toClean = [];
    const l = key.length;
    let k;
    let sigma;
    if (l === 32) {
      toClean.push(k = copyBytes(key));
      sigma = sigma32_32;
    } else if (l === 16 && allowShortKeys) {
      k = new Uint8Array(32);
      k.set(key);
      k.set(key, 16);
      sigma = sigma16_32;
      toClean.push(k);
    } else {
      abytes(key, 32, "arx key");
      throw new Error("invalid key size");
    }
    if (!isAligned322(nonce))
      toClean.push(nonce = copyBytes(nonce));
    const k32 = u322(k);
    if (extendNonceFn) {
      if (nonce.length !== 24) {
        throw new Error(`arx: extended nonce must be 24 bytes`);
      }
      extendNonceFn(sigma, k32, u322(nonce.subarray(0, 16)), k32);
      nonce = nonce.subarray(16);
    }
    const nonceNcLen = 16 - counterLength;
    if (nonceNcLen !== nonce.length) {
      throw new Error(`arx: nonce must be ${nonceNcLen} or 16 bytes`);
    }
    if (nonceNcLen !== 12) {
      const nc = new Uint8Array(12);
      nc.set(nonce, counterRight ? 0 : 12 - nonce.length);
      nonce = nc;
      toClean.push(nonce);
    }
    const n32 = u322(nonce);
    runCipher(core, sigma, k32, n32, data, output, counter, rounds);
    clean(...toClean);
    return output;
  };
}

// node_modules/@hpke/chacha20poly1305/esm/src/chacha/_poly1305.js
function u8to16(a, i) {
  return a[i++] & 255 | (a[i++] & 255) << 8;
}
var Poly1305 = class {
  // Can be speed-up using BigUint64Array, at the cost of complexity
  constructor(key) {
    Object.defineProperty(this, "blockLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 16
    });
    Object.defineProperty(this, "outputLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 16
    });
    Object.defineProperty(this, "buffer", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(16)
    });
    Object.defineProperty(this, "r", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint16Array(10)
    });
    Object.defineProperty(this, "h", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint16Array(10)
    });
    Object.defineProperty(this, "pad", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint16Array(8)
    });
    Object.defineProperty(this, "pos", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "finished", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    key = copyBytes(abytes(key, 32, "key"));
    const t0 = u8to16(key, 0);
    const t1 = u8to16(key, 2);
    const t2 = u8to16(key, 4);
    const t3 = u8to16(key, 6);
    const t4 = u8to16(key, 8);
    const t5 = u8to16(key, 10);
    const t6 = u8to16(key, 12);
    const t7 = u8to16(key, 14);
    this.r[0] = t0 & 8191;
    this.r[1] = (t0 >>> 13 | t1 << 3) & 8191;
    this.r[2] = (t1 >>> 10 | t2 << 6) & 7939;
    this.r[3] = (t2 >>> 7 | t3 << 9) & 8191;
    this.r[4] = (t3 >>> 4 | t4 << 12) & 255;
    this.r[5] = t4 >>> 1 & 8190;
    this.r[6] = (t4 >>> 14 | t5 << 2) & 8191;
    this.r[7] = (t5 >>> 11 | t6 << 5) & 8065;
    this.r[8] = (t6 >>> 8 | t7 << 8) & 8191;
    this.r[9] = t7 >>> 5 & 127;
    for (let i = 0; i < 8; i++)
      this.pad[i] = u8to16(key, 16 + 2 * i);
  }
  process(data, offset, isLast = false) {
    const hibit = isLast ? 0 : 1 << 11;
    const { h, r } = this;
    const r0 = r[0];
    const r1 = r[1];
    const r2 = r[2];
    const r3 = r[3];
    const r4 = r[4];
    const r5 = r[5];
    const r6 = r[6];
    const r7 = r[7];
    const r8 = r[8];
    const r9 = r[9];
    const t0 = u8to16(data, offset + 0);
    const t1 = u8to16(data, offset + 2);
    const t2 = u8to16(data, offset + 4);
    const t3 = u8to16(data, offset + 6);
    const t4 = u8to16(data, offset + 8);
    const t5 = u8to16(data, offset + 10);
    const t6 = u8to16(data, offset + 12);
    const t7 = u8to16(data, offset + 14);
    const h0 = h[0] + (t0 & 8191);
    const h1 = h[1] + ((t0 >>> 13 | t1 << 3) & 8191);
    const h2 = h[2] + ((t1 >>> 10 | t2 << 6) & 8191);
    const h3 = h[3] + ((t2 >>> 7 | t3 << 9) & 8191);
    const h4 = h[4] + ((t3 >>> 4 | t4 << 12) & 8191);
    const h5 = h[5] + (t4 >>> 1 & 8191);
    const h6 = h[6] + ((t4 >>> 14 | t5 << 2) & 8191);
    const h7 = h[7] + ((t5 >>> 11 | t6 << 5) & 8191);
    const h8 = h[8] + ((t6 >>> 8 | t7 << 8) & 8191);
    const h9 = h[9] + (t7 >>> 5 | hibit);
    let c = 0;
    let d0 = c + h0 * r0 + h1 * (5 * r9) + h2 * (5 * r8) + h3 * (5 * r7) + h4 * (5 * r6);
    c = d0 >>> 13;
    d0 &= 8191;
    d0 += h5 * (5 * r5) + h6 * (5 * r4) + h7 * (5 * r3) + h8 * (5 * r2) + h9 * (5 * r1);
    c += d0 >>> 13;
    d0 &= 8191;
    let d1 = c + h0 * r1 + h1 * r0 + h2 * (5 * r9) + h3 * (5 * r8) + h4 * (5 * r7);
    c = d1 >>> 13;
    d1 &= 8191;
    d1 += h5 * (5 * r6) + h6 * (5 * r5) + h7 * (5 * r4) + h8 * (5 * r3) + h9 * (5 * r2);
    c += d1 >>> 13;
    d1 &= 8191;
    let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * (5 * r9) + h4 * (5 * r8);
    c = d2 >>> 13;
    d2 &= 8191;
    d2 += h5 * (5 * r7) + h6 * (5 * r6) + h7 * (5 * r5) + h8 * (5 * r4) + h9 * (5 * r3);
    c += d2 >>> 13;
    d2 &= 8191;
    let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * (5 * r9);
    c = d3 >>> 13;
    d3 &= 8191;
    d3 += h5 * (5 * r8) + h6 * (5 * r7) + h7 * (5 * r6) + h8 * (5 * r5) + h9 * (5 * r4);
    c += d3 >>> 13;
    d3 &= 8191;
    let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d4 >>> 13;
    d4 &= 8191;
    d4 += h5 * (5 * r9) + h6 * (5 * r8) + h7 * (5 * r7) + h8 * (5 * r6) + h9 * (5 * r5);
    c += d4 >>> 13;
    d4 &= 8191;
    let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d5 >>> 13;
    d5 &= 8191;
    d5 += h5 * r0 + h6 * (5 * r9) + h7 * (5 * r8) + h8 * (5 * r7) + h9 * (5 * r6);
    c += d5 >>> 13;
    d5 &= 8191;
    let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d6 >>> 13;
    d6 &= 8191;
    d6 += h5 * r1 + h6 * r0 + h7 * (5 * r9) + h8 * (5 * r8) + h9 * (5 * r7);
    c += d6 >>> 13;
    d6 &= 8191;
    let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d7 >>> 13;
    d7 &= 8191;
    d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * (5 * r9) + h9 * (5 * r8);
    c += d7 >>> 13;
    d7 &= 8191;
    let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d8 >>> 13;
    d8 &= 8191;
    d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * (5 * r9);
    c += d8 >>> 13;
    d8 &= 8191;
    let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d9 >>> 13;
    d9 &= 8191;
    d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d9 >>> 13;
    d9 &= 8191;
    c = (c << 2) + c | 0;
    c = c + d0 | 0;
    d0 = c & 8191;
    c = c >>> 13;
    d1 += c;
    h[0] = d0;
    h[1] = d1;
    h[2] = d2;
    h[3] = d3;
    h[4] = d4;
    h[5] = d5;
    h[6] = d6;
    h[7] = d7;
    h[8] = d8;
    h[9] = d9;
  }
  finalize() {
    const { h, pad } = this;
    const g = new Uint16Array(10);
    let c = h[1] >>> 13;
    h[1] &= 8191;
    for (let i = 2; i < 10; i++) {
      h[i] += c;
      c = h[i] >>> 13;
      h[i] &= 8191;
    }
    h[0] += c * 5;
    c = h[0] >>> 13;
    h[0] &= 8191;
    h[1] += c;
    c = h[1] >>> 13;
    h[1] &= 8191;
    h[2] += c;
    g[0] = h[0] + 5;
    c = g[0] >>> 13;
    g[0] &= 8191;
    for (let i = 1; i < 10; i++) {
      g[i] = h[i] + c;
      c = g[i] >>> 13;
      g[i] &= 8191;
    }
    g[9] -= 1 << 13;
    let mask = (c ^ 1) - 1;
    for (let i = 0; i < 10; i++)
      g[i] &= mask;
    mask = ~mask;
    for (let i = 0; i < 10; i++)
      h[i] = h[i] & mask | g[i];
    h[0] = (h[0] | h[1] << 13) & 65535;
    h[1] = (h[1] >>> 3 | h[2] << 10) & 65535;
    h[2] = (h[2] >>> 6 | h[3] << 7) & 65535;
    h[3] = (h[3] >>> 9 | h[4] << 4) & 65535;
    h[4] = (h[4] >>> 12 | h[5] << 1 | h[6] << 14) & 65535;
    h[5] = (h[6] >>> 2 | h[7] << 11) & 65535;
    h[6] = (h[7] >>> 5 | h[8] << 8) & 65535;
    h[7] = (h[8] >>> 8 | h[9] << 5) & 65535;
    let f = h[0] + pad[0];
    h[0] = f & 65535;
    for (let i = 1; i < 8; i++) {
      f = (h[i] + pad[i] | 0) + (f >>> 16) | 0;
      h[i] = f & 65535;
    }
    clean(g);
  }
  update(data) {
    aexists(this);
    abytes(data);
    data = copyBytes(data);
    const { buffer, blockLen } = this;
    const len = data.length;
    for (let pos = 0; pos < len; ) {
      const take = Math.min(blockLen - this.pos, len - pos);
      if (take === blockLen) {
        for (; blockLen <= len - pos; pos += blockLen)
          this.process(data, pos);
        continue;
      }
      buffer.set(data.subarray(pos, pos + take), this.pos);
      this.pos += take;
      pos += take;
      if (this.pos === blockLen) {
        this.process(buffer, 0, false);
        this.pos = 0;
      }
    }
    return this;
  }
  destroy() {
    clean(this.h, this.r, this.buffer, this.pad);
  }
  digestInto(out) {
    aexists(this);
    aoutput(out, this);
    this.finished = true;
    const { buffer, h } = this;
    let { pos } = this;
    if (pos) {
      buffer[pos++] = 1;
      for (; pos < 16; pos++)
        buffer[pos] = 0;
      this.process(buffer, 0, true);
    }
    this.finalize();
    let opos = 0;
    for (let i = 0; i < 8; i++) {
      out[opos++] = h[i] >>> 0;
      out[opos++] = h[i] >>> 8;
    }
    return out;
  }
  digest() {
    const { buffer, outputLen } = this;
    this.digestInto(buffer);
    const res = buffer.slice(0, outputLen);
    this.destroy();
    return res;
  }
};
function wrapConstructorWithKey(hashCons) {
  const hashC = (msg, key) => hashCons(key).update(msg).digest();
  const tmp = hashCons(new Uint8Array(32));
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.create = (key) => hashCons(key);
  return hashC;
}
var poly1305 = /* @__PURE__ */ (() => wrapConstructorWithKey((key) => new Poly1305(key)))();

// node_modules/@hpke/chacha20poly1305/esm/src/chacha/chacha.js
function chachaCore(s, k, n, out, cnt, rounds = 20) {
  const y00 = s[0], y01 = s[1], y02 = s[2], y03 = s[3], y04 = k[0], y05 = k[1], y06 = k[2], y07 = k[3], y08 = k[4], y09 = k[5], y10 = k[6], y11 = k[7], y12 = cnt, y13 = n[0], y14 = n[1], y15 = n[2];
  let x00 = y00, x01 = y01, x02 = y02, x03 = y03, x04 = y04, x05 = y05, x06 = y06, x07 = y07, x08 = y08, x09 = y09, x10 = y10, x11 = y11, x12 = y12, x13 = y13, x14 = y14, x15 = y15;
  for (let r = 0; r < rounds; r += 2) {
    x00 = x00 + x04 | 0;
    x12 = rotl(x12 ^ x00, 16);
    x08 = x08 + x12 | 0;
    x04 = rotl(x04 ^ x08, 12);
    x00 = x00 + x04 | 0;
    x12 = rotl(x12 ^ x00, 8);
    x08 = x08 + x12 | 0;
    x04 = rotl(x04 ^ x08, 7);
    x01 = x01 + x05 | 0;
    x13 = rotl(x13 ^ x01, 16);
    x09 = x09 + x13 | 0;
    x05 = rotl(x05 ^ x09, 12);
    x01 = x01 + x05 | 0;
    x13 = rotl(x13 ^ x01, 8);
    x09 = x09 + x13 | 0;
    x05 = rotl(x05 ^ x09, 7);
    x02 = x02 + x06 | 0;
    x14 = rotl(x14 ^ x02, 16);
    x10 = x10 + x14 | 0;
    x06 = rotl(x06 ^ x10, 12);
    x02 = x02 + x06 | 0;
    x14 = rotl(x14 ^ x02, 8);
    x10 = x10 + x14 | 0;
    x06 = rotl(x06 ^ x10, 7);
    x03 = x03 + x07 | 0;
    x15 = rotl(x15 ^ x03, 16);
    x11 = x11 + x15 | 0;
    x07 = rotl(x07 ^ x11, 12);
    x03 = x03 + x07 | 0;
    x15 = rotl(x15 ^ x03, 8);
    x11 = x11 + x15 | 0;
    x07 = rotl(x07 ^ x11, 7);
    x00 = x00 + x05 | 0;
    x15 = rotl(x15 ^ x00, 16);
    x10 = x10 + x15 | 0;
    x05 = rotl(x05 ^ x10, 12);
    x00 = x00 + x05 | 0;
    x15 = rotl(x15 ^ x00, 8);
    x10 = x10 + x15 | 0;
    x05 = rotl(x05 ^ x10, 7);
    x01 = x01 + x06 | 0;
    x12 = rotl(x12 ^ x01, 16);
    x11 = x11 + x12 | 0;
    x06 = rotl(x06 ^ x11, 12);
    x01 = x01 + x06 | 0;
    x12 = rotl(x12 ^ x01, 8);
    x11 = x11 + x12 | 0;
    x06 = rotl(x06 ^ x11, 7);
    x02 = x02 + x07 | 0;
    x13 = rotl(x13 ^ x02, 16);
    x08 = x08 + x13 | 0;
    x07 = rotl(x07 ^ x08, 12);
    x02 = x02 + x07 | 0;
    x13 = rotl(x13 ^ x02, 8);
    x08 = x08 + x13 | 0;
    x07 = rotl(x07 ^ x08, 7);
    x03 = x03 + x04 | 0;
    x14 = rotl(x14 ^ x03, 16);
    x09 = x09 + x14 | 0;
    x04 = rotl(x04 ^ x09, 12);
    x03 = x03 + x04 | 0;
    x14 = rotl(x14 ^ x03, 8);
    x09 = x09 + x14 | 0;
    x04 = rotl(x04 ^ x09, 7);
  }
  let oi = 0;
  out[oi++] = y00 + x00 | 0;
  out[oi++] = y01 + x01 | 0;
  out[oi++] = y02 + x02 | 0;
  out[oi++] = y03 + x03 | 0;
  out[oi++] = y04 + x04 | 0;
  out[oi++] = y05 + x05 | 0;
  out[oi++] = y06 + x06 | 0;
  out[oi++] = y07 + x07 | 0;
  out[oi++] = y08 + x08 | 0;
  out[oi++] = y09 + x09 | 0;
  out[oi++] = y10 + x10 | 0;
  out[oi++] = y11 + x11 | 0;
  out[oi++] = y12 + x12 | 0;
  out[oi++] = y13 + x13 | 0;
  out[oi++] = y14 + x14 | 0;
  out[oi++] = y15 + x15 | 0;
}
var chacha20 = /* @__PURE__ */ createCipher(chachaCore, {
  counterRight: false,
  counterLength: 4,
  allowShortKeys: false
});
var ZEROS16 = /* @__PURE__ */ new Uint8Array(16);
var updatePadded = (h, msg) => {
  h.update(msg);
  const leftover = msg.length % 16;
  if (leftover)
    h.update(ZEROS16.subarray(leftover));
};
var ZEROS32 = /* @__PURE__ */ new Uint8Array(32);
function computeTag(fn, key, nonce, ciphertext, AAD) {
  if (AAD !== void 0)
    abytes(AAD, void 0, "AAD");
  const authKey = fn(key, nonce, ZEROS32);
  const lengths = u64Lengths(ciphertext.length, AAD ? AAD.length : 0, true);
  const h = poly1305.create(authKey);
  if (AAD)
    updatePadded(h, AAD);
  updatePadded(h, ciphertext);
  h.update(lengths);
  const res = h.digest();
  clean(authKey, lengths);
  return res;
}
var _poly1305_aead = (xorStream) => (key, nonce, AAD) => {
  const tagLength = 16;
  return {
    encrypt(plaintext, output) {
      const plength = plaintext.length;
      output = getOutput(plength + tagLength, output, false);
      output.set(plaintext);
      const oPlain = output.subarray(0, -tagLength);
      xorStream(key, nonce, oPlain, oPlain, 1);
      const tag = computeTag(xorStream, key, nonce, oPlain, AAD);
      output.set(tag, plength);
      clean(tag);
      return output;
    },
    decrypt(ciphertext, output) {
      output = getOutput(ciphertext.length - tagLength, output, false);
      const data = ciphertext.subarray(0, -tagLength);
      const passedTag = ciphertext.subarray(-tagLength);
      const tag = computeTag(xorStream, key, nonce, data, AAD);
      if (!equalBytes2(passedTag, tag))
        throw new Error("invalid tag");
      output.set(ciphertext.subarray(0, -tagLength));
      xorStream(key, nonce, output, output, 1);
      clean(tag);
      return output;
    }
  };
};
var chacha20poly1305 = /* @__PURE__ */ wrapCipher({ blockSize: 64, nonceLength: 12, tagLength: 16 }, _poly1305_aead(chacha20));

// node_modules/@hpke/chacha20poly1305/esm/src/chacha20Poly1305.js
var Chacha20Poly1305Context = class {
  constructor(key) {
    Object.defineProperty(this, "_key", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this._key = new Uint8Array(toArrayBuffer(key));
  }
  async seal(iv, data, aad) {
    return await this._seal(toArrayBuffer(iv), toArrayBuffer(data), toArrayBuffer(aad));
  }
  async open(iv, data, aad) {
    return await this._open(toArrayBuffer(iv), toArrayBuffer(data), toArrayBuffer(aad));
  }
  _seal(iv, data, aad) {
    return new Promise((resolve) => {
      const ret = chacha20poly1305(this._key, new Uint8Array(iv), new Uint8Array(aad)).encrypt(new Uint8Array(data));
      resolve(ret.buffer);
    });
  }
  _open(iv, data, aad) {
    return new Promise((resolve) => {
      const ret = chacha20poly1305(this._key, new Uint8Array(iv), new Uint8Array(aad)).decrypt(new Uint8Array(data));
      resolve(ret.buffer);
    });
  }
};
var Chacha20Poly1305 = class {
  constructor() {
    Object.defineProperty(this, "id", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: AeadId.Chacha20Poly1305
    });
    Object.defineProperty(this, "keySize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 32
    });
    Object.defineProperty(this, "nonceSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 12
    });
    Object.defineProperty(this, "tagSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 16
    });
  }
  createEncryptionContext(key) {
    return new Chacha20Poly1305Context(key);
  }
};

// node_modules/@hpke/core/esm/src/utils/emitNotSupported.js
function emitNotSupported() {
  return new Promise((_resolve, reject) => {
    reject(new NotSupportedError("Not supported"));
  });
}

// node_modules/@hpke/core/esm/src/exporterContext.js
var LABEL_SEC = new Uint8Array([115, 101, 99]);
var ExporterContextImpl = class {
  constructor(api, kdf, exporterSecret) {
    Object.defineProperty(this, "_api", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "exporterSecret", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_kdf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this._api = api;
    this._kdf = kdf;
    this.exporterSecret = exporterSecret;
  }
  async seal(_data, _aad) {
    return await emitNotSupported();
  }
  async open(_data, _aad) {
    return await emitNotSupported();
  }
  async export(exporterContext, len) {
    const rawExporterContext = toArrayBuffer(exporterContext);
    if (rawExporterContext.byteLength > INPUT_LENGTH_LIMIT) {
      throw new InvalidParamError("Too long exporter context");
    }
    try {
      return await this._kdf.labeledExpand(this.exporterSecret, LABEL_SEC, new Uint8Array(rawExporterContext), len);
    } catch (e) {
      throw new ExportError(e);
    }
  }
};
var RecipientExporterContextImpl = class extends ExporterContextImpl {
};
var SenderExporterContextImpl = class extends ExporterContextImpl {
  constructor(api, kdf, exporterSecret, enc) {
    super(api, kdf, exporterSecret);
    Object.defineProperty(this, "enc", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this.enc = enc;
    return;
  }
};

// node_modules/@hpke/core/esm/src/encryptionContext.js
var EncryptionContextImpl = class extends ExporterContextImpl {
  constructor(api, kdf, params) {
    super(api, kdf, params.exporterSecret);
    Object.defineProperty(this, "_aead", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nK", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nN", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nT", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_ctx", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    if (params.key === void 0 || params.baseNonce === void 0 || params.seq === void 0) {
      throw new Error("Required parameters are missing");
    }
    this._aead = params.aead;
    this._nK = this._aead.keySize;
    this._nN = this._aead.nonceSize;
    this._nT = this._aead.tagSize;
    const key = this._aead.createEncryptionContext(params.key);
    this._ctx = {
      key,
      baseNonce: params.baseNonce,
      seq: params.seq
    };
  }
  computeNonce(k) {
    const seqBytes = i2Osp(k.seq, k.baseNonce.byteLength);
    return xor(k.baseNonce, seqBytes).buffer;
  }
  incrementSeq(k) {
    if (k.seq > Number.MAX_SAFE_INTEGER) {
      throw new MessageLimitReachedError("Message limit reached");
    }
    k.seq += 1;
    return;
  }
};

// node_modules/@hpke/core/esm/src/mutex.js
var __classPrivateFieldGet = function(receiver, state, kind, f) {
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a getter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot read private member from an object whose class did not declare it");
  return kind === "m" ? f : kind === "a" ? f.call(receiver) : f ? f.value : state.get(receiver);
};
var __classPrivateFieldSet = function(receiver, state, value, kind, f) {
  if (kind === "m") throw new TypeError("Private method is not writable");
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a setter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot write private member to an object whose class did not declare it");
  return kind === "a" ? f.call(receiver, value) : f ? f.value = value : state.set(receiver, value), value;
};
var _Mutex_locked;
var Mutex = class {
  constructor() {
    _Mutex_locked.set(this, Promise.resolve());
  }
  async lock() {
    let releaseLock;
    const nextLock = new Promise((resolve) => {
      releaseLock = resolve;
    });
    const previousLock = __classPrivateFieldGet(this, _Mutex_locked, "f");
    __classPrivateFieldSet(this, _Mutex_locked, nextLock, "f");
    await previousLock;
    return releaseLock;
  }
};
_Mutex_locked = /* @__PURE__ */ new WeakMap();

// node_modules/@hpke/core/esm/src/recipientContext.js
var __classPrivateFieldGet2 = function(receiver, state, kind, f) {
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a getter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot read private member from an object whose class did not declare it");
  return kind === "m" ? f : kind === "a" ? f.call(receiver) : f ? f.value : state.get(receiver);
};
var __classPrivateFieldSet2 = function(receiver, state, value, kind, f) {
  if (kind === "m") throw new TypeError("Private method is not writable");
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a setter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot write private member to an object whose class did not declare it");
  return kind === "a" ? f.call(receiver, value) : f ? f.value = value : state.set(receiver, value), value;
};
var _RecipientContextImpl_mutex;
var RecipientContextImpl = class extends EncryptionContextImpl {
  constructor() {
    super(...arguments);
    _RecipientContextImpl_mutex.set(this, void 0);
  }
  async open(data, aad = EMPTY.buffer) {
    __classPrivateFieldSet2(this, _RecipientContextImpl_mutex, __classPrivateFieldGet2(this, _RecipientContextImpl_mutex, "f") ?? new Mutex(), "f");
    const release = await __classPrivateFieldGet2(this, _RecipientContextImpl_mutex, "f").lock();
    let pt;
    try {
      pt = await this._ctx.key.open(this.computeNonce(this._ctx), toArrayBuffer(data), toArrayBuffer(aad));
    } catch (e) {
      throw new OpenError(e);
    } finally {
      release();
    }
    this.incrementSeq(this._ctx);
    return pt;
  }
};
_RecipientContextImpl_mutex = /* @__PURE__ */ new WeakMap();

// node_modules/@hpke/core/esm/src/senderContext.js
var __classPrivateFieldGet3 = function(receiver, state, kind, f) {
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a getter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot read private member from an object whose class did not declare it");
  return kind === "m" ? f : kind === "a" ? f.call(receiver) : f ? f.value : state.get(receiver);
};
var __classPrivateFieldSet3 = function(receiver, state, value, kind, f) {
  if (kind === "m") throw new TypeError("Private method is not writable");
  if (kind === "a" && !f) throw new TypeError("Private accessor was defined without a setter");
  if (typeof state === "function" ? receiver !== state || !f : !state.has(receiver)) throw new TypeError("Cannot write private member to an object whose class did not declare it");
  return kind === "a" ? f.call(receiver, value) : f ? f.value = value : state.set(receiver, value), value;
};
var _SenderContextImpl_mutex;
var SenderContextImpl = class extends EncryptionContextImpl {
  constructor(api, kdf, params, enc) {
    super(api, kdf, params);
    Object.defineProperty(this, "enc", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    _SenderContextImpl_mutex.set(this, void 0);
    this.enc = enc;
  }
  async seal(data, aad = EMPTY.buffer) {
    __classPrivateFieldSet3(this, _SenderContextImpl_mutex, __classPrivateFieldGet3(this, _SenderContextImpl_mutex, "f") ?? new Mutex(), "f");
    const release = await __classPrivateFieldGet3(this, _SenderContextImpl_mutex, "f").lock();
    let ct;
    try {
      ct = await this._ctx.key.seal(this.computeNonce(this._ctx), toArrayBuffer(data), toArrayBuffer(aad));
    } catch (e) {
      throw new SealError(e);
    } finally {
      release();
    }
    this.incrementSeq(this._ctx);
    return ct;
  }
};
_SenderContextImpl_mutex = /* @__PURE__ */ new WeakMap();

// node_modules/@hpke/core/esm/src/cipherSuiteNative.js
var LABEL_BASE_NONCE = new Uint8Array([
  98,
  97,
  115,
  101,
  95,
  110,
  111,
  110,
  99,
  101
]);
var LABEL_EXP = new Uint8Array([101, 120, 112]);
var LABEL_INFO_HASH = new Uint8Array([
  105,
  110,
  102,
  111,
  95,
  104,
  97,
  115,
  104
]);
var LABEL_KEY = new Uint8Array([107, 101, 121]);
var LABEL_PSK_ID_HASH = new Uint8Array([
  112,
  115,
  107,
  95,
  105,
  100,
  95,
  104,
  97,
  115,
  104
]);
var LABEL_SECRET = new Uint8Array([115, 101, 99, 114, 101, 116]);
var SUITE_ID_HEADER_HPKE = new Uint8Array([
  72,
  80,
  75,
  69,
  0,
  0,
  0,
  0,
  0,
  0
]);
var CipherSuiteNative = class extends NativeAlgorithm {
  /**
   * @param params A set of parameters for building a cipher suite.
   *
   * If the error occurred, throws {@link InvalidParamError}.
   *
   * @throws {@link InvalidParamError}
   */
  constructor(params) {
    super();
    Object.defineProperty(this, "_kem", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_kdf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_aead", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_suiteId", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    if (typeof params.kem === "number") {
      throw new InvalidParamError("KemId cannot be used");
    }
    this._kem = params.kem;
    if (typeof params.kdf === "number") {
      throw new InvalidParamError("KdfId cannot be used");
    }
    this._kdf = params.kdf;
    if (typeof params.aead === "number") {
      throw new InvalidParamError("AeadId cannot be used");
    }
    this._aead = params.aead;
    this._suiteId = new Uint8Array(SUITE_ID_HEADER_HPKE);
    this._suiteId.set(i2Osp(this._kem.id, 2), 4);
    this._suiteId.set(i2Osp(this._kdf.id, 2), 6);
    this._suiteId.set(i2Osp(this._aead.id, 2), 8);
    this._kdf.init(this._suiteId);
  }
  /**
   * Gets the KEM context of the ciphersuite.
   */
  get kem() {
    return this._kem;
  }
  /**
   * Gets the KDF context of the ciphersuite.
   */
  get kdf() {
    return this._kdf;
  }
  /**
   * Gets the AEAD context of the ciphersuite.
   */
  get aead() {
    return this._aead;
  }
  /**
   * Creates an encryption context for a sender.
   *
   * If the error occurred, throws {@link DecapError} | {@link ValidationError}.
   *
   * @param params A set of parameters for the sender encryption context.
   * @returns A sender encryption context.
   * @throws {@link EncapError}, {@link ValidationError}
   */
  async createSenderContext(params) {
    this._validateInputLength(params);
    await this._setup();
    const dh = await this._kem.encap(params);
    let mode;
    if (params.psk !== void 0) {
      mode = params.senderKey !== void 0 ? Mode.AuthPsk : Mode.Psk;
    } else {
      mode = params.senderKey !== void 0 ? Mode.Auth : Mode.Base;
    }
    return await this._keyScheduleS(mode, dh.sharedSecret, dh.enc, params);
  }
  /**
   * Creates an encryption context for a recipient.
   *
   * If the error occurred, throws {@link DecapError}
   * | {@link DeserializeError} | {@link ValidationError}.
   *
   * @param params A set of parameters for the recipient encryption context.
   * @returns A recipient encryption context.
   * @throws {@link DecapError}, {@link DeserializeError}, {@link ValidationError}
   */
  async createRecipientContext(params) {
    this._validateInputLength(params);
    await this._setup();
    const sharedSecret = await this._kem.decap(params);
    let mode;
    if (params.psk !== void 0) {
      mode = params.senderPublicKey !== void 0 ? Mode.AuthPsk : Mode.Psk;
    } else {
      mode = params.senderPublicKey !== void 0 ? Mode.Auth : Mode.Base;
    }
    return await this._keyScheduleR(mode, sharedSecret, params);
  }
  /**
   * Encrypts a message to a recipient.
   *
   * If the error occurred, throws `EncapError` | `MessageLimitReachedError` | `SealError` | `ValidationError`.
   *
   * @param params A set of parameters for building a sender encryption context.
   * @param pt A plain text as bytes to be encrypted.
   * @param aad Additional authenticated data as bytes fed by an application.
   * @returns A cipher text and an encapsulated key as bytes.
   * @throws {@link EncapError}, {@link MessageLimitReachedError}, {@link SealError}, {@link ValidationError}
   */
  async seal(params, pt, aad = EMPTY.buffer) {
    const ctx = await this.createSenderContext(params);
    return {
      ct: await ctx.seal(pt, aad),
      enc: ctx.enc
    };
  }
  /**
   * Decrypts a message from a sender.
   *
   * If the error occurred, throws `DecapError` | `DeserializeError` | `OpenError` | `ValidationError`.
   *
   * @param params A set of parameters for building a recipient encryption context.
   * @param ct An encrypted text as bytes to be decrypted.
   * @param aad Additional authenticated data as bytes fed by an application.
   * @returns A decrypted plain text as bytes.
   * @throws {@link DecapError}, {@link DeserializeError}, {@link OpenError}, {@link ValidationError}
   */
  async open(params, ct, aad = EMPTY.buffer) {
    const ctx = await this.createRecipientContext(params);
    return await ctx.open(ct, aad);
  }
  // private verifyPskInputs(mode: Mode, params: KeyScheduleParams) {
  //   const gotPsk = (params.psk !== undefined);
  //   const gotPskId = (params.psk !== undefined && params.psk.id.byteLength > 0);
  //   if (gotPsk !== gotPskId) {
  //     throw new Error('Inconsistent PSK inputs');
  //   }
  //   if (gotPsk && (mode === Mode.Base || mode === Mode.Auth)) {
  //     throw new Error('PSK input provided when not needed');
  //   }
  //   if (!gotPsk && (mode === Mode.Psk || mode === Mode.AuthPsk)) {
  //     throw new Error('Missing required PSK input');
  //   }
  //   return;
  // }
  async _keySchedule(mode, sharedSecret, params) {
    const pskId = params.psk === void 0 ? EMPTY : toUint8Array(params.psk.id);
    const pskIdHash = await this._kdf.labeledExtract(EMPTY, LABEL_PSK_ID_HASH, pskId);
    const info = params.info === void 0 ? EMPTY : toUint8Array(params.info);
    const infoHash = await this._kdf.labeledExtract(EMPTY, LABEL_INFO_HASH, info);
    const keyScheduleContext = new Uint8Array(1 + pskIdHash.byteLength + infoHash.byteLength);
    keyScheduleContext.set(new Uint8Array([mode]), 0);
    keyScheduleContext.set(new Uint8Array(pskIdHash), 1);
    keyScheduleContext.set(new Uint8Array(infoHash), 1 + pskIdHash.byteLength);
    const psk = params.psk === void 0 ? EMPTY : toUint8Array(params.psk.key);
    const ikm = this._kdf.buildLabeledIkm(LABEL_SECRET, psk);
    const exporterSecretInfo = this._kdf.buildLabeledInfo(LABEL_EXP, keyScheduleContext, this._kdf.hashSize);
    const exporterSecret = await this._kdf.extractAndExpand(sharedSecret, ikm, exporterSecretInfo, this._kdf.hashSize);
    if (this._aead.id === AeadId.ExportOnly) {
      return { aead: this._aead, exporterSecret };
    }
    const keyInfo2 = this._kdf.buildLabeledInfo(LABEL_KEY, keyScheduleContext, this._aead.keySize);
    const key = await this._kdf.extractAndExpand(sharedSecret, ikm, keyInfo2, this._aead.keySize);
    const baseNonceInfo = this._kdf.buildLabeledInfo(LABEL_BASE_NONCE, keyScheduleContext, this._aead.nonceSize);
    const baseNonce = await this._kdf.extractAndExpand(sharedSecret, ikm, baseNonceInfo, this._aead.nonceSize);
    return {
      aead: this._aead,
      exporterSecret,
      key,
      baseNonce: new Uint8Array(baseNonce),
      seq: 0
    };
  }
  async _keyScheduleS(mode, sharedSecret, enc, params) {
    const res = await this._keySchedule(mode, sharedSecret, params);
    if (res.key === void 0) {
      return new SenderExporterContextImpl(this._api, this._kdf, res.exporterSecret, enc);
    }
    return new SenderContextImpl(this._api, this._kdf, res, enc);
  }
  async _keyScheduleR(mode, sharedSecret, params) {
    const res = await this._keySchedule(mode, sharedSecret, params);
    if (res.key === void 0) {
      return new RecipientExporterContextImpl(this._api, this._kdf, res.exporterSecret);
    }
    return new RecipientContextImpl(this._api, this._kdf, res);
  }
  _validateInputLength(params) {
    if (params.info !== void 0 && params.info.byteLength > INFO_LENGTH_LIMIT) {
      throw new InvalidParamError("Too long info");
    }
    if (params.psk !== void 0) {
      if (params.psk.key.byteLength < MINIMUM_PSK_LENGTH) {
        throw new InvalidParamError(`PSK must have at least ${MINIMUM_PSK_LENGTH} bytes`);
      }
      if (params.psk.key.byteLength > INPUT_LENGTH_LIMIT) {
        throw new InvalidParamError("Too long psk.key");
      }
      if (params.psk.id.byteLength > INPUT_LENGTH_LIMIT) {
        throw new InvalidParamError("Too long psk.id");
      }
    }
    return;
  }
};

// node_modules/@hpke/core/esm/src/native.js
var CipherSuite = class extends CipherSuiteNative {
};
var HkdfSha256 = class extends HkdfSha256Native {
};

// node_modules/@hpke/core/esm/src/kems/dhkemPrimitives/x25519.js
var PKCS8_ALG_ID_X25519 = new Uint8Array([
  48,
  46,
  2,
  1,
  0,
  48,
  5,
  6,
  3,
  43,
  101,
  110,
  4,
  34,
  4,
  32
]);

// node_modules/@hpke/core/esm/src/kems/dhkemPrimitives/x448.js
var PKCS8_ALG_ID_X448 = new Uint8Array([
  48,
  70,
  2,
  1,
  0,
  48,
  5,
  6,
  3,
  43,
  101,
  111,
  4,
  58,
  4,
  56
]);

// node_modules/mlkem/esm/src/errors.js
var MlKemError = class extends Error {
  constructor(e) {
    let message;
    if (e instanceof Error) {
      message = e.message;
    } else if (typeof e === "string") {
      message = e;
    } else {
      message = "";
    }
    super(message);
    this.name = this.constructor.name;
  }
};

// node_modules/mlkem/esm/src/consts.js
var N = 256;
var Q = 3329;
var Q_INV = 62209;
var NTT_ZETAS = [
  2285,
  2571,
  2970,
  1812,
  1493,
  1422,
  287,
  202,
  3158,
  622,
  1577,
  182,
  962,
  2127,
  1855,
  1468,
  573,
  2004,
  264,
  383,
  2500,
  1458,
  1727,
  3199,
  2648,
  1017,
  732,
  608,
  1787,
  411,
  3124,
  1758,
  1223,
  652,
  2777,
  1015,
  2036,
  1491,
  3047,
  1785,
  516,
  3321,
  3009,
  2663,
  1711,
  2167,
  126,
  1469,
  2476,
  3239,
  3058,
  830,
  107,
  1908,
  3082,
  2378,
  2931,
  961,
  1821,
  2604,
  448,
  2264,
  677,
  2054,
  2226,
  430,
  555,
  843,
  2078,
  871,
  1550,
  105,
  422,
  587,
  177,
  3094,
  3038,
  2869,
  1574,
  1653,
  3083,
  778,
  1159,
  3182,
  2552,
  1483,
  2727,
  1119,
  1739,
  644,
  2457,
  349,
  418,
  329,
  3173,
  3254,
  817,
  1097,
  603,
  610,
  1322,
  2044,
  1864,
  384,
  2114,
  3193,
  1218,
  1994,
  2455,
  220,
  2142,
  1670,
  2144,
  1799,
  2051,
  794,
  1819,
  2475,
  2459,
  478,
  3221,
  3021,
  996,
  991,
  958,
  1869,
  1522,
  1628
];
var NTT_ZETAS_INV = [
  1701,
  1807,
  1460,
  2371,
  2338,
  2333,
  308,
  108,
  2851,
  870,
  854,
  1510,
  2535,
  1278,
  1530,
  1185,
  1659,
  1187,
  3109,
  874,
  1335,
  2111,
  136,
  1215,
  2945,
  1465,
  1285,
  2007,
  2719,
  2726,
  2232,
  2512,
  75,
  156,
  3e3,
  2911,
  2980,
  872,
  2685,
  1590,
  2210,
  602,
  1846,
  777,
  147,
  2170,
  2551,
  246,
  1676,
  1755,
  460,
  291,
  235,
  3152,
  2742,
  2907,
  3224,
  1779,
  2458,
  1251,
  2486,
  2774,
  2899,
  1103,
  1275,
  2652,
  1065,
  2881,
  725,
  1508,
  2368,
  398,
  951,
  247,
  1421,
  3222,
  2499,
  271,
  90,
  853,
  1860,
  3203,
  1162,
  1618,
  666,
  320,
  8,
  2813,
  1544,
  282,
  1838,
  1293,
  2314,
  552,
  2677,
  2106,
  1571,
  205,
  2918,
  1542,
  2721,
  2597,
  2312,
  681,
  130,
  1602,
  1871,
  829,
  2946,
  3065,
  1325,
  2756,
  1861,
  1474,
  1202,
  2367,
  3147,
  1752,
  2707,
  171,
  3127,
  3042,
  1907,
  1836,
  1517,
  359,
  758,
  1441
];

// node_modules/mlkem/esm/src/sha3/_u64.js
var U32_MASK642 = 0xffffffffn;
var _32n2 = 32n;
function fromBig2(n, le = false) {
  if (le) {
    return { h: Number(n & U32_MASK642), l: Number(n >> _32n2 & U32_MASK642) };
  }
  return {
    h: Number(n >> _32n2 & U32_MASK642) | 0,
    l: Number(n & U32_MASK642) | 0
  };
}
function split2(lst, le = false) {
  const len = lst.length;
  const Ah = new Uint32Array(len);
  const Al = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    const { h, l } = fromBig2(lst[i], le);
    [Ah[i], Al[i]] = [h, l];
  }
  return [Ah, Al];
}
var rotlSH2 = (h, l, s) => h << s | l >>> 32 - s;
var rotlSL2 = (h, l, s) => l << s | h >>> 32 - s;
var rotlBH2 = (h, l, s) => l << s - 32 | h >>> 64 - s;
var rotlBL2 = (h, l, s) => h << s - 32 | l >>> 64 - s;

// node_modules/mlkem/esm/src/sha3/utils.js
function isBytes2(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array";
}
function anumber2(n, title = "") {
  if (!Number.isSafeInteger(n) || n < 0) {
    const prefix = title && `"${title}" `;
    throw new Error(`${prefix}expected integer >0, got ${n}`);
  }
}
function abytes2(value, length, title = "") {
  const bytes = isBytes2(value);
  const len = value?.length;
  const needsLen = length !== void 0;
  if (!bytes || needsLen && len !== length) {
    const prefix = title && `"${title}" `;
    const ofLen = needsLen ? ` of length ${length}` : "";
    const got = bytes ? `length=${len}` : `type=${typeof value}`;
    throw new Error(prefix + "expected Uint8Array" + ofLen + ", got " + got);
  }
  return value;
}
function aexists2(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("Hash instance has been destroyed");
  if (checkFinished && instance.finished) {
    throw new Error("Hash#digest() has already been called");
  }
}
function aoutput2(out, instance) {
  abytes2(out, void 0, "digestInto() output");
  const min = instance.outputLen;
  if (out.length < min) {
    throw new Error('"digestInto() output" expected to be of length >=' + min);
  }
}
function u323(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean2(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
var isLE2 = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
function byteSwap(word) {
  return word << 24 & 4278190080 | word << 8 & 16711680 | word >>> 8 & 65280 | word >>> 24 & 255;
}
function byteSwap32(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap(arr[i]);
  }
  return arr;
}
var swap32IfBE2 = isLE2 ? (u) => u : byteSwap32;
function createHasher2(hashCons, info = {}) {
  const hashC = (msg, opts) => hashCons(opts).update(msg).digest();
  const tmp = hashCons(void 0);
  hashC.outputLen = tmp.outputLen;
  hashC.blockLen = tmp.blockLen;
  hashC.create = (opts) => hashCons(opts);
  Object.assign(hashC, info);
  return Object.freeze(hashC);
}
var oidNist2 = (suffix) => ({
  oid: Uint8Array.from([
    6,
    9,
    96,
    134,
    72,
    1,
    101,
    3,
    4,
    2,
    suffix
  ])
});

// node_modules/mlkem/esm/src/sha3/sha3.js
var _0n2 = 0n;
var _1n2 = 1n;
var _2n2 = 2n;
var _7n2 = 7n;
var _256n2 = 256n;
var _0x71n2 = 0x71n;
var SHA3_PI2 = [];
var SHA3_ROTL2 = [];
var _SHA3_IOTA2 = [];
for (let round = 0, R = _1n2, x = 1, y = 0; round < 24; round++) {
  [x, y] = [y, (2 * x + 3 * y) % 5];
  SHA3_PI2.push(2 * (5 * y + x));
  SHA3_ROTL2.push((round + 1) * (round + 2) / 2 % 64);
  let t = _0n2;
  for (let j = 0; j < 7; j++) {
    R = (R << _1n2 ^ (R >> _7n2) * _0x71n2) % _256n2;
    if (R & _2n2)
      t ^= _1n2 << (_1n2 << BigInt(j)) - _1n2;
  }
  _SHA3_IOTA2.push(t);
}
var IOTAS2 = split2(_SHA3_IOTA2, true);
var SHA3_IOTA_H2 = IOTAS2[0];
var SHA3_IOTA_L2 = IOTAS2[1];
var rotlH = (h, l, s) => s > 32 ? rotlBH2(h, l, s) : rotlSH2(h, l, s);
var rotlL = (h, l, s) => s > 32 ? rotlBL2(h, l, s) : rotlSL2(h, l, s);
function keccakP(s, rounds = 24, B) {
  if (!B)
    B = new Uint32Array(10);
  for (let round = 24 - rounds; round < 24; round++) {
    for (let x = 0; x < 10; x++) {
      B[x] = s[x] ^ s[x + 10] ^ s[x + 20] ^ s[x + 30] ^ s[x + 40];
    }
    {
      const Th2 = rotlH(B[2], B[3], 1) ^ B[8];
      const Tl2 = rotlL(B[2], B[3], 1) ^ B[9];
      s[0] ^= Th2;
      s[1] ^= Tl2;
      s[10] ^= Th2;
      s[11] ^= Tl2;
      s[20] ^= Th2;
      s[21] ^= Tl2;
      s[30] ^= Th2;
      s[31] ^= Tl2;
      s[40] ^= Th2;
      s[41] ^= Tl2;
    }
    {
      const Th2 = rotlH(B[4], B[5], 1) ^ B[0];
      const Tl2 = rotlL(B[4], B[5], 1) ^ B[1];
      s[2] ^= Th2;
      s[3] ^= Tl2;
      s[12] ^= Th2;
      s[13] ^= Tl2;
      s[22] ^= Th2;
      s[23] ^= Tl2;
      s[32] ^= Th2;
      s[33] ^= Tl2;
      s[42] ^= Th2;
      s[43] ^= Tl2;
    }
    {
      const Th2 = rotlH(B[6], B[7], 1) ^ B[2];
      const Tl2 = rotlL(B[6], B[7], 1) ^ B[3];
      s[4] ^= Th2;
      s[5] ^= Tl2;
      s[14] ^= Th2;
      s[15] ^= Tl2;
      s[24] ^= Th2;
      s[25] ^= Tl2;
      s[34] ^= Th2;
      s[35] ^= Tl2;
      s[44] ^= Th2;
      s[45] ^= Tl2;
    }
    {
      const Th2 = rotlH(B[8], B[9], 1) ^ B[4];
      const Tl2 = rotlL(B[8], B[9], 1) ^ B[5];
      s[6] ^= Th2;
      s[7] ^= Tl2;
      s[16] ^= Th2;
      s[17] ^= Tl2;
      s[26] ^= Th2;
      s[27] ^= Tl2;
      s[36] ^= Th2;
      s[37] ^= Tl2;
      s[46] ^= Th2;
      s[47] ^= Tl2;
    }
    {
      const Th2 = rotlH(B[0], B[1], 1) ^ B[6];
      const Tl2 = rotlL(B[0], B[1], 1) ^ B[7];
      s[8] ^= Th2;
      s[9] ^= Tl2;
      s[18] ^= Th2;
      s[19] ^= Tl2;
      s[28] ^= Th2;
      s[29] ^= Tl2;
      s[38] ^= Th2;
      s[39] ^= Tl2;
      s[48] ^= Th2;
      s[49] ^= Tl2;
    }
    let curH = s[2];
    let curL = s[3];
    let Th, Tl;
    Th = rotlSH2(curH, curL, 1);
    Tl = rotlSL2(curH, curL, 1);
    curH = s[20];
    curL = s[21];
    s[20] = Th;
    s[21] = Tl;
    Th = rotlSH2(curH, curL, 3);
    Tl = rotlSL2(curH, curL, 3);
    curH = s[14];
    curL = s[15];
    s[14] = Th;
    s[15] = Tl;
    Th = rotlSH2(curH, curL, 6);
    Tl = rotlSL2(curH, curL, 6);
    curH = s[22];
    curL = s[23];
    s[22] = Th;
    s[23] = Tl;
    Th = rotlSH2(curH, curL, 10);
    Tl = rotlSL2(curH, curL, 10);
    curH = s[34];
    curL = s[35];
    s[34] = Th;
    s[35] = Tl;
    Th = rotlSH2(curH, curL, 15);
    Tl = rotlSL2(curH, curL, 15);
    curH = s[36];
    curL = s[37];
    s[36] = Th;
    s[37] = Tl;
    Th = rotlSH2(curH, curL, 21);
    Tl = rotlSL2(curH, curL, 21);
    curH = s[6];
    curL = s[7];
    s[6] = Th;
    s[7] = Tl;
    Th = rotlSH2(curH, curL, 28);
    Tl = rotlSL2(curH, curL, 28);
    curH = s[10];
    curL = s[11];
    s[10] = Th;
    s[11] = Tl;
    Th = rotlBH2(curH, curL, 36);
    Tl = rotlBL2(curH, curL, 36);
    curH = s[32];
    curL = s[33];
    s[32] = Th;
    s[33] = Tl;
    Th = rotlBH2(curH, curL, 45);
    Tl = rotlBL2(curH, curL, 45);
    curH = s[16];
    curL = s[17];
    s[16] = Th;
    s[17] = Tl;
    Th = rotlBH2(curH, curL, 55);
    Tl = rotlBL2(curH, curL, 55);
    curH = s[42];
    curL = s[43];
    s[42] = Th;
    s[43] = Tl;
    Th = rotlSH2(curH, curL, 2);
    Tl = rotlSL2(curH, curL, 2);
    curH = s[48];
    curL = s[49];
    s[48] = Th;
    s[49] = Tl;
    Th = rotlSH2(curH, curL, 14);
    Tl = rotlSL2(curH, curL, 14);
    curH = s[8];
    curL = s[9];
    s[8] = Th;
    s[9] = Tl;
    Th = rotlSH2(curH, curL, 27);
    Tl = rotlSL2(curH, curL, 27);
    curH = s[30];
    curL = s[31];
    s[30] = Th;
    s[31] = Tl;
    Th = rotlBH2(curH, curL, 41);
    Tl = rotlBL2(curH, curL, 41);
    curH = s[46];
    curL = s[47];
    s[46] = Th;
    s[47] = Tl;
    Th = rotlBH2(curH, curL, 56);
    Tl = rotlBL2(curH, curL, 56);
    curH = s[38];
    curL = s[39];
    s[38] = Th;
    s[39] = Tl;
    Th = rotlSH2(curH, curL, 8);
    Tl = rotlSL2(curH, curL, 8);
    curH = s[26];
    curL = s[27];
    s[26] = Th;
    s[27] = Tl;
    Th = rotlSH2(curH, curL, 25);
    Tl = rotlSL2(curH, curL, 25);
    curH = s[24];
    curL = s[25];
    s[24] = Th;
    s[25] = Tl;
    Th = rotlBH2(curH, curL, 43);
    Tl = rotlBL2(curH, curL, 43);
    curH = s[4];
    curL = s[5];
    s[4] = Th;
    s[5] = Tl;
    Th = rotlBH2(curH, curL, 62);
    Tl = rotlBL2(curH, curL, 62);
    curH = s[40];
    curL = s[41];
    s[40] = Th;
    s[41] = Tl;
    Th = rotlSH2(curH, curL, 18);
    Tl = rotlSL2(curH, curL, 18);
    curH = s[28];
    curL = s[29];
    s[28] = Th;
    s[29] = Tl;
    Th = rotlBH2(curH, curL, 39);
    Tl = rotlBL2(curH, curL, 39);
    curH = s[44];
    curL = s[45];
    s[44] = Th;
    s[45] = Tl;
    Th = rotlBH2(curH, curL, 61);
    Tl = rotlBL2(curH, curL, 61);
    curH = s[18];
    curL = s[19];
    s[18] = Th;
    s[19] = Tl;
    Th = rotlSH2(curH, curL, 20);
    Tl = rotlSL2(curH, curL, 20);
    curH = s[12];
    curL = s[13];
    s[12] = Th;
    s[13] = Tl;
    Th = rotlBH2(curH, curL, 44);
    Tl = rotlBL2(curH, curL, 44);
    s[2] = Th;
    s[3] = Tl;
    for (let y = 0; y < 50; y += 10) {
      B[0] = s[y];
      B[1] = s[y + 1];
      B[2] = s[y + 2];
      B[3] = s[y + 3];
      B[4] = s[y + 4];
      B[5] = s[y + 5];
      B[6] = s[y + 6];
      B[7] = s[y + 7];
      B[8] = s[y + 8];
      B[9] = s[y + 9];
      s[y + 0] ^= ~B[2] & B[4];
      s[y + 1] ^= ~B[3] & B[5];
      s[y + 2] ^= ~B[4] & B[6];
      s[y + 3] ^= ~B[5] & B[7];
      s[y + 4] ^= ~B[6] & B[8];
      s[y + 5] ^= ~B[7] & B[9];
      s[y + 6] ^= ~B[8] & B[0];
      s[y + 7] ^= ~B[9] & B[1];
      s[y + 8] ^= ~B[0] & B[2];
      s[y + 9] ^= ~B[1] & B[3];
    }
    s[0] ^= SHA3_IOTA_H2[round];
    s[1] ^= SHA3_IOTA_L2[round];
  }
}
var Keccak = class _Keccak {
  // NOTE: we accept arguments in bytes instead of bits here.
  constructor(blockLen, suffix, outputLen, enableXOF = false, rounds = 24) {
    Object.defineProperty(this, "state", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "pos", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "posOut", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "finished", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "state32", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "destroyed", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "_B", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint32Array(10)
    });
    Object.defineProperty(this, "blockLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "suffix", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "outputLen", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "enableXOF", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "rounds", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this.blockLen = blockLen;
    this.suffix = suffix;
    this.outputLen = outputLen;
    this.enableXOF = enableXOF;
    this.rounds = rounds;
    anumber2(outputLen, "outputLen");
    if (!(0 < blockLen && blockLen < 200)) {
      throw new Error("only keccak-f1600 function is supported");
    }
    this.state = new Uint8Array(200);
    this.state32 = u323(this.state);
  }
  clone() {
    return this._cloneInto();
  }
  /** Resets instance to initial (empty) state for reuse. */
  reset() {
    this.state.fill(0);
    this.pos = 0;
    this.posOut = 0;
    this.finished = false;
    this.destroyed = false;
  }
  keccak() {
    swap32IfBE2(this.state32);
    keccakP(this.state32, this.rounds, this._B);
    swap32IfBE2(this.state32);
    this.posOut = 0;
    this.pos = 0;
  }
  update(data) {
    aexists2(this);
    abytes2(data);
    return this.updateUnsafe(data);
  }
  /** Like update(), but skips validation. Caller must ensure valid state and input. */
  updateUnsafe(data) {
    const { blockLen, state } = this;
    const len = data.length;
    for (let pos = 0; pos < len; ) {
      const take = Math.min(blockLen - this.pos, len - pos);
      for (let i = 0; i < take; i++)
        state[this.pos++] ^= data[pos++];
      if (this.pos === blockLen)
        this.keccak();
    }
    return this;
  }
  finish() {
    if (this.finished)
      return;
    this.finished = true;
    const { state, suffix, pos, blockLen } = this;
    state[pos] ^= suffix;
    if ((suffix & 128) !== 0 && pos === blockLen - 1)
      this.keccak();
    state[blockLen - 1] ^= 128;
    this.keccak();
  }
  writeInto(out) {
    aexists2(this, false);
    abytes2(out);
    return this.writeIntoUnsafe(out);
  }
  /** Like writeInto(), but skips validation. Caller must ensure valid state and output. */
  writeIntoUnsafe(out) {
    this.finish();
    const bufferOut = this.state;
    const { blockLen } = this;
    for (let pos = 0, len = out.length; pos < len; ) {
      if (this.posOut >= blockLen)
        this.keccak();
      const take = Math.min(blockLen - this.posOut, len - pos);
      out.set(bufferOut.subarray(this.posOut, this.posOut + take), pos);
      this.posOut += take;
      pos += take;
    }
    return out;
  }
  xofInto(out) {
    if (!this.enableXOF) {
      throw new Error("XOF is not possible for this instance");
    }
    return this.writeInto(out);
  }
  xof(bytes) {
    anumber2(bytes);
    return this.xofInto(new Uint8Array(bytes));
  }
  digestInto(out) {
    aoutput2(out, this);
    if (this.finished)
      throw new Error("digest() was already called");
    this.writeInto(out);
    this.destroy();
    return out;
  }
  digest() {
    return this.digestInto(new Uint8Array(this.outputLen));
  }
  destroy() {
    this.destroyed = true;
    clean2(this.state);
  }
  _cloneInto(to) {
    const { blockLen, suffix, outputLen, rounds, enableXOF } = this;
    to ||= new _Keccak(blockLen, suffix, outputLen, enableXOF, rounds);
    to.state32.set(this.state32);
    to.pos = this.pos;
    to.posOut = this.posOut;
    to.finished = this.finished;
    to.rounds = rounds;
    to.suffix = suffix;
    to.outputLen = outputLen;
    to.enableXOF = enableXOF;
    to.destroyed = this.destroyed;
    return to;
  }
};
var genKeccak = (suffix, blockLen, outputLen, info = {}) => createHasher2(() => new Keccak(blockLen, suffix, outputLen), info);
var sha3_2562 = /* @__PURE__ */ genKeccak(
  6,
  136,
  32,
  /* @__PURE__ */ oidNist2(8)
);
var genShake = (suffix, blockLen, outputLen, info = {}) => createHasher2((opts = {}) => new Keccak(blockLen, suffix, opts.dkLen === void 0 ? outputLen : opts.dkLen, true), info);
var shake2562 = /* @__PURE__ */ genShake(31, 136, 32, /* @__PURE__ */ oidNist2(12));

// node_modules/mlkem/esm/_dnt.shims.js
var dntGlobals2 = {};
var dntGlobalThis2 = createMergeProxy2(globalThis, dntGlobals2);
function createMergeProxy2(baseObj, extObj) {
  return new Proxy(baseObj, {
    get(_target, prop, _receiver) {
      if (prop in extObj) {
        return extObj[prop];
      } else {
        return baseObj[prop];
      }
    },
    set(_target, prop, value) {
      if (prop in extObj) {
        delete extObj[prop];
      }
      baseObj[prop] = value;
      return true;
    },
    deleteProperty(_target, prop) {
      let success = false;
      if (prop in extObj) {
        delete extObj[prop];
        success = true;
      }
      if (prop in baseObj) {
        delete baseObj[prop];
        success = true;
      }
      return success;
    },
    ownKeys(_target) {
      const baseKeys = Reflect.ownKeys(baseObj);
      const extKeys = Reflect.ownKeys(extObj);
      const extKeysSet = new Set(extKeys);
      return [...baseKeys.filter((k) => !extKeysSet.has(k)), ...extKeys];
    },
    defineProperty(_target, prop, desc) {
      if (prop in extObj) {
        delete extObj[prop];
      }
      Reflect.defineProperty(baseObj, prop, desc);
      return true;
    },
    getOwnPropertyDescriptor(_target, prop) {
      if (prop in extObj) {
        return Reflect.getOwnPropertyDescriptor(extObj, prop);
      } else {
        return Reflect.getOwnPropertyDescriptor(baseObj, prop);
      }
    },
    has(_target, prop) {
      return prop in extObj || prop in baseObj;
    }
  });
}

// node_modules/mlkem/esm/src/utils.js
function byte(n) {
  return n & 255;
}
function int16(n) {
  return n << 16 >> 16;
}
function uint16(n) {
  return n & 65535;
}
function constantTimeCompare(x, y) {
  if (x.length != y.length) {
    return 0;
  }
  let v = 0;
  for (let i = 0; i < x.length; i++) {
    v |= x[i] ^ y[i];
  }
  let z = ~v & 255;
  z &= z >> 4;
  z &= z >> 2;
  z &= z >> 1;
  return z & 1;
}
function equalUint8Array(x, y) {
  if (x.length != y.length) {
    return false;
  }
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      return false;
    }
  }
  return true;
}
async function loadCrypto2() {
  if (typeof dntGlobalThis2 !== "undefined" && globalThis.crypto !== void 0) {
    return globalThis.crypto;
  }
  try {
    const { webcrypto } = await import("crypto");
    return webcrypto;
  } catch (_e) {
    throw new Error("failed to load Crypto");
  }
}
function byteopsLoad32(x, o = 0) {
  return (x[o] | x[o + 1] << 8 | x[o + 2] << 16 | x[o + 3] << 24) >>> 0;
}

// node_modules/mlkem/esm/src/mlKemBase.js
var MlKemBase = class {
  /**
   * Creates a new instance of the MlKemBase class.
   */
  constructor() {
    Object.defineProperty(this, "_api", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_k", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_du", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_dv", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_eta1", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_eta2", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_skSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_pkSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_compressedUSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_compressedVSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 0
    });
    Object.defineProperty(this, "_poolG", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_poolH", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_poolKdf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_poolXof", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_poolPrf1", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_poolPrf2", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_bufG", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(64)
    });
    Object.defineProperty(this, "_bufH", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(32)
    });
    Object.defineProperty(this, "_bufKdf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(32)
    });
    Object.defineProperty(this, "_bufXof", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(672)
    });
    Object.defineProperty(this, "_bufPrf1", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_bufPrf2", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_nonceBuf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(1)
    });
    Object.defineProperty(this, "_xofSeed", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: new Uint8Array(34)
    });
    Object.defineProperty(this, "_kBuf", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_matrixA", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_noiseVecs", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_polyVec", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_bufPkCheck", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_bufCt", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
  }
  _initPool() {
    this._poolG = new Keccak(72, 6, 64);
    this._poolH = new Keccak(136, 6, 32);
    this._poolKdf = new Keccak(136, 31, 32, true);
    this._poolXof = new Keccak(168, 31, 672, true);
    const prf1Len = this._eta1 * N / 4;
    this._poolPrf1 = new Keccak(136, 31, prf1Len, true);
    this._bufPrf1 = new Uint8Array(prf1Len);
    const prf2Len = this._eta2 * N / 4;
    this._poolPrf2 = new Keccak(136, 31, prf2Len, true);
    this._bufPrf2 = new Uint8Array(prf2Len);
    this._kBuf = new Uint8Array([this._k]);
    this._matrixA = new Array(this._k);
    for (let i = 0; i < this._k; i++) {
      this._matrixA[i] = new Array(this._k);
      for (let j = 0; j < this._k; j++) {
        this._matrixA[i][j] = new Int16Array(N);
      }
    }
    const maxNoise = 2 * this._k + 1;
    this._noiseVecs = new Array(maxNoise);
    for (let i = 0; i < maxNoise; i++) {
      this._noiseVecs[i] = new Int16Array(N);
    }
    this._polyVec = new Array(this._k);
    for (let i = 0; i < this._k; i++) {
      this._polyVec[i] = new Int16Array(N);
    }
    this._bufPkCheck = new Uint8Array(384 * this._k);
    this._bufCt = new Uint8Array(this._compressedUSize + this._compressedVSize);
  }
  _zeroPool() {
    this._bufG.fill(0);
    this._bufH.fill(0);
    this._bufKdf.fill(0);
    this._bufXof.fill(0);
    this._bufPrf1.fill(0);
    this._bufPrf2.fill(0);
    this._nonceBuf[0] = 0;
    this._xofSeed.fill(0);
    for (let i = 0; i < this._k; i++) {
      for (let j = 0; j < this._k; j++) {
        this._matrixA[i][j].fill(0);
      }
    }
    for (let i = 0; i < this._noiseVecs.length; i++) {
      this._noiseVecs[i].fill(0);
    }
    for (let i = 0; i < this._k; i++) {
      this._polyVec[i].fill(0);
    }
    this._bufPkCheck.fill(0);
    this._bufCt.fill(0);
    this._poolG.reset();
    this._poolH.reset();
    this._poolKdf.reset();
    this._poolXof.reset();
    this._poolPrf1.reset();
    this._poolPrf2.reset();
  }
  // Serialize polynomial into byte buffer at offset (eliminates intermediate Uint8Array(384))
  _polyToBytes(out, outOffset, a) {
    let t0, t1;
    for (let i = 0; i < N / 2; i++) {
      t0 = a[2 * i] - Q;
      t0 += t0 >> 31 & Q;
      t1 = a[2 * i + 1] - Q;
      t1 += t1 >> 31 & Q;
      out[outOffset + 3 * i + 0] = byte(t0);
      out[outOffset + 3 * i + 1] = byte(t0 >> 8) | byte(t1 << 4);
      out[outOffset + 3 * i + 2] = byte(t1 >> 4);
    }
  }
  // Deserialize bytes into polynomial (eliminates intermediate Int16Array(N))
  _polyFromBytes(out, a, aOffset) {
    for (let i = 0; i < N / 2; i++) {
      out[2 * i] = int16((uint16(a[aOffset + 3 * i + 0]) >> 0 | uint16(a[aOffset + 3 * i + 1]) << 8) & 4095);
      out[2 * i + 1] = int16((uint16(a[aOffset + 3 * i + 1]) >> 4 | uint16(a[aOffset + 3 * i + 2]) << 4) & 4095);
    }
  }
  // Hash G: SHA3-512
  _g(a, b) {
    this._poolG.reset();
    this._poolG.updateUnsafe(a);
    if (b !== void 0)
      this._poolG.updateUnsafe(b);
    this._poolG.writeIntoUnsafe(this._bufG);
    return [this._bufG.subarray(0, 32), this._bufG.subarray(32, 64)];
  }
  // Hash H: SHA3-256
  _h(msg) {
    this._poolH.reset();
    this._poolH.updateUnsafe(msg).writeIntoUnsafe(this._bufH);
    return this._bufH;
  }
  // KDF: SHAKE256(dkLen=32)
  _kdf(a, b) {
    this._poolKdf.reset();
    this._poolKdf.updateUnsafe(a);
    if (b !== void 0)
      this._poolKdf.updateUnsafe(b);
    this._poolKdf.writeIntoUnsafe(this._bufKdf);
    return this._bufKdf;
  }
  // XOF: SHAKE128(dkLen=672)
  _xof(seed) {
    this._poolXof.reset();
    this._poolXof.updateUnsafe(seed).writeIntoUnsafe(this._bufXof);
    return this._bufXof;
  }
  // PRF for eta1 noise sampling: SHAKE256(dkLen=eta1*N/4)
  _prf1(sigma, nonce) {
    this._nonceBuf[0] = nonce;
    this._poolPrf1.reset();
    this._poolPrf1.updateUnsafe(sigma).updateUnsafe(this._nonceBuf).writeIntoUnsafe(this._bufPrf1);
    return this._bufPrf1;
  }
  // PRF for eta2 noise sampling: SHAKE256(dkLen=eta2*N/4)
  _prf2(sigma, nonce) {
    this._nonceBuf[0] = nonce;
    this._poolPrf2.reset();
    this._poolPrf2.updateUnsafe(sigma).updateUnsafe(this._nonceBuf).writeIntoUnsafe(this._bufPrf2);
    return this._bufPrf2;
  }
  _generateKeyPairCore() {
    try {
      const rnd = new Uint8Array(64);
      this._api.getRandomValues(rnd);
      return this._deriveKeyPair(rnd);
    } finally {
      this._zeroPool();
    }
  }
  _deriveKeyPairCore(seed) {
    try {
      if (seed.byteLength !== 64) {
        throw new Error("seed must be 64 bytes in length");
      }
      return this._deriveKeyPair(seed);
    } finally {
      this._zeroPool();
    }
  }
  _encapCore(pk, seed) {
    try {
      if (pk.length !== 384 * this._k + 32) {
        throw new Error("invalid encapsulation key");
      }
      const m = this._getSeed(seed);
      const [k, r] = this._g(m, this._h(pk));
      this._encap(pk, m, r);
      return [this._bufCt.slice(), k.slice()];
    } finally {
      this._zeroPool();
    }
  }
  _decapCore(ct, sk) {
    try {
      if (ct.byteLength !== this._compressedUSize + this._compressedVSize) {
        throw new Error("Invalid ct size");
      }
      if (sk.length !== 768 * this._k + 96) {
        throw new Error("Invalid decapsulation key");
      }
      const sk2 = sk.subarray(0, this._skSize);
      const pk = sk.subarray(this._skSize, this._skSize + this._pkSize);
      const hpk = sk.subarray(this._skSize + this._pkSize, this._skSize + this._pkSize + 32);
      const z = sk.subarray(this._skSize + this._pkSize + 32, this._skSize + this._pkSize + 64);
      const m2 = this._decap(ct, sk2);
      const [k2, r2] = this._g(m2, hpk);
      const kBar = this._kdf(z, ct);
      this._encap(pk, m2, r2);
      return constantTimeCompare(ct, this._bufCt) === 1 ? k2.slice() : kBar.slice();
    } finally {
      this._zeroPool();
    }
  }
  /**
   * Sets up the MlKemBase instance by loading the necessary crypto library.
   * If the crypto library is already loaded, this method does nothing.
   * @returns {Promise<void>} A promise that resolves when the setup is complete.
   */
  async _setup() {
    if (this._api !== void 0) {
      return;
    }
    this._api = await loadCrypto2();
  }
  /**
   * Returns a Uint8Array seed for cryptographic operations.
   * If no seed is provided, a random seed of length 32 bytes is generated.
   * If a seed is provided, it must be exactly 32 bytes in length.
   *
   * @param seed - Optional seed for cryptographic operations.
   * @returns A Uint8Array seed.
   * @throws Error if the provided seed is not 32 bytes in length.
   */
  _getSeed(seed) {
    if (seed == void 0) {
      const s = new Uint8Array(32);
      this._api.getRandomValues(s);
      return s;
    }
    if (seed.byteLength !== 32) {
      throw new Error("seed must be 32 bytes in length");
    }
    return seed;
  }
  /**
   * Derives a key pair from a given seed.
   *
   * @param seed - The seed used for key derivation.
   * @returns An array containing the public key and secret key.
   */
  _deriveKeyPair(seed) {
    const cpaSeed = seed.subarray(0, 32);
    const z = seed.subarray(32, 64);
    const [pk, skBody] = this._deriveCpaKeyPair(cpaSeed);
    const pkh = this._h(pk);
    const sk = new Uint8Array(this._skSize + this._pkSize + 64);
    sk.set(skBody, 0);
    sk.set(pk, this._skSize);
    sk.set(pkh, this._skSize + this._pkSize);
    sk.set(z, this._skSize + this._pkSize + 32);
    return [pk, sk];
  }
  // indcpaKeyGen generates public and private keys for the CPA-secure
  // public-key encryption scheme underlying ML-KEM.
  /**
   * Derives a CPA key pair using the provided CPA seed.
   *
   * @param cpaSeed - The CPA seed used for key derivation.
   * @returns An array containing the public key and private key.
   */
  _deriveCpaKeyPair(cpaSeed) {
    const [publicSeed, noiseSeed] = this._g(cpaSeed, this._kBuf);
    const a = this._sampleMatrix(publicSeed, false);
    const s = this._sampleNoise1(noiseSeed, 0, this._k);
    const e = this._sampleNoise1(noiseSeed, this._k, this._k);
    for (let i = 0; i < this._k; i++) {
      s[i] = ntt(s[i]);
      s[i] = reduce(s[i]);
      e[i] = ntt(e[i]);
    }
    const pk = new Array(this._k);
    for (let i = 0; i < this._k; i++) {
      pk[i] = polyToMont(multiply(a[i], s));
      pk[i] = add2(pk[i], e[i]);
      pk[i] = reduce(pk[i]);
    }
    const pubKey = new Uint8Array(this._pkSize);
    for (let i = 0; i < this._k; i++) {
      this._polyToBytes(pubKey, i * 384, pk[i]);
    }
    pubKey.set(publicSeed, this._skSize);
    const privKey = new Uint8Array(this._skSize);
    for (let i = 0; i < this._k; i++) {
      this._polyToBytes(privKey, i * 384, s[i]);
    }
    return [pubKey, privKey];
  }
  // _encap is the encapsulation function of the CPA-secure
  // public-key encryption scheme underlying ML-KEM.
  /**
   * Encapsulates a message using the ML-KEM encryption scheme.
   *
   * @param pk - The public key.
   * @param msg - The message to be encapsulated.
   * @param seed - The seed used for generating random values.
   * @returns The encapsulated message as a Uint8Array.
   */
  _encap(pk, msg, seed) {
    const tHat = this._polyVec;
    const pkCheck = this._bufPkCheck;
    for (let i = 0; i < this._k; i++) {
      this._polyFromBytes(tHat[i], pk, i * 384);
      this._polyToBytes(pkCheck, i * 384, tHat[i]);
    }
    if (!equalUint8Array(pk.subarray(0, pkCheck.length), pkCheck)) {
      throw new Error("invalid encapsulation key");
    }
    const rho = pk.subarray(this._skSize);
    const a = this._sampleMatrix(rho, true);
    const r = this._sampleNoise1(seed, 0, this._k);
    const e1 = this._sampleNoise2(seed, this._k, this._k);
    const e2 = this._sampleNoise2(seed, this._k * 2, 1)[0];
    for (let i = 0; i < this._k; i++) {
      r[i] = ntt(r[i]);
      r[i] = reduce(r[i]);
    }
    const u = new Array(this._k);
    for (let i = 0; i < this._k; i++) {
      u[i] = multiply(a[i], r);
      u[i] = nttInverse(u[i]);
      u[i] = add2(u[i], e1[i]);
      u[i] = reduce(u[i]);
    }
    const m = polyFromMsg(msg);
    let v = multiply(tHat, r);
    v = nttInverse(v);
    v = add2(v, e2);
    v = add2(v, m);
    v = reduce(v);
    this._compressU(this._bufCt.subarray(0, this._compressedUSize), u);
    this._compressV(this._bufCt.subarray(this._compressedUSize), v);
    return this._bufCt;
  }
  // indcpaDecrypt is the decryption function of the CPA-secure
  // public-key encryption scheme underlying ML-KEM.
  /**
   * Decapsulates the ciphertext using the provided secret key.
   *
   * @param ct - The ciphertext to be decapsulated.
   * @param sk - The secret key used for decapsulation.
   * @returns The decapsulated message as a Uint8Array.
   */
  _decap(ct, sk) {
    const u = this._decompressU(ct.subarray(0, this._compressedUSize));
    const v = this._decompressV(ct.subarray(this._compressedUSize));
    const privateKeyPolyvec = this._polyvecFromBytes(sk);
    for (let i = 0; i < this._k; i++) {
      u[i] = ntt(u[i]);
    }
    let mp = multiply(privateKeyPolyvec, u);
    mp = nttInverse(mp);
    mp = subtract(v, mp);
    mp = reduce(mp);
    return polyToMsg(mp);
  }
  // generateMatrixA deterministically generates a matrix `A` (or the transpose of `A`)
  // from a seed. Entries of the matrix are polynomials that look uniformly random.
  // Performs rejection sampling on the output of an extendable-output function (XOF).
  /**
   * Generates a sample matrix based on the provided seed and transposition flag.
   *
   * @param seed - The seed used for generating the matrix.
   * @param transposed - A flag indicating whether the matrix should be transposed or not.
   * @returns The generated sample matrix.
   */
  _sampleMatrix(seed, transposed) {
    const a = this._matrixA;
    this._xofSeed.set(seed);
    for (let ctr = 0, i = 0; i < this._k; i++) {
      for (let j = 0; j < this._k; j++) {
        if (transposed) {
          this._xofSeed[seed.length] = i;
          this._xofSeed[seed.length + 1] = j;
        } else {
          this._xofSeed[seed.length] = j;
          this._xofSeed[seed.length + 1] = i;
        }
        const output = this._xof(this._xofSeed);
        ctr = indcpaRejUniform(a[i][j], 0, output.subarray(0, 504), 504, N);
        while (ctr < N) {
          const outputn = output.subarray(504, 672);
          ctr += indcpaRejUniform(a[i][j], ctr, outputn, 168, N - ctr);
        }
      }
    }
    return a;
  }
  /**
   * Generates a 2D array of noise samples.
   *
   * @param sigma - The noise parameter.
   * @param offset - The offset value.
   * @param size - The size of the array.
   * @returns The generated 2D array of noise samples.
   */
  _sampleNoise1(sigma, offset, size) {
    const r = new Array(size);
    for (let i = 0; i < size; i++) {
      r[i] = this._noiseVecs[offset + i];
      byteopsCbd(r[i], this._prf1(sigma, offset + i), this._eta1);
    }
    return r;
  }
  /**
   * Generates a 2-dimensional array of noise samples.
   *
   * @param sigma - The noise parameter.
   * @param offset - The offset value.
   * @param size - The size of the array.
   * @returns The generated 2-dimensional array of noise samples.
   */
  _sampleNoise2(sigma, offset, size) {
    const r = new Array(size);
    for (let i = 0; i < size; i++) {
      r[i] = this._noiseVecs[offset + i];
      byteopsCbd(r[i], this._prf2(sigma, offset + i), this._eta2);
    }
    return r;
  }
  // polyvecFromBytes deserializes a vector of polynomials.
  /**
   * Converts a Uint8Array to a 2D array of numbers representing a polynomial vector.
   * Each element in the resulting array represents a polynomial.
   * @param a The Uint8Array to convert.
   * @returns The 2D array of numbers representing the polynomial vector.
   */
  _polyvecFromBytes(a) {
    const r = this._polyVec;
    for (let i = 0; i < this._k; i++) {
      this._polyFromBytes(r[i], a, i * 384);
    }
    return r;
  }
  // compressU lossily compresses and serializes a vector of polynomials.
  /**
   * Compresses the given array of coefficients into a Uint8Array.
   *
   * @param r - The output Uint8Array.
   * @param u - The array of coefficients.
   * @returns The compressed Uint8Array.
   */
  _compressU(r, u) {
    const t = new Array(4);
    for (let rr = 0, i = 0; i < this._k; i++) {
      for (let j = 0; j < N / 4; j++) {
        for (let k = 0; k < 4; k++) {
          t[k] = ((u[i][4 * j + k] << 10) + Q / 2) / Q & 1023;
        }
        r[rr++] = byte(t[0] >> 0);
        r[rr++] = byte(t[0] >> 8 | t[1] << 2);
        r[rr++] = byte(t[1] >> 6 | t[2] << 4);
        r[rr++] = byte(t[2] >> 4 | t[3] << 6);
        r[rr++] = byte(t[3] >> 2);
      }
    }
    return r;
  }
  // compressV lossily compresses and subsequently serializes a polynomial.
  /**
   * Compresses the given array of numbers into a Uint8Array.
   *
   * @param r - The Uint8Array to store the compressed values.
   * @param v - The array of numbers to compress.
   * @returns The compressed Uint8Array.
   */
  _compressV(r, v) {
    const t = new Uint8Array(8);
    for (let rr = 0, i = 0; i < N / 8; i++) {
      for (let j = 0; j < 8; j++) {
        t[j] = byte(((v[8 * i + j] << 4) + Q / 2) / Q) & 15;
      }
      r[rr++] = t[0] | t[1] << 4;
      r[rr++] = t[2] | t[3] << 4;
      r[rr++] = t[4] | t[5] << 4;
      r[rr++] = t[6] | t[7] << 4;
    }
    return r;
  }
  // decompressU de-serializes and decompresses a vector of polynomials and
  // represents the approximate inverse of compress1. Since compression is lossy,
  // the results of decompression will may not match the original vector of polynomials.
  /**
   * Decompresses a Uint8Array into a two-dimensional array of numbers.
   *
   * @param a The Uint8Array to decompress.
   * @returns The decompressed two-dimensional array.
   */
  _decompressU(a) {
    const r = new Array(this._k);
    for (let i = 0; i < this._k; i++) {
      r[i] = new Int16Array(N);
    }
    const t = new Array(4);
    for (let aa = 0, i = 0; i < this._k; i++) {
      for (let j = 0; j < N / 4; j++) {
        t[0] = uint16(a[aa + 0]) >> 0 | uint16(a[aa + 1]) << 8;
        t[1] = uint16(a[aa + 1]) >> 2 | uint16(a[aa + 2]) << 6;
        t[2] = uint16(a[aa + 2]) >> 4 | uint16(a[aa + 3]) << 4;
        t[3] = uint16(a[aa + 3]) >> 6 | uint16(a[aa + 4]) << 2;
        aa = aa + 5;
        for (let k = 0; k < 4; k++) {
          r[i][4 * j + k] = int16((t[k] & 1023) * Q + 512 >> 10);
        }
      }
    }
    return r;
  }
  // decompressV de-serializes and subsequently decompresses a polynomial,
  // representing the approximate inverse of compress2.
  // Note that compression is lossy, and thus decompression will not match the
  // original input.
  /**
   * Decompresses a Uint8Array into an array of numbers.
   *
   * @param a - The Uint8Array to decompress.
   * @returns An array of numbers.
   */
  _decompressV(a) {
    const r = new Int16Array(N);
    for (let aa = 0, i = 0; i < N / 2; i++, aa++) {
      r[2 * i + 0] = int16((a[aa] & 15) * Q + 8 >> 4);
      r[2 * i + 1] = int16((a[aa] >> 4) * Q + 8 >> 4);
    }
    return r;
  }
};
function polyToMsg(a) {
  const msg = new Uint8Array(32);
  let t, v;
  for (let i = 0; i < N / 8; i++) {
    for (let j = 0; j < 8; j++) {
      v = a[8 * i + j] - Q;
      v += v >> 31 & Q;
      t = ((uint16(v) << 1) + uint16(Q / 2)) / uint16(Q) & 1;
      msg[i] |= byte(t << j);
    }
  }
  return msg;
}
function polyFromMsg(msg) {
  const r = new Int16Array(N);
  let mask;
  for (let i = 0; i < N / 8; i++) {
    for (let j = 0; j < 8; j++) {
      mask = -1 * int16(msg[i] >> j & 1);
      r[8 * i + j] = mask & int16((Q + 1) / 2);
    }
  }
  return r;
}
function indcpaRejUniform(out, outOffset, buf2, bufl, len) {
  let ctr = 0;
  let val0, val1;
  for (let pos = 0; ctr < len && pos + 3 <= bufl; ) {
    val0 = (uint16(buf2[pos] >> 0) | uint16(buf2[pos + 1]) << 8) & 4095;
    val1 = (uint16(buf2[pos + 1] >> 4) | uint16(buf2[pos + 2]) << 4) & 4095;
    pos = pos + 3;
    if (val0 < Q) {
      out[outOffset + ctr] = val0;
      ctr = ctr + 1;
    }
    if (ctr < len && val1 < Q) {
      out[outOffset + ctr] = val1;
      ctr = ctr + 1;
    }
  }
  return ctr;
}
function byteopsCbd(out, buf2, eta) {
  let t, d;
  let a, b;
  for (let i = 0; i < N / 8; i++) {
    t = byteopsLoad32(buf2, 4 * i);
    d = t & 1431655765;
    d = d + (t >> 1 & 1431655765);
    for (let j = 0; j < 8; j++) {
      a = int16(d >> 4 * j + 0 & 3);
      b = int16(d >> 4 * j + eta & 3);
      out[8 * i + j] = a - b;
    }
  }
}
function ntt(r) {
  for (let j = 0, k = 1, l = 128; l >= 2; l >>= 1) {
    for (let start = 0; start < 256; start = j + l) {
      const zeta = NTT_ZETAS[k];
      k = k + 1;
      for (j = start; j < start + l; j++) {
        const t = nttFqMul(zeta, r[j + l]);
        r[j + l] = r[j] - t;
        r[j] = r[j] + t;
      }
    }
  }
  return r;
}
function nttFqMul(a, b) {
  const ab = a * b;
  const u = Math.imul(ab, Q_INV) << 16 >> 16;
  return ab - u * Q >> 16;
}
function reduce(r) {
  for (let i = 0; i < N; i++) {
    r[i] = barrett(r[i]);
  }
  return r;
}
var BARRETT_V = ((1 << 24) + Q / 2) / Q;
function barrett(a) {
  let t = BARRETT_V * a >> 24;
  t = t * Q;
  return a - t;
}
function polyToMont(r) {
  const f = 1353;
  for (let i = 0; i < N; i++) {
    const a = r[i] * f;
    const u = Math.imul(a, Q_INV) << 16 >> 16;
    r[i] = a - u * Q >> 16;
  }
  return r;
}
function multiply(a, b) {
  let r = polyBaseMulMontgomery(a[0], b[0]);
  let t;
  for (let i = 1; i < a.length; i++) {
    t = polyBaseMulMontgomery(a[i], b[i]);
    r = add2(r, t);
  }
  return reduce(r);
}
function polyBaseMulMontgomery(a, b) {
  for (let i = 0; i < N / 4; i++) {
    const idx = 4 * i;
    const a0 = a[idx], a1 = a[idx + 1], a2 = a[idx + 2], a3 = a[idx + 3];
    const b0 = b[idx], b1 = b[idx + 1], b2 = b[idx + 2], b3 = b[idx + 3];
    const zeta = NTT_ZETAS[64 + i];
    a[idx] = nttFqMul(nttFqMul(a1, b1), zeta) + nttFqMul(a0, b0);
    a[idx + 1] = nttFqMul(a0, b1) + nttFqMul(a1, b0);
    a[idx + 2] = nttFqMul(nttFqMul(a3, b3), -zeta) + nttFqMul(a2, b2);
    a[idx + 3] = nttFqMul(a2, b3) + nttFqMul(a3, b2);
  }
  return a;
}
function add2(a, b) {
  for (let i = 0; i < N; i++) {
    a[i] += b[i];
  }
  return a;
}
function subtract(a, b) {
  for (let i = 0; i < N; i++) {
    a[i] -= b[i];
  }
  return a;
}
function nttInverse(r) {
  let j = 0;
  for (let k = 0, l = 2; l <= 128; l <<= 1) {
    for (let start = 0; start < 256; start = j + l) {
      const zeta = NTT_ZETAS_INV[k];
      k = k + 1;
      for (j = start; j < start + l; j++) {
        const t = r[j];
        r[j] = barrett(t + r[j + l]);
        r[j + l] = t - r[j + l];
        r[j + l] = nttFqMul(zeta, r[j + l]);
      }
    }
  }
  for (j = 0; j < 256; j++) {
    r[j] = nttFqMul(r[j], NTT_ZETAS_INV[127]);
  }
  return r;
}

// node_modules/mlkem/esm/src/mlKem768.js
var MlKem768 = class extends MlKemBase {
  constructor() {
    super();
    Object.defineProperty(this, "_k", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 3
    });
    Object.defineProperty(this, "_du", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 10
    });
    Object.defineProperty(this, "_dv", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 4
    });
    Object.defineProperty(this, "_eta1", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 2
    });
    Object.defineProperty(this, "_eta2", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 2
    });
    this._skSize = 12 * this._k * N / 8;
    this._pkSize = this._skSize + 32;
    this._compressedUSize = this._k * this._du * N / 8;
    this._compressedVSize = this._dv * N / 8;
    this._initPool();
  }
  /**
   * Generates a keypair [publicKey, privateKey].
   *
   * If an error occurred, throws {@link MlKemError}.
   *
   * @returns A kaypair [publicKey, privateKey].
   * @throws {@link MlKemError}
   */
  async generateKeyPair() {
    await this._setup();
    try {
      return this._generateKeyPairCore();
    } catch (e) {
      throw new MlKemError(e);
    }
  }
  /**
   * Derives a keypair [publicKey, privateKey] deterministically from a 64-octet seed.
   *
   * If an error occurred, throws {@link MlKemError}.
   *
   * @param seed A 64-octet seed for the deterministic key generation.
   * @returns A kaypair [publicKey, privateKey].
   * @throws {@link MlKemError}
   */
  async deriveKeyPair(seed) {
    await this._setup();
    try {
      return this._deriveKeyPairCore(seed);
    } catch (e) {
      throw new MlKemError(e);
    }
  }
  /**
   * Generates a shared secret from the encapsulated ciphertext and the private key.
   *
   * If an error occurred, throws {@link MlKemError}.
   *
   * @param pk A public key.
   * @param seed An optional 32-octet seed for the deterministic shared secret generation.
   * @returns A ciphertext (encapsulated public key) and a shared secret.
   * @throws {@link MlKemError}
   */
  async encap(pk, seed) {
    await this._setup();
    try {
      return this._encapCore(pk, seed);
    } catch (e) {
      throw new MlKemError(e);
    }
  }
  /**
   * Generates a ciphertext for the public key and a shared secret.
   *
   * If an error occurred, throws {@link MlKemError}.
   *
   * @param ct A ciphertext generated by {@link encap}.
   * @param sk A private key.
   * @returns A shared secret.
   * @throws {@link MlKemError}
   */
  async decap(ct, sk) {
    await this._setup();
    try {
      return this._decapCore(ct, sk);
    } catch (e) {
      throw new MlKemError(e);
    }
  }
};

// node_modules/@hpke/dhkem-x25519/esm/src/primitives/x25519.js
var _1n3 = 1n;
var _2n3 = 2n;
var _3n = 3n;
var _5n = 5n;
var ed25519_CURVE_p = 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffedn;
function ed25519_pow_2_252_3(x) {
  const _10n = 10n;
  const _20n = 20n;
  const _40n = 40n;
  const _80n = 80n;
  const P = ed25519_CURVE_p;
  const x2 = x * x % P;
  const b2 = x2 * x % P;
  const b4 = pow2(b2, _2n3, P) * b2 % P;
  const b5 = pow2(b4, _1n3, P) * x % P;
  const b10 = pow2(b5, _5n, P) * b5 % P;
  const b20 = pow2(b10, _10n, P) * b10 % P;
  const b40 = pow2(b20, _20n, P) * b20 % P;
  const b80 = pow2(b40, _40n, P) * b40 % P;
  const b160 = pow2(b80, _80n, P) * b80 % P;
  const b240 = pow2(b160, _80n, P) * b80 % P;
  const b250 = pow2(b240, _10n, P) * b10 % P;
  const pow_p_5_8 = pow2(b250, _2n3, P) * x % P;
  return { pow_p_5_8, b2 };
}
function adjustScalarBytes(bytes) {
  bytes[0] &= 248;
  bytes[31] &= 127;
  bytes[31] |= 64;
  return bytes;
}
var x25519 = /* @__PURE__ */ (() => {
  const P = ed25519_CURVE_p;
  return montgomery({
    P,
    type: "x25519",
    powPminus2: (x) => {
      const { pow_p_5_8, b2 } = ed25519_pow_2_252_3(x);
      return mod(pow2(pow_p_5_8, _3n, P) * b2, P);
    },
    adjustScalarBytes
  });
})();

// node_modules/@hpke/dhkem-x25519/esm/src/hkdfSha256.js
var HkdfSha2562 = class extends HkdfSha256Native {
  async extract(salt, ikm) {
    await this._setup();
    const saltBuf = salt.byteLength === 0 ? new ArrayBuffer(this.hashSize) : toArrayBuffer(salt);
    const ikmBuf = toArrayBuffer(ikm);
    if (saltBuf.byteLength !== this.hashSize) {
      return hmac(sha256, new Uint8Array(saltBuf), new Uint8Array(ikmBuf)).buffer;
    }
    const key = await this._api.importKey("raw", saltBuf, this.algHash, false, [
      "sign"
    ]);
    return await this._api.sign("HMAC", key, ikmBuf);
  }
};

// node_modules/@hpke/dhkem-x25519/esm/src/dhkemX25519.js
var X255192 = class extends XCurveDhkemPrimitives {
  constructor(hkdf2) {
    super("X25519", 32, x25519, hkdf2);
  }
  derive(sk, pk) {
    try {
      return Promise.resolve(this._curve.getSharedSecret(sk, pk));
    } catch (e) {
      return Promise.reject(new SerializeError(e));
    }
  }
};

// node_modules/@hpke/hybridkem-x-wing/esm/src/xWing.js
var ALG_NAME = "X-Wing";
var X25519_BASE = new Uint8Array([
  9,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0
]);
var XWING_LABEL = new Uint8Array([92, 46, 47, 47, 94, 92]);
function combiner(ssM, ssX, ctX, pkX) {
  const ret = new Uint8Array(ssM.length + ssX.length + ctX.length + pkX.length + XWING_LABEL.length);
  ret.set(ssM, 0);
  ret.set(ssX, ssM.length);
  ret.set(ctX, ssM.length + ssX.length);
  ret.set(pkX, ssM.length + ssX.length + ctX.length);
  ret.set(XWING_LABEL, ssM.length + ssX.length + ctX.length + pkX.length);
  return sha3_2562.create().update(ret).digest();
}
var XWing = class {
  constructor() {
    Object.defineProperty(this, "id", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: KemId.XWing
    });
    Object.defineProperty(this, "name", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: ALG_NAME
    });
    Object.defineProperty(this, "secretSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 32
    });
    Object.defineProperty(this, "encSize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 1120
    });
    Object.defineProperty(this, "publicKeySize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 1216
    });
    Object.defineProperty(this, "privateKeySize", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: 32
    });
    Object.defineProperty(this, "auth", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: false
    });
    Object.defineProperty(this, "_m", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_x25519", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    Object.defineProperty(this, "_api", {
      enumerable: true,
      configurable: true,
      writable: true,
      value: void 0
    });
    this._m = new MlKem768();
    this._x25519 = new X255192(new HkdfSha2562());
  }
  async serializePublicKey(key) {
    await this._setup();
    try {
      return await this._serializePublicKey(key);
    } catch (e) {
      throw new SerializeError(e);
    }
  }
  async deserializePublicKey(key) {
    await this._setup();
    try {
      return await this._deserializePublicKey(toArrayBuffer(key));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  async serializePrivateKey(key) {
    await this._setup();
    try {
      return await this._serializePrivateKey(key);
    } catch (e) {
      throw new SerializeError(e);
    }
  }
  async deserializePrivateKey(key) {
    await this._setup();
    try {
      return await this._deserializePrivateKey(toArrayBuffer(key));
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  /**
   * Generates a new key pair.
   *
   * @returns {Promise<CryptoKeyPair>} A promise that resolves with a new key pair.
   */
  async generateKeyPair() {
    await this._setup();
    const sk = new Uint8Array(32);
    try {
      this._api.getRandomValues(sk);
    } catch (e) {
      throw new NotSupportedError(e);
    }
    try {
      const [_sk, pk] = await this._generateKeyPairDerand(sk);
      const dSk = await this.deserializePrivateKey(sk.buffer);
      const dPk = await this.deserializePublicKey(pk.buffer);
      return { privateKey: dSk, publicKey: dPk };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }
  /**
   * Generates a key pair from the secret key.
   * @param sk The secret key.
   * @returns {Promise<CryptoKeyPair>} A promise that resolves with a new key pair.
   * @throws {InvalidParamError} Thrown if the length of the secret key is not 32 bytes.
   * @throws {DeriveKeyPairError} Thrown if the key pair cannot be derived.
   */
  async generateKeyPairDerand(sk) {
    if (sk.byteLength !== 32) {
      throw new InvalidParamError("Invalid length of sk");
    }
    try {
      const [_sk, pk] = await this._generateKeyPairDerand(sk);
      const dSk = await this.deserializePrivateKey(sk.buffer);
      const dPk = await this.deserializePublicKey(pk.buffer);
      return { privateKey: dSk, publicKey: dPk };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }
  /**
   * Derives a key pair from the input keying material.
   *
   * @param {ArrayBuffer} ikm The input keying material.
   * @returns {Promise<CryptoKeyPair>} A promise that resolves with a new key pair.
   * @throws {DeriveKeyPairError} Thrown if the key pair cannot be derived.
   * @throws {InvalidParamError} Thrown if the length of the IKM is not 32 bytes.
   */
  async deriveKeyPair(ikm) {
    await this._setup();
    try {
      const rawIkm = toArrayBuffer(ikm);
      const sk = shake2562.create({ dkLen: 32 }).update(new Uint8Array(rawIkm)).digest();
      const [_sk, pk] = await this._generateKeyPairDerand(sk);
      const dSk = await this.deserializePrivateKey(sk.buffer);
      const dPk = await this.deserializePublicKey(pk.buffer);
      return { privateKey: dSk, publicKey: dPk };
    } catch (e) {
      throw new DeriveKeyPairError(e);
    }
  }
  /**
   * Imports a key from the input.
   * @param format The format of the key. "raw" or "jwk" can be specified.
   * @param key The key to import. If the format is "raw", the key must be an ArrayBuffer. If the format is "jwk", the key must be a JsonWebKey.
   * @param isPublic A boolean indicating whether the key is public or not. The default is true.
   * @returns {Promise<CryptoKey>} A promise that resolves with the imported key.
   * @throws {DeserializeError} Thrown if the key cannot be imported.
   */
  async importKey(format, key, isPublic = true) {
    await this._setup();
    try {
      let ret;
      if (format === "jwk") {
        if (key instanceof ArrayBuffer || key instanceof Uint8Array) {
          throw new Error("Invalid jwk key format");
        }
        ret = await this._importJWK(key, isPublic);
      } else {
        if (key instanceof ArrayBuffer) {
          ret = new Uint8Array(key);
        } else if (key instanceof Uint8Array) {
          ret = key;
        } else {
          throw new Error("Invalid key format");
        }
      }
      if (isPublic && ret.byteLength !== this.publicKeySize) {
        throw new Error("Invalid length of the key");
      }
      if (!isPublic && ret.byteLength !== this.privateKeySize) {
        throw new Error("Invalid length of the key");
      }
      return new XCryptoKey(ALG_NAME, ret, isPublic ? "public" : "private", isPublic ? [] : KEM_USAGES);
    } catch (e) {
      throw new DeserializeError(e);
    }
  }
  /**
   * Encapsulates the shared secret and the `ct` (ciphertext) as `enc`.
   * @param params The parameters for encapsulation.
   * @returns {Promise<{ sharedSecret: ArrayBuffer; enc: ArrayBuffer }>} A promise that resolves with the `ss` (shared secret) as `sharedSecret` and the `ct` (ciphertext) as `enc`.
   * @throws {InvalidParamError} Thrown if the length of the `ekm` is not 64 bytes.
   * @throws {EncapError} Thrown if the shared secret cannot be encapsulated.
   */
  async encap(params) {
    let ekm = void 0;
    if (params.ekm !== void 0 && !isCryptoKeyPair(params.ekm)) {
      ekm = toArrayBuffer(params.ekm);
      if (ekm.byteLength !== 64) {
        throw new InvalidParamError("ekm must be 64 bytes in length");
      }
    }
    await this._setup();
    let ekM = void 0;
    let ekX;
    if (ekm !== void 0) {
      const ek = new Uint8Array(ekm);
      ekM = ek.subarray(0, 32);
      ekX = ek.subarray(32, 64);
    } else {
      ekX = new Uint8Array(32);
      try {
        this._api.getRandomValues(ekX);
      } catch (e) {
        throw new NotSupportedError(e);
      }
    }
    const pk = new Uint8Array(await this.serializePublicKey(params.recipientPublicKey));
    if (pk.byteLength !== 1216) {
      throw new InvalidParamError("Invalid length of recipientPublicKey");
    }
    try {
      const pkM = pk.subarray(0, 1184);
      const pkX = pk.subarray(1184, 1216);
      const ctX = await this._x25519.derive(ekX, X25519_BASE);
      const ssX = await this._x25519.derive(ekX, pkX);
      const [ctM, ssM] = await this._m.encap(pkM, ekM);
      return {
        sharedSecret: combiner(ssM, ssX, ctX, pkX).buffer,
        enc: concat2(ctM, ctX).buffer
      };
    } catch (e) {
      throw new EncapError(e);
    }
  }
  /**
   * Decapsulates the `ss` (shared secret) from the `enc` and the recipient's private key.
   * The `enc` is the same as the `ct` (ciphertext) resulting from `X-Wing::Encapsulate(),
   * which is executed under the `encap()`.
   * @param params The parameters for decapsulation.
   * @returns {Promise<ArrayBuffer>} A promise that resolves with the shared secret.
   * @throws {InvalidParamError} Thrown if the length of the `enc` is not 1120 bytes.
   * @throws {DecapError} Thrown if the shared secret cannot be decapsulated.
   */
  async decap(params) {
    const enc = toArrayBuffer(params.enc);
    const rSk = isCryptoKeyPair(params.recipientKey) ? params.recipientKey.privateKey : params.recipientKey;
    if (enc.byteLength !== 1120) {
      throw new InvalidParamError("Invalid length of enc");
    }
    const sk = new Uint8Array(await this.serializePrivateKey(rSk));
    if (sk.byteLength !== 32) {
      throw new InvalidParamError("Invalid length of recipientKey");
    }
    await this._setup();
    try {
      const [skM, skX, _pkM, pkX] = await this._expandDecapsulationKey(sk);
      const ct = new Uint8Array(enc);
      const ctM = ct.subarray(0, 1088);
      const ctX = ct.subarray(1088);
      const ssM = await this._m.decap(ctM, skM);
      const ssX = await this._x25519.derive(skX, ctX);
      return combiner(ssM, ssX, ctX, pkX).buffer;
    } catch (e) {
      throw new DecapError(e);
    }
  }
  /**
   * Sets up the MlKemBase instance by loading the necessary crypto library.
   * If the crypto library is already loaded, this method does nothing.
   * @returns {Promise<void>} A promise that resolves when the setup is complete.
   */
  async _setup() {
    if (this._api !== void 0) {
      return;
    }
    this._api = await loadCrypto();
  }
  /**
   * Generates a key pair from the secret key.
   * @param sk The secret key.
   * @returns {Promise<[Uint8Array, Uint8Array]>} A promise that resolves with the key pair derived from the secret key.
   */
  async _generateKeyPairDerand(sk) {
    const [_skM, _skX, pkM, pkX] = await this._expandDecapsulationKey(sk);
    return [sk, concat2(pkM, pkX)];
  }
  /**
   * Expands the decapsulation key.
   * @param sk The secret key.
   * @returns {Promise<[Uint8Array, Uint8Array, Uint8Array, Uint8Array]>} A promise that resolves with the keys derived by expanding the secret key.
   */
  async _expandDecapsulationKey(sk) {
    const expanded = shake2562.create({ dkLen: 96 }).update(sk).digest();
    const [pkM, skM] = await this._m.deriveKeyPair(expanded.subarray(0, 64));
    const skX = expanded.subarray(64, 96);
    const pkX = await this._x25519.derive(skX, X25519_BASE);
    return [skM, skX, pkM, pkX];
  }
  _serializePublicKey(k) {
    return new Promise((resolve, reject) => {
      if (k.type !== "public") {
        reject(new Error("Not public key"));
      }
      if (k.algorithm.name !== this.name) {
        reject(new Error(`Invalid algorithm name: ${k.algorithm.name}`));
      }
      if (k.key.byteLength !== this.publicKeySize) {
        reject(new Error(`Invalid key length: ${k.key.byteLength}`));
      }
      resolve(k.key.buffer);
    });
  }
  _deserializePublicKey(k) {
    return new Promise((resolve, reject) => {
      if (k.byteLength !== this.publicKeySize) {
        reject(new Error(`Invalid key length: ${k.byteLength}`));
      }
      resolve(new XCryptoKey(this.name, new Uint8Array(k), "public"));
    });
  }
  _serializePrivateKey(k) {
    return new Promise((resolve, reject) => {
      if (k.type !== "private") {
        reject(new Error("Not private key"));
      }
      if (k.algorithm.name !== this.name) {
        reject(new Error(`Invalid algorithm name: ${k.algorithm.name}`));
      }
      if (k.key.byteLength !== this.privateKeySize) {
        reject(new Error(`Invalid key length: ${k.key.byteLength}`));
      }
      resolve(k.key.buffer);
    });
  }
  _deserializePrivateKey(k) {
    return new Promise((resolve, reject) => {
      if (k.byteLength !== this.privateKeySize) {
        reject(new Error(`Invalid key length: ${k.byteLength}`));
      }
      resolve(new XCryptoKey(this.name, new Uint8Array(k), "private", ["deriveBits"]));
    });
  }
  _importJWK(key, isPublic) {
    return new Promise((resolve, reject) => {
      if (typeof key.kty === "undefined" || key.kty !== "AKP") {
        reject(new Error(`Invalid kty: ${key.kty}`));
      }
      if (typeof key.alg === "undefined" || key.alg !== ALG_NAME) {
        reject(new Error(`Invalid alg: ${key.alg}`));
      }
      if (!isPublic) {
        if (typeof key.priv === "undefined") {
          reject(new Error("Invalid key: `priv` not found"));
        }
        if (typeof key.key_ops !== "undefined" && (key.key_ops.length !== 1 || key.key_ops[0] !== "deriveBits")) {
          reject(new Error("Invalid key: `key_ops` should be ['deriveBits']"));
        }
        resolve(base64UrlToBytes(key.priv));
      }
      if (typeof key.priv !== "undefined") {
        reject(new Error("Invalid key: `priv` should not be set"));
      }
      if (typeof key.pub === "undefined") {
        reject(new Error("Invalid key: `pub` not found"));
      }
      if (typeof key.key_ops !== "undefined" && key.key_ops.length > 0) {
        reject(new Error("Invalid key: `key_ops` should not be set"));
      }
      resolve(base64UrlToBytes(key.pub));
    });
  }
};

// sdk/src/e2ee/kem.ts
var KEM_PUBLIC_KEY_LEN = 1216;
var KEM_ENC_LEN = 1120;
var HPKE_TAG_LEN = 16;
var suiteOnce = null;
function hpke() {
  if (!suiteOnce) {
    const kem = new XWing();
    suiteOnce = { kem, suite: new CipherSuite({ kem, kdf: new HkdfSha256(), aead: new Chacha20Poly1305() }) };
  }
  return suiteOnce;
}
var backend = null;
function setKemBackend(b) {
  backend = b;
}
var KemKey = class _KemKey {
  constructor(publicKey, privateKey, remote = null) {
    this.publicKey = publicKey;
    this.#privateKey = privateKey;
    this.#remote = remote;
  }
  publicKey;
  #privateKey;
  #remote;
  /** @internal */
  static async fromPair(kp) {
    return new _KemKey(new Uint8Array(await hpke().kem.serializePublicKey(kp.publicKey)), kp.privateKey);
  }
  /** @internal A key whose private half another thread holds. */
  static remote(publicKey, b, handle) {
    return new _KemKey(publicKey, null, { backend: b, handle });
  }
  /** Opens what hpkeSeal sealed to this key (enc || ciphertext || tag); throws E2eeError 'key_package_open'. */
  async open(info, sealed) {
    if (sealed.length < KEM_ENC_LEN + HPKE_TAG_LEN) throw new E2eeError("key_package_open", "HPKE message too short");
    try {
      if (this.#remote) return await this.#remote.backend.open(this.#remote.handle, info, sealed);
      return await openLocal(this.#privateKey, info, sealed);
    } catch {
      throw new E2eeError("key_package_open", "HPKE does not open");
    }
  }
  toString() {
    return "KemKey{X-Wing}";
  }
};
async function openLocal(privateKey, info, sealed) {
  const pt = await hpke().suite.open(
    { recipientKey: privateKey, enc: sealed.subarray(0, KEM_ENC_LEN), info: buf(info) },
    sealed.subarray(KEM_ENC_LEN)
  );
  return new Uint8Array(pt);
}
async function generateKemKey() {
  if (backend) {
    const b = backend;
    const { publicKey, handle } = await b.generate();
    return KemKey.remote(publicKey, b, handle);
  }
  return KemKey.fromPair(await hpke().kem.generateKeyPair());
}
async function isKemPublicKey(b) {
  if (b.length !== KEM_PUBLIC_KEY_LEN) return false;
  if (backend) return backend.isPublicKey(b);
  return isKemPublicKeyLocal(b);
}
async function isKemPublicKeyLocal(b) {
  if (b.length !== KEM_PUBLIC_KEY_LEN) return false;
  try {
    await hpke().kem.deserializePublicKey(buf(b));
    return true;
  } catch {
    return false;
  }
}
async function hpkeSeal(recipient, info, plaintext) {
  if (recipient.length !== KEM_PUBLIC_KEY_LEN) throw new E2eeError("invalid", `KEM public key is ${KEM_PUBLIC_KEY_LEN} bytes`);
  if (backend) return backend.seal(recipient, info, plaintext);
  return hpkeSealLocal(recipient, info, plaintext);
}
async function hpkeSealLocal(recipient, info, plaintext) {
  const { kem, suite } = hpke();
  const pk = await kem.deserializePublicKey(buf(recipient));
  const { enc, ct } = await suite.seal({ recipientPublicKey: pk, info: buf(info) }, buf(plaintext));
  const out = new Uint8Array(enc.byteLength + ct.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ct), enc.byteLength);
  return out;
}

// sdk/src/e2ee/announce.ts
var ANNOUNCE_LABEL = "conclave e2ee announce v1";
function signedMessage(room, identity, identityKey, kemKey) {
  return concat(lp(ANNOUNCE_LABEL), lp(room), lp(identity), identityKey, kemKey);
}
async function announce(id, room, identity, kem) {
  const identityKey = id.publicKey.slice();
  const kemKey = kem.publicKey.slice();
  const signature = await id.sign(signedMessage(room, identity, identityKey, kemKey));
  return { identityKey, kemKey, signature };
}
function checkAnnouncementSizes(a) {
  if (a.identityKey.length !== IDENTITY_KEY_LEN) throw new E2eeError("announcement", `identity key is ${a.identityKey.length} bytes`);
  if (a.kemKey.length !== KEM_PUBLIC_KEY_LEN) throw new E2eeError("announcement", `KEM key is ${a.kemKey.length} bytes`);
  if (a.signature.length !== SIGNATURE_LEN) throw new E2eeError("announcement", `signature is ${a.signature.length} bytes`);
}
async function verifyAnnouncement(a, room, identity) {
  checkAnnouncementSizes(a);
  if (!await verifySignature(a.identityKey, signedMessage(room, identity, a.identityKey, a.kemKey), a.signature)) {
    throw new E2eeError("announcement_signature", "announcement signature does not verify");
  }
  if (!await isKemPublicKey(a.kemKey)) throw new E2eeError("announcement", "KEM key does not parse");
}
function announcementToJSON(a) {
  return { identity_key: toBase64(a.identityKey), kem_key: toBase64(a.kemKey), signature: toBase64(a.signature) };
}
function announcementFromJSON(j) {
  if (!j || typeof j !== "object") return null;
  const o = j;
  if (typeof o.identity_key !== "string" || typeof o.kem_key !== "string" || typeof o.signature !== "string") return null;
  const identityKey = fromBase64(o.identity_key);
  const kemKey = fromBase64(o.kem_key);
  const signature = fromBase64(o.signature);
  if (!identityKey || !kemKey || !signature) return null;
  return { identityKey, kemKey, signature };
}

// sdk/src/e2ee/keys.ts
var SUITE = AES_128_GCM_SHA256_128;
var SENDER_KEY_LEN = 32;
var MAX_STEP = 255;
var MAX_EPOCH = 4294967295;
var RATCHET_LABEL = utf8("conclave e2ee ratchet v1");
var MEDIA_LABEL = utf8("conclave e2ee media v1");
var DATA_LABEL = utf8("conclave e2ee data v1");
function keyId(epoch, step) {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) throw new E2eeError("invalid", `epoch ${epoch} out of range`);
  if (!Number.isInteger(step) || step < 0 || step > MAX_STEP) throw new E2eeError("invalid", `step ${step} out of range`);
  return epoch * 256 + step;
}
function splitKeyId(kid) {
  const k = typeof kid === "bigint" ? kid : Number.isSafeInteger(kid) && kid >= 0 ? BigInt(kid) : -1n;
  const epoch = k >> 8n;
  if (epoch < 1n || epoch > BigInt(MAX_EPOCH)) return null;
  return { epoch: Number(epoch), step: Number(k & 0xffn) };
}
function newEpochKey() {
  return randomBytes(SENDER_KEY_LEN);
}
function ratchet(key) {
  return hkdf("SHA-256", key, RATCHET_LABEL, SENDER_KEY_LEN);
}
function mediaBaseKey(key) {
  return hkdf("SHA-256", key, MEDIA_LABEL, SENDER_KEY_LEN);
}
function dataBaseKey(key) {
  return hkdf("SHA-256", key, DATA_LABEL, SENDER_KEY_LEN);
}
async function mediaKey(key, kid) {
  return newKey(SUITE, kid, await mediaBaseKey(key));
}
async function dataKey(key, kid) {
  return newKey(SUITE, kid, await dataBaseKey(key));
}

// sdk/src/e2ee/keypackage.ts
var VERSION = 1;
var TYPE_KEY_PACKAGE = 1;
var TYPE_ACK = 2;
var TYPE_SEALED_DATA = 3;
var KEY_PACKAGE_LEN = 2 + 8 + KEM_ENC_LEN + SENDER_KEY_LEN + HPKE_TAG_LEN + SIGNATURE_LEN;
var ACK_LEN = 2 + 8;
var MAX_MESSAGE_LEN = 2048;
var KEY_INFO_LABEL = "conclave e2ee key v1";
var KEY_SIGNATURE_LABEL = "conclave e2ee key package v1";
function keyInfo(room, sender, recipient, kid) {
  return concat(lp(KEY_INFO_LABEL), lp(room), lp(sender), lp(recipient), u64(kid));
}
function signedMessage2(room, sender, recipient, unsigned) {
  return concat(lp(KEY_SIGNATURE_LABEL), lp(room), lp(sender), lp(recipient), unsigned);
}
async function sealKeyPackage(id, room, sender, recipient, recipientKem, kid, key) {
  if (!splitKeyId(kid)) throw new E2eeError("invalid", `KID ${kid} has no epoch`);
  if (key.length !== SENDER_KEY_LEN) throw new E2eeError("invalid", `sender key is ${key.length} bytes, want ${SENDER_KEY_LEN}`);
  const sealed = await hpkeSeal(recipientKem, keyInfo(room, sender, recipient, kid), key);
  const unsigned = concat(new Uint8Array([VERSION, TYPE_KEY_PACKAGE]), u64(kid), sealed);
  return concat(unsigned, await id.sign(signedMessage2(room, sender, recipient, unsigned)));
}
function parseKeyPackage(pkg) {
  if (pkg.length !== KEY_PACKAGE_LEN) throw new E2eeError("key_package", `${pkg.length} bytes, want ${KEY_PACKAGE_LEN}`);
  if (pkg[0] !== VERSION || pkg[1] !== TYPE_KEY_PACKAGE) throw new E2eeError("key_package", `version ${pkg[0]} type ${pkg[1]}`);
  return parseKid(pkg);
}
function parseKid(b) {
  const kid = readU64(b, 2);
  if (!splitKeyId(kid)) throw new E2eeError("key_package", `KID ${kid} has no epoch`);
  return Number(kid);
}
async function openKeyPackage(kem, senderIdentityKey, room, sender, recipient, pkg) {
  const kid = parseKeyPackage(pkg);
  const unsigned = pkg.subarray(0, KEY_PACKAGE_LEN - SIGNATURE_LEN);
  const signature = pkg.subarray(KEY_PACKAGE_LEN - SIGNATURE_LEN);
  if (!await verifySignature(senderIdentityKey, signedMessage2(room, sender, recipient, unsigned), signature)) {
    throw new E2eeError("key_package_signature", "key package signature does not verify");
  }
  const key = await kem.open(keyInfo(room, sender, recipient, kid), unsigned.subarray(10));
  if (key.length !== SENDER_KEY_LEN) throw new E2eeError("key_package_open", "sender key length");
  return { kid, key };
}
function encodeAck(kid) {
  return concat(new Uint8Array([VERSION, TYPE_ACK]), u64(kid));
}
function parseAck(ack) {
  if (ack.length !== ACK_LEN) throw new E2eeError("key_package", `acknowledgement is ${ack.length} bytes, want ${ACK_LEN}`);
  if (ack[0] !== VERSION || ack[1] !== TYPE_ACK) throw new E2eeError("key_package", `version ${ack[0]} type ${ack[1]}`);
  return parseKid(ack);
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

// sdk/src/e2ee/data.ts
var MAX_SEALED_DATA_LEN = 15 * 1024;
var TAG_LEN2 = 16;
var MIN_SEALED_LEN = 2 + 1 + TAG_LEN2 + SIGNATURE_LEN;
var DATA_METADATA_LABEL = "conclave e2ee data v1";
var DATA_SIGNATURE_LABEL = "conclave e2ee data signature v1";
function metadata(room, sender, topic) {
  return concat(lp(DATA_METADATA_LABEL), lp(room), lp(sender), lp(topic));
}
function signedMessage3(room, sender, topic, unsigned) {
  return concat(lp(DATA_SIGNATURE_LABEL), lp(room), lp(sender), lp(topic), unsigned);
}
async function sealDataMessage(id, k, ctr, room, sender, topic, payload) {
  const unsigned = await k.seal(BigInt(ctr), metadata(room, sender, topic), payload, new Uint8Array([VERSION, TYPE_SEALED_DATA]));
  if (unsigned.length + SIGNATURE_LEN > MAX_SEALED_DATA_LEN) {
    throw new E2eeError("too_large", `sealed message of ${unsigned.length + SIGNATURE_LEN} bytes, limit ${MAX_SEALED_DATA_LEN}`);
  }
  return concat(unsigned, await id.sign(signedMessage3(room, sender, topic, unsigned)));
}
function parseDataMessage(sealed) {
  if (sealed.length < MIN_SEALED_LEN || sealed.length > MAX_SEALED_DATA_LEN) throw new E2eeError("data_message", `${sealed.length} bytes`);
  if (sealed[0] !== VERSION || sealed[1] !== TYPE_SEALED_DATA) throw new E2eeError("data_message", `version ${sealed[0]} type ${sealed[1]}`);
  const unsigned = sealed.subarray(0, sealed.length - SIGNATURE_LEN);
  let header;
  let n;
  try {
    ({ header, length: n } = parseHeader(unsigned, 2));
  } catch (err) {
    throw new E2eeError("data_message", err instanceof Error ? err.message : "bad SFrame header");
  }
  if (2 + n + TAG_LEN2 > unsigned.length) throw new E2eeError("data_message", "no room for a tag");
  return header;
}
async function verifyDataMessage(identityKey, room, sender, topic, sealed) {
  const unsigned = sealed.subarray(0, sealed.length - SIGNATURE_LEN);
  const signature = sealed.subarray(sealed.length - SIGNATURE_LEN);
  if (!await verifySignature(identityKey, signedMessage3(room, sender, topic, unsigned), signature)) {
    throw new E2eeError("data_signature", "sealed data signature does not verify");
  }
}
async function openVerifiedData(k, room, sender, topic, sealed) {
  const { plaintext } = await k.open(sealed.subarray(0, sealed.length - SIGNATURE_LEN), metadata(room, sender, topic), 2);
  return plaintext;
}

// sdk/src/e2ee/safety.ts
var SAFETY_LABEL = "conclave e2ee safety code v1";
async function safetyCode(room, entries) {
  const encoded = entries.map((e) => concat(lp(e.identity), e.identityKey)).sort(compareBytes);
  const input = concat(lp(SAFETY_LABEL), lp(room), u32(encoded.length), ...encoded);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buf(input)));
  const groups = [];
  for (let i = 0; i < 4; i++) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + digest[5 * i + j];
    groups.push(String(v % 1e5).padStart(5, "0"));
  }
  return groups.join(" ");
}

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

// sdk/src/e2ee/session.ts
var DEFAULT_REKEY_TIMEOUT = 2e3;
async function newSession(cfg) {
  if (!cfg.id || !cfg.kem) throw new E2eeError("invalid", "a session needs an identity and a KEM key");
  return new Session(cfg, await announce(cfg.id, cfg.room, cfg.identity, cfg.kem));
}
var Session = class {
  /** Use newSession. */
  constructor(cfg, ann) {
    this.cfg = cfg;
    this.ann = ann;
    this.now = cfg.now ?? Date.now;
    this.rekeyTimeout = cfg.rekeyTimeout && cfg.rekeyTimeout > 0 ? cfg.rekeyTimeout : DEFAULT_REKEY_TIMEOUT;
  }
  cfg;
  ann;
  now;
  rekeyTimeout;
  self = "";
  // participant id, '' until joined
  memberMap = /* @__PURE__ */ new Map();
  cur = null;
  pending = null;
  nextEpoch = 1;
  // Data keys keep the media window (MAX_STEPS_AHEAD past the highest step
  // installed, opened, or reached by joins), in a ring of their own: with a
  // Worker, the page does not see which media frames open.
  dataKeys = new KeyRing(dataKey);
  frames = new FrameCrypto();
  queue = Promise.resolve();
  counts = {
    framesEncrypted: 0,
    framesDecrypted: 0,
    framesDropped: newDropCounts(),
    dataSealed: 0,
    dataOpened: 0,
    dataDropped: newDropCounts(),
    keyPackagesSent: 0,
    keyPackageErrors: 0,
    switches: 0
  };
  /** The participant's announcement, to send in join. */
  announcement() {
    return this.ann;
  }
  /** Runs fn after every operation called before it. */
  serial(fn) {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {
    });
    return run;
  }
  /**
   * Starts the session once the server has admitted the participant as
   * self, with others already in the room: its key is a fresh epoch,
   * current at once, sent to every member whose announcement verifies.
   * Joined again (after reconnecting) starts over with a new epoch and the
   * members given, keeping the keys of members whose announcement is unchanged.
   */
  joined(self, others) {
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
  start(self, others) {
    let packages = Promise.resolve([]);
    const applied = this.serial(async () => {
      const checked = await Promise.all(others.filter((o) => o.id !== self).map((o) => this.check(o)));
      const old = this.memberMap;
      this.self = self;
      this.memberMap = /* @__PURE__ */ new Map();
      this.pending = null;
      for (const m of checked) {
        const p = old.get(m.member.id);
        if (p && p.error === null && m.error === null && p.member.identity === m.member.identity && sameAnnouncement(p.member.announcement, m.member.announcement)) {
          m.hasKey = p.hasKey;
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
  memberJoined(o) {
    return this.serial(async () => {
      if (this.self === "" || o.id === this.self) return [];
      const m = await this.check(o);
      const out = [];
      if (this.memberMap.has(o.id)) out.push(...await this.leave(o.id));
      this.joinSeen();
      this.memberMap.set(o.id, m);
      if (m.error !== null || !this.cur) return out;
      if (this.cur.step === MAX_STEP || this.pending?.step === MAX_STEP) {
        out.push(...await this.rekey());
        return out;
      }
      for (; ; ) {
        const c = this.cur;
        const p = this.pending;
        const [ck, pk] = await Promise.all([ratchet(c.key), p ? ratchet(p.key) : null]);
        if (this.cur !== c || this.pending !== p) continue;
        const next = { epoch: c.epoch, step: c.step + 1, key: ck };
        this.makeCurrent(next);
        let nextPending = null;
        if (p && pk) {
          p.step++;
          p.key = pk;
          p.awaiting.add(o.id);
          nextPending = { epoch: p.epoch, step: p.step, key: pk };
        }
        out.push(...await this.sendTo(next, [o.id]));
        if (nextPending) out.push(...await this.sendTo(nextPending, [o.id]));
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
  memberLeft(id) {
    return this.serial(() => this.leave(id));
  }
  async leave(id) {
    const m = this.memberMap.get(id);
    if (!m) return [];
    this.memberMap.delete(id);
    this.forget(id);
    if (m.error !== null || !this.cur) return [];
    return this.rekey();
  }
  /** Makes a new epoch the pending key, replacing any pending one but keeping its deadline: one switch per burst of leaves. */
  async rekey() {
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
  newEpoch() {
    if (this.nextEpoch > MAX_EPOCH) return null;
    return { epoch: this.nextEpoch++, step: 0, key: newEpochKey() };
  }
  /** Makes k the sending key, with media and data counters from 0 for its KID. */
  makeCurrent(k) {
    const kid = keyId(k.epoch, k.step);
    const data = dataKey(k.key, kid);
    data.catch(() => {
    });
    this.cur = { ...k, kid, data, nextData: 0 };
    if (this.cfg.onFrameKeys) this.cfg.onFrameKeys({ type: "send", kid, key: k.key.slice() });
    else this.frames.setSendKey(kid, k.key);
  }
  maybeSwitch() {
    if (this.pending && this.pending.awaiting.size === 0) this.switchPending();
  }
  switchPending() {
    const p = this.pending;
    this.pending = null;
    this.makeCurrent({ epoch: p.epoch, step: p.step, key: p.key });
    this.counts.switches++;
  }
  /** Key packages of k for each of ids, in the order of ids; one that cannot be sealed is counted and left out. */
  async sendTo(k, ids) {
    const kid = keyId(k.epoch, k.step);
    const sealed = await Promise.all(
      ids.map(async (id) => {
        const a = this.memberMap.get(id)?.member.announcement;
        try {
          if (!a) throw new E2eeError("unknown_member", id);
          const payload = await sealKeyPackage(this.cfg.id, this.cfg.room, this.self, id, a.kemKey, kid, k.key);
          this.counts.keyPackagesSent++;
          return { to: id, payload };
        } catch {
          this.counts.keyPackageErrors++;
          return null;
        }
      })
    );
    return sealed.filter((o) => o !== null);
  }
  /** The members whose announcement verifies, sorted. */
  verifiedIds() {
    const ids = [];
    for (const [id, m] of this.memberMap) if (m.error === null) ids.push(id);
    return ids.sort();
  }
  async check(o) {
    const m = { member: o, error: null, hasKey: false };
    if (!o.announcement) {
      m.error = "announcement";
      return m;
    }
    try {
      await verifyAnnouncement(o.announcement, this.cfg.room, o.identity);
    } catch (err) {
      m.error = err instanceof E2eeError ? err.code : "announcement";
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
  joinSeen() {
    this.dataKeys.joinSeen();
    this.frames.joinSeen();
    this.cfg.onFrameKeys?.({ type: "join" });
  }
  /** Drops every key of id, here and in the worker. */
  forget(id) {
    this.dataKeys.remove(id);
    this.frames.removeSender(id);
    this.cfg.onFrameKeys?.({ type: "remove", sender: id });
  }
  /** When tick() must be called to switch to the pending key (in the clock's milliseconds), or null if no key is pending. */
  deadline() {
    return this.pending ? this.pending.deadline : null;
  }
  /**
   * Makes the pending key current if its deadline has passed, whoever has
   * not acknowledged it. It returns the messages to send (none today).
   */
  tick() {
    if (this.pending && this.now() >= this.pending.deadline) this.switchPending();
    return [];
  }
  /**
   * Handles an e2ee message from participant from: a key package is
   * verified, opened and installed, and answered with an acknowledgement;
   * an acknowledgement of the pending key may make it current. A message
   * that fails throws (E2eeError) and sends nothing.
   */
  receive(from, payload) {
    if (payload.length > MAX_MESSAGE_LEN) {
      return Promise.reject(new E2eeError("key_package", `${payload.length} bytes, limit ${MAX_MESSAGE_LEN}`));
    }
    if (payload.length < 2 || payload[0] !== VERSION) return Promise.reject(new E2eeError("key_package", "not an e2ee message"));
    return this.serial(async () => {
      if (this.self === "") throw new E2eeError("not_joined", "session has not joined the room");
      const m = this.member(from);
      switch (payload[1]) {
        case TYPE_KEY_PACKAGE: {
          const { kid, key } = await openKeyPackage(this.cfg.kem, m.member.announcement.identityKey, this.cfg.room, from, this.self, payload);
          this.install(from, kid, key);
          m.hasKey = true;
          return [{ to: from, payload: encodeAck(kid) }];
        }
        case TYPE_ACK: {
          const { epoch, step } = splitKeyId(parseAck(payload));
          const p = this.pending;
          if (p && p.epoch === epoch && step <= p.step) {
            p.awaiting.delete(from);
            this.maybeSwitch();
          }
          return [];
        }
      }
      throw new E2eeError("key_package", `type ${payload[1]}`);
    });
  }
  install(from, kid, key) {
    this.dataKeys.install(from, kid, key);
    this.frames.setReceiveKey(from, kid, key);
    this.cfg.onFrameKeys?.({ type: "receive", sender: from, kid, key: key.slice() });
  }
  /** The verified member id, or throws 'unknown_member' or 'unverified'. */
  member(id) {
    const m = this.memberMap.get(id);
    if (!m) throw new E2eeError("unknown_member", "not a member of the room");
    if (m.error !== null) throw new E2eeError("unverified", `announcement: ${m.error}`);
    return m;
  }
  current() {
    if (this.cur) return this.cur;
    if (this.self !== "") throw new E2eeError("epochs_exhausted", "sender epochs exhausted");
    throw new E2eeError("not_joined", "session has not joined the room");
  }
  /** Encrypts a media frame of codec with the current key and the next media counter (not with onFrameKeys set). */
  async encryptFrame(codec, frame) {
    if (this.cfg.onFrameKeys) throw new E2eeError("invalid", "media is encrypted by the FrameCrypto that onFrameKeys feeds");
    this.current();
    const out = await this.frames.encrypt(codec, frame);
    this.counts.framesEncrypted++;
    return out;
  }
  /**
   * Decrypts a media frame of codec from participant sender. A frame that
   * fails in any way throws, is counted in stats(), and must be dropped.
   */
  async decryptFrame(sender, codec, frame) {
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
  async sealData(topic, payload) {
    const k = this.current();
    if (k.nextData > Number.MAX_SAFE_INTEGER) throw new E2eeError("counter_exhausted", `data counter of KID ${k.kid}`);
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
  async openData(sender, topic, sealed) {
    try {
      const { kid } = parseDataMessage(sealed);
      const m = this.member(sender);
      await verifyDataMessage(m.member.announcement.identityKey, this.cfg.room, sender, topic, sealed);
      const k = splitKeyId(kid) ? this.dataKeys.get(sender, Number(kid)) : null;
      if (!k) throw new E2eeError("unknown_kid", `no data key for KID ${kid}`);
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
  safetyCode() {
    const entries = [{ identity: this.cfg.identity, identityKey: this.cfg.id.publicKey }];
    for (const m of this.memberMap.values()) {
      if (m.error === null) entries.push({ identity: m.member.identity, identityKey: m.member.announcement.identityKey });
    }
    return safetyCode(this.cfg.room, entries);
  }
  /** The KID of the key frames are sent with now; 0 before joined. */
  sendingKid() {
    return this.cur ? this.cur.kid : 0;
  }
  /** Whether member id is in the room with an announcement that verifies. */
  verified(id) {
    return this.memberMap.get(id)?.error === null;
  }
  /** The members the session knows, sorted by id. */
  members() {
    return [...this.memberMap.keys()].sort().map((id) => {
      const m = this.memberMap.get(id);
      return { id, identity: m.member.identity, verified: m.error === null, error: m.error, hasKey: m.hasKey };
    });
  }
  /** The session's counters. */
  stats() {
    return { ...this.counts, framesDropped: { ...this.counts.framesDropped }, dataDropped: { ...this.counts.dataDropped } };
  }
};
function sameAnnouncement(a, b) {
  if (!a || !b) return false;
  return equalBytes(a.identityKey, b.identityKey) && equalBytes(a.kemKey, b.kemKey) && equalBytes(a.signature, b.signature);
}

// sdk/src/e2ee-kem.ts
var installed = false;
var refill = () => {
};
function useKemWorker(url) {
  if (installed || typeof Worker !== "function") return;
  installed = true;
  startKemWorker(url);
}
function startKemWorker(url) {
  let worker;
  try {
    worker = new Worker(url, { type: "module", name: "conclave-e2ee-kem" });
  } catch (err) {
    console.warn("conclave: the E2EE key worker could not start; keys are made on the page", err);
    return;
  }
  const pending = /* @__PURE__ */ new Map();
  let next = 1;
  let failed = false;
  const fail = (why) => {
    if (failed) return;
    failed = true;
    console.warn(`conclave: the E2EE key worker failed (${why}); keys are made on the page`);
    setKemBackend(null);
    worker.terminate();
    for (const p of pending.values()) p.reject(new Error("the E2EE key worker failed"));
    pending.clear();
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    fail(ev.message || "error");
  };
  worker.onmessage = (ev) => {
    const r = ev.data;
    const p = pending.get(r?.id);
    if (!p) return;
    pending.delete(r.id);
    if (r.ok) p.resolve(r);
    else p.reject(new Error("HPKE failed"));
  };
  const call = (req) => {
    if (failed) return Promise.reject(new Error("the E2EE key worker failed"));
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    });
  };
  const make = async () => {
    const r = await call({ op: "generate" });
    return { publicKey: r.publicKey, handle: r.handle };
  };
  let spare = null;
  refill = () => {
    if (failed || spare) return;
    spare = make();
    spare.catch(() => {
    });
  };
  refill();
  const first = spare;
  first?.then(async (k) => {
    const info = new TextEncoder().encode("conclave e2ee kem worker self-test");
    const plain = crypto.getRandomValues(new Uint8Array(32));
    const sealed = (await call({ op: "seal", recipient: k.publicKey, info, plaintext: plain })).bytes;
    const opened = (await call({ op: "open", handle: k.handle, info, sealed })).bytes;
    if (opened.length !== plain.length || opened.some((b, i) => b !== plain[i])) fail("self-test: a key package did not open to what was sealed");
  }).catch(() => fail("self-test: a key package could not be sealed or opened"));
  const backend2 = {
    generate() {
      const k = spare ?? make();
      spare = null;
      return k;
    },
    async open(handle, info, sealed) {
      return (await call({ op: "open", handle, info, sealed })).bytes;
    },
    async seal(recipient, info, plaintext) {
      return (await call({ op: "seal", recipient, info, plaintext })).bytes;
    },
    async isPublicKey(key) {
      return (await call({ op: "check", key })).valid === true;
    }
  };
  setKemBackend(backend2);
}
function refillKem() {
  refill();
}
function prewarmKem(sdkModuleUrl) {
  const g = globalThis;
  if (typeof g.RTCRtpScriptTransform !== "function" || typeof g.Worker !== "function" || !g.document) return;
  try {
    useKemWorker(new URL("./e2ee-kem-worker.js", sdkModuleUrl));
  } catch {
  }
}

// sdk/src/e2ee-room.ts
var SEEN_PREFIX = "conclave.e2ee.seen.";
var VERIFIED_PREFIX = "conclave.e2ee.verified.";
function e2eeSupported() {
  const g = globalThis;
  return typeof g.RTCRtpScriptTransform === "function" && typeof g.Worker === "function" && !!g.crypto?.subtle;
}
function tokenClaims(token) {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - part.length % 4) % 4));
    const c = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (ch) => ch.charCodeAt(0))));
    if (typeof c.room !== "string" || typeof c.sub !== "string") return null;
    return { room: c.room, identity: c.sub };
  } catch {
    return null;
  }
}
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}
var RoomE2EE = class _RoomE2EE {
  constructor(host) {
    this.host = host;
  }
  host;
  session = null;
  worker = null;
  active = false;
  ready = Promise.resolve();
  /** Where the identity key is kept, once loaded. */
  identityStorage = "memory";
  timer;
  statsId = 0;
  statsWaiters = /* @__PURE__ */ new Map();
  identities = /* @__PURE__ */ new Map();
  /** Identity and key pairs reported changed on this connection. */
  reported = /* @__PURE__ */ new Set();
  /**
   * Every use of the Session runs in arrival order, one at a time: a chat
   * message that follows its sender's key package waits for the package
   * to be opened, and nothing is sealed before joined is applied.
   */
  queue = Promise.resolve();
  /** Whether this connection's session was ever encrypted: it never goes back to plain. */
  wasActive = false;
  /**
   * Starts loading the identity key and making this session's KEM key and
   * Worker; the announcement is ready when announcement() resolves.
   * workerUrl is where the SDK's e2ee-worker.js is served.
   */
  static start(host, token, workerUrl) {
    const e = new _RoomE2EE(host);
    const claims = tokenClaims(token);
    useKemWorker(new URL("./e2ee-kem-worker.js", workerUrl instanceof URL ? workerUrl : new URL(workerUrl, location.href)));
    e.ready = (async () => {
      if (!claims) throw new TypeError("the join token has no room or sub claim");
      const [id, kem] = await Promise.all([loadIdentity(), generateKemKey().catch(() => generateKemKey())]);
      e.identityStorage = id.storage;
      const worker = new Worker(workerUrl, { type: "module", name: "conclave-e2ee" });
      worker.onmessage = (ev) => e.onWorkerMessage(ev.data);
      e.worker = worker;
      e.session = await newSession({
        room: claims.room,
        identity: claims.identity,
        id,
        kem,
        onFrameKeys: (update) => e.post({ type: "keys", update })
      });
    })();
    e.ready.catch(() => {
    });
    return e;
  }
  /** The announcement for join; rejects if the keys could not be made. */
  async announcement() {
    await this.ready;
    return announcementToJSON(this.session.announcement());
  }
  /** The room requires end-to-end encryption and this session encrypts. */
  get enabled() {
    return this.active;
  }
  /** The Worker every RTCRtpScriptTransform of this session runs in, while active. */
  transformWorker() {
    return this.active ? this.worker : null;
  }
  /** Runs f after everything queued before it. */
  run(f) {
    const p = this.queue.then(f);
    this.queue = p.catch(() => {
    });
    return p;
  }
  /**
   * Whether a joined that says roomE2EE may be applied: a connection that
   * was encrypted never continues in clear, whatever the server says (a
   * server that answers a re-join with a plain room is refused).
   */
  accepts(roomE2EE) {
    return roomE2EE || !this.wasActive;
  }
  /** Applies joined: the room's mode, and the keys for everyone in it. */
  joined(roomE2EE, self, others) {
    this.active = roomE2EE && this.session !== null;
    if (this.active) this.wasActive = true;
    return this.run(async () => {
      this.identities.clear();
      if (this.active) {
        for (const p of others) this.remember(p);
        const j = this.session.start(self.id, others.map(member));
        await j.applied;
        j.packages.then(
          (out) => {
            if (this.active) this.flush(out);
          },
          (err) => console.error("conclave: e2ee", err)
        );
        this.recordSeen(others.map((p) => p.id));
      }
      this.host.changed();
    });
  }
  participantJoined(p) {
    return this.run(async () => {
      if (!this.active) return;
      this.remember(p);
      this.flush(await this.session.memberJoined(member(p)));
      this.recordSeen([p.id]);
      this.host.changed();
    });
  }
  participantLeft(id) {
    return this.run(async () => {
      if (!this.active) return;
      this.identities.delete(id);
      this.flush(await this.session.memberLeft(id));
      this.host.changed();
    });
  }
  /** An e2ee message from another participant: a key package or an acknowledgement. */
  receive(from, payloadB64) {
    return this.run(async () => {
      if (!this.active) return;
      const bytes = fromBase64(payloadB64);
      if (!bytes) return;
      try {
        this.flush(await this.session.receive(from, bytes));
      } catch (err) {
        this.host.error("e2ee_key_package", `a key package from ${from} was refused: ${err.message}`);
      }
      this.host.changed();
    });
  }
  /** Seals an outgoing data payload (active only), after joined is applied. */
  seal(topic, payload) {
    return this.run(() => this.session.sealData(topic, payload));
  }
  /**
   * Opens a received data payload, in arrival order and after any key
   * package that came before it; deliver gets the plaintext, or nothing
   * when it does not open (reported as an error).
   */
  open(from, topic, sealed, deliver) {
    void this.run(async () => {
      try {
        deliver(await this.session.openData(from, topic, sealed));
      } catch (err) {
        this.host.error("data_undecryptable", `a message from ${from} could not be decrypted: ${err.message}`);
      }
    });
  }
  safetyCode() {
    return this.active ? this.session.safetyCode() : Promise.resolve("");
  }
  status(participantId) {
    if (!this.active) return null;
    const m = this.session.members().find((x) => x.id === participantId);
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
      identityKey: id.key
    };
  }
  /**
   * Marks a participant's current identity key verified (after comparing
   * safety codes), and accepts it as the one this browser has seen.
   */
  markVerified(participantId, verified = true) {
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
  async stats() {
    if (!this.active || !this.worker) return null;
    const s = this.session.stats();
    const id = ++this.statsId;
    const fc = await new Promise((resolve) => {
      const t = setTimeout(() => {
        this.statsWaiters.delete(id);
        resolve(null);
      }, 2e3);
      this.statsWaiters.set(id, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      this.post({ type: "stats", id });
    });
    return {
      framesEncrypted: fc?.framesEncrypted ?? 0,
      framesDecrypted: fc?.framesDecrypted ?? 0,
      framesDropped: { ...fc?.framesDropped ?? {} },
      framesEmpty: fc?.framesEmpty ?? 0,
      dataSealed: s.dataSealed,
      dataOpened: s.dataOpened,
      dataDropped: { ...s.dataDropped },
      keyPackagesSent: s.keyPackagesSent,
      switches: s.switches
    };
  }
  /** The key id this session sends with (0 before joined). */
  sendingKid() {
    return this.session?.sendingKid() ?? 0;
  }
  close() {
    clearTimeout(this.timer);
    this.active = false;
    this.worker?.terminate();
    this.worker = null;
    refillKem();
  }
  // ----------------------------------------------------------------------
  /** Notes a participant's identity key, as the server shows it. */
  remember(p) {
    const a = p.e2ee ? announcementFromJSON(p.e2ee) : null;
    if (a) this.identities.set(p.id, { identity: p.identity, key: toHex(a.identityKey) });
  }
  /**
   * The first identity key whose announcement verifies for an identity
   * becomes the one this browser compares later sessions with. A key that
   * fails verification is never remembered.
   */
  recordSeen(ids) {
    const st = storage();
    if (!st) return;
    for (const pid of ids) {
      const id = this.identities.get(pid);
      if (!id || !this.session.verified(pid)) continue;
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
  reportChanged(id) {
    const k = id.identity + " " + id.key;
    if (this.reported.has(k)) return;
    this.reported.add(k);
    this.host.reportIdentityChanged?.(id.identity, toBase64(fromHex(id.key)));
  }
  flush(out) {
    for (const o of out) this.host.send(o.to, toBase64(o.payload));
    this.schedule();
  }
  /** Arms the timer for the Session's next deadline (the switch to a pending key). */
  schedule() {
    clearTimeout(this.timer);
    const d = this.session?.deadline() ?? null;
    if (d === null) return;
    this.timer = setTimeout(() => {
      this.timer = void 0;
      if (this.session) this.flush(this.session.tick());
      this.host.changed();
    }, Math.max(0, d - Date.now()));
  }
  post(m) {
    this.worker?.postMessage(m);
  }
  onWorkerMessage(m) {
    if (m?.type !== "stats") return;
    const w = this.statsWaiters.get(m.id);
    this.statsWaiters.delete(m.id);
    w?.(m.stats);
  }
};
function member(p) {
  return { id: p.id, identity: p.identity, announcement: p.e2ee ? announcementFromJSON(p.e2ee) : null };
}

// sdk/src/emitter.ts
var Emitter = class {
  listeners = /* @__PURE__ */ new Map();
  on(event, fn) {
    if (typeof fn !== "function") throw new TypeError("listener must be a function");
    let set = this.listeners.get(event);
    if (!set) {
      set = /* @__PURE__ */ new Set();
      this.listeners.set(event, set);
    }
    const entry = (...args) => fn(...args);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }
  emit(event, ...args) {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(`conclave: a '${String(event)}' listener threw`, err);
      }
    }
  }
  clear() {
    this.listeners.clear();
  }
};

// sdk/src/messages.ts
var MAX_RETRY_AFTER_S = 86400;
var RETRY_AFTER_CODES = /* @__PURE__ */ new Set(["rate_limited", "too_many_attempts"]);
var ROLES = /* @__PURE__ */ new Set(["host", "moderator", "participant", "viewer"]);
var MODERATION_PERMS = [
  "publish_audio",
  "publish_video",
  "publish_screen",
  "admit",
  "mute_others",
  "remove",
  "ban",
  "lock",
  "end_meeting",
  "change_roles",
  "share_invite"
];
var isObj = (x) => typeof x === "object" && x !== null && !Array.isArray(x);
var isStr = (x) => typeof x === "string";
var isOptStr = (x) => x === void 0 || x === null || typeof x === "string";
var isBool = (x) => typeof x === "boolean";
var isNum = (x) => typeof x === "number" && Number.isFinite(x);
var SOURCES = /* @__PURE__ */ new Set(["camera", "microphone", "screen", "screen_audio"]);
function trackInfo(x) {
  if (!isObj(x) || !isStr(x.id) || x.id === "") return null;
  if (x.kind !== "audio" && x.kind !== "video") return null;
  if (!isStr(x.source) || !SOURCES.has(x.source)) return null;
  if (!isOptStr(x.cid) || !isOptStr(x.name) || !isOptStr(x.mime_type)) return null;
  if (x.muted !== void 0 && !isBool(x.muted)) return null;
  if (x.muted_by_host !== void 0 && !isBool(x.muted_by_host)) return null;
  if (x.e2ee !== void 0 && !isBool(x.e2ee)) return null;
  const t = {
    id: x.id,
    kind: x.kind,
    source: x.source,
    mime_type: x.mime_type ?? "",
    muted: x.muted === true
  };
  if (x.muted_by_host === true) t.muted_by_host = true;
  if (x.e2ee === true) t.e2ee = true;
  if (isStr(x.cid) && x.cid !== "") t.cid = x.cid;
  if (isStr(x.name) && x.name !== "") t.name = x.name;
  return t;
}
function participantInfo(x) {
  if (!isObj(x) || !isStr(x.id) || x.id === "" || !isStr(x.identity)) return null;
  if (!isOptStr(x.name) || !isNum(x.joined_at)) return null;
  const perms = x.permissions;
  if (!isObj(perms)) return null;
  const tracks = [];
  if (x.tracks !== null && x.tracks !== void 0) {
    if (!Array.isArray(x.tracks)) return null;
    for (const raw of x.tracks) {
      const t = trackInfo(raw);
      if (!t) return null;
      tracks.push(t);
    }
  }
  const p = {
    id: x.id,
    identity: x.identity,
    joined_at: x.joined_at,
    permissions: {
      publish: perms.publish === true,
      subscribe: perms.subscribe === true,
      publish_data: perms.publish_data === true
    },
    tracks
  };
  const pm = p.permissions;
  for (const k of MODERATION_PERMS) if (perms[k] === true) pm[k] = true;
  if (x.role !== void 0 && x.role !== null) {
    if (!isStr(x.role) || !ROLES.has(x.role)) return null;
    p.role = x.role;
  }
  if (isStr(x.name) && x.name !== "") p.name = x.name;
  if (x.member !== void 0 && x.member !== null && !isBool(x.member)) return null;
  if (x.member === true) p.member = true;
  if (x.e2ee !== void 0 && x.e2ee !== null) {
    const k = x.e2ee;
    if (!isObj(k) || !isStr(k.identity_key) || !isStr(k.kem_key) || !isStr(k.signature)) return null;
    p.e2ee = { identity_key: k.identity_key, kem_key: k.kem_key, signature: k.signature };
  }
  return p;
}
function participantList(x) {
  if (x === null || x === void 0) return [];
  if (!Array.isArray(x)) return null;
  const out = [];
  for (const raw of x) {
    const p = participantInfo(raw);
    if (!p) return null;
    out.push(p);
  }
  return out;
}
function lobbyGuest(x) {
  if (!isObj(x) || !isStr(x.id) || x.id === "" || !isStr(x.identity) || !isOptStr(x.name) || !isNum(x.since)) return null;
  if (x.invite !== void 0 && x.invite !== null && !isBool(x.invite)) return null;
  if (x.member !== void 0 && x.member !== null && !isBool(x.member)) return null;
  const g = { id: x.id, identity: x.identity, invite: x.invite === true, member: x.member === true, since: x.since * 1e3 };
  if (isStr(x.name) && x.name !== "") g.name = x.name;
  return g;
}
function lobbyList(x) {
  if (x === null || x === void 0) return [];
  if (!Array.isArray(x)) return null;
  const out = [];
  for (const raw of x) {
    const g = lobbyGuest(raw);
    if (!g) return null;
    out.push(g);
  }
  return out;
}
function pcName(x) {
  return x === "publisher" || x === "subscriber";
}
function checkServerMessage(type, data) {
  const d = isObj(data) ? data : {};
  switch (type) {
    case "joined": {
      const participant = participantInfo(d.participant);
      const participants = participantList(d.participants);
      if (!isStr(d.room) || !participant || !participants) return null;
      if (!isOptStr(d.resume_secret) || d.resumed !== void 0 && !isBool(d.resumed)) return null;
      if (d.e2ee !== void 0 && !isBool(d.e2ee)) return null;
      if (d.locked !== void 0 && !isBool(d.locked)) return null;
      if (d.lobby_on !== void 0 && !isBool(d.lobby_on)) return null;
      if (d.ends_at !== void 0 && !isNum(d.ends_at)) return null;
      const lobby = lobbyList(d.lobby);
      if (!lobby) return null;
      const j = { room: d.room, participant, participants, resumed: d.resumed === true, e2ee: d.e2ee === true };
      if (d.locked === true) j.locked = true;
      if (d.lobby_on === true) j.lobby_on = true;
      if (lobby.length > 0) j.lobby = lobby;
      if (isNum(d.ends_at) && d.ends_at > 0) j.ends_at = d.ends_at;
      if (isStr(d.resume_secret) && d.resume_secret !== "") j.resume_secret = d.resume_secret;
      return { type, data: j };
    }
    case "participant_joined":
    case "participant_updated": {
      const participant = participantInfo(d.participant);
      return participant ? { type, data: { participant } } : null;
    }
    case "participant_left":
      if (!isStr(d.participant_id) || !isOptStr(d.reason)) return null;
      return { type, data: { participant_id: d.participant_id, reason: d.reason ?? "left" } };
    case "track_published": {
      const track = trackInfo(d.track);
      if (!isStr(d.participant_id) || !track) return null;
      return { type, data: { participant_id: d.participant_id, track } };
    }
    case "track_unpublished":
      if (!isStr(d.participant_id) || !isStr(d.track_id)) return null;
      return { type, data: { participant_id: d.participant_id, track_id: d.track_id } };
    case "offer":
    case "answer":
      if (!pcName(d.pc) || !isStr(d.sdp) || d.sdp === "") return null;
      return { type, data: { pc: d.pc, sdp: d.sdp } };
    case "candidate": {
      if (!pcName(d.pc) || !isStr(d.candidate)) return null;
      if (!isOptStr(d.sdpMid) || !isOptStr(d.usernameFragment)) return null;
      if (d.sdpMLineIndex !== void 0 && d.sdpMLineIndex !== null && !isNum(d.sdpMLineIndex)) return null;
      const c = { pc: d.pc, candidate: d.candidate };
      if (isStr(d.sdpMid)) c.sdpMid = d.sdpMid;
      if (isNum(d.sdpMLineIndex)) c.sdpMLineIndex = d.sdpMLineIndex;
      if (isStr(d.usernameFragment)) c.usernameFragment = d.usernameFragment;
      return { type, data: c };
    }
    case "mute":
      if (!isStr(d.track_id) || !isBool(d.muted)) return null;
      return { type, data: { track_id: d.track_id, muted: d.muted } };
    case "data": {
      if (!isOptStr(d.from) || !isOptStr(d.topic) || !isStr(d.payload)) return null;
      const m = { payload: d.payload };
      if (isStr(d.from)) m.from = d.from;
      if (isStr(d.topic)) m.topic = d.topic;
      return { type, data: m };
    }
    case "e2ee":
      if (!isStr(d.from) || d.from === "" || !isStr(d.payload)) return null;
      return { type, data: { from: d.from, payload: d.payload } };
    case "leave":
      if (!isOptStr(d.reason)) return null;
      return { type, data: isStr(d.reason) && d.reason !== "" ? { reason: d.reason } : {} };
    case "pong":
      return { type, data: { t: isNum(d.t) ? d.t : 0 } };
    case "role_changed": {
      const participant = participantInfo(d.participant);
      if (!participant || !isOptStr(d.by)) return null;
      return { type, data: { participant, by: isStr(d.by) ? d.by : "" } };
    }
    case "lock_changed":
      if (!isBool(d.locked) || !isOptStr(d.by)) return null;
      return { type, data: { locked: d.locked, by: isStr(d.by) ? d.by : "" } };
    case "lobby_changed":
      if (!isBool(d.on) || !isOptStr(d.by)) return null;
      return { type, data: { on: d.on, by: isStr(d.by) ? d.by : "" } };
    case "meeting_ending":
      if (!isNum(d.ends_at) || !isNum(d.seconds_left)) return null;
      return { type, data: { ends_at: d.ends_at, seconds_left: d.seconds_left } };
    case "lobby":
      if (d.status !== "waiting" && d.status !== "waiting_for_host" || !isNum(d.position)) return null;
      return { type, data: { status: d.status, position: d.position } };
    case "lobby_guest": {
      const guest = lobbyGuest(d.guest);
      return guest ? { type, data: { guest } } : null;
    }
    case "lobby_guest_left":
      if (!isStr(d.id) || d.id === "" || !isStr(d.reason)) return null;
      return { type, data: { id: d.id, reason: d.reason } };
    case "error": {
      if (!isStr(d.code)) return null;
      if (d.max_bitrate !== void 0 && (!isNum(d.max_bitrate) || d.max_bitrate <= 0)) return null;
      if (d.retry_after !== void 0 && (!Number.isInteger(d.retry_after) || d.retry_after < 0 || d.retry_after > MAX_RETRY_AFTER_S || d.retry_after !== 0 && !RETRY_AFTER_CODES.has(d.code))) return null;
      const m = { code: d.code, message: isStr(d.message) ? d.message : "" };
      if (isNum(d.max_bitrate)) m.max_bitrate = d.max_bitrate;
      if (isNum(d.retry_after) && d.retry_after > 0) m.retry_after = d.retry_after;
      return { type, data: m };
    }
    default:
      return "unknown";
  }
}

// sdk/src/signal.ts
var MAX_SERVER_MESSAGE = 1 << 20;
var PING_INTERVAL_MS = 1e4;
var PONG_TIMEOUT_MS = 25e3;
var OPEN_TIMEOUT_MS = 1e4;
var SIMULATED_DROP_CODE = 4e3;
var DEAD_CONNECTION_CODE = 4001;
function signalURL(url) {
  let base;
  if (url === "") {
    if (typeof location === "undefined") throw new TypeError("conclave: url is empty and there is no page origin");
    base = new URL(location.href);
  } else {
    base = new URL(url);
  }
  let proto;
  switch (base.protocol) {
    case "https:":
    case "wss:":
      proto = "wss:";
      break;
    case "http:":
    case "ws:":
      proto = "ws:";
      break;
    default:
      throw new TypeError(`conclave: unsupported URL scheme ${base.protocol}`);
  }
  return `${proto}//${base.host}/v1/signal`;
}
var RECONNECT_GIVE_UP_MS = 3e4;
function backoffDelay(attempt) {
  return Math.min(500 * 2 ** attempt, 5e3);
}
var SignalSocket = class _SignalSocket {
  /** Called for every well-formed server message. */
  onMessage = () => {
  };
  /** Called once when the socket closes without close() having been called. */
  onClose = () => {
  };
  /** Round-trip time of the last application ping, in ms. */
  rtt;
  ws;
  closed = false;
  pingTimer;
  lastPong = Date.now();
  constructor(ws) {
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev);
    ws.onclose = (ev) => this.closedByPeer({ code: ev.code, reason: ev.reason });
    ws.onerror = () => {
    };
  }
  /** Opens a socket; rejects if it cannot be opened within 10 s or the signal aborts. */
  static open(url, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      let ws;
      try {
        ws = new WebSocket(url);
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      const finish = (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        ws.onopen = null;
        ws.onerror = null;
        ws.onclose = null;
        if (err !== void 0) {
          try {
            ws.close();
          } catch {
          }
          reject(err);
        } else {
          const s = new _SignalSocket(ws);
          s.startPing();
          resolve(s);
        }
      };
      const onAbort = () => finish(abortError());
      const timer = setTimeout(() => finish(new Error("network: signaling connection timed out")), OPEN_TIMEOUT_MS);
      signal?.addEventListener("abort", onAbort);
      ws.onopen = () => finish();
      ws.onerror = () => finish(new Error("network: signaling connection failed"));
      ws.onclose = () => finish(new Error("network: signaling connection closed"));
    });
  }
  get isOpen() {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }
  /** Sends one envelope; returns false if the socket is not open. */
  send(type, data) {
    if (!this.isOpen) return false;
    const env = { v: 1, type };
    if (data !== void 0) env.data = data;
    try {
      this.ws.send(JSON.stringify(env));
      return true;
    } catch (err) {
      console.warn("conclave: signaling send failed", err);
      return false;
    }
  }
  /** Closes the socket; onClose is not called. */
  close(code = 1e3, reason = "") {
    if (this.closed) return;
    this.closed = true;
    this.stopPing();
    this.ws.onmessage = null;
    this.ws.onclose = null;
    try {
      this.ws.close(code, reason);
    } catch {
    }
  }
  /** Closes the socket abruptly, as a network drop would; onClose is called. */
  drop(code, reason) {
    if (this.closed) return;
    try {
      this.ws.close(code, reason);
    } catch {
    }
    this.closedByPeer({ code, reason });
  }
  closedByPeer(info) {
    if (this.closed) return;
    this.closed = true;
    this.stopPing();
    this.ws.onmessage = null;
    this.ws.onclose = null;
    try {
      this.onClose(info);
    } catch (err) {
      console.error("conclave: close handler threw", err);
    }
  }
  receive(ev) {
    try {
      if (typeof ev.data !== "string") {
        console.warn("conclave: ignoring a binary signaling message");
        return;
      }
      if (ev.data.length > MAX_SERVER_MESSAGE) {
        console.warn("conclave: ignoring an oversized signaling message");
        return;
      }
      let env;
      try {
        env = JSON.parse(ev.data);
      } catch {
        console.warn("conclave: ignoring a signaling message that is not JSON");
        return;
      }
      if (typeof env !== "object" || env === null || Array.isArray(env)) {
        console.warn("conclave: ignoring a signaling message that is not an envelope");
        return;
      }
      const { v, type, data } = env;
      if (v !== 1) {
        console.warn(`conclave: ignoring a signaling message with version ${String(v)}`);
        return;
      }
      if (typeof type !== "string") {
        console.warn("conclave: ignoring a signaling message without a type");
        return;
      }
      const msg = checkServerMessage(type, data);
      if (msg === "unknown") {
        console.warn(`conclave: ignoring unknown signaling message type "${type}"`);
        return;
      }
      if (msg === null) {
        console.warn(`conclave: ignoring a malformed "${type}" message`);
        return;
      }
      if (msg.type === "pong") {
        this.lastPong = Date.now();
        if (msg.data.t > 0) this.rtt = Math.max(0, Date.now() - msg.data.t);
      }
      this.onMessage(msg);
    } catch (err) {
      console.error("conclave: error while handling a signaling message", err);
    }
  }
  startPing() {
    this.lastPong = Date.now();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastPong > PONG_TIMEOUT_MS) {
        console.warn("conclave: no pong from the server; treating the connection as lost");
        this.drop(DEAD_CONNECTION_CODE, "no pong");
        return;
      }
      this.send("ping", { t: Date.now() });
    }, PING_INTERVAL_MS);
  }
  stopPing() {
    if (this.pingTimer !== void 0) clearInterval(this.pingTimer);
    this.pingTimer = void 0;
  }
};
function abortError() {
  return new DOMException("the operation was aborted", "AbortError");
}

// sdk/src/join.ts
var JOIN_TIMEOUT_MS = 1e4;
async function openAndJoin(host, resume, apply) {
  const signal = host.signal;
  let socket;
  const announcing = host.announcement?.();
  announcing?.catch(() => {
  });
  try {
    socket = await SignalSocket.open(host.wsUrl, host.connecting() ? signal : void 0);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new JoinFailure("network", err.message ?? "cannot reach the server", true);
  }
  let e2ee;
  try {
    e2ee = await announcing;
  } catch (err) {
    console.warn("conclave: end-to-end encryption keys could not be made", err);
  }
  if (host.ended()) {
    socket.close();
    throw new JoinFailure("client_left", "the room was left", false);
  }
  await new Promise((resolve, reject) => {
    let errCode;
    let errMessage = "";
    let errRetryAfter;
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (err) {
        socket.close();
        reject(err);
      } else resolve();
    };
    const onAbort = () => {
      if (host.connecting()) finish(abortError());
    };
    const timer = setTimeout(() => finish(new JoinFailure("timeout", "no answer to join", true)), JOIN_TIMEOUT_MS);
    signal?.addEventListener("abort", onAbort);
    socket.onMessage = (msg) => {
      if (done) return;
      switch (msg.type) {
        case "joined":
          if (host.ended()) {
            finish(new JoinFailure("client_left", "the room was left", false));
            return;
          }
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          host.adopt(socket);
          try {
            apply(msg.data);
          } catch (err) {
            console.error("conclave: applying joined failed", err);
          }
          resolve();
          return;
        case "lobby":
          clearTimeout(timer);
          try {
            host.onLobby?.(msg.data);
          } catch (err) {
            console.error("conclave: the onLobby callback threw", err);
          }
          return;
        case "error":
          errCode = msg.data.code;
          errMessage = msg.data.message;
          errRetryAfter = msg.data.retry_after;
          return;
        case "leave": {
          const code = errCode ?? msg.data.reason ?? "error";
          finish(joinRefused(code, errMessage || `the server refused the join (${code})`, errRetryAfter));
          return;
        }
        default:
          console.warn(`conclave: ignoring "${msg.type}" before joined`);
      }
    };
    socket.onClose = () => {
      const code = errCode ?? "network";
      finish(joinRefused(code, errMessage || "the connection closed during join", errRetryAfter));
    };
    const join = { token: host.token };
    if (resume) join.resume = resume;
    else if (host.password) join.password = host.password;
    if (e2ee) join.e2ee = e2ee;
    if (!socket.send("join", join)) finish(new JoinFailure("network", "could not send join", true));
  });
}

// sdk/src/devices.ts
var DeviceError = class extends Error {
  kind;
  constructor(kind, message, options) {
    super(message, options);
    this.name = "DeviceError";
    this.kind = kind;
  }
};
function toDeviceError(err) {
  if (err instanceof DeviceError) return err;
  const name = err?.name;
  const message = err?.message;
  const text = typeof message === "string" && message !== "" ? message : String(err);
  switch (name) {
    case "NotFoundError":
    case "OverconstrainedError":
    case "DevicesNotFoundError":
      return new DeviceError("not_found", `no matching device: ${text}`, { cause: err });
    case "NotAllowedError":
    case "SecurityError":
    case "PermissionDeniedError":
      return new DeviceError("permission_denied", `permission denied: ${text}`, { cause: err });
    case "NotReadableError":
    case "TrackStartError":
      return new DeviceError("in_use", `device in use or unreadable: ${text}`, { cause: err });
    default:
      return new DeviceError("unknown", text, { cause: err });
  }
}
function mediaDevices() {
  const md = typeof navigator !== "undefined" ? navigator.mediaDevices : void 0;
  if (!md) {
    throw new DeviceError(
      "insecure_context",
      "media devices are unavailable: the page must be served over https (or from localhost)"
    );
  }
  return md;
}
async function listDevices() {
  const md = mediaDevices();
  let all;
  try {
    all = await md.enumerateDevices();
  } catch (err) {
    throw toDeviceError(err);
  }
  return {
    audioinput: all.filter((d) => d.kind === "audioinput"),
    videoinput: all.filter((d) => d.kind === "videoinput"),
    audiooutput: all.filter((d) => d.kind === "audiooutput")
  };
}
function videoConstraints(o = {}) {
  const c = {
    width: { ideal: o.width ?? 1280 },
    height: { ideal: o.height ?? 720 },
    frameRate: { ideal: 30 }
  };
  if (o.deviceId) c.deviceId = { exact: o.deviceId };
  return c;
}
function audioConstraints(o = {}) {
  const c = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (o.deviceId) c.deviceId = { exact: o.deviceId };
  return c;
}
async function getUserMedia(constraints) {
  const md = mediaDevices();
  try {
    return await md.getUserMedia(constraints);
  } catch (err) {
    throw toDeviceError(err);
  }
}
async function getDisplayMedia(constraints) {
  const md = mediaDevices();
  if (typeof md.getDisplayMedia !== "function") {
    throw new DeviceError("not_found", "this browser cannot share the screen");
  }
  try {
    return await md.getDisplayMedia(constraints);
  } catch (err) {
    throw toDeviceError(err);
  }
}
function getLocalMedia(opts) {
  const c = {};
  if (opts.audio) c.audio = audioConstraints(opts.audio === true ? {} : opts.audio);
  if (opts.video) c.video = videoConstraints(opts.video === true ? {} : opts.video);
  if (!c.audio && !c.video) return Promise.reject(new DeviceError("unknown", "getLocalMedia: ask for audio, video or both"));
  return getUserMedia(c);
}

// sdk/src/bitrate.ts
var CAP_MARGIN = 0.9;
var AUDIO_MAX_BITRATE = 4e4;
var AUDIO_MIN_BITRATE = 8e3;
var AUDIO_HEADERS = 16e3;
var VIDEO_HEADER_SHARE = 0.05;
var VIDEO_MIN_BITRATE = 3e4;
function allocate(cap, audioSenders, videoSenders) {
  const budget = Math.floor(cap * CAP_MARGIN);
  let audio = 0;
  if (audioSenders > 0) {
    const share = Math.floor(budget / 4 / audioSenders) - AUDIO_HEADERS;
    audio = Math.min(AUDIO_MAX_BITRATE, Math.max(AUDIO_MIN_BITRATE, share));
  }
  let video = 0;
  if (videoSenders > 0) {
    const left = budget - audioSenders * (audio + AUDIO_HEADERS);
    video = Math.max(VIDEO_MIN_BITRATE, Math.floor(left / videoSenders / (1 + VIDEO_HEADER_SHARE)));
  }
  return { audio, video };
}
function allocateFor(cap, kinds) {
  const audio = kinds.filter((k) => k === "audio").length;
  return allocate(cap, audio, kinds.length - audio);
}
async function capSender(sender, maxBitrate) {
  const params = sender.getParameters();
  const encodings = params.encodings ?? [];
  if (encodings.length === 0) return true;
  const each = Math.max(1, Math.floor(maxBitrate / encodings.length));
  if (encodings.every((e) => e.maxBitrate === each)) return true;
  for (const e of encodings) e.maxBitrate = each;
  try {
    await sender.setParameters(params);
    return true;
  } catch (err) {
    console.warn("conclave: the browser refused a maxBitrate for the bitrate cap", err);
    return false;
  }
}
async function applyCap(cap, senders) {
  const alloc = allocateFor(cap, senders.map((s) => s.kind));
  const done = await Promise.all(senders.map((s) => capSender(s.sender, s.kind === "audio" ? alloc.audio : alloc.video)));
  return done.every(Boolean);
}

// sdk/src/level.ts
var sharedContext;
function audioContext() {
  if (!sharedContext || sharedContext.state === "closed") sharedContext = new AudioContext();
  if (sharedContext.state === "suspended") void sharedContext.resume().catch(() => {
  });
  return sharedContext;
}
var LevelMeter = class {
  source;
  analyser;
  buf;
  track;
  constructor(track) {
    if (!track || track.kind !== "audio") throw new TypeError("LevelMeter needs an audio MediaStreamTrack");
    this.track = track;
    const ctx = audioContext();
    this.source = ctx.createMediaStreamSource(new MediaStream([track]));
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 1024;
    this.analyser.smoothingTimeConstant = 0;
    this.source.connect(this.analyser);
    this.buf = new Float32Array(new ArrayBuffer(this.analyser.fftSize * 4));
  }
  /** The current level, 0 (silence, muted or ended) to 1 (full scale). */
  level() {
    const a = this.analyser;
    if (!a || !this.track.enabled || this.track.readyState === "ended") return 0;
    a.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const s = this.buf[i] ?? 0;
      sum += s * s;
    }
    const rms = Math.sqrt(sum / this.buf.length);
    return Math.min(1, rms);
  }
  close() {
    try {
      this.source?.disconnect();
      this.analyser?.disconnect();
    } catch {
    }
    this.source = null;
    this.analyser = null;
  }
};

// sdk/src/records.ts
function replaceInPlace(target, src) {
  for (const k of Object.keys(target)) if (!(k in src)) delete target[k];
  Object.assign(target, src);
}
function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// sdk/src/transform.ts
var pcExtraConfig = { encodedInsertableStreams: false };
function transformSupported() {
  return typeof globalThis.RTCRtpScriptTransform === "function";
}
function attachTransform(opts, target, options) {
  if (!opts) return;
  if (!transformSupported()) throw new Error("transform_unsupported: this browser has no RTCRtpScriptTransform");
  target.transform = new RTCRtpScriptTransform(opts.worker, { ...options });
}

// sdk/src/local-media.ts
function preferVP8(tr) {
  const caps = RTCRtpSender.getCapabilities?.("video")?.codecs;
  if (!caps || typeof tr.setCodecPreferences !== "function") return;
  const primary = /^video\/(vp9|h264|h265|av1)$/i;
  try {
    tr.setCodecPreferences(caps.filter((c) => !primary.test(c.mimeType)));
  } catch (err) {
    console.warn("conclave: could not restrict the codecs to VP8", err);
  }
}
function sourceFitsKind(source, kind) {
  return kind === "video" ? source === "camera" || source === "screen" : source === "microphone" || source === "screen_audio";
}
var LocalMedia = class {
  constructor(host) {
    this.host = host;
  }
  host;
  locals = /* @__PURE__ */ new Map();
  micMeter = null;
  preferred = {};
  /** The room's bitrate cap once the server said we were above it (0: not limited). */
  maxBitrate = 0;
  /** setParameters calls on one sender must not overlap: they run one after another. */
  capping = Promise.resolve();
  async publishCamera(opts) {
    this.host.assertActive();
    this.assertCanPublish();
    const vopts = { ...opts };
    if (vopts.deviceId === void 0 && this.preferred.videoinput) vopts.deviceId = this.preferred.videoinput;
    const stream = await getUserMedia({ video: videoConstraints(vopts) });
    const track = stream.getVideoTracks()[0];
    if (!track) throw new DeviceError("not_found", "the camera gave no video track");
    try {
      const lt = await this.publishTrack(track, "camera");
      const st = this.locals.get(lt);
      if (st) st.videoOpts = vopts;
      return lt;
    } catch (err) {
      track.stop();
      throw err;
    }
  }
  async publishMicrophone(opts) {
    this.host.assertActive();
    this.assertCanPublish();
    const deviceId = opts.deviceId ?? this.preferred.audioinput;
    const stream = await getUserMedia({ audio: audioConstraints(deviceId ? { deviceId } : {}) });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new DeviceError("not_found", "the microphone gave no audio track");
    try {
      return await this.publishTrack(track, "microphone");
    } catch (err) {
      track.stop();
      throw err;
    }
  }
  async publishScreen() {
    this.host.assertActive();
    this.assertCanPublish();
    let stream;
    try {
      stream = await getDisplayMedia({ video: true, audio: true });
    } catch (err) {
      if (err instanceof DeviceError && err.kind === "unknown") stream = await getDisplayMedia({ video: true });
      else throw err;
    }
    const video = stream.getVideoTracks()[0];
    const audio = stream.getAudioTracks()[0];
    if (!video) {
      for (const t of stream.getTracks()) t.stop();
      throw new DeviceError("not_found", "screen capture gave no video track");
    }
    let lt;
    try {
      lt = await this.publishTrack(video, "screen");
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      throw err;
    }
    if (audio) {
      try {
        await this.publishTrack(audio, "screen_audio");
      } catch (err) {
        audio.stop();
        console.warn("conclave: could not publish the screen audio", err);
      }
    }
    return lt;
  }
  async publishTrack(track, source) {
    this.host.assertActive();
    this.assertCanPublish();
    if (!(track instanceof MediaStreamTrack)) throw new TypeError("publishTrack needs a MediaStreamTrack");
    if (track.readyState === "ended") throw new TypeError("publishTrack: the track has ended");
    if (!sourceFitsKind(source, track.kind)) throw new TypeError(`publishTrack: source ${source} does not fit a ${track.kind} track`);
    for (const lt2 of this.locals.keys()) if (lt2.track === track) throw new TypeError("publishTrack: this track is already published");
    await this.host.ready();
    const publisher = this.host.publisher();
    if (!publisher) throw conclaveError("disconnected", "the room is disconnected");
    const st = {
      cid: track.id,
      kind: track.kind === "audio" ? "audio" : "video",
      stream: new MediaStream([track]),
      transceiver: null,
      cleanup: []
    };
    const lt = { info: null, source, track, sender: null, muted: !track.enabled, mutedByHost: false };
    this.attachSender(lt, st);
    this.locals.set(lt, st);
    try {
      await publisher.negotiate();
    } catch (err) {
      this.locals.delete(lt);
      if (st.transceiver) this.host.publisher()?.removeTrack(st.transceiver.sender);
      throw err;
    }
    if (!this.locals.has(lt)) throw conclaveError("disconnected", "the track was unpublished while publishing");
    void this.applyCap();
    if (source === "screen" || source === "screen_audio") {
      const onEnded = () => {
        if (!this.locals.has(lt)) return;
        void this.unpublish(lt);
        if (source === "screen") {
          for (const other of [...this.locals.keys()]) if (other.source === "screen_audio") void this.unpublish(other);
        }
      };
      track.addEventListener("ended", onEnded);
      st.cleanup.push(() => track.removeEventListener("ended", onEnded));
    }
    this.syncInfos();
    this.updateMicMeter();
    this.host.events.emit("localTrackPublished", lt);
    return lt;
  }
  /** Announces the track (add_track), adds its transceiver and the send transform. */
  attachSender(lt, st) {
    const publisher = this.host.publisher();
    if (!publisher) throw conclaveError("disconnected", "the room is disconnected");
    const e2ee = this.host.e2ee();
    const announce2 = { cid: st.cid, kind: st.kind, source: lt.source };
    if (e2ee) announce2.e2ee = true;
    this.host.send("add_track", announce2);
    const tr = publisher.addTrack(lt.track, st.stream, this.firstMaxBitrate(lt, st));
    st.transceiver = tr;
    lt.sender = tr.sender;
    if (e2ee && st.kind === "video") preferVP8(tr);
    attachTransform(this.host.transform(), tr.sender, {
      side: "send",
      trackId: st.cid,
      kind: st.kind,
      participantId: this.host.local.id
    });
  }
  async unpublish(t) {
    const st = this.locals.get(t);
    if (!st) return;
    this.locals.delete(t);
    for (const f of st.cleanup) f();
    t.track.stop();
    this.updateMicMeter();
    const publisher = this.host.publisher();
    if (st.transceiver && publisher) {
      publisher.removeTrack(st.transceiver.sender);
      if (!this.host.ended()) {
        try {
          await publisher.negotiate();
        } catch (err) {
          console.warn("conclave: renegotiation after unpublish failed", err);
        }
      }
    }
    void this.applyCap();
    if (t.info) this.host.local.tracks = this.host.local.tracks.filter((x) => x.id !== t.info?.id);
    this.host.events.emit("localTrackUnpublished", t);
  }
  list() {
    return [...this.locals.keys()];
  }
  /** Whether any published local track is live (for connection quality). */
  publishing() {
    return [...this.locals.keys()].some((t) => t.track.readyState === "live");
  }
  async setMuted(t, muted) {
    this.host.assertActive();
    if (!this.locals.has(t)) throw new TypeError("setMuted: not a published local track");
    if (!muted && t.mutedByHost) {
      throw conclaveError("muted_by_host", "the host muted this track; requestUnmute() asks them to lift it");
    }
    t.track.enabled = !muted;
    t.muted = muted;
    if (t.info) {
      t.info.muted = muted;
      this.host.send("mute", { track_id: t.info.id, muted });
    }
  }
  async switchDevice(kind, deviceId) {
    this.host.assertActive();
    if (kind !== "audioinput" && kind !== "videoinput") throw new TypeError(`switchDevice: unknown kind ${String(kind)}`);
    this.preferred[kind] = deviceId;
    const source = kind === "videoinput" ? "camera" : "microphone";
    for (const [lt, st] of [...this.locals]) {
      if (lt.source !== source) continue;
      const constraints = kind === "videoinput" ? { video: videoConstraints({ ...st.videoOpts, deviceId }) } : { audio: audioConstraints({ deviceId }) };
      let stream;
      try {
        stream = await getUserMedia(constraints);
      } catch (err) {
        if (!(err instanceof DeviceError) || err.kind !== "in_use" && err.kind !== "unknown") throw err;
        lt.track.stop();
        stream = await getUserMedia(constraints);
      }
      const next = kind === "videoinput" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (!next) throw new DeviceError("not_found", "the device gave no track");
      if (!this.locals.has(lt)) {
        next.stop();
        continue;
      }
      next.enabled = !lt.muted;
      try {
        await lt.sender.replaceTrack(next);
      } catch (err) {
        next.stop();
        throw err;
      }
      const old = lt.track;
      lt.track = next;
      old.stop();
    }
    this.updateMicMeter();
  }
  // ------------------------------------------------------------- server view
  /** Fills LocalTrack.info from the server's view of our own tracks (matched by cid). */
  syncInfos() {
    const local = this.host.local;
    const claimed = /* @__PURE__ */ new Set();
    for (const lt of this.locals.keys()) if (lt.info) claimed.add(lt.info.id);
    for (const [lt, st] of this.locals) {
      let info = local.tracks.find((t) => t.cid === st.cid);
      if (!info && lt.info) info = local.tracks.find((t) => t.id === lt.info?.id);
      if (!info) {
        const candidates = local.tracks.filter(
          (t) => t.cid === void 0 && t.kind === st.kind && t.source === lt.source && !claimed.has(t.id)
        );
        if (candidates.length === 1) info = candidates[0];
      }
      if (!info) continue;
      claimed.add(info.id);
      const first = lt.info === null || lt.info.id !== info.id;
      if (first) {
        lt.info = { ...info };
        if (lt.muted && !info.muted) this.host.send("mute", { track_id: info.id, muted: true });
        else if (info.muted && !lt.muted) {
          lt.muted = true;
          lt.track.enabled = false;
        }
      } else if (lt.info) {
        replaceInPlace(lt.info, { ...info });
      }
      this.setHostLock(lt, info.muted_by_host === true);
    }
  }
  /** Follows the server's lock on a track; a lock also mutes it here. */
  setHostLock(lt, locked) {
    if (locked) {
      lt.muted = true;
      lt.track.enabled = false;
    }
    if (lt.mutedByHost === locked) return;
    lt.mutedByHost = locked;
    this.host.events.emit("hostMuteChanged", lt, locked);
  }
  /** Asks the host to lift their mute of t (unmute_request; the server does not answer). */
  async requestUnmute(t) {
    this.host.assertActive();
    if (!this.locals.has(t)) throw new TypeError("requestUnmute: not a published local track");
    if (!t.mutedByHost || !t.info) throw conclaveError("not_muted_by_host", "the host has not muted this track");
    this.host.send("unmute_request", { track_id: t.info.id });
  }
  /**
   * The server refused an unmute (error muted_by_host): it holds a lock we
   * had not heard of yet. Every track it locks is muted again here.
   */
  onUnmuteRefused() {
    for (const lt of this.locals.keys()) {
      if (lt.info?.muted_by_host || lt.mutedByHost) this.setHostLock(lt, true);
    }
  }
  /** track_published for one of our own tracks. */
  onPublished(track) {
    const local = this.host.local;
    local.tracks = [...local.tracks.filter((t) => t.id !== track.id), track];
    this.syncInfos();
  }
  /** track_unpublished for one of our own tracks. */
  onUnpublished(trackId) {
    const local = this.host.local;
    local.tracks = local.tracks.filter((t) => t.id !== trackId);
    for (const lt of this.locals.keys()) if (lt.info?.id === trackId) lt.info = null;
  }
  /**
   * The host muted one of our tracks (muted: a lock we cannot lift), or
   * lifted that lock (the track stays muted: the server never turns anyone's
   * microphone on).
   */
  onServerMute(trackId, muted) {
    for (const lt of this.locals.keys()) {
      if (lt.info?.id !== trackId) continue;
      if (muted) {
        lt.info.muted = true;
        lt.info.muted_by_host = true;
        this.setHostLock(lt, true);
        this.host.events.emit("muteRequested", lt);
      } else {
        delete lt.info.muted_by_host;
        this.setHostLock(lt, false);
      }
      return;
    }
    console.warn(`conclave: mute for an unknown local track ${trackId}`);
  }
  // ------------------------------------------------------------- sessions
  /** Forgets server state after the PeerConnections closed; the MediaStreamTracks are kept. */
  detach() {
    for (const [lt, st] of this.locals) {
      lt.info = null;
      st.transceiver = null;
    }
  }
  /** Publishes every local track again on a new publisher PeerConnection. */
  republish() {
    const publisher = this.host.publisher();
    if (this.locals.size === 0 || !publisher) return;
    for (const [lt, st] of this.locals) {
      st.cid = lt.track.id;
      try {
        this.attachSender(lt, st);
      } catch (err) {
        console.warn("conclave: could not republish a track", err);
      }
    }
    publisher.negotiate().then(() => this.applyCap()).catch((err) => console.warn("conclave: republishing failed", err));
  }
  // ------------------------------------------------------------- bitrate cap
  /**
   * The server found us above the room's bitrate cap (error
   * bitrate_limited): every sender is bounded under it from now on, for
   * tracks published later and on a new publisher connection too.
   */
  limitBitrate(cap) {
    if (!(cap > 0)) return Promise.resolve();
    this.maxBitrate = cap;
    return this.applyCap();
  }
  /** The room's bitrate cap this session keeps to (0: none yet). */
  bitrateCap() {
    return this.maxBitrate;
  }
  /** Shares the cap among the senders as they are now (bitrate.ts). */
  applyCap() {
    if (this.maxBitrate <= 0) return this.capping;
    this.capping = this.capping.then(async () => {
      const senders = [...this.locals.values()].filter((st) => st.transceiver !== null).map((st) => ({ kind: st.kind, sender: st.transceiver.sender }));
      await applyCap(this.maxBitrate, senders);
    });
    return this.capping;
  }
  /** A new sender's maxBitrate under the cap, counting it among the others (undefined: no cap). */
  firstMaxBitrate(lt, st) {
    if (this.maxBitrate <= 0) return void 0;
    const kinds = [st.kind, ...[...this.locals].filter(([other]) => other !== lt).map(([, ost]) => ost.kind)];
    const alloc = allocateFor(this.maxBitrate, kinds);
    return st.kind === "audio" ? alloc.audio : alloc.video;
  }
  /** Stops every local track and the level meter (the room is closing). */
  stopAll() {
    for (const [lt, st] of this.locals) {
      for (const f of st.cleanup) f();
      lt.track.stop();
    }
    this.locals.clear();
    this.micMeter?.meter.close();
    this.micMeter = null;
  }
  // ------------------------------------------------------------- levels
  assertCanPublish() {
    if (!this.host.local.permissions.publish) throw conclaveError("permission_denied", "the token does not grant publish");
  }
  updateMicMeter() {
    const mic = [...this.locals.keys()].find((t) => t.source === "microphone" && t.track.readyState === "live");
    if (this.micMeter && this.micMeter.track === mic?.track) return;
    this.micMeter?.meter.close();
    this.micMeter = null;
    if (!mic) return;
    try {
      this.micMeter = { track: mic.track, meter: new LevelMeter(mic.track) };
    } catch (err) {
      console.debug("conclave: no level meter for the microphone", err);
    }
  }
  micLevel() {
    const mic = [...this.locals.keys()].find((t) => t.source === "microphone");
    if (!mic || mic.muted || !this.micMeter) return 0;
    return this.micMeter.meter.level();
  }
};

// sdk/src/pc.ts
function createPC(name, iceServers, send) {
  const config = {
    iceServers: iceServers ?? [],
    bundlePolicy: "max-bundle",
    rtcpMuxPolicy: "require",
    ...pcExtraConfig
  };
  const pc = new RTCPeerConnection(config);
  pc.onicecandidate = (ev) => {
    const c = ev.candidate;
    if (!c || !c.candidate) return;
    const msg = { pc: name, candidate: c.candidate };
    if (c.sdpMid !== null && c.sdpMid !== void 0) msg.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex !== null && c.sdpMLineIndex !== void 0) msg.sdpMLineIndex = c.sdpMLineIndex;
    if (c.usernameFragment) msg.usernameFragment = c.usernameFragment;
    send("candidate", msg);
  };
  return pc;
}
function candidateInit(c) {
  const init = { candidate: c.candidate };
  if (c.sdpMid !== void 0) init.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex !== void 0) init.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment !== void 0) init.usernameFragment = c.usernameFragment;
  return init;
}
var CandidateBuffer = class {
  constructor(pc, label2) {
    this.pc = pc;
    this.label = label2;
  }
  pc;
  label;
  pending = [];
  hold(c) {
    if (this.pending.length < 500) this.pending.push(c);
  }
  async add(c) {
    try {
      await this.pc.addIceCandidate(c);
    } catch (err) {
      console.warn(`conclave: ${this.label}: could not add a remote candidate`, err);
    }
  }
  async flush() {
    const list = this.pending;
    this.pending = [];
    for (const c of list) await this.add(c);
  }
  clear() {
    this.pending = [];
  }
};
function watchIce(pc, onRestart) {
  let timer;
  const clear = () => {
    if (timer !== void 0) clearTimeout(timer);
    timer = void 0;
  };
  const handler = () => {
    const s = pc.iceConnectionState;
    if (s === "failed") {
      clear();
      onRestart();
    } else if (s === "disconnected") {
      if (timer === void 0) {
        timer = setTimeout(() => {
          timer = void 0;
          if (pc.iceConnectionState === "disconnected") onRestart();
        }, 2e3);
      }
    } else {
      clear();
    }
  };
  pc.addEventListener("iceconnectionstatechange", handler);
  return () => {
    clear();
    pc.removeEventListener("iceconnectionstatechange", handler);
  };
}

// sdk/src/publisher.ts
var ANSWER_TIMEOUT_MS = 2e4;
var Publisher = class {
  constructor(iceServers, send, ready, connected, onIceTrouble) {
    this.send = send;
    this.ready = ready;
    this.connected = connected;
    this.pc = createPC("publisher", iceServers, send);
    this.candidates = new CandidateBuffer(this.pc, "publisher");
    this.unwatch = watchIce(this.pc, onIceTrouble);
  }
  send;
  ready;
  connected;
  pc;
  candidates;
  closed = false;
  needed = false;
  restartNeeded = false;
  running = null;
  pendingAnswer = null;
  unwatch;
  /**
   * Adds a send-only transceiver for a track. The caller announces it
   * (add_track) first. maxBitrate bounds its encoder from the first frame
   * (the room's bitrate cap, bitrate.ts).
   */
  addTrack(track, stream, maxBitrate) {
    const init = { direction: "sendonly", streams: [stream] };
    if (maxBitrate !== void 0 && maxBitrate > 0) init.sendEncodings = [{ maxBitrate }];
    return this.pc.addTransceiver(track, init);
  }
  removeTrack(sender) {
    if (this.closed) return;
    try {
      this.pc.removeTrack(sender);
    } catch (err) {
      console.warn("conclave: publisher: removeTrack failed", err);
    }
  }
  /**
   * Requests a (re)negotiation; resolves when an answer covering the current
   * state has been applied.
   */
  negotiate(iceRestart = false) {
    if (this.closed) return Promise.reject(new Error("closed: the publisher connection is closed"));
    this.needed = true;
    if (iceRestart) this.restartNeeded = true;
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }
  async loop() {
    while (this.needed && !this.closed) {
      await this.ready();
      if (this.closed) break;
      this.needed = false;
      const iceRestart = this.restartNeeded;
      this.restartNeeded = false;
      const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : void 0);
      await this.pc.setLocalDescription(offer);
      const sdp = this.pc.localDescription?.sdp ?? offer.sdp ?? "";
      const answered = new Promise((resolve, reject) => {
        this.pendingAnswer = { resolve, reject, timer: void 0 };
      });
      this.send("offer", { pc: "publisher", sdp });
      this.armAnswerTimer();
      let answer;
      try {
        answer = await answered;
      } catch (err) {
        await this.rollback();
        throw err;
      }
      if (this.closed) break;
      await this.pc.setRemoteDescription({ type: "answer", sdp: answer });
      await this.candidates.flush();
    }
  }
  armAnswerTimer() {
    const p = this.pendingAnswer;
    if (!p) return;
    if (p.timer !== void 0) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (this.pendingAnswer !== p) return;
      if (!this.connected()) {
        this.armAnswerTimer();
        return;
      }
      this.pendingAnswer = null;
      p.reject(new Error("timeout: the server did not answer the publisher offer"));
    }, ANSWER_TIMEOUT_MS);
  }
  async rollback() {
    if (this.closed || this.pc.signalingState !== "have-local-offer") return;
    try {
      await this.pc.setLocalDescription({ type: "rollback" });
    } catch (err) {
      console.warn("conclave: publisher: rollback failed", err);
    }
  }
  /** Applies the server's answer to the offer in flight. */
  handleAnswer(sdp) {
    const p = this.pendingAnswer;
    if (!p) {
      console.warn("conclave: publisher: ignoring an answer with no offer in flight");
      return;
    }
    this.pendingAnswer = null;
    if (p.timer !== void 0) clearTimeout(p.timer);
    p.resolve(sdp);
  }
  /** The server refused the offer in flight (bad_sdp, permission_denied). */
  failInFlight(code, message) {
    const p = this.pendingAnswer;
    if (!p) return false;
    this.pendingAnswer = null;
    if (p.timer !== void 0) clearTimeout(p.timer);
    p.reject(new Error(`${code}: ${message}`));
    return true;
  }
  get offerInFlight() {
    return this.pendingAnswer !== null;
  }
  /** After a resume: the answer to the offer in flight may have been lost; send it again. */
  resendPendingOffer() {
    if (!this.pendingAnswer || this.pc.signalingState !== "have-local-offer") return;
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) return;
    this.send("offer", { pc: "publisher", sdp });
    this.armAnswerTimer();
  }
  handleCandidate(c) {
    if (this.closed || c.candidate === "") return;
    const init = candidateInit(c);
    if (!this.pc.remoteDescription || this.pc.signalingState !== "stable") {
      this.candidates.hold(init);
      return;
    }
    void this.candidates.add(init);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.candidates.clear();
    const p = this.pendingAnswer;
    this.pendingAnswer = null;
    if (p) {
      if (p.timer !== void 0) clearTimeout(p.timer);
      p.reject(new Error("closed: the publisher connection was closed"));
    }
    this.pc.close();
  }
};

// sdk/src/reconnect.ts
var ICE_RESTART_SPACING_MS = 3e3;
var ICE_RESTART_RECHECK_MS = 1e4;
function reconnectDelay(attempt, retryAfterMs) {
  return Math.max(backoffDelay(attempt), retryAfterMs);
}
var Reconnector = class {
  constructor(host) {
    this.host = host;
  }
  host;
  running = false;
  lastIceRestart = { publisher: 0, subscriber: 0 };
  iceRecheck = {};
  /**
   * Reconnects after signaling dropped ("network") or the server said it is
   * shutting down ("server_shutdown": it is restarting; a resume will be
   * refused by the new process and a fresh join follows). Gives up after
   * RECONNECT_GIVE_UP_MS with disconnected(why), or earlier with a fatal code.
   */
  async run(why = "network") {
    const host = this.host;
    if (this.running || host.ended()) return;
    this.running = true;
    host.setState("reconnecting");
    host.events.emit("reconnecting", why);
    const deadline = Date.now() + RECONNECT_GIVE_UP_MS;
    let tryResume = host.resumeSecret() !== void 0 && host.localId() !== "";
    let failure = "network";
    let retryAfterMs = 0;
    try {
      for (let attempt = 0; !host.ended(); attempt++) {
        const delay = reconnectDelay(attempt, retryAfterMs);
        if (Date.now() + delay > deadline) break;
        host.events.emit("reconnectAttempt", attempt + 1, delay);
        await new Promise((r) => setTimeout(r, delay));
        if (host.ended()) return;
        try {
          if (tryResume) {
            try {
              await host.rejoin({ participant_id: host.localId(), secret: host.resumeSecret() ?? "" });
              this.done();
              return;
            } catch (err) {
              if (!(err instanceof JoinFailure) || err.retryable) throw err;
              if (!FRESH_JOIN_CODES.has(err.code)) throw err;
              console.info(`conclave: resume refused (${err.code}); joining afresh`);
              tryResume = false;
            }
          }
          host.teardownMedia();
          await host.rejoin(void 0);
          this.done();
          return;
        } catch (err) {
          if (err instanceof JoinFailure) {
            failure = err.code;
            retryAfterMs = (err.retryAfter ?? 0) * 1e3;
            if (!err.retryable) {
              host.finish(err.code);
              return;
            }
          }
          if (host.ended()) return;
        }
      }
      host.finish(failure === "network" || RETRYABLE_CODES.has(failure) ? why : failure);
    } finally {
      this.running = false;
    }
  }
  done() {
    this.host.setState("connected");
    this.host.events.emit("reconnected");
    const pub = this.host.publisher()?.pc;
    const sub = this.host.subscriber()?.pc;
    if (pub && (pub.iceConnectionState === "failed" || pub.iceConnectionState === "disconnected")) this.restartPublisherIce();
    if (sub && (sub.iceConnectionState === "failed" || sub.iceConnectionState === "disconnected")) this.restartSubscriberIce();
  }
  restartPublisherIce() {
    if (!this.host.enabled || this.host.ended()) return;
    const pub = this.host.publisher();
    if (!pub || !pub.pc.remoteDescription) return;
    if (this.host.state() !== "connected") return;
    const now = Date.now();
    if (now - this.lastIceRestart.publisher < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.publisher = now;
    pub.negotiate(true).catch((err) => console.warn("conclave: publisher ICE restart failed", err));
    this.recheckIce("publisher");
  }
  restartSubscriberIce() {
    if (!this.host.enabled || this.host.ended()) return;
    const sub = this.host.subscriber();
    if (!sub || !sub.pc.remoteDescription) return;
    if (this.host.state() !== "connected") return;
    const now = Date.now();
    if (now - this.lastIceRestart.subscriber < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.subscriber = now;
    sub.restartIce();
    this.recheckIce("subscriber");
  }
  /** Cancels pending ICE re-checks (the room is closing). */
  stop() {
    clearTimeout(this.iceRecheck.publisher);
    clearTimeout(this.iceRecheck.subscriber);
  }
  recheckIce(which) {
    clearTimeout(this.iceRecheck[which]);
    this.iceRecheck[which] = setTimeout(() => {
      const pc = which === "publisher" ? this.host.publisher()?.pc : this.host.subscriber()?.pc;
      if (!pc || this.host.ended()) return;
      if (pc.iceConnectionState === "failed" || pc.iceConnectionState === "disconnected") {
        if (which === "publisher") this.restartPublisherIce();
        else this.restartSubscriberIce();
      }
    }, ICE_RESTART_RECHECK_MS);
  }
};

// sdk/src/sdp.ts
function msidByMid(sdp) {
  const out = /* @__PURE__ */ new Map();
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    let mid;
    let msid;
    let ssrcMsid;
    for (const line of section.split(/\r?\n/)) {
      if (line.startsWith("a=mid:")) {
        mid = line.slice(6).trim();
      } else if (line.startsWith("a=msid:") && !msid) {
        const [s, t] = line.slice(7).trim().split(/\s+/);
        if (s && t) msid = { streamId: s, trackId: t };
      } else if (line.startsWith("a=ssrc:") && !ssrcMsid) {
        const m = /^a=ssrc:\d+ msid:(\S+) (\S+)/.exec(line);
        if (m && m[1] && m[2]) ssrcMsid = { streamId: m[1], trackId: m[2] };
      }
    }
    const found = msid ?? ssrcMsid;
    if (mid !== void 0 && found) out.set(mid, found);
  }
  return out;
}

// sdk/src/remote-media.ts
var TRACK_INFO_WAIT_MS = 2e3;
var RemoteMedia = class {
  constructor(host) {
    this.host = host;
  }
  host;
  /** Remote participants by id. */
  participants = /* @__PURE__ */ new Map();
  remotes = /* @__PURE__ */ new Map();
  // ------------------------------------------------------------- participants
  reconcile(list, initial) {
    const seen = /* @__PURE__ */ new Set();
    for (const p of list) {
      if (p.id === this.host.local.id) continue;
      seen.add(p.id);
      this.upsert(p, !initial);
    }
    for (const id of [...this.participants.keys()]) if (!seen.has(id)) this.remove(id, "left");
  }
  upsert(p, announce2) {
    if (p.id === this.host.local.id) return;
    const events = this.host.events;
    const old = this.participants.get(p.id);
    if (!old) {
      this.participants.set(p.id, p);
      if (announce2) events.emit("participantJoined", p);
      this.resolvePending(p.id);
      return;
    }
    if (sameJSON(old, p)) return;
    const before = new Map(old.tracks.map((t) => [t.id, t.muted]));
    const gone = old.tracks.filter((t) => !p.tracks.some((n) => n.id === t.id)).map((t) => t.id);
    replaceInPlace(old, p);
    for (const e of this.remotes.values()) {
      if (e.participantId !== p.id || !e.rt) continue;
      const info = old.tracks.find((t) => t.id === e.trackId);
      if (info) Object.assign(e.rt.info, info);
    }
    for (const id of gone) {
      const e = this.remotes.get(id);
      if (e && e.participantId === p.id) this.unsubscribeEntry(e);
    }
    this.resolvePending(p.id);
    events.emit("participantUpdated", old);
    for (const t of old.tracks) {
      const was = before.get(t.id);
      if (was === void 0 || was === t.muted) continue;
      events.emit(t.muted ? "trackMuted" : "trackUnmuted", p.id, { ...t });
    }
  }
  remove(id, reason) {
    const p = this.participants.get(id);
    for (const e of [...this.remotes.values()]) if (e.participantId === id) this.unsubscribeEntry(e);
    if (!p) return;
    this.participants.delete(id);
    this.host.events.emit("participantLeft", p, reason);
  }
  onTrackPublished(pid, track) {
    const p = this.participants.get(pid);
    if (!p) {
      console.warn(`conclave: track_published for unknown participant ${pid}`);
      return;
    }
    p.tracks = [...p.tracks.filter((t) => t.id !== track.id), track];
    this.resolvePending(pid);
  }
  onTrackUnpublished(pid, trackId) {
    const p = this.participants.get(pid);
    if (p) p.tracks = p.tracks.filter((t) => t.id !== trackId);
    const e = this.remotes.get(trackId);
    if (e) this.unsubscribeEntry(e);
  }
  // ------------------------------------------------------------- tracks
  onRemoteTrack(ev) {
    const sub = this.host.subscriber();
    if (!sub) return;
    const tr = ev.transceiver;
    const sdp = sub.pc.remoteDescription?.sdp ?? "";
    const m = tr.mid !== null ? msidByMid(sdp).get(tr.mid) : void 0;
    const pid = m?.streamId ?? ev.streams[0]?.id;
    const tid = m?.trackId ?? ev.track.id;
    if (!pid || !tid) {
      console.warn("conclave: a remote track without participant or track id");
      return;
    }
    this.bind(tr, pid, tid);
  }
  bind(tr, pid, tid) {
    for (const e of [...this.remotes.values()]) {
      if (e.transceiver === tr && e.trackId !== tid) this.unsubscribeEntry(e);
    }
    const existing = this.remotes.get(tid);
    if (existing) {
      if (existing.transceiver === tr) return;
      this.unsubscribeEntry(existing);
    }
    const track = tr.receiver.track;
    const entry = {
      participantId: pid,
      trackId: tid,
      transceiver: tr,
      track,
      stream: new MediaStream([track]),
      rt: null,
      timer: void 0
    };
    try {
      attachTransform(this.host.transform(), tr.receiver, {
        side: "receive",
        trackId: tid,
        kind: track.kind === "audio" ? "audio" : "video",
        participantId: pid
      });
    } catch (err) {
      console.warn("conclave: could not attach the receive transform", err);
    }
    this.remotes.set(tid, entry);
    if (!this.tryEmit(entry)) {
      entry.timer = setTimeout(() => {
        entry.timer = void 0;
        if (this.remotes.get(tid) !== entry || entry.rt) return;
        console.warn(`conclave: no track info for ${tid}; assuming defaults`);
        const kind = track.kind === "audio" ? "audio" : "video";
        this.emit(entry, { id: tid, kind, source: kind === "audio" ? "microphone" : "camera", mime_type: "", muted: false });
      }, TRACK_INFO_WAIT_MS);
    }
  }
  tryEmit(e) {
    if (e.rt) return true;
    const info = this.participants.get(e.participantId)?.tracks.find((t) => t.id === e.trackId);
    if (!info) return false;
    this.emit(e, info);
    return true;
  }
  emit(e, info) {
    if (e.timer !== void 0) clearTimeout(e.timer);
    e.timer = void 0;
    e.rt = { info: { ...info }, participantId: e.participantId, track: e.track, stream: e.stream, receiver: e.transceiver.receiver };
    this.host.events.emit("trackSubscribed", e.rt);
  }
  resolvePending(pid) {
    for (const e of this.remotes.values()) if (e.participantId === pid && !e.rt) this.tryEmit(e);
  }
  unsubscribeEntry(e) {
    if (this.remotes.get(e.trackId) === e) this.remotes.delete(e.trackId);
    if (e.timer !== void 0) clearTimeout(e.timer);
    e.timer = void 0;
    if (e.rt) {
      const rt = e.rt;
      e.rt = null;
      this.host.events.emit("trackUnsubscribed", rt);
    }
  }
  /** Drops every subscription (the subscriber PeerConnection is closing). */
  unsubscribeAll() {
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
  }
  /** After each subscriber negotiation: bind new tracks, drop the ones that stopped. */
  sweep() {
    const sub = this.host.subscriber();
    if (!sub) return;
    const map = msidByMid(sub.pc.remoteDescription?.sdp ?? "");
    const receiving = (tr) => tr.currentDirection === "recvonly" || tr.currentDirection === "sendrecv";
    for (const tr of sub.pc.getTransceivers()) {
      const m = tr.mid !== null ? map.get(tr.mid) : void 0;
      if (receiving(tr) && m) this.bind(tr, m.streamId, m.trackId);
    }
    for (const e of [...this.remotes.values()]) {
      const m = e.transceiver.mid !== null ? map.get(e.transceiver.mid) : void 0;
      if (!receiving(e.transceiver) || m && m.trackId !== e.trackId) this.unsubscribeEntry(e);
    }
  }
  list(participantId) {
    const out = [];
    for (const e of this.remotes.values()) {
      if (e.rt && (participantId === void 0 || e.participantId === participantId)) out.push(e.rt);
    }
    return out;
  }
  /** The subscribed tracks, for the stats monitor. */
  refs() {
    const out = [];
    for (const e of this.remotes.values()) {
      if (!e.rt) continue;
      out.push({
        participantId: e.participantId,
        kind: e.rt.info.kind,
        muted: e.rt.info.muted,
        receiver: e.transceiver.receiver,
        mid: e.transceiver.mid
      });
    }
    return out;
  }
};

// sdk/src/stats.ts
var SPEAKER_INTERVAL_MS = 250;
var QUALITY_INTERVAL_MS = 1e3;
var SPEAKING_THRESHOLD = 0.015;
var SPEAKER_DECAY = 0.6;
var LOST_AFTER_TICKS = 3;
var num = (x) => typeof x === "number" && Number.isFinite(x) ? x : void 0;
function scoreQuality(lossFraction, rttMs, jitterMs) {
  const rtt = rttMs ?? 0;
  const jitter = jitterMs ?? 0;
  if (lossFraction <= 0.02 && rtt <= 150 && jitter <= 30) return "excellent";
  if (lossFraction <= 0.08 && rtt <= 400 && jitter <= 80) return "good";
  return "poor";
}
function selectedPairRtt(report) {
  let pairId;
  report.forEach((s) => {
    if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") pairId = s.selectedCandidatePairId;
  });
  let rtt;
  report.forEach((s) => {
    if (s.type !== "candidate-pair") return;
    if (pairId ? s.id === pairId : s.nominated === true && s.state === "succeeded") {
      const r = num(s.currentRoundTripTime);
      if (r !== void 0) rtt = r * 1e3;
    }
  });
  return rtt;
}
function iceBroken(pc) {
  return pc !== null && (pc.iceConnectionState === "failed" || pc.iceConnectionState === "disconnected");
}
var StatsMonitor = class {
  constructor(src, emitSpeakers, emitQuality) {
    this.src = src;
    this.emitSpeakers = emitSpeakers;
    this.emitQuality = emitQuality;
  }
  src;
  emitSpeakers;
  emitQuality;
  speakerTimer;
  qualityTimer;
  speakerBusy = false;
  qualityBusy = false;
  smoothed = /* @__PURE__ */ new Map();
  lastSpeakers = [];
  counters = /* @__PURE__ */ new Map();
  silentTicks = /* @__PURE__ */ new Map();
  lastQuality = /* @__PURE__ */ new Map();
  start() {
    this.stop();
    this.speakerTimer = setInterval(() => void this.speakerTick(), SPEAKER_INTERVAL_MS);
    this.qualityTimer = setInterval(() => void this.qualityTick(), QUALITY_INTERVAL_MS);
  }
  stop() {
    if (this.speakerTimer !== void 0) clearInterval(this.speakerTimer);
    if (this.qualityTimer !== void 0) clearInterval(this.qualityTimer);
    this.speakerTimer = void 0;
    this.qualityTimer = void 0;
  }
  /** Forget counters (after the subscriber PeerConnection was replaced). */
  reset() {
    this.counters.clear();
    this.silentTicks.clear();
  }
  mapInbound(refs) {
    const byTrack = /* @__PURE__ */ new Map();
    const byMid = /* @__PURE__ */ new Map();
    for (const r of refs) {
      byTrack.set(r.receiver.track.id, r);
      if (r.mid !== null) byMid.set(r.mid, r);
    }
    return { byTrack, byMid };
  }
  refFor(s, m) {
    if (typeof s.trackIdentifier === "string") {
      const r = m.byTrack.get(s.trackIdentifier);
      if (r) return r;
    }
    if (typeof s.mid === "string") return m.byMid.get(s.mid);
    return void 0;
  }
  async speakerTick() {
    if (this.speakerBusy) return;
    this.speakerBusy = true;
    try {
      const levels = /* @__PURE__ */ new Map();
      const refs = this.src.remoteTracks().filter((r) => r.kind === "audio");
      const sub = this.src.subscriber();
      if (sub && refs.length > 0 && sub.connectionState !== "closed") {
        const report = await sub.getStats();
        const m = this.mapInbound(refs);
        report.forEach((s) => {
          if (s.type !== "inbound-rtp" || s.kind !== "audio") return;
          const r = this.refFor(s, m);
          const lvl = num(s.audioLevel);
          if (r && lvl !== void 0) levels.set(r.participantId, Math.max(levels.get(r.participantId) ?? 0, lvl));
        });
        for (const r of refs) {
          try {
            for (const src of r.receiver.getSynchronizationSources()) {
              const lvl = num(src.audioLevel);
              if (lvl !== void 0) levels.set(r.participantId, Math.max(levels.get(r.participantId) ?? 0, lvl));
            }
          } catch {
          }
        }
        for (const r of refs) if (r.muted) levels.set(r.participantId, 0);
      }
      const localId = this.src.localId();
      if (localId) levels.set(localId, this.src.localMicLevel());
      const ids = /* @__PURE__ */ new Set([...levels.keys(), ...this.smoothed.keys()]);
      for (const id of ids) {
        const v = Math.max(levels.get(id) ?? 0, (this.smoothed.get(id) ?? 0) * SPEAKER_DECAY);
        if (v < 1e-3 || !levels.has(id) && v < SPEAKING_THRESHOLD) this.smoothed.delete(id);
        else this.smoothed.set(id, v);
      }
      const speakers = [...this.smoothed.entries()].filter(([, v]) => v >= SPEAKING_THRESHOLD).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
      if (speakers.length !== this.lastSpeakers.length || speakers.some((id, i) => id !== this.lastSpeakers[i])) {
        this.lastSpeakers = speakers;
        this.emitSpeakers([...speakers]);
      }
    } catch (err) {
      console.debug("conclave: speaker stats failed", err);
    } finally {
      this.speakerBusy = false;
    }
  }
  async qualityTick() {
    if (this.qualityBusy) return;
    this.qualityBusy = true;
    try {
      const result = /* @__PURE__ */ new Map();
      const refs = this.src.remoteTracks();
      const sub = this.src.subscriber();
      let subAggregate;
      if (sub && sub.connectionState !== "closed") {
        const report = await sub.getStats();
        const rtt = selectedPairRtt(report);
        const m = this.mapInbound(refs);
        const per = /* @__PURE__ */ new Map();
        for (const r of refs) {
          const e = per.get(r.participantId) ?? { received: 0, lost: 0, jitter: 0, expecting: false };
          if (!r.muted) e.expecting = true;
          per.set(r.participantId, e);
        }
        const seen = /* @__PURE__ */ new Set();
        report.forEach((s) => {
          if (s.type !== "inbound-rtp") return;
          const r = this.refFor(s, m);
          if (!r) return;
          const received = num(s.packetsReceived) ?? 0;
          const lost = Math.max(0, num(s.packetsLost) ?? 0);
          const prev = this.counters.get(s.id) ?? { received: 0, lost: 0 };
          this.counters.set(s.id, { received, lost });
          seen.add(s.id);
          const e = per.get(r.participantId);
          if (!e) return;
          if (r.muted) return;
          e.received += Math.max(0, received - prev.received);
          e.lost += Math.max(0, lost - prev.lost);
          e.jitter = Math.max(e.jitter, (num(s.jitter) ?? 0) * 1e3);
        });
        for (const id of [...this.counters.keys()]) if (!seen.has(id)) this.counters.delete(id);
        const broken = iceBroken(sub);
        subAggregate = { received: 0, lost: 0, rtt, jitter: 0 };
        for (const [pid, e] of per) {
          subAggregate.received += e.received;
          subAggregate.lost += e.lost;
          subAggregate.jitter = Math.max(subAggregate.jitter, e.jitter);
          if (broken) {
            result.set(pid, "lost");
            continue;
          }
          if (!e.expecting) continue;
          if (e.received === 0) {
            const n = (this.silentTicks.get(pid) ?? 0) + 1;
            this.silentTicks.set(pid, n);
            if (n >= LOST_AFTER_TICKS) result.set(pid, "lost");
            continue;
          }
          this.silentTicks.delete(pid);
          const total = e.received + e.lost;
          result.set(pid, scoreQuality(total > 0 ? e.lost / total : 0, rtt, e.jitter));
        }
        for (const pid of [...this.silentTicks.keys()]) if (!per.has(pid)) this.silentTicks.delete(pid);
      }
      const localId = this.src.localId();
      const pub = this.src.publisher();
      if (localId) {
        if (pub && this.src.localPublishing() && pub.connectionState !== "closed") {
          if (iceBroken(pub)) {
            result.set(localId, "lost");
          } else if (pub.iceConnectionState === "connected" || pub.iceConnectionState === "completed") {
            const report = await pub.getStats();
            let loss = 0;
            let rtt = selectedPairRtt(report);
            let jitter = 0;
            report.forEach((s) => {
              if (s.type !== "remote-inbound-rtp") return;
              loss = Math.max(loss, num(s.fractionLost) ?? 0);
              const r = num(s.roundTripTime);
              if (r !== void 0) rtt = Math.max(rtt ?? 0, r * 1e3);
              jitter = Math.max(jitter, (num(s.jitter) ?? 0) * 1e3);
            });
            result.set(localId, scoreQuality(loss, rtt, jitter));
          }
        } else if (subAggregate && sub) {
          if (iceBroken(sub)) result.set(localId, "lost");
          else if (sub.iceConnectionState === "connected" || sub.iceConnectionState === "completed") {
            const total = subAggregate.received + subAggregate.lost;
            result.set(localId, scoreQuality(total > 0 ? subAggregate.lost / total : 0, subAggregate.rtt, subAggregate.jitter));
          }
        }
      }
      for (const [pid, q] of result) {
        if (this.lastQuality.get(pid) === q) continue;
        this.lastQuality.set(pid, q);
        this.emitQuality(pid, q);
      }
      const current = /* @__PURE__ */ new Set([localId, ...refs.map((r) => r.participantId)]);
      for (const pid of [...this.lastQuality.keys()]) if (!current.has(pid)) this.lastQuality.delete(pid);
    } catch (err) {
      console.debug("conclave: quality stats failed", err);
    } finally {
      this.qualityBusy = false;
    }
  }
};

// sdk/src/subscriber.ts
var Subscriber = class {
  constructor(iceServers, send, onTrack, onNegotiated, onIceTrouble) {
    this.send = send;
    this.onNegotiated = onNegotiated;
    this.pc = createPC("subscriber", iceServers, send);
    this.candidates = new CandidateBuffer(this.pc, "subscriber");
    this.pc.ontrack = (ev) => {
      try {
        onTrack(ev);
      } catch (err) {
        console.error("conclave: subscriber: track handler threw", err);
      }
    };
    this.unwatch = watchIce(this.pc, onIceTrouble);
  }
  send;
  onNegotiated;
  pc;
  candidates;
  ops = Promise.resolve();
  closed = false;
  unwatch;
  enqueue(label2, op) {
    this.ops = this.ops.then(async () => {
      if (this.closed) return;
      try {
        await op();
      } catch (err) {
        if (!this.closed) console.warn(`conclave: subscriber: ${label2} failed`, err);
      }
    });
  }
  handleOffer(sdp) {
    this.enqueue("answering an offer", async () => {
      await this.pc.setRemoteDescription({ type: "offer", sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      if (this.closed) return;
      this.send("answer", { pc: "subscriber", sdp: this.pc.localDescription?.sdp ?? answer.sdp ?? "" });
      await this.candidates.flush();
      try {
        this.onNegotiated();
      } catch (err) {
        console.error("conclave: subscriber: negotiation handler threw", err);
      }
    });
  }
  handleCandidate(c) {
    if (this.closed || c.candidate === "") return;
    const init = candidateInit(c);
    this.enqueue("adding a candidate", async () => {
      if (!this.pc.remoteDescription) {
        this.candidates.hold(init);
        return;
      }
      await this.candidates.add(init);
    });
  }
  /** Asks the server for an ICE restart; it answers with a new offer. */
  restartIce() {
    if (this.closed) return;
    this.send("restart_ice", {});
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.candidates.clear();
    this.pc.close();
  }
};

// sdk/src/room.ts
var MAX_OUTBOX = 500;
var START = /* @__PURE__ */ Symbol("conclave.start");
var CONSTRUCT = /* @__PURE__ */ Symbol("conclave.construct");
var Room = class {
  /** The participant record of this session; updated in place. */
  local = {
    id: "",
    identity: "",
    joined_at: 0,
    permissions: { publish: false, subscribe: false, publish_data: false },
    tracks: []
  };
  _name = "";
  _state = "connecting";
  events = new Emitter();
  wsUrl;
  token;
  opts;
  socket = null;
  publisher = null;
  subscriber = null;
  resumeSecret;
  ended = false;
  _locked = false;
  _lobbyOn = false;
  _endsAt = 0;
  _lobby = /* @__PURE__ */ new Map();
  waiters = [];
  outbox = [];
  localMedia;
  remoteMedia;
  reconnector;
  stats;
  e2eeCtl;
  /** @internal Rooms are created by connect(). */
  constructor(key, wsUrl, token, opts) {
    if (key !== CONSTRUCT) throw new TypeError("use connect() to join a room");
    this.wsUrl = wsUrl;
    this.token = token;
    this.opts = opts;
    this.e2eeCtl = opts.e2ee !== false && !opts.transform && e2eeSupported() ? RoomE2EE.start(
      {
        send: (to, payload) => this.send("e2ee", { to, payload }),
        changed: () => this.events.emit("e2eeChanged"),
        error: (code, message) => this.events.emit("error", code, message),
        reportIdentityChanged: (identity, identityKey) => this.send("e2ee_identity_changed", { identity, identity_key: identityKey })
      },
      token,
      opts.e2eeWorkerUrl ?? new URL("./e2ee-worker.js", import.meta.url)
    ) : null;
    const transform = () => {
      if (opts.transform) return opts.transform;
      const worker = this.e2eeCtl?.transformWorker();
      return worker ? { worker } : void 0;
    };
    this.localMedia = new LocalMedia({
      local: this.local,
      events: this.events,
      opts,
      transform,
      e2ee: () => this.e2eeCtl?.enabled === true,
      publisher: () => this.publisher,
      ended: () => this.ended,
      ready: () => this.ready(),
      send: (type, data) => this.send(type, data),
      assertActive: () => this.assertActive()
    });
    this.remoteMedia = new RemoteMedia({
      local: this.local,
      events: this.events,
      opts,
      transform,
      subscriber: () => this.subscriber
    });
    this.reconnector = new Reconnector({
      events: this.events,
      get enabled() {
        return opts.reconnect !== false;
      },
      ended: () => this.ended,
      state: () => this._state,
      setState: (s) => this.setState(s),
      localId: () => this.local.id,
      resumeSecret: () => this.resumeSecret,
      publisher: () => this.publisher,
      subscriber: () => this.subscriber,
      rejoin: (resume) => this.openAndJoin(resume, (j) => this.applyJoined(j, true)),
      teardownMedia: () => this.teardownMedia(),
      finish: (reason) => this.finish(reason)
    });
    this.stats = new StatsMonitor(
      {
        publisher: () => this.publisher?.pc ?? null,
        subscriber: () => this.subscriber?.pc ?? null,
        localId: () => this.local.id,
        localMicLevel: () => this.localMedia.micLevel(),
        localPublishing: () => this.localMedia.publishing(),
        remoteTracks: () => this.remoteMedia.refs()
      },
      (ids) => this.events.emit("activeSpeakers", ids),
      (id, q) => this.events.emit("connectionQuality", id, q)
    );
  }
  /** The room name. */
  get name() {
    return this._name;
  }
  /** Remote participants by id. */
  get participants() {
    return this.remoteMedia.participants;
  }
  get state() {
    return this._state;
  }
  on(event, fn) {
    return this.events.on(event, fn);
  }
  // ---------------------------------------------------------------- joining
  /** @internal */
  async [START]() {
    const signal = this.opts.signal;
    if (signal?.aborted) throw abortError();
    try {
      try {
        this.createPCs();
      } catch (err) {
        throw new TypeError(`connect: the browser refused the PeerConnection settings (iceServers?): ${String(err)}`);
      }
      await this.openAndJoin(void 0, (j) => this.applyJoined(j, false));
    } catch (err) {
      this.ended = true;
      this.teardown();
      this._state = "disconnected";
      if (err instanceof JoinFailure) throw conclaveError(err.code, err.message.slice(err.code.length + 2), err.retryAfter);
      throw err;
    }
    this.setState("connected");
    this.stats.start();
    signal?.addEventListener("abort", () => void this.leave(), { once: true });
  }
  openAndJoin(resume, apply) {
    return openAndJoin(
      {
        wsUrl: this.wsUrl,
        token: this.token,
        signal: this.opts.signal,
        connecting: () => this._state === "connecting",
        ended: () => this.ended,
        announcement: this.e2eeCtl ? () => this.e2eeCtl.announcement() : void 0,
        password: this.opts.password,
        onLobby: this.opts.onLobby,
        adopt: (socket) => {
          this.socket = socket;
          socket.onMessage = (m) => this.handle(m);
          socket.onClose = () => this.onSocketClosed(socket);
        }
      },
      resume,
      apply
    );
  }
  /** Applies a joined (first join, resume, or fresh re-join). Synchronous. */
  applyJoined(j, rejoin) {
    if (this.e2eeCtl && !this.e2eeCtl.accepts(j.e2ee === true)) {
      this.finish("e2ee_downgrade");
      return;
    }
    const resumed = rejoin && j.resumed === true && this.publisher !== null && j.participant.id === this.local.id;
    if (rejoin && !resumed) this.teardownMedia();
    this._name = j.room;
    this._locked = j.locked === true;
    this._lobbyOn = j.lobby_on === true;
    this._endsAt = (j.ends_at ?? 0) * 1e3;
    this._lobby.clear();
    for (const g of j.lobby ?? []) this._lobby.set(g.id, g);
    this.resumeSecret = j.resume_secret ?? (resumed ? this.resumeSecret : void 0);
    replaceInPlace(this.local, j.participant);
    if (!this.publisher || !this.subscriber) this.createPCs();
    const before = resumed ? [...this.remoteMedia.participants.keys()] : [];
    this.remoteMedia.reconcile(j.participants, !rejoin);
    this.applyJoinedE2EE(j, resumed, before);
    this.localMedia.syncInfos();
    if (resumed) {
      const queued = this.outbox;
      this.outbox = [];
      for (const [type, data] of queued) this.sendNow(type, data);
      this.publisher?.resendPendingOffer();
    } else {
      this.outbox = [];
      if (rejoin) this.localMedia.republish();
    }
  }
  /**
   * The keys follow the membership: a join (or fresh re-join) starts the
   * session's keys over; a resume keeps them and catches up with whoever
   * came and went while signaling was down.
   */
  applyJoinedE2EE(j, resumed, before) {
    const e = this.e2eeCtl;
    if (!e) return;
    const fail = (err) => console.error("conclave: e2ee", err);
    if (!resumed) {
      e.joined(j.e2ee === true, j.participant, j.participants).catch(fail);
      return;
    }
    const now = new Set(j.participants.map((p) => p.id));
    for (const id of before) if (!now.has(id)) e.participantLeft(id).catch(fail);
    const had = new Set(before);
    for (const p of j.participants) if (!had.has(p.id)) e.participantJoined(p).catch(fail);
  }
  createPCs() {
    const send = (type, data) => this.send(type, data);
    this.publisher = new Publisher(
      this.opts.iceServers,
      send,
      () => this.ready(),
      () => this._state === "connected",
      () => this.reconnector.restartPublisherIce()
    );
    this.subscriber = new Subscriber(
      this.opts.iceServers,
      send,
      (ev) => this.remoteMedia.onRemoteTrack(ev),
      () => this.remoteMedia.sweep(),
      () => this.reconnector.restartSubscriberIce()
    );
  }
  /** Closes both PeerConnections (fresh re-join); local MediaStreamTracks are kept. */
  teardownMedia() {
    this.remoteMedia.unsubscribeAll();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.stats.reset();
    this.localMedia.detach();
  }
  onSocketClosed(socket) {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.ended) return;
    if (this.opts.reconnect === false) {
      this.finish("network");
      return;
    }
    void this.reconnector.run();
  }
  // ------------------------------------------------------------- sending
  ready() {
    if (this.ended) return Promise.reject(conclaveError("disconnected", "the room is disconnected"));
    if (this._state === "connected") return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }
  setState(s) {
    if (this._state === s) return;
    this._state = s;
    if (s === "connected") {
      const w = this.waiters;
      this.waiters = [];
      for (const x of w) x.resolve();
    }
    this.events.emit("connectionStateChanged", s);
  }
  sendNow(type, data) {
    return this.socket?.send(type, data) ?? false;
  }
  /** Sends now, or queues while signaling is reconnecting (offers are resent instead). */
  send(type, data) {
    if (this.ended) return;
    if (this.sendNow(type, data)) return;
    if (type === "offer" || type === "ping" || type === "join" || type === "leave" || type === "restart_ice") return;
    if (this.outbox.length < MAX_OUTBOX) this.outbox.push([type, data]);
  }
  assertActive() {
    if (this.ended) throw conclaveError("disconnected", "the room is disconnected");
  }
  // ------------------------------------------------------------- handling
  handle(msg) {
    if (this.ended) return;
    switch (msg.type) {
      case "joined":
        console.warn("conclave: ignoring an unexpected joined");
        return;
      case "participant_joined":
        this.remoteMedia.upsert(msg.data.participant, true);
        this.e2eeCtl?.participantJoined(msg.data.participant).catch((err) => console.error("conclave: e2ee", err));
        return;
      case "participant_updated":
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.localMedia.syncInfos();
        } else {
          this.remoteMedia.upsert(msg.data.participant, true);
        }
        return;
      case "participant_left":
        this.remoteMedia.remove(msg.data.participant_id, msg.data.reason);
        this.e2eeCtl?.participantLeft(msg.data.participant_id).catch((err) => console.error("conclave: e2ee", err));
        return;
      case "e2ee":
        this.e2eeCtl?.receive(msg.data.from ?? "", msg.data.payload).catch((err) => console.error("conclave: e2ee", err));
        return;
      case "track_published":
        this.onTrackPublished(msg.data.participant_id, msg.data.track);
        return;
      case "track_unpublished":
        this.onTrackUnpublished(msg.data.participant_id, msg.data.track_id);
        return;
      case "offer":
        if (msg.data.pc !== "subscriber") {
          console.warn("conclave: ignoring a server offer for the publisher");
          return;
        }
        this.subscriber?.handleOffer(msg.data.sdp);
        return;
      case "answer":
        if (msg.data.pc !== "publisher") {
          console.warn("conclave: ignoring a server answer for the subscriber");
          return;
        }
        this.publisher?.handleAnswer(msg.data.sdp);
        return;
      case "candidate":
        if (msg.data.pc === "publisher") this.publisher?.handleCandidate(msg.data);
        else this.subscriber?.handleCandidate(msg.data);
        return;
      case "mute":
        this.localMedia.onServerMute(msg.data.track_id, msg.data.muted);
        return;
      case "data": {
        const from = msg.data.from ?? "";
        const topic = msg.data.topic ?? "";
        if (this.e2eeCtl?.enabled) {
          const sealed = fromBase64(msg.data.payload);
          if (sealed) this.e2eeCtl.open(from, topic, sealed, (plain) => emitDataBytes(this.events, plain, from, topic));
          return;
        }
        emitData(this.events, msg.data.payload, from, topic);
        return;
      }
      case "leave":
        if (msg.data.reason === "server_shutdown" && this.opts.reconnect !== false) {
          const socket = this.socket;
          this.socket = null;
          socket?.close(1e3, "server restarting");
          void this.reconnector.run("server_shutdown");
          return;
        }
        this.finish(msg.data.reason ?? "left");
        return;
      case "role_changed":
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.localMedia.syncInfos();
          if (this.local.permissions.admit !== true) this._lobby.clear();
        } else {
          this.remoteMedia.upsert(msg.data.participant, true);
        }
        this.events.emit("roleChanged", msg.data.participant, msg.data.by ?? "");
        return;
      case "lock_changed":
        this._locked = msg.data.locked;
        this.events.emit("lockChanged", msg.data.locked, msg.data.by ?? "");
        return;
      case "lobby_changed":
        this._lobbyOn = msg.data.on;
        this.events.emit("lobbyChanged", msg.data.on, msg.data.by ?? "");
        return;
      case "meeting_ending":
        this._endsAt = msg.data.ends_at * 1e3;
        this.events.emit("meetingEnding", this._endsAt, msg.data.seconds_left);
        return;
      case "lobby_guest":
        this._lobby.set(msg.data.guest.id, msg.data.guest);
        this.events.emit("lobbyGuestWaiting", msg.data.guest);
        return;
      case "lobby_guest_left": {
        const g = this._lobby.get(msg.data.id);
        if (!g) return;
        this._lobby.delete(msg.data.id);
        this.events.emit("lobbyGuestLeft", g, msg.data.reason);
        return;
      }
      case "lobby":
        return;
      case "pong":
        return;
      case "error": {
        const { code, message } = msg.data;
        if (code === "bitrate_limited" && msg.data.max_bitrate !== void 0) {
          const cap = msg.data.max_bitrate;
          this.localMedia.limitBitrate(cap).catch((err) => console.warn("conclave: could not lower the bitrate", err));
          this.events.emit("bitrateLimited", cap);
          return;
        }
        if ((code === "bad_sdp" || code === "permission_denied") && this.publisher?.offerInFlight) {
          this.publisher.failInFlight(code, message);
        }
        if (code === "muted_by_host") this.localMedia.onUnmuteRefused();
        this.events.emit("error", code, message);
        return;
      }
    }
  }
  onTrackPublished(pid, track) {
    if (pid === this.local.id) this.localMedia.onPublished(track);
    else this.remoteMedia.onTrackPublished(pid, track);
  }
  onTrackUnpublished(pid, trackId) {
    if (pid === this.local.id) this.localMedia.onUnpublished(trackId);
    else this.remoteMedia.onTrackUnpublished(pid, trackId);
  }
  // ------------------------------------------------------------- local tracks
  publishCamera(opts = {}) {
    return this.localMedia.publishCamera(opts);
  }
  publishMicrophone(opts = {}) {
    return this.localMedia.publishMicrophone(opts);
  }
  publishScreen() {
    return this.localMedia.publishScreen();
  }
  publishTrack(track, source) {
    return this.localMedia.publishTrack(track, source);
  }
  unpublish(t) {
    return this.localMedia.unpublish(t);
  }
  localTracks() {
    return this.localMedia.list();
  }
  remoteTracks(participantId) {
    return this.remoteMedia.list(participantId);
  }
  setMuted(t, muted) {
    return this.localMedia.setMuted(t, muted);
  }
  requestUnmute(t) {
    return this.localMedia.requestUnmute(t);
  }
  // ------------------------------------------------------------- moderation
  // Each is decided by the server on this participant's role when it
  // arrives (docs/access.md). A refusal arrives as an 'error' event
  // (role_denied, role_rank, permission_denied, unknown_participant);
  // success as the room's own events (roleChanged, lockChanged,
  // participantLeft with reason "removed", disconnected "meeting_ended").
  /** Mutes (or lifts the mute on) another participant's track, as a host: its publisher cannot unmute it. */
  muteParticipant(participantId, trackId, muted = true) {
    this.send("mute_track", { participant_id: participantId, track_id: trackId, muted });
  }
  /**
   * Takes another participant out of the meeting. With ban, its identity
   * is also refused for duration seconds (0 or absent: the room's life;
   * at most a year), whatever token it comes back with; reason is at most
   * 256 bytes.
   */
  removeParticipant(participantId, ban) {
    this.send("remove_participant", ban ? { participant_id: participantId, ban } : { participant_id: participantId });
  }
  /** Gives another participant a role, at most this participant's own. */
  setRole(participantId, role) {
    this.send("set_role", { participant_id: participantId, role });
  }
  /** Locks the meeting (nobody new is admitted, whatever their token) or unlocks it. */
  lockMeeting(locked = true) {
    this.send("lock_meeting", { locked });
  }
  /** Ends the meeting for everyone. */
  endMeeting() {
    this.send("end_meeting", {});
  }
  // ------------------------------------------------------------- lobby and password
  // Decided by the server like the moderation above: admit and deny need
  // the admit permission (a host or moderator), the password the lock
  // permission. A refusal is an 'error' event (role_denied,
  // permission_denied, guest_not_found, room_full when an admission would
  // overfill the room, policy_violation when clearing a password the
  // policy requires); success is lobbyGuestLeft with reason "admitted" or
  // "denied", and the admitted guest's participantJoined.
  /** The guests waiting in the lobby, by id, when this participant may admit them (empty otherwise). */
  get lobby() {
    return this._lobby;
  }
  /** Admits the waiting guest with this id. */
  admit(guestId) {
    if (typeof guestId !== "string" || guestId === "") throw new TypeError("admit: a guest id is required");
    this.send("admit_guest", { id: guestId });
  }
  /** Refuses the waiting guest with this id: its connect() rejects with lobby_denied. */
  deny(guestId) {
    if (typeof guestId !== "string" || guestId === "") throw new TypeError("deny: a guest id is required");
    this.send("deny_guest", { id: guestId });
  }
  /** Admits every guest waiting. */
  admitAll() {
    this.send("admit_guest", { all: true });
  }
  /** Refuses every guest waiting. */
  denyAll() {
    this.send("deny_guest", { all: true });
  }
  /**
   * Sets the room password guests must give from now on (8 to 128 bytes of
   * text without control characters; the server keeps only its hash).
   * Those already in stay. A password the server refuses is an 'error'
   * event (bad_message).
   */
  setPassword(password) {
    if (typeof password !== "string" || password === "") throw new TypeError("setPassword: a password is required (clearPassword() removes it)");
    this.send("set_password", { password });
  }
  /** Removes the room password. */
  clearPassword() {
    this.send("set_password", { password: "" });
  }
  /**
   * Turns the room's lobby on (guests from now on wait until admitted) or
   * off (they walk in; those already waiting stay until admitted or
   * denied). Needs the lock permission; success is a 'lobbyChanged' event,
   * a refusal an 'error' event (role_denied, policy_violation when the
   * organisation's policy requires a lobby for this room, unavailable).
   */
  setLobby(on) {
    if (typeof on !== "boolean") throw new TypeError("setLobby: on must be true or false");
    this.send("set_lobby", { on });
  }
  /** Whether guests wait in the room's lobby. */
  get lobbyOn() {
    return this._lobbyOn;
  }
  /** Whether the meeting is locked. */
  get locked() {
    return this._locked;
  }
  /** When the meeting's maximum duration ends it (Unix ms), 0 for never. */
  get endsAt() {
    return this._endsAt;
  }
  switchDevice(kind, deviceId) {
    return this.localMedia.switchDevice(kind, deviceId);
  }
  // ------------------------------------------------------------- data
  async sendData(payload, opts = {}) {
    this.assertActive();
    const msg = dataMessage(this.local, payload, opts);
    if (this.e2eeCtl?.enabled) {
      msg.payload = toBase64(await this.e2eeCtl.seal(opts.topic ?? "", fromBase64(msg.payload)));
      this.assertActive();
    }
    this.send("data", msg);
  }
  sendChat(text) {
    if (typeof text !== "string") return Promise.reject(new TypeError("sendChat: text must be a string"));
    return this.sendData(JSON.stringify({ text }), { topic: "chat" });
  }
  // ------------------------------------------------------------- end-to-end encryption
  /** True when the room requires end-to-end encryption and this session encrypts everything it sends. */
  get e2ee() {
    return this.e2eeCtl?.enabled === true;
  }
  /** Where this browser keeps its identity key: 'indexeddb' (non-extractable, kept across visits) or 'memory' (this page only); null without E2EE. */
  get identityStorage() {
    return this.e2eeCtl?.identityStorage ?? null;
  }
  /** The room's safety code ("12345 67890 13579 24680"), the same on every screen; "" without E2EE. */
  safetyCode() {
    return this.e2eeCtl?.safetyCode() ?? Promise.resolve("");
  }
  /** What this browser knows of a participant's end-to-end encryption; null without E2EE or for an unknown id. */
  e2eeStatus(participantId) {
    return this.e2eeCtl?.status(participantId) ?? null;
  }
  /** Marks (or unmarks) a participant's identity key verified on this browser, after comparing safety codes. */
  markVerified(participantId, verified = true) {
    this.e2eeCtl?.markVerified(participantId, verified);
  }
  /** Counters of this session's end-to-end encryption (frames encrypted, decrypted, dropped by reason); null without E2EE. */
  e2eeStats() {
    return this.e2eeCtl?.stats() ?? Promise.resolve(null);
  }
  /** The SFrame key id this session sends with (epoch << 8 | step), for tests and diagnostics. */
  e2eeSendingKeyId() {
    return this.e2eeCtl?.sendingKid() ?? 0;
  }
  // ------------------------------------------------------------- leaving
  async leave() {
    if (this.ended) return;
    this.sendNow("leave", void 0);
    this.finish("client_left");
  }
  simulateSignalDrop() {
    this.socket?.drop(SIMULATED_DROP_CODE, "simulated drop");
  }
  async getStats() {
    const empty = /* @__PURE__ */ new Map();
    const [publisher, subscriber] = await Promise.all([
      this.publisher ? this.publisher.pc.getStats() : Promise.resolve(empty),
      this.subscriber ? this.subscriber.pc.getStats() : Promise.resolve(empty)
    ]);
    return { publisher, subscriber };
  }
  /** Ends the session for good: closes everything and emits disconnected(reason). */
  finish(reason) {
    if (this.ended) return;
    this.ended = true;
    this.teardown();
    this.setState("disconnected");
    this.events.emit("disconnected", reason);
  }
  teardown() {
    this.e2eeCtl?.close();
    this.stats.stop();
    this.reconnector.stop();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1e3, "bye");
    this.remoteMedia.unsubscribeAll();
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.localMedia.stopAll();
    this.outbox = [];
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(conclaveError("disconnected", "the room is disconnected"));
  }
};
async function connect(url, token, opts = {}) {
  if (typeof token !== "string" || token === "") throw new TypeError("connect: a join token is required");
  if (opts.transform && !transformSupported()) {
    throw conclaveError("transform_unsupported", "this browser has no RTCRtpScriptTransform");
  }
  const room = new Room(CONSTRUCT, signalURL(url), token, { ...opts });
  await room[START]();
  return room;
}

// sdk/src/index.ts
prewarmKem(import.meta.url);
export {
  DeviceError,
  LevelMeter,
  Room,
  connect,
  getLocalMedia,
  listDevices
};
