// Keyboard shortcuts of the meeting: Escape closes what is open, and single
// letters press the controls (never while typing, never with a modifier, and
// not at all once the user turned them off in the settings).

import { isTyping } from './dom.js';

/** The single-key shortcuts: microphone, video, screen, chat, participants. */
export const SHORTCUT_KEYS = ['m', 'v', 's', 'c', 'p'] as const;
export type ShortcutKey = (typeof SHORTCUT_KEYS)[number];

export interface Shortcuts {
  /** Closes the innermost open popover or panel; false when nothing was open. */
  escape(): boolean;
  /** Single-key actions. */
  keys: Record<ShortcutKey, () => void>;
  /** Whether single-key shortcuts are on (the user's setting). */
  enabled(): boolean;
}

/** Listens on the document until the returned function is called. */
export function installShortcuts(s: Shortcuts): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      s.escape();
      return;
    }
    if (!s.enabled() || e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e)) return;
    const fn = (s.keys as Record<string, (() => void) | undefined>)[e.key.toLowerCase()];
    if (fn) {
      e.preventDefault();
      fn();
    }
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
