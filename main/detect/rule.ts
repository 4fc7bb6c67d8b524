/**
 * What every detection produces, whatever its origin (built-in SQL rule or compiled Sigma rule).
 * The engine (main/detect/engine.ts) runs rules and writes `findings` + `finding_events`
 * (schema v3); the app, the CLI and reports read those tables.
 */

import type { FindingSeverity } from '../../shared/findings';

export const SEVERITIES: readonly FindingSeverity[] = ['critical', 'high', 'medium', 'low', 'informational'];
export type Severity = FindingSeverity;

/** A Sigma rule compiled to a DuckDB predicate over the `events` table (aliased `e`). */
export interface CompiledSigmaRule {
  /** The rule's `id` (UUID) from its YAML, or a hash of the file when it has none. */
  id: string;
  title: string;
  level: Severity;
  description: string;
  /** The YAML file it came from, relative to the folder the user picked. */
  file: string;
  logsource: { product?: string; service?: string; category?: string };
  /** Our `events.source` values this rule applies to, e.g. ['aws.cloudtrail']. */
  sources: string[];
  /** A boolean SQL expression over `e` (events row, `e.raw` is the verbatim JSON record). */
  where: string;
  /** Rule `falsepositives`, `tags`, `references`, for the explanation shown to the analyst. */
  tags: string[];
  falsepositives: string[];
}

/** A Sigma rule that could not be compiled: it is skipped whole, never half-applied. */
export interface SkippedSigmaRule {
  file: string;
  title: string | null;
  reason: string;
}
