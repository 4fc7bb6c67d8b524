import type { CaseInfo } from '../../shared/case-summary';
import type { CaseStore } from './case-store';

export type { CaseInfo };

const ISO = `'%Y-%m-%dT%H:%M:%S.%fZ'`;

/** The case at a glance: what `nhi info` prints and the app's case home shows. */
export async function caseInfo(store: CaseStore, topActors = 10): Promise<CaseInfo> {
  const meta = Object.fromEntries(
    (await store.read<{ key: string; value: string }>(`SELECT key, value FROM meta`)).map((r) => [r.key, r.value]),
  );
  const [evidence] = await store.read<CaseInfo['evidence']>(`
    SELECT count(*) FILTER (kind = 'file')::BIGINT AS files, count(*) FILTER (kind = 'archive')::BIGINT AS archives,
      coalesce(sum(size_bytes) FILTER (parent_id IS NULL), 0)::BIGINT AS bytes,
      count(*) FILTER (status NOT IN ('complete', 'not_read'))::BIGINT AS incomplete
    FROM evidence`);
  const [totals] = await store.read<{ events: number; first: string | null; last: string | null; quarantined: number; imports: number }>(`
    SELECT (SELECT count(*) FROM events)::BIGINT AS events,
      (SELECT strftime(min(time), ${ISO}) FROM events WHERE time_flag IS NULL) AS first,
      (SELECT strftime(max(time), ${ISO}) FROM events WHERE time_flag IS NULL) AS last,
      (SELECT count(*) FROM quarantine)::BIGINT AS quarantined,
      (SELECT count(*) FROM imports)::BIGINT AS imports`);
  const [integrity] = await store.read<CaseInfo['integrity']>(`
    SELECT (SELECT count(*) FROM duplicates)::BIGINT AS duplicates,
      (SELECT count(*) FROM id_collisions)::BIGINT AS "idCollisions",
      (SELECT count(*) FROM events WHERE time_flag IS NOT NULL)::BIGINT AS "implausibleTimes",
      (SELECT count(*) FROM evidence WHERE status = 'not_read')::BIGINT AS "notRead",
      (SELECT count(*) FROM imports WHERE status = 'failed')::BIGINT AS "failedImports",
      (SELECT count(*) FROM imports WHERE status = 'interrupted')::BIGINT AS "interruptedImports"`);
  const quarantineByReason = await store.read<{ reason: string; count: number }>(
    `SELECT reason, count(*)::BIGINT AS count FROM quarantine GROUP BY reason ORDER BY count DESC, reason`,
  );
  const sources = await store.read<CaseInfo['sources'][number]>(`
    SELECT source, count(*)::BIGINT AS events, strftime(min(time), ${ISO}) AS first, strftime(max(time), ${ISO}) AS last,
      count(DISTINCT evidence_id)::BIGINT AS files
    FROM events GROUP BY source ORDER BY events DESC`);
  const actors = await store.read<{ actor_uid: string; actor_type: string | null; is_nhi: boolean | null; events: number; failures: number }>(
    `SELECT uid AS actor_uid, type AS actor_type, is_nhi, events, failures FROM identities ORDER BY events DESC, uid LIMIT $n`,
    { n: topActors },
  );
  const [identities] = await store.read<CaseInfo['identities']>(`
    SELECT count(*) FILTER (observed)::BIGINT AS total, count(*) FILTER (observed AND is_nhi)::BIGINT AS machines,
      count(*) FILTER (observed AND NOT is_nhi)::BIGINT AS humans, count(*) FILTER (observed AND is_nhi IS NULL)::BIGINT AS unclassified,
      count(*) FILTER (NOT observed)::BIGINT AS principals
    FROM identities`);
  return {
    path: store.path,
    caseId: meta.case_id ?? '',
    schemaVersion: Number(meta.schema_version ?? 0),
    createdAt: meta.created_at ?? '',
    evidence: evidence ?? { files: 0, archives: 0, bytes: 0, incomplete: 0 },
    timeRange: { first: totals?.first ?? null, last: totals?.last ?? null },
    events: totals?.events ?? 0,
    quarantined: totals?.quarantined ?? 0,
    quarantineByReason,
    sources,
    identities: identities ?? { total: 0, machines: 0, humans: 0, unclassified: 0, principals: 0 },
    topActors: actors.map((a) => ({ actorUid: a.actor_uid, actorType: a.actor_type, isNhi: a.is_nhi, events: a.events, failures: a.failures })),
    imports: totals?.imports ?? 0,
    integrity: integrity ?? { duplicates: 0, idCollisions: 0, implausibleTimes: 0, notRead: 0, failedImports: 0, interruptedImports: 0 },
  };
}
