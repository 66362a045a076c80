// Small DOM helpers. Everything the app shows is built here with
// createElement and textContent: no innerHTML, so names and chat text from
// other participants can never become markup.

type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

/** Creates an element; attributes set to false/null/undefined are omitted, true gives an empty attribute. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** Sets aria-pressed and the matching class on a toggle button. */
export function setPressed(btn: HTMLButtonElement, pressed: boolean): void {
  btn.setAttribute('aria-pressed', String(pressed));
}

/** A button on a notice: what it says and what pressing it does (the notice then goes). */
export interface NoticeAction {
  label: string;
  run: () => void;
}

/** Short-lived message for everyone (screen readers through the live region too). */
export function notify(text: string, kind: 'info' | 'warn' | 'error' = 'info', ms = 6000, action?: NoticeAction): void {
  const box = document.getElementById('notices');
  if (!box) return;
  // The same message twice in a row says nothing new: keep one.
  for (const old of box.querySelectorAll('.notice')) if (old.firstElementChild?.textContent === text) old.remove();
  const close = h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss' }, '×');
  const act = action ? h('button', { type: 'button', class: 'notice-action' }, action.label) : null;
  const item = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : null }, h('span', {}, text), act, close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  act?.addEventListener('click', () => {
    remove();
    action?.run();
  });
  box.appendChild(item);
  if (ms > 0) window.setTimeout(remove, ms);
}

/** Initials for an avatar: first letters of the first and last words (a "(2)" telling namesakes apart is not a word). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== '' && !/^\(\d+\)$/.test(w));
  if (words.length === 0) return '?';
  const first = Array.from(words[0])[0] ?? '';
  const last = words.length > 1 ? (Array.from(words[words.length - 1])[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/** A stable hue for a participant, so their avatar keeps its colour. */
export function hueOf(key: string): number {
  let x = 0;
  for (let i = 0; i < key.length; i++) x = (x * 31 + key.charCodeAt(i)) >>> 0;
  return x % 360;
}

/** True when a key event comes from a place where typing letters is expected. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}
