import type { GraphEdge, GraphNode } from '../../../shared/graph';

/** Colours and shapes: machine vs human obvious at a glance; outside-boundary flows in red. */
export const COLOR = {
  machine: '#9b7bea',
  human: '#46c08a',
  unknown: '#8a93a6',
  resource: '#5b8def',
  external: '#ff4d4f',
  edge: '#5d6679',
  cross: '#f0a030',
  assumes: '#9aa3b5',
  selected: '#ffffff',
  // Cyan: apart from every edge and node colour (the yellow of an unknown boundary, the credentials' gold).
  path: '#22d3ee',
  credential: '#e0b341',
  address: '#7f8796',
  session: '#c9a3f5',
  unknownBoundary: '#d6c35c',
  boundary: '#3a4152',
  canBecome: '#ffb347',
  couldReach: '#6b7385',
} as const;

export function nodeColor(n: GraphNode): string {
  if (n.kind === 'credential') return COLOR.credential;
  if (n.kind === 'address') return COLOR.address;
  if (n.kind === 'session') return COLOR.session;
  if (n.kind === 'boundary') return n.external ? COLOR.external : COLOR.boundary;
  if (n.kind === 'group' && n.type === 'resource') return COLOR.resource;
  if (n.kind === 'resource') return n.external ? COLOR.external : COLOR.resource;
  return n.isNhi === true ? COLOR.machine : n.isNhi === false ? COLOR.human : COLOR.unknown;
}

export function edgeColor(e: GraphEdge): string {
  if (e.external) return COLOR.external;
  if (e.kind === 'flows') return COLOR.cross;
  if (e.kind === 'can-become') return COLOR.canBecome;
  if (e.kind === 'could-reach') return COLOR.couldReach;
  if (e.kind !== 'access') return COLOR.assumes;
  return e.crossBoundary ? COLOR.cross : e.unknownBoundary ? COLOR.unknownBoundary : COLOR.edge;
}

export const nodeRadius = (n: GraphNode) => (n.kind === 'boundary' ? 16 : 5 + Math.min(14, Math.log10(1 + n.events) * 3));

export { formatBytes } from '../../../shared/format';
