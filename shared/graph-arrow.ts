import { Bool, type DataType, Field, Float64, List, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { GraphData, GraphEdge, GraphNode } from './graph';

/**
 * The graph's nodes and edges as Arrow IPC streams, and back. Column types are declared, not
 * inferred: apache-arrow cannot infer a column that is all null or a list that is empty.
 */

type Column<T> = { name: keyof T & string; type: DataType };

const NODE_COLUMNS: Column<GraphNode>[] = [
  { name: 'id', type: new Utf8() },
  { name: 'kind', type: new Utf8() },
  { name: 'label', type: new Utf8() },
  { name: 'type', type: new Utf8() },
  { name: 'isNhi', type: new Bool() },
  { name: 'boundary', type: new Utf8() },
  { name: 'external', type: new Bool() },
  { name: 'events', type: new Float64() },
  { name: 'bytes', type: new Float64() },
  { name: 'members', type: new Float64() },
];

const EDGE_COLUMNS: Column<GraphEdge>[] = [
  { name: 'source', type: new Utf8() },
  { name: 'target', type: new Utf8() },
  { name: 'kind', type: new Utf8() },
  { name: 'events', type: new Float64() },
  { name: 'bytes', type: new Float64() },
  { name: 'failures', type: new Float64() },
  { name: 'operations', type: new List(new Field('item', new Utf8(), true)) },
  { name: 'first', type: new Utf8() },
  { name: 'last', type: new Utf8() },
  { name: 'crossBoundary', type: new Bool() },
  { name: 'external', type: new Bool() },
  { name: 'unknownBoundary', type: new Bool() },
];

function encode<T extends object>(rows: readonly T[], columns: Column<T>[]): Uint8Array {
  const vectors = Object.fromEntries(columns.map((c) => [c.name, vectorFromArray(rows.map((r) => (r as Record<string, unknown>)[c.name] ?? null), c.type)]));
  return tableToIPC(new Table(vectors), 'stream');
}

function decode<T>(bytes: Uint8Array, columns: Column<T>[], optional: ReadonlySet<string> = new Set()): T[] {
  const table = tableFromIPC(bytes);
  const children = columns.map((c) => ({ name: c.name, vector: table.getChild(c.name), isList: c.type instanceof List }));
  const out: T[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const { name, vector, isList } of children) {
      const value: unknown = vector?.get(i) ?? null;
      if (value === null && optional.has(name)) continue;
      row[name] = isList && value !== null ? [...(value as Iterable<string>)] : value;
    }
    out.push(row as T);
  }
  return out;
}

export function graphToIpc(data: Pick<GraphData, 'nodes' | 'edges'>): { nodes: Uint8Array; edges: Uint8Array } {
  return { nodes: encode(data.nodes, NODE_COLUMNS), edges: encode(data.edges, EDGE_COLUMNS) };
}

export function graphFromIpc(nodes: Uint8Array, edges: Uint8Array): Pick<GraphData, 'nodes' | 'edges'> {
  return { nodes: decode<GraphNode>(nodes, NODE_COLUMNS, new Set(['members'])), edges: decode<GraphEdge>(edges, EDGE_COLUMNS) };
}
