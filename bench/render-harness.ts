/**
 * Browser side of `npm run bench:render`: one synthetic identity → resource graph drawn two ways
 * on the same page, our Canvas 2D approach (batched strokes, shapes, labels placed without
 * overlap, the "moving" frame while zooming) and sigma.js on WebGL (as BloodHound CE draws), with
 * the same zoom animation, to compare frame times at 2,000 to 50,000 nodes.
 */
import Graph from 'graphology';
import Sigma from 'sigma';
import { placeLabels } from '../renderer/src/graph/graph-layout';

interface SceneNode { id: string; x: number; y: number; r: number; identity: boolean; label: string; color: string }
interface Scene { nodes: SceneNode[]; edges: [number, number, string][]; discs: { x: number; y: number; r: number }[] }
export interface RenderResult { firstFrameMs: number; frames: number; medianMs: number; p95Ms: number; maxMs: number; over33: number; drawMs: number | null }

const WIDTH = 1200;
const HEIGHT = 700;

function scene(n: number): Scene {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const boundaries = Math.max(3, Math.round(n / 500));
  const columns = Math.ceil(Math.sqrt(boundaries));
  const per = Math.ceil(n / boundaries);
  const radius = Math.sqrt(per) * 14;
  const discs = Array.from({ length: boundaries }, (_, b) => ({ x: (b % columns) * radius * 2.4, y: Math.floor(b / columns) * radius * 2.4, r: radius }));
  const nodes: SceneNode[] = [];
  for (let i = 0; i < n; i++) {
    const disc = discs[i % boundaries]!;
    const angle = random() * 2 * Math.PI;
    const d = Math.sqrt(random()) * (disc.r - 10);
    const identity = i % 5 === 0;
    nodes.push({ id: `n${i}`, x: disc.x + Math.cos(angle) * d, y: disc.y + Math.sin(angle) * d, r: identity ? 7 : 5, identity, label: identity ? `arn:aws:iam::111111111111:role/workload-${i}` : `arn:aws:s3:::bucket-${i}`, color: identity ? '#9b7bea' : '#5b8def' });
  }
  const edges: [number, number, string][] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i += 5) {
    for (let k = 0; k < 12; k++) {
      const j = (i + 1 + Math.floor(random() * (k < 10 ? per : n))) % n;
      if (nodes[j]!.identity || seen.has(i * n + j)) continue;
      seen.add(i * n + j);
      edges.push([i, j, k === 11 ? '#ff4d4f' : k > 8 ? '#f0a030' : '#5d6679']);
    }
  }
  return { nodes, edges, discs };
}

function stats(deltas: number[], firstFrameMs: number, drawMs: number | null): RenderResult {
  const sorted = [...deltas].sort((a, b) => a - b);
  return { firstFrameMs, frames: deltas.length, medianMs: sorted[Math.floor(sorted.length / 2)]!, p95Ms: sorted[Math.floor(sorted.length * 0.95)]!, maxMs: sorted[sorted.length - 1]!, over33: deltas.filter((d) => d > 33.4).length, drawMs };
}

/** A zoom from the whole graph into a corner and back, one step per frame, timing each frame. */
function animate(frames: number, step: (i: number) => void): Promise<number[]> {
  return new Promise((done) => {
    const deltas: number[] = [];
    let last = performance.now();
    let i = 0;
    requestAnimationFrame(function frame(now) {
      if (i > 0) deltas.push(now - last);
      last = now;
      if (i === frames) return done(deltas);
      step(i++);
      requestAnimationFrame(frame);
    });
  });
}

const zoomAt = (i: number, frames: number) => 1 + 3 * Math.sin((Math.PI * i) / frames);

function box(): HTMLDivElement {
  document.body.replaceChildren();
  const div = document.createElement('div');
  div.style.cssText = `width:${WIDTH}px;height:${HEIGHT}px;position:relative;background:#0f1115`;
  document.body.append(div);
  return div;
}

async function runCanvas(n: number, frames = 120): Promise<RenderResult> {
  const s = scene(n);
  const host = box();
  const t0 = performance.now();
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  host.append(canvas);
  const ctx = canvas.getContext('2d')!;
  const xs = s.nodes.map((p) => p.x);
  const ys = s.nodes.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const fit = Math.min(WIDTH / (x1 - x0 + 40), HEIGHT / (y1 - y0 + 40));
  const widths = new Map<string, number>();
  const measure = (t: string) => widths.get(t) ?? widths.set(t, ctx.measureText(t).width).get(t)!;
  const draws: number[] = [];
  const draw = (k: number, moving: boolean) => {
    const started = performance.now();
    const scale = fit * k;
    const tx = WIDTH / 2 - ((x0 + x1) / 2) * scale;
    const ty = HEIGHT / 2 - ((y0 + y1) / 2) * scale;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0f1115';
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    ctx.setTransform(scale, 0, 0, scale, tx, ty);
    ctx.fillStyle = 'rgba(91,141,239,0.05)';
    for (const d of s.discs) {
      ctx.beginPath();
      ctx.arc(d.x, d.y, d.r, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.lineWidth = 1 / scale;
    for (const color of ['#5d6679', '#f0a030', '#ff4d4f']) {
      ctx.strokeStyle = color;
      for (const [a, b, c] of s.edges) {
        if (c !== color) continue;
        ctx.beginPath();
        ctx.moveTo(s.nodes[a]!.x, s.nodes[a]!.y);
        ctx.lineTo(s.nodes[b]!.x, s.nodes[b]!.y);
        ctx.stroke();
      }
    }
    for (const p of s.nodes) {
      ctx.fillStyle = p.color;
      ctx.beginPath();
      if (p.identity) ctx.arc(p.x, p.y, p.r, 0, 2 * Math.PI);
      else ctx.rect(p.x - p.r, p.y - p.r, p.r * 2, p.r * 2);
      ctx.fill();
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.font = '11px system-ui, sans-serif';
    const requests = [];
    for (const p of s.nodes) {
      const x = p.x * scale + tx;
      const y = p.y * scale + ty;
      if (x < -200 || y < -50 || x > WIDTH + 200 || y > HEIGHT + 50) continue;
      if (moving && !p.identity) continue;
      requests.push({ id: p.id, x, y, r: p.r * scale, text: p.label, mustShow: p.identity, priority: p.identity ? 80 : 20 });
    }
    ctx.fillStyle = '#d5d9e0';
    for (const l of placeLabels(requests, measure, moving ? 0 : 600)) ctx.fillText(l.text, l.x, l.y);
    draws.push(performance.now() - started);
  };
  draw(1, false);
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  const firstFrameMs = performance.now() - t0;
  draws.length = 0;
  const deltas = await animate(frames, (i) => draw(zoomAt(i, frames), true));
  return stats(deltas, firstFrameMs, draws.reduce((a, b) => a + b, 0) / Math.max(1, draws.length));
}

async function runSigma(n: number, frames = 120): Promise<RenderResult> {
  const s = scene(n);
  const host = box();
  const t0 = performance.now();
  const graph = new Graph();
  for (const p of s.nodes) graph.addNode(p.id, { x: p.x, y: -p.y, size: p.r / 2, color: p.color, label: p.label });
  s.edges.forEach(([a, b, c], i) => graph.addEdgeWithKey(`e${i}`, s.nodes[a]!.id, s.nodes[b]!.id, { color: c, size: 0.5 }));
  const renderer = new Sigma(graph, host, { renderLabels: true, labelColor: { color: '#d5d9e0' }, labelSize: 11, labelRenderedSizeThreshold: 4, defaultEdgeType: 'line' });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))));
  const firstFrameMs = performance.now() - t0;
  const camera = renderer.getCamera();
  const deltas = await animate(frames, (i) => {
    camera.setState({ ratio: 1 / zoomAt(i, frames) });
    // sigma renders on the next frame after a camera change; ask for it now, as an interaction would.
    renderer.refresh();
  });
  renderer.kill();
  return stats(deltas, firstFrameMs, null);
}

const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
const info = gl?.getExtension('WEBGL_debug_renderer_info');
Object.assign(window, {
  runCanvas,
  runSigma,
  webglRenderer: gl ? String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null,
});
