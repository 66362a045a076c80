// Remote audio: one hidden <audio> element per remote audio track, and the
// banner that asks for a click when the browser blocks autoplay.

import { h } from './dom.js';

export class RemoteAudio {
  /** The hidden box holding the <audio> elements. */
  readonly box: HTMLElement;
  /** "Your browser blocked the meeting audio" with its button. */
  readonly banner: HTMLElement;
  private readonly els = new Map<string, HTMLAudioElement>();

  constructor() {
    this.box = h('div', { id: 'remote-audio', class: 'visually-hidden', 'aria-hidden': 'true' });
    const unlock = h('button', { type: 'button', class: 'btn btn-primary', id: 'audio-unlock' }, 'Turn on sound');
    this.banner = h('div', { class: 'banner', hidden: true }, 'Your browser blocked the meeting audio. ', unlock);
    unlock.addEventListener('click', () => {
      this.banner.hidden = true;
      for (const el of this.els.values()) el.play().catch(() => { this.banner.hidden = false; });
    });
  }

  /** Plays exactly these tracks (keyed by track id). */
  sync(wanted: ReadonlyMap<string, MediaStreamTrack>): void {
    for (const [id, el] of this.els) {
      if (wanted.get(id) !== (el.srcObject as MediaStream | null)?.getAudioTracks()[0]) {
        el.srcObject = null;
        el.remove();
        this.els.delete(id);
      }
    }
    for (const [id, track] of wanted) {
      if (this.els.has(id)) continue;
      const el = h('audio', { autoplay: true, 'data-track-id': id });
      el.srcObject = new MediaStream([track]);
      this.els.set(id, el);
      this.box.append(el);
      el.play().catch((err: unknown) => {
        if (err instanceof DOMException && err.name === 'NotAllowedError') this.banner.hidden = false;
      });
    }
  }

  dispose(): void {
    for (const el of this.els.values()) el.srcObject = null;
    this.els.clear();
  }
}
