// LevelMeter: the level of an audio track (0..1, linear RMS amplitude) from a
// Web Audio AnalyserNode. Used for the pre-join mic meter and for the local
// participant's entry in activeSpeakers.

let sharedContext: AudioContext | undefined;

function audioContext(): AudioContext {
  if (!sharedContext || sharedContext.state === 'closed') sharedContext = new AudioContext();
  if (sharedContext.state === 'suspended') void sharedContext.resume().catch(() => {});
  return sharedContext;
}

export class LevelMeter {
  private source: MediaStreamAudioSourceNode | null;
  private analyser: AnalyserNode | null;
  private readonly buf: Float32Array<ArrayBuffer>;
  private readonly track: MediaStreamTrack;

  constructor(track: MediaStreamTrack) {
    if (!track || track.kind !== 'audio') throw new TypeError('LevelMeter needs an audio MediaStreamTrack');
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
  level(): number {
    const a = this.analyser;
    if (!a || !this.track.enabled || this.track.readyState === 'ended') return 0;
    a.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const s = this.buf[i] ?? 0;
      sum += s * s;
    }
    const rms = Math.sqrt(sum / this.buf.length);
    return Math.min(1, rms);
  }

  close(): void {
    try {
      this.source?.disconnect();
      this.analyser?.disconnect();
    } catch {
      /* ignore */
    }
    this.source = null;
    this.analyser = null;
  }
}
