// The side panels beside the stage, chat and participants: at most one open,
// focus moved into the one that opens and back to its button when it closes.

import { ChatPanel, type ChatDeps } from './chat.js';
import type { ControlBar } from './controls.js';
import { h } from './dom.js';
import { PeoplePanel } from './people.js';

export type PanelName = 'chat' | 'people';

export class SidePanels {
  readonly chat: ChatPanel;
  readonly people: PeoplePanel;
  private readonly chatClose: HTMLButtonElement;
  private readonly peopleClose: HTMLButtonElement;

  /** page is the meeting page (it gets .panel-open); extra goes above the participant list. */
  constructor(
    chatDeps: ChatDeps,
    extra: HTMLElement,
    private readonly controls: ControlBar,
    private readonly page: () => HTMLElement | null,
  ) {
    this.chatClose = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close chat' }, '×');
    this.chat = new ChatPanel(chatDeps, this.chatClose);
    this.peopleClose = h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close participants' }, '×');
    this.people = new PeoplePanel(this.peopleClose, extra);
    this.chat.onUnreadChange = (n) => controls.setUnread(n);
    this.chatClose.addEventListener('click', () => this.set(null));
    this.peopleClose.addEventListener('click', () => this.set(null));
  }

  get anyOpen(): boolean {
    return this.chat.open || this.people.open;
  }

  toggle(which: PanelName): void {
    this.set((which === 'chat' ? this.chat.open : this.people.open) ? null : which);
  }

  set(which: PanelName | null, focus = true): void {
    const wasChat = this.chat.open;
    const wasPeople = this.people.open;
    this.chat.setOpen(which === 'chat');
    this.people.setOpen(which === 'people');
    this.controls.setPanel(which);
    this.page()?.classList.toggle('panel-open', which !== null);
    if (!focus) return;
    if (which === 'chat') (this.chat.input.disabled ? this.chatClose : this.chat.input).focus();
    else if (which === 'people') this.peopleClose.focus();
    else if (wasChat) this.controls.chat.focus();
    else if (wasPeople) this.controls.people.focus();
  }
}
