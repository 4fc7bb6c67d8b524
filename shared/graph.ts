/** The identity → resource graph and the timeline, as the graph view draws them. */

export interface GraphNode {
  id: string;
  kind: 'identity' | 'resource' | 'credential' | 'address';
  label: string;
  /** Identity type (workload, ci_pipeline, human…) or resource type. */
  type: string | null;
  isNhi: boolean | null;
  boundary: string | null;
  /** A resource in a boundary no identity of the case belongs to. */
  external: boolean;
  events: number;
  bytes: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  /**
   * 'access' identity → resource; 'assumes' identity → role it assumed (sessions); with the
   * optional layers, 'uses' identity → credential and 'from' source address → identity.
   */
  kind: 'access' | 'assumes' | 'uses' | 'from';
  events: number;
  bytes: number;
  failures: number;
  operations: string[];
  first: string;
  last: string;
  /** The actor's boundary differs from the resource's. */
  crossBoundary: boolean;
  external: boolean;
}

export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Nodes left out to stay drawable (smallest first), and how many events they carried. */
  omitted: { nodes: number; events: number };
  /** Services and operation categories of the case, for the graph's filters. */
  facets: { services: string[]; categories: string[] };
  elapsedMs: number;
}

export const GRAPH_LAYERS = ['credentials', 'addresses'] as const;
export type GraphLayer = (typeof GRAPH_LAYERS)[number];

export interface GraphPath {
  found: boolean;
  /** Node ids from the identity to the resource. */
  nodes: string[];
  steps: { from: string; to: string; kind: 'assumes' | 'access'; detail: string }[];
}

export interface TimelineBin {
  start: string;
  machine: number;
  human: number;
  /** Counts per stack key when stacked by source or category (keys in TimelineData.keys). */
  stacks: number[];
}

export type TimelineStack = 'nhi' | 'source' | 'category';

export interface TimelineData {
  from: string | null;
  to: string | null;
  bucketSeconds: number;
  stackBy: TimelineStack;
  /** The stacked series, bottom first: ['machine', 'human'] or the sources / categories. */
  keys: string[];
  bins: TimelineBin[];
}
