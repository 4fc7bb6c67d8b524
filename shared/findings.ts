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

/** What one detection run did, rule by rule. */
export interface DetectRunSummary {
  rules: {
    id: string;
    kind: 'builtin' | 'sigma';
    title: string;
    findings: number;
    events: number;
    ms: number;
    error: string | null;
    /** For rules that need history: how many the evidence let it judge (some by their peers' baseline), and why not the rest. */
    coverage?: { judged: number; total: number; byPeers: number; note: string | null } | null;
  }[];
  findings: number;
  elapsedMs: number;
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
