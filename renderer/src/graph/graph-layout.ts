import type { GraphNode } from '../../../shared/graph';
import { shortenMiddle } from '../../../shared/event-columns';

/**
 * Geometry shared by the canvas and the exports: the trust boundaries' discs (kept apart), and
 * where each label goes so labels do not sit on one another.
 */

export interface Placed {
  x?: number;
  y?: number;
  fx?: number | null;
  fy?: number | null;
  r: number;
}
type LaidNode = GraphNode & Placed;

export interface Disc {
  boundary: string;
  cx: number;
  cy: number;
  r: number;
  isOutside: boolean;
}

/** Room between two boundaries' discs, in layout units. */
const GAP = 36;
/** A disc reaches this far past its farthest member. */
const PAD = 18;

function groups(nodes: LaidNode[], hidden: Set<string>): Map<string, LaidNode[]> {
  const out = new Map<string, LaidNode[]>();
  for (const n of nodes) {
    if (hidden.has(n.id) || n.kind === 'boundary') continue;
    const key = n.boundary ?? '?';
    const list = out.get(key);
    if (list) list.push(n);
    else out.set(key, [n]);
  }
  return out;
}

function discOf(boundary: string, members: LaidNode[]): Disc {
  let cx = 0;
  let cy = 0;
  for (const m of members) {
    cx += m.x ?? 0;
    cy += m.y ?? 0;
  }
  cx /= members.length;
  cy /= members.length;
  let r = 0;
  for (const m of members) r = Math.max(r, Math.hypot((m.x ?? 0) - cx, (m.y ?? 0) - cy) + m.r);
  return { boundary, cx, cy, r: r + PAD, isOutside: members.some((m) => m.external) };
}

/** Each trust boundary's disc around its shown nodes. */
export function boundaryDiscs(nodes: LaidNode[], hidden: Set<string>): Disc[] {
  return [...groups(nodes, hidden)].map(([b, members]) => discOf(b, members));
}

/**
 * Moves whole boundaries apart until no two discs overlap (a few rounds; pinned nodes stay). Links
 * pull an outside account's bucket into the account that wrote to it; drawn there, its disc sat
 * inside the other one and read as part of it. Returns whether anything moved.
 */
export function separateBoundaries(nodes: LaidNode[], hidden: Set<string>, rounds = 40): boolean {
  const byBoundary = groups(nodes, hidden);
  if (byBoundary.size < 2) return false;
  let movedAny = false;
  for (let round = 0; round < rounds; round++) {
    const discs = [...byBoundary].map(([b, members]) => ({ disc: discOf(b, members), members, dx: 0, dy: 0 }));
    let moved = false;
    for (let i = 0; i < discs.length; i++) {
      for (let j = i + 1; j < discs.length; j++) {
        const a = discs[i]!;
        const b = discs[j]!;
        let dx = b.disc.cx - a.disc.cx;
        let dy = b.disc.cy - a.disc.cy;
        let d = Math.hypot(dx, dy);
        const overlap = a.disc.r + b.disc.r + GAP - d;
        if (overlap <= 0) continue;
        if (d < 1e-6) {
          // Same centre: part them along a direction fixed by their names, so it is repeatable.
          const angle = (a.disc.boundary.length * 7 + b.disc.boundary.length * 13) % 360;
          dx = Math.cos(angle);
          dy = Math.sin(angle);
          d = 1;
        }
        // The smaller group moves more: a big account stays where the analyst saw it.
        const share = b.members.length / (a.members.length + b.members.length);
        a.dx -= (dx / d) * overlap * share;
        a.dy -= (dy / d) * overlap * share;
        b.dx += (dx / d) * overlap * (1 - share);
        b.dy += (dy / d) * overlap * (1 - share);
        moved = true;
      }
    }
    if (!moved) break;
    movedAny = true;
    for (const g of discs) {
      for (const m of g.members) {
        if (m.fx !== undefined && m.fx !== null) continue;
        m.x = (m.x ?? 0) + g.dx;
        m.y = (m.y ?? 0) + g.dy;
      }
    }
  }
  return movedAny;
}

export interface LabelRequest {
  id: string;
  /** Where the node is and how big, in the units the labels are placed in (screen pixels on the canvas). */
  x: number;
  y: number;
  r: number;
  text: string;
  /** Drawn even when every spot is taken (identities, outside nodes, the selection, the path). */
  mustShow: boolean;
  priority: number;
}

export interface PlacedLabel {
  id: string;
  text: string;
  /** Left edge and baseline. */
  x: number;
  y: number;
}

const LINE = 13;

/**
 * Greedy label placement, most important first: right of the node, then left, above, below; a
 * label that fits nowhere is left out unless it must show. A grid of buckets keeps the overlap
 * test cheap for thousands of labels.
 */
export function placeLabels(requests: LabelRequest[], measure: (text: string) => number, maxLabels = 600): PlacedLabel[] {
  // Rectangles as numbers in one array, buckets keyed by a number: this runs on every frame of a
  // zoom or a drag, for thousands of nodes (strings and objects per test cost 3 ms a frame).
  const CELL = 64;
  const rects: number[] = [];
  const buckets = new Map<number, number[]>();
  const key = (cx: number, cy: number) => cx * 65_536 + cy;
  const overlaps = (x0: number, y0: number, x1: number, y1: number): boolean => {
    for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
      for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
        const list = buckets.get(key(cx, cy));
        if (!list) continue;
        for (const r of list) if (rects[r]! < x1 && rects[r + 2]! > x0 && rects[r + 1]! < y1 && rects[r + 3]! > y0) return true;
      }
    }
    return false;
  };
  const take = (x0: number, y0: number, x1: number, y1: number) => {
    const r = rects.length;
    rects.push(x0, y0, x1, y1);
    for (let cx = Math.floor(x0 / CELL); cx <= Math.floor(x1 / CELL); cx++) {
      for (let cy = Math.floor(y0 / CELL); cy <= Math.floor(y1 / CELL); cy++) {
        const list = buckets.get(key(cx, cy));
        if (list) list.push(r);
        else buckets.set(key(cx, cy), [r]);
      }
    }
  };
  const order = requests.map((_, i) => i).sort((a, b) => {
    const [p, q] = [requests[a]!, requests[b]!];
    return q.priority - p.priority || q.r - p.r || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0);
  });
  const placed: PlacedLabel[] = [];
  for (const i of order) {
    const q = requests[i]!;
    if (placed.length >= maxLabels && !q.mustShow) continue;
    const text = shortLabel(q.text);
    const w = measure(text);
    let x = NaN;
    let y = NaN;
    for (let spot = 0; spot < 4; spot++) {
      const sx = spot === 0 ? q.x + q.r + 3 : spot === 1 ? q.x - q.r - 3 - w : q.x - w / 2;
      const sy = spot < 2 ? q.y + 4 : spot === 2 ? q.y - q.r - 4 : q.y + q.r + LINE;
      if (!overlaps(sx, sy - LINE + 2, sx + w, sy + 3)) {
        x = sx;
        y = sy;
        break;
      }
    }
    if (Number.isNaN(x)) {
      if (!q.mustShow) continue;
      x = q.x + q.r + 3;
      y = q.y + 4;
    }
    take(x, y - LINE + 2, x + w, y + 3);
    placed.push({ id: q.id, text, x, y });
  }
  return placed;
}

const shortened = new Map<string, string>();
/** Labels past 42 characters, cut in the middle once and remembered. */
function shortLabel(text: string): string {
  if (text.length <= 42) return text;
  let short = shortened.get(text);
  if (short === undefined) {
    if (shortened.size > 50_000) shortened.clear();
    shortened.set(text, (short = shortenMiddle(text, 42)));
  }
  return short;
}

/** Which nodes ask for a label, and how strongly. */
export function labelRequest(n: LaidNode, at: { x: number; y: number; r: number }, emphasis: { selected: boolean; highlighted: boolean; matched: boolean }): LabelRequest {
  const mustShow = emphasis.selected || emphasis.highlighted || emphasis.matched || n.external || n.kind === 'identity' || n.kind === 'group' || n.kind === 'boundary';
  const priority = emphasis.selected || emphasis.highlighted || emphasis.matched ? 100 : n.external ? 90 : n.kind === 'identity' ? 80 : n.kind === 'boundary' || n.kind === 'group' ? 70 : n.kind === 'resource' ? 40 : 20;
  return { id: n.id, ...at, text: n.label, mustShow, priority };
}
