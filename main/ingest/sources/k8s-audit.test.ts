import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { type ImportReport, importBundles } from '../importer';

const SAMPLES = resolve(__dirname, '../../../../shared/samples/k8s_audit');
const hasSamples = existsSync(SAMPLES);
if (!hasSamples) console.log(`skipped: Kubernetes sample tests need ${SAMPLES} (present in CI, absent in a fresh clone)`);

const event = (over: Record<string, unknown> = {}) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'a1',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/payments/secrets/db-password',
  verb: 'get',
  user: {
    username: 'system:serviceaccount:payments:api',
    uid: 'u-1',
    groups: ['system:serviceaccounts', 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/credential-id': ['JTI=7d7f1c2e'],
      'authentication.kubernetes.io/node-name': ['node-7'],
      'authentication.kubernetes.io/pod-name': ['api-5c9d'],
      'authentication.kubernetes.io/pod-uid': ['p-uid'],
    },
  },
  sourceIPs: ['10.4.0.12'],
  userAgent: 'api/1.0 (linux/amd64) kubernetes/abc',
  objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-password', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2026-02-14T02:05:00.100000Z',
  stageTimestamp: '2026-02-14T02:05:00.123456789Z',
  ...over,
});

describe('Kubernetes audit', () => {
  let store: CaseStore;
  let report: ImportReport;

  beforeAll(async () => {
    const dir = tempDir();
    const lines = [
      event(),
      event({ stage: 'RequestReceived', stageTimestamp: '2026-02-14T02:05:00.100000Z', responseStatus: undefined }),
      event(), // the same event again: one copy kept
      event({ auditID: 'a2', verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'api-5c9d' }, user: { username: 'alice@example.com', groups: [] } }),
      event({ auditID: 'a3', verb: 'list', user: { username: 'ci-deployer', groups: [] }, impersonatedUser: { username: 'system:serviceaccount:kube-system:admin' }, objectRef: { resource: 'secrets', namespace: 'kube-system' } }),
      event({ auditID: 'a4', verb: 'delete', objectRef: { resource: 'clusterrolebindings', name: 'ops' }, responseStatus: { code: 403, reason: 'Forbidden', status: 'Failure' } }),
      event({ auditID: 'a5', stageTimestamp: 'not a time', requestReceivedTimestamp: undefined }),
    ];
    writeFileSync(join(dir, 'audit.log'), lines.map((l) => JSON.stringify(l)).join('\n'));
    // AKS diagnostic export: the Event as a JSON string in properties.log.
    const aks = { category: 'kube-audit', resourceId: '/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod-aks', properties: { log: JSON.stringify(event({ auditID: 'a6' })) } };
    writeFileSync(join(dir, 'aks.json'), JSON.stringify({ records: [aks] }));
    store = await CaseStore.open(join(tempDir(), 'k8s.duckdb'), { create: true });
    report = await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('maps a pod-bound service account reading a secret: actor, token, pod, node, resource, time', async () => {
    const [row] = await store.read(
      `SELECT time, actor_uid, actor_type, actor_display, is_nhi, credential_uid, session_uid, origin_uid, operation, category, service,
         resource_uid, boundary, src_ip, user_agent, status FROM events WHERE event_uid LIKE 'a1:ResponseComplete:%'`,
    );
    expect(row).toEqual({
      time: '2026-02-14T02:05:00.123456Z',
      actor_uid: 'system:serviceaccount:payments:api',
      actor_type: 'service_account',
      actor_display: 'payments:api',
      is_nhi: true,
      credential_uid: 'JTI=7d7f1c2e',
      session_uid: 'k8s-pod://cluster/payments/api-5c9d',
      origin_uid: 'k8s-node://cluster/node-7',
      operation: 'get',
      category: 'read',
      service: 'core',
      resource_uid: 'k8s://cluster/payments/secrets/db-password',
      boundary: 'k8s://cluster/payments',
      src_ip: '10.4.0.12',
      user_agent: 'api/1.0 (linux/amd64) kubernetes/abc',
      status: 'success',
    });
  });

  it('keeps every stage once, and drops the repeated copy', async () => {
    const file = report.files.find((f) => f.path === 'audit.log')!;
    expect(file).toMatchObject({ recordsTotal: 7, recordsOk: 5, recordsDuplicate: 1, recordsQuarantined: 1 });
    expect((await store.read<{ stage: string }>(`SELECT split_part(event_uid, ':', 2) AS stage FROM events WHERE event_uid LIKE 'a1:%' ORDER BY stage`)).map((r) => r.stage)).toEqual([
      'RequestReceived',
      'ResponseComplete',
    ]);
  });

  it('marks exec into a pod as admin, impersonation with the real caller as origin, and 403 as a failure', async () => {
    const rows = await store.read(`SELECT split_part(event_uid, ':', 1) AS id, actor_uid, origin_uid, operation, category, resource_uid, status, error_code FROM events WHERE split_part(event_uid, ':', 1) IN ('a2', 'a3', 'a4') ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a2', actor_uid: 'alice@example.com', origin_uid: null, operation: 'create exec', category: 'admin', resource_uid: 'k8s://cluster/payments/pods/api-5c9d/exec', status: 'success', error_code: null },
      { id: 'a3', actor_uid: 'system:serviceaccount:kube-system:admin', origin_uid: 'ci-deployer', operation: 'list', category: 'list', resource_uid: 'k8s://cluster/kube-system/secrets', status: 'success', error_code: null },
      { id: 'a4', actor_uid: 'system:serviceaccount:payments:api', origin_uid: 'k8s-node://cluster/node-7', operation: 'delete', category: 'admin', resource_uid: 'k8s://cluster/_cluster/clusterrolebindings/ops', status: 'failure', error_code: 'Forbidden' },
    ]);
  });

  it('reads the AKS wrapper, naming the cluster from its resourceId, and quarantines an event without a time', async () => {
    const [aks] = await store.read(`SELECT actor_uid, resource_uid, session_uid FROM events WHERE event_uid LIKE 'a6:%'`);
    expect(aks).toEqual({ actor_uid: 'system:serviceaccount:payments:api', resource_uid: 'k8s://prod-aks/payments/secrets/db-password', session_uid: 'k8s-pod://prod-aks/payments/api-5c9d' });
    const [q] = await store.read<{ reason: string; message: string }>(`SELECT reason, message FROM quarantine`);
    expect(q).toMatchObject({ reason: 'no_time' });
    expect(q!.message).toContain('"not a time"');
  });
});

describe.skipIf(!hasSamples)('the real Kubernetes audit samples', () => {
  let store: CaseStore;
  let report: ImportReport;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'k8s-samples.duckdb'), { create: true });
    report = await importBundles(store, [SAMPLES]);
  });
  afterAll(() => store.close());

  it('imports every falco trace (one Event per file) with counts and fields matching the raw files', async () => {
    const dir = join(SAMPLES, 'falcosecurity__falco/test/trace_files/k8s_audit');
    const files = readdirSync(dir);
    expect(files).toHaveLength(23);
    for (const name of files) {
      const raw = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { auditID: string; verb: string; user: { username: string }; sourceIPs: string[]; objectRef: { resource: string } };
      const outcome = report.files.find((f) => f.path.endsWith(name))!;
      expect(outcome, name).toMatchObject({ recordsTotal: 1, recordsOk: 1, parsers: ['k8s.audit'] });
      const [row] = await store.read<{ actor_uid: string; operation: string; src_ip: string; resource_type: string }>(
        `SELECT actor_uid, operation, src_ip, resource_type FROM events WHERE event_uid LIKE $id || ':%'`,
        { id: raw.auditID },
      );
      expect(row, name).toMatchObject({ actor_uid: raw.user.username, src_ip: raw.sourceIPs[0], resource_type: `k8s:${raw.objectRef.resource}` });
      expect(row!.operation.split(' ')[0]).toBe(raw.verb);
    }
  });

  it('reads the mixed Elastic file: plain Events, the AKS wrapper, and leaves the GKE entry to the GCP parser', async () => {
    const outcome = report.files.find((f) => f.path.endsWith('test-audit.log'))!;
    // 5 records: 3 plain Events (two byte-identical: one kept), 1 AKS wrapper, 1 GKE Cloud Audit entry.
    const lines = readFileSync(join(SAMPLES, 'elastic__integrations/packages/kubernetes/data_stream/audit_logs/_dev/test/pipeline/test-audit.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(outcome.recordsTotal);
    expect(outcome.recordsDuplicate).toBe(1);
    const sources = await store.read<{ source: string; n: number }>(
      `SELECT source, count(*)::INTEGER AS n FROM events e JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle LIKE '%test-audit.log' GROUP BY source ORDER BY source`,
    );
    const k8s = sources.find((s) => s.source === 'k8s.audit');
    expect(k8s?.n).toBe(3);
    const gke = sources.find((s) => s.source === 'gcp.audit')?.n ?? 0;
    expect(gke + outcome.recordsQuarantined).toBe(1);
  });
});
