// The subscriber PeerConnection: the server offers, the client answers every
// offer in order. Operations are serialised on one promise chain so that
// candidates and offers apply in the order they arrived.

import type { CandidateMsg } from './messages.js';
import { CandidateBuffer, candidateInit, createPC, watchIce, type Send } from './pc.js';

export class Subscriber {
  readonly pc: RTCPeerConnection;
  private readonly candidates: CandidateBuffer;
  private ops: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly unwatch: () => void;

  constructor(
    iceServers: RTCIceServer[] | undefined,
    private readonly send: Send,
    onTrack: (ev: RTCTrackEvent) => void,
    /** Called after each offer has been answered (the remote description is current). */
    private readonly onNegotiated: () => void,
    onIceTrouble: () => void,
  ) {
    this.pc = createPC('subscriber', iceServers, send);
    this.candidates = new CandidateBuffer(this.pc, 'subscriber');
    this.pc.ontrack = (ev) => {
      try {
        onTrack(ev);
      } catch (err) {
        console.error('conclave: subscriber: track handler threw', err);
      }
    };
    this.unwatch = watchIce(this.pc, onIceTrouble);
  }

  private enqueue(label: string, op: () => Promise<void>): void {
    this.ops = this.ops.then(async () => {
      if (this.closed) return;
      try {
        await op();
      } catch (err) {
        if (!this.closed) console.warn(`conclave: subscriber: ${label} failed`, err);
      }
    });
  }

  handleOffer(sdp: string): void {
    this.enqueue('answering an offer', async () => {
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      if (this.closed) return;
      // The answer first: the server's ICE checks and the first key frame
      // wait on it, while the held candidates only add paths.
      this.send('answer', { pc: 'subscriber', sdp: this.pc.localDescription?.sdp ?? answer.sdp ?? '' });
      await this.candidates.flush();
      try {
        this.onNegotiated();
      } catch (err) {
        console.error('conclave: subscriber: negotiation handler threw', err);
      }
    });
  }

  handleCandidate(c: CandidateMsg): void {
    if (this.closed || c.candidate === '') return;
    const init = candidateInit(c);
    this.enqueue('adding a candidate', async () => {
      if (!this.pc.remoteDescription) {
        this.candidates.hold(init);
        return;
      }
      await this.candidates.add(init);
    });
  }

  /** Asks the server for an ICE restart; it answers with a new offer. */
  restartIce(): void {
    if (this.closed) return;
    this.send('restart_ice', {});
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    this.candidates.clear();
    this.pc.close();
  }
}
