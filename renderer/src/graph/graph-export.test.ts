import { describe, expect, it } from 'vitest';
import type { GraphEdge } from '../../../shared/graph';
import type { SimNode } from './graph-canvas';
import { graphSvg } from './graph-export';
import { boundaryDiscs, placeLabels, separateBoundaries } from './graph-layout';

const node = (id: string, label: string, kind: SimNode['kind'], x: number): SimNode => ({ id, kind, label, type: kind === 'group' ? 'resource' : null, isNhi: true, boundary: '1', external: false, events: 1, bytes: 0, r: 6, x, y: 0 });
const edge = (source: string, target: string, kind: GraphEdge['kind']): GraphEdge => ({ source, target, kind, events: 1, bytes: 0, failures: 0, operations: [], first: '', last: '', crossBoundary: false, external: false, unknownBoundary: false });

describe('the SVG export', () => {
  const hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onload='x", '&lt;already&gt;', ']]><svg onload=alert(1)>'];
  for (const label of hostile) {
    it(`escapes a label taken from the logs: ${label}`, () => {
      const a = node(label, label, 'identity', 0);
      const svg = graphSvg([a, node('b', 'b', 'resource', 50)], [{ source: a, target: node('b', 'b', 'resource', 50), edge: edge(label, 'b', 'access') }], new Set());
      expect(svg).not.toContain(label);
      // Only the export's own elements and attributes: nothing in a label opened a tag or an attribute.
      for (const [, name, attributes] of svg.matchAll(/<\/?([a-z]+)((?:\s+[a-zA-Z0-9-]+="[^"]*")*)\s*\/?>/g)) {
        expect(['svg', 'rect', 'line', 'title', 'circle', 'polygon', 'text']).toContain(name);
        for (const [, attribute] of attributes!.matchAll(/\s([a-z-]+)=/g)) expect(attribute).not.toMatch(/^on/);
      }
      expect(svg.replace(/<\/?[a-z]+(?:\s+[a-zA-Z0-9-]+="[^"]*")*\s*\/?>/g, '')).not.toMatch(/[<>"]/);
    });
  }

  it('draws every kind of node with its own shape, and leaves hidden nodes and their edges out', () => {
    const nodes = [node('i', 'i', 'identity', 0), node('r', 'r', 'resource', 10), node('c', 'c', 'credential', 20), node('s', 's', 'session', 30), node('b', 'b', 'boundary', 40), node('g', 'g', 'group', 50), node('h', 'h', 'identity', 60)];
    const svg = graphSvg(nodes, [{ source: nodes[0]!, target: nodes[6]!, edge: edge('i', 'h', 'assumes') }], new Set(['h']));
    // One identity's circle and one boundary's disc.
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg.match(/<rect [^>]*width="12"/g)).toHaveLength(2);
    expect(svg.match(/<polygon/g)).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray="3 2"');
    expect(svg).not.toContain('<line');
    expect(svg).not.toContain('>h</text>');
  });

  it('captions the picture with the case, the window and the zone, draws each boundary and keeps every identity labelled', () => {
    const nodes = [node('i', 'svc-a', 'identity', 0), node('j', 'svc-b', 'identity', 4), { ...node('x', 'exfil', 'resource', 8), boundary: '9', external: true }];
    const svg = graphSvg(nodes, [], new Set(), { caseId: 'abc123', window: '2026-02-14 02:00 → 2026-02-14 03:00', zone: 'UTC' });
    expect(svg).toContain('Case abc123 · 2026-02-14 02:00 → 2026-02-14 03:00 · times in UTC');
    expect(svg).toContain('>9 (outside)</text>');
    expect(svg).toContain('>machine identity</text>');
    // Two identities a few units apart: both named, on different spots.
    const labels = [...svg.matchAll(/<text x="([\d.-]+)" y="([\d.-]+)" font-size="11"[^>]*>(svc-[ab])<\/text>/g)];
    expect(labels.map((m) => m[3]).sort()).toEqual(['svc-a', 'svc-b']);
    expect(labels[0]![1] === labels[1]![1] && labels[0]![2] === labels[1]![2]).toBe(false);
  });
});

describe('the graph layout helpers', () => {
  it('moves whole boundaries apart until no two discs overlap', () => {
    const nodes = [0, 10, 20].map((x, i) => ({ ...node(`a${i}`, 'a', 'identity', x), boundary: 'A' }))
      .concat([5, 15].map((x, i) => ({ ...node(`b${i}`, 'b', 'resource', x), boundary: 'B' })));
    const overlapping = (ds: ReturnType<typeof boundaryDiscs>) => Math.hypot(ds[0]!.cx - ds[1]!.cx, ds[0]!.cy - ds[1]!.cy) < ds[0]!.r + ds[1]!.r;
    expect(overlapping(boundaryDiscs(nodes, new Set()))).toBe(true);
    expect(separateBoundaries(nodes, new Set())).toBe(true);
    expect(overlapping(boundaryDiscs(nodes, new Set()))).toBe(false);
    expect(separateBoundaries(nodes, new Set())).toBe(false);
  });

  it('places labels without overlap, dropping optional ones that fit nowhere but never one that must show', () => {
    const at = (id: string, x: number, mustShow: boolean) => ({ id, x, y: 0, r: 4, text: 'abcdefghij', mustShow, priority: mustShow ? 80 : 20 });
    const placed = placeLabels([at('m1', 0, true), at('o1', 1, false), at('o2', 2, false), at('o3', 3, false), at('o4', 4, false), at('m2', 5, true)], (t) => t.length * 6);
    expect(placed.map((p) => p.id)).toEqual(expect.arrayContaining(['m1', 'm2']));
    const boxes = placed.map((p) => ({ x0: p.x, x1: p.x + 60, y0: p.y - 11, y1: p.y + 3 }));
    const optional = placed.filter((p) => p.id.startsWith('o'));
    expect(optional.length).toBeLessThan(4);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      if (placed[i]!.id.startsWith('m') && placed[j]!.id.startsWith('m')) continue;
      const [a, b] = [boxes[i]!, boxes[j]!];
      expect(a.x0 < b.x1 && a.x1 > b.x0 && a.y0 < b.y1 && a.y1 > b.y0).toBe(false);
    }
  });
});
