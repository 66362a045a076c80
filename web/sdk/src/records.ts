// Helpers for the participant and track records the SDK updates in place
// (API.md promises that objects handed out stay current).

export function replaceInPlace<T extends object>(target: T, src: T): void {
  for (const k of Object.keys(target)) if (!(k in src)) delete (target as Record<string, unknown>)[k];
  Object.assign(target, src);
}

export function sameJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
