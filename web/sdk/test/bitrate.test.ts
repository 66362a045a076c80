// The bitrate cap in the SDK: how the cap is shared among senders, how a
// sender's encodings are bounded, and the bitrate_limited message's check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocate,
  allocateFor,
  applyCap,
  AUDIO_HEADERS,
  AUDIO_MAX_BITRATE,
  CAP_MARGIN,
  capSender,
  VIDEO_HEADER_SHARE,
  VIDEO_MIN_BITRATE,
  type CappableSender,
} from '../src/bitrate.js';
import { checkServerMessage } from '../src/messages.js';

/** What the server would measure of senders at their maxBitrate, headers counted. */
function onTheWire(audio: number, video: number, nAudio: number, nVideo: number): number {
  return nAudio * (audio + AUDIO_HEADERS) + nVideo * video * (1 + VIDEO_HEADER_SHARE);
}

test('allocate keeps everything under the cap with margin, audio counted', () => {
  for (const cap of [300_000, 500_000, 1_000_000, 8_000_000]) {
    for (const [nAudio, nVideo] of [[0, 1], [1, 1], [2, 2], [1, 0], [1, 3]]) {
      const a = allocate(cap, nAudio, nVideo);
      const wire = onTheWire(a.audio, a.video, nAudio, nVideo);
      assert.ok(wire <= cap * CAP_MARGIN + 1, `cap ${cap}, ${nAudio} audio ${nVideo} video: ${wire} bit/s on the wire`);
      if (nAudio > 0) assert.ok(a.audio > 0 && a.audio <= AUDIO_MAX_BITRATE, `audio ${a.audio}`);
      else assert.equal(a.audio, 0);
      if (nVideo > 0) assert.ok(a.video >= VIDEO_MIN_BITRATE, `video ${a.video}`);
      else assert.equal(a.video, 0);
    }
  }
  // The example of docs/sfu.md: a 300 kbit/s room, a camera and a microphone.
  assert.deepEqual(allocate(300_000, 1, 1), { audio: 40_000, video: 203_809 });
  // Video is what gives way: more video senders share the same budget.
  assert.ok(allocate(1_000_000, 1, 2).video < allocate(1_000_000, 1, 1).video);
  // A cap too low for anything keeps the floors rather than stalling the encoders.
  assert.equal(allocate(10_000, 1, 1).video, VIDEO_MIN_BITRATE);
});

/** A sender that keeps its parameters and counts setParameters calls. */
function fakeSender(encodings: RTCRtpEncodingParameters[], refuse = false): CappableSender & { sets: number; params: RTCRtpSendParameters } {
  const params = { transactionId: 't1', encodings, codecs: [], headerExtensions: [], rtcp: {} } as unknown as RTCRtpSendParameters;
  const s = {
    sets: 0,
    params,
    getParameters: () => structuredClone(s.params),
    setParameters: async (p: RTCRtpSendParameters) => {
      if (refuse) throw new Error('InvalidModificationError');
      s.sets++;
      s.params = p;
    },
  };
  return s as unknown as CappableSender & { sets: number; params: RTCRtpSendParameters };
}

test('capSender bounds every encoding, once, and leaves an unnegotiated sender alone', async () => {
  const one = fakeSender([{ active: true }]);
  assert.equal(await capSender(one, 200_000), true);
  assert.equal(one.params.encodings[0]?.maxBitrate, 200_000);
  assert.equal(await capSender(one, 200_000), true);
  assert.equal(one.sets, 1, 'the same bound again must not call setParameters');

  const layers = fakeSender([{ rid: 'h' }, { rid: 'l' }]);
  await capSender(layers, 300_000);
  assert.deepEqual(layers.params.encodings.map((e) => e.maxBitrate), [150_000, 150_000]);

  const none = fakeSender([]);
  assert.equal(await capSender(none, 100_000), true);
  assert.equal(none.sets, 0);

  const refusing = fakeSender([{ active: true }], true);
  assert.equal(await capSender(refusing, 100_000), false);
});

test('applyCap shares the cap between audio and video senders', async () => {
  const mic = fakeSender([{ active: true }]);
  const cam = fakeSender([{ active: true, maxBitrate: 2_500_000 }]);
  assert.equal(await applyCap(300_000, [{ kind: 'audio', sender: mic }, { kind: 'video', sender: cam }]), true);
  const want = allocate(300_000, 1, 1);
  assert.equal(mic.params.encodings[0]?.maxBitrate, want.audio);
  assert.equal(cam.params.encodings[0]?.maxBitrate, want.video);
  // A refused sender is reported.
  assert.equal(await applyCap(300_000, [{ kind: 'video', sender: fakeSender([{}], true) }]), false);
});

test('allocateFor counts the senders of each kind', () => {
  assert.deepEqual(allocateFor(500_000, ['video', 'audio', 'video']), allocate(500_000, 1, 2));
  assert.deepEqual(allocateFor(500_000, []), { audio: 0, video: 0 });
});

test('bitrate_limited: the cap is read from max_bitrate, a malformed one refused', () => {
  assert.deepEqual(checkServerMessage('error', { code: 'bitrate_limited', message: 'lower', max_bitrate: 300_000 }), {
    type: 'error', data: { code: 'bitrate_limited', message: 'lower', max_bitrate: 300_000 },
  });
  assert.deepEqual(checkServerMessage('error', { code: 'rate_limited', message: 'slow down' }), {
    type: 'error', data: { code: 'rate_limited', message: 'slow down' },
  });
  for (const bad of ['300000', -1, 0, Number.NaN, null]) {
    assert.equal(checkServerMessage('error', { code: 'bitrate_limited', message: '', max_bitrate: bad }), null, `max_bitrate ${String(bad)}`);
  }
});
