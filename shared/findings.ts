/** A stored detection finding, as the findings view, the CLI and the report show it. */
export type FindingSeverity = 'critical' | 'high' | 'medium' | 'low' | 'informational';

export interface StoredFinding {
  findingId: string;
  /** The analyst's latest status from the journal. */
  status: string;
  /** The analyst muted this finding's rule (journaled); hidden unless asked for. */
  muted: boolean;
  ruleId: string;
  ruleKind: string;
  title: string;
  severity: FindingSeverity;
  score: number;
  identityUid: string | null;
  windowStart: string;
  windowEnd: string;
  eventCount: number;
  /** Data moved: the larger of bytes read and written, so a copy counts once. */
  bytes: number | null;
  bytesRead: number | null;
  bytesWritten: number | null;
  explanation: string;
  /** Evidence event ids (the first 500 of a finding; eventCount is exact). */
  evidence: string[];
}

/** What one rule did in a detection run. */
export interface RuleRun {
  id: string;
  kind: 'builtin' | 'sigma';
  title: string;
  findings: number;
  events: number;
  ms: number;
  error: string | null;
  /** For rules that need history: how many the evidence let it judge (some by their peers' baseline), and why not the rest. */
  coverage?: { judged: number; total: number; byPeers: number; note: string | null } | null;
}

/** What one detection run did, rule by rule. */
export interface DetectRunSummary {
  rules: RuleRun[];
  findings: number;
  /** Incidents the findings were linked into. */
  incidents: number;
  elapsedMs: number;
  /** The Sigma folder the run used (remembered per case), and why none when one was chosen but is gone. */
  sigmaDir?: string | null;
  sigmaProblem?: string | null;
}

/** A built-in rule as the rule list and the ATT&CK coverage table show it. */
export interface RuleCatalogEntry {
  id: string;
  title: string;
  severity: FindingSeverity;
  description: string;
  attack: { tactic: string; technique: string; name: string }[];
  /** The log sources it reads; empty when any. */
  sources: string[];
  thresholds: Record<string, number>;
}

/** Findings linked into one attack: its story in the order of an intrusion, and what it touched. */
export interface Incident {
  incidentId: string;
  title: string;
  severity: FindingSeverity;
  /** On the findings' scale (0-100): the top finding's score plus corroboration. */
  score: number;
  windowStart: string;
  windowEnd: string;
  /** Who stands behind its first event (the chain's origin). */
  origin: string | null;
  identities: string[];
  /** entry, execution, escalation, evasion, credential access, discovery, collection, exfiltration, impact. */
  stages: string[];
  credentials: string[];
  networks: string[];
  resources: string[];
  /** Boundaries its events reached that no identity of the case belongs to (an outside account). */
  outside: string[];
  /** Data moved by its largest finding (a copy counts once). */
  bytes: number;
  story: { findingId: string; stage: string; at: string; severity: FindingSeverity; title: string; identity: string; text: string }[];
}
