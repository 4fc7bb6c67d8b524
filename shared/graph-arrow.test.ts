import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode } from './graph';
import { graphFromIpc, graphToIpc } from './graph-arrow';

describe('the graph as Arrow IPC', () => {
  it('comes back exactly as it went, nulls, empty lists and group sizes included', () => {
    const nodes: GraphNode[] = [
      { id: 'arn:aws:iam::1:role/a', kind: 'identity', label: 'a', type: 'role', isNhi: true, boundary: '1', external: false, events: 3, bytes: 14e9 },
      { id: 'arn:aws:s3:::b', kind: 'resource', label: 's3://b', type: null, isNhi: null, boundary: null, external: true, events: 3, bytes: 14e9 },
      { id: 'group:resource:1', kind: 'group', label: '12 smaller resources', type: 'resource', isNhi: null, boundary: '1', external: false, events: 40, bytes: 0, members: 12 },
    ];
    const edges: GraphEdge[] = [
      { source: nodes[0]!.id, target: nodes[1]!.id, kind: 'access', events: 3, bytes: 14e9, failures: 0, operations: ['PutObject', 'CopyObject'], first: '2026-02-14T02:14:05.000000Z', last: '2026-02-14T02:30:46.000000Z', crossBoundary: true, external: true, unknownBoundary: false },
      { source: 'address:198.51.100.23', target: nodes[0]!.id, kind: 'from', events: 1, bytes: 0, failures: 1, operations: [], first: 'x', last: 'y', crossBoundary: false, external: false, unknownBoundary: true },
    ];
    const ipc = graphToIpc({ nodes, edges });
    expect(graphFromIpc(ipc.nodes, ipc.edges)).toEqual({ nodes, edges });
  });

  it('carries an empty graph', () => {
    const ipc = graphToIpc({ nodes: [], edges: [] });
    expect(graphFromIpc(ipc.nodes, ipc.edges)).toEqual({ nodes: [], edges: [] });
  });
});
