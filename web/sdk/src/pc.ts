// Shared PeerConnection plumbing: configuration, trickled candidates both
// ways, and the buffer of remote candidates that arrive before the remote
// description they belong to.

import type { CandidateMsg, ClientMessages, PCName } from './messages.js';
import { pcExtraConfig } from './transform.js';

export type Send = <T extends keyof ClientMessages>(type: T, data: ClientMessages[T]) => void;

export function createPC(name: PCName, iceServers: RTCIceServer[] | undefined, send: Send): RTCPeerConnection {
  const config: RTCConfiguration & typeof pcExtraConfig = {
    iceServers: iceServers ?? [],
    bundlePolicy: 'max-bundle',
    rtcpMuxPolicy: 'require',
    ...pcExtraConfig,
  };
  const pc = new RTCPeerConnection(config);
  pc.onicecandidate = (ev) => {
    const c = ev.candidate;
    if (!c || !c.candidate) return; // end of candidates: nothing to send
    const msg: CandidateMsg = { pc: name, candidate: c.candidate };
    if (c.sdpMid !== null && c.sdpMid !== undefined) msg.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex !== null && c.sdpMLineIndex !== undefined) msg.sdpMLineIndex = c.sdpMLineIndex;
    if (c.usernameFragment) msg.usernameFragment = c.usernameFragment;
    send('candidate', msg);
  };
  return pc;
}

export function candidateInit(c: CandidateMsg): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate };
  if (c.sdpMid !== undefined) init.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex !== undefined) init.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment !== undefined) init.usernameFragment = c.usernameFragment;
  return init;
}

/** Remote candidates held until the matching remote description is applied. */
export class CandidateBuffer {
  private pending: RTCIceCandidateInit[] = [];

  constructor(private readonly pc: RTCPeerConnection, private readonly label: string) {}

  hold(c: RTCIceCandidateInit): void {
    if (this.pending.length < 500) this.pending.push(c);
  }

  async add(c: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(c);
    } catch (err) {
      console.warn(`conclave: ${this.label}: could not add a remote candidate`, err);
    }
  }

  async flush(): Promise<void> {
    const list = this.pending;
    this.pending = [];
    for (const c of list) await this.add(c);
  }

  clear(): void {
    this.pending = [];
  }
}

/** Sets up ICE-state monitoring: calls onRestart on 'failed' or after 2 s of 'disconnected'. */
export function watchIce(pc: RTCPeerConnection, onRestart: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const clear = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const handler = () => {
    const s = pc.iceConnectionState;
    if (s === 'failed') {
      clear();
      onRestart();
    } else if (s === 'disconnected') {
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          if (pc.iceConnectionState === 'disconnected') onRestart();
        }, 2_000);
      }
    } else {
      clear();
    }
  };
  pc.addEventListener('iceconnectionstatechange', handler);
  return () => {
    clear();
    pc.removeEventListener('iceconnectionstatechange', handler);
  };
}
