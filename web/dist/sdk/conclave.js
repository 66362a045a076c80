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
  constructor(code, message, retryable) {
    super(`${code}: ${message}`);
    this.code = code;
    this.retryable = retryable;
    this.name = "ConclaveError";
  }
  code;
  retryable;
};
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
function conclaveError(code, message) {
  const err = new Error(`${code}: ${message}`);
  err.name = "ConclaveError";
  err.code = code;
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
  if (isStr(x.name) && x.name !== "") p.name = x.name;
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
      const j = { room: d.room, participant, participants, resumed: d.resumed === true, e2ee: d.e2ee === true };
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
    case "error":
      if (!isStr(d.code)) return null;
      return { type, data: { code: d.code, message: isStr(d.message) ? d.message : "" } };
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
  try {
    socket = await SignalSocket.open(host.wsUrl, host.connecting() ? signal : void 0);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new JoinFailure("network", err.message ?? "cannot reach the server", true);
  }
  if (host.ended()) {
    socket.close();
    throw new JoinFailure("client_left", "the room was left", false);
  }
  await new Promise((resolve, reject) => {
    let errCode;
    let errMessage = "";
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
        case "error":
          errCode = msg.data.code;
          errMessage = msg.data.message;
          return;
        case "leave": {
          const code = errCode ?? msg.data.reason ?? "error";
          finish(new JoinFailure(code, errMessage || `the server refused the join (${code})`, RETRYABLE_CODES.has(code)));
          return;
        }
        default:
          console.warn(`conclave: ignoring "${msg.type}" before joined`);
      }
    };
    socket.onClose = () => {
      const code = errCode ?? "network";
      finish(new JoinFailure(code, errMessage || "the connection closed during join", RETRYABLE_CODES.has(code)));
    };
    const join = { token: host.token };
    if (resume) join.resume = resume;
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
    this.host.send("add_track", { cid: st.cid, kind: st.kind, source: lt.source });
    const tr = publisher.addTrack(lt.track, st.stream);
    st.transceiver = tr;
    lt.sender = tr.sender;
    attachTransform(this.host.opts.transform, tr.sender, {
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
    publisher.negotiate().catch((err) => console.warn("conclave: republishing failed", err));
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
  constructor(pc, label) {
    this.pc = pc;
    this.label = label;
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
  /** Adds a send-only transceiver for a track. The caller announces it (add_track) first. */
  addTrack(track, stream) {
    return this.pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
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
    try {
      for (let attempt = 0; !host.ended(); attempt++) {
        const delay = backoffDelay(attempt);
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
  upsert(p, announce) {
    if (p.id === this.host.local.id) return;
    const events = this.host.events;
    const old = this.participants.get(p.id);
    if (!old) {
      this.participants.set(p.id, p);
      if (announce) events.emit("participantJoined", p);
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
      attachTransform(this.host.opts.transform, tr.receiver, {
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
  enqueue(label, op) {
    this.ops = this.ops.then(async () => {
      if (this.closed) return;
      try {
        await op();
      } catch (err) {
        if (!this.closed) console.warn(`conclave: subscriber: ${label} failed`, err);
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
  waiters = [];
  outbox = [];
  localMedia;
  remoteMedia;
  reconnector;
  stats;
  /** @internal Rooms are created by connect(). */
  constructor(key, wsUrl, token, opts) {
    if (key !== CONSTRUCT) throw new TypeError("use connect() to join a room");
    this.wsUrl = wsUrl;
    this.token = token;
    this.opts = opts;
    this.localMedia = new LocalMedia({
      local: this.local,
      events: this.events,
      opts,
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
      if (err instanceof JoinFailure) throw conclaveError(err.code, err.message.slice(err.code.length + 2));
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
    const resumed = rejoin && j.resumed === true && this.publisher !== null && j.participant.id === this.local.id;
    if (rejoin && !resumed) this.teardownMedia();
    this._name = j.room;
    this.resumeSecret = j.resume_secret ?? (resumed ? this.resumeSecret : void 0);
    replaceInPlace(this.local, j.participant);
    if (!this.publisher || !this.subscriber) this.createPCs();
    this.remoteMedia.reconcile(j.participants, !rejoin);
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
      case "data":
        emitData(this.events, msg.data.payload, msg.data.from ?? "", msg.data.topic ?? "");
        return;
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
      case "pong":
        return;
      case "error": {
        const { code, message } = msg.data;
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
  switchDevice(kind, deviceId) {
    return this.localMedia.switchDevice(kind, deviceId);
  }
  // ------------------------------------------------------------- data
  async sendData(payload, opts = {}) {
    this.assertActive();
    this.send("data", dataMessage(this.local, payload, opts));
  }
  sendChat(text) {
    if (typeof text !== "string") return Promise.reject(new TypeError("sendChat: text must be a string"));
    return this.sendData(JSON.stringify({ text }), { topic: "chat" });
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
export {
  DeviceError,
  LevelMeter,
  Room,
  connect,
  getLocalMedia,
  listDevices
};
