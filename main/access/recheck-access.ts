import type { CaseStore } from '../case-store/case-store';
import { actionCatalog } from './aws-actions';
import { buildAccessModel } from './derive-access';
import { stageRows } from './staged-rows';

/**
 * Verify's check of the access tables: the model is derived again from the snapshot records and
 * the events, and every row must be what that derivation gives. An edited grant, edge, key or
 * finding is named; a case derived with another version of the action catalogue is reported as
 * not checked (derive again), never as tampered.
 */
export interface AccessRecheck {
  checked: number;
  problems: string[];
  skipped: string | null;
}

const canon = (v: unknown) => JSON.stringify(v);

export async function recheckAccess(store: CaseStore): Promise<AccessRecheck> {
  const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT (SELECT count(*) FROM permission_records) + (SELECT count(*) FROM access_principals) AS n`);
  if (!Number(n)) return { checked: 0, problems: [], skipped: null };
  const catalog = await actionCatalog();
  const [meta] = await store.read<{ value: string }>(`SELECT value FROM meta WHERE key = 'access_catalog'`);
  if (meta && meta.value !== catalog.source.version) {
    return { checked: 0, problems: [], skipped: `the access model was derived with IAM action data ${meta.value}; this build has ${catalog.source.version} (run nhi derive to rebuild it)` };
  }
  const model = await buildAccessModel(store);
  const problems: string[] = [];
  let checked = 0;
  const compare = async (table: string, sql: string, expected: string[]) => {
    const stored = (await store.read<{ k: string }>(sql)).map((r) => r.k).sort();
    const want = [...expected].sort();
    checked += stored.length;
    const wanted = new Set(want);
    const have = new Set(stored);
    const changed = stored.filter((k) => !wanted.has(k));
    const lost = want.filter((k) => !have.has(k));
    if (changed.length || lost.length) problems.push(`${table}: ${changed.length} row(s) not derivable from the snapshots and events, ${lost.length} derived row(s) missing${changed[0] ? ` (e.g. ${changed[0].slice(0, 160)})` : ''}`);
  };
  await compare(
    'access_principals',
    `SELECT json_array(uid, kind, is_admin, wildcard, granted::BIGINT, conditional::BIGINT, used::BIGINT, evidence_id, record_no)::VARCHAR AS k FROM access_principals`,
    model.principals.map((p) => canon([p.uid, p.kind, p.isAdmin, p.wildcard, p.granted, p.conditional, p.used, p.ref.evidenceId, p.ref.recordNo])),
  );
  await compare(
    'access_edges',
    `SELECT json_array(from_uid, to_uid, kind, method, conditional, evidence_id, record_no)::VARCHAR AS k FROM access_edges`,
    model.edges.map((e) => canon([e.from, e.to, e.kind, e.method, e.conditional, e.ref.evidenceId, e.ref.recordNo])),
  );
  await compare(
    'access_keys',
    `SELECT json_array(key_id, principal_uid, slot, active, evidence_id, record_no)::VARCHAR AS k FROM access_keys`,
    model.keys.map((k) => canon([k.keyId, k.principal, k.slot, k.active, k.ref.evidenceId, k.ref.recordNo])),
  );
  await compare(
    'access_findings',
    `SELECT json_array(rule, severity, principal_uid, title, evidence_id, record_no)::VARCHAR AS k FROM access_findings`,
    model.findings.map((f) => canon([f.rule, f.severity, f.principal, f.title, f.ref.evidenceId, f.ref.recordNo])),
  );
  // Policy documents hashed the way the table stores them (as DuckDB JSON), in one statement.
  await stageRows(store, 'recheck_policies', [['k', 'VARCHAR'], ['document', 'VARCHAR']], model.policies.map((p) => [canon([p.principal, p.policy, p.via, p.ref.evidenceId, p.ref.recordNo]), JSON.stringify(p.document ?? null)]));
  const expected = (await store.read<{ k: string }>(`SELECT k || md5(document::JSON::VARCHAR) AS k FROM recheck_policies`)).map((r) => r.k);
  await store.run(`DROP TABLE recheck_policies`);
  await compare('access_policies', `SELECT json_array(principal_uid, policy, attached_via, evidence_id, record_no)::VARCHAR || md5(document::VARCHAR) AS k FROM access_policies`, expected);
  return { checked, problems, skipped: null };
}
