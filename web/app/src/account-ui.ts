// Building blocks of the account pages: labelled fields, forms whose error
// is announced, busy buttons, password prompts, one-time secrets with copy
// and download. Built from DOM nodes only (dom.ts): nothing the server or a
// user typed ever becomes markup.

import { ApiError } from './account-api.js';
import { h, notify, type Child } from './dom.js';

let uid = 0;
/** A fresh element id for labels and descriptions. */
export function newId(prefix: string): string {
  uid += 1;
  return `${prefix}-${uid}`;
}

export interface Field<T extends HTMLInputElement | HTMLSelectElement> {
  wrap: HTMLDivElement;
  input: T;
  /** Shows msg under the field ('' clears it) and marks the field invalid. */
  setError: (msg: string) => void;
}

/** An input with its label, an optional hint and its error line. */
export function field<T extends HTMLInputElement | HTMLSelectElement>(label: string, input: T, hint?: string): Field<T> {
  if (!input.id) input.id = newId('f');
  const hintId = `${input.id}-hint`;
  const errId = `${input.id}-error`;
  const err = h('p', { id: errId, class: 'field-error', hidden: true });
  input.setAttribute('aria-describedby', hint ? `${hintId} ${errId}` : errId);
  const wrap = h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hint ? h('p', { id: hintId, class: 'hint' }, hint) : null, err);
  return {
    wrap,
    input,
    setError: (msg: string) => {
      err.textContent = msg;
      err.hidden = msg === '';
      input.setAttribute('aria-invalid', String(msg !== ''));
    },
  };
}

/** A text-like input with the attributes password managers and phones need. */
export function input(attrs: Record<string, string | number | boolean>): HTMLInputElement {
  return h('input', { type: 'text', spellcheck: 'false', ...attrs });
}

/** The error line of a form: role=alert, so that it is announced when it appears. */
export function formError(): HTMLParagraphElement & { show: (msg: string) => void } {
  const p = h('p', { class: 'form-error', role: 'alert', hidden: true }) as HTMLParagraphElement & { show: (msg: string) => void };
  p.show = (msg: string) => {
    p.textContent = msg;
    p.hidden = msg === '';
  };
  return p;
}

/** The user's sentence for any failure (ApiError messages are already sentences). */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

/**
 * Runs work with button disabled and saying busyLabel; errors go to errLine
 * (and focus returns to the button's form so the keyboard user stays put).
 * Resolves with work's result, or undefined after a failure.
 */
export async function withBusy<T>(button: HTMLButtonElement, busyLabel: string, errLine: { show: (m: string) => void }, work: () => Promise<T>): Promise<T | undefined> {
  if (button.disabled) return undefined;
  const label = button.textContent ?? '';
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = busyLabel;
  errLine.show('');
  try {
    return await work();
  } catch (err) {
    errLine.show(errorText(err));
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

export function button(label: string, attrs: Record<string, string | boolean> = {}, kind: 'primary' | 'ghost' | 'danger' = 'ghost'): HTMLButtonElement {
  return h('button', { type: 'button', class: `btn btn-${kind}`, ...attrs }, label);
}

/** A section of a page that redraws itself when the account changes. */
export interface Part {
  el: HTMLElement;
  redraw: () => void;
}

/** A section of an account page, named by its heading. */
export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'acct-section', id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

/** A page: its h1 takes focus on arrival so screen readers start there. */
export function page(root: HTMLElement, cls: string, title: string, ...children: Child[]): HTMLHeadingElement {
  const h1 = h('h1', { tabindex: -1, id: 'page-title' }, title);
  root.replaceChildren(h('div', { class: `page page-acct ${cls}` }, h('div', { class: 'acct-column' }, h1, ...children)));
  h1.focus();
  return h1;
}

/** A date and time as this browser writes them. */
export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Copies text to the clipboard; when the browser refuses, selects it in `fallback` and says how. */
export async function copyText(text: string, fallback?: HTMLInputElement | HTMLTextAreaElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    notify('Copied.');
  } catch {
    if (fallback) {
      fallback.focus();
      fallback.select();
      notify('Press Ctrl+C (or ⌘C) to copy the selected text.', 'warn');
    } else {
      notify('The browser did not allow copying.', 'warn');
    }
  }
}

/** A read-only value (a link, a secret) with a Copy button. */
export function copyBox(label: string, value: string, cls = ''): HTMLDivElement {
  const box = input({ readonly: true, value, class: `copy-value ${cls}`.trim(), autocomplete: 'off' });
  box.value = value;
  const f = field(label, box);
  const copy = button('Copy', { 'aria-label': `Copy ${label.toLowerCase()}` });
  copy.addEventListener('click', () => void copyText(value, box));
  box.addEventListener('focus', () => box.select());
  f.wrap.classList.add('copy-field');
  f.wrap.appendChild(h('div', { class: 'actions actions-left' }, copy));
  return f.wrap;
}

/** Offers text as a file download. */
export function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Ten recovery codes, shown once, with copy and download. */
export function recoveryCodesBox(codes: string[], onDone: () => void): HTMLElement {
  const text = codes.join('\n') + '\n';
  const list = h('ol', { class: 'recovery-codes', id: 'recovery-codes' }, ...codes.map((c) => h('li', {}, h('code', {}, c))));
  const copy = button('Copy codes');
  const dl = button('Download codes');
  const done = button('I have saved them', {}, 'primary');
  copy.addEventListener('click', () => void copyText(text));
  dl.addEventListener('click', () => download('conclave-recovery-codes.txt', `Conclave recovery codes (each works once)\n\n${text}`));
  done.addEventListener('click', onDone);
  const box = h(
    'div',
    { class: 'one-time', role: 'group', 'aria-labelledby': 'recovery-title' },
    h('h3', { id: 'recovery-title', tabindex: -1 }, 'Your recovery codes'),
    h('p', {}, 'Keep these somewhere safe, apart from your devices. Each code signs you in once if you lose your passkey or authenticator app. They are shown only now.'),
    list,
    h('div', { class: 'actions actions-left' }, copy, dl, done),
  );
  return box;
}

/**
 * An inline form asking for the account's password before a sensitive
 * change; `run` gets the password and may throw (the error is shown).
 */
export function passwordPrompt(purpose: string, confirmLabel: string, run: (password: string) => Promise<void>, onCancel: () => void): HTMLFormElement {
  const pw = field('Your password', input({ type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 }), purpose);
  const err = formError();
  const ok = h('button', { type: 'submit', class: 'btn btn-primary' }, confirmLabel);
  const cancel = button('Cancel');
  const form = h('form', { class: 'inline-form', novalidate: true }, pw.wrap, err, h('div', { class: 'actions actions-left' }, ok, cancel));
  cancel.addEventListener('click', onCancel);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (pw.input.value === '') {
      pw.setError('Enter your password.');
      pw.input.focus();
      return;
    }
    pw.setError('');
    void withBusy(ok, 'Checking…', err, () => run(pw.input.value)).then(() => {
      if (!err.hidden) pw.input.select();
    });
  });
  queueMicrotask(() => pw.input.focus());
  return form;
}

/**
 * Asks "are you sure?" in place: `slot` shows the question with a confirm
 * and a cancel button until one is pressed.
 */
export function confirmInline(slot: HTMLElement, question: string, confirmLabel: string, run: () => Promise<void>, back: HTMLElement | null = null): void {
  const err = formError();
  const yes = button(confirmLabel, {}, 'danger');
  const no = button('Cancel');
  const box = h('div', { class: 'confirm', role: 'group', 'aria-label': question }, h('p', {}, question), err, h('div', { class: 'actions actions-left' }, yes, no));
  slot.replaceChildren(box);
  const close = () => {
    slot.replaceChildren();
    back?.focus();
  };
  no.addEventListener('click', close);
  yes.addEventListener('click', () => void withBusy(yes, 'Working…', err, run));
  no.focus();
}

/** Client-side checks of a new password: the same limits the server applies first (it decides). */
export function newPasswordProblem(pw: string, repeat: string): { field: 'new' | 'repeat'; msg: string } | null {
  const n = Array.from(pw).length;
  if (n < 12) return { field: 'new', msg: 'Use at least 12 characters (a few unrelated words make a good one).' };
  if (n > 256) return { field: 'new', msg: 'Use at most 256 characters.' };
  if (pw !== repeat) return { field: 'repeat', msg: 'The two passwords are not the same.' };
  return null;
}
