import { listValue } from '@duckdb/node-api';
import type { IdentityProfile } from '../../shared/identity-profile';
import { rollupReady } from './event-rollup';
import type { CaseStore } from '../case-store/case-store';
import { appendJournal } from '../journal/journal';
import { isOutside } from './boundaries';

export type { IdentityProfile };

/** An hour is usual when the identity was active in it on at least this share of its active days. */
const USUAL_SHARE = 0.05;

export async function identityProfile(store: CaseStore, uid: string, limits: { sessions?: number; credentials?: number } = {}): Promise<IdentityProfile | null> {
  const [row] = await store.read<{
    uid: string; display: string | null; label: string | null; type: string; is_nhi: boolean | null; confidence: number; overridden: boolean;
    reasons: IdentityProfile['reasons']; sources: string[]; boundaries: string[]; first_seen: string; last_seen: string;
    last_success: string | null; events: number; failures: number; bytes_out: number; bytes_in: number; observed: boolean | null; principal_uid: string | null;
  }>(`SELECT * FROM identities WHERE uid = $uid`, { uid });
  if (!row) return null;
  const [principal] = await store.read<{ uid: string; kind: string; reason: string; origin: string }>(
    `SELECT principal_uid AS uid, kind, reason, origin FROM identity_links WHERE uid = $uid ORDER BY origin = 'analyst' DESC LIMIT 1`,
    { uid },
  );
  const family = principal?.uid ?? uid;
  const linkedAccounts = await store.read<IdentityProfile['linkedAccounts'][number]>(
    `SELECT l.uid, l.kind, l.reason, l.origin, coalesce(i.events, 0)::BIGINT AS events, i.is_nhi AS "isNhi", i.type
     FROM identity_links l LEFT JOIN identities i ON i.uid = l.uid WHERE l.principal_uid = $p AND l.uid <> $uid ORDER BY l.uid`,
    { p: family, uid },
  );
  // A principal known only through its accounts shows what those accounts did.
  const actors = row.observed === false ? linkedAccounts.map((a) => a.uid) : [uid];
  const ACTORS = `actor_uid IN (SELECT unnest($actors))`;
  const actorsParam = listValue(actors);
  const [b] = await store.read<{
    window_start: string; window_end: string; active_days: number; hours: number[]; operations: string[]; resources: string[];
    src_ips: string[]; user_agents: string[]; daily_events_median: number | null; daily_events_p95: number | null;
    daily_bytes_median: number | null; daily_bytes_p95: number | null;
  }>(`SELECT * FROM identity_baselines WHERE uid = $uid`, { uid });
  const usualHours = b ? b.hours.flatMap((days, hour) => (days >= Math.max(1, Math.ceil(USUAL_SHARE * b.active_days)) ? [hour] : [])) : [];
  const unusualHours = b
    ? await store.read<IdentityProfile['unusualHours'][number]>(
        `SELECT strftime(time, '%Y-%m-%d') AS day, hour(time)::INTEGER AS hour, count(*)::BIGINT AS events, coalesce(sum(bytes_out), 0)::BIGINT AS bytes_out
         FROM events WHERE actor_uid = $uid AND time >= $end::TIMESTAMP AND NOT list_contains($usual::INTEGER[], hour(time)::INTEGER)
         GROUP BY ALL ORDER BY day, hour`,
        { uid, end: b.window_end.replace('Z', ''), usual: `[${usualHours.join(',')}]` },
      )
    : [];
  const sessions = await store.read<IdentityProfile['sessions'][number]>(
    `SELECT session_uid, credential_uid, role_uid, assumed_by, via, assumed_at, src_ip, events FROM sessions
     WHERE role_uid = $uid OR assumed_by = $uid ORDER BY assumed_at DESC LIMIT $n`,
    { uid, n: Math.max(1, limits.sessions ?? 20) },
  );
  const [{ n: sessionCount } = { n: 0 }] = await store.read<{ n: number }>(
    `SELECT count(*)::BIGINT AS n FROM sessions WHERE role_uid = $uid OR assumed_by = $uid`,
    { uid },
  );
  const windowEnd = b ? b.window_end.replace('Z', '') : null;
  // DuckDB refuses a named parameter the statement does not use, so $we goes only where it is read.
  const top = <T extends object>(sql: string) => store.read<T>(sql, sql.includes('$we') ? { actors: actorsParam, we: windowEnd } : { actors: actorsParam });
  // First seen after the baseline window: what is new for this identity (none without a baseline).
  const NEW = `coalesce(min(time) >= CAST($we AS TIMESTAMP), false) AS "newSinceBaseline"`;
  return {
    uid: row.uid,
    display: row.label ?? row.display,
    type: row.type,
    isNhi: row.is_nhi,
    confidence: row.confidence,
    overridden: row.overridden,
    reasons: row.reasons,
    sources: row.sources,
    boundaries: row.boundaries,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    lastSuccess: row.last_success,
    events: row.events,
    failures: row.failures,
    bytesOut: row.bytes_out,
    bytesIn: row.bytes_in,
    observed: row.observed !== false,
    principal: principal ?? null,
    linkedAccounts,
    credentials: await store.read(
      `SELECT credential_uid, kind, first_seen, last_seen, events, src_ips, boundaries, created_by, created_at FROM credentials WHERE owner_uid = $uid ORDER BY last_seen DESC LIMIT $n`,
      { uid, n: Math.max(1, limits.credentials ?? 100) },
    ),
    credentialCount: ((await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM credentials WHERE owner_uid = $uid`, { uid }))[0]?.n ?? 0) as number,
    sessions,
    sessionCount,
    baseline: b
      ? {
          windowStart: b.window_start,
          windowEnd: b.window_end,
          activeDays: b.active_days,
          hours: b.hours,
          usualHours,
          operations: b.operations,
          resources: b.resources,
          srcIps: b.src_ips,
          userAgents: b.user_agents,
          dailyEventsMedian: b.daily_events_median,
          dailyEventsP95: b.daily_events_p95,
          dailyBytesMedian: b.daily_bytes_median,
          dailyBytesP95: b.daily_bytes_p95,
        }
      : null,
    unusualHours,
    topOperations: await top(`SELECT operation, count(*)::BIGINT AS events, ${NEW} FROM events WHERE ${ACTORS} GROUP BY ALL ORDER BY events DESC, operation LIMIT 10`),
    // Objects roll up to their bucket (the container the event names); outside boundaries first.
    // The rollup has them per minute already: the events' way joins every resource row of the
    // case (10 M events: 1.2 s for the busiest identity).
    topResources: await top(
      (await rollupReady(store))
        ? `
      SELECT resource AS resource_uid, any_value(boundary) AS boundary, bool_or(${isOutside('boundary')}) AS outside,
        sum(n)::BIGINT AS events, sum(bytes_read)::BIGINT AS bytes_out, sum(bytes_written)::BIGINT AS bytes_in,
        coalesce(min(lo) >= CAST($we AS TIMESTAMP), false) AS "newSinceBaseline"
      FROM event_rollup WHERE ${ACTORS} AND resource IS NOT NULL
      GROUP BY resource ORDER BY outside DESC, events DESC, resource_uid LIMIT 10`
        : `
      WITH r AS (
        SELECT coalesce(c.resource_uid, e.resource_uid) AS resource_uid, coalesce(c.boundary, e.boundary) AS boundary, e.bytes_out, e.bytes_in, e.time
        FROM events e LEFT JOIN event_resources c ON c.event_uid = e.event_uid AND c.source = e.source AND c.role = 'container'
        WHERE e.${ACTORS} AND coalesce(c.resource_uid, e.resource_uid) IS NOT NULL)
      SELECT resource_uid, any_value(boundary) AS boundary, bool_or(${isOutside('boundary')}) AS outside,
        count(*)::BIGINT AS events, coalesce(sum(bytes_out), 0)::BIGINT AS bytes_out, coalesce(sum(bytes_in), 0)::BIGINT AS bytes_in, ${NEW}
      FROM r GROUP BY resource_uid ORDER BY outside DESC, events DESC, resource_uid LIMIT 10`,
    ),
    srcIps: await top(`SELECT src_ip, count(*)::BIGINT AS events, ${NEW} FROM events WHERE ${ACTORS} AND src_ip IS NOT NULL GROUP BY ALL ORDER BY events DESC, src_ip LIMIT 10`),
    userAgents: await top(`SELECT user_agent, count(*)::BIGINT AS events, ${NEW} FROM events WHERE ${ACTORS} AND user_agent IS NOT NULL GROUP BY ALL ORDER BY events DESC, user_agent LIMIT 5`),
    // Calls per day over its whole life in the case: a month of silence shows as a gap.
    daily: await top(`SELECT strftime(time::DATE, '%Y-%m-%d') AS day, count(*)::BIGINT AS events, count(*) FILTER (WHERE status = 'failure')::BIGINT AS failures
      FROM events WHERE ${ACTORS} AND time_flag IS NULL GROUP BY 1 ORDER BY 1`),
    heatmap: await top(`SELECT isodow(time)::INTEGER - 1 AS weekday, hour(time)::INTEGER AS hour, count(*)::BIGINT AS events FROM events WHERE ${ACTORS} GROUP BY ALL ORDER BY ALL`),
  };
}

/** Records an analyst's classification of an identity; the next derivation applies it. */
export async function overrideIdentity(
  store: CaseStore,
  o: { uid: string; isNhi: boolean | null; type?: string; reason: string; analyst: string },
): Promise<void> {
  if (o.reason.trim() === '') throw new Error('an override needs a reason');
  // The override and its journal entry commit together.
  await store.transaction(async () => {
    await store.run(
      `INSERT INTO identity_overrides VALUES (nextval('override_id_seq'), $uid, $nhi, $type, $reason, $analyst, now()::TIMESTAMP)`,
      { uid: o.uid, nhi: o.isNhi, type: o.type ?? null, reason: o.reason, analyst: o.analyst },
    );
    await appendJournal(
      store,
      { author: o.analyst, action: 'classification_override', targetKind: 'identity', targetId: o.uid, body: { is_nhi: o.isNhi, type: o.type ?? null, reason: o.reason } },
      { inTransaction: true },
    );
  });
}
