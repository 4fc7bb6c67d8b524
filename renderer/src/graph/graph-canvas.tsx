import { quadtree } from 'd3-quadtree';
import { type Simulation, type SimulationLinkDatum, type SimulationNodeDatum, forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from 'd3-force';
import { scaleSqrt } from 'd3-scale';
import { select } from 'd3-selection';
import { type ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import { useEffect, useRef, useState } from 'react';
import type { GraphEdge, GraphNode } from '../../../shared/graph';
import { COLOR, edgeColor, formatBytes, nodeColor, nodeRadius } from './graph-style';
import { edgeOpacity } from './replay-clock';

export interface SimNode extends SimulationNodeDatum, GraphNode {
  r: number;
}
interface SimLink extends SimulationLinkDatum<SimNode> {
  edge: GraphEdge;
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
  clock: { at: number; fadeMs: number } | null;
  /** Positions by node id, kept by the parent so a new filter does not reshuffle the layout. */
  positions: Map<string, { x: number; y: number; fx?: number | null; fy?: number | null }>;
  onSelect(id: string | null): void;
  /** Current positions, for the SVG export. */
  onLayout?(nodes: SimNode[], links: { source: SimNode; target: SimNode; edge: GraphEdge }[]): void;
}

const WIDTH = 1200;
const HEIGHT = 640;

/** Where each trust boundary's nodes gather: evenly on a circle, so accounts read as groups. */
function anchors(nodes: GraphNode[]): Map<string, { x: number; y: number }> {
  const boundaries = [...new Set(nodes.map((n) => n.boundary ?? '?'))].sort();
  const out = new Map<string, { x: number; y: number }>();
  boundaries.forEach((b, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, boundaries.length);
    const radius = boundaries.length > 1 ? 230 : 0;
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
  const transform = useRef<ZoomTransform>(zoomIdentity.translate(WIDTH / 2, HEIGHT / 2));
  const latest = useRef(props);
  latest.current = props;
  const frame = useRef(0);
  const dragging = useRef<SimNode | null>(null);
  const zoomer = useRef<{ fit(): void } | null>(null);
  const [hover, setHover] = useState<{ node: SimNode; x: number; y: number } | null>(null);

  function draw() {
    frame.current = 0;
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const started = performance.now();
    const p = latest.current;
    const t = transform.current;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = '#0f1115';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    ctx.translate(t.x, t.y);
    ctx.scale(t.k, t.k);
    const maxWeight = Math.max(1, ...simLinks.current.map((l) => (p.widthBy === 'bytes' ? l.edge.bytes : l.edge.events)));
    const width = scaleSqrt().domain([0, maxWeight]).range([0.6, 10]);
    const needle = p.search.trim().toLowerCase();
    // Boundary labels at the middle of their nodes.
    const groups = new Map<string, { x: number; y: number; n: number }>();
    for (const n of simNodes.current) {
      if (p.hidden.has(n.id)) continue;
      const g = groups.get(n.boundary ?? '?') ?? { x: 0, y: 0, n: 0 };
      g.x += n.x ?? 0;
      g.y += n.y ?? 0;
      g.n += 1;
      groups.set(n.boundary ?? '?', g);
    }
    // Text keeps its screen size whatever the zoom.
    ctx.font = `${13 / t.k}px system-ui, sans-serif`;
    ctx.fillStyle = 'rgba(168,173,183,0.35)';
    ctx.textAlign = 'center';
    for (const [b, g] of groups) ctx.fillText(b === '?' ? 'unknown boundary' : b, g.x / g.n, g.y / g.n - 150 / Math.max(1, t.k));
    for (const l of simLinks.current) {
      const s = l.source as SimNode;
      const d = l.target as SimNode;
      if (p.hidden.has(s.id) || p.hidden.has(d.id)) continue;
      const alpha = p.clock ? edgeOpacity(Date.parse(l.edge.first), Date.parse(l.edge.last), p.clock.at, p.clock.fadeMs) : 1;
      if (alpha === 0) continue;
      const onPath = p.highlight.has(s.id) && p.highlight.has(d.id);
      ctx.globalAlpha = alpha * (l.edge.external || onPath ? 1 : 0.6);
      ctx.strokeStyle = onPath ? COLOR.path : edgeColor(l.edge);
      const thin = l.edge.kind !== 'access';
      ctx.lineWidth = (thin ? 1.2 : width(p.widthBy === 'bytes' ? l.edge.bytes : l.edge.events)) + (onPath ? 2 : 0);
      ctx.setLineDash(l.edge.kind === 'assumes' ? [4, 3] : l.edge.kind === 'access' ? [] : [1, 3]);
      ctx.beginPath();
      ctx.moveTo(s.x ?? 0, s.y ?? 0);
      ctx.lineTo(d.x ?? 0, d.y ?? 0);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
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
      if (n.kind === 'resource') ctx.rect(x - n.r, y - n.r, n.r * 2, n.r * 2);
      else if (n.kind === 'credential') {
        // A diamond: credentials read apart from identities and resources at a glance.
        ctx.moveTo(x, y - n.r);
        ctx.lineTo(x + n.r, y);
        ctx.lineTo(x, y + n.r);
        ctx.lineTo(x - n.r, y);
        ctx.closePath();
      } else ctx.arc(x, y, n.kind === 'address' ? Math.max(3, n.r * 0.6) : n.r, 0, 2 * Math.PI);
      ctx.fill();
      if (n.id === p.selected || p.highlight.has(n.id) || matched) {
        ctx.strokeStyle = p.highlight.has(n.id) ? COLOR.path : COLOR.selected;
        ctx.lineWidth = 2.5 / t.k;
        ctx.stroke();
      }
      if (n.fx !== undefined && n.fx !== null) {
        ctx.fillStyle = '#fff';
        ctx.fillRect(x - 1.5, y - n.r - 5, 3, 3);
      }
      if (n.external || n.r > 11 || matched || n.id === p.selected || p.highlight.has(n.id) || t.k > 1.6) {
        ctx.fillStyle = n.external ? COLOR.external : '#d5d9e0';
        const text = n.label.length > 42 ? `…${n.label.slice(-41)}` : n.label;
        // Outside-boundary nodes carry a thick red edge: their label goes above, clear of it.
        if (n.external) ctx.fillText(text, x - n.r, y - n.r - 5 / t.k);
        else ctx.fillText(text, x + n.r + 3 / t.k, y + 4 / t.k);
      }
    }
    ctx.globalAlpha = 1;
    const perf = window as unknown as { __nhiGraphFrames?: number[] };
    perf.__nhiGraphFrames?.push(performance.now() - started);
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
    const links: SimLink[] = p.edges.filter((e) => byId.has(e.source) && byId.has(e.target)).map((e) => ({ source: byId.get(e.source)!, target: byId.get(e.target)!, edge: e }));
    simNodes.current = nodes;
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
      .alphaDecay(0.05)
      .on('tick', () => {
        for (const n of nodes) latest.current.positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0, fx: n.fx ?? null, fy: n.fy ?? null });
        redraw();
      })
      .on('end', () => {
        // A new picture is framed to fit; a re-filtered one keeps the analyst's zoom.
        if (fresh) zoomer.current?.fit();
        (window as unknown as { __nhiGraphStable?: number }).__nhiGraphStable = performance.now();
        latest.current.onLayout?.(nodes, links as { source: SimNode; target: SimNode; edge: GraphEdge }[]);
      });
    // A new layout settles off screen first (a few hundred ms even for thousands of nodes), so
    // the first picture drawn is already readable; the animation then only polishes it.
    if (known < nodes.length * 0.5) simulation.tick(Math.min(300, Math.ceil(60_000 / Math.max(1, nodes.length))));
    redraw();
    sim.current = simulation;
    return () => {
      simulation.stop();
    };
  }, [props.nodes, props.edges]);

  useEffect(redraw, [props.widthBy, props.selected, props.highlight, props.search, props.hidden, props.clock?.at]);

  // Zoom and pan; a press on a node drags it (and pins it) instead.
  useEffect(() => {
    const element = canvas.current!;
    const nodeAt = (clientX: number, clientY: number): SimNode | undefined => {
      const rect = element.getBoundingClientRect();
      const [x, y] = transform.current.invert([((clientX - rect.left) * WIDTH) / rect.width, ((clientY - rect.top) * HEIGHT) / rect.height]);
      const tree = quadtree<SimNode>().x((n) => n.x ?? 0).y((n) => n.y ?? 0).addAll(simNodes.current.filter((n) => !latest.current.hidden.has(n.id)));
      const found = tree.find(x, y, 20 / transform.current.k);
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
        const [x0, x1, y0, y1] = [Math.min(...xs) - 40, Math.max(...xs) + 160, Math.min(...ys) - 40, Math.max(...ys) + 40];
        const k = Math.max(0.1, Math.min(1.8, WIDTH / (x1 - x0), HEIGHT / (y1 - y0)));
        select(element).call(behaviour.transform, zoomIdentity.translate(WIDTH / 2, HEIGHT / 2).scale(k).translate(-(x0 + x1) / 2, -(y0 + y1) / 2));
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
        const [x, y] = transform.current.invert([((e.clientX - rect.left) * WIDTH) / rect.width, ((e.clientY - rect.top) * HEIGHT) / rect.height]);
        // Move just this node while dragging; the others settle once it is dropped. Re-running
        // the whole simulation every frame cost 20 ms a tick at 2,000 nodes.
        dragging.current.fx = x;
        dragging.current.fy = y;
        dragging.current.x = x;
        dragging.current.y = y;
        latest.current.positions.set(dragging.current.id, { x, y, fx: x, fy: y });
        redraw();
        return;
      }
      const n = nodeAt(e.clientX, e.clientY);
      const rect = element.getBoundingClientRect();
      setHover(n ? { node: n, x: e.clientX - rect.left, y: e.clientY - rect.top } : null);
    };
    const onUp = () => {
      if (dragging.current) sim.current?.alpha(0.05).restart();
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

  useEffect(() => {
    const element = canvas.current!;
    const ratio = window.devicePixelRatio || 1;
    element.width = WIDTH * ratio;
    element.height = HEIGHT * ratio;
    redraw();
  }, []);

  return (
    <div className="graph-canvas-wrap">
      <canvas ref={canvas} className="graph-canvas" style={{ width: '100%', aspectRatio: `${WIDTH} / ${HEIGHT}` }} aria-label="identity to resource graph" role="img" data-testid="graph-canvas" />
      {hover && (
        <div className="graph-tip" style={{ left: hover.x + 14, top: hover.y + 14 }} role="tooltip">
          <strong>{hover.node.label}</strong>
          <div className="muted small">{hover.node.id}</div>
          <div className="small">
            {hover.node.kind === 'identity' ? (hover.node.isNhi ? 'machine' : hover.node.isNhi === false ? 'human' : 'unclassified') : 'resource'}
            {hover.node.type ? ` · ${hover.node.type}` : ''} · boundary {hover.node.boundary ?? 'unknown'}
            {hover.node.external ? ' · OUTSIDE the case’s boundaries' : ''}
          </div>
          <div className="small">{hover.node.events.toLocaleString('en-US')} events · {formatBytes(hover.node.bytes)}</div>
        </div>
      )}
    </div>
  );
}

export const GRAPH_SIZE = { width: WIDTH, height: HEIGHT };
