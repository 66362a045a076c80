// The meeting's connection status: the pill in the header and the banner
// shown while the SDK reconnects, with a countdown to its next attempt.

import type { ConnectionQuality, ConnectionState, ReconnectReason } from '../../sdk/src/index.js';
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
  private readonly bannerText: HTMLElement;
  private why: ReconnectReason = 'network';
  private nextAt = 0;
  private ticker = 0;

  /** between goes in the header between the room name and the pill. */
  constructor(headerSlot: HTMLElement, roomName: string, ...between: HTMLElement[]) {
    this.text = h('span', { class: 'conn-text' });
    this.pill = h('div', { id: 'connection-status', class: 'conn-status', role: 'status' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), this.text);
    headerSlot.replaceChildren(h('span', { class: 'header-room', title: 'Room' }, roomName), ...between, this.pill);
    this.bannerText = h('span', { id: 'reconnect-text' });
    this.banner = h(
      'div',
      { id: 'reconnect-banner', class: 'banner banner-warn', role: 'status', hidden: true },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      this.bannerText,
    );
  }

  /** The SDK started reconnecting. */
  reconnecting(why: ReconnectReason): void {
    this.why = why;
    this.nextAt = 0;
    this.showBanner(true);
  }

  /** The SDK's next attempt starts in delayMs. */
  attempt(delayMs: number): void {
    this.nextAt = Date.now() + delayMs;
    this.paintBanner();
  }

  /** Shows the state; a connected one with a poor own network says so. */
  set(s: ConnectionState, own: ConnectionQuality | undefined): void {
    this.pill.dataset.state = s;
    this.text.textContent = s === 'connected' && own && own !== 'excellent' && own !== 'good' ? `Connected · ${own} network` : CONN_TEXT[s];
  }

  showBanner(show: boolean): void {
    if (show === !this.banner.hidden) return;
    this.banner.hidden = !show;
    window.clearInterval(this.ticker);
    if (!show) return;
    this.paintBanner();
    this.ticker = window.setInterval(() => this.paintBanner(), 250);
  }

  dispose(): void {
    window.clearInterval(this.ticker);
  }

  private paintBanner(): void {
    const first = this.why === 'server_shutdown' ? 'The server is restarting.' : 'The connection was interrupted.';
    const s = Math.ceil((this.nextAt - Date.now()) / 1000);
    if (s > 0) this.banner.dataset.seconds = String(s);
    else delete this.banner.dataset.seconds;
    const text = `${first} ${s > 0 ? `Reconnecting in ${s} s…` : 'Reconnecting…'} Your call will resume automatically.`;
    if (this.bannerText.textContent !== text) this.bannerText.textContent = text;
  }
}
