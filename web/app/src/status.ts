// The meeting's connection status: the pill in the header and the banner
// shown while the SDK reconnects.

import type { ConnectionQuality, ConnectionState } from '../../sdk/src/index.js';
import { h } from './dom.js';

const CONN_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

export class ConnectionStatus {
  /** The reconnect banner, placed above the meeting by the caller. */
  readonly banner: HTMLElement;
  private readonly pill: HTMLElement;
  private readonly text: HTMLElement;

  constructor(headerSlot: HTMLElement, roomName: string) {
    this.text = h('span', { class: 'conn-text' });
    this.pill = h('div', { id: 'connection-status', class: 'conn-status', role: 'status' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.text);
    headerSlot.replaceChildren(h('span', { class: 'header-room', title: 'Room' }, roomName), this.pill);
    this.banner = h(
      'div',
      { id: 'reconnect-banner', class: 'banner banner-warn', role: 'status', hidden: true },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      'Reconnecting… your call will resume automatically.',
    );
  }

  /** Shows the state; a connected one with a poor own network says so. */
  set(s: ConnectionState, own: ConnectionQuality | undefined): void {
    this.pill.dataset.state = s;
    this.text.textContent = s === 'connected' && own && own !== 'excellent' && own !== 'good' ? `Connected · ${own} network` : CONN_TEXT[s];
  }

  showBanner(show: boolean): void {
    this.banner.hidden = !show;
  }
}
