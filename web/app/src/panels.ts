// The side panels beside the stage, chat, participants and security: at most
// one open, focus moved into the one that opens and back to its button when
// it closes.

import { ChatPanel, type ChatDeps } from './chat.js';
import type { ControlBar } from './controls.js';
import { h } from './dom.js';
import type { PersonActions } from './moderation.js';
import { PeoplePanel } from './people.js';
import { SecurityPanel, type SecurityDeps, type SecurityIndicator } from './security.js';

export type PanelName = 'chat' | 'people' | 'security';

export interface SidePanelsOptions {
  chat: ChatDeps;
  /** Goes above the participant list. */
  peopleExtra: HTMLElement;
  /** The actions menu of a participant's row (moderation.ts). */
  actionsFor: (id: string) => PersonActions;
  security: SecurityDeps;
  controls: ControlBar;
  /** The header button that opens the security panel. */
  securityButton: SecurityIndicator;
  /** The meeting page (it gets .panel-open). */
  page: () => HTMLElement | null;
}

export class SidePanels {
  readonly chat: ChatPanel;
  readonly people: PeoplePanel;
  readonly security: SecurityPanel;
  private readonly chatClose: HTMLButtonElement;
  private readonly peopleClose: HTMLButtonElement;
  private readonly securityClose: HTMLButtonElement;

  constructor(private readonly opts: SidePanelsOptions) {
    const close = (label: string) => {
      const b = h('button', { type: 'button', class: 'icon-btn', 'aria-label': label }, '×');
      b.addEventListener('click', () => this.set(null));
      return b;
    };
    this.chatClose = close('Close chat');
    this.chat = new ChatPanel(opts.chat, this.chatClose);
    this.peopleClose = close('Close participants');
    this.people = new PeoplePanel(this.peopleClose, opts.peopleExtra, opts.actionsFor);
    this.securityClose = close('Close security');
    this.security = new SecurityPanel(opts.security, this.securityClose);
    this.chat.onUnreadChange = (n) => opts.controls.setUnread(n);
  }

  get anyOpen(): boolean {
    return this.chat.open || this.people.open || this.security.open;
  }

  /** The panel that is open, or null. */
  get current(): PanelName | null {
    return this.chat.open ? 'chat' : this.people.open ? 'people' : this.security.open ? 'security' : null;
  }

  toggle(which: PanelName): void {
    this.set(this.current === which ? null : which);
  }

  set(which: PanelName | null, focus = true): void {
    const was = this.current;
    this.chat.setOpen(which === 'chat');
    this.people.setOpen(which === 'people');
    this.security.setOpen(which === 'security');
    this.opts.controls.setPanel(which);
    this.opts.securityButton.setExpanded(which === 'security');
    this.opts.page()?.classList.toggle('panel-open', which !== null);
    if (!focus) return;
    if (which === 'chat') (this.chat.input.disabled ? this.chatClose : this.chat.input).focus();
    else if (which === 'people') this.peopleClose.focus();
    else if (which === 'security') this.securityClose.focus();
    else if (was === 'chat') this.opts.controls.chat.focus();
    else if (was === 'people') this.opts.controls.people.focus();
    else if (was === 'security') this.opts.securityButton.el.focus();
  }
}
