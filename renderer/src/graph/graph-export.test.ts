import { describe, expect, it } from 'vitest';
import type { GraphEdge } from '../../../shared/graph';
import type { SimNode } from './graph-canvas';
import { graphSvg } from './graph-export';

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
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg.match(/<rect [^>]*width="12"/g)).toHaveLength(2);
    expect(svg.match(/<polygon/g)).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray="3 2"');
    expect(svg).not.toContain('<line');
    expect(svg).not.toContain('>h</text>');
  });
});
