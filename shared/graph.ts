/** The identity → resource graph and the timeline, as the graph view draws them. */

export interface GraphNode {
  id: string;
  /**
   * 'group' stands for the small identities or resources of one boundary folded together to keep
   * the picture drawable (level of detail); `members` says how many.
   */
  kind: 'identity' | 'resource' | 'credential' | 'address' | 'session' | 'boundary' | 'group';
  label: string;
  /** Identity type (workload, ci_pipeline, human…) or resource type. */
  type: string | null;
  isNhi: boolean | null;
  boundary: string | null;
  /** A resource in a boundary no identity of the case belongs to. */
  external: boolean;
  events: number;
  bytes: number;
  /** For a 'group' node: how many nodes it folds. */
  members?: number;
}

export interface GraphEdge {
  source: string;
  target: string;
  /**
   * 'access' identity → resource; 'assumes' identity → role it assumed (sessions); with the
   * optional layers, 'uses' identity → credential, 'from' source address → identity, 'opens'
   * identity → session it opened and 'as' session → the role it ran as, 'flows' boundary →
   * boundary (every access from identities of one to resources of the other); with the
   * permissions layer, 'can-become' identity → identity it may assume or escalate to, and
   * 'could-reach' identity → resource its permission snapshot allows it (beside what it did).
   */
  kind: 'access' | 'assumes' | 'uses' | 'from' | 'opens' | 'as' | 'flows' | 'can-become' | 'could-reach';
  events: number;
  bytes: number;
  failures: number;
  operations: string[];
  first: string;
  last: string;
  /** The actor's boundary differs from the resource's. */
  crossBoundary: boolean;
  external: boolean;
  /** An access to a resource whose boundary the logs do not say: it could be anyone's. */
  unknownBoundary: boolean;
}

export interface GraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Nodes folded into 'group' nodes to stay drawable (smallest first), and the events they carried. */
  omitted: { nodes: number; events: number };
  /** Services and operation categories of the case, for the graph's filters. */
  facets: { services: string[]; categories: string[] };
  elapsedMs: number;
}

/**
 * The graph as it crosses the API boundary: nodes and edges as Arrow IPC streams (base64), decoded
 * by `graphFromIpc` in shared/graph-arrow.ts.
 */
export interface GraphWire extends Omit<GraphData, 'nodes' | 'edges'> {
  nodesArrow: string;
  edgesArrow: string;
}

export const GRAPH_LAYERS = ['credentials', 'addresses', 'sessions', 'boundaries', 'permissions'] as const;
export type GraphLayer = (typeof GRAPH_LAYERS)[number];

export interface GraphPath {
  found: boolean;
  /** Node ids from the identity to the resource. */
  nodes: string[];
  steps: { from: string; to: string; kind: 'assumes' | 'access'; detail: string }[];
  /**
   * The first event of the last step with its identity chain (session, credential, who assumed
   * what), as the events view explains it: the evidence that the path was walked.
   */
  proof: { eventUid: string; time: string; summary: string } | null;
}

/** Every identity that touched a resource: directly, or from behind a role it assumed. */
export interface ResourceToucher {
  identity: string;
  label: string;
  isNhi: boolean | null;
  type: string | null;
  /** 'direct': acted on the resource; 'assumed': assumed (maybe through several roles) one that did. */
  how: 'direct' | 'assumed';
  /** For 'assumed': the roles between it and the resource, nearest first. */
  through: string[];
  events: number;
  bytes: number;
  first: string | null;
  last: string | null;
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
