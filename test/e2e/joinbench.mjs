// Benchmark: how long a newcomer waits for the first picture of a
// participant already in the room, and how long that participant waits for
// the newcomer's (issue 8, "first remote frame").
//
// A page ("alice", SDK only) stays in the room publishing its camera and
// microphone as the meeting app does (1280x720 at 30 fps ideal). Each try
// opens a fresh page that joins, measures and leaves, in three regimes, one
// try of each in turn so that a change of machine load touches all three:
//
//   host  the SDK's connect() on a page with camera permission: Chromium
//         gives WebRTC the host's IP addresses, the server knows them from
//         the trickled candidates.
//   mdns  the same on a page without camera permission: Chromium hides its
//         addresses behind .local names, which the server ignores, so it
//         learns the page's address only from its connectivity checks
//         (a peer-reflexive candidate). On a machine without a default
//         route (a network namespace with only loopback) such a page
//         gathers no candidate at all; there the page has the permission
//         and its host candidates are renamed to .local names before the
//         SDK sends them, which is what the server sees either way
//         (the result says "rewritten").
//   app   the meeting app: "Join now" on the preview (camera already
//         granted and running) as a person clicks it.
//
// Times are in milliseconds from just before connect() (app: the click on
// "Join now"), read on both pages as performance.timeOrigin + now(), so the
// two pages' clocks agree:
//   connect     connect() resolved
//   subscribed  trackSubscribed of alice's camera
//   forward     first frame of alice's camera rendered on the newcomer's
//               page (requestVideoFrameCallback on its <video>)
//   published   the newcomer's camera and microphone published (started
//               right after connect() resolved, as the app does)
//   reverse     first frame of the newcomer's camera rendered on alice's page
//   socketOpen  the signaling WebSocket opened
//   joinSent    the SDK sent join (it waits for its end-to-end encryption
//               keys, which it makes in plain rooms too)
// and, per try, forwardReceived and reverseReceived (when the last packet of
// that first frame arrived), the first frames' widths, the width alice was
// sending when the try began (aliceWidth), and the candidates.
//
// With CONCLAVE_JOINBENCH_E2EE=1 the Go test's server makes every room
// require end-to-end encryption, and every try checks that its room did
// (room.e2ee). There a frame that does not decrypt is never rendered, so
// forward and reverse are the first decrypted frames. E2EE tries also
// time, from the same start:
//   forwardKey  the newcomer holds alice's sender key (e2eeStatus hasKey)
//   reverseKey  alice holds the newcomer's
// Every try records, in details, each signaling message either page sent
// or received during it (signal: ms, direction, type, peer), the pages'
// main-thread tasks of 50 ms or more (longTasks), the frames each
// FrameCrypto dropped (e2eeStats) and the key frame requests of both video
// receivers (pliCount): they say where a slow try spent its time. To
// compare E2EE with plain, take the two runs alternately: the machine's
// load changes between runs.
//
// The regime of each try is verified from the ICE candidates the newcomer
// sent the server (read off its signaling WebSocket) and the candidate pair
// each PeerConnection selected (getStats).
//
// Environment, besides lib.mjs's:
//   CONCLAVE_JOINBENCH_TRIES  tries per regime (default 3, for CI; 10 or more for figures)
//   CONCLAVE_JOINBENCH_OUT    the JSON written (default artifacts/joinbench.json)
//   CONCLAVE_JOINBENCH_E2EE   1: the rooms require end-to-end encryption (the Go test's server)
//   CONCLAVE_JOINBENCH_PROFILE a directory: a CPU profile (.cpuprofile, Chrome DevTools' format) of
//                             the newcomer's page from connect() to alice's first frame, per host and mdns try
//
// CONCLAVE_JOINBENCH_OUT gets medians, minima and maxima per regime and
// measure, and every try's numbers; the result line names the file. Nothing
// here asserts a time: TestJoinLatencyBenchmark checks that every try saw
// both first frames in the regime it was meant to run in.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { scenario, env, log, LIMIT } from './lib.mjs';

const tries = Number(process.env.CONCLAVE_JOINBENCH_TRIES || 3);
if (!Number.isInteger(tries) || tries < 1) {
  console.error(`CONCLAVE_JOINBENCH_TRIES=${process.env.CONCLAVE_JOINBENCH_TRIES}: want a whole number of tries, at least 1`);
  process.exit(2);
}
// CONCLAVE_JOINBENCH_CAMERA: the newcomer's publishCamera options as JSON
// (e.g. {"width":320,"height":180}), to compare capture sizes.
const camera = JSON.parse(process.env.CONCLAVE_JOINBENCH_CAMERA || '{}');
const outFile = path.resolve(process.env.CONCLAVE_JOINBENCH_OUT || path.join(env.artifacts, 'joinbench.json'));
const e2ee = process.env.CONCLAVE_JOINBENCH_E2EE === '1';
const profileDir = process.env.CONCLAVE_JOINBENCH_PROFILE ? path.resolve(process.env.CONCLAVE_JOINBENCH_PROFILE) : '';

// profile starts sampling the page's JavaScript (every 100 µs) and returns
// a function that stops it and writes the profile as <label>.cpuprofile;
// without CONCLAVE_JOINBENCH_PROFILE both do nothing.
async function profile(p, label) {
  if (!profileDir) return async () => {};
  const cdp = await p.page.context().newCDPSession(p.page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile: prof } = await cdp.send('Profiler.stop');
    await mkdir(profileDir, { recursive: true });
    await writeFile(path.join(profileDir, `${label}.cpuprofile`), JSON.stringify(prof));
    await cdp.detach();
  };
}
const REGIMES = ['host', 'mdns', 'app'];
const MEASURES = ['connect', 'socketOpen', 'joinSent', 'subscribed', 'forward', 'published', 'reverse', 'forwardKey', 'reverseKey'];

// ---- in the pages --------------------------------------------------------------

// pageHelpers runs in a page: benchNow() is the wall-clock time in ms, the
// same on every page; benchWatch(room) records, per remote participant, when
// its camera track was subscribed and when its first frame was rendered, in
// window.benchSeen.
function pageHelpers() {
  window.benchNow = () => performance.timeOrigin + performance.now();
  window.benchSeen = {};
  window.benchWatch = (room) => {
    const onTrack = (t) => {
      if (t.info.kind !== 'video' || t.info.source !== 'camera' || window.benchSeen[t.participantId]) return;
      const rec = { subscribed: window.benchNow() };
      window.benchSeen[t.participantId] = rec;
      const v = document.createElement('video');
      v.muted = true;
      v.autoplay = true;
      v.playsInline = true;
      v.dataset.participantId = t.participantId;
      // Only a frame that came over RTP counts: a remote track with no
      // media yet may show a placeholder (2x2, no RTP timestamp).
      const onFrame = (_, meta) => {
        if (meta.rtpTimestamp === undefined || meta.receiveTime === undefined) {
          v.requestVideoFrameCallback(onFrame);
          return;
        }
        rec.frame = window.benchNow();
        rec.width = meta.width;
        rec.received = performance.timeOrigin + meta.receiveTime;
      };
      v.requestVideoFrameCallback(onFrame);
      v.srcObject = t.stream;
      document.body.append(v);
      v.play().catch(() => {}); // muted autoplay: the browser retries by itself
    };
    room.on('trackSubscribed', onTrack);
    room.on('participantLeft', (p) => {
      for (const v of document.querySelectorAll('video[data-participant-id]')) {
        if (v.dataset.participantId === p.id) {
          v.srcObject = null;
          v.remove();
        }
      }
    });
    for (const t of room.remoteTracks()) onTrack(t);
  };
}

// benchInit is an init script of every page: it logs the signaling
// messages the page sends and receives, and the opening of its signaling
// sockets (window.benchSignal: time, direction, type, and the participant
// or PeerConnection it concerns), and, once the page sets
// window.conclaveRoom, notes when it first holds each other participant's
// end-to-end encryption sender key (window.benchKey[id]: the e2eeChanged
// event that follows the key package, or the moment the room is set if it
// already holds it). It also collects the page's long tasks
// (window.benchLongTasks).
function benchInit() {
  const now = () => performance.timeOrigin + performance.now();
  const log = (window.benchSignal = []);
  const note = (dir, raw) => {
    if (typeof raw !== 'string') return;
    let m;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    if (!m || m.type === 'ping' || m.type === 'pong' || m.type === 'candidate') return;
    const d = m.data || {};
    const peer = d.to || d.from || (d.participant && d.participant.id) || d.participant_id || d.pc || null;
    log.push({ t: now(), dir, type: m.type, peer });
    if (log.length > 4000) log.splice(0, 2000); // alice stays for the whole run
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => log.push({ t: now(), dir: 'in', type: 'socket-open', peer: null }));
      this.addEventListener('message', (ev) => note('in', ev.data));
    }

    send(data) {
      note('out', data);
      return super.send(data);
    }
  };
  // Main-thread tasks of 50 ms or more, which hold up every message and
  // event behind them.
  window.benchLongTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.benchLongTasks.push({ t: performance.timeOrigin + e.startTime, d: e.duration });
      if (window.benchLongTasks.length > 1000) window.benchLongTasks.splice(0, 500);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no long task timing in this browser
  }
  window.benchKey = {};
  let room = null;
  const look = () => {
    for (const id of room.participants.keys()) {
      if (window.benchKey[id]) continue;
      const st = room.e2eeStatus(id);
      if (st && st.hasKey) window.benchKey[id] = now();
    }
  };
  Object.defineProperty(window, 'conclaveRoom', {
    configurable: true,
    get: () => room,
    set: (r) => {
      room = r;
      if (r) {
        r.on('e2eeChanged', look);
        look();
      }
    },
  });
}

// tryDetails reads, in a page, what happened since start: its signaling
// messages and long tasks (ms from start; a long task's duration in ms),
// its E2EE counters and the key frame requests and key frames of its
// video receivers, by sending participant.
async function tryDetails(start) {
  const room = window.conclaveRoom;
  const signal = window.benchSignal.filter((e) => e.t >= start).map((e) => [Math.round((e.t - start) * 10) / 10, e.dir, e.type, e.peer]);
  const owner = new Map();
  for (const t of room.remoteTracks()) owner.set(t.track.id, t.participantId);
  const { subscriber } = await room.getStats();
  const video = {};
  subscriber.forEach((s) => {
    if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
    video[owner.get(s.trackIdentifier) || s.trackIdentifier] = {
      pliCount: s.pliCount || 0, firCount: s.firCount || 0, keyFramesDecoded: s.keyFramesDecoded || 0, framesDecoded: s.framesDecoded || 0,
    };
  });
  const longTasks = window.benchLongTasks.filter((e) => e.t + e.d >= start).map((e) => [Math.round((e.t - start) * 10) / 10, Math.round(e.d)]);
  return { signal, longTasks, video, e2eeStats: await room.e2eeStats() };
}

// appHelpers is an init script of a meeting-app page: it notes when "Join
// now" is clicked and when the camera tile of participant `from` renders
// its first frame.
function appHelpers(from) {
  const now = () => performance.timeOrigin + performance.now();
  const b = (window.bench = {});
  document.addEventListener('click', (ev) => {
    if (b.start === undefined && ev.target instanceof Element && ev.target.closest('#enter-button')) b.start = now();
  }, true);
  new MutationObserver(() => {
    if (b.watching) return;
    const v = document.querySelector(`.tile[data-participant-id="${from}"][data-source="camera"] video`);
    if (!v) return;
    b.watching = true;
    const onFrame = (_, meta) => {
      if (meta.rtpTimestamp === undefined || meta.receiveTime === undefined) {
        v.requestVideoFrameCallback(onFrame); // a placeholder, not a frame of alice's
        return;
      }
      b.frame = now();
      b.width = meta.width;
      b.received = performance.timeOrigin + meta.receiveTime;
    };
    v.requestVideoFrameCallback(onFrame);
  }).observe(document, { subtree: true, childList: true });
}

// selectedPairs reads, in a page, the candidate pair each PeerConnection of
// window.conclaveRoom selected: its local and remote candidate.
async function selectedPairs() {
  const stats = await window.conclaveRoom.getStats();
  const out = {};
  for (const [name, report] of Object.entries(stats)) {
    let pair = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
    });
    const cand = (id) => {
      const c = id && report.get(id);
      return c ? { type: c.candidateType, address: c.address || '', protocol: c.protocol } : null;
    };
    out[name] = pair ? { local: cand(pair.localCandidateId), remote: cand(pair.remoteCandidateId) } : null;
  }
  return out;
}

// hideAddresses is an init script for the mdns regime where Chromium cannot
// run it by itself: the host candidates the SDK sends (it reads them in
// onicecandidate) carry a .local name instead of the IP address, as
// Chromium's own mDNS candidates do.
function hideAddresses() {
  const names = new Map();
  const proto = RTCPeerConnection.prototype;
  const d = Object.getOwnPropertyDescriptor(proto, 'onicecandidate');
  Object.defineProperty(proto, 'onicecandidate', {
    configurable: true,
    enumerable: d.enumerable,
    get() { return d.get.call(this); },
    set(fn) {
      d.set.call(this, typeof fn !== 'function' ? fn : (ev) => {
        const c = ev.candidate;
        if (!c || !/ typ host( |$)/.test(c.candidate)) return fn.call(this, ev);
        const f = c.candidate.split(' ');
        if (!names.has(f[4])) names.set(f[4], `${crypto.randomUUID()}.local`);
        f[4] = names.get(f[4]);
        const candidate = { candidate: f.join(' '), sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment };
        return fn.call(this, { candidate });
      });
    },
  });
}

// sendingWidth reads, in a page, the width of the camera picture it sends.
async function sendingWidth() {
  const { publisher } = await window.conclaveRoom.getStats();
  let width = 0;
  publisher.forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') width = Math.max(width, s.frameWidth || 0);
  });
  return width;
}

// ---- in Node -----------------------------------------------------------------

// recordCandidates collects the ICE candidates a page sends the server, by
// PeerConnection, off its signaling WebSocket.
function recordCandidates(p) {
  const sent = { publisher: [], subscriber: [] };
  p.page.on('websocket', (ws) => ws.on('framesent', (f) => {
    try {
      const m = JSON.parse(f.payload);
      if (m.type === 'candidate' && sent[m.data.pc]) sent[m.data.pc].push(m.data.candidate);
    } catch {
      // not JSON: not a signaling message
    }
  }));
  return sent;
}

const isIP = (a) => /^[0-9.]+$/.test(a) || a.includes(':');

// regimeOf says which regime one PeerConnection ran in: "host" when every
// host candidate it sent is an IP address and the selected pair's local
// candidate is one of them (the server knew the address beforehand);
// "mdns" when every host candidate it sent is a .local name. Anything else
// is described as it was.
function regimeOf(sent, selected) {
  const hosts = sent.filter((c) => / typ host/.test(c)).map((c) => c.split(' ')[4]);
  const local = selected && selected.local;
  const seen = `sent host candidates [${hosts.join(' ')}], selected local ${JSON.stringify(local)}`;
  if (hosts.length === 0) return `unverified: ${seen}`;
  if (hosts.every((a) => a.endsWith('.local'))) return 'mdns';
  if (hosts.every(isIP) && local && local.type === 'host' && hosts.includes(local.address)) return 'host';
  return `unverified: ${seen}`;
}

// hasDefaultRoute says whether Chromium finds a default local address,
// which it looks up the same way: a UDP socket "connected" to a public
// address (no packet is sent). Without one, a page without camera
// permission gathers no ICE candidate.
async function hasDefaultRoute() {
  for (const [type, host] of [['udp4', '8.8.8.8'], ['udp6', '2001:4860:4860::8888']]) {
    const ok = await new Promise((resolve) => {
      let sock;
      try {
        sock = dgram.createSocket(type);
      } catch {
        resolve(false);
        return;
      }
      sock.on('error', () => resolve(false));
      sock.connect(53, host, (err) => {
        sock.close();
        resolve(!err);
      });
    });
    if (ok) return true;
  }
  return false;
}

// sdkPage opens a fresh page that has imported the SDK and holds a dev
// token. The page is the SDK bundle itself, served by Conclave: a page of
// the server's origin with its headers, and no app on it. With hide, its
// host candidates go out as .local names (hideAddresses).
async function sdkPage(browser, label, { hide = false } = {}) {
  const p = await browser.page(label);
  p.sent = recordCandidates(p);
  await p.page.addInitScript(benchInit);
  if (hide) await p.page.addInitScript(hideAddresses);
  await p.page.goto(env.url + '/sdk/conclave.js');
  await p.page.evaluate(pageHelpers);
  await p.page.evaluate(async ({ room, name }) => {
    window.conclaveSDK = await import('/sdk/conclave.js');
    const res = await fetch('/dev/token', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ room, name }),
    });
    if (!res.ok) throw new Error(`/dev/token: ${res.status} ${await res.text()}`);
    window.benchToken = (await res.json()).token;
  }, { room: env.room, name: label });
  return p;
}

// explained waits for a page function's value; a failure also says which
// candidates the newcomer p sent and which pairs its PeerConnections
// selected, the usual story of a first frame that never came.
async function explained(p, waiting) {
  try {
    return await (await waiting).jsonValue();
  } catch (e) {
    const selected = await p.page.evaluate(selectedPairs).catch((err) => String(err));
    throw new Error(`${e.message}; ${p.label} sent candidates ${JSON.stringify(p.sent)}, selected pairs ${JSON.stringify(selected)}`);
  }
}

// leave makes a newcomer leave cleanly and waits until alice no longer
// lists it, so that every try starts in the same room.
async function leave(alice, p) {
  await p.page.evaluate(() => window.conclaveRoom.leave());
  await p.page.close();
  await alice.waitFor(`${p.label} gone`, (id) => !window.conclaveRoom.participants.has(id), LIMIT.page, p.id);
}

// trySDK is one try of the host or mdns regime.
async function trySDK(alice, browser, label, opts) {
  const p = await sdkPage(browser, label, opts);
  const stopProfile = await profile(p, label);
  const t = await p.page.evaluate(async (cam) => {
    const t = { start: window.benchNow() };
    const room = await window.conclaveSDK.connect('', window.benchToken);
    t.connected = window.benchNow();
    window.conclaveRoom = room;
    window.benchWatch(room);
    // Publish right away, as the app does once connected.
    Promise.all([room.publishCamera(cam), room.publishMicrophone()]).then(
      () => { window.benchPublished = window.benchNow(); },
      (e) => { window.benchPublished = String(e); },
    );
    t.id = room.local.id;
    t.e2ee = room.e2ee;
    return t;
  }, camera);
  p.id = t.id;
  const fwd = await explained(p, p.waitFor('the first frame of alice, and publishing done', (id) => {
    const r = window.benchSeen[id];
    return r && r.frame && window.benchPublished && r;
  }, LIMIT.media, alice.id));
  await stopProfile();
  const published = await p.page.evaluate(() => window.benchPublished);
  if (typeof published !== 'number') throw new Error(`${label}: publishing failed: ${published}`);
  const rev = await explained(p, alice.waitFor(`the first frame of ${label}`, (id) => {
    const r = window.benchSeen[id];
    return r && r.frame && r;
  }, LIMIT.media, t.id));
  return finishTry(alice, p, label, { start: t.start, e2ee: t.e2ee, connected: t.connected, fwd, rev, published });
}

// tryApp is one try of the meeting app: "Join now" once the preview shows
// the camera, as a person does.
async function tryApp(alice, browser, label) {
  const p = await browser.page(label);
  p.sent = recordCandidates(p);
  await p.page.addInitScript(benchInit);
  await p.page.addInitScript(appHelpers, alice.id);
  const { id } = await p.join();
  const fwd = await explained(p, p.waitFor('the first frame of alice in her tile', () => {
    const b = window.bench;
    return b && b.start && b.frame && b;
  }, LIMIT.media));
  const rev = await explained(p, alice.waitFor(`the first frame of ${label}`, (pid) => {
    const r = window.benchSeen[pid];
    return r && r.frame && r;
  }, LIMIT.media, id));
  const e2ee = await p.page.evaluate(() => window.conclaveRoom.e2ee);
  return finishTry(alice, p, label, { start: fwd.start, e2ee, fwd, rev });
}

// finishTry reads what a try's pages recorded, makes the newcomer p leave,
// and returns the try's figures in ms from start. In an E2EE room it waits
// for both sender keys, which arrive before either first frame (a frame
// is rendered only once it decrypts).
async function finishTry(alice, p, label, { start, e2ee, connected, fwd, rev, published }) {
  const keys = e2ee
    ? {
      forward: await p.waitFor('alice\'s sender key', (id) => window.benchKey[id], LIMIT.page, alice.id).then((h) => h.jsonValue()),
      reverse: await alice.waitFor(`the sender key of ${label}`, (id) => window.benchKey[id], LIMIT.page, p.id).then((h) => h.jsonValue()),
    }
    : {};
  const selected = await p.page.evaluate(selectedPairs);
  const details = { newcomer: await p.page.evaluate(tryDetails, start), alice: await alice.page.evaluate(tryDetails, start) };
  const first = (dir, type) => {
    const e = details.newcomer.signal.find((x) => x[1] === dir && x[2] === type);
    return e && connected !== undefined ? e[0] : null;
  };
  await leave(alice, p);
  const ms = (x) => (x === undefined ? null : Math.round((x - start) * 10) / 10);
  return {
    e2ee,
    connect: ms(connected), socketOpen: first('in', 'socket-open'), joinSent: first('out', 'join'), subscribed: ms(fwd.subscribed),
    forward: ms(fwd.frame), forwardReceived: ms(fwd.received),
    published: ms(published), reverse: ms(rev.frame), reverseReceived: ms(rev.received), forwardWidth: fwd.width, reverseWidth: rev.width,
    forwardKey: ms(keys.forward), reverseKey: ms(keys.reverse),
    candidates: { subscriber: regimeOf(p.sent.subscriber, selected.subscriber), publisher: regimeOf(p.sent.publisher, selected.publisher) },
    selected,
    details,
  };
}

function summary(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median: Math.round(median * 10) / 10, min: v[0], max: v[v.length - 1], n: v.length };
}

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('.', import.meta.url).pathname, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

scenario('joinbench', async (ctx) => {
  const machine = { cpus: os.cpus().length, loadavgBefore: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  // One Chromium with camera permission (alice, the host and app
  // newcomers), one without (the mdns newcomers) where that gives .local
  // candidates.
  const granted = await ctx.browser();
  const rewrite = !(await hasDefaultRoute());
  const denied = rewrite ? granted : await ctx.browser({ permissions: [] });
  if (rewrite) log('no default route: Chromium gathers no candidate without camera permission, so the mdns pages rename theirs to .local');

  const alice = await sdkPage(granted, 'alice');
  alice.id = await alice.page.evaluate(async () => {
    const room = await window.conclaveSDK.connect('', window.benchToken);
    window.conclaveRoom = room;
    window.benchWatch(room);
    await Promise.all([room.publishCamera(), room.publishMicrophone()]);
    return room.local.id;
  });
  const chromiumVersion = await alice.page.evaluate(async () => {
    const { fullVersionList = [] } = await navigator.userAgentData.getHighEntropyValues(['fullVersionList']);
    const b = fullVersionList.find((x) => /Chrom/.test(x.brand));
    return b ? b.version : navigator.userAgent;
  });
  await alice.waitFor('alice sending video', async () => {
    const { publisher } = await window.conclaveRoom.getStats();
    let frames = 0;
    publisher.forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') frames += s.framesEncoded || 0; });
    return frames > 0;
  }, LIMIT.media);
  log(`alice (${alice.id}) publishes in a room ${e2ee ? 'that requires end-to-end encryption' : 'without end-to-end encryption'}; ${tries} tries per regime`);

  const runs = Object.fromEntries(REGIMES.map((r) => [r, []]));
  for (let i = 1; i <= tries; i++) {
    for (const regime of REGIMES) {
      const label = `${regime}-${i}`;
      const wall = Date.now();
      // Alice's encoder starts small and grows its picture over the first
      // seconds (and shrinks it when the machine is busy): a first frame's
      // size, and so its time, depends on it.
      const aliceWidth = await alice.page.evaluate(sendingWidth);
      const aliceStats = await alice.page.evaluate(() => window.conclaveRoom.e2eeStats());
      const r = regime === 'app' ? await tryApp(alice, granted, label)
        : regime === 'host' ? await trySDK(alice, granted, label)
          : await trySDK(alice, denied, label, { hide: rewrite });
      if (r.e2ee !== e2ee) throw new Error(`${label}: room.e2ee is ${r.e2ee}, want ${e2ee}`);
      r.details.aliceE2EEStatsBefore = aliceStats;
      runs[regime].push({ aliceWidth, ...r });
      const keys = e2ee ? ` keys: forward ${r.forwardKey} reverse ${r.reverseKey} ms;` : '';
      log(`${label}: connect ${r.connect} (join sent ${r.joinSent}) subscribed ${r.subscribed} forward ${r.forward} published ${r.published} reverse ${r.reverse} ms;${keys} alice sends ${aliceWidth} px wide; candidates ${JSON.stringify(r.candidates)}; try took ${Date.now() - wall} ms`);
    }
  }
  machine.loadavgAfter = os.loadavg().map((x) => Math.round(x * 100) / 100);

  const regimes = {};
  for (const regime of REGIMES) {
    const list = runs[regime];
    const verified = (pc) => {
      const seen = [...new Set(list.map((r) => r.candidates[pc]))];
      return seen.length === 1 ? seen[0] : `mixed: ${seen.join('; ')}`;
    };
    regimes[regime] = {
      verified: { subscriber: verified('subscriber'), publisher: verified('publisher') },
      rewritten: regime === 'mdns' && rewrite,
      ...Object.fromEntries(MEASURES.map((m) => [m, summary(list.map((r) => r[m]))])),
      tries: list,
    };
  }
  const result = {
    tries, date: new Date().toISOString(), commit: commit(), chromium: chromiumVersion, machine, e2ee, regimes,
  };
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${outFile}`);
  // The figures are in the file; the Go test reads them there.
  return { out: outFile, tries };
});
