import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { type ImportReport, importBundles } from '../importer';

const SAMPLES = resolve(__dirname, '../../../../shared/samples/gcp_audit');
const hasSamples = existsSync(SAMPLES);
if (!hasSamples) console.log(`skipped: GCP sample tests need ${SAMPLES} (present in CI, absent in a fresh clone)`);

const entry = (over: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  insertId: 'ins-1',
  logName: 'projects/acme-data/logs/cloudaudit.googleapis.com%2Fdata_access',
  timestamp: '2026-02-14T02:20:01.123456789Z',
  receiveTimestamp: '2026-02-14T02:20:02Z',
  resource: { type: 'gcs_bucket', labels: { project_id: 'acme-data', location: 'us-central1', bucket_name: 'acme-exports' } },
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    methodName: 'storage.objects.get',
    serviceName: 'storage.googleapis.com',
    resourceName: 'projects/_/buckets/acme-exports/objects/customers.parquet',
    authenticationInfo: {
      principalEmail: 'exporter@acme-data.iam.gserviceaccount.com',
      serviceAccountKeyName: '//iam.googleapis.com/projects/acme-data/serviceAccounts/exporter@acme-data.iam.gserviceaccount.com/keys/4f2a',
      serviceAccountDelegationInfo: [
        { principalSubject: 'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/aws/subject/arn:aws:sts::111111111111:assumed-role/backend-svc/i-0a1b' },
      ],
    },
    requestMetadata: { callerIp: '34.120.1.9', callerSuppliedUserAgent: 'google-api-go-client/0.5 gcloud-golang-storage/1.30' },
    status: {},
    ...payload,
  },
  ...over,
});

describe('GCP Cloud Audit Logs', () => {
  let store: CaseStore;
  let report: ImportReport;

  beforeAll(async () => {
    const dir = tempDir();
    const lines = [
      entry(),
      entry({ insertId: 'ins-2', logName: 'projects/acme-data/logs/cloudaudit.googleapis.com%2Factivity' }, {
        methodName: 'google.iam.admin.v1.CreateServiceAccountKey',
        serviceName: 'iam.googleapis.com',
        resourceName: 'projects/-/serviceAccounts/exporter@acme-data.iam.gserviceaccount.com',
        authenticationInfo: { principalEmail: 'mallory@example.com' },
        status: { code: 7, message: 'PERMISSION_DENIED' },
      }),
      entry({ insertId: 'ins-3', timestamp: 'soon' }),
      { insertId: 'plain-1', logName: 'projects/acme-data/logs/app', textPayload: 'started', timestamp: '2026-02-14T02:00:00Z' },
    ];
    writeFileSync(join(dir, 'audit.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    writeFileSync(join(dir, 'export.json'), JSON.stringify([entry({ insertId: 'ins-4' })]));
    store = await CaseStore.open(join(tempDir(), 'gcp.duckdb'), { create: true });
    report = await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('maps a federated service account reading an object: actor, key, delegation origin, full resource name', async () => {
    const [row] = await store.read(
      `SELECT event_uid, time, actor_uid, actor_type, is_nhi, credential_uid, origin_uid, operation, service, category, resource_uid, boundary, actor_boundary, region, src_ip, user_agent, status
       FROM events WHERE event_uid LIKE 'gcp:ins-1:%'`,
    );
    expect(row).toEqual({
      event_uid: 'gcp:ins-1:cloudaudit.googleapis.com/data_access',
      time: '2026-02-14T02:20:01.123456Z',
      actor_uid: 'exporter@acme-data.iam.gserviceaccount.com',
      actor_type: 'service_account',
      is_nhi: true,
      credential_uid: '//iam.googleapis.com/projects/acme-data/serviceAccounts/exporter@acme-data.iam.gserviceaccount.com/keys/4f2a',
      origin_uid: 'principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/aws/subject/arn:aws:sts::111111111111:assumed-role/backend-svc/i-0a1b',
      operation: 'storage.objects.get',
      service: 'storage.googleapis.com',
      category: 'read',
      resource_uid: '//storage.googleapis.com/projects/_/buckets/acme-exports/objects/customers.parquet',
      boundary: 'projects/acme-data',
      actor_boundary: 'projects/acme-data',
      region: 'us-central1',
      src_ip: '34.120.1.9',
      user_agent: 'google-api-go-client/0.5 gcloud-golang-storage/1.30',
      status: 'success',
    });
  });

  it('marks a denied key creation as an admin failure, quarantines entries without a time or an audit payload', async () => {
    const [denied] = await store.read(`SELECT actor_uid, is_nhi, category, status, error_code FROM events WHERE event_uid LIKE 'gcp:ins-2:%'`);
    expect(denied).toEqual({ actor_uid: 'mallory@example.com', is_nhi: null, category: 'admin', status: 'failure', error_code: 'PERMISSION_DENIED' });
    expect(report.files.find((f) => f.path === 'audit.jsonl')).toMatchObject({ recordsTotal: 4, recordsOk: 2, recordsQuarantined: 2 });
    expect(await store.read(`SELECT reason, line FROM quarantine ORDER BY line`)).toEqual([
      { reason: 'no_time', line: 3 },
      { reason: 'unrecognized', line: 4 },
    ]);
    expect(report.files.find((f) => f.path === 'export.json')).toMatchObject({ recordsOk: 1, parsers: ['gcp.audit'] });
  });
});

describe.skipIf(!hasSamples)('the real GCP audit samples', () => {
  let store: CaseStore;
  let report: ImportReport;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'gcp-samples.duckdb'), { create: true });
    report = await importBundles(store, [SAMPLES]);
  });
  afterAll(() => store.close());

  it('imports every audit entry with fields matching the raw records, and quarantines the two non-audit entries of the plaso file', async () => {
    const elastic = join(SAMPLES, 'matanolabs__logtest/examples/gcp_audit/test/test-audit.log');
    const plaso = join(SAMPLES, 'log2timeline__plaso/test_data/jsonl/gcp_logging.jsonl');
    const entries = [elastic, plaso].flatMap((p) => readFileSync(p, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { insertId: string; protoPayload?: { '@type'?: string; methodName: string; authenticationInfo?: { principalEmail?: string }; requestMetadata?: { callerIp?: string } } }));
    expect(entries).toHaveLength(17 + 11);
    const audit = entries.filter((e) => e.protoPayload?.['@type'] === 'type.googleapis.com/google.cloud.audit.AuditLog');
    expect(audit).toHaveLength(26);
    expect(report.totals).toMatchObject({ records: 28, eventsImported: 26, quarantined: 2 });
    expect(report.files.find((f) => f.path.endsWith('gcp_logging.jsonl'))).toMatchObject({ recordsTotal: 11, recordsOk: 9, recordsQuarantined: 2 });
    for (const e of audit) {
      const [row] = await store.read<{ operation: string; actor_uid: string | null; src_ip: string | null }>(
        `SELECT operation, actor_uid, src_ip FROM events WHERE split_part(event_uid, ':', 2) = $id LIMIT 1`,
        { id: e.insertId },
      );
      expect(row, e.insertId).toEqual({ operation: e.protoPayload!.methodName, actor_uid: e.protoPayload!.authenticationInfo?.principalEmail ?? null, src_ip: e.protoPayload!.requestMetadata?.callerIp ?? null });
    }
    const [machines] = await store.read<{ n: number }>(`SELECT count(DISTINCT actor_uid)::INTEGER AS n FROM events WHERE is_nhi`);
    expect(machines!.n).toBeGreaterThanOrEqual(4);
  });
});
