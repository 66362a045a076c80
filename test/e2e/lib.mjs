// Shared helpers of the browser end-to-end scenarios. Each scenario is a
// Node script run by e2e_test.go: it drives Debian's Chromium through
// playwright-core, talks to the Go test over stdin/stdout (one JSON object a
// line) and ends with one {"result": ...} line, or exits non-zero with a
// message on stderr.
//
// Environment (set by e2e_test.go):
//   CONCLAVE_URL        the server's base URL (https://127.0.0.1:port)
//   CONCLAVE_ROOM       a fresh room name for this scenario
//   CONCLAVETEST_CHROMIUM   the Chromium binary
//   CONCLAVE_TMP        a temporary folder (browser profiles), removed by Go
//   CONCLAVE_ARTIFACTS  where screenshots go (test/e2e/artifacts)
//   CONCLAVE_TIMEOUT_MS when the script gives up on a hung browser (a little before Go kills it)
//
// Every wait is a condition wait with a limit from LIMIT, and a failure says
// what was being waited for. The limits are generous on purpose: a wait
// returns as soon as its condition holds, so on a quiet machine they cost
// nothing, while a busy one (load average 20 on 2 cores) is slow, not broken.

import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';

// playwright-core is a dev dependency of web/ (web/node_modules).
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export const env = {
  url: mustEnv('CONCLAVE_URL'),
  room: mustEnv('CONCLAVE_ROOM'),
  chromium: process.env.CONCLAVETEST_CHROMIUM || '/usr/lib/chromium/chromium',
  tmp: process.env.CONCLAVE_TMP || process.env.TMPDIR || '/tmp',
  artifacts: process.env.CONCLAVE_ARTIFACTS || new URL('./artifacts/', import.meta.url).pathname,
  timeoutMs: Number(process.env.CONCLAVE_TIMEOUT_MS || 300000),
};

// LIMIT is how long a condition may take before the scenario fails.
export const LIMIT = {
  // A page reacts: a click shows the next view, a message reaches another page.
  page: 30_000,
  // Media starts, stops or resumes flowing (getStats counters).
  media: 45_000,
};

function mustEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set (run this scenario through go test ./test/e2e)`);
    process.exit(2);
  }
  return v;
}

// The flags BROWSER.md lists for headless WebRTC on a loopback-only machine.
export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  // The dev server's certificate is self-signed (ignoreHTTPSErrors below
  // covers page loads; this also covers Chromium's own connections).
  '--ignore-certificate-errors',
  // Several pages share one browser: keep the ones in the background running
  // at full speed (timers, rendering, media).
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// log writes a progress line the Go test shows with -v.
export function log(...args) {
  process.stdout.write(JSON.stringify({ log: args.map(String).join(' ') }) + '\n');
}

// ---- talking to the Go test -------------------------------------------------

const stdinLines = (() => {
  const rl = readline.createInterface({ input: process.stdin });
  const queue = [];
  const waiters = [];
  rl.on('line', (l) => (waiters.length ? waiters.shift()(l) : queue.push(l)));
  rl.on('close', () => { while (waiters.length) waiters.shift()(null); });
  return () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : waiters.push(resolve)));
})();

// step asks the Go test to do or check something (the handler registered
// under name in e2e_test.go) and waits for its answer; it throws if Go
// reports an error.
export async function step(name, data = {}) {
  process.stdout.write(JSON.stringify({ step: name, data }) + '\n');
  const line = await stdinLines();
  if (line === null) throw new Error(`step ${name}: the Go test closed stdin`);
  const reply = JSON.parse(line);
  if (!reply.ok) throw new Error(`step ${name}: ${reply.error}`);
  return reply.data;
}

// ---- browser ------------------------------------------------------------------

// Browser is one Chromium (a persistent context with a fresh profile) that
// can hold several pages, one participant each. Its pages have camera and
// microphone permission unless permissions says otherwise (Chromium then
// hides the host's IP addresses from WebRTC behind mDNS .local names).
export class Browser {
  static async launch({ permissions = ['camera', 'microphone'] } = {}) {
    const dir = await mkdtemp(path.join(env.tmp, 'chromium-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: env.chromium,
      headless: true,
      args: chromiumArgs,
      ignoreHTTPSErrors: true,
      viewport: { width: 960, height: 600 },
      permissions,
    });
    // Clicks, fills and navigations wait for their element as long as any
    // condition may take.
    ctx.setDefaultTimeout(LIMIT.page);
    ctx.setDefaultNavigationTimeout(LIMIT.page);
    const b = new Browser();
    b.ctx = ctx;
    b.dir = dir;
    b.pages = [];
    return b;
  }

  // page opens a new tab that records its console errors, uncaught
  // exceptions and CSP violations.
  async page(label) {
    const page = this.pages.length === 0 && this.ctx.pages().length === 1 && this.ctx.pages()[0].url() === 'about:blank'
      ? this.ctx.pages()[0]
      : await this.ctx.newPage();
    const p = new Participant(page, label);
    this.pages.push(p);
    return p;
  }

  async close() {
    await this.ctx.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true }).catch(() => {});
  }
}

// Participant is one page in the meeting app.
export class Participant {
  constructor(page, label) {
    this.page = page;
    this.label = label;
    this.errors = []; // uncaught exceptions
    this.csp = []; // CSP violations
    this.console = []; // console errors and warnings (for failure reports)
    page.on('response', (r) => {
      if (r.status() >= 400) this.console.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('pageerror', (e) => this.errors.push(String(e && e.stack || e)));
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy/i.test(text)) this.csp.push(text);
      if (m.type() === 'error' || m.type() === 'warning') this.console.push(`${m.type()}: ${text}`);
    });
  }

  // join goes through the app UI: join form, device preview, meeting. It
  // returns once the SDK reports the room connected. Like a person, it
  // clicks "Join now" once the preview shows the camera picture; with
  // fast it clicks as soon as the button is enabled.
  async join(room = env.room, name = this.label, { fast = false } = {}) {
    const { page } = this;
    await waiting(`${this.label}: the join page`, () => page.goto(env.url + '/', { waitUntil: 'load' }));
    await this.waitFor('the join form', 'body[data-state="join"] #join-button');
    await page.fill('#room-input', room);
    await page.fill('#name-input', name);
    await page.click('#join-button');
    await this.waitFor('the preview page', 'body[data-state="preview"]');
    await this.waitFor('"Join now" enabled', '#enter-button:not([disabled])');
    if (!fast) {
      await this.waitFor('the preview camera picture', () => {
        const v = document.querySelector('#preview-video');
        return v && v.videoWidth > 0;
      });
    }
    await page.click('#enter-button');
    await this.inMeeting();
    return { id: this.id, identity: this.identity };
  }

  // inMeeting waits until the page shows the meeting, connected, and notes
  // the participant id the server gave it.
  async inMeeting(ms = LIMIT.page) {
    await this.waitFor('the meeting view', 'body[data-state="meeting"]', ms);
    await this.waitFor('the meeting connected', '#connection-status[data-state="connected"]', ms);
    await this.waitFor('a participant id', () => window.conclaveRoom && window.conclaveRoom.local && window.conclaveRoom.local.id, ms);
    const self = await this.page.evaluate(() => ({ id: window.conclaveRoom.local.id, identity: window.conclaveRoom.local.identity }));
    this.id = self.id;
    this.identity = self.identity;
    return self;
  }

  // waitFor waits until the page shows a selector, or a function evaluated
  // in the page returns a truthy value; a failure names what was awaited.
  async waitFor(what, selectorOrFn, ms = LIMIT.page, arg = undefined) {
    const desc = `${this.label}: ${what}`;
    return waiting(desc, async () => {
      try {
        if (typeof selectorOrFn === 'string') return await this.page.waitForSelector(selectorOrFn, { timeout: ms });
        return await this.page.waitForFunction(selectorOrFn, arg, { timeout: ms, polling: 100 });
      } catch (e) {
        const detail = String(e && e.message || e).split('\n')[0];
        throw new Error(`waited ${ms / 1000} s for ${desc} (${detail})`);
      }
    });
  }

  // inbound returns the subscriber PeerConnection's inbound-rtp stats, each
  // labelled with the remote participant and source it belongs to (matched
  // through the receiver's MediaStreamTrack id).
  async inbound() {
    return this.page.evaluate(async () => {
      const room = window.conclaveRoom;
      const byTrack = new Map();
      for (const t of room.remoteTracks()) {
        byTrack.set(t.track.id, { participantId: t.participantId, source: t.info.source, kind: t.info.kind });
      }
      const { subscriber } = await room.getStats();
      const out = [];
      subscriber.forEach((s) => {
        if (s.type !== 'inbound-rtp') return;
        const owner = byTrack.get(s.trackIdentifier) || {};
        out.push({
          kind: s.kind, trackIdentifier: s.trackIdentifier, ssrc: s.ssrc,
          participantId: owner.participantId || null, source: owner.source || null,
          packetsReceived: s.packetsReceived || 0, bytesReceived: s.bytesReceived || 0,
          framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0, frameHeight: s.frameHeight || 0,
          totalSamplesReceived: s.totalSamplesReceived || 0,
        });
      });
      return out;
    });
  }

  // outbound returns the publisher PeerConnection's outbound-rtp stats.
  async outbound() {
    return this.page.evaluate(async () => {
      const { publisher } = await window.conclaveRoom.getStats();
      const out = [];
      publisher.forEach((s) => {
        if (s.type === 'outbound-rtp') out.push({ kind: s.kind, packetsSent: s.packetsSent || 0, framesEncoded: s.framesEncoded || 0 });
      });
      return out;
    });
  }

  // media sums the inbound counters of one remote participant's tracks of
  // one source ("camera", "microphone", "screen").
  async media(participantId, source) {
    const all = await this.inbound();
    const mine = all.filter((s) => s.participantId === participantId && s.source === source);
    const sum = (k) => mine.reduce((a, s) => a + s[k], 0);
    return {
      tracks: mine.length,
      framesDecoded: sum('framesDecoded'),
      frameWidth: Math.max(0, ...mine.map((s) => s.frameWidth)),
      packetsReceived: sum('packetsReceived'),
      totalSamplesReceived: sum('totalSamplesReceived'),
    };
  }

  // ownMedia reads the microphone and camera buttons: aria-pressed="true"
  // means muted / camera off.
  async ownMedia() {
    return this.page.evaluate(() => ({
      micMuted: document.querySelector('#mic-button').getAttribute('aria-pressed') === 'true',
      cameraOff: document.querySelector('#camera-button').getAttribute('aria-pressed') === 'true',
    }));
  }

  // watch records, from now on, every value the page's state (body
  // data-state) takes, and the reconnect banner's and the rejoin page's
  // countdowns (data-seconds), however briefly they show; seen() reads them.
  async watch() {
    await this.page.evaluate(() => {
      const seen = { states: [], bannerSeconds: [], rejoinSeconds: [], texts: [] };
      window.__e2eSeen = seen;
      const push = (list, v) => { if (v !== undefined && v !== null && list[list.length - 1] !== v) list.push(v); };
      const look = () => {
        push(seen.states, document.body.dataset.state);
        const banner = document.querySelector('#reconnect-banner');
        if (banner && !banner.hidden) {
          push(seen.bannerSeconds, banner.dataset.seconds);
          push(seen.texts, banner.textContent);
        }
        const status = document.querySelector('#rejoin-status');
        if (status && !status.hidden) {
          push(seen.rejoinSeconds, status.dataset.seconds);
          push(seen.texts, status.textContent);
        }
        for (const el of document.querySelectorAll('#left-reason, #rejoin-error, #notices .notice')) push(seen.texts, el.textContent);
      };
      new MutationObserver(look).observe(document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
      look();
    });
  }

  async seen() {
    return this.page.evaluate(() => window.__e2eSeen);
  }

  // tiles lists the meeting's video tiles as the DOM shows them.
  async tiles() {
    return this.page.$$eval('.tile[data-participant-id]', (els) => els.map((el) => {
      const v = el.querySelector('video');
      return {
        participantId: el.dataset.participantId, identity: el.dataset.identity, source: el.dataset.source,
        micMuted: el.dataset.micMuted === 'true', cameraOff: el.dataset.cameraOff === 'true',
        name: (el.querySelector('.tile-name') || {}).textContent || '',
        video: v ? { width: v.videoWidth, height: v.videoHeight, time: v.currentTime, paused: v.paused } : null,
      };
    }));
  }

  // remoteTiles lists the tiles of other participants.
  async remoteTiles(source) {
    return (await this.tiles()).filter((t) => t.participantId !== this.id && (!source || t.source === source));
  }

  async screenshot(name) {
    const file = path.join(env.artifacts, name);
    await this.page.screenshot({ path: file });
    return file;
  }

  // report is what a failure shows about this page.
  async report() {
    const state = await this.page.evaluate(() => ({
      state: document.body && document.body.dataset.state,
      connection: (document.querySelector('#connection-status') || { dataset: {} }).dataset.state,
      room: window.conclaveRoom ? window.conclaveRoom.state : null,
      notices: [...document.querySelectorAll('#notices .notice')].map((n) => n.textContent),
    })).catch((e) => ({ evaluate: String(e) }));
    return { label: this.label, id: this.id, ...state, errors: this.errors, csp: this.csp, console: this.console.slice(-10) };
  }
}

// ---- waiting and checking -------------------------------------------------------

// until polls fn (which returns a truthy value when done, or throws/returns
// falsy when not yet) until it succeeds or ms pass; then it throws with what
// describe() returns, so a failure says what was last seen.
export async function until(what, ms, fn, interval = 200) {
  const deadline = Date.now() + ms;
  let last;
  return waiting(what, async () => {
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
        last = v;
      } catch (e) {
        last = e && e.message ? e.message : e;
      }
      if (Date.now() > deadline) {
        throw new Error(`waited ${ms / 1000} s for ${what}; last seen: ${JSON.stringify(last)}`);
      }
      await sleep(interval);
    }
  });
}

// pending holds what the scenario is waiting for right now, so that even the
// hard deadline of a hung browser can say it.
const pending = new Set();

// waiting runs fn while what is listed as being waited for.
export async function waiting(what, fn) {
  const entry = { what };
  pending.add(entry);
  try {
    return await fn();
  } finally {
    pending.delete(entry);
  }
}

// steady waits until sample() gives the same value (compared as JSON) twice,
// window ms apart: e.g. frame counters once a camera is off and the frames
// already in flight have drained. It returns the two equal samples.
export async function steady(what, ms, window, sample) {
  return until(what, ms, async () => {
    const a = await sample();
    await sleep(window);
    const b = await sample();
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`still changing: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
    return [a, b];
  }, 0);
}

// flowing checks that viewer decodes video (and, with audio, receives
// audio) from one remote participant: two samples gap ms apart, frames and
// samples growing, a decoded frame width. It retries until ms pass and
// returns the two samples.
export async function flowing(viewer, fromId, { video = true, audio = true, source = 'camera', gap = 700, ms = LIMIT.media } = {}) {
  const check = async () => {
    const v1 = video ? await viewer.media(fromId, source) : null;
    const a1 = audio ? await viewer.media(fromId, source === 'screen' ? 'screen_audio' : 'microphone') : null;
    await sleep(gap);
    const v2 = video ? await viewer.media(fromId, source) : null;
    const a2 = audio ? await viewer.media(fromId, source === 'screen' ? 'screen_audio' : 'microphone') : null;
    const problems = [];
    if (video) {
      if (v2.tracks === 0) problems.push(`no ${source} video track from ${fromId}`);
      else if (!(v2.framesDecoded > v1.framesDecoded)) problems.push(`video framesDecoded not growing (${v1.framesDecoded} -> ${v2.framesDecoded})`);
      else if (!(v2.frameWidth > 0)) problems.push('video frameWidth is 0');
    }
    if (audio) {
      if (a2.tracks === 0) problems.push(`no audio track from ${fromId}`);
      else if (!(a2.packetsReceived > a1.packetsReceived)) problems.push(`audio packetsReceived not growing (${a1.packetsReceived} -> ${a2.packetsReceived})`);
      else if (!(a2.totalSamplesReceived > a1.totalSamplesReceived)) problems.push(`audio totalSamplesReceived not growing (${a1.totalSamplesReceived} -> ${a2.totalSamplesReceived})`);
    }
    if (problems.length) throw new Error(`${viewer.label} <- ${fromId}: ${problems.join('; ')}`);
    return { video: video ? [v1, v2] : null, audio: audio ? [a1, a2] : null };
  };
  return until(`media from ${fromId} on ${viewer.label}`, ms, check, 100);
}

// ---- running a scenario -----------------------------------------------------------

// scenario runs body(ctx) with a hard deadline, prints its result as the
// last stdout line and exits; on failure it prints what every page showed,
// saves a screenshot of each and exits 1. ctx.browser(opts) launches a
// Chromium (Browser.launch(opts)) that is closed afterwards.
export async function scenario(name, body) {
  const browsers = [];
  const ctx = {
    async browser(opts) {
      const b = await Browser.launch(opts);
      browsers.push(b);
      return b;
    },
  };
  const pages = () => browsers.flatMap((b) => b.pages);
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const now = [...pending].map((p) => p.what);
      reject(new Error(`scenario ${name} still running after ${env.timeoutMs / 1000} s (the limit for a hung browser); waiting for: ${now.length ? now.join('; ') : 'nothing (between waits)'}`));
    }, env.timeoutMs);
  });
  let code = 0;
  try {
    const result = await Promise.race([body(ctx), deadline]);
    // Every page must have run cleanly under the CSP.
    const dirty = pages().filter((p) => p.errors.length || p.csp.length);
    if (dirty.length) {
      throw new Error('page errors or CSP violations: ' + JSON.stringify(dirty.map((p) => ({ label: p.label, errors: p.errors, csp: p.csp }))));
    }
    process.stdout.write(JSON.stringify({ result: result || {} }) + '\n');
  } catch (e) {
    code = 1;
    console.error(`${name}: ${e && e.stack || e}`);
    for (const p of pages()) {
      const r = await Promise.race([p.report(), sleep(2000).then(() => ({ label: p.label, report: 'timed out' }))]);
      console.error(`page ${p.label}: ${JSON.stringify(r)}`);
      await Promise.race([p.screenshot(`${name}-failure-${p.label}.png`).catch(() => {}), sleep(2000)]);
    }
  } finally {
    clearTimeout(timer);
    await Promise.race([Promise.all(browsers.map((b) => b.close())), sleep(5000)]);
  }
  process.exit(code);
}
