import type { GraphData, GraphNode } from '../../../shared/graph';
import { rerouteEdges } from '../../../shared/graph-merge';

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
  return { ...data, nodes, edges: rerouteEdges(data.edges, owner, { maxOperations: 20, dropLoops: true }) };
}
