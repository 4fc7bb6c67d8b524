import type { GraphEdge } from '../../../shared/graph';
import type { SimNode } from './graph-canvas';
import { edgeColor, nodeColor } from './graph-style';

const DASH: Partial<Record<GraphEdge['kind'], string>> = { assumes: '4 3', flows: '10 5', uses: '1 3', from: '1 3', opens: '1 3', as: '1 3' };

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
    .map((l) => `<line x1="${l.source.x?.toFixed(1)}" y1="${l.source.y?.toFixed(1)}" x2="${l.target.x?.toFixed(1)}" y2="${l.target.y?.toFixed(1)}" stroke="${edgeColor(l.edge)}" stroke-width="${l.edge.external ? 4 : 1.5}"${DASH[l.edge.kind] ? ` stroke-dasharray="${DASH[l.edge.kind]}"` : ''}><title>${esc(`${l.source.id} → ${l.target.id}: ${l.edge.events} events, ${l.edge.bytes} bytes`)}</title></line>`)
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
