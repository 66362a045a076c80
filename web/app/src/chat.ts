// The chat panel. Messages are text only (textContent), never markup.

import type { ChatMessage } from '../../sdk/src/index.js';
import { h } from './dom.js';

export interface ChatDeps {
  localId: () => string;
  nameOf: (participantId: string) => string;
  send: (text: string) => Promise<void>;
  canSend: () => boolean;
}

/** Chat payloads are limited to 15 KiB by the server; keep messages well below. */
const MAX_CHARS = 2000;

export class ChatPanel {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly list: HTMLOListElement;
  private readonly sendBtn: HTMLButtonElement;
  private readonly empty: HTMLElement;
  private readonly error: HTMLElement;
  unread = 0;
  onUnreadChange: (n: number) => void = () => {};

  constructor(private readonly deps: ChatDeps, closeButton: HTMLButtonElement) {
    this.list = h('ol', { class: 'chat-list', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Messages' });
    this.empty = h('p', { class: 'chat-empty hint' }, 'No messages yet. Messages are visible to everyone in the meeting.');
    this.input = h('textarea', { id: 'chat-input', rows: 2, maxlength: MAX_CHARS, 'aria-label': 'Message', placeholder: 'Send a message to everyone' });
    this.sendBtn = h('button', { id: 'chat-send', type: 'submit', class: 'btn btn-primary' }, 'Send');
    this.error = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'chat-form' }, this.input, this.sendBtn);
    this.el = h(
      'aside',
      { id: 'chat-panel', class: 'panel', 'aria-labelledby': 'chat-title', hidden: true },
      h('div', { class: 'panel-head' }, h('h2', { id: 'chat-title' }, 'Chat'), closeButton),
      h('div', { class: 'chat-scroll' }, this.empty, this.list),
      this.error,
      form,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.submit();
      }
    });
  }

  refreshPermission(): void {
    const ok = this.deps.canSend();
    this.input.disabled = !ok;
    this.sendBtn.disabled = !ok;
    this.input.placeholder = ok ? 'Send a message to everyone' : 'Your token does not allow sending messages';
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  setOpen(open: boolean): void {
    this.el.hidden = !open;
    if (open) {
      this.unread = 0;
      this.onUnreadChange(0);
      this.scrollToEnd();
    }
  }

  private async submit(): Promise<void> {
    const text = this.input.value.trim();
    if (text === '' || this.sendBtn.disabled) return;
    this.sendBtn.disabled = true;
    this.error.hidden = true;
    try {
      await this.deps.send(text);
      this.input.value = '';
      this.add({ from: this.deps.localId(), text, time: Date.now() });
    } catch (err) {
      this.error.textContent = `Message not sent: ${err instanceof Error ? err.message : String(err)}`;
      this.error.hidden = false;
    } finally {
      this.sendBtn.disabled = !this.deps.canSend();
      this.input.focus();
    }
  }

  /** Shows a message; ours are added once sent, so an echo of our own is ignored. */
  receive(m: ChatMessage): void {
    if (m.from === this.deps.localId()) return;
    this.add(m);
    if (!this.open) {
      this.unread++;
      this.onUnreadChange(this.unread);
    }
  }

  /** A line from the app itself among the messages (e.g. one that could not be decrypted). */
  note(text: string): void {
    const atBottom = this.isAtBottom();
    this.list.append(h('li', { class: 'chat-note' }, text));
    this.empty.hidden = true;
    if (atBottom) this.scrollToEnd();
  }

  private add(m: ChatMessage): void {
    const own = m.from === this.deps.localId();
    // The SDK's time may be seconds or milliseconds since the epoch.
    const ms = m.time > 1e12 ? m.time : m.time * 1000;
    const when = new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now());
    const name = own ? 'You' : this.deps.nameOf(m.from);
    const atBottom = this.isAtBottom();
    this.list.append(
      h(
        'li',
        { class: own ? 'chat-message own' : 'chat-message', 'data-from': m.from, 'data-own': own ? 'true' : null },
        h('div', { class: 'chat-meta' },
          h('span', { class: 'chat-name' }, name),
          h('time', { class: 'chat-time', datetime: when.toISOString() }, when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
        ),
        h('p', { class: 'chat-text' }, m.text),
      ),
    );
    this.empty.hidden = true;
    if (own || atBottom) this.scrollToEnd();
  }

  private isAtBottom(): boolean {
    const s = this.list.parentElement;
    return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }

  private scrollToEnd(): void {
    const s = this.list.parentElement;
    if (s) s.scrollTop = s.scrollHeight;
  }
}
