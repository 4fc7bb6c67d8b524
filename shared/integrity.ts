/**
 * What the case can prove about its own source logs and what it covers, as the CLI, the case
 * home and the report show it (computed in main/integrity/cloudtrail-digests.ts and coverage.ts).
 */

export type DigestProblemKind =
  | 'log_modified'
  | 'log_missing'
  | 'log_added'
  | 'log_not_covered'
  | 'digest_missing'
  | 'digest_modified'
  | 'digest_moved'
  | 'signature_invalid'
  | 'signature_missing'
  | 'chain_gap';

export interface DigestProblem {
  kind: DigestProblemKind;
  severity: string;
  account: string | null;
  region: string | null;
  s3Object: string | null;
  evidenceId: number | null;
  windowStart: string | null;
  windowEnd: string | null;
  detail: string;
}

export interface TrailSummary {
  account: string;
  region: string;
  digests: number;
  chains: number;
  firstStart: string | null;
  lastEnd: string | null;
  signatures: { valid: number; invalid: number; unchecked: number; missing: number };
  logFiles: { listed: number; ok: number; modified: number; missing: number; added: number; notCovered: number };
}

export interface DigestReport {
  /** False when any digest or log file was altered, deleted or forged. */
  isValid: boolean;
  /** True when signatures were checked (trusted keys were given). */
  signaturesChecked: boolean;
  trails: TrailSummary[];
  problems: DigestProblem[];
}

export interface CoverageGroup {
  source: string;
  boundary: string | null;
  region: string | null;
  events: number;
  files: number;
  digests: number;
  first: string;
  last: string;
  /** Hours with at least one event, of the hours from the group's first to its last event. */
  activeHours: number;
  spanHours: number;
  silences: { from: string; to: string; hours: number }[];
}

export type Effect = 'stopped' | 'reduced' | 'changed' | 'started';

export interface LoggingChange {
  time: string;
  source: string;
  actor: string | null;
  operation: string;
  target: string | null;
  status: string;
  effect: Effect;
  eventUid: string;
}

export type Answer = 'yes' | 'partly' | 'no';

export interface CoverageQuestion {
  id: string;
  question: string;
  answer: Answer;
  why: string;
  /** Built-in detections that need this evidence. */
  detections: string[];
}

export interface CoverageReport {
  span: { first: string | null; last: string | null; days: number };
  groups: CoverageGroup[];
  loggingChanges: LoggingChange[];
  questions: CoverageQuestion[];
}


/** The case home's and the report's integrity panel: what was imported how, what the logs prove, what they cover. */
export interface CaseIntegrity {
  /** `N:HASH`: quote it to `nhi verify --expect-head` later. */
  journalHead: string;
  journalOk: boolean;
  imports: { importId: number; status: string; failure: string | null; startedAt: string; finishedAt: string | null; inputs: string[] }[];
  digests: DigestReport;
  coverage: CoverageReport;
}
