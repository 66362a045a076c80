// Periodic statistics: active speakers (~4 Hz) from the inbound-rtp
// audioLevel of remote audio plus the local microphone level, and a
// connection quality per participant (~1 Hz) from packet loss, RTT and jitter.

import type { ConnectionQuality } from './types.js';

export interface RemoteTrackRef {
  participantId: string;
  kind: 'audio' | 'video';
  muted: boolean;
  receiver: RTCRtpReceiver;
  mid: string | null;
}

export interface StatsSources {
  publisher(): RTCPeerConnection | null;
  subscriber(): RTCPeerConnection | null;
  localId(): string;
  /** The local microphone level (0..1), 0 when muted or not published. */
  localMicLevel(): number;
  /** Whether we have a live published track. */
  localPublishing(): boolean;
  remoteTracks(): RemoteTrackRef[];
}

const SPEAKER_INTERVAL_MS = 250;
const QUALITY_INTERVAL_MS = 1_000;
/** A level above this (linear, 0..1) counts as speaking. */
const SPEAKING_THRESHOLD = 0.015;
/** Per 250 ms tick the smoothed level decays by this factor. */
const SPEAKER_DECAY = 0.6;
/** Seconds without packets on an unmuted track before a participant is 'lost'. */
const LOST_AFTER_TICKS = 3;

interface Counter {
  received: number;
  lost: number;
}

type StatsRecord = Record<string, unknown> & { type: string; id: string };

const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

export function scoreQuality(lossFraction: number, rttMs: number | undefined, jitterMs: number | undefined): ConnectionQuality {
  const rtt = rttMs ?? 0;
  const jitter = jitterMs ?? 0;
  if (lossFraction <= 0.02 && rtt <= 150 && jitter <= 30) return 'excellent';
  if (lossFraction <= 0.08 && rtt <= 400 && jitter <= 80) return 'good';
  return 'poor';
}

function selectedPairRtt(report: RTCStatsReport): number | undefined {
  let pairId: string | undefined;
  report.forEach((s: StatsRecord) => {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
  });
  let rtt: number | undefined;
  report.forEach((s: StatsRecord) => {
    if (s.type !== 'candidate-pair') return;
    if (pairId ? s.id === pairId : s.nominated === true && s.state === 'succeeded') {
      const r = num(s.currentRoundTripTime);
      if (r !== undefined) rtt = r * 1000;
    }
  });
  return rtt;
}

function iceBroken(pc: RTCPeerConnection | null): boolean {
  return pc !== null && (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'disconnected');
}

export class StatsMonitor {
  private speakerTimer: ReturnType<typeof setInterval> | undefined;
  private qualityTimer: ReturnType<typeof setInterval> | undefined;
  private speakerBusy = false;
  private qualityBusy = false;
  private readonly smoothed = new Map<string, number>();
  private lastSpeakers: string[] = [];
  private readonly counters = new Map<string, Counter>();
  private readonly silentTicks = new Map<string, number>();
  private readonly lastQuality = new Map<string, ConnectionQuality>();

  constructor(
    private readonly src: StatsSources,
    private readonly emitSpeakers: (ids: string[]) => void,
    private readonly emitQuality: (participantId: string, q: ConnectionQuality) => void,
  ) {}

  start(): void {
    this.stop();
    this.speakerTimer = setInterval(() => void this.speakerTick(), SPEAKER_INTERVAL_MS);
    this.qualityTimer = setInterval(() => void this.qualityTick(), QUALITY_INTERVAL_MS);
  }

  stop(): void {
    if (this.speakerTimer !== undefined) clearInterval(this.speakerTimer);
    if (this.qualityTimer !== undefined) clearInterval(this.qualityTimer);
    this.speakerTimer = undefined;
    this.qualityTimer = undefined;
  }

  /** Forget counters (after the subscriber PeerConnection was replaced). */
  reset(): void {
    this.counters.clear();
    this.silentTicks.clear();
  }

  private mapInbound(refs: RemoteTrackRef[]): { byTrack: Map<string, RemoteTrackRef>; byMid: Map<string, RemoteTrackRef> } {
    const byTrack = new Map<string, RemoteTrackRef>();
    const byMid = new Map<string, RemoteTrackRef>();
    for (const r of refs) {
      byTrack.set(r.receiver.track.id, r);
      if (r.mid !== null) byMid.set(r.mid, r);
    }
    return { byTrack, byMid };
  }

  private refFor(s: StatsRecord, m: ReturnType<StatsMonitor['mapInbound']>): RemoteTrackRef | undefined {
    if (typeof s.trackIdentifier === 'string') {
      const r = m.byTrack.get(s.trackIdentifier);
      if (r) return r;
    }
    if (typeof s.mid === 'string') return m.byMid.get(s.mid);
    return undefined;
  }

  private async speakerTick(): Promise<void> {
    if (this.speakerBusy) return;
    this.speakerBusy = true;
    try {
      const levels = new Map<string, number>();
      const refs = this.src.remoteTracks().filter((r) => r.kind === 'audio');
      const sub = this.src.subscriber();
      if (sub && refs.length > 0 && sub.connectionState !== 'closed') {
        const report = await sub.getStats();
        const m = this.mapInbound(refs);
        report.forEach((s: StatsRecord) => {
          if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
          const r = this.refFor(s, m);
          const lvl = num(s.audioLevel);
          if (r && lvl !== undefined) levels.set(r.participantId, Math.max(levels.get(r.participantId) ?? 0, lvl));
        });
        // The ssrc-audio-level header extension, when negotiated, gives the
        // sender's level even when the audio is not being played out.
        for (const r of refs) {
          try {
            for (const src of r.receiver.getSynchronizationSources()) {
              const lvl = num(src.audioLevel);
              if (lvl !== undefined) levels.set(r.participantId, Math.max(levels.get(r.participantId) ?? 0, lvl));
            }
          } catch {
            /* not supported */
          }
        }
        for (const r of refs) if (r.muted) levels.set(r.participantId, 0);
      }
      const localId = this.src.localId();
      if (localId) levels.set(localId, this.src.localMicLevel());

      const ids = new Set([...levels.keys(), ...this.smoothed.keys()]);
      for (const id of ids) {
        const v = Math.max(levels.get(id) ?? 0, (this.smoothed.get(id) ?? 0) * SPEAKER_DECAY);
        if (v < 0.001 || (!levels.has(id) && v < SPEAKING_THRESHOLD)) this.smoothed.delete(id);
        else this.smoothed.set(id, v);
      }
      const speakers = [...this.smoothed.entries()]
        .filter(([, v]) => v >= SPEAKING_THRESHOLD)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([id]) => id);
      if (speakers.length !== this.lastSpeakers.length || speakers.some((id, i) => id !== this.lastSpeakers[i])) {
        this.lastSpeakers = speakers;
        this.emitSpeakers([...speakers]);
      }
    } catch (err) {
      console.debug('conclave: speaker stats failed', err);
    } finally {
      this.speakerBusy = false;
    }
  }

  private async qualityTick(): Promise<void> {
    if (this.qualityBusy) return;
    this.qualityBusy = true;
    try {
      const result = new Map<string, ConnectionQuality>();
      const refs = this.src.remoteTracks();
      const sub = this.src.subscriber();
      let subAggregate: { received: number; lost: number; rtt: number | undefined; jitter: number } | undefined;
      if (sub && sub.connectionState !== 'closed') {
        const report = await sub.getStats();
        const rtt = selectedPairRtt(report);
        const m = this.mapInbound(refs);
        const per = new Map<string, { received: number; lost: number; jitter: number; expecting: boolean }>();
        for (const r of refs) {
          const e = per.get(r.participantId) ?? { received: 0, lost: 0, jitter: 0, expecting: false };
          if (!r.muted) e.expecting = true;
          per.set(r.participantId, e);
        }
        const seen = new Set<string>();
        report.forEach((s: StatsRecord) => {
          if (s.type !== 'inbound-rtp') return;
          const r = this.refFor(s, m);
          if (!r) return;
          const received = num(s.packetsReceived) ?? 0;
          const lost = Math.max(0, num(s.packetsLost) ?? 0);
          const prev = this.counters.get(s.id) ?? { received: 0, lost: 0 };
          this.counters.set(s.id, { received, lost });
          seen.add(s.id);
          const e = per.get(r.participantId);
          if (!e) return;
          if (r.muted) return;
          e.received += Math.max(0, received - prev.received);
          e.lost += Math.max(0, lost - prev.lost);
          e.jitter = Math.max(e.jitter, (num(s.jitter) ?? 0) * 1000);
        });
        for (const id of [...this.counters.keys()]) if (!seen.has(id)) this.counters.delete(id);
        const broken = iceBroken(sub);
        subAggregate = { received: 0, lost: 0, rtt, jitter: 0 };
        for (const [pid, e] of per) {
          subAggregate.received += e.received;
          subAggregate.lost += e.lost;
          subAggregate.jitter = Math.max(subAggregate.jitter, e.jitter);
          if (broken) {
            result.set(pid, 'lost');
            continue;
          }
          if (!e.expecting) continue;
          if (e.received === 0) {
            const n = (this.silentTicks.get(pid) ?? 0) + 1;
            this.silentTicks.set(pid, n);
            if (n >= LOST_AFTER_TICKS) result.set(pid, 'lost');
            continue;
          }
          this.silentTicks.delete(pid);
          const total = e.received + e.lost;
          result.set(pid, scoreQuality(total > 0 ? e.lost / total : 0, rtt, e.jitter));
        }
        for (const pid of [...this.silentTicks.keys()]) if (!per.has(pid)) this.silentTicks.delete(pid);
      }

      const localId = this.src.localId();
      const pub = this.src.publisher();
      if (localId) {
        if (pub && this.src.localPublishing() && pub.connectionState !== 'closed') {
          if (iceBroken(pub)) {
            result.set(localId, 'lost');
          } else if (pub.iceConnectionState === 'connected' || pub.iceConnectionState === 'completed') {
            const report = await pub.getStats();
            let loss = 0;
            let rtt = selectedPairRtt(report);
            let jitter = 0;
            report.forEach((s: StatsRecord) => {
              if (s.type !== 'remote-inbound-rtp') return;
              loss = Math.max(loss, num(s.fractionLost) ?? 0);
              const r = num(s.roundTripTime);
              if (r !== undefined) rtt = Math.max(rtt ?? 0, r * 1000);
              jitter = Math.max(jitter, (num(s.jitter) ?? 0) * 1000);
            });
            result.set(localId, scoreQuality(loss, rtt, jitter));
          }
        } else if (subAggregate && sub) {
          if (iceBroken(sub)) result.set(localId, 'lost');
          else if (sub.iceConnectionState === 'connected' || sub.iceConnectionState === 'completed') {
            const total = subAggregate.received + subAggregate.lost;
            result.set(localId, scoreQuality(total > 0 ? subAggregate.lost / total : 0, subAggregate.rtt, subAggregate.jitter));
          }
        }
      }

      for (const [pid, q] of result) {
        if (this.lastQuality.get(pid) === q) continue;
        this.lastQuality.set(pid, q);
        this.emitQuality(pid, q);
      }
      const current = new Set([localId, ...refs.map((r) => r.participantId)]);
      for (const pid of [...this.lastQuality.keys()]) if (!current.has(pid)) this.lastQuality.delete(pid);
    } catch (err) {
      console.debug('conclave: quality stats failed', err);
    } finally {
      this.qualityBusy = false;
    }
  }
}
