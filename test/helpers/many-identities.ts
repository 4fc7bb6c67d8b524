import type { CaseStore } from '../../main/case-store/case-store';

/** A hundred thousand identities, written straight into the derived table: the list's own query is under test. */
export async function manyIdentities(store: CaseStore, n: number): Promise<void> {
  await store.run(`INSERT INTO identities BY NAME
    SELECT 'arn:aws:iam::' || lpad((i % 50)::VARCHAR, 12, '0') || ':role/workload-' || i AS uid, 'workload-' || i AS display, 'AssumedRole' AS actor_type,
      ['aws.cloudtrail'] AS sources, [lpad((i % 50)::VARCHAR, 12, '0')] AS boundaries,
      CASE i % 4 WHEN 0 THEN 'human' WHEN 1 THEN 'workload' WHEN 2 THEN 'ci_pipeline' ELSE 'service_account' END AS type,
      i % 4 <> 0 AS is_nhi, 0.5 + (i % 50) / 100.0 AS confidence,
      [{'rule': 'r', 'verdict': 'machine', 'type': NULL, 'weight': 0.5, 'detail': 'calls from script ' || (i % 7)}] AS reasons,
      false AS overridden, TIMESTAMP '2026-01-01' + INTERVAL (i % 1000) MINUTE AS first_seen, TIMESTAMP '2026-02-01' + INTERVAL (i % 977) MINUTE AS last_seen,
      NULL AS last_success, (i * 7919) % 100003 AS events, 0 AS failures, 0 AS bytes_out, 0 AS bytes_in, false AS stale, true AS observed
    FROM range(${n}) t(i)`);
}
