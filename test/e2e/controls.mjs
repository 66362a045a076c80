// Scenario b: the meeting controls, as the others see them: mute and camera
// off (and back on), screen share, chat, leave.
import { scenario, flowing, until, sleep, log } from './lib.mjs';

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
  await until('alice muted and camera-off on bob', 5000, async () => {
    const t = await aliceTile(bob);
    return t.micMuted && t.cameraOff;
  });
  await sleep(800); // frames already in flight drain
  const off1 = { v: await bob.media(alice.id, 'camera'), a: await bob.media(alice.id, 'microphone') };
  await sleep(1500);
  const off2 = { v: await bob.media(alice.id, 'camera'), a: await bob.media(alice.id, 'microphone') };
  if (off2.v.framesDecoded !== off1.v.framesDecoded) {
    throw new Error(`camera off: bob still decodes alice's video (${off1.v.framesDecoded} -> ${off2.v.framesDecoded} frames in 1.5 s)`);
  }
  if (off2.a.packetsReceived !== off1.a.packetsReceived) {
    throw new Error(`muted: bob still receives alice's audio (${off1.a.packetsReceived} -> ${off2.a.packetsReceived} packets in 1.5 s)`);
  }
  log('mute and camera-off stop the media on bob');

  // Camera back on: the picture comes back.
  await alice.page.click('#camera-button');
  await until('alice camera on again on bob', 5000, async () => !(await aliceTile(bob)).cameraOff);
  await flowing(bob, alice.id, { audio: false });
  log('camera on again');

  // Screen share.
  await alice.page.click('#screen-button');
  const screenTile = await until('alice screen tile on bob', 8000, async () => {
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
  const chat = await Promise.all([bob, carol].map((p) => until(`chat message on ${p.label}`, 5000, async () => {
    const msgs = await p.page.$$eval('.chat-message', (els) => els.map((el) => ({
      from: el.dataset.from, text: (el.querySelector('.chat-text') || {}).textContent || '',
    })));
    return msgs.find((m) => m.text.includes(text) && (m.from === alice.id || m.from === alice.identity));
  })));
  log('chat reached bob and carol');

  // Leave: alice's tiles go away on the others within 5 s.
  const left = Date.now();
  await alice.page.click('#leave-button');
  await alice.page.waitForSelector('body[data-state="left"]', { timeout: 5000 });
  await Promise.all([bob, carol].map((p) => until(`alice's tiles gone on ${p.label}`, 5000, async () => {
    const t = (await p.tiles()).filter((x) => x.participantId === alice.id);
    const li = await p.page.$$(`#participant-list li[data-participant-id="${alice.id}"]`);
    if (t.length || li.length) throw new Error(`${p.label} still shows ${t.length} tiles and ${li.length} list entries for alice`);
    return true;
  }, 100)));
  const goneMs = Date.now() - left;
  log(`alice gone after ${goneMs} ms`);

  return {
    cameraOff: { before: off1.v.framesDecoded, after: off2.v.framesDecoded },
    muted: { before: off1.a.packetsReceived, after: off2.a.packetsReceived },
    screen: { tileWidth: screenTile.video.width, frames: screen.video[1].framesDecoded, frameWidth: screen.video[1].frameWidth },
    chat,
    leaveMs: goneMs,
  };
});
