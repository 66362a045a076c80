// A small typed event emitter. A throwing listener is logged, never
// propagated: events are emitted from socket and PeerConnection callbacks.

type Listener = (...args: never[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  on<E extends keyof Events>(event: E, fn: Events[E]): () => void {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    // Wrap so the same function can be registered twice and removed once each.
    const entry: Listener = (...args) => (fn as Listener)(...args);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        console.error(`conclave: a '${String(event)}' listener threw`, err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
