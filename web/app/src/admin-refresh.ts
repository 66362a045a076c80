// How the admin page's watch sections keep up while an attack goes on
// (docs/operations.md, "During an attack"): each reads again on its own,
// every few seconds, while the page is shown. A section is left alone
// while its admin is in it (a confirmation open, or focus on one of its
// controls), so a list never changes under a click; it stops for good
// once the page is left.

/** How often the blocks and the live rooms read again. */
export const WATCH_REFRESH_MS = 5_000;
/** How often the security events' first page reads again. */
export const EVENTS_REFRESH_MS = 10_000;

/**
 * Calls run every ms while el is on the page, the tab is visible, no
 * confirmation is open in busy and focus is not inside it; never two at
 * once. It stops when el leaves the page.
 */
export function autoRefresh(el: HTMLElement, busy: HTMLElement, ms: number, run: () => Promise<void>): void {
  let running = false;
  const timer = window.setInterval(() => {
    if (!el.isConnected) {
      window.clearInterval(timer);
      return;
    }
    if (running || document.hidden || busy.querySelector('.confirm') || busy.contains(document.activeElement)) return;
    running = true;
    void run().finally(() => { running = false; });
  }, ms);
}

/** Seconds as people read a wait: "45 s", "4 min 5 s", "2 h 10 min". */
export function timeLeft(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
