// Remembered between visits: the display name, preferred devices and whether
// single-key shortcuts are on. Nothing secret is stored (tokens live in
// memory only).

export interface Prefs {
  name: string;
  cameraId: string;
  micId: string;
  cameraOn: boolean;
  micOn: boolean;
  /** Single-key shortcuts in the meeting (M, V, S, C, P). */
  shortcuts: boolean;
}

const KEY = 'conclave.prefs.v1';
const DEFAULTS: Prefs = { name: '', cameraId: '', micId: '', cameraOn: true, micOn: true, shortcuts: true };

export function loadPrefs(): Prefs {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULTS };
    const v = JSON.parse(raw) as Partial<Prefs>;
    return {
      name: typeof v.name === 'string' ? v.name : DEFAULTS.name,
      cameraId: typeof v.cameraId === 'string' ? v.cameraId : DEFAULTS.cameraId,
      micId: typeof v.micId === 'string' ? v.micId : DEFAULTS.micId,
      cameraOn: typeof v.cameraOn === 'boolean' ? v.cameraOn : DEFAULTS.cameraOn,
      micOn: typeof v.micOn === 'boolean' ? v.micOn : DEFAULTS.micOn,
      shortcuts: typeof v.shortcuts === 'boolean' ? v.shortcuts : DEFAULTS.shortcuts,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function savePrefs(patch: Partial<Prefs>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...patch }));
  } catch {
    // storage may be disabled; preferences are a convenience only
  }
}
