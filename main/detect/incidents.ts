import { createHash } from 'node:crypto';
import { listValue } from '@duckdb/node-api';
import type { Incident } from '../../shared/findings';
import { chainForEvent } from '../analytics/chain';
import { networkSql } from '../analytics/networks';
import { isOutside } from '../analytics/boundaries';
import type { CaseStore } from '../case-store/case-store';
import { BUILTIN_RULES } from './all-rules';
import type { Severity } from './rule';

/**
 * One attack, one incident. Findings at medium or above are linked when they are about the same
 * identity, two names of one principal, or an identity and the one that opened its session — and
 * happened within a day of each other; findings at low join an incident they link to but never
 * start one. Each incident tells its story in the order of an intrusion (entry → execution →
 * escalation → evasion → credential access → discovery → collection → exfiltration/impact), names
 * its origin (the chain behind its first event), credentials, networks, resources and data moved,
 * and gets a score on the findings' scale.
 */

const LINK_WINDOW_MS = 24 * 3_600_000;
const SERIOUS: readonly Severity[] = ['critical', 'high', 'medium'];

/** Where a tactic sits in the story of an intrusion. */
const STAGES: Record<string, { order: number; stage: string }> = {
  'initial access': { order: 1, stage: 'entry' },
  execution: { order: 2, stage: 'execution' },
  persistence: { order: 3, stage: 'escalation' },
  'privilege escalation': { order: 3, stage: 'escalation' },
  'defense evasion': { order: 4, stage: 'evasion' },
  'credential access': { order: 5, stage: 'credential access' },
  discovery: { order: 6, stage: 'discovery' },
  'lateral movement': { order: 6, stage: 'discovery' },
  collection: { order: 7, stage: 'collection' },
  exfiltration: { order: 8, stage: 'exfiltration' },
  impact: { order: 8, stage: 'impact' },
};

const stageOfRule = new Map(BUILTIN_RULES.map((r) => [r.id, r.attack?.[0]?.tactic.toLowerCase() ?? null]));

interface Row {
  finding_id: string;
  rule_id: string;
  title: string;
  severity: Severity;
  score: number;
  identity_uid: string | null;
  window_start: string;
  window_end: string;
  bytes: number | null;
  explanation: string;
  tactics: string[] | null;
}

function stageOf(f: Row): { order: number; stage: string } {
  const tactic = stageOfRule.get(f.rule_id) ?? f.tactics?.[0]?.replaceAll(/[-_]/g, ' ') ?? null;
  return (tactic && STAGES[tactic]) || { order: 9, stage: 'other' };
}

/** Rebuilds `incidents` and `incident_findings` from the findings, and gives linked findings their bonus. */
export async function buildIncidents(store: CaseStore): Promise<number> {
  const findings = await store.read<Row>(
    `SELECT finding_id, rule_id, title, severity, score, identity_uid, strftime(window_start, '%Y-%m-%dT%H:%M:%SZ') AS window_start,
       strftime(window_end, '%Y-%m-%dT%H:%M:%SZ') AS window_end, bytes, explanation,
       CASE WHEN json_type(details, '$.tactics') = 'ARRAY' THEN CAST(details->'$.tactics' AS VARCHAR[]) END AS tactics
     FROM findings WHERE identity_uid IS NOT NULL ORDER BY window_start, finding_id`,
  );
  // The ties that make two identities one actor: one principal, or one opened the other's session.
  const identities = [...new Set(findings.map((f) => f.identity_uid!))];
  const ties = identities.length === 0 ? [] : await store.read<{ a: string; b: string; at: string | null }>(
    `SELECT assumed_by AS a, role_uid AS b, strftime(assumed_at, '%Y-%m-%dT%H:%M:%SZ') AS at FROM sessions
       WHERE assumed_by IN (SELECT unnest($ids)) AND role_uid IN (SELECT unnest($ids))
     UNION ALL
     SELECT x.uid, y.uid, NULL FROM identity_links x JOIN identity_links y ON y.principal_uid = x.principal_uid AND y.uid <> x.uid
       WHERE x.uid IN (SELECT unnest($ids)) AND y.uid IN (SELECT unnest($ids))`,
    { ids: listValue(identities) },
  );
  const parent = findings.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const join = (i: number, j: number) => { parent[find(i)] = find(j); };
  const ms = (iso: string) => Date.parse(iso);
  const near = (x: Row, y: Row) => ms(x.window_start) - ms(y.window_end) <= LINK_WINDOW_MS && ms(y.window_start) - ms(x.window_end) <= LINK_WINDOW_MS;
  const tied = new Map<string, { other: string; at: string | null }[]>();
  for (const t of ties) {
    tied.set(t.a, [...(tied.get(t.a) ?? []), { other: t.b, at: t.at }]);
    tied.set(t.b, [...(tied.get(t.b) ?? []), { other: t.a, at: t.at }]);
  }
  for (let i = 0; i < findings.length; i++) {
    for (let j = i + 1; j < findings.length; j++) {
      const x = findings[i]!;
      const y = findings[j]!;
      if (!near(x, y)) continue;
      const same = x.identity_uid === y.identity_uid;
      // A session opened near both findings, not any session of another day.
      const linked = tied.get(x.identity_uid!)?.some((t) => t.other === y.identity_uid && (t.at === null || (Math.abs(ms(t.at) - ms(x.window_start)) <= LINK_WINDOW_MS && Math.abs(ms(t.at) - ms(y.window_start)) <= LINK_WINDOW_MS)));
      if (same || linked) join(i, j);
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < findings.length; i++) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
  const incidents: (Incident & { findingIds: string[] })[] = [];
  for (const members of groups.values()) {
    const rows = members.map((i) => findings[i]!);
    const serious = rows.filter((r) => SERIOUS.includes(r.severity));
    if (serious.length === 0) continue;
    const ordered = [...rows].sort((a, b) => stageOf(a).order - stageOf(b).order || a.window_start.localeCompare(b.window_start));
    const stages = [...new Set([...serious].sort((a, b) => stageOf(a).order - stageOf(b).order).map((r) => stageOf(r).stage))];
    // The incident's window: its findings that are events of the attack, not a credential's whole history.
    const brief = rows.filter((r) => ms(r.window_end) - ms(r.window_start) <= LINK_WINDOW_MS);
    const span = brief.length > 0 ? brief : rows;
    const top = [...rows].sort((a, b) => b.score - a.score)[0]!;
    const first = [...serious].sort((a, b) => a.window_start.localeCompare(b.window_start))[0]!;
    const [firstEvent] = await store.read<{ event_uid: string }>(
      `SELECT fe.event_uid FROM finding_events fe JOIN events e ON e.event_uid = fe.event_uid AND e.source = fe.source WHERE fe.finding_id = $f ORDER BY e.time LIMIT 1`,
      { f: first.finding_id },
    );
    const chain = firstEvent ? await chainForEvent(store, firstEvent.event_uid) : null;
    const origin = chain?.links.at(-1)?.assumed?.by ?? chain?.links.at(-1)?.identity ?? first.identity_uid;
    const ids = rows.map((r) => r.finding_id);
    const [facts] = await store.read<{ credentials: string[] | null; networks: string[] | null; resources: string[] | null; outside: string[] | null }>(
      `WITH ev AS (SELECT DISTINCT e.* FROM finding_events fe JOIN events e ON e.event_uid = fe.event_uid AND e.source = fe.source WHERE fe.finding_id IN (SELECT unnest($ids)))
       SELECT list(DISTINCT credential_uid ORDER BY credential_uid) FILTER (WHERE credential_uid IS NOT NULL)[1:5] AS credentials,
         list(DISTINCT ${networkSql('src_ip')} ORDER BY ${networkSql('src_ip')}) FILTER (WHERE src_ip IS NOT NULL)[1:5] AS networks,
         (SELECT list(r ORDER BY n DESC)[1:5] FROM (SELECT coalesce(c.resource_uid, ev.resource_uid) AS r, count(*) AS n FROM ev
            LEFT JOIN event_resources c ON c.event_uid = ev.event_uid AND c.source = ev.source AND c.role = 'container'
            WHERE coalesce(c.resource_uid, ev.resource_uid) IS NOT NULL GROUP BY 1)) AS resources,
         (SELECT list(DISTINCT r.boundary ORDER BY r.boundary) FROM event_resources r JOIN ev ON ev.event_uid = r.event_uid AND ev.source = r.source
            WHERE ${isOutside('r.boundary')}) AS outside
       FROM ev`,
      { ids: listValue(ids) },
    );
    // Corroboration: every serious finding past the first and every stage past the first add to the top score.
    const score = Math.min(100, top.score + Math.min(10, 2 * (serious.length - 1) + 3 * (stages.length - 1)));
    const severity = SERIOUS.find((s) => serious.some((r) => r.severity === s))!;
    incidents.push({
      incidentId: `inc-${createHash('sha256').update(first.finding_id).digest('hex').slice(0, 12)}`,
      title: `${stages.join(' → ')}: ${top.title}`,
      severity,
      score,
      windowStart: span.reduce((m, r) => (r.window_start < m ? r.window_start : m), span[0]!.window_start),
      windowEnd: span.reduce((m, r) => (r.window_end > m ? r.window_end : m), span[0]!.window_end),
      origin: origin ?? null,
      identities: [...new Set(rows.map((r) => r.identity_uid!))],
      stages,
      credentials: facts?.credentials ?? [],
      networks: facts?.networks ?? [],
      resources: facts?.resources ?? [],
      outside: facts?.outside ?? [],
      bytes: Math.max(0, ...rows.map((r) => r.bytes ?? 0)),
      story: ordered.map((r) => ({ findingId: r.finding_id, stage: stageOf(r).stage, at: r.window_start, severity: r.severity, title: r.title, identity: r.identity_uid!, text: r.explanation })),
      findingIds: ids,
    });
  }
  await store.transaction(async () => {
    await store.run(`DELETE FROM incident_findings`);
    await store.run(`DELETE FROM incidents`);
    for (const inc of incidents) {
      const { findingIds, ...body } = inc;
      await store.run(`INSERT INTO incidents VALUES ($id, $score, $severity, $start::TIMESTAMP, $end::TIMESTAMP, $body)`, {
        id: inc.incidentId, score: inc.score, severity: inc.severity, start: inc.windowStart.replace('Z', ''), end: inc.windowEnd.replace('Z', ''), body: JSON.stringify(body),
      });
      for (const f of findingIds) await store.run(`INSERT INTO incident_findings VALUES ($i, $f)`, { i: inc.incidentId, f });
      // A finding that is part of a larger story ranks above a lone one of its severity.
      if (findingIds.length > 1) {
        await store.run(`UPDATE findings SET score = least(score + 10, score - (score % 20) + 19.9) WHERE finding_id IN (SELECT unnest($ids))`, { ids: listValue(findingIds) });
      }
    }
  });
  return incidents.length;
}

/** The incidents, highest score first. */
export async function listIncidents(store: CaseStore): Promise<Incident[]> {
  const rows = await store.read<{ body: string }>(`SELECT body::VARCHAR AS body FROM incidents ORDER BY score DESC, window_start`);
  return rows.map((r) => JSON.parse(r.body) as Incident);
}
