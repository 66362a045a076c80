// Scenario: the room's bitrate cap in a real browser (docs/sfu.md,
// "Bitrate cap"). Both rooms are capped at 300 kbit/s and both pages
// publish a 720p camera and a microphone through the app, in a Chromium
// made to ignore the server's REMB (ignoreREMB): what a browser that does
// not obey REMB would do, so that only the SDK keeps it under the cap.
//   - alice (CONCLAVE_ROOM): the SDK gets bitrate_limited, emits
//     bitrateLimited with the cap and bounds her senders' encodings; after
//     the grace period she is still in the room and the server measures
//     her, publishing, under the cap. A screen share published then
//     starts under the cap, which her senders share again.
//   - carol (CONCLAVE_CONTROL_ROOM): the same, but setParameters does
//     nothing on her page, as if the SDK did not lower the encoders; she
//     is disconnected with bitrate_exceeded.
import { scenario, until, log, step, LIMIT } from './lib.mjs';

const controlRoom = process.env.CONCLAVE_CONTROL_ROOM;
if (!controlRoom) {
  console.error('CONCLAVE_CONTROL_ROOM is not set (run this scenario through go test ./test/e2e)');
  process.exit(2);
}

// Records the room's bitrateLimited and disconnected events from the
// moment the app creates the room, before any media sample.
function watchRoom() {
  window.__bitrate = { limited: null, limitedAt: 0, disconnected: null };
  const timer = setInterval(() => {
    const room = window.conclaveRoom;
    if (!room) return;
    clearInterval(timer);
    room.on('bitrateLimited', (cap) => {
      window.__bitrate.limited = cap;
      window.__bitrate.limitedAt = Date.now();
    });
    room.on('disconnected', (reason) => {
      window.__bitrate.disconnected = reason;
    });
  }, 20);
}

// A browser that ignores the server's REMB: it negotiates no receiver
// bandwidth feedback (REMB, transport-cc) and its video sends 800 kbit/s
// at least (x-google-min-bitrate), whatever the server says. Only the
// SDK's bound on the encoders (maxBitrate wins over that floor) keeps it
// under the cap. (Without the floor, Chromium still takes the REMB but
// lands about 6 % above the cap: the REMB bounds its media rate, the
// server measures RTP headers too.)
function ignoreREMB() {
  const srd = RTCPeerConnection.prototype.setRemoteDescription;
  RTCPeerConnection.prototype.setRemoteDescription = function (d) {
    if (!d || !d.sdp) return srd.call(this, d);
    const lines = d.sdp.split('\r\n').filter((l) => !/^a=rtcp-fb:\S+ (goog-remb|transport-cc)/.test(l) && !/transport-wide-cc/.test(l));
    const out = [];
    for (const l of lines) {
      out.push(l);
      const m = /^a=rtpmap:(\d+) VP8\/90000/.exec(l);
      if (m && !lines.some((x) => x.startsWith(`a=fmtp:${m[1]} `))) out.push(`a=fmtp:${m[1]} x-google-min-bitrate=800`);
    }
    return srd.call(this, { type: d.type, sdp: out.join('\r\n') });
  };
}

// The same browser without the SDK's help: setParameters does nothing.
function ignoreSetParameters() {
  RTCRtpSender.prototype.setParameters = function () {
    return Promise.resolve();
  };
}

scenario('bitrate', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const carol = await browser.page('carol');
  for (const p of [alice, carol]) {
    await p.page.addInitScript(watchRoom);
    await p.page.addInitScript(ignoreREMB);
  }
  await carol.page.addInitScript(ignoreSetParameters);
  await Promise.all([alice.join(), carol.join(controlRoom)]);

  const camera = (p) => p.page.evaluate(() => {
    const t = window.conclaveRoom.localTracks().find((x) => x.source === 'camera');
    if (!t) return null;
    const s = t.track.getSettings();
    return { width: s.width, height: s.height, maxBitrate: t.sender.getParameters().encodings.map((e) => e.maxBitrate ?? null) };
  });
  const first = await until("alice's camera", LIMIT.page, () => camera(alice));
  if (first.width !== 1280 || first.height !== 720) throw new Error(`alice's camera is ${first.width}x${first.height}, want 1280x720`);
  log('both joined with a 720p camera');

  // alice goes above the cap at once and is told.
  const limited = await until('bitrateLimited on alice', LIMIT.media, () => alice.page.evaluate(() => window.__bitrate.limited && window.__bitrate));
  const bounded = await until("alice's camera encoder bounded", LIMIT.page, async () => {
    const c = await camera(alice);
    return c.maxBitrate.length > 0 && c.maxBitrate.every((b) => b !== null && b < limited.limited) && c;
  });
  await alice.waitFor('the cap notice', () => [...document.querySelectorAll('#notices .notice')].some((n) => /at most 300 kbit\/s/.test(n.textContent)));
  log('alice limited to', limited.limited, 'bit/s; camera maxBitrate', JSON.stringify(bounded.maxBitrate));

  // The server's view: samples taken after the grace period find alice in
  // the room, publishing under the cap. Three in a row.
  const participant = (stats, identity) => (stats.participants || []).find((p) => p.participant.identity === identity);
  const graceEnd = limited.limitedAt + 5000;
  const under = [];
  const measured = await until('three samples of alice under the cap after the grace period', LIMIT.media, async () => {
    const s = await step('stats', { room: process.env.CONCLAVE_ROOM });
    const me = participant(s, alice.identity);
    if (!me) throw new Error(`alice is not in the room: ${JSON.stringify(s)}`);
    const at = Date.parse(me.sampled_at || '');
    if (!(at > graceEnd)) return false;
    if (under.length && under[under.length - 1].at === at) return false;
    if (!(me.bitrate > 0 && me.bitrate <= s.max_publish_bitrate)) {
      under.length = 0;
      throw new Error(`alice measured at ${me.bitrate} bit/s (cap ${s.max_publish_bitrate})`);
    }
    under.push({ at, bitrate: me.bitrate });
    return under.length >= 3 && me.bitrate;
  }, 500);
  const aliceState = await alice.page.evaluate(() => ({ state: window.conclaveRoom.state, disconnected: window.__bitrate.disconnected }));
  if (aliceState.state !== 'connected') throw new Error(`alice's room is ${JSON.stringify(aliceState)} after the grace period`);
  log('alice measured under the cap:', JSON.stringify(under));

  // A track published later starts under the cap, and the cap is shared
  // again: alice shares her screen.
  await alice.page.evaluate(() => window.conclaveRoom.publishScreen().then(() => true));
  const shared = await until("the cap shared among alice's senders", LIMIT.page, async () => {
    const senders = await alice.page.evaluate(() => window.conclaveRoom.localTracks().map((t) => ({
      source: t.source, kind: t.track.kind, maxBitrate: t.sender.getParameters().encodings.map((e) => e.maxBitrate ?? null),
    })));
    const video = senders.filter((x) => x.kind === 'video');
    if (video.length !== 2) throw new Error(`video senders: ${JSON.stringify(senders)}`);
    const all = senders.flatMap((x) => x.maxBitrate);
    if (all.some((b) => b === null) || video.some((x) => !(x.maxBitrate[0] < bounded.maxBitrate[0]))) throw new Error(JSON.stringify(senders));
    const total = all.reduce((a, b) => a + b, 0);
    if (!(total < limited.limited * 0.9)) throw new Error(`the senders' bounds add up to ${total}: ${JSON.stringify(senders)}`);
    return senders;
  });
  log('with a screen share:', JSON.stringify(shared));
  const sharedAt = Date.now();
  const withScreen = [];
  await until('two samples of alice with her screen, under the cap', LIMIT.media, async () => {
    const s = await step('stats', { room: process.env.CONCLAVE_ROOM });
    const me = participant(s, alice.identity);
    if (!me) throw new Error(`alice is not in the room: ${JSON.stringify(s)}`);
    const at = Date.parse(me.sampled_at || '');
    const screen = (me.tracks || []).filter((t) => t.kind === 'video').length === 2;
    if (!(at > sharedAt + 2000) || !screen) return false;
    if (withScreen.length && withScreen[withScreen.length - 1].at === at) return false;
    if (!(me.bitrate <= s.max_publish_bitrate)) throw new Error(`alice with her screen measured at ${me.bitrate} bit/s`);
    withScreen.push({ at, bitrate: me.bitrate });
    return withScreen.length >= 2;
  }, 500);
  log('alice with her screen, measured:', JSON.stringify(withScreen));

  // carol, who could not lower her encoder, is disconnected.
  const controlReason = await until('carol disconnected', LIMIT.media, async () => {
    const b = await carol.page.evaluate(() => window.__bitrate);
    if (b.disconnected) return b.disconnected;
    const s = await step('stats', { room: controlRoom });
    throw new Error(`carol told ${b.limited}, measured ${participant(s, carol.identity)?.bitrate}`);
  });
  const carolLimited = await carol.page.evaluate(() => window.__bitrate.limited);
  const carolGone = await step('stats', { room: controlRoom });
  if (participant(carolGone, carol.identity)) throw new Error(`carol is still in the room after ${controlReason}`);
  log('carol, told the cap', carolLimited, 'but not lowering her encoder, was disconnected:', controlReason);

  const end = await step('stats', { room: process.env.CONCLAVE_ROOM });
  return {
    limitedCap: limited.limited,
    maxBitrate: Math.max(...bounded.maxBitrate),
    measured,
    controlReason,
    stillIn: !!participant(end, alice.identity),
  };
});
