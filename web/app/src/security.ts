// End-to-end encryption as the meeting shows it (docs/e2ee.md): the header
// indicator ("End-to-end encrypted", or plainly "Not end-to-end encrypted"),
// the security panel (the safety code, what comparing it proves, and every
// participant's identity key with its verification), and the notices raised
// once for a participant whose keys are flagged.

import type { E2EEParticipantStatus } from '../../sdk/src/index.js';
import { h, hueOf, initials, notify, type NoticeAction } from './dom.js';
import { icon, swapIcon } from './icons.js';

/** What this browser makes of a participant's identity key, the most pressing first. */
export type KeyState = 'invalid' | 'changed' | 'verified' | 'unverified';

/** One other participant's keys, as the security panel lists them. */
export interface KeyView {
  id: string;
  identity: string;
  name: string;
  state: KeyState;
  /** No sender key from them yet: their media and messages cannot be decrypted yet. */
  waiting: boolean;
  /** Their identity key, hex ('' while unknown). */
  identityKey: string;
}

export interface SecurityView {
  /** The room requires end-to-end encryption and this session encrypts. */
  e2ee: boolean;
  /** Our identity key lives for this page only (the browser cannot store it). */
  memoryOnly: boolean;
  /** Everyone else, in the participant list's order. */
  keys: KeyView[];
}

/** Flagged: their keys deserve a look before anyone trusts them. */
export function flagged(state: KeyState | null): boolean {
  return state === 'invalid' || state === 'changed';
}

/**
 * The state of a participant's keys from the SDK's status. A key that does
 * not verify outranks everything; a changed key outranks an old mark (a mark
 * belongs to one key, so the SDK never reports both for the same key).
 */
export function keyState(s: E2EEParticipantStatus | null): { state: KeyState; waiting: boolean } {
  if (!s) return { state: 'unverified', waiting: true };
  if (!s.valid) return { state: 'invalid', waiting: false };
  return { state: s.changed ? 'changed' : s.verified ? 'verified' : 'unverified', waiting: !s.hasKey };
}

export const KEY_TEXT: Record<KeyState, string> = {
  invalid: 'Keys do not verify',
  changed: 'Identity key changed since you last met',
  verified: 'Verified',
  unverified: 'Not verified',
};

const KEY_DETAIL: Record<KeyState, string> = {
  invalid: 'Their keys are not signed by their identity key, so their audio, video and messages cannot be decrypted.',
  changed: 'This can be a new device or browser, or someone pretending to be them. Compare the safety code before you trust it.',
  verified: '',
  unverified: '',
};

const TEXT = {
  e2ee: 'End-to-end encrypted',
  plain: 'Not end-to-end encrypted',
};

/** The lock in the header: whether the meeting is end-to-end encrypted; it opens the security panel. */
export class SecurityIndicator {
  readonly el: HTMLButtonElement;
  private readonly text: HTMLElement;
  private readonly badge: HTMLElement;

  constructor(onClick: () => void) {
    this.text = h('span', { class: 'security-text' });
    // Its "!" is drawn by the style sheet, so the button's text stays its words.
    this.badge = h('span', { class: 'security-badge', 'aria-hidden': 'true', hidden: true });
    this.el = h(
      'button',
      { type: 'button', id: 'security-button', class: 'security-indicator', 'aria-controls': 'security-panel', 'aria-expanded': 'false' },
      icon('lockOpen'),
      this.text,
      this.badge,
    );
    this.el.addEventListener('click', onClick);
  }

  /** flaggedCount: participants whose keys do not verify or changed. */
  paint(e2ee: boolean, flaggedCount: number): void {
    const text = e2ee ? TEXT.e2ee : TEXT.plain;
    const ic = e2ee ? 'lock' : 'lockOpen';
    if (this.el.dataset.icon !== ic) {
      this.el.dataset.icon = ic;
      swapIcon(this.el, ic);
    }
    this.el.dataset.e2ee = String(e2ee);
    this.el.dataset.flagged = String(flaggedCount);
    if (this.text.textContent !== text) this.text.textContent = text;
    this.badge.hidden = flaggedCount === 0;
    // The accessible name starts with the visible words.
    if (flaggedCount > 0) this.el.setAttribute('aria-label', `${text}: ${flaggedCount === 1 ? '1 participant needs' : `${flaggedCount} participants need`} attention`);
    else this.el.removeAttribute('aria-label');
    this.el.title = e2ee
      ? 'Only the participants can decrypt audio, video and chat: open to compare the safety code'
      : 'The server can access audio, video and chat: open for details';
  }

  setExpanded(open: boolean): void {
    this.el.setAttribute('aria-expanded', String(open));
  }
}

export interface SecurityDeps {
  /** Marks (or unmarks) a participant's current identity key verified on this browser. */
  markVerified(participantId: string, verified: boolean): void;
  /** The room's safety code ('' in a plain room). */
  safetyCode(): Promise<string>;
}

interface KeyRow {
  li: HTMLLIElement;
  avatar: HTMLElement;
  name: HTMLElement;
  who: HTMLElement;
  state: HTMLElement;
  stateText: HTMLElement;
  waiting: HTMLElement;
  detail: HTMLElement;
  button: HTMLButtonElement;
  view: KeyView;
}

/** The security side panel (one of the panels in panels.ts). */
export class SecurityPanel {
  readonly el: HTMLElement;
  private readonly lead: HTMLElement;
  private readonly e2eeBox: HTMLElement;
  private readonly plainBox: HTMLElement;
  private readonly code: HTMLElement;
  private readonly memory: HTMLElement;
  private readonly attention: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly alone: HTMLElement;
  private readonly rows = new Map<string, KeyRow>();
  private codeAsked = 0;

  constructor(private readonly deps: SecurityDeps, closeButton: HTMLButtonElement) {
    this.lead = h('p', { id: 'security-lead', class: 'security-lead' });
    this.code = h('p', { id: 'safety-code', class: 'safety-code', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.memory = h(
      'p',
      { id: 'identity-memory', class: 'security-note', hidden: true },
      'This browser cannot store your identity key, so it lasts for this page only. When you join again, the others may be told that your identity key changed.',
    );
    this.list = h('ul', { id: 'key-list', class: 'key-list', 'aria-labelledby': 'keys-title' });
    this.alone = h('p', { class: 'hint' }, 'Nobody else is here yet.');
    this.attention = h('p', { id: 'security-attention', class: 'security-attention', hidden: true });
    this.e2eeBox = h(
      'div',
      { class: 'security-body', hidden: true },
      this.attention,
      h('h3', { id: 'safety-code-title' }, 'Safety code'),
      this.code,
      h(
        'p',
        { id: 'safety-code-help' },
        'Compare this code with everyone, by voice or on video. If it is the same on every screen, and everyone listed below is someone you expect, nobody else — not even the server — can listen in or read the chat. It changes whenever someone joins or leaves.',
      ),
      h('h3', { id: 'keys-title' }, 'Participants’ keys'),
      this.alone,
      this.list,
      h('h3', {}, 'What this means'),
      h('p', {}, 'Audio, video and chat are encrypted on each participant’s device and decrypted only on the others’. The server passes them on but cannot decrypt them.'),
      this.memory,
    );
    this.plainBox = h(
      'div',
      { class: 'security-body', hidden: true },
      h('p', {}, 'Audio, video and chat are encrypted on their way to and from the server, but the server decrypts them to pass them on, so whoever runs the server can access them.'),
      h('p', { class: 'hint' }, 'A room that requires end-to-end encryption keeps them from the server. The server’s administrator decides which rooms do.'),
    );
    this.el = h(
      'aside',
      { id: 'security-panel', class: 'panel security-panel', 'aria-labelledby': 'security-title', hidden: true },
      h('div', { class: 'panel-head' }, h('h2', { id: 'security-title' }, 'Security'), closeButton),
      h('div', { class: 'security-scroll' }, this.lead, this.e2eeBox, this.plainBox),
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  setOpen(open: boolean): void {
    this.el.hidden = !open;
  }

  render(v: SecurityView): void {
    this.el.dataset.e2ee = String(v.e2ee);
    this.e2eeBox.hidden = !v.e2ee;
    this.plainBox.hidden = v.e2ee;
    const lead = v.e2ee ? 'This meeting is end-to-end encrypted.' : 'This meeting is not end-to-end encrypted.';
    if (this.lead.dataset.e2ee !== String(v.e2ee)) {
      this.lead.dataset.e2ee = String(v.e2ee);
      this.lead.replaceChildren(icon(v.e2ee ? 'lock' : 'lockOpen'), h('span', {}, lead));
    }
    this.memory.hidden = !v.memoryOnly;
    const names = v.e2ee ? v.keys.filter((k) => flagged(k.state)).map((k) => k.name) : [];
    const attention = names.length === 0 ? '' : `${names.join(', ')} ${names.length === 1 ? 'needs' : 'need'} your attention: see “Participants’ keys”.`;
    if (this.attention.textContent !== attention) this.attention.textContent = attention;
    this.attention.hidden = attention === '';
    this.renderKeys(v.e2ee ? v.keys : []);
    this.alone.hidden = v.keys.length > 0;
    this.refreshCode(v.e2ee);
  }

  /** Asks the SDK for the safety code again; only the latest answer is shown. */
  private refreshCode(e2ee: boolean): void {
    const asked = ++this.codeAsked;
    const show = (code: string) => {
      if (asked !== this.codeAsked || this.code.dataset.code === code) return;
      this.code.dataset.code = code;
      if (code === '') {
        this.code.replaceChildren(h('span', { class: 'hint' }, e2ee ? 'Working out the safety code…' : ''));
        return;
      }
      this.code.replaceChildren(...code.split(' ').map((g) => h('span', { class: 'code-group' }, g)));
    };
    if (!e2ee) {
      show('');
      return;
    }
    this.deps.safetyCode().then(show, () => show(''));
  }

  private renderKeys(keys: KeyView[]): void {
    const seen = new Set<string>();
    let prev: Element | null = null;
    for (const k of keys) {
      seen.add(k.id);
      let row = this.rows.get(k.id);
      if (!row) {
        row = this.makeRow(k);
        this.rows.set(k.id, row);
      }
      row.view = k;
      updateRow(row, k);
      const want: Element | null = prev ? prev.nextElementSibling : this.list.firstElementChild;
      if (want !== row.li) this.list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
  }

  private makeRow(k: KeyView): KeyRow {
    const avatar = h('span', { class: 'avatar avatar-small', 'aria-hidden': 'true' });
    const name = h('span', { class: 'key-name' });
    // The identity the key is bound to (the join token's subject, which the
    // announcement signs) and the key's fingerprint: the display name is
    // the server's word only.
    const who = h('span', { class: 'key-who' });
    const stateText = h('span', {});
    const state = h('span', { class: 'key-state' }, icon('check'), stateText);
    const waiting = h('span', { class: 'key-waiting' }, 'Waiting for keys');
    const detail = h('p', { class: 'key-detail' });
    const button = h('button', { type: 'button', class: 'btn btn-ghost btn-small verify-btn' });
    const li = h(
      'li',
      { class: 'key-row', 'data-participant-id': k.id, 'data-identity': k.identity },
      avatar,
      h('div', { class: 'key-main' }, name, who, h('div', { class: 'key-states' }, state, waiting), detail, button),
    );
    const row: KeyRow = { li, avatar, name, who, state, stateText, waiting, detail, button, view: k };
    button.addEventListener('click', () => this.deps.markVerified(row.view.id, row.view.state !== 'verified'));
    return row;
  }
}

/** The first 64 bits of an identity key, in four groups: "cc4f d631 340d 8fec". */
function fingerprint(hex: string): string {
  return (hex.slice(0, 16).match(/.{1,4}/g) ?? []).join(' ');
}

function updateRow(r: KeyRow, k: KeyView): void {
  if (r.name.textContent !== k.name) {
    r.name.textContent = k.name;
    r.avatar.textContent = initials(k.name);
    r.avatar.style.setProperty('--hue', String(hueOf(k.identity)));
  }
  if (r.li.dataset.keyState !== k.state) {
    r.li.dataset.keyState = k.state;
    r.stateText.textContent = KEY_TEXT[k.state];
    swapIcon(r.state, k.state === 'verified' ? 'check' : k.state === 'unverified' ? 'lock' : 'warning');
    r.detail.textContent = KEY_DETAIL[k.state];
    r.detail.hidden = KEY_DETAIL[k.state] === '';
  }
  const who = k.identityKey === '' ? k.identity : `${k.identity} · key ${fingerprint(k.identityKey)}`;
  if (r.who.textContent !== who) r.who.textContent = who;
  r.li.dataset.waiting = String(k.waiting);
  r.waiting.hidden = !k.waiting;
  r.li.dataset.identityKey = k.identityKey;
  // A key that does not verify, or is not known yet, cannot be vouched for.
  r.button.hidden = k.state === 'invalid' || k.identityKey === '';
  const text = k.state === 'verified' ? 'Unmark' : 'Mark as verified';
  const label = k.state === 'verified' ? `Unmark as verified: ${k.name}` : `Mark as verified: ${k.name}`;
  if (r.button.textContent !== text) r.button.textContent = text;
  if (r.button.getAttribute('aria-label') !== label) r.button.setAttribute('aria-label', label);
}

/** Raises a notice once for each participant whose keys get flagged (per identity key and state). */
export class KeyWarnings {
  private readonly told = new Set<string>();

  constructor(private readonly details: NoticeAction) {}

  check(keys: KeyView[]): void {
    for (const k of keys) {
      if (!flagged(k.state)) continue;
      const key = `${k.state}\n${k.identity}\n${k.identityKey}`;
      if (this.told.has(key)) continue;
      this.told.add(key);
      if (k.state === 'invalid') {
        notify(`${k.name}’s keys do not verify: their audio, video and messages cannot be decrypted.`, 'error', 15000, this.details);
      } else {
        notify(`${k.name}’s identity key changed since you last met: a new device, or someone else. Compare the safety code.`, 'warn', 15000, this.details);
      }
    }
  }
}

/**
 * The participant an SDK end-to-end encryption error names ("a message
 * from <id> could not be decrypted: …"). The SDK's error event carries a
 * code and a message only, so the id is read from the message; null when
 * it names none.
 */
export function errorSender(message: string): string | null {
  return /\bfrom (\S+) /.exec(message)?.[1] ?? null;
}
