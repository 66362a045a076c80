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
  const t = {
    id: x.id,
    kind: x.kind,
    source: x.source,
    mime_type: x.mime_type ?? "",
    muted: x.muted === true
  };
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
      const j = { room: d.room, participant, participants, resumed: d.resumed === true };
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
      await this.candidates.flush();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      if (this.closed) return;
      this.send("answer", { pc: "subscriber", sdp: this.pc.localDescription?.sdp ?? answer.sdp ?? "" });
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
var JOIN_TIMEOUT_MS = 1e4;
var MAX_DATA_BYTES = 15 << 10;
var MAX_OUTBOX = 500;
var TRACK_INFO_WAIT_MS = 2e3;
var ICE_RESTART_SPACING_MS = 3e3;
var ICE_RESTART_RECHECK_MS = 1e4;
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
var RETRYABLE_CODES = /* @__PURE__ */ new Set(["network", "timeout", "identity_in_use", "rate_limited", "internal"]);
var FRESH_JOIN_CODES = /* @__PURE__ */ new Set(["resume_failed", "token_expired"]);
function conclaveError(code, message) {
  const err = new Error(`${code}: ${message}`);
  err.name = "ConclaveError";
  err.code = code;
  return err;
}
var START = /* @__PURE__ */ Symbol("conclave.start");
var CONSTRUCT = /* @__PURE__ */ Symbol("conclave.construct");
function replaceInPlace(target, src) {
  for (const k of Object.keys(target)) if (!(k in src)) delete target[k];
  Object.assign(target, src);
}
function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
function sourceFitsKind(source2, kind) {
  return kind === "video" ? source2 === "camera" || source2 === "screen" : source2 === "microphone" || source2 === "screen_audio";
}
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
  _participants = /* @__PURE__ */ new Map();
  events = new Emitter();
  wsUrl;
  token;
  opts;
  socket = null;
  publisher = null;
  subscriber = null;
  resumeSecret;
  ended = false;
  reconnectingNow = false;
  waiters = [];
  outbox = [];
  locals = /* @__PURE__ */ new Map();
  remotes = /* @__PURE__ */ new Map();
  stats;
  micMeter = null;
  preferred = {};
  lastIceRestart = { publisher: 0, subscriber: 0 };
  iceRecheck = {};
  /** @internal Rooms are created by connect(). */
  constructor(key, wsUrl, token, opts) {
    if (key !== CONSTRUCT) throw new TypeError("use connect() to join a room");
    this.wsUrl = wsUrl;
    this.token = token;
    this.opts = opts;
    this.stats = new StatsMonitor(
      {
        publisher: () => this.publisher?.pc ?? null,
        subscriber: () => this.subscriber?.pc ?? null,
        localId: () => this.local.id,
        localMicLevel: () => this.localMicLevel(),
        localPublishing: () => [...this.locals.keys()].some((t) => t.track.readyState === "live"),
        remoteTracks: () => this.remoteRefs()
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
    return this._participants;
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
  /**
   * Opens a socket and joins (or resumes). `apply` runs synchronously inside
   * the handler of `joined`, so messages that follow it are handled with the
   * new state in place.
   */
  async openAndJoin(resume, apply) {
    const signal = this.opts.signal;
    let socket;
    try {
      socket = await SignalSocket.open(this.wsUrl, this._state === "connecting" ? signal : void 0);
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new JoinFailure("network", err.message ?? "cannot reach the server", true);
    }
    if (this.ended) {
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
        if (this._state === "connecting") finish(abortError());
      };
      const timer = setTimeout(() => finish(new JoinFailure("timeout", "no answer to join", true)), JOIN_TIMEOUT_MS);
      signal?.addEventListener("abort", onAbort);
      socket.onMessage = (msg) => {
        if (done) return;
        switch (msg.type) {
          case "joined":
            if (this.ended) {
              finish(new JoinFailure("client_left", "the room was left", false));
              return;
            }
            done = true;
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            this.socket = socket;
            socket.onMessage = (m) => this.handle(m);
            socket.onClose = () => this.onSocketClosed(socket);
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
      const join = { token: this.token };
      if (resume) join.resume = resume;
      if (!socket.send("join", join)) finish(new JoinFailure("network", "could not send join", true));
    });
  }
  /** Applies a joined (first join, resume, or fresh re-join). Synchronous. */
  applyJoined(j, rejoin) {
    const resumed = rejoin && j.resumed === true && this.publisher !== null && j.participant.id === this.local.id;
    if (rejoin && !resumed) this.teardownMedia();
    this._name = j.room;
    this.resumeSecret = j.resume_secret ?? (resumed ? this.resumeSecret : void 0);
    replaceInPlace(this.local, j.participant);
    if (!this.publisher || !this.subscriber) this.createPCs();
    this.reconcileParticipants(j.participants, !rejoin);
    this.syncLocalInfos();
    if (resumed) {
      const queued = this.outbox;
      this.outbox = [];
      for (const [type, data] of queued) this.sendNow(type, data);
      this.publisher?.resendPendingOffer();
    } else {
      this.outbox = [];
      if (rejoin) this.republish();
    }
  }
  createPCs() {
    const send = (type, data) => this.send(type, data);
    this.publisher = new Publisher(
      this.opts.iceServers,
      send,
      () => this.ready(),
      () => this._state === "connected",
      () => this.restartPublisherIce()
    );
    this.subscriber = new Subscriber(
      this.opts.iceServers,
      send,
      (ev) => this.onRemoteTrack(ev),
      () => this.sweepRemoteTracks(),
      () => this.restartSubscriberIce()
    );
  }
  /** Closes both PeerConnections (fresh re-join); local MediaStreamTracks are kept. */
  teardownMedia() {
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    this.stats.reset();
    for (const [lt, st] of this.locals) {
      lt.info = null;
      st.transceiver = null;
    }
  }
  /** Publishes every local track again on a new publisher PeerConnection. */
  republish() {
    if (this.locals.size === 0 || !this.publisher) return;
    for (const [lt, st] of this.locals) {
      st.cid = lt.track.id;
      try {
        this.attachSender(lt, st);
      } catch (err) {
        console.warn("conclave: could not republish a track", err);
      }
    }
    this.publisher.negotiate().catch((err) => console.warn("conclave: republishing failed", err));
  }
  // ------------------------------------------------------------- reconnect
  onSocketClosed(socket) {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.ended) return;
    if (this.opts.reconnect === false) {
      this.finish("network");
      return;
    }
    void this.reconnectLoop();
  }
  async reconnectLoop() {
    if (this.reconnectingNow || this.ended) return;
    this.reconnectingNow = true;
    this.setState("reconnecting");
    this.events.emit("reconnecting");
    const deadline = Date.now() + RECONNECT_GIVE_UP_MS;
    let tryResume = this.resumeSecret !== void 0 && this.local.id !== "";
    let failure = "network";
    try {
      for (let attempt = 0; !this.ended; attempt++) {
        const delay = backoffDelay(attempt);
        if (Date.now() + delay > deadline) break;
        await new Promise((r) => setTimeout(r, delay));
        if (this.ended) return;
        try {
          if (tryResume) {
            try {
              await this.openAndJoin(
                { participant_id: this.local.id, secret: this.resumeSecret ?? "" },
                (j) => this.applyJoined(j, true)
              );
              this.reconnectDone();
              return;
            } catch (err) {
              if (!(err instanceof JoinFailure) || err.retryable) throw err;
              if (!FRESH_JOIN_CODES.has(err.code)) throw err;
              console.info(`conclave: resume refused (${err.code}); joining afresh`);
              tryResume = false;
            }
          }
          this.teardownMedia();
          await this.openAndJoin(void 0, (j) => this.applyJoined(j, true));
          this.reconnectDone();
          return;
        } catch (err) {
          if (err instanceof JoinFailure) {
            failure = err.code;
            if (!err.retryable) {
              this.finish(err.code);
              return;
            }
          }
          if (this.ended) return;
        }
      }
      this.finish(failure === "network" || RETRYABLE_CODES.has(failure) ? "network" : failure);
    } finally {
      this.reconnectingNow = false;
    }
  }
  reconnectDone() {
    this.setState("connected");
    this.events.emit("reconnected");
    const pub = this.publisher?.pc;
    const sub = this.subscriber?.pc;
    if (pub && (pub.iceConnectionState === "failed" || pub.iceConnectionState === "disconnected")) this.restartPublisherIce();
    if (sub && (sub.iceConnectionState === "failed" || sub.iceConnectionState === "disconnected")) this.restartSubscriberIce();
  }
  restartPublisherIce() {
    if (this.opts.reconnect === false || this.ended) return;
    const pub = this.publisher;
    if (!pub || !pub.pc.remoteDescription) return;
    if (this._state !== "connected") return;
    const now = Date.now();
    if (now - this.lastIceRestart.publisher < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.publisher = now;
    pub.negotiate(true).catch((err) => console.warn("conclave: publisher ICE restart failed", err));
    this.recheckIce("publisher");
  }
  restartSubscriberIce() {
    if (this.opts.reconnect === false || this.ended) return;
    const sub = this.subscriber;
    if (!sub || !sub.pc.remoteDescription) return;
    if (this._state !== "connected") return;
    const now = Date.now();
    if (now - this.lastIceRestart.subscriber < ICE_RESTART_SPACING_MS) return;
    this.lastIceRestart.subscriber = now;
    sub.restartIce();
    this.recheckIce("subscriber");
  }
  recheckIce(which) {
    clearTimeout(this.iceRecheck[which]);
    this.iceRecheck[which] = setTimeout(() => {
      const pc = which === "publisher" ? this.publisher?.pc : this.subscriber?.pc;
      if (!pc || this.ended) return;
      if (pc.iceConnectionState === "failed" || pc.iceConnectionState === "disconnected") {
        if (which === "publisher") this.restartPublisherIce();
        else this.restartSubscriberIce();
      }
    }, ICE_RESTART_RECHECK_MS);
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
        this.upsertParticipant(msg.data.participant, true);
        return;
      case "participant_updated":
        if (msg.data.participant.id === this.local.id) {
          replaceInPlace(this.local, msg.data.participant);
          this.syncLocalInfos();
        } else {
          this.upsertParticipant(msg.data.participant, true);
        }
        return;
      case "participant_left":
        this.removeParticipant(msg.data.participant_id, msg.data.reason);
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
        this.onServerMute(msg.data.track_id, msg.data.muted);
        return;
      case "data":
        this.onData(msg.data.payload, msg.data.from ?? "", msg.data.topic ?? "");
        return;
      case "leave":
        this.finish(msg.data.reason ?? "left");
        return;
      case "pong":
        return;
      case "error": {
        const { code, message } = msg.data;
        if ((code === "bad_sdp" || code === "permission_denied") && this.publisher?.offerInFlight) {
          this.publisher.failInFlight(code, message);
        }
        this.events.emit("error", code, message);
        return;
      }
    }
  }
  reconcileParticipants(list, initial) {
    const seen = /* @__PURE__ */ new Set();
    for (const p of list) {
      if (p.id === this.local.id) continue;
      seen.add(p.id);
      this.upsertParticipant(p, !initial);
    }
    for (const id of [...this._participants.keys()]) if (!seen.has(id)) this.removeParticipant(id, "left");
  }
  upsertParticipant(p, announce) {
    if (p.id === this.local.id) return;
    const old = this._participants.get(p.id);
    if (!old) {
      this._participants.set(p.id, p);
      if (announce) this.events.emit("participantJoined", p);
      this.resolvePendingRemotes(p.id);
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
    this.resolvePendingRemotes(p.id);
    this.events.emit("participantUpdated", old);
    for (const t of old.tracks) {
      const was = before.get(t.id);
      if (was === void 0 || was === t.muted) continue;
      this.events.emit(t.muted ? "trackMuted" : "trackUnmuted", p.id, { ...t });
    }
  }
  removeParticipant(id, reason) {
    const p = this._participants.get(id);
    for (const e of [...this.remotes.values()]) if (e.participantId === id) this.unsubscribeEntry(e);
    if (!p) return;
    this._participants.delete(id);
    this.events.emit("participantLeft", p, reason);
  }
  onTrackPublished(pid, track) {
    if (pid === this.local.id) {
      this.local.tracks = [...this.local.tracks.filter((t) => t.id !== track.id), track];
      this.syncLocalInfos();
      return;
    }
    const p = this._participants.get(pid);
    if (!p) {
      console.warn(`conclave: track_published for unknown participant ${pid}`);
      return;
    }
    p.tracks = [...p.tracks.filter((t) => t.id !== track.id), track];
    this.resolvePendingRemotes(pid);
  }
  onTrackUnpublished(pid, trackId) {
    if (pid === this.local.id) {
      this.local.tracks = this.local.tracks.filter((t) => t.id !== trackId);
      for (const lt of this.locals.keys()) if (lt.info?.id === trackId) lt.info = null;
      return;
    }
    const p = this._participants.get(pid);
    if (p) p.tracks = p.tracks.filter((t) => t.id !== trackId);
    const e = this.remotes.get(trackId);
    if (e) this.unsubscribeEntry(e);
  }
  onServerMute(trackId, muted) {
    for (const lt of this.locals.keys()) {
      if (lt.info?.id !== trackId) continue;
      lt.info.muted = muted;
      if (muted) {
        lt.track.enabled = false;
        lt.muted = true;
        this.events.emit("muteRequested", lt);
      }
      return;
    }
    console.warn(`conclave: mute for an unknown local track ${trackId}`);
  }
  onData(payloadB64, from, topic) {
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
      this.events.emit("chat", { from, text, time: Date.now() });
      return;
    }
    this.events.emit("data", bytes, from, topic);
  }
  /** Fills LocalTrack.info from the server's view of our own tracks (matched by cid). */
  syncLocalInfos() {
    const claimed = /* @__PURE__ */ new Set();
    for (const lt of this.locals.keys()) if (lt.info) claimed.add(lt.info.id);
    for (const [lt, st] of this.locals) {
      let info = this.local.tracks.find((t) => t.cid === st.cid);
      if (!info && lt.info) info = this.local.tracks.find((t) => t.id === lt.info?.id);
      if (!info) {
        const candidates = this.local.tracks.filter(
          (t) => t.cid === void 0 && t.kind === st.kind && t.source === lt.source && !claimed.has(t.id)
        );
        if (candidates.length === 1) info = candidates[0];
      }
      if (!info) continue;
      claimed.add(info.id);
      const first = lt.info === null || lt.info.id !== info.id;
      if (first) {
        lt.info = { ...info };
        if (lt.muted && !info.muted) this.send("mute", { track_id: info.id, muted: true });
        else if (info.muted && !lt.muted) {
          lt.muted = true;
          lt.track.enabled = false;
        }
      } else if (lt.info) {
        replaceInPlace(lt.info, { ...info });
      }
    }
  }
  // ------------------------------------------------------------- remote tracks
  onRemoteTrack(ev) {
    const sub = this.subscriber;
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
    this.bindRemote(tr, pid, tid);
  }
  bindRemote(tr, pid, tid) {
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
      attachTransform(this.opts.transform, tr.receiver, {
        side: "receive",
        trackId: tid,
        kind: track.kind === "audio" ? "audio" : "video",
        participantId: pid
      });
    } catch (err) {
      console.warn("conclave: could not attach the receive transform", err);
    }
    this.remotes.set(tid, entry);
    if (!this.tryEmitRemote(entry)) {
      entry.timer = setTimeout(() => {
        entry.timer = void 0;
        if (this.remotes.get(tid) !== entry || entry.rt) return;
        console.warn(`conclave: no track info for ${tid}; assuming defaults`);
        const kind = track.kind === "audio" ? "audio" : "video";
        this.emitRemote(entry, { id: tid, kind, source: kind === "audio" ? "microphone" : "camera", mime_type: "", muted: false });
      }, TRACK_INFO_WAIT_MS);
    }
  }
  tryEmitRemote(e) {
    if (e.rt) return true;
    const info = this._participants.get(e.participantId)?.tracks.find((t) => t.id === e.trackId);
    if (!info) return false;
    this.emitRemote(e, info);
    return true;
  }
  emitRemote(e, info) {
    if (e.timer !== void 0) clearTimeout(e.timer);
    e.timer = void 0;
    e.rt = { info: { ...info }, participantId: e.participantId, track: e.track, stream: e.stream, receiver: e.transceiver.receiver };
    this.events.emit("trackSubscribed", e.rt);
  }
  resolvePendingRemotes(pid) {
    for (const e of this.remotes.values()) if (e.participantId === pid && !e.rt) this.tryEmitRemote(e);
  }
  unsubscribeEntry(e) {
    if (this.remotes.get(e.trackId) === e) this.remotes.delete(e.trackId);
    if (e.timer !== void 0) clearTimeout(e.timer);
    e.timer = void 0;
    if (e.rt) {
      const rt = e.rt;
      e.rt = null;
      this.events.emit("trackUnsubscribed", rt);
    }
  }
  /** After each subscriber negotiation: bind new tracks, drop the ones that stopped. */
  sweepRemoteTracks() {
    const sub = this.subscriber;
    if (!sub) return;
    const map = msidByMid(sub.pc.remoteDescription?.sdp ?? "");
    const receiving = (tr) => tr.currentDirection === "recvonly" || tr.currentDirection === "sendrecv";
    for (const tr of sub.pc.getTransceivers()) {
      const m = tr.mid !== null ? map.get(tr.mid) : void 0;
      if (receiving(tr) && m) this.bindRemote(tr, m.streamId, m.trackId);
    }
    for (const e of [...this.remotes.values()]) {
      const m = e.transceiver.mid !== null ? map.get(e.transceiver.mid) : void 0;
      if (!receiving(e.transceiver) || m && m.trackId !== e.trackId) this.unsubscribeEntry(e);
    }
  }
  remoteRefs() {
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
  // ------------------------------------------------------------- local tracks
  async publishCamera(opts = {}) {
    this.assertActive();
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
  async publishMicrophone(opts = {}) {
    this.assertActive();
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
    this.assertActive();
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
  async publishTrack(track, source2) {
    this.assertActive();
    this.assertCanPublish();
    if (!(track instanceof MediaStreamTrack)) throw new TypeError("publishTrack needs a MediaStreamTrack");
    if (track.readyState === "ended") throw new TypeError("publishTrack: the track has ended");
    if (!sourceFitsKind(source2, track.kind)) throw new TypeError(`publishTrack: source ${source2} does not fit a ${track.kind} track`);
    for (const lt2 of this.locals.keys()) if (lt2.track === track) throw new TypeError("publishTrack: this track is already published");
    await this.ready();
    const publisher = this.publisher;
    if (!publisher) throw conclaveError("disconnected", "the room is disconnected");
    const st = {
      cid: track.id,
      kind: track.kind === "audio" ? "audio" : "video",
      stream: new MediaStream([track]),
      transceiver: null,
      cleanup: []
    };
    const lt = { info: null, source: source2, track, sender: null, muted: !track.enabled };
    this.attachSender(lt, st);
    this.locals.set(lt, st);
    try {
      await publisher.negotiate();
    } catch (err) {
      this.locals.delete(lt);
      if (st.transceiver) this.publisher?.removeTrack(st.transceiver.sender);
      throw err;
    }
    if (!this.locals.has(lt)) throw conclaveError("disconnected", "the track was unpublished while publishing");
    if (source2 === "screen" || source2 === "screen_audio") {
      const onEnded = () => {
        if (!this.locals.has(lt)) return;
        void this.unpublish(lt);
        if (source2 === "screen") {
          for (const other of [...this.locals.keys()]) if (other.source === "screen_audio") void this.unpublish(other);
        }
      };
      track.addEventListener("ended", onEnded);
      st.cleanup.push(() => track.removeEventListener("ended", onEnded));
    }
    this.syncLocalInfos();
    this.updateMicMeter();
    this.events.emit("localTrackPublished", lt);
    return lt;
  }
  /** Announces the track (add_track), adds its transceiver and the send transform. */
  attachSender(lt, st) {
    const publisher = this.publisher;
    if (!publisher) throw conclaveError("disconnected", "the room is disconnected");
    this.send("add_track", { cid: st.cid, kind: st.kind, source: lt.source });
    const tr = publisher.addTrack(lt.track, st.stream);
    st.transceiver = tr;
    lt.sender = tr.sender;
    attachTransform(this.opts.transform, tr.sender, {
      side: "send",
      trackId: st.cid,
      kind: st.kind,
      participantId: this.local.id
    });
  }
  async unpublish(t) {
    const st = this.locals.get(t);
    if (!st) return;
    this.locals.delete(t);
    for (const f of st.cleanup) f();
    t.track.stop();
    this.updateMicMeter();
    const publisher = this.publisher;
    if (st.transceiver && publisher) {
      publisher.removeTrack(st.transceiver.sender);
      if (!this.ended) {
        try {
          await publisher.negotiate();
        } catch (err) {
          console.warn("conclave: renegotiation after unpublish failed", err);
        }
      }
    }
    if (t.info) this.local.tracks = this.local.tracks.filter((x) => x.id !== t.info?.id);
    this.events.emit("localTrackUnpublished", t);
  }
  localTracks() {
    return [...this.locals.keys()];
  }
  remoteTracks(participantId) {
    const out = [];
    for (const e of this.remotes.values()) {
      if (e.rt && (participantId === void 0 || e.participantId === participantId)) out.push(e.rt);
    }
    return out;
  }
  async setMuted(t, muted) {
    this.assertActive();
    if (!this.locals.has(t)) throw new TypeError("setMuted: not a published local track");
    t.track.enabled = !muted;
    t.muted = muted;
    if (t.info) {
      t.info.muted = muted;
      this.send("mute", { track_id: t.info.id, muted });
    }
  }
  async switchDevice(kind, deviceId) {
    this.assertActive();
    if (kind !== "audioinput" && kind !== "videoinput") throw new TypeError(`switchDevice: unknown kind ${String(kind)}`);
    this.preferred[kind] = deviceId;
    const source2 = kind === "videoinput" ? "camera" : "microphone";
    for (const [lt, st] of [...this.locals]) {
      if (lt.source !== source2) continue;
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
  // ------------------------------------------------------------- data
  async sendData(payload, opts = {}) {
    this.assertActive();
    if (!this.local.permissions.publish_data) throw conclaveError("permission_denied", "the token does not grant publishData");
    const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("sendData: payload must be a Uint8Array or a string");
    if (bytes.length > MAX_DATA_BYTES) throw conclaveError("message_too_large", `data payloads are limited to ${MAX_DATA_BYTES} bytes`);
    const msg = { payload: toBase64(bytes) };
    if (opts.topic) msg.topic = opts.topic;
    if (opts.to && opts.to.length > 0) msg.to = [...opts.to];
    this.send("data", msg);
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
    clearTimeout(this.iceRecheck.publisher);
    clearTimeout(this.iceRecheck.subscriber);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1e3, "bye");
    for (const e of [...this.remotes.values()]) this.unsubscribeEntry(e);
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = null;
    this.subscriber = null;
    for (const [lt, st] of this.locals) {
      for (const f of st.cleanup) f();
      lt.track.stop();
    }
    this.locals.clear();
    this.micMeter?.meter.close();
    this.micMeter = null;
    this.outbox = [];
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(conclaveError("disconnected", "the room is disconnected"));
  }
  assertCanPublish() {
    if (!this.local.permissions.publish) throw conclaveError("permission_denied", "the token does not grant publish");
  }
  // ------------------------------------------------------------- levels
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
  localMicLevel() {
    const mic = [...this.locals.keys()].find((t) => t.source === "microphone");
    if (!mic || mic.muted || !this.micMeter) return 0;
    return this.micMeter.meter.level();
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

// app/src/dom.ts
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === void 0) continue;
    if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, ...children);
  return el;
}
function append(parent, ...children) {
  for (const c of children) {
    if (c === null || c === void 0 || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}
function setPressed(btn, pressed) {
  btn.setAttribute("aria-pressed", String(pressed));
}
function notify(text, kind = "info", ms = 6e3) {
  const box = document.getElementById("notices");
  if (!box) return;
  for (const old of box.querySelectorAll(".notice")) if (old.firstElementChild?.textContent === text) old.remove();
  const close = h("button", { type: "button", class: "notice-close", "aria-label": "Dismiss" }, "×");
  const item = h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : null }, h("span", {}, text), close);
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  box.appendChild(item);
  if (ms > 0) window.setTimeout(remove, ms);
}
function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0] ?? "";
  const last = words.length > 1 ? Array.from(words[words.length - 1])[0] ?? "" : "";
  return (first + last).toUpperCase();
}
function hueOf(key) {
  let x = 0;
  for (let i = 0; i < key.length; i++) x = x * 31 + key.charCodeAt(i) >>> 0;
  return x % 360;
}
function isTyping(e) {
  const t = e.target;
  if (!t) return false;
  return t.isContentEditable || t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT";
}

// app/src/text.ts
var ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
var NAME_MAX = 64;
function deviceErrorText(device, kind) {
  const Dev = device === "camera" ? "Camera" : "Microphone";
  switch (kind) {
    case "not_found":
      return `No ${device} found`;
    case "permission_denied":
      return `${Dev} permission was denied — allow it in the browser's site settings`;
    case "in_use":
      return `${Dev} is in use by another application`;
    case "insecure_context":
      return "Media devices need a secure (https) page";
    default:
      return `${Dev} could not be started`;
  }
}
var LEAVE_REASONS = {
  client_left: "You left the meeting.",
  left: "You left the meeting.",
  removed: "A room admin removed you from the meeting.",
  room_deleted: "The meeting room was closed.",
  room_not_found: "This room does not exist or has been closed.",
  server_shutdown: "The server is restarting. Try rejoining in a moment.",
  connection_lost: "The connection to the server was lost.",
  network: "The network connection was lost.",
  join_timeout: "Joining took too long.",
  identity_in_use: "You are already in this meeting from another tab or device.",
  room_full: "The room is full.",
  permission_denied: "Your join token does not allow joining this room.",
  rate_limited: "Too many messages were sent; the server ended the session.",
  error: "The session ended because of an error."
};
function leaveReasonText(reason) {
  return LEAVE_REASONS[reason] ?? `Disconnected (${reason || "unknown reason"}).`;
}
function connectErrorText(err) {
  const e = err;
  const code = typeof e?.code === "string" ? e.code : "";
  if (code && LEAVE_REASONS[code]) return LEAVE_REASONS[code];
  if (code.startsWith("token")) return "The join token is invalid or has expired.";
  const msg = typeof e?.message === "string" ? e.message : String(err);
  for (const key of Object.keys(LEAVE_REASONS)) {
    if (msg.includes(key) && key.length > 5) return LEAVE_REASONS[key];
  }
  if (/token/i.test(msg)) return "The join token is invalid or has expired.";
  return `Could not join: ${msg}`;
}

// app/src/token.ts
async function detectTokenSource() {
  try {
    const res = await fetch("/dev/config", { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return { kind: "paste" };
    const body = await res.json();
    return body.dev === true ? { kind: "dev" } : { kind: "paste" };
  } catch {
    return { kind: "paste" };
  }
}
async function fetchDevToken(room, name) {
  let res;
  try {
    res = await fetch("/dev/token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ room, name }),
      cache: "no-store"
    });
  } catch {
    throw new Error("The server could not be reached.");
  }
  if (!res.ok) {
    const detail = await errorMessage(res);
    if (detail) throw new Error(`Could not get a join token: ${detail}`);
    if (res.status === 429) throw new Error("Too many join attempts; wait a second and try again.");
    throw new Error(`Could not get a join token (the server answered ${res.status}).`);
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error("The server sent an unreadable answer.");
  }
  if (typeof body?.token !== "string" || body.token === "") throw new Error("The server sent no token.");
  return { token: body.token, url: connectUrl(typeof body.url === "string" ? body.url : "") };
}
async function errorMessage(res) {
  try {
    const body = await res.json();
    const { message, code } = body?.error ?? {};
    if (typeof message === "string" && message.trim()) return message.trim();
    if (typeof code === "string" && code.trim()) return code.trim();
  } catch {
  }
  return "";
}
function connectUrl(url) {
  try {
    return url && new URL(url).origin === location.origin ? url : "";
  } catch {
    return "";
  }
}
function peekClaims(token) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return {};
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return {
      room: typeof claims.room === "string" ? claims.room : void 0,
      name: typeof claims.name === "string" ? claims.name : typeof claims.sub === "string" ? claims.sub : void 0,
      exp: typeof claims.exp === "number" ? claims.exp : void 0
    };
  } catch {
    return {};
  }
}

// app/src/join.ts
function renderJoin(root2, opts) {
  const dev = opts.source.kind === "dev";
  const roomInput = h("input", {
    id: "room-input",
    name: "room",
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    required: dev,
    maxlength: 128,
    pattern: "[A-Za-z0-9_.\\-]{1,128}",
    "aria-describedby": "room-hint room-error"
  });
  roomInput.value = opts.room;
  const nameInput = h("input", {
    id: "name-input",
    name: "name",
    type: "text",
    autocomplete: "name",
    required: dev,
    maxlength: NAME_MAX,
    "aria-describedby": "name-error"
  });
  nameInput.value = opts.name;
  const tokenInput = dev ? null : h("textarea", {
    id: "token-input",
    name: "token",
    rows: 3,
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    "aria-describedby": "token-hint token-error"
  });
  const roomError = h("p", { id: "room-error", class: "field-error", hidden: true });
  const nameError = h("p", { id: "name-error", class: "field-error", hidden: true });
  const tokenError = h("p", { id: "token-error", class: "field-error", hidden: true });
  const formError = h("p", { id: "join-error", class: "form-error", role: "alert", hidden: !opts.error }, opts.error ?? "");
  const joinButton = h("button", { id: "join-button", type: "submit", class: "btn btn-primary" }, "Continue");
  const form = h(
    "form",
    { class: "card join-card", novalidate: true, "aria-labelledby": "join-title" },
    h("h1", { id: "join-title" }, "Join a meeting"),
    h(
      "div",
      { class: "field" },
      h("label", { for: "room-input" }, "Room name", dev ? null : h("span", { class: "optional" }, " (optional with a token)")),
      roomInput,
      h("p", { id: "room-hint", class: "hint" }, "Letters, digits, “_”, “.” and “-”, up to 128 characters."),
      roomError
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "name-input" }, "Your name", dev ? null : h("span", { class: "optional" }, " (optional with a token)")),
      nameInput,
      nameError
    ),
    tokenInput && h(
      "div",
      { class: "field" },
      h("label", { for: "token-input" }, "Join token"),
      tokenInput,
      h("p", { id: "token-hint", class: "hint" }, "Paste the token your organisation gave you. It is kept in this tab only."),
      tokenError
    ),
    formError,
    h("div", { class: "actions" }, joinButton)
  );
  root2.replaceChildren(h("div", { class: "page page-join" }, form));
  const showError = (el, input, msg) => {
    el.textContent = msg;
    el.hidden = msg === "";
    input.setAttribute("aria-invalid", String(msg !== ""));
  };
  tokenInput?.addEventListener("input", () => {
    const claims = peekClaims(tokenInput.value);
    if (claims.room && !roomInput.value) roomInput.value = claims.room;
    if (claims.name && !nameInput.value) nameInput.value = claims.name.slice(0, NAME_MAX);
  });
  const validate = () => {
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    let ok = true;
    let first = null;
    const roomMsg = room === "" ? dev ? "Enter a room name." : "" : ROOM_PATTERN.test(room) ? "" : "Use only letters, digits, “_”, “.” and “-” (at most 128).";
    showError(roomError, roomInput, roomMsg);
    if (roomMsg) {
      ok = false;
      first ??= roomInput;
    }
    const nameMsg = name === "" && dev ? "Enter your name." : name.length > NAME_MAX ? `At most ${NAME_MAX} characters.` : "";
    showError(nameError, nameInput, nameMsg);
    if (nameMsg) {
      ok = false;
      first ??= nameInput;
    }
    if (tokenInput) {
      const t = tokenInput.value.trim();
      const tokenMsg = t === "" ? "Paste a join token." : t.split(".").length !== 3 ? "This does not look like a join token." : "";
      showError(tokenError, tokenInput, tokenMsg);
      if (tokenMsg) {
        ok = false;
        first ??= tokenInput;
      } else {
        const exp = peekClaims(t).exp;
        if (exp !== void 0 && exp * 1e3 < Date.now()) {
          showError(tokenError, tokenInput, "This token has expired; ask for a new one.");
          ok = false;
          first ??= tokenInput;
        }
      }
    }
    first?.focus();
    return ok;
  };
  let busy = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy || !validate()) return;
    formError.hidden = true;
    const room = roomInput.value.trim();
    const name = nameInput.value.trim();
    if (tokenInput) {
      const token = tokenInput.value.trim();
      const claims = peekClaims(token);
      opts.onJoined({ room: room || claims.room || "", name: name || claims.name || "", creds: { url: "", token } });
      return;
    }
    busy = true;
    joinButton.disabled = true;
    joinButton.setAttribute("aria-busy", "true");
    joinButton.textContent = "Getting a token…";
    try {
      const creds = await fetchDevToken(room, name);
      opts.onJoined({ room, name, creds });
    } catch (err) {
      formError.textContent = err instanceof Error ? err.message : String(err);
      formError.hidden = false;
    } finally {
      busy = false;
      joinButton.disabled = false;
      joinButton.removeAttribute("aria-busy");
      joinButton.textContent = "Continue";
    }
  });
  (roomInput.value ? nameInput.value && tokenInput ? tokenInput : nameInput.value ? joinButton : nameInput : roomInput).focus();
  return () => {
  };
}

// app/src/chat.ts
var MAX_CHARS = 2e3;
var ChatPanel = class {
  constructor(deps, closeButton) {
    this.deps = deps;
    this.list = h("ol", { class: "chat-list", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Messages" });
    this.empty = h("p", { class: "chat-empty hint" }, "No messages yet. Messages are visible to everyone in the meeting.");
    this.input = h("textarea", { id: "chat-input", rows: 2, maxlength: MAX_CHARS, "aria-label": "Message", placeholder: "Send a message to everyone" });
    this.sendBtn = h("button", { id: "chat-send", type: "submit", class: "btn btn-primary" }, "Send");
    this.error = h("p", { class: "form-error", role: "alert", hidden: true });
    const form = h("form", { class: "chat-form" }, this.input, this.sendBtn);
    this.el = h(
      "aside",
      { id: "chat-panel", class: "panel", "aria-labelledby": "chat-title", hidden: true },
      h("div", { class: "panel-head" }, h("h2", { id: "chat-title" }, "Chat"), closeButton),
      h("div", { class: "chat-scroll" }, this.empty, this.list),
      this.error,
      form
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.submit();
      }
    });
  }
  deps;
  el;
  input;
  list;
  sendBtn;
  empty;
  error;
  unread = 0;
  onUnreadChange = () => {
  };
  refreshPermission() {
    const ok = this.deps.canSend();
    this.input.disabled = !ok;
    this.sendBtn.disabled = !ok;
    this.input.placeholder = ok ? "Send a message to everyone" : "Your token does not allow sending messages";
  }
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
    if (open) {
      this.unread = 0;
      this.onUnreadChange(0);
      this.scrollToEnd();
    }
  }
  async submit() {
    const text = this.input.value.trim();
    if (text === "" || this.sendBtn.disabled) return;
    this.sendBtn.disabled = true;
    this.error.hidden = true;
    try {
      await this.deps.send(text);
      this.input.value = "";
      this.add({ from: this.deps.localId(), text, time: Date.now() });
    } catch (err) {
      this.error.textContent = `Message not sent: ${err instanceof Error ? err.message : String(err)}`;
      this.error.hidden = false;
    } finally {
      this.sendBtn.disabled = !this.deps.canSend();
      this.input.focus();
    }
  }
  /** Shows a message; ours are added once sent, so an echo of our own is ignored. */
  receive(m) {
    if (m.from === this.deps.localId()) return;
    this.add(m);
    if (!this.open) {
      this.unread++;
      this.onUnreadChange(this.unread);
    }
  }
  add(m) {
    const own = m.from === this.deps.localId();
    const ms = m.time > 1e12 ? m.time : m.time * 1e3;
    const when = new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now());
    const name = own ? "You" : this.deps.nameOf(m.from);
    const atBottom = this.isAtBottom();
    this.list.append(
      h(
        "li",
        { class: own ? "chat-message own" : "chat-message", "data-from": m.from, "data-own": own ? "true" : null },
        h(
          "div",
          { class: "chat-meta" },
          h("span", { class: "chat-name" }, name),
          h("time", { class: "chat-time", datetime: when.toISOString() }, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))
        ),
        h("p", { class: "chat-text" }, m.text)
      )
    );
    this.empty.hidden = true;
    if (own || atBottom) this.scrollToEnd();
  }
  isAtBottom() {
    const s = this.list.parentElement;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }
  scrollToEnd() {
    const s = this.list.parentElement;
    if (s) s.scrollTop = s.scrollHeight;
  }
};

// app/src/icons.ts
var NS = "http://www.w3.org/2000/svg";
var MIC = [
  ["rect", { x: 9, y: 3, width: 6, height: 11, rx: 3 }],
  ["path", { d: "M5 11a7 7 0 0 0 14 0" }],
  ["line", { x1: 12, y1: 18, x2: 12, y2: 21 }]
];
var SLASH = ["line", { x1: 4, y1: 3, x2: 20, y2: 21 }];
var CAM = [
  ["rect", { x: 3, y: 6, width: 12, height: 12, rx: 2 }],
  ["path", { d: "M15 10l6-3v10l-6-3z" }]
];
var ICONS = {
  mic: MIC,
  micOff: [...MIC, SLASH],
  camera: CAM,
  cameraOff: [...CAM, SLASH],
  screen: [
    ["rect", { x: 3, y: 4, width: 18, height: 12, rx: 1.5 }],
    ["line", { x1: 8, y1: 20, x2: 16, y2: 20 }],
    ["line", { x1: 12, y1: 16, x2: 12, y2: 20 }],
    ["polyline", { points: "9 11 12 8 15 11" }]
  ],
  chat: [["path", { d: "M4 5h16v11H9l-5 4z" }]],
  people: [
    ["circle", { cx: 9, cy: 8, r: 3.5 }],
    ["path", { d: "M2.5 20c.5-4 3.2-6 6.5-6s6 2 6.5 6" }],
    ["path", { d: "M16 4.8a3.5 3.5 0 0 1 0 6.4" }],
    ["path", { d: "M18 14.5c2 .8 3.2 2.7 3.5 5.5" }]
  ],
  leave: [
    ["path", { d: "M3 14c5-4.5 13-4.5 18 0l-2.5 3-3-1.5V13a12 12 0 0 0-7 0v2.5l-3 1.5z" }]
  ],
  settings: [
    ["line", { x1: 4, y1: 6, x2: 7, y2: 6 }],
    ["circle", { cx: 9, cy: 6, r: 2 }],
    ["line", { x1: 11, y1: 6, x2: 20, y2: 6 }],
    ["line", { x1: 4, y1: 12, x2: 13, y2: 12 }],
    ["circle", { cx: 15, cy: 12, r: 2 }],
    ["line", { x1: 17, y1: 12, x2: 20, y2: 12 }],
    ["line", { x1: 4, y1: 18, x2: 5, y2: 18 }],
    ["circle", { cx: 7, cy: 18, r: 2 }],
    ["line", { x1: 9, y1: 18, x2: 20, y2: 18 }]
  ],
  link: [
    ["path", { d: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" }],
    ["path", { d: "M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" }]
  ]
};
function icon(name, cls = "icon") {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "2");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  for (const [tag, attrs] of ICONS[name]) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}
function swapIcon(el, name) {
  const old = el.querySelector("svg");
  const cls = old?.getAttribute("class") ?? "icon";
  const next = icon(name, cls);
  if (old) old.replaceWith(next);
  else el.prepend(next);
}

// app/src/tiles.ts
var QUALITY_TEXT = {
  excellent: "Excellent connection",
  good: "Good connection",
  poor: "Poor connection",
  lost: "Connection lost"
};
var Tile = class {
  el;
  video;
  avatar;
  nameEl;
  micEl;
  qualityEl;
  trackId = "";
  constructor(s) {
    this.video = h("video", { autoplay: true, playsinline: true, class: s.local && s.source === "camera" ? "mirror" : null });
    this.video.muted = true;
    this.video.addEventListener("loadeddata", () => this.el.classList.toggle("has-video", this.trackId !== ""));
    this.avatar = h("div", { class: "avatar", "aria-hidden": "true" });
    this.nameEl = h("span", { class: "tile-name" });
    this.micEl = h("span", { class: "tile-mic", role: "img", "aria-label": "Microphone muted" }, icon("micOff"));
    this.qualityEl = h("span", { class: "quality", role: "img" });
    const tag = s.source === "screen" ? h("span", { class: "tile-tag" }, s.local ? "Your screen" : "Screen") : s.local ? h("span", { class: "tile-tag" }, "You") : null;
    this.el = h(
      "figure",
      {
        class: "tile",
        "data-participant-id": s.participantId,
        "data-identity": s.identity,
        "data-source": s.source,
        "data-local": s.local ? "true" : null
      },
      this.video,
      this.avatar,
      h("figcaption", { class: "tile-label" }, s.source === "camera" ? this.micEl : null, this.nameEl, tag, s.source === "camera" ? this.qualityEl : null)
    );
    this.update(s);
  }
  update(s) {
    if (this.nameEl.textContent !== s.name) {
      this.nameEl.textContent = s.name;
      this.avatar.textContent = initials(s.name);
      this.avatar.style.setProperty("--hue", String(hueOf(s.identity)));
    }
    if (this.el.dataset.identity !== s.identity) this.el.dataset.identity = s.identity;
    const id = s.track?.id ?? "";
    if (id !== this.trackId) {
      this.trackId = id;
      this.el.classList.remove("has-video");
      this.video.srcObject = s.track ? new MediaStream([s.track]) : null;
      if (s.track) this.video.play().catch(() => {
      });
    }
    if (s.source === "camera") {
      this.el.dataset.micMuted = String(s.micMuted);
      this.el.dataset.cameraOff = String(s.cameraOff);
      this.micEl.hidden = !s.micMuted;
      const q = s.quality;
      this.qualityEl.hidden = q === null;
      if (q) {
        this.qualityEl.dataset.quality = q;
        this.qualityEl.setAttribute("aria-label", QUALITY_TEXT[q]);
        this.qualityEl.title = QUALITY_TEXT[q];
      }
    }
    this.el.setAttribute("aria-label", `${s.name}${s.local ? " (you)" : ""}${s.source === "screen" ? ", screen share" : ""}`);
  }
  dispose() {
    this.video.srcObject = null;
    this.el.remove();
  }
};
var TileGrid = class {
  el;
  tiles = /* @__PURE__ */ new Map();
  speaking = /* @__PURE__ */ new Set();
  constructor() {
    this.el = h("div", { class: "tile-grid", id: "tiles" });
  }
  /** Makes the grid show exactly these tiles, in this order. */
  render(states) {
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const s of states) {
      const key = `${s.participantId}|${s.source}`;
      seen.add(key);
      let tile = this.tiles.get(key);
      if (tile) tile.update(s);
      else {
        tile = new Tile(s);
        this.tiles.set(key, tile);
      }
      const want = prev ? prev.nextElementSibling : this.el.firstElementChild;
      if (want !== tile.el) this.el.insertBefore(tile.el, want);
      tile.el.classList.toggle("speaking", s.source === "camera" && this.speaking.has(s.participantId));
      prev = tile.el;
    }
    for (const [key, tile] of this.tiles) {
      if (!seen.has(key)) {
        tile.dispose();
        this.tiles.delete(key);
      }
    }
    this.el.dataset.count = String(Math.min(this.tiles.size, 7));
    this.el.classList.toggle("has-screen", states.some((s) => s.source === "screen"));
  }
  setSpeaking(ids) {
    this.speaking = new Set(ids);
    for (const tile of this.tiles.values()) {
      const pid = tile.el.dataset.participantId ?? "";
      tile.el.classList.toggle("speaking", tile.el.dataset.source === "camera" && this.speaking.has(pid));
    }
  }
  dispose() {
    for (const t of this.tiles.values()) t.dispose();
    this.tiles.clear();
  }
};

// app/src/people.ts
var PeoplePanel = class {
  el;
  list;
  title;
  rows = /* @__PURE__ */ new Map();
  constructor(closeButton, extra) {
    this.list = h("ul", { id: "participant-list", class: "people-list" });
    this.title = h("h2", { id: "people-title" }, "Participants");
    this.el = h(
      "aside",
      { id: "participants-panel", class: "panel", "aria-labelledby": "people-title", hidden: true },
      h("div", { class: "panel-head" }, this.title, closeButton),
      extra,
      this.list
    );
  }
  get open() {
    return !this.el.hidden;
  }
  setOpen(open) {
    this.el.hidden = !open;
  }
  render(people) {
    const seen = /* @__PURE__ */ new Set();
    let prev = null;
    for (const p of people) {
      seen.add(p.id);
      let row = this.rows.get(p.id);
      if (!row) {
        row = this.makeRow(p);
        this.rows.set(p.id, row);
      }
      this.updateRow(row, p);
      const want = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.li) this.list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    this.title.textContent = `Participants (${people.length})`;
  }
  makeRow(p) {
    const name = h("span", { class: "person-name" });
    const avatar = h("span", { class: "avatar avatar-small", "aria-hidden": "true" });
    const mic = h("span", { class: "person-state", role: "img" }, icon("mic"));
    const cam = h("span", { class: "person-state", role: "img" }, icon("camera"));
    const share = h("span", { class: "person-state person-share", role: "img", "aria-label": "Sharing screen", title: "Sharing screen" }, icon("screen"));
    const quality = h("span", { class: "quality", role: "img" });
    const li = h(
      "li",
      { "data-participant-id": p.id, "data-identity": p.identity, class: "person" },
      avatar,
      h("span", { class: "person-label" }, name, p.local ? h("span", { class: "person-you" }, " (you)") : null),
      h("span", { class: "person-states" }, share, mic, cam, quality)
    );
    return { li, name, avatar, mic, cam, share, quality };
  }
  updateRow(r, p) {
    if (r.name.textContent !== p.name) {
      r.name.textContent = p.name;
      r.avatar.textContent = initials(p.name);
      r.avatar.style.setProperty("--hue", String(hueOf(p.identity)));
    }
    r.li.dataset.micMuted = String(p.micMuted);
    r.li.dataset.cameraOff = String(p.cameraOff);
    setState(r.mic, p.micMuted ? "micOff" : "mic", p.micMuted ? "Microphone off" : "Microphone on", p.micMuted);
    setState(r.cam, p.cameraOff ? "cameraOff" : "camera", p.cameraOff ? "Camera off" : "Camera on", p.cameraOff);
    r.share.hidden = !p.sharing;
    r.quality.hidden = p.quality === null;
    if (p.quality) {
      r.quality.dataset.quality = p.quality;
      r.quality.setAttribute("aria-label", QUALITY_TEXT[p.quality]);
      r.quality.title = QUALITY_TEXT[p.quality];
    }
  }
};
function setState(el, name, label, off) {
  if (el.getAttribute("aria-label") === label) return;
  swapIcon(el, name);
  el.setAttribute("aria-label", label);
  el.title = label;
  el.classList.toggle("is-off", off);
}

// app/src/prefs.ts
var KEY = "conclave.prefs.v1";
var DEFAULTS = { name: "", cameraId: "", micId: "", cameraOn: true, micOn: true };
function loadPrefs() {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULTS };
    const v = JSON.parse(raw);
    return {
      name: typeof v.name === "string" ? v.name : DEFAULTS.name,
      cameraId: typeof v.cameraId === "string" ? v.cameraId : DEFAULTS.cameraId,
      micId: typeof v.micId === "string" ? v.micId : DEFAULTS.micId,
      cameraOn: typeof v.cameraOn === "boolean" ? v.cameraOn : DEFAULTS.cameraOn,
      micOn: typeof v.micOn === "boolean" ? v.micOn : DEFAULTS.micOn
    };
  } catch {
    return { ...DEFAULTS };
  }
}
function savePrefs(patch) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...patch }));
  } catch {
  }
}

// app/src/meeting.ts
var CONN_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  disconnected: "Disconnected"
};
function renderMeeting(root2, headerSlot2, opts) {
  const { room } = opts;
  const quality = /* @__PURE__ */ new Map();
  const names = /* @__PURE__ */ new Map();
  const audioEls = /* @__PURE__ */ new Map();
  const offs = [];
  let disposed = false;
  let ended = false;
  let leaving = false;
  const connText = h("span", { class: "conn-text" });
  const connStatus = h("div", { id: "connection-status", class: "conn-status", role: "status" }, h("span", { class: "conn-dot", "aria-hidden": "true" }), connText);
  headerSlot2.replaceChildren(h("span", { class: "header-room", title: "Room" }, room.name), connStatus);
  const setConn = (s) => {
    connStatus.dataset.state = s;
    const q = quality.get(room.local.id);
    connText.textContent = s === "connected" && q && q !== "excellent" && q !== "good" ? `Connected · ${q} network` : CONN_TEXT[s];
  };
  const reconnectBanner = h(
    "div",
    { id: "reconnect-banner", class: "banner banner-warn", role: "status", hidden: true },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    "Reconnecting… your call will resume automatically."
  );
  const unlockButton = h("button", { type: "button", class: "btn btn-primary", id: "audio-unlock" }, "Turn on sound");
  const audioBanner = h("div", { class: "banner", hidden: true }, "Your browser blocked the meeting audio. ", unlockButton);
  const grid = new TileGrid();
  const inviteButton = h("button", { type: "button", class: "btn btn-ghost invite-btn", id: "invite-button" }, icon("link"), "Copy invite link");
  const waiting = h("div", { class: "waiting", hidden: true }, h("p", {}, "You are the only one here."));
  const audioBox = h("div", { id: "remote-audio", class: "visually-hidden", "aria-hidden": "true" });
  const chatClose = h("button", { type: "button", class: "icon-btn", "aria-label": "Close chat" }, "×");
  const chat = new ChatPanel(
    {
      localId: () => room.local.id,
      nameOf,
      send: (text) => room.sendChat(text),
      canSend: () => room.local.permissions.publish_data && room.state === "connected"
    },
    chatClose
  );
  const peopleClose = h("button", { type: "button", class: "icon-btn", "aria-label": "Close participants" }, "×");
  const people = new PeoplePanel(peopleClose, h("div", { class: "panel-extra" }, inviteButton));
  const ctrl = (id, label, text, key, ic, extra = "") => {
    const b = h(
      "button",
      {
        type: "button",
        id,
        class: `ctrl ${extra}`.trim(),
        "aria-label": label,
        title: key ? `${label} (${key.toUpperCase()})` : label,
        "aria-keyshortcuts": key
      },
      icon(ic),
      h("span", { class: "ctrl-label" }, text)
    );
    return b;
  };
  const micButton = ctrl("mic-button", "Mute microphone", "Mute", "m", "mic");
  const cameraButton = ctrl("camera-button", "Stop camera", "Stop camera", "v", "camera");
  const devicesButton = ctrl("devices-button", "Camera and microphone settings", "Devices", null, "settings");
  devicesButton.setAttribute("aria-expanded", "false");
  devicesButton.setAttribute("aria-controls", "devices-panel");
  const screenButton = ctrl("screen-button", "Share screen", "Share screen", "s", "screen");
  const chatButton = ctrl("chat-button", "Chat", "Chat", "c", "chat");
  const chatBadge = h("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  chatButton.append(chatBadge);
  const peopleButton = ctrl("participants-button", "Participants", "Participants", "p", "people");
  const leaveButton = ctrl("leave-button", "Leave meeting", "Leave", null, "leave", "ctrl-leave");
  for (const b of [micButton, cameraButton, screenButton, chatButton, peopleButton]) setPressed(b, false);
  const cameraSelect = h("select", { id: "meeting-camera-select", "aria-describedby": "meeting-camera-message" });
  const micSelect = h("select", { id: "meeting-mic-select", "aria-describedby": "meeting-mic-message" });
  const cameraMsg = h("p", { id: "meeting-camera-message", class: "device-message", role: "status" });
  const micMsg = h("p", { id: "meeting-mic-message", class: "device-message", role: "status" });
  const devicesClose = h("button", { type: "button", class: "icon-btn", "aria-label": "Close device settings" }, "×");
  const devicesPanel = h(
    "div",
    { id: "devices-panel", class: "devices-panel", role: "group", "aria-labelledby": "devices-title", hidden: true },
    h("div", { class: "devices-head" }, h("h2", { id: "devices-title" }, "Camera and microphone"), devicesClose),
    h("div", { class: "field" }, h("label", { for: "meeting-camera-select" }, "Camera"), cameraSelect, cameraMsg),
    h("div", { class: "field" }, h("label", { for: "meeting-mic-select" }, "Microphone"), micSelect, micMsg)
  );
  const controls = h(
    "section",
    { class: "controls", "aria-label": "Meeting controls" },
    h("div", { class: "controls-group" }, micButton, cameraButton, devicesButton, screenButton),
    h("div", { class: "controls-group" }, chatButton, peopleButton),
    h("div", { class: "controls-group" }, leaveButton)
  );
  root2.replaceChildren(
    h(
      "div",
      { class: "page page-meeting" },
      reconnectBanner,
      audioBanner,
      h(
        "div",
        { class: "meeting-body" },
        h("section", { class: "stage", "aria-label": "Participants’ video" }, grid.el, waiting),
        devicesPanel,
        chat.el,
        people.el
      ),
      controls,
      audioBox
    )
  );
  waiting.append(h("button", { type: "button", class: "btn btn-ghost invite-btn" }, icon("link"), "Copy invite link"));
  function nameOf(id) {
    if (id === room.local.id) return room.local.name || room.local.identity;
    const p = room.participants.get(id);
    if (p) return p.name || p.identity;
    return names.get(id) ?? "Someone who left";
  }
  const localTrack = (source2) => room.localTracks().find((t) => t.source === source2);
  function remoteState(p) {
    const mics = p.tracks.filter((t) => t.source === "microphone");
    const cams = p.tracks.filter((t) => t.source === "camera");
    return { micMuted: mics.length === 0 || mics.every((t) => t.muted), cameraOff: cams.length === 0 || cams.every((t) => t.muted) };
  }
  let scheduled = false;
  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      if (!disposed) render();
    });
  }
  function render() {
    const me = room.local;
    names.set(me.id, me.name || me.identity);
    const mic = localTrack("microphone");
    const cam = localTrack("camera");
    const screen = localTrack("screen");
    const myMicMuted = !mic || mic.muted || mic.track.readyState === "ended";
    const myCamOff = !cam || cam.muted || cam.track.readyState === "ended";
    const screens = [];
    const cams = [];
    const persons = [];
    const myName = nameOf(me.id);
    if (screen) {
      screens.push({ participantId: me.id, identity: me.identity, name: myName, source: "screen", local: true, track: screen.track, micMuted: false, cameraOff: false, quality: null });
    }
    cams.push({
      participantId: me.id,
      identity: me.identity,
      name: myName,
      source: "camera",
      local: true,
      track: myCamOff ? null : cam.track,
      micMuted: myMicMuted,
      cameraOff: myCamOff,
      quality: quality.get(me.id) ?? null
    });
    persons.push({ id: me.id, identity: me.identity, name: myName, local: true, micMuted: myMicMuted, cameraOff: myCamOff, sharing: !!screen, quality: quality.get(me.id) ?? null });
    const remotes = [...room.participants.values()].sort((a, b) => a.joined_at - b.joined_at || a.id.localeCompare(b.id));
    const wantedAudio = /* @__PURE__ */ new Map();
    for (const p of remotes) {
      const name = p.name || p.identity;
      names.set(p.id, name);
      const st = remoteState(p);
      const rts = room.remoteTracks(p.id).filter((r) => r.track.readyState !== "ended");
      const infoOf = (id) => p.tracks.find((t) => t.id === id);
      const camRt = rts.find((r) => r.info.source === "camera" && r.track.kind === "video");
      const screenInfo = p.tracks.find((t) => t.source === "screen");
      const screenRt = rts.find((r) => r.info.source === "screen" && r.track.kind === "video");
      cams.push({
        participantId: p.id,
        identity: p.identity,
        name,
        source: "camera",
        local: false,
        track: !st.cameraOff && camRt && !infoOf(camRt.info.id)?.muted ? camRt.track : null,
        micMuted: st.micMuted,
        cameraOff: st.cameraOff,
        quality: quality.get(p.id) ?? null
      });
      if (screenInfo || screenRt) {
        const muted = screenInfo?.muted ?? false;
        screens.push({
          participantId: p.id,
          identity: p.identity,
          name,
          source: "screen",
          local: false,
          track: screenRt && !muted ? screenRt.track : null,
          micMuted: false,
          cameraOff: false,
          quality: null
        });
      }
      persons.push({ id: p.id, identity: p.identity, name, local: false, ...st, sharing: !!(screenInfo || screenRt), quality: quality.get(p.id) ?? null });
      for (const r of rts) if (r.track.kind === "audio") wantedAudio.set(r.info.id || r.track.id, r.track);
    }
    grid.render([...screens, ...cams]);
    people.render([persons[0], ...persons.slice(1).sort((a, b) => a.name.localeCompare(b.name))]);
    syncAudio(wantedAudio);
    waiting.hidden = remotes.length > 0;
    const canPublish = me.permissions.publish;
    const live = room.state === "connected" || room.state === "reconnecting";
    paintMediaButton(micButton, myMicMuted, myMicMuted ? { label: "Unmute microphone", text: "Unmute", icon: "micOff", key: "M" } : { label: "Mute microphone", text: "Mute", icon: "mic", key: "M" });
    paintMediaButton(cameraButton, myCamOff, myCamOff ? { label: "Start camera", text: "Start camera", icon: "cameraOff", key: "V" } : { label: "Stop camera", text: "Stop camera", icon: "camera", key: "V" });
    setPressed(screenButton, !!screen);
    for (const b of [micButton, cameraButton, screenButton]) {
      b.disabled = !canPublish || !live;
      if (!canPublish) b.title = "Your token does not allow sharing audio or video";
    }
    if (canPublish) screenButton.title = screen ? "You are sharing: press to stop (S)" : "Share screen (S)";
    devicesButton.disabled = !canPublish;
    if (!canPublish) {
      devicesButton.title = "Your token does not allow sharing audio or video";
      if (!devicesPanel.hidden) setDevicesOpen(false, false);
    } else devicesButton.title = "Camera and microphone settings";
    chat.refreshPermission();
    setConn(room.state);
  }
  function syncAudio(wanted) {
    for (const [id, el] of audioEls) {
      if (wanted.get(id) !== el.srcObject?.getAudioTracks()[0]) {
        el.srcObject = null;
        el.remove();
        audioEls.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (audioEls.has(id)) continue;
      const el = h("audio", { autoplay: true, "data-track-id": id });
      el.srcObject = new MediaStream([track]);
      audioEls.set(id, el);
      audioBox.append(el);
      el.play().catch((err) => {
        if (err instanceof DOMException && err.name === "NotAllowedError") audioBanner.hidden = false;
      });
    }
  }
  unlockButton.addEventListener("click", () => {
    audioBanner.hidden = true;
    for (const el of audioEls.values()) el.play().catch(() => {
      audioBanner.hidden = false;
    });
  });
  function paintMediaButton(btn, off, v) {
    setPressed(btn, off);
    btn.classList.toggle("is-off", off);
    swapIconIfNeeded(btn, v.icon);
    btn.setAttribute("aria-label", v.label);
    btn.title = `${v.label} (${v.key})`;
    const text = btn.querySelector(".ctrl-label");
    if (text && text.textContent !== v.text) text.textContent = v.text;
  }
  const deviceSelect = { camera: cameraSelect, microphone: micSelect };
  const deviceMsg = { camera: cameraMsg, microphone: micMsg };
  const switching = { camera: false, microphone: false };
  const sourceOf = (kind) => kind === "camera" ? "camera" : "microphone";
  function currentDevice(kind) {
    const t = localTrack(sourceOf(kind));
    const id = t && t.track.readyState !== "ended" ? t.track.getSettings().deviceId ?? "" : "";
    if (id) return id;
    const prefs = loadPrefs();
    return kind === "camera" ? prefs.cameraId : prefs.micId;
  }
  function setDeviceMsg(kind, text) {
    deviceMsg[kind].textContent = text;
    deviceMsg[kind].classList.toggle("is-error", text !== "");
  }
  function fillDevices(kind, list) {
    const sel = deviceSelect[kind];
    const noun = kind === "camera" ? "Camera" : "Microphone";
    sel.replaceChildren(...list.map((d, i) => h("option", { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (list.length === 0) sel.append(h("option", { value: "" }, `No ${kind} found`));
    sel.disabled = list.length === 0 || switching[kind];
    const want = currentDevice(kind);
    if (list.some((d) => d.deviceId === want)) sel.value = want;
  }
  let enumerating = 0;
  async function refreshDevices() {
    const my = ++enumerating;
    let devs;
    try {
      devs = await listDevices();
    } catch (err) {
      if (disposed || my !== enumerating) return;
      const text = deviceErrorText("camera", err instanceof DeviceError ? err.kind : void 0);
      setDeviceMsg("camera", text);
      setDeviceMsg("microphone", text);
      return;
    }
    if (disposed || my !== enumerating) return;
    fillDevices("camera", devs.videoinput);
    fillDevices("microphone", devs.audioinput);
  }
  async function switchTo(kind, deviceId) {
    if (switching[kind] || !deviceId) return;
    const sel = deviceSelect[kind];
    switching[kind] = true;
    sel.disabled = true;
    sel.setAttribute("aria-busy", "true");
    setDeviceMsg(kind, "");
    try {
      await room.switchDevice(kind === "camera" ? "videoinput" : "audioinput", deviceId);
      savePrefs(kind === "camera" ? { cameraId: deviceId } : { micId: deviceId });
    } catch (err) {
      const text = err instanceof DeviceError ? deviceErrorText(kind, err.kind) : `Could not switch the ${kind}: ${err instanceof Error ? err.message : String(err)}`;
      setDeviceMsg(kind, text);
      notify(text, "error");
    } finally {
      switching[kind] = false;
      sel.removeAttribute("aria-busy");
      if (!disposed) {
        schedule();
        await refreshDevices();
        if (document.activeElement === document.body && !devicesPanel.hidden) sel.focus();
      }
    }
  }
  cameraSelect.addEventListener("change", () => void switchTo("camera", cameraSelect.value));
  micSelect.addEventListener("change", () => void switchTo("microphone", micSelect.value));
  function setDevicesOpen(open, focus = true) {
    if (open === !devicesPanel.hidden) return;
    devicesPanel.hidden = !open;
    devicesButton.setAttribute("aria-expanded", String(open));
    devicesButton.classList.toggle("is-open", open);
    if (open) {
      void refreshDevices();
      if (focus) (cameraSelect.disabled ? micSelect.disabled ? devicesClose : micSelect : cameraSelect).focus();
    } else if (focus) devicesButton.focus();
  }
  devicesButton.addEventListener("click", () => setDevicesOpen(devicesButton.getAttribute("aria-expanded") !== "true"));
  devicesClose.addEventListener("click", () => setDevicesOpen(false));
  const onPointerDown = (e) => {
    const t = e.target;
    if (!devicesPanel.hidden && t && !devicesPanel.contains(t) && !devicesButton.contains(t)) setDevicesOpen(false, false);
  };
  document.addEventListener("pointerdown", onPointerDown);
  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener("devicechange", onDeviceChange);
  const busy = /* @__PURE__ */ new Set();
  async function guarded(key, btn, fn) {
    if (busy.has(key) || btn.disabled) return;
    busy.add(key);
    btn.setAttribute("aria-busy", "true");
    try {
      await fn();
    } finally {
      busy.delete(key);
      btn.removeAttribute("aria-busy");
      schedule();
    }
  }
  async function startDevice(kind, deviceId) {
    const publish = (id) => kind === "camera" ? room.publishCamera(id ? { deviceId: id } : {}) : room.publishMicrophone(id ? { deviceId: id } : {});
    try {
      try {
        await publish(deviceId || void 0);
      } catch (err) {
        if (deviceId && err instanceof DeviceError && err.kind === "not_found") await publish();
        else throw err;
      }
    } catch (err) {
      notify(deviceErrorText(kind, err instanceof DeviceError ? err.kind : void 0), "error");
    }
  }
  const toggleMic = () => guarded("mic", micButton, async () => {
    const t = localTrack("microphone");
    if (t && t.track.readyState !== "ended") await room.setMuted(t, !t.muted).catch((e) => notify(`Could not change the microphone: ${String(e)}`, "error"));
    else {
      if (t) await room.unpublish(t).catch(() => {
      });
      await startDevice("microphone", loadPrefs().micId);
    }
  });
  const toggleCamera = () => guarded("camera", cameraButton, async () => {
    const t = localTrack("camera");
    if (t && t.track.readyState !== "ended") await room.setMuted(t, !t.muted).catch((e) => notify(`Could not change the camera: ${String(e)}`, "error"));
    else {
      if (t) await room.unpublish(t).catch(() => {
      });
      await startDevice("camera", loadPrefs().cameraId);
    }
  });
  async function stopScreen() {
    for (const t of room.localTracks()) {
      if (t.source === "screen" || t.source === "screen_audio") await room.unpublish(t).catch(() => {
      });
    }
  }
  const toggleScreen = () => guarded("screen", screenButton, async () => {
    if (localTrack("screen")) return stopScreen();
    try {
      const t = await room.publishScreen();
      t.track.addEventListener("ended", () => void stopScreen().then(schedule), { once: true });
    } catch (err) {
      const cancelled = err instanceof DOMException && (err.name === "NotAllowedError" || err.name === "AbortError") || err instanceof DeviceError && err.kind === "permission_denied";
      if (err instanceof DeviceError && err.kind === "insecure_context") notify(deviceErrorText("camera", "insecure_context"), "error");
      else if (!cancelled) notify(`Screen sharing failed: ${err instanceof Error ? err.message : String(err)}`, "error");
    }
  });
  const setPanel = (which, focus = true) => {
    const wasChat = chat.open;
    const wasPeople = people.open;
    chat.setOpen(which === "chat");
    people.setOpen(which === "people");
    setPressed(chatButton, which === "chat");
    setPressed(peopleButton, which === "people");
    root2.querySelector(".page-meeting")?.classList.toggle("panel-open", which !== null);
    if (!focus) return;
    if (which === "chat") (chat.input.disabled ? chatClose : chat.input).focus();
    else if (which === "people") peopleClose.focus();
    else if (wasChat) chatButton.focus();
    else if (wasPeople) peopleButton.focus();
  };
  const toggleChat = () => setPanel(chat.open ? null : "chat");
  const togglePeople = () => setPanel(people.open ? null : "people");
  chat.onUnreadChange = (n) => {
    chatBadge.hidden = n === 0;
    chatBadge.textContent = n > 9 ? "9+" : String(n);
    chatButton.setAttribute("aria-label", n > 0 ? `Chat, ${n} unread` : "Chat");
  };
  async function copyInvite() {
    const link = `${location.origin}/?room=${encodeURIComponent(room.name)}`;
    try {
      await navigator.clipboard.writeText(link);
      notify("Invite link copied. It contains the room name only, no token.");
    } catch {
      notify(`Invite link: ${link}`, "info", 15e3);
    }
  }
  micButton.addEventListener("click", () => void toggleMic());
  cameraButton.addEventListener("click", () => void toggleCamera());
  screenButton.addEventListener("click", () => void toggleScreen());
  chatButton.addEventListener("click", toggleChat);
  peopleButton.addEventListener("click", togglePeople);
  chatClose.addEventListener("click", () => setPanel(null));
  peopleClose.addEventListener("click", () => setPanel(null));
  for (const b of root2.querySelectorAll(".invite-btn")) b.addEventListener("click", () => void copyInvite());
  leaveButton.addEventListener("click", () => void leave());
  const onKey = (e) => {
    if (e.key === "Escape" && !devicesPanel.hidden) {
      setDevicesOpen(false);
      return;
    }
    if (e.key === "Escape" && (chat.open || people.open)) {
      setPanel(null);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e)) return;
    const actions = { m: toggleMic, v: toggleCamera, s: toggleScreen, c: toggleChat, p: togglePeople };
    const fn = actions[e.key.toLowerCase()];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener("keydown", onKey);
  const on = room.on.bind(room);
  offs.push(
    on("participantJoined", (p) => {
      names.set(p.id, p.name || p.identity);
      notify(`${p.name || p.identity} joined`, "info", 3e3);
      schedule();
    }),
    on("participantLeft", (p, reason) => {
      quality.delete(p.id);
      notify(`${p.name || p.identity} ${reason === "connection_lost" ? "lost their connection" : "left"}`, "info", 3e3);
      schedule();
    }),
    on("participantUpdated", schedule),
    on("trackSubscribed", schedule),
    on("trackUnsubscribed", schedule),
    on("trackMuted", schedule),
    on("trackUnmuted", schedule),
    on("localTrackPublished", schedule),
    on("localTrackUnpublished", schedule),
    on("muteRequested", (t) => {
      const what = t.source === "camera" ? "camera" : t.source === "microphone" ? "microphone" : "screen share";
      notify(`A room admin muted your ${what}.${t.source === "microphone" ? " You can unmute when you need to speak." : ""}`, "warn", 1e4);
      if (!t.muted) void room.setMuted(t, true).catch(() => {
      }).then(schedule);
      schedule();
    }),
    on("activeSpeakers", (ids) => grid.setSpeaking(ids)),
    on("connectionQuality", (id, q) => {
      quality.set(id, q);
      schedule();
    }),
    on("connectionStateChanged", (s) => {
      setConn(s);
      reconnectBanner.hidden = s !== "reconnecting";
      schedule();
    }),
    on("reconnecting", () => {
      reconnectBanner.hidden = false;
      setConn("reconnecting");
    }),
    on("reconnected", () => {
      reconnectBanner.hidden = true;
      notify("Reconnected.", "info", 3e3);
      schedule();
    }),
    on("disconnected", (reason) => end(reason)),
    on("chat", (m) => chat.receive(m)),
    on("error", (code, message) => {
      if (code === "rate_limited") notify("You are sending too fast; a message was dropped.", "warn");
      else notify(`The server refused an action (${code}${message ? `: ${message}` : ""}).`, "warn");
    })
  );
  async function leave() {
    if (leaving || ended) return;
    leaving = true;
    leaveButton.disabled = true;
    try {
      await room.leave();
    } catch {
    }
    end("client_left");
  }
  function end(reason) {
    if (ended) return;
    ended = true;
    setConn("disconnected");
    connStatus.dataset.state = "disconnected";
    const mic = localTrack("microphone");
    const cam = localTrack("camera");
    const media = { micOn: !!mic && !mic.muted, cameraOn: !!cam && !cam.muted };
    for (const t of room.localTracks()) t.track.stop();
    opts.choice.video?.stop();
    opts.choice.audio?.stop();
    opts.onEnd(leaving ? "client_left" : reason, media);
  }
  const onPageHide = () => {
    if (!ended) void room.leave().catch(() => {
    });
  };
  window.addEventListener("pagehide", onPageHide);
  async function publishInitial() {
    const { choice } = opts;
    if (!room.local.permissions.publish) {
      choice.video?.stop();
      choice.audio?.stop();
      notify("You can watch and listen; your token does not allow sharing audio or video.", "info", 8e3);
      return;
    }
    const tasks = [];
    const failed = choice.failed ?? {};
    for (const kind of ["microphone", "camera"]) {
      const text = failed[kind];
      if (text) notify(`${text}. You joined without your ${kind}; use the ${kind} button to try again.`, "error", 1e4);
    }
    const audio = choice.audio?.readyState === "live" ? choice.audio : null;
    if (audio) {
      audio.enabled = choice.micOn;
      tasks.push(
        room.publishTrack(audio, "microphone").then(async (t) => {
          if (!choice.micOn) await room.setMuted(t, true);
        })
      );
    } else {
      choice.audio?.stop();
      if (choice.micOn && !failed.microphone) tasks.push(startDevice("microphone", choice.micId));
    }
    const video = choice.cameraOn && choice.video?.readyState === "live" ? choice.video : null;
    if (video) tasks.push(room.publishTrack(video, "camera").then(() => {
    }));
    else {
      choice.video?.stop();
      if (choice.cameraOn && !failed.camera) tasks.push(startDevice("camera", choice.cameraId));
    }
    const results = await Promise.allSettled(tasks);
    for (const r of results) {
      if (r.status === "rejected") notify(`Could not share your media: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`, "error");
    }
    schedule();
  }
  render();
  setConn(room.state);
  void publishInitial();
  micButton.focus();
  return () => {
    disposed = true;
    for (const off of offs) off();
    document.removeEventListener("keydown", onKey);
    document.removeEventListener("pointerdown", onPointerDown);
    navigator.mediaDevices?.removeEventListener("devicechange", onDeviceChange);
    window.removeEventListener("pagehide", onPageHide);
    grid.dispose();
    for (const el of audioEls.values()) el.srcObject = null;
    audioEls.clear();
    if (!ended) {
      leaving = true;
      void room.leave().catch(() => {
      });
      for (const t of room.localTracks()) t.track.stop();
    }
  };
}
function swapIconIfNeeded(btn, name) {
  if (btn.dataset.icon === name) return;
  btn.dataset.icon = name;
  swapIcon(btn, name);
}

// app/src/preview.ts
var ENTER_WAIT_MS = 15e3;
function renderPreview(root2, opts) {
  const prefs = loadPrefs();
  let cameraOn = prefs.cameraOn;
  let micOn = prefs.micOn;
  let video = null;
  let audio = null;
  let meter = null;
  let raf = 0;
  let disposed = false;
  let handedOver = false;
  const gen = { camera: 0, microphone: 0 };
  const inflight = { camera: null, microphone: null };
  const lastError = { camera: "", microphone: "" };
  const previewVideo = h("video", { id: "preview-video", autoplay: true, playsinline: true, class: "mirror" });
  previewVideo.muted = true;
  const avatar = h("div", { class: "avatar avatar-large", "aria-hidden": "true" }, initials(opts.name || opts.room));
  avatar.style.setProperty("--hue", String(hueOf(opts.name)));
  const stage = h("div", { class: "preview-stage", "data-camera-off": "true" }, previewVideo, avatar);
  const camToggle = h("button", { type: "button", id: "preview-camera-toggle", class: "round-btn", "aria-label": "Camera" }, icon("camera"));
  const micToggle = h("button", { type: "button", id: "preview-mic-toggle", class: "round-btn", "aria-label": "Microphone" }, icon("mic"));
  const cameraSelect = h("select", { id: "camera-select" });
  const micSelect = h("select", { id: "mic-select" });
  const meterFill = h("div", { class: "meter-fill" });
  const micMeter = h(
    "div",
    { id: "mic-meter", class: "meter", role: "meter", "aria-label": "Microphone level", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 },
    meterFill
  );
  const cameraMsg = h("p", { id: "camera-message", class: "device-message", role: "status" });
  const micMsg = h("p", { id: "mic-message", class: "device-message", role: "status" });
  const enterError = h("p", { id: "enter-error", class: "form-error", role: "alert", hidden: true });
  const enterButton = h("button", { type: "button", id: "enter-button", class: "btn btn-primary" }, "Join now");
  const backButton = h("button", { type: "button", id: "back-button", class: "btn btn-ghost" }, "Back");
  root2.replaceChildren(
    h(
      "div",
      { class: "page page-preview" },
      h(
        "section",
        { class: "card preview-card", "aria-labelledby": "preview-title" },
        h("h1", { id: "preview-title" }, "Ready to join ", h("span", { class: "room-name" }, opts.room || "the meeting"), "?"),
        h("p", { class: "hint" }, "Joining as ", h("strong", {}, opts.name || "the name in your token")),
        h(
          "div",
          { class: "preview-layout" },
          h("div", { class: "preview-media" }, stage, h("div", { class: "preview-toggles" }, micToggle, camToggle)),
          h(
            "div",
            { class: "preview-settings" },
            h("div", { class: "field" }, h("label", { for: "camera-select" }, "Camera"), cameraSelect, cameraMsg),
            h("div", { class: "field" }, h("label", { for: "mic-select" }, "Microphone"), micSelect, h("div", { class: "meter-row" }, micMeter), micMsg),
            enterError,
            h("div", { class: "actions" }, backButton, enterButton)
          )
        )
      )
    )
  );
  const paintToggles = () => {
    setPressed(camToggle, cameraOn);
    setPressed(micToggle, micOn);
    camToggle.title = cameraOn ? "Join with camera on (click to turn off)" : "Join with camera off (click to turn on)";
    micToggle.title = micOn ? "Join with microphone on (click to mute)" : "Join with microphone muted (click to unmute)";
    swapIcon(camToggle, cameraOn ? "camera" : "cameraOff");
    swapIcon(micToggle, micOn ? "mic" : "micOff");
    stage.dataset.cameraOff = String(!(cameraOn && video));
    if (audio) audio.enabled = micOn;
  };
  const setMsg = (el, text) => {
    el.textContent = text;
    el.classList.toggle("is-error", text !== "");
  };
  const stopMeter = () => {
    cancelAnimationFrame(raf);
    raf = 0;
    meter?.close();
    meter = null;
    micMeter.setAttribute("aria-valuenow", "0");
    meterFill.style.transform = "scaleX(0)";
  };
  const startMeter = (track) => {
    stopMeter();
    try {
      meter = new LevelMeter(track);
    } catch {
      return;
    }
    let shown = -1;
    const tick = () => {
      if (!meter) return;
      const rms = micOn ? meter.level() : 0;
      const level = rms > 0 ? Math.max(0, Math.min(1, (20 * Math.log10(rms) + 60) / 60)) : 0;
      const pct = Math.round(level * 100);
      meterFill.style.transform = `scaleX(${level.toFixed(3)})`;
      if (pct !== shown) {
        micMeter.setAttribute("aria-valuenow", String(pct));
        shown = pct;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  };
  function acquire(kind) {
    const p = startTrack(kind).finally(() => {
      if (inflight[kind] === p) inflight[kind] = null;
    });
    inflight[kind] = p;
    return p;
  }
  async function startTrack(kind) {
    const my = ++gen[kind];
    const deviceId = kind === "camera" ? cameraSelect.value : micSelect.value;
    const constraint = deviceId ? { deviceId } : true;
    try {
      const stream = await getLocalMedia(kind === "camera" ? { video: constraint } : { audio: constraint });
      const track = kind === "camera" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
      if (disposed || handedOver || my !== gen[kind] || !track) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      release(kind);
      lastError[kind] = "";
      if (kind === "camera") {
        video = track;
        previewVideo.srcObject = new MediaStream([track]);
        setMsg(cameraMsg, "");
      } else {
        audio = track;
        startMeter(track);
        setMsg(micMsg, "");
      }
      track.addEventListener("ended", () => {
        if (kind === "camera" && video === track) {
          release("camera");
          setMsg(cameraMsg, "The camera stopped.");
        }
        if (kind === "microphone" && audio === track) {
          release("microphone");
          setMsg(micMsg, "The microphone stopped.");
        }
        paintToggles();
      });
      paintToggles();
      void refreshDevices();
    } catch (err) {
      if (disposed || handedOver || my !== gen[kind]) return;
      const text = deviceErrorText(kind, err instanceof DeviceError ? err.kind : void 0);
      lastError[kind] = text;
      setMsg(kind === "camera" ? cameraMsg : micMsg, `${text}. You can still join without it.`);
      paintToggles();
    }
  }
  function release(kind) {
    if (kind === "camera") {
      video?.stop();
      video = null;
      previewVideo.srcObject = null;
    } else {
      stopMeter();
      audio?.stop();
      audio = null;
    }
  }
  const deviceOf = (t) => t?.getSettings().deviceId ?? "";
  const fillSelect = (sel, devices, noun, want) => {
    sel.replaceChildren(...devices.map((d, i) => h("option", { value: d.deviceId }, d.label || `${noun} ${i + 1}`)));
    if (devices.length === 0) sel.append(h("option", { value: "" }, `No ${noun.toLowerCase()} found`));
    sel.disabled = devices.length === 0;
    if (devices.some((d) => d.deviceId === want)) sel.value = want;
  };
  const honoured = { camera: false, microphone: false };
  async function refreshDevices() {
    let devs;
    try {
      devs = await listDevices();
    } catch (err) {
      if (err instanceof DeviceError && err.kind === "insecure_context") {
        setMsg(cameraMsg, deviceErrorText("camera", "insecure_context"));
        setMsg(micMsg, deviceErrorText("microphone", "insecure_context"));
      }
      return;
    }
    if (disposed || handedOver) return;
    sync("camera", cameraSelect, devs.videoinput, video, cameraMsg, cameraOn);
    sync("microphone", micSelect, devs.audioinput, audio, micMsg, true);
  }
  function sync(kind, sel, list, track, msg, wanted2) {
    const pref = kind === "camera" ? prefs.cameraId : prefs.micId;
    const listed = (id) => id !== "" && list.some((d) => d.deviceId === id);
    let want = deviceOf(track) || sel.value;
    const usePref = track !== null && !honoured[kind] && listed(pref) && pref !== deviceOf(track);
    if (track && listed(deviceOf(track))) honoured[kind] = true;
    if (usePref) {
      want = pref;
      honoured[kind] = true;
    }
    fillSelect(sel, list, kind === "camera" ? "Camera" : "Microphone", want);
    if (!wanted2) return;
    if (list.length === 0) {
      if (!track) setMsg(msg, `${deviceErrorText(kind, "not_found")}. You can still join without it.`);
      return;
    }
    const unplugged = track !== null && deviceOf(track) !== "" && !listed(deviceOf(track));
    const appeared = track === null && msg.textContent !== "" && gen[kind] > 0;
    if (usePref || unplugged || appeared) void acquire(kind);
  }
  const onDeviceChange = () => void refreshDevices();
  navigator.mediaDevices?.addEventListener("devicechange", onDeviceChange);
  camToggle.addEventListener("click", () => {
    cameraOn = !cameraOn;
    savePrefs({ cameraOn });
    if (cameraOn) void acquire("camera");
    else {
      gen.camera++;
      release("camera");
      setMsg(cameraMsg, "");
    }
    paintToggles();
  });
  micToggle.addEventListener("click", () => {
    micOn = !micOn;
    savePrefs({ micOn });
    paintToggles();
  });
  cameraSelect.addEventListener("change", () => {
    savePrefs({ cameraId: cameraSelect.value });
    if (cameraOn) void acquire("camera");
  });
  micSelect.addEventListener("change", () => {
    savePrefs({ micId: micSelect.value });
    void acquire("microphone");
  });
  backButton.addEventListener("click", () => opts.onBack());
  const setLocked = (locked) => {
    for (const el of [camToggle, micToggle, cameraSelect, micSelect, backButton]) el.disabled = locked;
    if (locked) return;
    void refreshDevices().then(() => {
      if (disposed || handedOver) return;
      if (cameraOn && !video && !inflight.camera) void acquire("camera");
      if (!audio && !inflight.microphone) void acquire("microphone");
    });
  };
  const live = (t) => t !== null && t.readyState === "live";
  const hasTrack = (kind) => live(kind === "camera" ? video : audio);
  const wanted = (kind) => kind === "camera" ? cameraOn : micOn;
  async function ready(kind) {
    await startup;
    let waited = false;
    while (!disposed && wanted(kind) && !hasTrack(kind) && inflight[kind]) {
      waited = true;
      await inflight[kind];
    }
    if (disposed || !wanted(kind) || hasTrack(kind)) return "";
    if (!(waited && lastError[kind])) await acquire(kind);
    if (disposed || !wanted(kind) || hasTrack(kind)) return "";
    return lastError[kind] || deviceErrorText(kind, void 0);
  }
  async function readyAll() {
    const failed = {};
    const kinds = ["camera", "microphone"];
    let timer = 0;
    const timeout = new Promise((resolve) => {
      timer = window.setTimeout(() => resolve("timeout"), ENTER_WAIT_MS);
    });
    const results = await Promise.all(kinds.map((k) => Promise.race([ready(k), timeout])));
    window.clearTimeout(timer);
    kinds.forEach((k, i) => {
      const r = results[i];
      if (r && r !== "timeout") failed[k] = r;
    });
    return failed;
  }
  let entering = false;
  enterButton.addEventListener("click", async () => {
    if (entering) return;
    entering = true;
    enterError.hidden = true;
    enterButton.disabled = true;
    enterButton.setAttribute("aria-busy", "true");
    const waiting = ["camera", "microphone"].filter((k) => wanted(k) && !hasTrack(k));
    if (waiting.length > 0) {
      enterButton.textContent = waiting.length === 2 ? "Starting camera and microphone…" : waiting[0] === "camera" ? "Starting camera…" : "Starting microphone…";
    }
    const failed = waiting.length > 0 ? await readyAll() : {};
    if (disposed) return;
    enterButton.textContent = "Joining…";
    handedOver = true;
    setLocked(true);
    const choice = {
      cameraOn,
      micOn,
      cameraId: cameraSelect.value,
      micId: micSelect.value,
      video: cameraOn && live(video) ? video : null,
      audio: live(audio) ? audio : null,
      failed
    };
    try {
      await opts.onEnter(choice);
    } catch (err) {
      if (disposed) return;
      handedOver = false;
      setLocked(false);
      enterError.textContent = err instanceof Error ? err.message : String(err);
      enterError.hidden = false;
      enterButton.disabled = false;
      enterButton.removeAttribute("aria-busy");
      enterButton.textContent = "Try again";
      entering = false;
    }
  });
  paintToggles();
  const startup = refreshDevices().then(() => {
    if (disposed) return;
    if (cameraOn) void acquire("camera");
    void acquire("microphone");
  });
  enterButton.focus();
  return () => {
    disposed = true;
    navigator.mediaDevices?.removeEventListener("devicechange", onDeviceChange);
    stopMeter();
    if (!handedOver) {
      release("camera");
      release("microphone");
    }
    previewVideo.srcObject = null;
  };
}

// app/src/main.ts
var root = byId("app");
var headerSlot = byId("header-slot");
var cleanup = () => {
};
var source = { kind: "paste" };
var session = null;
var lastChoice = null;
function show(state, title, render) {
  cleanup();
  cleanup = () => {
  };
  document.body.dataset.state = state;
  document.title = title ? `${title} · Conclave` : "Conclave";
  if (state !== "meeting" && state !== "left") headerSlot.replaceChildren();
  cleanup = render();
}
function roomFromUrl() {
  const params = new URLSearchParams(location.search);
  const room = params.get("room") ?? "";
  if (params.has("token")) {
    params.delete("token");
    const q = params.toString();
    history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}`);
  }
  return ROOM_PATTERN.test(room) ? room : "";
}
function showJoin(error) {
  show(
    "join",
    "",
    () => renderJoin(root, {
      source,
      room: session?.room || roomFromUrl(),
      name: session?.name || loadPrefs().name,
      error,
      onJoined: (r) => {
        session = { ...r, credsUsed: false };
        if (r.name) savePrefs({ name: r.name });
        if (r.room) history.replaceState(null, "", `/?room=${encodeURIComponent(r.room)}`);
        showPreview();
      }
    })
  );
}
function showPreview() {
  const s = session;
  if (!s) return showJoin();
  show(
    "preview",
    s.room,
    () => renderPreview(root, {
      room: s.room,
      name: s.name,
      onEnter: (choice) => enter(choice),
      onBack: () => showJoin()
    })
  );
}
async function credentials(s) {
  if (!s.credsUsed) {
    s.credsUsed = true;
    return s.creds;
  }
  if (source.kind === "dev") s.creds = await fetchDevToken(s.room, s.name);
  return s.creds;
}
async function enter(choice) {
  const s = session;
  if (!s) throw new Error("No meeting selected.");
  lastChoice = { cameraOn: choice.cameraOn, micOn: choice.micOn, cameraId: choice.cameraId, micId: choice.micId };
  const creds = await credentials(s);
  let room;
  try {
    room = await connect(creds.url, creds.token, { reconnect: true });
  } catch (err) {
    throw new Error(connectErrorText(err));
  }
  window.conclaveRoom = room;
  s.room = room.name || s.room;
  history.replaceState(null, "", `/?room=${encodeURIComponent(s.room)}`);
  show(
    "meeting",
    s.room,
    () => renderMeeting(root, headerSlot, {
      room,
      choice,
      onEnd: (reason, media) => {
        if (lastChoice) lastChoice = { ...lastChoice, ...media };
        showLeft(reason);
      }
    })
  );
}
function showLeft(reason) {
  const s = session;
  show("left", "Left", () => {
    const selfLeft = reason === "client_left";
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const rejoin = h("button", { type: "button", id: "rejoin-button", class: "btn btn-primary" }, "Rejoin");
    const home = h("button", { type: "button", id: "home-button", class: "btn btn-ghost" }, "Join another room");
    const heading = h("h1", { id: "left-title", tabindex: -1 }, selfLeft ? "You left the meeting" : "You were disconnected");
    root.replaceChildren(
      h(
        "div",
        { class: "page page-left" },
        h(
          "section",
          { class: "card left-card", "aria-labelledby": "left-title" },
          heading,
          h("p", { id: "left-reason", "data-reason": reason }, leaveReasonText(reason)),
          s?.room ? h("p", { class: "hint" }, "Room: ", h("strong", {}, s.room)) : null,
          error,
          h("div", { class: "actions" }, home, rejoin)
        )
      )
    );
    let busy = false;
    rejoin.addEventListener("click", async () => {
      if (busy) return;
      busy = true;
      rejoin.disabled = true;
      rejoin.textContent = "Rejoining…";
      error.hidden = true;
      const c = lastChoice ?? { cameraOn: true, micOn: true, cameraId: "", micId: "" };
      try {
        await enter({ ...c, video: null, audio: null });
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
        error.hidden = false;
        rejoin.disabled = false;
        rejoin.textContent = "Rejoin";
        busy = false;
      }
    });
    home.addEventListener("click", () => showJoin());
    heading.focus();
    return () => {
    };
  });
}
async function start() {
  root.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  source = await detectTokenSource();
  showJoin();
}
void start();
