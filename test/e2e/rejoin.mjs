// Scenario: Leave, then Rejoin, keeps the user's microphone and camera
// choices (both ways round), as the user and the others see them; and the
// page after leaving says so once, without a red "Disconnected".
import { scenario, flowing, until, log, LIMIT } from './lib.mjs';

scenario('rejoin', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(), bob.join()]);
  await flowing(bob, alice.id);
  log('joined; bob sees and hears alice');

  const aliceOnBob = async () => {
    const t = (await bob.remoteTiles('camera')).filter((x) => x.participantId === alice.id);
    if (t.length !== 1) throw new Error(`bob shows ${t.length} camera tiles for alice ${alice.id}`);
    return t[0];
  };

  // What the page after leaving got wrong; checked last, so that a lost
  // choice is reported first.
  const leftPage = [];
  const leaveAndRejoin = async () => {
    const before = alice.id;
    await alice.page.click('#leave-button');
    await alice.waitFor('the page after leaving', 'body[data-state="left"] #rejoin-button');
    const left = await alice.page.evaluate(() => ({
      text: document.querySelector('#app').innerText,
      header: document.querySelector('#header-slot').innerText,
      pill: !!document.querySelector('#connection-status'),
    }));
    const times = left.text.split('You left the meeting').length - 1;
    if (times !== 1) leftPage.push(`the page after leaving says "You left the meeting" ${times} times: ${JSON.stringify(left.text)}`);
    if (left.pill || /Disconnected/i.test(left.header)) leftPage.push(`the page after leaving shows a connection status in the header: ${JSON.stringify(left.header)}`);
    await alice.page.click('#rejoin-button');
    await alice.inMeeting();
    if (alice.id === before) throw new Error('alice rejoined with her old participant id');
    await until('alice back on bob', LIMIT.page, () => aliceOnBob());
  };

  // Microphone muted, camera on.
  await alice.page.click('#mic-button');
  await until('alice muted on bob', LIMIT.page, async () => (await aliceOnBob()).micMuted);
  await leaveAndRejoin();
  const own1 = await until('alice rejoined muted with her camera on', LIMIT.page, async () => {
    const m = await alice.ownMedia();
    if (!m.micMuted || m.cameraOff) throw new Error(`alice's controls show ${JSON.stringify(m)}`);
    return m;
  });
  const tile1 = await until('bob sees alice muted with her camera on', LIMIT.page, async () => {
    const t = await aliceOnBob();
    if (!t.micMuted || t.cameraOff) throw new Error(`bob shows alice ${JSON.stringify(t)}`);
    return t;
  });
  await flowing(bob, alice.id, { audio: false });
  log('rejoined muted, camera on; bob decodes her video');

  // Microphone on, camera off.
  await alice.page.click('#mic-button');
  await alice.page.click('#camera-button');
  await until('alice unmuted, camera off on bob', LIMIT.page, async () => {
    const t = await aliceOnBob();
    return !t.micMuted && t.cameraOff;
  });
  await leaveAndRejoin();
  const own2 = await until('alice rejoined unmuted with her camera off', LIMIT.page, async () => {
    const m = await alice.ownMedia();
    if (m.micMuted || !m.cameraOff) throw new Error(`alice's controls show ${JSON.stringify(m)}`);
    return m;
  });
  const tile2 = await until('bob sees alice unmuted with her camera off', LIMIT.page, async () => {
    const t = await aliceOnBob();
    if (t.micMuted || !t.cameraOff) throw new Error(`bob shows alice ${JSON.stringify(t)}`);
    return t;
  });
  await flowing(bob, alice.id, { video: false });
  log('rejoined unmuted, camera off; bob hears her');
  if (leftPage.length) throw new Error(leftPage.join('; '));

  return { mutedCameraOn: { own: own1, onBob: tile1 }, unmutedCameraOff: { own: own2, onBob: tile2 } };
});
