import { quadtree } from 'd3-quadtree';
import { type Simulation, type SimulationLinkDatum, type SimulationNodeDatum, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from 'd3-force';
import { scaleSqrt } from 'd3-scale';
import { select } from 'd3-selection';
import { type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import { useEffect, useRef, useState } from 'react';
import type { GraphEdge, GraphNode } from '../../../shared/graph';
import { COLOR, edgeColor, formatBytes, nodeColor, nodeRadius } from './graph-style';
import { boundaryDiscs, labelRequest, placeLabels, separateBoundaries } from './graph-layout';
import type { LiveClock } from './live-clock';
import { perfHook } from './perf-hook';
import { FADE_FLOOR, edgeOpacity } from './replay-clock';

export interface SimNode extends SimulationNodeDatum, GraphNode {
  r: number;
}
interface SimLink extends SimulationLinkDatum<SimNode> {
  edge: GraphEdge;
  /** The edge's first and last event, parsed once: a replay frame reads them for every edge. */
  firstMs: number;
  lastMs: number;
}

export interface CanvasProps {
  nodes: GraphNode[];
  edges: GraphEdge[];
  widthBy: 'events' | 'bytes';
  selected: string | null;
  highlight: Set<string>;
  search: string;
  hidden: Set<string>;
  /** Replay: the clock (ms) and how long an edge takes to fade after its last event. */
  clock: { at: number; fadeMs: number; isPlaying: boolean } | null;
  /** The running clock, frame by frame, while `clock` follows it a few times a second. */
  live?: LiveClock;
  /** Positions by node id, kept by the parent so a new filter does not reshuffle the layout. */
  positions: Map<string, { x: number; y: number; fx?: number | null; fy?: number | null }>;
  onSelect(id: string | null): void;
  /** Current positions, for the SVG export. */
  onLayout?(nodes: SimNode[], links: { source: SimNode; target: SimNode; edge: GraphEdge }[]): void;
}

/** An edge during a replay: not yet (0), between its first and last event, fading, faded. */
const EDGE = { full: 1, fading: 2, faded: 3 } as const;
const DASH = { none: [] as number[], assumes: [4, 3], flows: [10, 5], dotted: [1, 3], could: [6, 4] };

/** The canvas follows its box's width (in CSS pixels, times the device pixel ratio): crisp text. */
const ASPECT = 640 / 1200;
const MIN_HEIGHT = 420;

/** Clears a cached layer, resizing it only when the canvas changed size (a resize reallocates it). */
function fitLayer(layer: HTMLCanvasElement, like: HTMLCanvasElement): void {
  if (layer.width !== like.width || layer.height !== like.height) {
    layer.width = like.width;
    layer.height = like.height;
    return;
  }
  const ctx = layer.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = 1;
  ctx.clearRect(0, 0, layer.width, layer.height);
}

/** Where each trust boundary's nodes gather: evenly on a circle, so accounts read as groups. */
function anchors(nodes: GraphNode[]): Map<string, { x: number; y: number }> {
  const boundaries = [...new Set(nodes.map((n) => n.boundary ?? '?'))].sort();
  const out = new Map<string, { x: number; y: number }>();
  boundaries.forEach((b, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, boundaries.length);
    // Further apart as the graph grows, so the boundaries' discs overlap as little as they can.
    const radius = boundaries.length > 1 ? Math.max(260, 12 * Math.sqrt(nodes.length)) : 0;
    out.set(b, { x: Math.cos(angle) * radius, y: Math.sin(angle) * radius });
  });
  return out;
}

/** A force layout drawn on canvas: thousands of nodes stay interactive where SVG would not. */
export function GraphCanvas(props: CanvasProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const sim = useRef<Simulation<SimNode, SimLink> | null>(null);
  const simNodes = useRef<SimNode[]>([]);
  const simLinks = useRef<SimLink[]>([]);
  /** Outside-boundary node ids, for the labels' colour: set with the nodes, not every frame. */
  const outsideIds = useRef(new Set<string>());
  const size = useRef({ width: 1200, height: 640 });
  const transform = useRef<ZoomTransform>(zoomIdentity.translate(600, 320));
  /** Label widths by text, measured once: measuring every label every frame costs. */
  const labelWidths = useRef(new Map<string, number>());
  const latest = useRef(props);
  latest.current = props;
  const frame = useRef(0);
  const settle = useRef<number | undefined>(undefined);
  const dragging = useRef<SimNode | null>(null);
  const zoomer = useRef<{ fit(): void } | null>(null);
  const [hover, setHover] = useState<{ node: SimNode; x: number; y: number } | null>(null);
  /** Hit testing: rebuilt only after nodes moved, not on every pointer move. */
  const hitTree = useRef<ReturnType<typeof quadtree<SimNode>> | null>(null);
  /** Bumped whenever a node moves: the cached layers and the hit-test tree are then stale. */
  const layoutVersion = useRef(0);
  const layers = useRef<{ back: HTMLCanvasElement; front: HTMLCanvasElement; inputs: unknown[] } | null>(null);
  const previousInputs = useRef<unknown[]>([]);
  const edgeLayer = useRef<{ canvas: HTMLCanvasElement; inputs: unknown[]; states: Uint8Array; width: (weight: number) => number; builtAt: number } | null>(null);
  const moved = () => {
    layoutVersion.current += 1;
    hitTree.current = null;
  };

  /**
   * One frame. The boundaries (under the edges) and the nodes with their labels (over them) are
   * rasterized into two cached layers, redrawn only when something they show changed: during a
   * replay only the edges change, and re-rasterizing 2,000 nodes and their labels every frame
   * cost about 16 ms in software rendering.
   */
  function draw() {
    frame.current = 0;
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (!ctx || !element) return;
    const started = performance.now();
    const p = latest.current;
    const { width: WIDTH, height: HEIGHT } = size.current;
    const t = transform.current;
    const ratio = window.devicePixelRatio || 1;
    const inputs = [layoutVersion.current, t, p.selected, p.search, p.hidden, p.highlight, element.width, element.height];
    const isSteady = inputs.every((v, i) => v === previousInputs.current[i]);
    previousInputs.current = inputs;
    if (!isSteady) {
      // While the picture moves (zoom, pan, drag, layout ticks) every layer would be redrawn
      // anyway: straight onto the canvas, without the cost of compositing three layers.
      hitTree.current = null;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#0f1115';
      ctx.fillRect(0, 0, WIDTH, HEIGHT);
      ctx.translate(t.x, t.y);
      ctx.scale(t.k, t.k);
      drawBoundaries(ctx, p, t);
      const links = simLinks.current;
      const replayAt = p.clock ? (p.live?.get() ?? p.clock.at) : null;
      const shown: number[] = [];
      for (let i = 0; i < links.length; i++) {
        const l = links[i]!;
        if (p.hidden.has((l.source as SimNode).id) || p.hidden.has((l.target as SimNode).id)) continue;
        if (replayAt === null || replayAt >= l.firstMs) shown.push(i);
      }
      const maxWeight = links.reduce((m, l) => Math.max(m, p.widthBy === 'bytes' ? l.edge.bytes : l.edge.events), 1);
      strokeEdges(ctx, p, shown, (i) => (replayAt === null ? 1 : edgeOpacity(links[i]!.firstMs, links[i]!.lastMs, replayAt, p.clock!.fadeMs)), scaleSqrt().domain([0, maxWeight]).range([0.6, 10]));
      drawNodes(ctx, p, t, true);
      // Once the picture holds still, one more frame draws it whole (every label, with halos).
      window.clearTimeout(settle.current);
      settle.current = window.setTimeout(redraw, 150);
      if (layers.current) layers.current.inputs = [];
      if (edgeLayer.current) edgeLayer.current.inputs = [];
      perfHook?.draws.push(performance.now() - started);
      return;
    }
    const cache = (layers.current ??= { back: document.createElement('canvas'), front: document.createElement('canvas'), inputs: [] });
    if (inputs.length !== cache.inputs.length || inputs.some((v, i) => v !== cache.inputs[i])) {
      // Hidden nodes change what can be hit, too.
      hitTree.current = null;
      for (const layer of [cache.back, cache.front]) fitLayer(layer, element);
      const back = cache.back.getContext('2d')!;
      back.setTransform(ratio, 0, 0, ratio, 0, 0);
      back.fillStyle = '#0f1115';
      back.fillRect(0, 0, WIDTH, HEIGHT);
      back.translate(t.x, t.y);
      back.scale(t.k, t.k);
      drawBoundaries(back, p, t);
      const front = cache.front.getContext('2d')!;
      front.setTransform(ratio, 0, 0, ratio, 0, 0);
      front.translate(t.x, t.y);
      front.scale(t.k, t.k);
      drawNodes(front, p, t, false);
      cache.inputs = inputs;
      if (perfHook) perfHook.layerRenders.nodes += 1;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.drawImage(cache.back, 0, 0);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.translate(t.x, t.y);
    ctx.scale(t.k, t.k);
    drawEdges(ctx, p, t, ratio, element);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.drawImage(cache.front, 0, 0);
    perfHook?.draws.push(performance.now() - started);
  }

  function drawBoundaries(ctx: CanvasRenderingContext2D, p: CanvasProps, t: ZoomTransform) {
    // Each trust boundary is a faint disc around its nodes, named at its top; a boundary that
    // holds an outside resource is tinted red. The layout keeps the discs apart.
    ctx.font = `${13 / t.k}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    for (const g of boundaryDiscs(simNodes.current, p.hidden)) {
      const b = g.boundary;
      ctx.beginPath();
      ctx.arc(g.cx, g.cy, g.r, 0, 2 * Math.PI);
      ctx.fillStyle = g.isOutside ? 'rgba(255,77,79,0.07)' : b === '?' ? 'rgba(138,147,166,0.04)' : 'rgba(91,141,239,0.05)';
      ctx.fill();
      ctx.strokeStyle = g.isOutside ? 'rgba(255,77,79,0.45)' : 'rgba(168,173,183,0.18)';
      ctx.lineWidth = 1 / t.k;
      ctx.setLineDash(b === '?' ? [4 / t.k, 4 / t.k] : []);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = g.isOutside ? 'rgba(255,120,120,0.8)' : 'rgba(168,173,183,0.6)';
      ctx.fillText(b === '?' ? 'unknown boundary' : g.isOutside ? `${b} (outside)` : b, g.cx, g.cy - g.r - 5 / t.k);
    }
  }

  /**
   * The edges. During a replay an edge is absent, then fully drawn from its first event to its
   * last, then fades to a floor: only the fading ones change from frame to frame. The others are
   * rasterized into a cached layer, redrawn when an edge changes state or the picture moves, so
   * a replay frame strokes a handful of lines, not 5,000 (about 14 ms in software rendering).
   */
  function drawEdges(ctx: CanvasRenderingContext2D, p: CanvasProps, t: ZoomTransform, ratio: number, element: HTMLCanvasElement) {
    const links = simLinks.current;
    const replayAt = p.clock ? (p.live?.get() ?? p.clock.at) : null;
    const states = new Uint8Array(links.length);
    const fading: number[] = [];
    for (let i = 0; i < links.length; i++) {
      const l = links[i]!;
      if (p.hidden.has((l.source as SimNode).id) || p.hidden.has((l.target as SimNode).id)) continue;
      if (replayAt === null || (replayAt >= l.firstMs && replayAt <= l.lastMs)) states[i] = EDGE.full;
      else if (replayAt < l.firstMs) continue;
      else if (edgeOpacity(l.firstMs, l.lastMs, replayAt, p.clock!.fadeMs) <= FADE_FLOOR) states[i] = EDGE.faded;
      else {
        states[i] = EDGE.fading;
        fading.push(i);
      }
    }
    const inputs = [layoutVersion.current, t, p.hidden, p.highlight, p.widthBy, links, element.width, element.height];
    const cache = (edgeLayer.current ??= { canvas: document.createElement('canvas'), inputs: [], states: new Uint8Array(0), width: (_: number) => 1, builtAt: 0 });
    const now = performance.now();
    const isMoved = inputs.some((v, i) => v !== cache.inputs[i]) || cache.states.length !== states.length;
    // Edges that appear (or finish fading) are stroked onto the layer as they are; one that must
    // leave it (it starts to fade, or the clock went back) needs the layer redrawn, which a
    // running replay does at most four times a second: meanwhile that edge stays fully drawn.
    let isRebuildDue = isMoved;
    const added: number[] = [];
    if (!isMoved) {
      for (let i = 0; i < states.length; i++) {
        const want = states[i]!;
        const have = cache.states[i]!;
        if (want === have || (have === 0 && want === EDGE.fading)) continue;
        if (have === 0) added.push(i);
        else isRebuildDue = true;
      }
      if (isRebuildDue && p.clock?.isPlaying && now - cache.builtAt < 250) isRebuildDue = false;
    }
    const layer = cache.canvas.getContext('2d')!;
    if (isRebuildDue) {
      const maxWeight = links.reduce((m, l) => Math.max(m, p.widthBy === 'bytes' ? l.edge.bytes : l.edge.events), 1);
      cache.width = scaleSqrt().domain([0, maxWeight]).range([0.6, 10]);
      fitLayer(cache.canvas, element);
      layer.setTransform(ratio, 0, 0, ratio, 0, 0);
      layer.translate(t.x, t.y);
      layer.scale(t.k, t.k);
      const settled: number[] = [];
      for (let i = 0; i < links.length; i++) if (states[i] === EDGE.full || states[i] === EDGE.faded) settled.push(i);
      strokeEdges(layer, p, settled, (i) => (states[i] === EDGE.full ? 1 : FADE_FLOOR), cache.width);
      cache.inputs = inputs;
      cache.states = states.map((v) => (v === EDGE.fading ? 0 : v));
      cache.builtAt = now;
      if (perfHook) perfHook.layerRenders.edges += 1;
    } else if (added.length > 0) {
      strokeEdges(layer, p, added, (i) => (states[i] === EDGE.full ? 1 : FADE_FLOOR), cache.width);
      for (const i of added) cache.states[i] = states[i]!;
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(cache.canvas, 0, 0);
    ctx.restore();
    // The fading edges not on the layer (one still on it awaits the next redraw).
    for (let i = fading.length - 1; i >= 0; i--) if (cache.states[fading[i]!] !== 0) fading.splice(i, 1);
    strokeEdges(ctx, p, fading, (i) => edgeOpacity(links[i]!.firstMs, links[i]!.lastMs, replayAt!, p.clock!.fadeMs), cache.width);
  }

  /**
   * Strokes edges grouped by style (colour, width, dash, opacity), so the context's state is set a
   * few dozen times, not once per edge. Outside-boundary flows and the highlighted path go last,
   * on top.
   */
  function strokeEdges(ctx: CanvasRenderingContext2D, p: CanvasProps, indices: number[], alphaOf: (i: number) => number, width: (weight: number) => number) {
    const links = simLinks.current;
    const batches = new Map<string, { color: string; width: number; dash: number[]; alpha: number; isOnTop: boolean; points: number[] }>();
    for (const i of indices) {
      const l = links[i]!;
      const s = l.source as SimNode;
      const d = l.target as SimNode;
      const onPath = p.highlight.has(s.id) && p.highlight.has(d.id);
      const opacity = Math.round(alphaOf(i) * (l.edge.external || onPath ? 1 : 0.6) * 20) / 20;
      const color = onPath ? COLOR.path : edgeColor(l.edge);
      const thin = l.edge.kind !== 'access' && l.edge.kind !== 'flows';
      const lineWidth = Math.round(((thin ? 1.2 : width(p.widthBy === 'bytes' ? l.edge.bytes : l.edge.events)) + (onPath ? 2 : 0)) * 2) / 2;
      const dash = l.edge.kind === 'assumes' || l.edge.kind === 'can-become' ? DASH.assumes : l.edge.kind === 'access' ? DASH.none : l.edge.kind === 'flows' ? DASH.flows : l.edge.kind === 'could-reach' ? DASH.could : DASH.dotted;
      const key = `${color}|${lineWidth}|${dash.join()}|${opacity}`;
      let batch = batches.get(key);
      if (!batch) batches.set(key, (batch = { color, width: lineWidth, dash, alpha: opacity, isOnTop: l.edge.external || onPath, points: [] }));
      batch.points.push(s.x ?? 0, s.y ?? 0, d.x ?? 0, d.y ?? 0);
    }
    for (const b of [...batches.values()].sort((a, c) => Number(a.isOnTop) - Number(c.isOnTop))) {
      ctx.globalAlpha = b.alpha;
      ctx.strokeStyle = b.color;
      ctx.lineWidth = b.width;
      ctx.setLineDash(b.dash);
      // One stroke per line: software rasterization of a single path holding thousands of
      // segments was several times slower (dragging on 2,000 nodes missed every other frame).
      for (let i = 0; i < b.points.length; i += 4) {
        ctx.beginPath();
        ctx.moveTo(b.points[i]!, b.points[i + 1]!);
        ctx.lineTo(b.points[i + 2]!, b.points[i + 3]!);
        ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  function drawNodes(ctx: CanvasRenderingContext2D, p: CanvasProps, t: ZoomTransform, moving: boolean) {
    const needle = p.search.trim().toLowerCase();
    ctx.textAlign = 'left';
    ctx.font = `${11 / t.k}px system-ui, sans-serif`;
    for (const n of simNodes.current) {
      if (p.hidden.has(n.id)) continue;
      const x = n.x ?? 0;
      const y = n.y ?? 0;
      const matched = needle !== '' && (n.id.toLowerCase().includes(needle) || n.label.toLowerCase().includes(needle));
      ctx.globalAlpha = needle && !matched ? 0.3 : 1;
      ctx.fillStyle = nodeColor(n);
      ctx.beginPath();
      if (n.kind === 'resource' || (n.kind === 'group' && n.type === 'resource')) ctx.rect(x - n.r, y - n.r, n.r * 2, n.r * 2);
      else if (n.kind === 'boundary') {
        // A hexagon: a whole account or project, not something inside one.
        for (let i = 0; i < 6; i++) ctx[i === 0 ? 'moveTo' : 'lineTo'](x + n.r * Math.cos((Math.PI / 3) * i), y + n.r * Math.sin((Math.PI / 3) * i));
        ctx.closePath();
      } else if (n.kind === 'session') {
        ctx.moveTo(x, y - n.r * 0.7);
        ctx.lineTo(x + n.r * 0.7, y + n.r * 0.6);
        ctx.lineTo(x - n.r * 0.7, y + n.r * 0.6);
        ctx.closePath();
      }
      else if (n.kind === 'credential') {
        // A diamond: credentials read apart from identities and resources at a glance.
        ctx.moveTo(x, y - n.r);
        ctx.lineTo(x + n.r, y);
        ctx.lineTo(x, y + n.r);
        ctx.lineTo(x - n.r, y);
        ctx.closePath();
      } else ctx.arc(x, y, n.kind === 'address' ? Math.max(3, n.r * 0.6) : n.r, 0, 2 * Math.PI);
      ctx.fill();
      if (n.kind === 'group') {
        // Folded nodes: a dashed ring says "more than one in here".
        ctx.strokeStyle = '#d5d9e0';
        ctx.lineWidth = 1.2 / t.k;
        ctx.setLineDash([3 / t.k, 2 / t.k]);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (n.id === p.selected || p.highlight.has(n.id) || matched) {
        ctx.strokeStyle = p.highlight.has(n.id) ? COLOR.path : COLOR.selected;
        ctx.lineWidth = 2.5 / t.k;
        ctx.stroke();
      }
      if (n.fx !== undefined && n.fx !== null) {
        ctx.fillStyle = '#fff';
        ctx.fillRect(x - 1.5, y - n.r - 5, 3, 3);
      }
    }
    ctx.globalAlpha = 1;
    drawLabels(ctx, p, t, needle, moving);
  }

  /**
   * Labels in screen space at a fixed size, placed so they do not overlap: identities, outside
   * nodes, the selection and the path always; the rest where there is room. While the picture
   * moves (zoom, pan, drag) only the labels that must show are drawn, without their halo: text is
   * the costliest thing a software-rendered frame draws, and the full set returns when it stops.
   */
  function drawLabels(ctx: CanvasRenderingContext2D, p: CanvasProps, t: ZoomTransform, needle: string, moving: boolean) {
    ctx.save();
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    const { width, height } = size.current;
    const requests = [];
    for (const n of simNodes.current) {
      if (p.hidden.has(n.id)) continue;
      const [x, y] = t.apply([n.x ?? 0, n.y ?? 0]);
      if (x < -200 || y < -50 || x > width + 200 || y > height + 50) continue;
      const matched = needle !== '' && (n.id.toLowerCase().includes(needle) || n.label.toLowerCase().includes(needle));
      requests.push(labelRequest(n, { x, y, r: n.r * t.k }, { selected: n.id === p.selected, highlighted: p.highlight.has(n.id), matched }));
    }
    const widths = labelWidths.current;
    const measure = (text: string) => widths.get(text) ?? widths.set(text, ctx.measureText(text).width).get(text)!;
    const outside = outsideIds.current;
    // A halo in the background colour keeps a label legible where it crosses an edge.
    ctx.strokeStyle = '#0f1115';
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    for (const l of placeLabels(moving ? requests.filter((q) => q.mustShow) : requests, measure, moving ? 0 : 600)) {
      if (!moving) ctx.strokeText(l.text, l.x, l.y);
      ctx.fillStyle = outside.has(l.id) ? COLOR.external : '#d5d9e0';
      ctx.fillText(l.text, l.x, l.y);
    }
    ctx.restore();
  }

  const redraw = () => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  };

  // (Re)build the simulation when the data changes, starting from the positions we had.
  useEffect(() => {
    const p = latest.current;
    const at = anchors(p.nodes);
    const nodes: SimNode[] = p.nodes.map((n) => {
      const had = p.positions.get(n.id);
      const anchor = at.get(n.boundary ?? '?')!;
      return { ...n, r: nodeRadius(n), x: had?.x ?? anchor.x + (Math.random() - 0.5) * 80, y: had?.y ?? anchor.y + (Math.random() - 0.5) * 80, fx: had?.fx ?? null, fy: had?.fy ?? null };
    });
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const links: SimLink[] = p.edges.filter((e) => byId.has(e.source) && byId.has(e.target)).map((e) => ({ source: byId.get(e.source)!, target: byId.get(e.target)!, edge: e, firstMs: Date.parse(e.first), lastMs: Date.parse(e.last) }));
    simNodes.current = nodes;
    outsideIds.current = new Set(nodes.filter((n) => n.external).map((n) => n.id));
    simLinks.current = links;
    sim.current?.stop();
    const known = nodes.filter((n) => p.positions.has(n.id)).length;
    const fresh = known < nodes.length * 0.5;
    const simulation = forceSimulation<SimNode, SimLink>(nodes)
      .force('link', forceLink<SimNode, SimLink>(links).distance(70).strength(0.25))
      // Coarser Barnes–Hut for big graphs: a tick stays well under a frame at 2,000 nodes.
      .force('charge', forceManyBody<SimNode>().strength(nodes.length > 800 ? -30 : -140).distanceMax(nodes.length > 800 ? 250 : 400).theta(nodes.length > 800 ? 1.3 : 0.9))
      .force('collide', forceCollide<SimNode>((n) => n.r + 3))
      .force('x', forceX<SimNode>((n) => at.get(n.boundary ?? '?')!.x).strength(0.08))
      .force('y', forceY<SimNode>((n) => at.get(n.boundary ?? '?')!.y).strength(0.08))
      // Mostly known nodes: a gentle settle, so the picture does not jump on a filter change.
      .alpha(known > nodes.length * 0.8 ? 0.15 : 1)
      // A big graph polishes for fewer ticks: each costs about a frame at 2,000 nodes.
      .alphaDecay(nodes.length > 800 ? 0.08 : 0.05)
      .on('tick', () => {
        // Boundaries pushed apart a little every tick; fully once the layout settles.
        separateBoundaries(nodes, latest.current.hidden, 2);
        moved();
        for (const n of nodes) latest.current.positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0, fx: n.fx ?? null, fy: n.fy ?? null });
        redraw();
      })
      .on('end', () => {
        if (separateBoundaries(nodes, latest.current.hidden)) {
          for (const n of nodes) latest.current.positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0, fx: n.fx ?? null, fy: n.fy ?? null });
          moved();
          redraw();
        }
        // A new picture is framed to fit; a re-filtered one keeps the analyst's zoom.
        if (fresh) zoomer.current?.fit();
        if (perfHook) perfHook.stableAt = performance.now();
        latest.current.onLayout?.(nodes, links as { source: SimNode; target: SimNode; edge: GraphEdge }[]);
      });
    // A new layout settles off screen first (a few hundred ms even for thousands of nodes), so
    // the first picture drawn is already readable; the animation then only polishes it.
    if (known < nodes.length * 0.5) {
      simulation.tick(Math.min(300, Math.ceil(60_000 / Math.max(1, nodes.length))));
      separateBoundaries(nodes, p.hidden);
    }
    moved();
    redraw();
    if (perfHook) perfHook.firstLayoutAt = performance.now();
    sim.current = simulation;
    return () => {
      simulation.stop();
    };
  }, [props.nodes, props.edges]);

  useEffect(redraw, [props.widthBy, props.selected, props.highlight, props.search, props.hidden, props.clock?.at, props.clock?.isPlaying]);
  useEffect(() => props.live?.subscribe(redraw), [props.live]);

  // Zoom and pan; a press on a node drags it (and pins it) instead.
  useEffect(() => {
    const element = canvas.current!;
    const nodeAt = (clientX: number, clientY: number): SimNode | undefined => {
      const rect = element.getBoundingClientRect();
      const [x, y] = transform.current.invert([clientX - rect.left, clientY - rect.top]);
      hitTree.current ??= quadtree<SimNode>().x((n) => n.x ?? 0).y((n) => n.y ?? 0).addAll(simNodes.current.filter((n) => !latest.current.hidden.has(n.id)));
      const found = hitTree.current.find(x, y, 20 / transform.current.k);
      return found && Math.hypot((found.x ?? 0) - x, (found.y ?? 0) - y) <= found.r + 4 / transform.current.k ? found : undefined;
    };
    const behaviour = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.1, 8])
      .filter((event: MouseEvent | WheelEvent) => event.type === 'wheel' || !nodeAt(event.clientX, event.clientY))
      .on('zoom', (event: { transform: ZoomTransform }) => {
        transform.current = event.transform;
        redraw();
      });
    select(element).call(behaviour).call(behaviour.transform, transform.current).on('dblclick.zoom', null);
    zoomer.current = {
      fit() {
        const shown = simNodes.current.filter((n) => !latest.current.hidden.has(n.id));
        if (shown.length === 0) return;
        const xs = shown.map((n) => n.x ?? 0);
        const ys = shown.map((n) => n.y ?? 0);
        // Room for the boundaries' discs and the names above them.
        const [x0, x1, y0, y1] = [Math.min(...xs) - 60, Math.max(...xs) + 160, Math.min(...ys) - 80, Math.max(...ys) + 50];
        const { width, height } = size.current;
        const k = Math.max(0.1, Math.min(1.8, width / (x1 - x0), height / (y1 - y0)));
        select(element).call(behaviour.transform, zoomIdentity.translate(width / 2, height / 2).scale(k).translate(-(x0 + x1) / 2, -(y0 + y1) / 2));
      },
    };
    const onDown = (e: PointerEvent) => {
      const n = nodeAt(e.clientX, e.clientY);
      if (!n) return;
      dragging.current = n;
      element.setPointerCapture(e.pointerId);
      latest.current.onSelect(n.id);
    };
    const onMove = (e: PointerEvent) => {
      if (dragging.current) {
        const rect = element.getBoundingClientRect();
        const [x, y] = transform.current.invert([e.clientX - rect.left, e.clientY - rect.top]);
        // Move just this node while dragging; the others settle once it is dropped. Re-running
        // the whole simulation every frame cost 20 ms a tick at 2,000 nodes.
        dragging.current.fx = x;
        dragging.current.fy = y;
        dragging.current.x = x;
        dragging.current.y = y;
        latest.current.positions.set(dragging.current.id, { x, y, fx: x, fy: y });
        moved();
        redraw();
        return;
      }
      const n = nodeAt(e.clientX, e.clientY);
      const rect = element.getBoundingClientRect();
      setHover(n ? { node: n, x: e.clientX - rect.left, y: e.clientY - rect.top } : null);
    };
    const onUp = () => {
      // A small graph settles around the dropped node; on a big one a tick costs more than a
      // frame, so the others stay where they are (the node is pinned where it was dropped).
      if (dragging.current && simNodes.current.length <= 800) sim.current?.alpha(0.05).restart();
      dragging.current = null;
    };
    const onDouble = (e: MouseEvent) => {
      const n = nodeAt(e.clientX, e.clientY);
      if (!n) return;
      // Double-click unpins a pinned node.
      n.fx = null;
      n.fy = null;
      latest.current.positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0, fx: null, fy: null });
      sim.current?.alpha(0.2).restart();
    };
    const onClick = (e: MouseEvent) => {
      if (!nodeAt(e.clientX, e.clientY)) latest.current.onSelect(null);
    };
    element.addEventListener('pointerdown', onDown);
    element.addEventListener('pointermove', onMove);
    element.addEventListener('pointerup', onUp);
    element.addEventListener('dblclick', onDouble);
    element.addEventListener('click', onClick);
    return () => {
      element.removeEventListener('pointerdown', onDown);
      element.removeEventListener('pointermove', onMove);
      element.removeEventListener('pointerup', onUp);
      element.removeEventListener('dblclick', onDouble);
      element.removeEventListener('click', onClick);
      select(element).on('.zoom', null);
    };
  }, []);

  // The bitmap matches the box it is shown in, at the device's pixel ratio: no scaled, soft text.
  useEffect(() => {
    const element = canvas.current!;
    const fit = () => {
      const width = Math.max(320, Math.round(element.parentElement?.clientWidth ?? 1200));
      const height = Math.max(MIN_HEIGHT, Math.round(width * ASPECT));
      const ratio = window.devicePixelRatio || 1;
      if (width === size.current.width && height === size.current.height && element.width === Math.round(width * ratio)) return;
      // Keep the picture centred where it was when the box changes size.
      const t = transform.current;
      transform.current = t.translate((width - size.current.width) / 2 / t.k, (height - size.current.height) / 2 / t.k);
      size.current = { width, height };
      element.width = Math.round(width * ratio);
      element.height = Math.round(height * ratio);
      element.style.height = `${height}px`;
      redraw();
    };
    fit();
    const observer = new ResizeObserver(fit);
    if (element.parentElement) observer.observe(element.parentElement);
    return () => observer.disconnect();
  }, []);

  return (
    <div className="graph-canvas-wrap">
      <canvas ref={canvas} className="graph-canvas" style={{ width: '100%' }} aria-label="identity to resource graph" role="img" data-testid="graph-canvas" />
      {hover && (
        <div className="graph-tip" style={{ left: hover.x + 14, top: hover.y + 14 }} role="tooltip">
          <strong>{hover.node.label}</strong>
          <div className="muted small">{hover.node.id}</div>
          <div className="small">
            {hover.node.kind === 'identity' ? (hover.node.isNhi ? 'machine' : hover.node.isNhi === false ? 'human' : 'unclassified') : hover.node.kind === 'group' ? `${hover.node.members ?? 0} ${hover.node.type === 'identity' ? 'identities' : 'resources'} folded together` : hover.node.kind}
            {hover.node.type ? ` · ${hover.node.type}` : ''} · boundary {hover.node.boundary ?? 'unknown'}
            {hover.node.external ? ' · OUTSIDE the case’s boundaries' : ''}
          </div>
          <div className="small">{hover.node.events.toLocaleString('en-US')} events · {formatBytes(hover.node.bytes)}</div>
        </div>
      )}
    </div>
  );
}

