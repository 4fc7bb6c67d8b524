import type { GraphEdge } from '../../../shared/graph';
import type { SimNode } from './graph-canvas';
import { edgeColor, nodeColor } from './graph-style';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The laid-out graph as a standalone SVG (text escaped: labels come from the logs). */
export function graphSvg(nodes: SimNode[], links: { source: SimNode; target: SimNode; edge: GraphEdge }[], hidden: Set<string>): string {
  const shown = nodes.filter((n) => !hidden.has(n.id));
  const xs = shown.map((n) => n.x ?? 0);
  const ys = shown.map((n) => n.y ?? 0);
  const minX = Math.min(0, ...xs) - 60;
  const minY = Math.min(0, ...ys) - 40;
  const width = Math.max(...xs, 0) - minX + 320;
  const height = Math.max(...ys, 0) - minY + 60;
  const lines = links
    .filter((l) => !hidden.has(l.source.id) && !hidden.has(l.target.id))
    .map((l) => `<line x1="${l.source.x?.toFixed(1)}" y1="${l.source.y?.toFixed(1)}" x2="${l.target.x?.toFixed(1)}" y2="${l.target.y?.toFixed(1)}" stroke="${edgeColor(l.edge)}" stroke-width="${l.edge.external ? 4 : 1.5}"${l.edge.kind === 'assumes' ? ' stroke-dasharray="4 3"' : ''}><title>${esc(`${l.source.id} → ${l.target.id}: ${l.edge.events} events, ${l.edge.bytes} bytes`)}</title></line>`)
    .join('\n');
  const shapes = shown
    .map((n) => {
      const shape = n.kind === 'resource' ? `<rect x="${((n.x ?? 0) - n.r).toFixed(1)}" y="${((n.y ?? 0) - n.r).toFixed(1)}" width="${n.r * 2}" height="${n.r * 2}" fill="${nodeColor(n)}"/>` : `<circle cx="${n.x?.toFixed(1)}" cy="${n.y?.toFixed(1)}" r="${n.r}" fill="${nodeColor(n)}"/>`;
      return `${shape}<text x="${((n.x ?? 0) + n.r + 3).toFixed(1)}" y="${((n.y ?? 0) + 4).toFixed(1)}" font-size="11" fill="#222">${esc(n.label)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${minX.toFixed(0)} ${minY.toFixed(0)} ${width.toFixed(0)} ${height.toFixed(0)}" font-family="sans-serif">\n<rect x="${minX}" y="${minY}" width="${width}" height="${height}" fill="#fff"/>\n${lines}\n${shapes}\n</svg>\n`;
}

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
