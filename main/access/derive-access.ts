import type { CaseStore } from '../case-store/case-store';
import { type AccessModel, type RecordRef, emptyModel } from './access-model';
import { accessFindings } from './access-findings';
import { actionCatalog, actionsOfCall } from './aws-actions';
import { type AwsRecord, type UsedActions, addAwsModel } from './aws-model';
import { type K8sCall, K8S_USED_SQL, addK8sModel } from './k8s-rbac';
import { addAzureModel, addGcpModel } from './gcp-azure';
import { type Cell, type ColumnType, stageRows } from './staged-rows';

/**
 * Rebuilds the access model from the case's permission snapshots and its events: who holds what
 * (granted), what each did (used), who can become whom, and the least-privilege findings. Run
 * after every derivation of identities; a case without snapshots costs one count.
 */

export interface AccessReport {
  snapshots: number;
  principals: number;
  edges: number;
  findings: number;
  elapsedMs: number;
}

const TABLES = ['access_snapshots', 'access_principals', 'access_policies', 'access_services', 'access_keys', 'access_edges', 'access_findings'];

export async function deriveAccess(store: CaseStore): Promise<AccessReport> {
  const started = performance.now();
  const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT (SELECT count(*) FROM permission_records) + (SELECT count(*) FROM access_snapshots) AS n`);
  if (!Number(n)) return { snapshots: 0, principals: 0, edges: 0, findings: 0, elapsedMs: performance.now() - started };
  const model = await buildAccessModel(store);
  await store.transaction(async () => {
    for (const t of TABLES) await store.run(`DELETE FROM ${t}`);
    await writeModel(store, model);
    // Verify derives the model again: it must know which action data this one was made with.
    await store.run(`DELETE FROM meta WHERE key = 'access_catalog'`);
    await store.run(`INSERT INTO meta VALUES ('access_catalog', $v)`, { v: (await actionCatalog()).source.version });
  });
  return { snapshots: model.snapshots.length, principals: model.principals.length, edges: model.edges.length, findings: model.findings.length, elapsedMs: performance.now() - started };
}

/** The model as the case's records and events give it (verify compares it with the tables). */
export async function buildAccessModel(store: CaseStore): Promise<AccessModel> {
  const records = await store.read<{ evidence_id: number; record_no: number; kind: string; text: string }>(
    `SELECT evidence_id, record_no, kind, coalesce(doc::VARCHAR, raw) AS text FROM permission_records ORDER BY evidence_id, record_no`,
  );
  const parsed: AwsRecord[] = records.map((r) => ({ ref: { evidenceId: r.evidence_id, recordNo: Number(r.record_no) }, kind: r.kind, doc: safeParse(r.text) }));
  const model = emptyModel();
  const catalog = await actionCatalog();
  const used = await usedActions(store);
  // The logs' federated identities (a CI workflow's OIDC subject, a SAML user), joined to the roles whose trust names their provider.
  const federated = (await store.read<{ uid: string }>(`SELECT uid FROM identities WHERE starts_with(uid, 'web-identity:') OR starts_with(uid, 'saml:')`)).map((r) => r.uid);
  addAwsModel(model, catalog, parsed.filter((r) => r.kind.startsWith('aws.')), used.aws, federated);
  addK8sModel(model, parsed.filter((r) => r.kind === 'k8s.rbac'), used.k8s);
  addGcpModel(model, parsed.filter((r) => r.kind.startsWith('gcp.')));
  const azureUids = (await store.read<{ uid: string }>(`SELECT uid FROM identities WHERE starts_with(uid, 'azure-')`)).map((r) => r.uid);
  addAzureModel(model, parsed.filter((r) => r.kind.startsWith('azure.')), azureUids);
  model.findings.push(...(await accessFindings(store, model)));
  return model;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** What each identity did successfully in the case: AWS calls as catalog actions, Kubernetes verbs on resources. */
async function usedActions(store: CaseStore): Promise<{ aws: UsedActions; k8s: Map<string, K8sCall[]> }> {
  const catalog = await actionCatalog();
  const aws: UsedActions = new Map();
  const rows = await store.read<{ uid: string; service: string; operation: string; n: number }>(
    `SELECT actor_uid AS uid, service, operation, count(*)::BIGINT AS n FROM events
     WHERE source = 'aws.cloudtrail' AND status = 'success' AND actor_uid IS NOT NULL AND service IS NOT NULL AND operation IS NOT NULL GROUP BY ALL`,
  );
  for (const r of rows) {
    const mapped = actionsOfCall(catalog, r.service, r.operation);
    if (!mapped.actions.length) continue;
    let m = aws.get(r.uid);
    if (!m) aws.set(r.uid, (m = new Map()));
    for (const id of mapped.actions) m.set(id, (m.get(id) ?? 0) + Number(r.n));
  }
  const k8s = new Map<string, K8sCall[]>();
  for (const r of await store.read<K8sCall & { uid: string }>(K8S_USED_SQL())) k8s.set(r.uid, [...(k8s.get(r.uid) ?? []), { verb: r.verb, resource: r.resource, calls: Number(r.calls) }]);
  return { aws, k8s };
}

const REF: readonly (readonly [string, ColumnType])[] = [
  ['evidence_id', 'BIGINT'],
  ['record_no', 'BIGINT'],
];
const refCells = (r: RecordRef): Cell[] => [r.evidenceId, r.recordNo];
const json = (v: unknown) => JSON.stringify(v ?? null);

async function writeModel(store: CaseStore, m: AccessModel): Promise<void> {
  const move = async (table: string, staged: string, select: string) => {
    await store.run(`INSERT INTO ${table} SELECT ${select} FROM ${staged} s JOIN permission_records p USING (evidence_id, record_no)`);
    await store.run(`DROP TABLE ${staged}`);
  };
  await stageRows(store, 'st_snapshots', [...REF, ['kind', 'VARCHAR'], ['scope', 'VARCHAR'], ['not_before', 'VARCHAR'], ['principals', 'BIGINT'], ['problems', 'VARCHAR']], m.snapshots.map((s) => [...refCells(s.ref), s.kind, s.scope, s.notBefore, s.principals, json(s.problems)]));
  await store.run(`INSERT INTO access_snapshots SELECT evidence_id, record_no, kind, scope, not_before::TIMESTAMPTZ::TIMESTAMP, principals, from_json(problems, '["VARCHAR"]') FROM st_snapshots`);
  await store.run('DROP TABLE st_snapshots');

  await stageRows(
    store,
    'st_principals',
    [...REF, ['uid', 'VARCHAR'], ['provider', 'VARCHAR'], ['kind', 'VARCHAR'], ['name', 'VARCHAR'], ['scope', 'VARCHAR'], ['created_at', 'VARCHAR'], ['last_used_at', 'VARCHAR'], ['groups', 'VARCHAR'], ['boundary', 'VARCHAR'], ['is_admin', 'BOOLEAN'], ['wildcard', 'BOOLEAN'], ['granted', 'BIGINT'], ['conditional', 'BIGINT'], ['used', 'BIGINT'], ['unused_sensitive', 'VARCHAR']],
    m.principals.map((p) => [...refCells(p.ref), p.uid, p.provider, p.kind, p.name, p.scope, p.createdAt, p.lastUsedAt, json(p.groups), p.boundary, p.isAdmin, p.wildcard, p.granted, p.conditional, p.used, json(p.unusedSensitive)]),
  );
  await move(
    'access_principals',
    'st_principals',
    `s.uid, s.provider, s.kind, s.name, s.scope, s.created_at::TIMESTAMPTZ::TIMESTAMP, s.last_used_at::TIMESTAMPTZ::TIMESTAMP, from_json(s.groups, '["VARCHAR"]'), s.boundary,
     s.is_admin, s.wildcard, s.granted, s.conditional, s.used, from_json(s.unused_sensitive, '["VARCHAR"]'), s.evidence_id, s.record_no, p.record_sha256`,
  );
  await stageRows(store, 'st_policies', [...REF, ['principal', 'VARCHAR'], ['policy', 'VARCHAR'], ['via', 'VARCHAR'], ['document', 'VARCHAR']], m.policies.map((p) => [...refCells(p.ref), p.principal, p.policy, p.via, json(p.document)]));
  await move('access_policies', 'st_policies', `s.principal, s.policy, s.via, s.document::JSON, s.evidence_id, s.record_no, p.record_sha256`);
  await stageRows(
    store,
    'st_services',
    [['principal', 'VARCHAR'], ['service', 'VARCHAR'], ['granted', 'BIGINT'], ['used', 'BIGINT'], ['sensitive_granted', 'BIGINT'], ['sensitive_used', 'BIGINT']],
    m.services.map((s) => [s.principal, s.service, s.granted, s.used, s.sensitiveGranted, s.sensitiveUsed]),
  );
  await store.run(`INSERT INTO access_services SELECT * FROM st_services ORDER BY principal, service`);
  await store.run('DROP TABLE st_services');
  await stageRows(
    store,
    'st_keys',
    [...REF, ['key_id', 'VARCHAR'], ['principal', 'VARCHAR'], ['provider', 'VARCHAR'], ['slot', 'VARCHAR'], ['active', 'BOOLEAN'], ['created_at', 'VARCHAR'], ['last_rotated', 'VARCHAR'], ['last_used_at', 'VARCHAR'], ['last_used_service', 'VARCHAR'], ['expires_at', 'VARCHAR']],
    m.keys.map((k) => [...refCells(k.ref), k.keyId, k.principal, k.provider, k.slot, k.active, k.createdAt, k.lastRotated, k.lastUsedAt, k.lastUsedService, k.expiresAt]),
  );
  const ts = (c: string) => `s.${c}::TIMESTAMPTZ::TIMESTAMP`;
  await move('access_keys', 'st_keys', `s.key_id, s.principal, s.provider, s.slot, s.active, ${ts('created_at')}, ${ts('last_rotated')}, ${ts('last_used_at')}, s.last_used_service, ${ts('expires_at')}, s.evidence_id, s.record_no, p.record_sha256`);
  await stageRows(
    store,
    'st_edges',
    [...REF, ['from_uid', 'VARCHAR'], ['to_uid', 'VARCHAR'], ['kind', 'VARCHAR'], ['method', 'VARCHAR'], ['conditional', 'BOOLEAN'], ['explanation', 'VARCHAR']],
    m.edges.map((e) => [...refCells(e.ref), e.from, e.to, e.kind, e.method, e.conditional, e.explanation]),
  );
  await move('access_edges', 'st_edges', `s.from_uid, s.to_uid, s.kind, s.method, s.conditional, s.explanation, s.evidence_id, s.record_no, p.record_sha256`);
  await stageRows(
    store,
    'st_findings',
    [...REF, ['finding_id', 'VARCHAR'], ['rule', 'VARCHAR'], ['severity', 'VARCHAR'], ['principal', 'VARCHAR'], ['title', 'VARCHAR'], ['detail', 'VARCHAR'], ['facts', 'VARCHAR']],
    m.findings.map((f) => [...refCells(f.ref), f.id, f.rule, f.severity, f.principal, f.title, f.detail, json(f.facts)]),
  );
  await move('access_findings', 'st_findings', `s.finding_id, s.rule, s.severity, s.principal, s.title, s.detail, s.facts::JSON, s.evidence_id, s.record_no, p.record_sha256`);
}
