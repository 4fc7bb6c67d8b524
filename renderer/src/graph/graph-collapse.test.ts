import { describe, expect, it } from 'vitest';
import type { GraphData, GraphEdge, GraphNode } from '../../../shared/graph';
import { collapseBoundaries, collapsedId } from './graph-collapse';

const node = (id: string, boundary: string | null, kind: GraphNode['kind'] = 'identity', events = 1, bytes = 0): GraphNode => ({ id, kind, label: id, type: null, isNhi: true, boundary, external: boundary === 'X', events, bytes });
const edge = (source: string, target: string, events: number, bytes: number, first: string, last: string, external = false): GraphEdge => ({ source, target, kind: 'access', events, bytes, failures: 0, operations: [`op-${source}`], first, last, crossBoundary: false, external, unknownBoundary: false });

describe('collapsing a boundary', () => {
  const data: GraphData = {
    nodes: [node('a', 'A'), node('b', 'A'), node('r1', 'A', 'resource', 5, 10), node('r2', 'B', 'resource', 7, 20), node('x', 'X', 'resource', 3, 30)],
    edges: [
      edge('a', 'r1', 5, 10, '2026-01-01', '2026-01-02'),
      edge('a', 'r2', 3, 5, '2026-01-03', '2026-01-04'),
      edge('b', 'r2', 4, 15, '2026-01-01', '2026-01-05'),
      edge('b', 'x', 3, 30, '2026-02-14', '2026-02-14', true),
    ],
    omitted: { nodes: 0, events: 0 },
    facets: { services: [], categories: [] },
    elapsedMs: 0,
  };

  it('folds its nodes into one, drops the edges inside it and merges the ones that now join the same nodes', () => {
    const out = collapseBoundaries(data, new Set(['A']));
    const a = collapsedId('A');
    expect(out.nodes.map((n) => n.id).sort()).toEqual([a, 'r2', 'x'].sort());
    expect(out.nodes.find((n) => n.id === a)).toMatchObject({ kind: 'group', members: 3, events: 7, bytes: 10, label: 'A (3 collapsed)' });
    const toR2 = out.edges.find((e) => e.target === 'r2')!;
    expect(toR2).toMatchObject({ source: a, events: 7, bytes: 20, first: '2026-01-01', last: '2026-01-05' });
    expect(toR2.operations.sort()).toEqual(['op-a', 'op-b']);
    // The flow to the outside stays, and stays outside.
    expect(out.edges.find((e) => e.target === 'x')).toMatchObject({ source: a, events: 3, bytes: 30, external: true });
    expect(out.edges).toHaveLength(2);
    // Totals over the edges that left the boundary are kept.
    const leaving = data.edges.filter((e) => e.target === 'r2' || e.target === 'x').reduce((s, e) => s + e.bytes, 0);
    expect(out.edges.reduce((s, e) => s + e.bytes, 0)).toBe(leaving);
  });

  it('leaves the data untouched when nothing is collapsed, and the input unchanged when something is', () => {
    expect(collapseBoundaries(data, new Set())).toBe(data);
    const before = JSON.stringify(data);
    collapseBoundaries(data, new Set(['A', 'B']));
    expect(JSON.stringify(data)).toBe(before);
  });
});
