// The publisher PeerConnection: the client offers, the server answers. One
// offer is in flight at a time; further requests coalesce into the next one.

import type { CandidateMsg } from './messages.js';
import { CandidateBuffer, candidateInit, createPC, watchIce, type Send } from './pc.js';

const ANSWER_TIMEOUT_MS = 20_000;

export class Publisher {
  readonly pc: RTCPeerConnection;
  private readonly candidates: CandidateBuffer;
  private closed = false;
  private needed = false;
  private restartNeeded = false;
  private running: Promise<void> | null = null;
  private pendingAnswer: {
    resolve: (sdp: string) => void;
    reject: (err: Error) => void;
    timer: ReturnType<typeof setTimeout> | undefined;
  } | null = null;
  private readonly unwatch: () => void;

  constructor(
    iceServers: RTCIceServer[] | undefined,
    private readonly send: Send,
    /** Resolves when signaling is connected (offers wait for it). */
    private readonly ready: () => Promise<void>,
    /** Is the signaling connection up right now? */
    private readonly connected: () => boolean,
    onIceTrouble: () => void,
  ) {
    this.pc = createPC('publisher', iceServers, send);
    this.candidates = new CandidateBuffer(this.pc, 'publisher');
    this.unwatch = watchIce(this.pc, onIceTrouble);
  }

  /**
   * Adds a send-only transceiver for a track. The caller announces it
   * (add_track) first. maxBitrate bounds its encoder from the first frame
   * (the room's bitrate cap, bitrate.ts).
   */
  addTrack(track: MediaStreamTrack, stream: MediaStream, maxBitrate?: number): RTCRtpTransceiver {
    const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [stream] };
    if (maxBitrate !== undefined && maxBitrate > 0) init.sendEncodings = [{ maxBitrate }];
    return this.pc.addTransceiver(track, init);
  }

  removeTrack(sender: RTCRtpSender): void {
    if (this.closed) return;
    try {
      this.pc.removeTrack(sender);
    } catch (err) {
      console.warn('conclave: publisher: removeTrack failed', err);
    }
  }

  /**
   * Requests a (re)negotiation; resolves when an answer covering the current
   * state has been applied.
   */
  negotiate(iceRestart = false): Promise<void> {
    if (this.closed) return Promise.reject(new Error('closed: the publisher connection is closed'));
    this.needed = true;
    if (iceRestart) this.restartNeeded = true;
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.needed && !this.closed) {
      await this.ready();
      if (this.closed) break;
      this.needed = false;
      const iceRestart = this.restartNeeded;
      this.restartNeeded = false;
      const offer = await this.pc.createOffer(iceRestart ? { iceRestart: true } : undefined);
      await this.pc.setLocalDescription(offer);
      const sdp = this.pc.localDescription?.sdp ?? offer.sdp ?? '';
      const answered = new Promise<string>((resolve, reject) => {
        this.pendingAnswer = { resolve, reject, timer: undefined };
      });
      this.send('offer', { pc: 'publisher', sdp });
      this.armAnswerTimer();
      let answer: string;
      try {
        answer = await answered;
      } catch (err) {
        await this.rollback();
        throw err;
      }
      if (this.closed) break;
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
      await this.candidates.flush();
    }
  }

  private armAnswerTimer(): void {
    const p = this.pendingAnswer;
    if (!p) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (this.pendingAnswer !== p) return;
      // While signaling is reconnecting the offer is resent on resume.
      if (!this.connected()) {
        this.armAnswerTimer();
        return;
      }
      this.pendingAnswer = null;
      p.reject(new Error('timeout: the server did not answer the publisher offer'));
    }, ANSWER_TIMEOUT_MS);
  }

  private async rollback(): Promise<void> {
    if (this.closed || this.pc.signalingState !== 'have-local-offer') return;
    try {
      await this.pc.setLocalDescription({ type: 'rollback' });
    } catch (err) {
      console.warn('conclave: publisher: rollback failed', err);
    }
  }

  /** Applies the server's answer to the offer in flight. */
  handleAnswer(sdp: string): void {
    const p = this.pendingAnswer;
    if (!p) {
      console.warn('conclave: publisher: ignoring an answer with no offer in flight');
      return;
    }
    this.pendingAnswer = null;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.resolve(sdp);
  }

  /** The server refused the offer in flight (bad_sdp, permission_denied). */
  failInFlight(code: string, message: string): boolean {
    const p = this.pendingAnswer;
    if (!p) return false;
    this.pendingAnswer = null;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.reject(new Error(`${code}: ${message}`));
    return true;
  }

  get offerInFlight(): boolean {
    return this.pendingAnswer !== null;
  }

  /** After a resume: the answer to the offer in flight may have been lost; send it again. */
  resendPendingOffer(): void {
    if (!this.pendingAnswer || this.pc.signalingState !== 'have-local-offer') return;
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) return;
    this.send('offer', { pc: 'publisher', sdp });
    this.armAnswerTimer();
  }

  handleCandidate(c: CandidateMsg): void {
    if (this.closed || c.candidate === '') return;
    const init = candidateInit(c);
    // Before the answer (also during an ICE restart) the candidate may belong
    // to a description we do not have yet.
    if (!this.pc.remoteDescription || this.pc.signalingState !== 'stable') {
      this.candidates.hold(init);
      return;
    }
    void this.candidates.add(init);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.candidates.clear();
    const p = this.pendingAnswer;
    this.pendingAnswer = null;
    if (p) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(new Error('closed: the publisher connection was closed'));
    }
    this.pc.close();
  }
}
