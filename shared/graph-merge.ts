import type { GraphEdge } from './graph';

/**
 * Moves each edge onto the nodes that absorbed its ends (`into`: node id → the node standing for
 * it) and merges the edges that then join the same two nodes with the same kind: events, bytes and
 * failures summed, operations united (up to `maxOperations`), the window widened, the flags ORed.
 * Edges whose ends were not absorbed pass through as they are. Used where small nodes are folded
 * (the server) and where a boundary is collapsed (the graph view).
 */
export function rerouteEdges(edges: GraphEdge[], into: Map<string, string>, options: { maxOperations: number; dropLoops: boolean }): GraphEdge[] {
  const merged = new Map<string, GraphEdge>();
  for (const e of edges) {
    const source = into.get(e.source) ?? e.source;
    const target = into.get(e.target) ?? e.target;
    if (options.dropLoops && source === target) continue;
    const key = `${source}>${target}>${e.kind}`;
    // An untouched edge cannot share its key with a moved one (a moved one names an absorbing node).
    if (source === e.source && target === e.target) {
      merged.set(key, e);
      continue;
    }
    const have = merged.get(key);
    if (!have) {
      merged.set(key, { ...e, source, target, operations: [...e.operations] });
      continue;
    }
    have.events += e.events;
    have.bytes += e.bytes;
    have.failures += e.failures;
    for (const op of e.operations) if (have.operations.length < options.maxOperations && !have.operations.includes(op)) have.operations.push(op);
    if (e.first < have.first) have.first = e.first;
    if (e.last > have.last) have.last = e.last;
    have.crossBoundary ||= e.crossBoundary;
    have.external ||= e.external;
    have.unknownBoundary ||= e.unknownBoundary;
  }
  return [...merged.values()];
}
