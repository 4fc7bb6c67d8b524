import type { GraphData, GraphWire } from '../../../shared/graph';
import { graphFromIpc } from '../../../shared/graph-arrow';
import { base64Bytes } from '../api-client';

/** The graph as the main side sends it (Arrow IPC), as the view draws it. */
export function decodeGraph(wire: GraphWire): GraphData {
  const { nodesArrow, edgesArrow, ...rest } = wire;
  return { ...rest, ...graphFromIpc(base64Bytes(nodesArrow), base64Bytes(edgesArrow)) };
}
