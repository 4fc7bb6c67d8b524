import type { Source } from '../../../shared/schema';

/** A json_transform structure: a DuckDB type name, an object of fields, or a one-element list. */
export type JsonStructure = string | { readonly [key: string]: JsonStructure } | readonly [JsonStructure];

/**
 * A log source's parser, written as SQL that DuckDB runs over staged raw records.
 *
 * Detection happens per record, not per file, because real exports mix shapes (an AKS export
 * wraps Kubernetes audit events, a GKE log holds Cloud Audit entries next to Kubernetes ones).
 * Every parser's `probe` is merged into one small structure that each record is parsed against
 * for detection; the record is then parsed against the `structure` of the parser that claimed it.
 */
export interface SourceParser {
  /**
   * The parser: its source, or `<source>:<shape>` when one source has several parsers (a table
   * export whose field names differ from the API's only in case cannot share a structure with it:
   * DuckDB reads struct fields case-insensitively). The events' source is what the SQL writes.
   */
  readonly id: Source | `${Source}:${string}`;
  /** Bumped whenever the mapping changes, and recorded on every evidence row it parsed. */
  readonly version: string;
  /** The few fields `detect` reads, as a json_transform structure (merged with other parsers' probes). */
  readonly probe: { readonly [key: string]: JsonStructure };
  /**
   * SQL predicate over `p`, the record parsed against the merged probes (a key another parser
   * reads differently may be JSON), and `doc`, the record as JSON text: for keys that differ from
   * another parser's only in case, which the merged probe cannot hold apart.
   */
  detect(p: string, doc: string): string;
  /** The fields this parser reads, as a json_transform structure. */
  readonly structure: { readonly [key: string]: JsonStructure };
  /**
   * A SELECT over the relation named `from`, with columns record_no, byte_offset, line, raw
   * (VARCHAR) and j (the record parsed against `structure`), already filtered to this source. It returns the
   * columns of NORMALIZED_COLUMNS plus `problem` and `problem_message` (NULL, or why the record
   * goes to quarantine) and `resources` (a LIST of STRUCT(resource_uid, resource_type, boundary,
   * role) for every resource the event touched). `structure` is this parser's structure as a SQL
   * literal, for records that nest another record as a JSON string. `passThrough` names columns
   * of `from` to carry through to the output unchanged.
   */
  normalizeSql(from: string, structure: string, passThrough: readonly string[]): string;
}

/** The event columns a parser produces, in table order (evidence_id is added by the importer). */
export const NORMALIZED_COLUMNS = [
  'event_uid',
  'time',
  'source',
  'record_no',
  'byte_offset',
  'actor_uid',
  'actor_type',
  'actor_display',
  'is_nhi',
  'credential_uid',
  'session_uid',
  'origin_uid',
  'operation',
  'service',
  'category',
  'resource_uid',
  'resource_type',
  'boundary',
  'actor_boundary',
  'region',
  'src_ip',
  'user_agent',
  'status',
  'error_code',
  'bytes_out',
  'bytes_in',
  'raw',
] as const;

/**
 * Merges parsers' structures. Where two parsers read the same key with different shapes, the
 * key is read as JSON text, and each parser that needs more re-reads that one value.
 */
export function mergeStructures(parts: readonly { readonly [key: string]: JsonStructure }[]): { [key: string]: JsonStructure } {
  const out: { [key: string]: JsonStructure } = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) out[key] = key in out ? mergeOne(out[key]!, value) : value;
  }
  return out;
}

function mergeOne(a: JsonStructure, b: JsonStructure): JsonStructure {
  if (typeof a === 'string' || typeof b === 'string') return a === b ? a : 'JSON';
  if (Array.isArray(a) && Array.isArray(b)) return [mergeOne(a[0], b[0])];
  if (Array.isArray(a) || Array.isArray(b)) return 'JSON';
  return mergeStructures([a as { [key: string]: JsonStructure }, b as { [key: string]: JsonStructure }]);
}

/** Quote a string as a SQL literal. Only for constants of our own, never for user input. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
