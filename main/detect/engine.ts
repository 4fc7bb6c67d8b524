import { createHash } from 'node:crypto';
import type { CaseStore } from '../case-store/case-store';
import { findingStatuses, mutedRules } from '../journal/journal';
import { sqlString } from '../ingest/sources/source-parser';
import { BUILTIN_RULES } from './all-rules';
import { buildIncidents } from './incidents';
import { type BuiltinRule, EVIDENCE_CAP, type FindingRow, type Thresholds } from './builtin-rules';
import type { RuleRun, StoredFinding } from '../../shared/findings';
import type { CompiledSigmaRule, Severity } from './rule';

export type { StoredFinding };

/**
 * Runs detections over a case and stores their findings. Findings are derived data: a run
 * replaces the findings of the rules it ran, in one transaction, and a finding keeps its id
 * across runs (rule + identity + window start) so the analyst's status and notes, kept in the
 * journal by finding id, still apply.
 */

export interface DetectOptions {
  /** Built-in rule ids to run (default: all). */
  only?: string[];
  /** Threshold overrides per built-in rule: `{ 'large-transfer': { absolute_bytes: 5e8 } }`. */
  thresholds?: Record<string, Thresholds>;
  /** Compiled Sigma rules to run as well. */
  sigma?: CompiledSigmaRule[];
}

export type { RuleRun };

export interface DetectReport {
  rules: RuleRun[];
  findings: number;
  /** Incidents rebuilt from all findings after the run. */
  incidents: number;
  elapsedMs: number;
}

/**
 * One scale for every finding and incident, 0-100: the severity sets the band (critical 80,
 * high 60, medium 40, low 20, informational 5); within it, up to 5 more for how big the finding is
 * *among its own rule's findings* (bytes do not compare with addresses or days), and up to 10 more
 * when it is part of an incident (main/detect/incidents.ts).
 */
export const SEVERITY_BASE: Record<Severity, number> = { critical: 80, high: 60, medium: 40, low: 20, informational: 5 };

/** Scores for one rule's findings: the band, plus 5 × magnitude / the rule's largest magnitude. */
export function scoresOf(findings: { severity: Severity; magnitude: number }[]): number[] {
  const top = Math.max(1, ...findings.map((f) => Math.max(0, f.magnitude)));
  return findings.map((f) => SEVERITY_BASE[f.severity] + (5 * Math.log1p(Math.max(0, f.magnitude))) / Math.log1p(top));
}

export const findingId = (ruleId: string, identity: string | null, windowStart: string) =>
  createHash('sha256').update(`${ruleId}\u0000${identity ?? ''}\u0000${windowStart}`).digest('hex').slice(0, 16);

interface Finding {
  id: string;
  ruleId: string;
  kind: 'builtin' | 'sigma';
  title: string;
  severity: Severity;
  score: number;
  row: FindingRow;
  explanation: string;
}

interface RawRow {
  identity_uid: string | null;
  window_start: string;
  window_end: string;
  event_count: number;
  bytes: number | null;
  bytes_read: number | null;
  bytes_written: number | null;
  evidence: { event_uid: string; source: string }[];
  [fact: string]: unknown;
}

function toFindingRow(raw: RawRow): FindingRow {
  const { identity_uid, window_start, window_end, event_count, bytes, bytes_read, bytes_written, evidence, ...facts } = raw;
  return { identity_uid, window_start, window_end, event_count, bytes, bytes_read, bytes_written, evidence, facts };
}

async function runBuiltin(store: CaseStore, rule: BuiltinRule, overrides: Thresholds | undefined): Promise<Finding[]> {
  const t = { ...rule.thresholds, ...overrides };
  const rows = (await store.read<RawRow>(rule.sql(t))).map(toFindingRow);
  const rated = rows.map((row) => ({ severity: rule.severityOf?.(row) ?? rule.severity, magnitude: rule.magnitude(row) }));
  const scores = scoresOf(rated);
  return rows.map((row, i) => {
    const severity = rated[i]!.severity;
    return {
      // A finding about no identity (a log file, a digest chain) names its subject in `facts.subject`.
      id: findingId(rule.id, row.identity_uid ?? (typeof row.facts.subject === 'string' ? `subject:${row.facts.subject}` : null), row.window_start),
      ruleId: rule.id,
      kind: 'builtin',
      title: rule.title,
      severity,
      score: scores[i]!,
      row,
      explanation: rule.explain(row, t),
    };
  });
}

async function ruleCoverage(store: CaseStore, rule: BuiltinRule, overrides: Thresholds | undefined): Promise<RuleRun['coverage']> {
  const [row] = await store.read<{ judged: number; total: number; note: string | null; by_peers: number }>(rule.coverage!({ ...rule.thresholds, ...overrides }));
  return row ? { judged: row.judged, total: row.total, byPeers: row.by_peers, note: row.note } : null;
}

/**
 * A Sigma rule's matches, grouped per identity into runs of activity: a new finding starts after
 * SIGMA_QUIET_HOURS without a match. A rule that fires on every weekday's sign-in is then one
 * finding a week, not one a day; a burst stays one finding.
 */
const SIGMA_QUIET_HOURS = 36;

export function sigmaSql(rule: CompiledSigmaRule): string {
  const sources = rule.sources.map(sqlString).join(', ');
  return `
    WITH m AS (
      SELECT e.actor_uid AS identity_uid, e.event_uid, e.source, e.time, coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out
      FROM events e WHERE e.source IN (${sources}) AND (${rule.where})),
    ordered AS (SELECT *, lag(time) OVER (PARTITION BY identity_uid ORDER BY time, event_uid) AS previous FROM m),
    runs AS (
      SELECT *, sum(CASE WHEN previous IS NULL OR time - previous > INTERVAL ${SIGMA_QUIET_HOURS} HOUR THEN 1 ELSE 0 END)
        OVER (PARTITION BY identity_uid ORDER BY time, event_uid) AS grp
      FROM ordered)
    SELECT identity_uid, strftime(min(time), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_start, strftime(max(time), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_end,
      count(*)::BIGINT AS event_count, greatest(sum(bytes_out), sum(bytes_in))::BIGINT AS bytes, sum(bytes_out)::BIGINT AS bytes_read, sum(bytes_in)::BIGINT AS bytes_written,
      list({'event_uid': event_uid, 'source': source} ORDER BY time, event_uid)[1:${EVIDENCE_CAP}] AS evidence
    FROM runs GROUP BY identity_uid, grp ORDER BY identity_uid, window_start`;
}

async function runSigma(store: CaseStore, rule: CompiledSigmaRule): Promise<Finding[]> {
  const rows = (await store.read<RawRow>(sigmaSql(rule))).map(toFindingRow);
  const ruleId = `sigma:${rule.id}`;
  const scores = scoresOf(rows.map((row) => ({ severity: rule.level, magnitude: row.event_count })));
  // The rule's ATT&CK tactics (tags like attack.initial-access) place its findings in an incident's story.
  const tactics = rule.tags.filter((t) => /^attack\.[a-z_-]+$/.test(t) && !/^attack\.(t\d|g\d|s\d)/.test(t)).map((t) => t.slice(7));
  return rows.map((row, i) => ({
    id: findingId(ruleId, row.identity_uid, row.window_start),
    ruleId,
    kind: 'sigma',
    title: rule.title,
    severity: rule.level,
    score: scores[i]!,
    row: { ...row, facts: { ...row.facts, tactics } },
    explanation: `Sigma rule "${rule.title}" (${rule.file}) matched ${row.event_count} event(s). ${rule.description}`.trim(),
  }));
}

export async function runDetections(store: CaseStore, options: DetectOptions = {}): Promise<DetectReport> {
  const started = performance.now();
  const runs: RuleRun[] = [];
  const results: { ruleId: string; findings: Finding[] }[] = [];
  const builtins = options.only ? BUILTIN_RULES.filter((r) => options.only!.includes(r.id)) : BUILTIN_RULES;
  const jobs: { id: string; kind: 'builtin' | 'sigma'; title: string; run: () => Promise<Finding[]>; coverage?: (() => Promise<RuleRun['coverage']>) | null }[] = [
    ...builtins.map((r) => ({
      id: r.id,
      kind: 'builtin' as const,
      title: r.title,
      run: () => runBuiltin(store, r, options.thresholds?.[r.id]),
      coverage: r.coverage ? () => ruleCoverage(store, r, options.thresholds?.[r.id]) : null,
    })),
    ...(options.sigma ?? []).map((r) => ({ id: `sigma:${r.id}`, kind: 'sigma' as const, title: r.title, run: () => runSigma(store, r) })),
  ];
  for (const job of jobs) {
    const t0 = performance.now();
    try {
      const findings = await job.run();
      results.push({ ruleId: job.id, findings });
      const coverage = job.coverage ? await job.coverage() : null;
      runs.push({ id: job.id, kind: job.kind, title: job.title, findings: findings.length, events: findings.reduce((n, f) => n + f.row.event_count, 0), ms: performance.now() - t0, error: null, coverage });
    } catch (err) {
      // One broken rule (a Sigma rule's SQL on an odd case) must not take the others down.
      runs.push({ id: job.id, kind: job.kind, title: job.title, findings: 0, events: 0, ms: performance.now() - t0, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) });
    }
  }
  await store.transaction(async () => {
    // A full run replaces every finding: none of a rule that did not run this time stays behind.
    if (!options.only) {
      await store.run(`DELETE FROM finding_events`);
      await store.run(`DELETE FROM findings`);
    }
    for (const { ruleId, findings } of results) {
      await store.run(`DELETE FROM finding_events WHERE finding_id IN (SELECT finding_id FROM findings WHERE rule_id = $r)`, { r: ruleId });
      await store.run(`DELETE FROM findings WHERE rule_id = $r`, { r: ruleId });
      if (findings.length === 0) continue;
      const appender = await store.appender('findings');
      const detectedAt = new Date().toISOString().replace('T', ' ').replace('Z', '');
      for (const f of findings) {
        appender.appendVarchar(f.id);
        appender.appendVarchar(f.ruleId);
        appender.appendVarchar(f.kind);
        appender.appendVarchar(f.title);
        appender.appendVarchar(f.severity);
        appender.appendDouble(f.score);
        if (f.row.identity_uid === null) appender.appendNull();
        else appender.appendVarchar(f.row.identity_uid);
        appender.appendVarchar(f.row.window_start.replace('T', ' ').replace('Z', ''));
        appender.appendVarchar(f.row.window_end.replace('T', ' ').replace('Z', ''));
        appender.appendBigInt(BigInt(f.row.event_count));
        if (f.row.bytes === null) appender.appendNull();
        else appender.appendBigInt(BigInt(Math.round(f.row.bytes)));
        appender.appendVarchar(f.explanation);
        appender.appendVarchar(JSON.stringify(f.row.facts));
        appender.appendVarchar(detectedAt);
        for (const b of [f.row.bytes_read, f.row.bytes_written]) {
          if (b === null) appender.appendNull();
          else appender.appendBigInt(BigInt(Math.round(b)));
        }
        appender.endRow();
      }
      appender.closeSync();
      const evidence = await store.appender('finding_events');
      for (const f of findings) {
        for (const e of f.row.evidence) {
          evidence.appendVarchar(f.id);
          evidence.appendVarchar(e.event_uid);
          evidence.appendVarchar(e.source);
          evidence.endRow();
        }
      }
      evidence.closeSync();
    }
  });
  const incidents = await buildIncidents(store);
  return { rules: runs, findings: results.reduce((n, r) => n + r.findings.length, 0), incidents, elapsedMs: performance.now() - started };
}

/** Findings, most important first, with their evidence event ids (capped per finding). */
export async function listFindings(store: CaseStore, limit = 1000): Promise<StoredFinding[]> {
  const rows = await store.read<{
    finding_id: string; rule_id: string; rule_kind: string; title: string; severity: Severity; score: number; identity_uid: string | null;
    window_start: string; window_end: string; event_count: number; bytes: number | null; bytes_read: number | null; bytes_written: number | null; explanation: string; evidence: string[] | null;
  }>(
    `SELECT f.finding_id, f.rule_id, f.rule_kind, f.title, f.severity, f.score, f.identity_uid, f.window_start, f.window_end, f.event_count, f.bytes,
       f.bytes_read, f.bytes_written, f.explanation,
       (SELECT list(fe.event_uid) FROM finding_events fe WHERE fe.finding_id = f.finding_id) AS evidence
     FROM findings f ORDER BY f.score DESC, f.window_start, f.finding_id LIMIT $limit`,
    { limit },
  );
  const statuses = await findingStatuses(store);
  const muted = await mutedRules(store);
  return rows.map((r) => ({
    findingId: r.finding_id,
    status: statuses.get(r.finding_id) ?? 'new',
    muted: muted.has(r.rule_id),
    ruleId: r.rule_id,
    ruleKind: r.rule_kind,
    title: r.title,
    severity: r.severity,
    score: r.score,
    identityUid: r.identity_uid,
    windowStart: r.window_start,
    windowEnd: r.window_end,
    eventCount: r.event_count,
    bytes: r.bytes,
    bytesRead: r.bytes_read,
    bytesWritten: r.bytes_written,
    explanation: r.explanation,
    evidence: r.evidence ?? [],
  }));
}
