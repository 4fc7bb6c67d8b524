import type { GraphData, GraphEdge, GraphNode } from '../../../shared/graph';

/** The id of the node that stands for a collapsed boundary. */
export const collapsedId = (boundary: string) => `collapsed:${boundary}`;

/**
 * Folds every node of the chosen trust boundaries into one node per boundary, and merges the edges
 * that then join the same two nodes (events, bytes and failures summed, the window widened): an
 * account the analyst is not looking at becomes one disc with its flows in and out, instead of a
 * hairball. Edges inside a collapsed boundary disappear with it.
 */
export function collapseBoundaries(data: GraphData, collapsed: Set<string>): GraphData {
  if (collapsed.size === 0) return data;
  const folded = new Map<string, GraphNode>();
  const owner = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const n of data.nodes) {
    const b = n.boundary;
    if (b === null || !collapsed.has(b) || n.kind === 'boundary') {
      nodes.push(n);
      continue;
    }
    const id = collapsedId(b);
    owner.set(n.id, id);
    const group = folded.get(id);
    if (group) {
      group.events += n.events;
      group.bytes += n.bytes;
      group.members = (group.members ?? 0) + (n.kind === 'group' ? (n.members ?? 1) : 1);
      group.external ||= n.external;
    } else {
      const fresh: GraphNode = { id, kind: 'group', label: b, type: null, isNhi: null, boundary: b, external: n.external, events: n.events, bytes: n.bytes, members: n.kind === 'group' ? (n.members ?? 1) : 1 };
      folded.set(id, fresh);
      nodes.push(fresh);
    }
  }
  for (const g of folded.values()) g.label = `${g.boundary} (${g.members} collapsed)`;
  const merged = new Map<string, GraphEdge>();
  for (const e of data.edges) {
    const source = owner.get(e.source) ?? e.source;
    const target = owner.get(e.target) ?? e.target;
    if (source === target) continue;
    const key = `${source}>${target}>${e.kind}`;
    const had = merged.get(key);
    if (!had) {
      merged.set(key, { ...e, source, target, operations: [...e.operations] });
      continue;
    }
    had.events += e.events;
    had.bytes += e.bytes;
    had.failures += e.failures;
    for (const op of e.operations) if (!had.operations.includes(op) && had.operations.length < 20) had.operations.push(op);
    if (e.first < had.first) had.first = e.first;
    if (e.last > had.last) had.last = e.last;
    had.crossBoundary ||= e.crossBoundary;
    had.external ||= e.external;
    had.unknownBoundary ||= e.unknownBoundary;
  }
  return { ...data, nodes, edges: [...merged.values()] };
}
