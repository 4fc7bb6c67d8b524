import { BROWSER_USER_AGENT_PATTERN } from '../analytics/classification-rules';
import { formatBytes } from '../../shared/format';
import { isOutside } from '../analytics/boundaries';
import { clientFamilySql, networkSql } from '../analytics/networks';
import { REPLAYED_KEYS } from './replayed-keys';
import type { Severity } from './rule';

/**
 * The built-in detections, each plain SQL over the case with named thresholds.
 *
 * Every rule selects the events that match (`m`: identity, group, event, time, bytes) and the
 * shared template groups them into findings: one finding per identity and group (an hour, a
 * day, a 10-minute burst, a credential), with its window, exact event count and bytes, and up
 * to EVIDENCE_CAP evidence events. A rule's HAVING keeps the groups that cross its thresholds.
 */

export const EVIDENCE_CAP = 500;

export type Thresholds = Record<string, number>;

export interface FindingRow {
  identity_uid: string | null;
  window_start: string;
  window_end: string;
  event_count: number;
  /** Data moved: the larger of bytes read and bytes written, so a copy (read here, written there) counts once. */
  bytes: number | null;
  /** Bytes read out of resources and written into them, apart. */
  bytes_read: number | null;
  bytes_written: number | null;
  /** Rule-specific facts for the explanation (JSON-friendly). */
  facts: Record<string, unknown>;
  evidence: { event_uid: string; source: string }[];
}

export interface BuiltinRule {
  id: string;
  title: string;
  severity: Severity;
  /** What the rule looks for, in one sentence, for the rule list and the report. */
  description: string;
  thresholds: Thresholds;
  sql(t: Thresholds): string;
  /** How big the finding is, for ranking within a severity (bytes, events, days…). */
  magnitude(row: FindingRow): number;
  explain(row: FindingRow, t: Thresholds): string;
  /** A finding may raise its own severity (data written to an external account is critical). */
  severityOf?(row: FindingRow): Severity;
  /**
   * For a rule that needs history: SQL returning one row (judged, total, note) saying how many
   * identities or credentials the evidence let it judge and, when not all, why. No rule is
   * silently off: the run summary, the CLI and the findings view show the note.
   */
  coverage?(t: Thresholds): string;
  /** MITRE ATT&CK (cloud matrix) tactics and techniques the rule looks for. */
  attack?: { tactic: string; technique: string; name: string }[];
  /** The log sources it reads (for the coverage table); every source when absent. */
  sources?: string[];
}

/**
 * Groups matches into findings. `m` must have identity_uid, grp, event_uid, source, time,
 * bytes_out (read) and bytes_in (written); the finding's bytes are the data moved (MOVED);
 * `facts` are extra aggregate columns (SQL `expr AS name`) that end up in the finding's facts.
 */
/**
 * Data moved by a group of calls: the larger of what they read and what they wrote. A copy reads
 * N bytes from one place and writes N to another: N moved, not 2N.
 */
const MOVED = `greatest(sum(bytes_out), sum(bytes_in))`;

export function grouped(matches: string, having: string, facts: string[] = []): string {
  // Evidence, rarest first: the events whose network, operation and outcome are the least common
  // in their finding lead the list, so a long finding's telling events survive the cap (the
  // attacker's calls among a month of a key's ordinary use); then by time. Ranked only for the
  // groups that pass the rule's thresholds: ranking every match cost large-transfer 0.5 s on 1M.
  return `
    WITH m AS MATERIALIZED (${matches}),
    g AS (
      SELECT identity_uid, grp,
        strftime(min(time), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_start,
        strftime(max(time), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_end,
        count(*)::BIGINT AS event_count,
        ${MOVED}::BIGINT AS bytes, sum(bytes_out)::BIGINT AS bytes_read, sum(bytes_in)::BIGINT AS bytes_written
        ${facts.map((f) => `, ${f}`).join('')}
      FROM m GROUP BY identity_uid, grp
      HAVING ${having}),
    r AS (
      SELECT m.identity_uid, m.grp, m.event_uid, m.source, m.time,
        count(*) OVER (PARTITION BY m.identity_uid, m.grp, ${networkSql('ev.src_ip')}, ev.operation, ev.status) AS commonness
      FROM m SEMI JOIN g ON g.identity_uid IS NOT DISTINCT FROM m.identity_uid AND g.grp IS NOT DISTINCT FROM m.grp
      LEFT JOIN events ev ON ev.event_uid = m.event_uid AND ev.source = m.source),
    ev AS (
      SELECT identity_uid, grp, list({'event_uid': event_uid, 'source': source} ORDER BY commonness, time, event_uid)[1:${EVIDENCE_CAP}] AS evidence
      FROM r GROUP BY identity_uid, grp)
    SELECT g.* EXCLUDE (grp), ev.evidence
    FROM g JOIN ev ON ev.identity_uid IS NOT DISTINCT FROM g.identity_uid AND ev.grp IS NOT DISTINCT FROM g.grp
    ORDER BY g.identity_uid, g.window_start`;
}

const mb = formatBytes;
export const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));


const SECRET_READS = `(
  e.operation IN ('GetSecretValue', 'BatchGetSecretValue', 'Decrypt', 'GetParameter', 'GetParameters', 'GetParametersByPath', 'AccessSecretVersion')
  OR e.operation ILIKE '%SecretManagerService.AccessSecretVersion'
  OR (e.source = 'k8s.audit' AND e.operation IN ('get', 'list', 'watch') AND e.resource_type = 'k8s:secrets' AND e.actor_uid LIKE 'system:serviceaccount:%')
  OR (e.source LIKE 'azure.%' AND e.operation ILIKE '%/secrets/%read%')
)`;

const PRIVILEGE_CHANGES = `(
  e.operation IN ('UpdateAccessKey', 'AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy',
    'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy', 'CreateRole', 'CreatePolicyVersion', 'SetDefaultPolicyVersion', 'AddUserToGroup',
    'CreateUser', 'SetIamPolicy')
  OR e.operation ILIKE '%.SetIamPolicy'
  OR (e.source = 'k8s.audit' AND e.operation IN ('create', 'update', 'patch') AND e.resource_type IN ('k8s:rolebindings', 'k8s:clusterrolebindings', 'k8s:roles', 'k8s:clusterroles'))
  OR (e.source LIKE 'azure.%' AND e.operation ILIKE 'Microsoft.Authorization/roleAssignments/write%')
  OR (e.source = 'github.audit' AND e.operation IN ('org.add_member', 'team.add_member', 'repo.add_member', 'org.update_member'))
)`;


/**
 * The baseline each identity is judged against: its own when it was active on at least
 * `minDays` days of the window; else its peers' (observed identities of the same kind as the log
 * names it — role, user, service account — on the same side of machine/human, in the same first
 * boundary, each with such a baseline). Rows of identity_baselines, tagged with the basis.
 */
function baselineBasis(minDays: number): string {
  return `own AS (SELECT uid FROM identity_baselines WHERE active_days >= ${minDays}),
         peer_pairs AS (
           SELECT i.uid, p.uid AS peer FROM identities i
           JOIN identities p ON p.uid <> i.uid AND p.observed AND p.actor_type IS NOT DISTINCT FROM i.actor_type AND p.is_nhi IS NOT DISTINCT FROM i.is_nhi
             AND p.boundaries[1] IS NOT DISTINCT FROM i.boundaries[1]
           WHERE i.observed AND i.uid NOT IN (SELECT uid FROM own) AND p.uid IN (SELECT uid FROM own)),
         basis_rows AS (
           SELECT b.uid, b.window_end, b.active_days, b.hours, b.operations, 'own' AS basis, 0 AS peers FROM identity_baselines b WHERE b.uid IN (SELECT uid FROM own)
           UNION ALL
           SELECT pp.uid, b.window_end, b.active_days, b.hours, b.operations, 'peers' AS basis, count(*) OVER (PARTITION BY pp.uid) AS peers
           FROM peer_pairs pp JOIN identity_baselines b ON b.uid = pp.peer)`;
}

/** How many identities active after the baseline window a baseline rule could judge, and why not the rest. */
function baselineCoverage(minDays: number): string {
  return `
    WITH ${baselineBasis(minDays)},
    win AS (SELECT max(window_end) AS window_end FROM identity_baselines),
    after AS (SELECT DISTINCT actor_uid AS uid FROM events WHERE actor_uid IS NOT NULL AND time_flag IS NULL
              AND time >= coalesce((SELECT window_end FROM win), (SELECT date_trunc('day', max(time)) FROM events WHERE time_flag IS NULL)))
    SELECT count(*) FILTER (WHERE a.uid IN (SELECT uid FROM basis_rows))::BIGINT AS judged,
      count(*)::BIGINT AS total,
      CASE
        WHEN (SELECT window_end FROM win) IS NULL THEN 'the case is shorter than a day before its last day: no baseline, nothing judged'
        WHEN count(*) FILTER (WHERE a.uid NOT IN (SELECT uid FROM basis_rows)) > 0 THEN
          (count(*) FILTER (WHERE a.uid NOT IN (SELECT uid FROM basis_rows)))::VARCHAR || ' of ' || count(*) || ' identities active after the baseline have fewer than ${minDays} active days in it and no peer that has: not judged'
      END AS note,
      count(*) FILTER (WHERE a.uid IN (SELECT uid FROM basis_rows WHERE basis = 'peers'))::BIGINT AS by_peers
    FROM after a`;
}

/** "this identity was" or "its N peers (same type and boundary) were". */
const whose = (r: FindingRow) =>
  r.facts.basis === 'peers' ? `its ${String(r.facts.peers)} peer(s) (same kind and boundary; its own baseline is too short) were` : 'this identity was';

/** The volume, baseline, credential and integrity rules; technique families are in technique-rules.ts. */
export const CORE_RULES: BuiltinRule[] = [
  {
    id: 'external-boundary-write',
    attack: [{ tactic: 'Exfiltration', technique: 'T1537', name: 'Transfer Data to Cloud Account' }],
    title: 'Data written to an external boundary',
    severity: 'high',
    description: 'An identity writes to, or copies data into, a resource whose account/project/org no identity of the case belongs to.',
    thresholds: { min_events: 1 },
    sql: (t) =>
      grouped(
        `WITH outside AS (
           SELECT r.event_uid, r.source, any_value(r.boundary) AS boundary, any_value(r.resource_uid ORDER BY length(r.resource_uid)) AS resource_uid
           FROM event_resources r WHERE ${isOutside('r.boundary')} GROUP BY r.event_uid, r.source)
         SELECT e.actor_uid AS identity_uid, o.boundary || '|' || strftime(date_trunc('day', e.time), '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, o.boundary, o.resource_uid, e.operation
         FROM events e JOIN outside o ON o.event_uid = e.event_uid AND o.source = e.source
         WHERE e.status = 'success' AND e.actor_uid IS NOT NULL
           AND (e.category IN ('write', 'create', 'modify', 'data_write') OR e.operation ILIKE 'Put%' OR e.operation ILIKE 'Copy%' OR e.operation ILIKE '%Upload%' OR coalesce(e.bytes_in, 0) > 0)`,
        `count(*) >= ${t.min_events}`,
        ['any_value(boundary) AS boundary', 'list(DISTINCT resource_uid ORDER BY resource_uid)[1:3] AS resources', 'list(DISTINCT operation) AS operations'],
      ),
    magnitude: (r) => (r.bytes ?? 0) + r.event_count,
    severityOf: (r) => ((r.bytes ?? 0) >= 1e8 ? 'critical' : 'high'),
    explain: (r) =>
      `${r.event_count} ${list(r.facts.operations)} call(s) wrote ${r.bytes_written ? mb(r.bytes_written) : 'data'} into ${list(r.facts.resources)} in boundary ${String(r.facts.boundary)}, which no identity of this case belongs to (an outside account).`,
  },
  {
    id: 'large-transfer',
    attack: [{ tactic: 'Collection', technique: 'T1530', name: 'Data from Cloud Storage' }],
    title: 'Large data transfer',
    severity: 'high',
    description:
      "An identity moves more bytes in an hour than an absolute threshold, many times its usual hour in this case, and many times its baseline's busy days when it has a baseline.",
    thresholds: { absolute_bytes: 1e9, baseline_factor: 5, hour_factor: 10 },
    sql: (t) =>
      grouped(
        `WITH daily AS (
           SELECT e.actor_uid AS uid, date_trunc('day', e.time) AS day, greatest(sum(coalesce(e.bytes_out, 0)), sum(coalesce(e.bytes_in, 0))) AS moved
           FROM events e JOIN identity_baselines b ON b.uid = e.actor_uid WHERE e.time >= b.window_start AND e.time < b.window_end GROUP BY ALL),
         usual AS (SELECT uid, quantile_cont(moved, 0.95) AS p95 FROM daily GROUP BY uid),
         hourly AS (
           SELECT actor_uid AS uid, date_trunc('hour', time) AS hour, greatest(sum(coalesce(bytes_out, 0)), sum(coalesce(bytes_in, 0))) AS moved
           FROM events WHERE actor_uid IS NOT NULL GROUP BY ALL),
         typical AS (SELECT uid, median(moved) AS hour_median FROM hourly GROUP BY uid)
         SELECT e.actor_uid AS identity_uid, strftime(date_trunc('hour', e.time), '%Y-%m-%d %H') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, u.p95, ty.hour_median
         FROM events e LEFT JOIN usual u ON u.uid = e.actor_uid LEFT JOIN typical ty ON ty.uid = e.actor_uid
         WHERE e.actor_uid IS NOT NULL AND coalesce(e.bytes_out, 0) + coalesce(e.bytes_in, 0) > 0`,
        `${MOVED} >= ${t.absolute_bytes} AND ${MOVED} >= ${t.baseline_factor} * coalesce(max(p95), 0) AND ${MOVED} >= ${t.hour_factor} * coalesce(max(hour_median), 0)`,
        ['max(p95) AS baseline_p95', 'max(hour_median) AS hour_median'],
      ),
    magnitude: (r) => r.bytes ?? 0,
    explain: (r, t) => {
      const p95 = Number(r.facts.baseline_p95 ?? 0);
      const against = p95 > 0 ? `; its baseline's busy days move ${mb(p95)} (p95), so this hour is ${((r.bytes ?? 0) / p95).toFixed(0)}x that` : '; it moved no data during its baseline';
      return `${mb(r.bytes ?? 0)} moved (${mb(r.bytes_read ?? 0)} read, ${mb(r.bytes_written ?? 0)} written: a copy counts once) in ${r.event_count} calls within one hour (threshold ${mb(t.absolute_bytes!)}); its usual active hour in this case moves ${mb(Number(r.facts.hour_median ?? 0))}${against}.`;
    },
  },
  {
    id: 'dormant-key-used',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    title: 'Long-term key used after a long silence',
    severity: 'high',
    description: 'A long-term access key (never rotated, e.g. AKIA…) is used again after not being used for many days.',
    thresholds: { silent_days: 21 },
    sql: (t) =>
      grouped(
        `WITH uses AS (
           SELECT e.*, lag(e.time) OVER (PARTITION BY e.credential_uid ORDER BY e.time) AS previous
           FROM events e JOIN credentials c ON c.credential_uid = e.credential_uid WHERE c.kind = 'long_term'),
         returns AS (SELECT credential_uid, time AS returned, previous FROM uses WHERE time - previous >= INTERVAL ${t.silent_days} DAY)
         SELECT coalesce(c.owner_uid, u.actor_uid) AS identity_uid, u.credential_uid || '|' || strftime(r.returned, '%Y-%m-%d %H:%M:%S') AS grp,
           u.event_uid, u.source, u.time, coalesce(u.bytes_in, 0) AS bytes_in, coalesce(u.bytes_out, 0) AS bytes_out, u.src_ip, u.credential_uid, r.previous, r.returned
         FROM uses u JOIN returns r ON r.credential_uid = u.credential_uid AND u.time >= r.returned AND u.time < r.returned + INTERVAL 1 DAY
         JOIN credentials c ON c.credential_uid = u.credential_uid`,
        'true',
        [
          'any_value(credential_uid) AS credential',
          "strftime(any_value(previous), '%Y-%m-%dT%H:%M:%SZ') AS silent_since",
          "date_diff('day', any_value(previous), any_value(returned)) AS silent_days",
          'list(DISTINCT src_ip) AS addresses',
        ],
      ),
    magnitude: (r) => Number(r.facts.silent_days ?? 0),
    explain: (r) =>
      `Long-term key ${String(r.facts.credential)} was silent from ${String(r.facts.silent_since)} for ${String(r.facts.silent_days)} days, then made ${r.event_count} calls from ${list(r.facts.addresses)}.`,
    // A case shorter than the silence can show no return from it: say so.
    coverage: (t) => `
      WITH span AS (SELECT date_diff('day', min(time), max(time)) AS days FROM events WHERE time_flag IS NULL),
      keys AS (SELECT count(*) AS n FROM credentials WHERE kind = 'long_term')
      SELECT CASE WHEN span.days >= ${t.silent_days} THEN keys.n ELSE 0 END::BIGINT AS judged, keys.n::BIGINT AS total, 0::BIGINT AS by_peers,
        CASE WHEN span.days < ${t.silent_days} THEN 'the case spans ' || span.days || ' day(s): a key silent ${t.silent_days} days cannot be seen returning (new-network still sees a key used from a new place)' END AS note
      FROM span, keys`,
  },
  {
    id: 'off-hours',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    title: "Activity outside the identity's usual hours",
    severity: 'medium',
    description:
      'After the baseline window, an identity is active in an hour of day it (almost) never was during its baseline, or, when its own baseline is too short, that its peers (same type, same boundary) never are.',
    thresholds: { min_events: 5, usual_share: 0.05, min_active_days: 7 },
    sql: (t) =>
      grouped(
        `WITH ${baselineBasis(t.min_active_days!)},
         hour_rows AS (SELECT uid, window_end, basis, peers, active_days, unnest(hours) AS d, generate_subscripts(hours, 1) AS h FROM basis_rows),
         usual AS (
           SELECT uid, window_end, basis, peers, list(h - 1 ORDER BY h) FILTER (WHERE d >= greatest(1, ceil(${t.usual_share} * active_days))) AS hours
           FROM (SELECT uid, any_value(window_end) AS window_end, any_value(basis) AS basis, any_value(peers) AS peers, h, sum(d) AS d, any_value(total_days) AS active_days
                 FROM hour_rows JOIN (SELECT uid, sum(active_days) AS total_days FROM basis_rows GROUP BY uid) USING (uid) GROUP BY uid, h)
           GROUP BY uid, window_end, basis, peers)
         SELECT e.actor_uid AS identity_uid, strftime(date_trunc('hour', e.time), '%Y-%m-%d %H') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, u.hours AS usual_hours, u.basis, u.peers
         FROM events e JOIN usual u ON u.uid = e.actor_uid
         WHERE e.time >= u.window_end AND NOT list_contains(coalesce(u.hours, []), hour(e.time)::BIGINT)`,
        `count(*) >= ${t.min_events}`,
        ['any_value(usual_hours) AS usual_hours', 'hour(min(time)) AS hour', 'any_value(basis) AS basis', 'any_value(peers) AS peers'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) =>
      `${r.event_count} events at ${String(r.facts.hour).padStart(2, '0')}:00 UTC; during the baseline ${whose(r)} active only at ${list((r.facts.usual_hours as number[] | null)?.map((h) => String(h).padStart(2, '0')))} UTC.`,
    coverage: (t) => baselineCoverage(t.min_active_days!),
  },
  {
    id: 'first-seen-operation',
    attack: [{ tactic: 'Discovery', technique: 'T1526', name: 'Cloud Service Discovery' }],
    title: 'Operation never seen in the baseline',
    severity: 'low',
    description: 'After the baseline window, an identity calls operations it never called during its baseline (or, when its own baseline is too short, that none of its peers called).',
    thresholds: { min_active_days: 7 },
    sql: (t) =>
      grouped(
        `WITH ${baselineBasis(t.min_active_days!)},
         known AS (SELECT uid, any_value(window_end) AS window_end, any_value(basis) AS basis, any_value(peers) AS peers, list_distinct(flatten(list(operations))) AS operations
                   FROM basis_rows GROUP BY uid)
         SELECT e.actor_uid AS identity_uid, strftime(date_trunc('day', e.time), '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time,
           coalesce(e.bytes_in, 0) AS bytes_in, coalesce(e.bytes_out, 0) AS bytes_out, e.operation, k.basis, k.peers
         FROM events e JOIN known k ON k.uid = e.actor_uid
         WHERE e.time >= k.window_end AND NOT list_contains(k.operations, e.operation)`,
        'true',
        ['list(DISTINCT operation ORDER BY operation) AS operations', 'any_value(basis) AS basis', 'any_value(peers) AS peers'],
      ),
    magnitude: (r) => (r.facts.operations as unknown[]).length,
    explain: (r) => `First calls of ${list(r.facts.operations)} by this identity; during the baseline ${whose(r)} never called them.`,
    coverage: (t) => baselineCoverage(t.min_active_days!),
  },
  {
    id: 'secret-read',
    attack: [{ tactic: 'Credential Access', technique: 'T1555.006', name: 'Credentials from Password Stores: Cloud Secrets Management Stores' }],
    title: 'Secret or key material read',
    severity: 'medium',
    description:
      'Secrets Manager / SSM / KMS Decrypt, GCP Secret Manager, Azure Key Vault secrets, or Kubernetes secrets read by a service account: the first day an identity reads a secret it had not read before, after the case\'s warm-up (its first tenth, when every identity reads its secrets for the first time).',
    thresholds: { min_events: 1, warm_up_share: 0.1 },
    // History before each first read, not a baseline window, so it works on short cases and on
    // the day before a case ends.
    sql: (t) =>
      grouped(
        `WITH span AS (SELECT min(time) AS lo, max(time) AS hi FROM events WHERE time_flag IS NULL),
         warm AS (SELECT lo + to_microseconds(CAST((epoch_us(hi) - epoch_us(lo)) * ${t.warm_up_share} AS BIGINT)) AS until FROM span),
         reads AS (SELECT e.*, coalesce(e.resource_uid, e.operation) AS secret FROM events e WHERE ${SECRET_READS} AND e.actor_uid IS NOT NULL),
         first_read AS (SELECT actor_uid, secret, min(time) AS first_at FROM reads GROUP BY ALL)
         SELECT r.actor_uid AS identity_uid, strftime(date_trunc('day', r.time), '%Y-%m-%d') AS grp, r.event_uid, r.source, r.time, 0 AS bytes_in, 0 AS bytes_out,
           r.operation, r.resource_uid, r.status
         FROM reads r JOIN first_read f USING (actor_uid, secret), warm
         WHERE f.first_at >= warm.until AND r.time < f.first_at + INTERVAL 1 DAY`,
        `count(*) >= ${t.min_events}`,
        ['list(DISTINCT operation) AS operations', 'list(DISTINCT resource_uid)[1:5] AS resources', "count(*) FILTER (WHERE status = 'failure') AS failures"],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) =>
      `${r.event_count} secret reads (${list(r.facts.operations)}) of ${list(r.facts.resources) || 'secrets'} this identity had not read before in the case; ${String(r.facts.failures)} denied.`,
  },
  {
    id: 'privilege-change',
    attack: [{ tactic: 'Privilege Escalation', technique: 'T1098.003', name: 'Account Manipulation: Additional Cloud Roles' }],
    title: 'Privilege or credential change',
    severity: 'high',
    description: 'Policy attachments, role and role-binding changes, IAM policy changes, new users and members (new credentials and trust changes have rules of their own).',
    thresholds: { min_events: 1 },
    sql: (t) =>
      grouped(
        `SELECT e.actor_uid AS identity_uid, strftime(date_trunc('day', e.time), '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out,
           e.operation, e.status, e.resource_uid
         FROM events e WHERE ${PRIVILEGE_CHANGES}`,
        `count(*) >= ${t.min_events}`,
        ['list(DISTINCT operation) AS operations', "count(*) FILTER (WHERE status = 'success') AS succeeded", 'list(DISTINCT resource_uid)[1:5] AS resources'],
      ),
    magnitude: (r) => Number(r.facts.succeeded ?? 0) * 10 + r.event_count,
    severityOf: (r) => (Number(r.facts.succeeded ?? 0) > 0 ? 'high' : 'low'),
    explain: (r) =>
      `${r.event_count} privilege change(s): ${list(r.facts.operations)}${list(r.facts.resources) ? ` on ${list(r.facts.resources)}` : ''}; ${String(r.facts.succeeded)} succeeded.`,
  },
  {
    id: 'denied-burst',
    attack: [{ tactic: 'Discovery', technique: 'T1580', name: 'Cloud Infrastructure Discovery' }],
    title: 'Burst of denied calls',
    severity: 'medium',
    description: 'Many denied or failed calls by one identity within a few minutes: probing, or a broken credential.',
    thresholds: { min_failures: 10, minutes: 10 },
    sql: (t) =>
      grouped(
        `SELECT e.actor_uid AS identity_uid, strftime(time_bucket(INTERVAL ${t.minutes} MINUTE, e.time), '%Y-%m-%d %H:%M') AS grp, e.event_uid, e.source, e.time,
           0 AS bytes_in, 0 AS bytes_out, e.error_code, e.operation
         FROM events e WHERE e.status = 'failure' AND e.actor_uid IS NOT NULL`,
        `count(*) >= ${t.min_failures}`,
        ['list(DISTINCT error_code)[1:5] AS errors', 'list(DISTINCT operation)[1:8] AS operations'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r, t) => `${r.event_count} failed calls within ${t.minutes} minutes (${list(r.facts.errors)}) on ${list(r.facts.operations)}.`,
  },
  {
    id: 'shared-credential',
    attack: [{ tactic: 'Defense Evasion', technique: 'T1550.001', name: 'Use Alternate Authentication Material: Application Access Token' }],
    title: 'Credential shared across hosts or boundaries',
    severity: 'medium',
    description: "One credential used from several networks (/24, /64), in several boundaries (e.g. prod and staging), or — a machine's — by several kinds of client.",
    thresholds: { max_evidence_days: 3 },
    sql: () =>
      grouped(
        `SELECT coalesce(c.owner_uid, e.actor_uid) AS identity_uid, c.credential_uid AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out,
           c.credential_uid, ${networkSql('e.src_ip')} AS network, ${clientFamilySql('e.user_agent')} AS client, e.actor_boundary,
           coalesce(o.is_nhi, false) AS machine
         FROM credentials c JOIN events e ON e.credential_uid = c.credential_uid LEFT JOIN identities o ON o.uid = coalesce(c.owner_uid, e.actor_uid)
         WHERE c.shared AND c.credential_uid NOT IN (SELECT credential_uid FROM ${REPLAYED_KEYS})`,
        // A person's key in Terraform and the CLI on one laptop is one person at work; a machine's
        // key in a second kind of client, or anyone's from a second network, is not.
        `count(DISTINCT network) > 1 OR count(DISTINCT actor_boundary) > 1 OR (count(DISTINCT client) > 1 AND bool_or(machine))`,
        [
          'any_value(credential_uid) AS credential',
          'list(DISTINCT network ORDER BY network) FILTER (network IS NOT NULL) AS networks',
          'list(DISTINCT client ORDER BY client) FILTER (client IS NOT NULL) AS clients',
          'list(DISTINCT actor_boundary ORDER BY actor_boundary) FILTER (actor_boundary IS NOT NULL) AS boundaries',
        ],
      ),
    magnitude: (r) => (r.facts.networks as unknown[] | null)?.length ?? 0,
    explain: (r) => {
      const count = (k: string) => (r.facts[k] as unknown[] | null)?.length ?? 0;
      // Say exactly what made it shared.
      const why = [
        count('networks') > 1 ? `from ${count('networks')} networks (${list(r.facts.networks)})` : null,
        count('clients') > 1 ? `by ${count('clients')} kinds of client (${list(r.facts.clients)})` : null,
        count('boundaries') > 1 ? `in ${count('boundaries')} boundaries (${list(r.facts.boundaries)})` : null,
      ].filter(Boolean);
      return `Credential ${String(r.facts.credential)} was used ${why.join(', ') || 'in one place only'}.`;
    },
  },
  {
    id: 'stale-or-orphaned',
    attack: [{ tactic: 'Persistence', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    title: 'Stale identity or orphaned credential',
    severity: 'low',
    description: 'An identity with no recent success, or a credential whose owner is unknown to the case.',
    thresholds: {},
    sql: () =>
      grouped(
        `SELECT i.uid AS identity_uid, 'stale' AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out, 'stale identity' AS what
         FROM identities i JOIN events e ON e.actor_uid = i.uid WHERE i.stale
         UNION ALL
         SELECT coalesce(c.owner_uid, e.actor_uid), 'orphaned ' || c.credential_uid, e.event_uid, e.source, e.time, 0, 0, 'orphaned credential ' || c.credential_uid
         FROM credentials c JOIN events e ON e.credential_uid = c.credential_uid WHERE c.orphaned`,
        'true',
        ['any_value(what) AS what'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) => `${String(r.facts.what)}: ${r.event_count} events, last at ${r.window_end}.`,
  },
  {
    id: 'machine-acting-human',
    attack: [{ tactic: 'Initial Access', technique: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    title: 'Machine identity doing what only people did',
    severity: 'high',
    description: 'A machine identity signs in to a console or uses a browser, which only people did before.',
    thresholds: {},
    sql: () =>
      grouped(
        `SELECT e.actor_uid AS identity_uid, strftime(date_trunc('day', e.time), '%Y-%m-%d') AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out,
           e.operation, e.user_agent
         FROM events e JOIN identities i ON i.uid = e.actor_uid
         WHERE i.is_nhi AND (e.operation IN ('ConsoleLogin', 'GetSigninToken', 'user.session.start') OR regexp_matches(coalesce(e.user_agent, ''), ${BROWSER_USER_AGENT_PATTERN}))`,
        'true',
        ['list(DISTINCT operation)[1:5] AS operations', 'list(DISTINCT user_agent)[1:3] AS agents'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) => `Machine identity made ${r.event_count} interactive call(s): ${list(r.facts.operations)} with ${list(r.facts.agents)}.`,
  },
  {
    id: 'event-id-collision',
    title: 'Two records claim one event id',
    severity: 'high',
    description:
      'Two records with different content carry the same source event id: one of them was forged or altered (a planted record hiding a real one), or the exporter rewrote it. Both are kept.',
    thresholds: {},
    sql: () =>
      grouped(
        `SELECT a.actor_uid AS identity_uid, c.source || '|' || c.claimed_uid AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out, c.claimed_uid, e.operation
         FROM id_collisions c
         JOIN events a ON a.source = c.source AND a.event_uid = c.event_uid
         JOIN events e ON e.source = c.source AND e.event_uid IN (c.event_uid, c.first_event_uid)`,
        'true',
        ['any_value(claimed_uid) AS claimed', 'list(DISTINCT operation ORDER BY operation) AS operations'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) =>
      `${r.event_count} records claim the event id ${String(r.facts.claimed)} with different content (${list(r.facts.operations)}); both are kept, the later one as ${String(r.facts.claimed)}~<hash>. Compare their raw records and their evidence files.`,
  },
  {
    id: 'implausible-time',
    title: 'Event time outside the plausible range',
    severity: 'medium',
    description:
      'Events dated before the plausible floor (2000 by default) or after the import: a broken clock, a forged record or a parsing problem. They are kept and shown, and left out of baselines.',
    thresholds: {},
    sql: () =>
      grouped(
        `SELECT e.actor_uid AS identity_uid, e.time_flag AS grp, e.event_uid, e.source, e.time, 0 AS bytes_in, 0 AS bytes_out, e.time_flag
         FROM events e WHERE e.time_flag IS NOT NULL`,
        'true',
        ['any_value(time_flag) AS flag'],
      ),
    magnitude: (r) => r.event_count,
    explain: (r) =>
      `${r.event_count} event(s) dated ${r.facts.flag === 'after_import' ? 'after the import that read them' : 'before the plausible floor'} (${r.window_start} to ${r.window_end}); kept, flagged, and left out of baselines.`,
  },
  {
    id: 'cloudtrail-log-integrity',
    sources: ['aws.cloudtrail'],
    attack: [{ tactic: 'Defense Evasion', technique: 'T1070', name: 'Indicator Removal' }],
    title: 'CloudTrail logs altered after delivery',
    severity: 'critical',
    description:
      "CloudTrail's own digest files disagree with the log files in the bundle: a log file modified, deleted or added after delivery, a digest deleted or modified, or a digest signature that does not verify.",
    thresholds: {},
    sql: () => `
      WITH p AS (
        SELECT account, region, kind, count(*) AS n, min(window_start) AS lo, max(window_end) AS hi,
          list(DISTINCT evidence_id) FILTER (evidence_id IS NOT NULL) AS files, list(detail ORDER BY window_start)[1:5] AS details,
          list(DISTINCT regexp_extract(s3_object, '[^/]+$')) AS names
        FROM digest_validation
        WHERE kind IN ('log_modified', 'log_missing', 'log_added', 'digest_missing', 'digest_modified', 'digest_moved', 'signature_invalid')
        GROUP BY ALL)
      SELECT NULL AS identity_uid,
        strftime(coalesce(p.lo, TIMESTAMP '1970-01-01'), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_start,
        strftime(coalesce(p.hi, p.lo, TIMESTAMP '1970-01-01'), '%Y-%m-%dT%H:%M:%S.%fZ') AS window_end,
        p.n::BIGINT AS event_count, NULL::BIGINT AS bytes, NULL::BIGINT AS bytes_read, NULL::BIGINT AS bytes_written,
        coalesce((SELECT list({'event_uid': e.event_uid, 'source': e.source} ORDER BY e.time, e.event_uid)[1:${EVIDENCE_CAP}]
                  FROM events e WHERE e.evidence_id IN (SELECT unnest(p.files))), []) AS evidence,
        p.account || '/' || p.region || '/' || p.kind AS subject, p.kind, p.account, p.region, p.details, p.names
      FROM p ORDER BY p.account, p.region, p.kind`,
    magnitude: (r) => r.event_count,
    explain: (r) => {
      const what: Record<string, string> = {
        log_modified: 'log file(s) modified after delivery',
        log_missing: 'log file(s) listed by a digest are missing (deleted after delivery)',
        log_added: 'log file(s) in the bundle that no digest lists (not delivered by CloudTrail)',
        digest_missing: 'digest file(s) of the chain are missing',
        digest_modified: 'digest file(s) modified',
        digest_moved: 'digest file(s) found elsewhere than where CloudTrail delivered them',
        signature_invalid: 'digest signature(s) that do not verify',
      };
      return `${r.event_count} ${what[String(r.facts.kind)] ?? String(r.facts.kind)} in account ${String(r.facts.account)}, ${String(r.facts.region)}: ${list(r.facts.names)}. ${list(r.facts.details).split(', ')[0] ?? ''}`;
    },
  },
];
