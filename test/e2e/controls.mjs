// Scenario b: the meeting controls, as the others see them: mute and camera
// off (and back on), screen share, chat, leave.
import { scenario, flowing, until, steady, log, LIMIT } from './lib.mjs';

scenario('controls', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  const carol = await browser.page('carol');
  await Promise.all([alice.join(), bob.join(), carol.join()]);
  await flowing(bob, alice.id);
  log('joined; bob decodes alice');

  const aliceTile = async (p) => {
    const t = (await p.remoteTiles('camera')).filter((x) => x.participantId === alice.id);
    if (t.length !== 1) throw new Error(`${p.label} shows ${t.length} camera tiles for alice`);
    return t[0];
  };

  // Mute and camera off.
  await alice.page.click('#mic-button');
  await alice.page.click('#camera-button');
  await until('alice muted and camera-off on bob', LIMIT.page, async () => {
    const t = await aliceTile(bob);
    return t.micMuted && t.cameraOff;
  });
  // Once the packets already in flight have drained, nothing more arrives:
  // bob's decoded frames and audio packets from alice hold still for 1.5 s
  // (his audio receiver keeps producing silence samples, so those are not
  // counted).
  const [off1, off2] = await steady("alice's video and audio stopped on bob", LIMIT.media, 1500, async () => ({
    frames: (await bob.media(alice.id, 'camera')).framesDecoded,
    audioPackets: (await bob.media(alice.id, 'microphone')).packetsReceived,
  }));
  log('mute and camera-off stop the media on bob');

  // Camera back on: the picture comes back.
  await alice.page.click('#camera-button');
  await until('alice camera on again on bob', LIMIT.page, async () => !(await aliceTile(bob)).cameraOff);
  await flowing(bob, alice.id, { audio: false });
  log('camera on again');

  // Screen share.
  await alice.page.click('#screen-button');
  const screenTile = await until('alice screen tile on bob', LIMIT.media, async () => {
    const t = (await bob.remoteTiles('screen')).filter((x) => x.participantId === alice.id);
    return t.length === 1 && t[0].video && t[0].video.width > 0 && t[0];
  });
  const screen = await flowing(bob, alice.id, { source: 'screen', audio: false });
  log('screen share decodes on bob');

  // Chat.
  const text = `hello from alice ${Date.now()}`;
  if (!(await alice.page.isVisible('#chat-input'))) await alice.page.click('#chat-button');
  await alice.page.fill('#chat-input', text);
  await alice.page.click('#chat-send');
  const chat = await Promise.all([bob, carol].map((p) => until(`chat message on ${p.label}`, LIMIT.page, async () => {
    const msgs = await p.page.$$eval('.chat-message', (els) => els.map((el) => ({
      from: el.dataset.from, text: (el.querySelector('.chat-text') || {}).textContent || '',
    })));
    return msgs.find((m) => m.text.includes(text) && (m.from === alice.id || m.from === alice.identity));
  })));
  log('chat reached bob and carol');

  // Leave: alice's tiles go away on the others, and they learn she left
  // (not that her connection was lost: that would mean the leave message
  // never arrived and the server noticed her silence instead).
  for (const p of [bob, carol]) {
    await p.page.evaluate(() => {
      window.__e2eLeft = {};
      window.conclaveRoom.on('participantLeft', (q, reason) => { window.__e2eLeft[q.id] = reason; });
    });
  }
  const left = Date.now();
  await alice.page.click('#leave-button');
  await alice.waitFor('the page after leaving', 'body[data-state="left"]');
  const reasons = await Promise.all([bob, carol].map((p) => p.waitFor('why alice left', (id) => window.__e2eLeft[id], LIMIT.page, alice.id)
    .then((h) => h.jsonValue())));
  if (reasons.some((r) => r !== 'left')) throw new Error(`bob and carol saw alice leave with reasons ${JSON.stringify(reasons)}, want "left"`);
  await Promise.all([bob, carol].map((p) => until(`alice's tiles gone on ${p.label}`, LIMIT.page, async () => {
    const t = (await p.tiles()).filter((x) => x.participantId === alice.id);
    const li = await p.page.$$(`#participant-list li[data-participant-id="${alice.id}"]`);
    if (t.length || li.length) throw new Error(`${p.label} still shows ${t.length} tiles and ${li.length} list entries for alice`);
    return true;
  }, 100)));
  const goneMs = Date.now() - left;
  log(`alice gone after ${goneMs} ms`);

  return {
    cameraOff: { before: off1.frames, after: off2.frames },
    muted: { before: off1.audioPackets, after: off2.audioPackets },
    screen: { tileWidth: screenTile.video.width, frames: screen.video[1].framesDecoded, frameWidth: screen.video[1].frameWidth },
    chat,
    leaveMs: goneMs,
    leaveReasons: reasons,
  };
});
