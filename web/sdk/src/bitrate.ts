// The room's bitrate cap on the client side (docs/sfu.md, "Bitrate cap").
// The server measures everything a participant publishes together, RTP
// headers included, and disconnects one that stays above the cap after
// error{bitrate_limited}. Chromium already lowers its send rate on the
// REMB that comes with it; a browser that ignores REMB does not, so the SDK
// bounds every sender's encodings itself: the cap is shared out below a
// margin, audio first (bounded and counted with its headers), the rest
// among the video senders.

/** The share of the cap the SDK aims at: encoders overshoot, headers and retransmissions add. */
export const CAP_MARGIN = 0.9;
/** The most an audio sender may encode once limited (Opus speech needs less). */
export const AUDIO_MAX_BITRATE = 40_000;
/** The least an audio sender is given, however low the cap (Opus's floor is 6 kbit/s). */
export const AUDIO_MIN_BITRATE = 8_000;
/** RTP and SRTP headers of one audio sender: about 50 packets a second of about 40 bytes. */
export const AUDIO_HEADERS = 16_000;
/** The share of a video sender's rate its packets' headers take, counted on top of maxBitrate. */
export const VIDEO_HEADER_SHARE = 0.05;
/** The least a video sender is given: below it encoders stall rather than lower. */
export const VIDEO_MIN_BITRATE = 30_000;

/** Each sender's maxBitrate under a cap, in bits per second. */
export interface Allocation {
  audio: number;
  video: number;
}

/**
 * Shares cap (bits per second, all senders together) among audio and
 * video senders: audio takes at most a quarter of the budget, each video
 * sender an equal part of the rest, headers counted.
 */
export function allocate(cap: number, audioSenders: number, videoSenders: number): Allocation {
  const budget = Math.floor(cap * CAP_MARGIN);
  let audio = 0;
  if (audioSenders > 0) {
    const share = Math.floor(budget / 4 / audioSenders) - AUDIO_HEADERS;
    audio = Math.min(AUDIO_MAX_BITRATE, Math.max(AUDIO_MIN_BITRATE, share));
  }
  let video = 0;
  if (videoSenders > 0) {
    const left = budget - audioSenders * (audio + AUDIO_HEADERS);
    video = Math.max(VIDEO_MIN_BITRATE, Math.floor(left / videoSenders / (1 + VIDEO_HEADER_SHARE)));
  }
  return { audio, video };
}

/** allocate for senders of these kinds. */
export function allocateFor(cap: number, kinds: ReadonlyArray<'audio' | 'video'>): Allocation {
  const audio = kinds.filter((k) => k === 'audio').length;
  return allocate(cap, audio, kinds.length - audio);
}

/** The part of RTCRtpSender the cap needs. */
export type CappableSender = Pick<RTCRtpSender, 'getParameters' | 'setParameters'>;

/**
 * Sets maxBitrate on every encoding of sender (split evenly among
 * encodings). A sender with no encodings yet (not negotiated) is left
 * alone: the caller applies the cap again after negotiating. Resolves
 * false if the browser refused the parameters.
 */
export async function capSender(sender: CappableSender, maxBitrate: number): Promise<boolean> {
  const params = sender.getParameters();
  const encodings = params.encodings ?? [];
  if (encodings.length === 0) return true;
  const each = Math.max(1, Math.floor(maxBitrate / encodings.length));
  if (encodings.every((e) => e.maxBitrate === each)) return true;
  for (const e of encodings) e.maxBitrate = each;
  try {
    await sender.setParameters(params);
    return true;
  } catch (err) {
    console.warn('conclave: the browser refused a maxBitrate for the bitrate cap', err);
    return false;
  }
}

/**
 * Applies cap to senders (their kinds as published). Resolves false if
 * any sender refused.
 */
export async function applyCap(cap: number, senders: Array<{ kind: 'audio' | 'video'; sender: CappableSender }>): Promise<boolean> {
  const alloc = allocateFor(cap, senders.map((s) => s.kind));
  const done = await Promise.all(senders.map((s) => capSender(s.sender, s.kind === 'audio' ? alloc.audio : alloc.video)));
  return done.every(Boolean);
}
