import type { Source } from '../../../shared/schema';

/**
 * A log source's parser, written as SQL that DuckDB runs over staged raw records.
 *
 * Detection happens per record, not per file, because real exports mix shapes (an AKS export
 * wraps Kubernetes audit events, a GKE log holds Cloud Audit entries next to Kubernetes ones).
 */
export interface SourceParser {
  readonly id: Source;
  /** Bumped whenever the mapping changes, and recorded on every evidence row it parsed. */
  readonly version: string;
  /** JSON paths read once per record (all sources' paths share one parse) to detect the source. */
  readonly probePaths: readonly string[];
  /**
   * SQL predicate that is true for this source's records. `probe(path)` returns the SQL for the
   * string at one of `probePaths` (NULL when absent).
   */
  detect(probe: (path: string) => string): string;
  /**
   * A SELECT over the staging table `stage` (columns record_no, byte_offset, raw, probe, source)
   * filtered to this source, returning the columns of NORMALIZED_COLUMNS plus `problem` and
   * `problem_message` (NULL, or why the record goes to quarantine) and `resources` (a LIST of
   * STRUCT(resource_uid, resource_type, boundary, role) for every resource the event touched).
   */
  normalizeSql(probe: (path: string) => string): string;
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

/** Quote a string as a SQL literal. Only for constants of our own, never for user input. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
