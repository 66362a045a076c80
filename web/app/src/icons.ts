// Line icons drawn for Conclave from basic shapes (24x24 grid, stroke only).

const NS = 'http://www.w3.org/2000/svg';

type Shape = [tag: 'path' | 'rect' | 'circle' | 'line' | 'polyline', attrs: Record<string, string | number>];

const MIC: Shape[] = [
  ['rect', { x: 9, y: 3, width: 6, height: 11, rx: 3 }],
  ['path', { d: 'M5 11a7 7 0 0 0 14 0' }],
  ['line', { x1: 12, y1: 18, x2: 12, y2: 21 }],
];
const SLASH: Shape = ['line', { x1: 4, y1: 3, x2: 20, y2: 21 }];
const CAM: Shape[] = [
  ['rect', { x: 3, y: 6, width: 12, height: 12, rx: 2 }],
  ['path', { d: 'M15 10l6-3v10l-6-3z' }],
];

const LOCK_BODY: Shape = ['rect', { x: 5, y: 11, width: 14, height: 10, rx: 2 }];

const ICONS = {
  mic: MIC,
  micOff: [...MIC, SLASH],
  camera: CAM,
  cameraOff: [...CAM, SLASH],
  screen: [
    ['rect', { x: 3, y: 4, width: 18, height: 12, rx: 1.5 }],
    ['line', { x1: 8, y1: 20, x2: 16, y2: 20 }],
    ['line', { x1: 12, y1: 16, x2: 12, y2: 20 }],
    ['polyline', { points: '9 11 12 8 15 11' }],
  ],
  chat: [['path', { d: 'M4 5h16v11H9l-5 4z' }]],
  people: [
    ['circle', { cx: 9, cy: 8, r: 3.5 }],
    ['path', { d: 'M2.5 20c.5-4 3.2-6 6.5-6s6 2 6.5 6' }],
    ['path', { d: 'M16 4.8a3.5 3.5 0 0 1 0 6.4' }],
    ['path', { d: 'M18 14.5c2 .8 3.2 2.7 3.5 5.5' }],
  ],
  leave: [
    ['path', { d: 'M3 14c5-4.5 13-4.5 18 0l-2.5 3-3-1.5V13a12 12 0 0 0-7 0v2.5l-3 1.5z' }],
  ],
  settings: [
    ['line', { x1: 4, y1: 6, x2: 7, y2: 6 }],
    ['circle', { cx: 9, cy: 6, r: 2 }],
    ['line', { x1: 11, y1: 6, x2: 20, y2: 6 }],
    ['line', { x1: 4, y1: 12, x2: 13, y2: 12 }],
    ['circle', { cx: 15, cy: 12, r: 2 }],
    ['line', { x1: 17, y1: 12, x2: 20, y2: 12 }],
    ['line', { x1: 4, y1: 18, x2: 5, y2: 18 }],
    ['circle', { cx: 7, cy: 18, r: 2 }],
    ['line', { x1: 9, y1: 18, x2: 20, y2: 18 }],
  ],
  lock: [LOCK_BODY, ['path', { d: 'M8 11V7a4 4 0 0 1 8 0v4' }]],
  lockOpen: [LOCK_BODY, ['path', { d: 'M8 11V7a4 4 0 0 1 7.75-1.4' }]],
  check: [['polyline', { points: '5 12.5 10 17.5 19 7' }]],
  warning: [
    ['path', { d: 'M12 3.5 2.5 20h19z' }],
    ['line', { x1: 12, y1: 10, x2: 12, y2: 14 }],
    ['line', { x1: 12, y1: 17, x2: 12, y2: 17.01 }],
  ],
  link: [
    ['path', { d: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1' }],
    ['path', { d: 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1' }],
  ],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName, cls = 'icon'): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '2');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  for (const [tag, attrs] of ICONS[name] as Shape[]) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.appendChild(el);
  }
  return svg;
}

/** Replaces the icon inside el (its first svg child). */
export function swapIcon(el: Element, name: IconName): void {
  const old = el.querySelector('svg');
  const cls = old?.getAttribute('class') ?? 'icon';
  const next = icon(name, cls);
  if (old) old.replaceWith(next);
  else el.prepend(next);
}
