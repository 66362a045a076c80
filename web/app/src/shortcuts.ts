// Keyboard shortcuts of the meeting: Escape closes what is open, and single
// letters press the controls (never while typing, never with a modifier).

import { isTyping } from './dom.js';

export interface Shortcuts {
  /** Closes the innermost open popover or panel; false when nothing was open. */
  escape(): boolean;
  /** Single-key actions by lower-case key. */
  keys: Record<string, () => void>;
}

/** Listens on the document until the returned function is called. */
export function installShortcuts(s: Shortcuts): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      s.escape();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e)) return;
    const fn = s.keys[e.key.toLowerCase()];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
