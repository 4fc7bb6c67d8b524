import type { GraphEdge } from '../../../shared/graph';
import type { SimNode } from './graph-canvas';
import { boundaryDiscs, labelRequest, placeLabels } from './graph-layout';
import { COLOR, edgeColor, nodeColor } from './graph-style';

/** What an exported picture says about itself: which case, which window, in which zone. */
export interface ExportMeta {
  caseId: string;
  window: string;
  zone: string;
  highlight?: Set<string>;
}

const DASH: Partial<Record<GraphEdge['kind'], string>> = { assumes: '4 3', flows: '10 5', uses: '1 3', from: '1 3', opens: '1 3', as: '1 3', 'can-become': '4 3', 'could-reach': '6 4' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The laid-out graph as a standalone SVG (text escaped: labels come from the logs). */
export function graphSvg(nodes: SimNode[], links: { source: SimNode; target: SimNode; edge: GraphEdge }[], hidden: Set<string>, meta?: ExportMeta): string {
  const shown = nodes.filter((n) => !hidden.has(n.id));
  const discs = boundaryDiscs(shown, hidden);
  // The whole graph: every node, every boundary's disc and its name, whatever the view showed.
  const xs = [...shown.map((n) => n.x ?? 0), ...discs.flatMap((d) => [d.cx - d.r, d.cx + d.r])];
  const ys = [...shown.map((n) => n.y ?? 0), ...discs.flatMap((d) => [d.cy - d.r - 20, d.cy + d.r])];
  const HEADER = meta ? 64 : 0;
  const minX = Math.min(0, ...xs) - 60;
  const minY = Math.min(0, ...ys) - 40 - HEADER;
  const width = Math.max(Math.max(...xs, 0) - minX + 320, meta ? 760 : 0);
  const height = Math.max(...ys, 0) - minY + 60;
  const highlight = meta?.highlight ?? new Set<string>();
  const boundaries = discs
    .map((d) => {
      const name = d.boundary === '?' ? 'unknown boundary' : d.isOutside ? `${d.boundary} (outside)` : d.boundary;
      return `<circle cx="${d.cx.toFixed(1)}" cy="${d.cy.toFixed(1)}" r="${d.r.toFixed(1)}" fill="${d.isOutside ? '#fff1f1' : '#f4f7fd'}" stroke="${d.isOutside ? '#e05252' : '#b8c0cf'}"${d.boundary === '?' ? ' stroke-dasharray="4 4"' : ''}/>`
        + `<text x="${d.cx.toFixed(1)}" y="${(d.cy - d.r - 6).toFixed(1)}" font-size="13" text-anchor="middle" fill="${d.isOutside ? '#c02a2a' : '#5b6475'}">${esc(name)}</text>`;
    })
    .join('\n');
  // Labels placed as on screen: none on top of another, identities and outside nodes always.
  const labels = placeLabels(
    shown.map((n) => labelRequest(n, { x: n.x ?? 0, y: n.y ?? 0, r: n.r }, { selected: false, highlighted: highlight.has(n.id), matched: false })),
    (text) => text.length * 6.2,
    5000,
  );
  const external = new Set(shown.filter((n) => n.external).map((n) => n.id));
  const lines = links
    .filter((l) => !hidden.has(l.source.id) && !hidden.has(l.target.id))
    .map((l) => `<line x1="${l.source.x?.toFixed(1)}" y1="${l.source.y?.toFixed(1)}" x2="${l.target.x?.toFixed(1)}" y2="${l.target.y?.toFixed(1)}" stroke="${highlight.has(l.source.id) && highlight.has(l.target.id) ? COLOR.path : edgeColor(l.edge)}" stroke-width="${l.edge.external || (highlight.has(l.source.id) && highlight.has(l.target.id)) ? 4 : 1.5}"${DASH[l.edge.kind] ? ` stroke-dasharray="${DASH[l.edge.kind]}"` : ''}><title>${esc(`${l.source.id} → ${l.target.id}: ${l.edge.events} events, ${l.edge.bytes} bytes`)}</title></line>`)
    .join('\n');
  const shapes = shown
    .map((n) => {
      const [x, y, r] = [n.x ?? 0, n.y ?? 0, n.r];
      const points = (corners: [number, number][]) => `<polygon points="${corners.map(([px, py]) => `${(x + px).toFixed(1)},${(y + py).toFixed(1)}`).join(' ')}" fill="${nodeColor(n)}"${ring}/>`;
      const ring = n.kind === 'group' ? ' stroke="#555" stroke-dasharray="3 2"' : '';
      const shape =
        n.kind === 'resource' || (n.kind === 'group' && n.type === 'resource')
          ? `<rect x="${(x - r).toFixed(1)}" y="${(y - r).toFixed(1)}" width="${r * 2}" height="${r * 2}" fill="${nodeColor(n)}"${ring}/>`
          : n.kind === 'credential'
            ? points([[0, -r], [r, 0], [0, r], [-r, 0]])
            : n.kind === 'session'
              ? points([[0, -r * 0.7], [r * 0.7, r * 0.6], [-r * 0.7, r * 0.6]])
              : n.kind === 'boundary'
                ? points([0, 1, 2, 3, 4, 5].map((i) => [r * Math.cos((Math.PI / 3) * i), r * Math.sin((Math.PI / 3) * i)]))
                : `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${nodeColor(n)}"${ring}/>`;
      return shape;
    })
    .join('\n');
  const texts = labels.map((l) => `<text x="${l.x.toFixed(1)}" y="${l.y.toFixed(1)}" font-size="11" fill="${external.has(l.id) ? '#c02a2a' : '#222'}" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(l.text)}</text>`).join('\n');
  const header = meta ? headerSvg(Math.round(minX + 16), Math.round(minY + 20), meta) : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height.toFixed(0)}" viewBox="${minX.toFixed(0)} ${minY.toFixed(0)} ${width.toFixed(0)} ${height.toFixed(0)}" font-family="sans-serif">\n<rect x="${minX}" y="${minY}" width="${width}" height="${height}" fill="#fff"/>\n${header}\n${boundaries}\n${lines}\n${shapes}\n${texts}\n</svg>\n`;
}

/** The caption and legend: what was exported, and how to read it. */
function headerSvg(x: number, y: number, meta: ExportMeta): string {
  const legend: [string, string][] = [
    ['circle', COLOR.machine], ['circle', COLOR.human], ['rect', COLOR.resource], ['diamond', COLOR.credential], ['rect', COLOR.external], ['line', COLOR.path], ['line', COLOR.cross],
  ];
  const names = ['machine identity', 'human', 'resource', 'credential', 'outside boundary', 'path', 'crosses a boundary'];
  const items = legend.map(([shape, color], i) => {
    const lx = x + i * 104;
    const ly = y + 30;
    const mark = shape === 'circle' ? `<circle cx="${lx + 5}" cy="${ly - 4}" r="5" fill="${color}"/>`
      : shape === 'rect' ? `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${color}"/>`
        : shape === 'diamond' ? `<polygon points="${lx + 5},${ly - 10} ${lx + 10},${ly - 4} ${lx + 5},${ly + 2} ${lx},${ly - 4}" fill="${color}"/>`
          : `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 12}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`;
    return `${mark}<text x="${lx + 15}" y="${ly}" font-size="10" fill="#444">${names[i]}</text>`;
  });
  return `<text x="${x}" y="${y}" font-size="12" fill="#222">${esc(`Case ${meta.caseId} · ${meta.window} · times in ${meta.zone}`)}</text>\n${items.join('')}`;
}

/**
 * The same picture as a PNG at twice the pixels (or the screen's ratio, if higher): drawn from the
 * SVG, so it is the whole graph with its caption, not the part of the canvas on screen.
 */
export function svgToPng(svg: string, scale = Math.max(2, window.devicePixelRatio || 1)): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const size = /width="(\d+)" height="(\d+)"/.exec(svg);
    const [w, h] = [Number(size?.[1] ?? 1200), Number(size?.[2] ?? 800)];
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      // Browsers cap a canvas near 16,384 px a side: a huge graph is scaled to fit.
      const k = Math.min(scale, 16_000 / w, 16_000 / h);
      canvas.width = Math.round(w * k);
      canvas.height = Math.round(h * k);
      const ctx = canvas.getContext('2d')!;
      ctx.scale(k, k);
      ctx.drawImage(image, 0, 0, w, h);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be made'))), 'image/png');
    };
    image.onerror = () => reject(new Error('the graph picture could not be drawn'));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
