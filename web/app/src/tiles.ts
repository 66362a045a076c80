// The video grid: one tile per participant (camera, or their initials when
// the camera is off) and one per screen share.

import type { ConnectionQuality } from '../../sdk/src/index.js';
import { h, hueOf, initials } from './dom.js';
import { icon } from './icons.js';

export type TileSource = 'camera' | 'screen';

export interface TileState {
  participantId: string;
  identity: string;
  name: string;
  source: TileSource;
  local: boolean;
  /** The video to show, or null for the avatar. */
  track: MediaStreamTrack | null;
  micMuted: boolean;
  cameraOff: boolean;
  /** Our own tile: the host muted our microphone or camera. */
  hostMuted: boolean;
  quality: ConnectionQuality | null;
}

export const QUALITY_TEXT: Record<ConnectionQuality, string> = {
  excellent: 'Excellent connection',
  good: 'Good connection',
  poor: 'Poor connection',
  lost: 'Connection lost',
};

class Tile {
  readonly el: HTMLElement;
  private readonly video: HTMLVideoElement;
  private readonly avatar: HTMLElement;
  private readonly nameEl: HTMLElement;
  private readonly micEl: HTMLElement;
  private readonly qualityEl: HTMLElement;
  private readonly hostEl: HTMLElement;
  private trackId = '';

  constructor(s: TileState) {
    this.video = h('video', { autoplay: true, playsinline: true, class: s.local && s.source === 'camera' ? 'mirror' : null });
    // Sound plays through separate <audio> elements; the video is always muted.
    this.video.muted = true;
    // Show the video only once it has a frame: until then (or for a stalled
    // remote track) the initials are more useful than a black box.
    this.video.addEventListener('loadeddata', () => this.el.classList.toggle('has-video', this.trackId !== ''));
    this.avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' });
    this.nameEl = h('span', { class: 'tile-name' });
    this.micEl = h('span', { class: 'tile-mic', role: 'img', 'aria-label': 'Microphone muted' }, icon('micOff'));
    this.qualityEl = h('span', { class: 'quality', role: 'img' });
    this.hostEl = h('span', { class: 'tile-tag tile-host', hidden: true }, 'Muted by the host');
    const tag =
      s.source === 'screen'
        ? h('span', { class: 'tile-tag' }, s.local ? 'Your screen' : 'Screen')
        : s.local
          ? h('span', { class: 'tile-tag' }, 'You')
          : null;
    this.el = h(
      'figure',
      {
        class: 'tile',
        'data-participant-id': s.participantId,
        'data-identity': s.identity,
        'data-source': s.source,
        'data-local': s.local ? 'true' : null,
      },
      this.video,
      this.avatar,
      h('figcaption', { class: 'tile-label' }, s.source === 'camera' ? this.micEl : null, this.nameEl, tag, this.hostEl, s.source === 'camera' ? this.qualityEl : null),
    );
    this.update(s);
  }

  update(s: TileState): void {
    if (this.nameEl.textContent !== s.name) {
      this.nameEl.textContent = s.name;
      this.avatar.textContent = initials(s.name);
      this.avatar.style.setProperty('--hue', String(hueOf(s.identity)));
    }
    if (this.el.dataset.identity !== s.identity) this.el.dataset.identity = s.identity;
    const id = s.track?.id ?? '';
    if (id !== this.trackId) {
      this.trackId = id;
      this.el.classList.remove('has-video');
      this.video.srcObject = s.track ? new MediaStream([s.track]) : null;
      if (s.track) this.video.play().catch(() => { /* autoplay of muted video; retried by the browser */ });
    }
    if (s.source === 'camera') {
      this.el.dataset.micMuted = String(s.micMuted);
      this.el.dataset.cameraOff = String(s.cameraOff);
      this.micEl.hidden = !s.micMuted;
      this.hostEl.hidden = !s.hostMuted;
      this.el.dataset.hostMuted = String(s.hostMuted);
      const q = s.quality;
      this.qualityEl.hidden = q === null;
      if (q) {
        this.qualityEl.dataset.quality = q;
        this.qualityEl.setAttribute('aria-label', QUALITY_TEXT[q]);
        this.qualityEl.title = QUALITY_TEXT[q];
      }
    }
    this.el.setAttribute('aria-label', `${s.name}${s.local ? ' (you)' : ''}${s.source === 'screen' ? ', screen share' : ''}${s.hostMuted ? ', muted by the host' : ''}`);
  }

  dispose(): void {
    this.video.srcObject = null;
    this.el.remove();
  }
}

export class TileGrid {
  readonly el: HTMLElement;
  private readonly tiles = new Map<string, Tile>();
  private speaking = new Set<string>();

  constructor() {
    this.el = h('div', { class: 'tile-grid', id: 'tiles' });
  }

  /** Makes the grid show exactly these tiles, in this order. */
  render(states: TileState[]): void {
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const s of states) {
      const key = `${s.participantId}|${s.source}`;
      seen.add(key);
      let tile = this.tiles.get(key);
      if (tile) tile.update(s);
      else {
        tile = new Tile(s);
        this.tiles.set(key, tile);
      }
      // Keep DOM order without moving nodes that are already in place (moving
      // a playing <video> can pause it).
      const want: Element | null = prev ? prev.nextElementSibling : this.el.firstElementChild;
      if (want !== tile.el) this.el.insertBefore(tile.el, want);
      tile.el.classList.toggle('speaking', s.source === 'camera' && this.speaking.has(s.participantId));
      prev = tile.el;
    }
    for (const [key, tile] of this.tiles) {
      if (!seen.has(key)) {
        tile.dispose();
        this.tiles.delete(key);
      }
    }
    this.el.dataset.count = String(Math.min(this.tiles.size, 7));
    this.el.classList.toggle('has-screen', states.some((s) => s.source === 'screen'));
  }

  setSpeaking(ids: string[]): void {
    this.speaking = new Set(ids);
    for (const tile of this.tiles.values()) {
      const pid = tile.el.dataset.participantId ?? '';
      tile.el.classList.toggle('speaking', tile.el.dataset.source === 'camera' && this.speaking.has(pid));
    }
  }

  dispose(): void {
    for (const t of this.tiles.values()) t.dispose();
    this.tiles.clear();
  }
}
