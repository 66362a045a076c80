// Scenario: the host (the REST API here) mutes alice's microphone.
//   - Alice's microphone button and her own tile say "Muted by the host";
//     the button asks the host instead of unmuting; the SDK refuses
//     setMuted(false) with muted_by_host; the server keeps the track muted
//     and bob hears nothing.
//   - The host lifts the lock: alice stays muted (the server never turns a
//     microphone on), the button offers "Unmute" again, and once she presses
//     it bob hears her.
import { scenario, flowing, steady, until, log, step, LIMIT } from './lib.mjs';

scenario('hostmute', async (ctx) => {
  const browser = await ctx.browser();
  const alice = await browser.page('alice');
  const bob = await browser.page('bob');
  await Promise.all([alice.join(), bob.join()]);
  await flowing(bob, alice.id, { video: false });
  log('joined; bob hears alice');

  const micId = await until("alice's microphone track id", LIMIT.page, () => alice.page.evaluate(() => {
    const t = window.conclaveRoom.localTracks().find((x) => x.source === 'microphone');
    return t && t.info && t.info.id;
  }));
  const ref = { identity: alice.identity, trackId: micId };
  const aliceView = () => alice.page.evaluate(() => {
    const b = document.querySelector('#mic-button');
    const tile = document.querySelector('.tile[data-local="true"][data-source="camera"]');
    const tag = tile && tile.querySelector('.tile-host');
    const t = window.conclaveRoom.localTracks().find((x) => x.source === 'microphone');
    return {
      pressed: b.getAttribute('aria-pressed'), label: b.getAttribute('aria-label'), text: b.querySelector('.ctrl-label').textContent,
      hostMuted: b.dataset.hostMuted, tileTag: !!tag && !tag.hidden && tag.getClientRects().length > 0 ? tag.textContent : null,
      sdk: t && { muted: t.muted, mutedByHost: t.mutedByHost, enabled: t.track.enabled },
    };
  });
  const aliceOnBob = async () => (await bob.remoteTiles('camera')).find((x) => x.participantId === alice.id);

  // The host mutes alice's microphone.
  await step('host-mute', ref);
  const locked = await until('alice shown muted by the host', LIMIT.page, async () => {
    const v = await aliceView();
    if (v.pressed !== 'true' || v.hostMuted !== 'true' || !/muted by the host/i.test(v.label) || v.text !== 'Ask to unmute' || v.tileTag !== 'Muted by the host' || !v.sdk.mutedByHost || v.sdk.enabled) {
      throw new Error(JSON.stringify(v));
    }
    return v;
  });
  await until('alice muted on bob', LIMIT.page, async () => (await aliceOnBob())?.micMuted);
  log('alice sees "Muted by the host"');

  // The button asks; nothing is unmuted.
  await alice.page.click('#mic-button');
  await alice.waitFor('"Asked to unmute"', () => document.querySelector('#mic-button .ctrl-label').textContent === 'Asked to unmute');
  const refused = await alice.page.evaluate(async () => {
    const t = window.conclaveRoom.localTracks().find((x) => x.source === 'microphone');
    try {
      await window.conclaveRoom.setMuted(t, false);
      return 'resolved';
    } catch (e) {
      return e.code || String(e);
    }
  });
  const stillMuted = await alice.page.evaluate(() => !window.conclaveRoom.localTracks().find((x) => x.source === 'microphone').track.enabled);
  if (!stillMuted) throw new Error('alice\'s microphone track was enabled while the host had muted it');
  const onServer = await step('server-track', ref);
  if (onServer.muted !== true || onServer.muted_by_host !== true) throw new Error(`the server lists alice's microphone as ${JSON.stringify(onServer)}, want muted by the host`);
  await steady("alice's audio stopped on bob", LIMIT.media, 1500, async () => (await bob.media(alice.id, 'microphone')).packetsReceived);
  log('asking does not unmute; setMuted(false) refused with', refused);

  // The host lifts the lock: alice stays muted until she unmutes.
  await step('host-unmute', ref);
  const lifted = await until('the lock lifted on alice', LIMIT.page, async () => {
    const v = await aliceView();
    if (v.pressed !== 'true' || v.hostMuted !== 'false' || v.text !== 'Unmute' || v.tileTag !== null || v.sdk.mutedByHost || !v.sdk.muted) throw new Error(JSON.stringify(v));
    return v;
  });
  const afterLift = await step('server-track', ref);
  if (afterLift.muted !== true || afterLift.muted_by_host) throw new Error(`after the lock was lifted the server lists alice's microphone as ${JSON.stringify(afterLift)}, want muted, not by the host`);
  if (!(await aliceOnBob())?.micMuted) throw new Error('bob shows alice unmuted before she unmuted herself');
  await alice.page.click('#mic-button');
  await until('alice unmuted on bob', LIMIT.page, async () => (await aliceOnBob())?.micMuted === false);
  await flowing(bob, alice.id, { video: false });
  log('after the lock is lifted alice unmutes herself and bob hears her');

  return { locked, refused, lifted, onServer, afterLift };
});
