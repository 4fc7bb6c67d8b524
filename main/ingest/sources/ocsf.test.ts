import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { type ImportReport, importBundles } from '../importer';

/** OCSF 1.1 API Activity as Security Lake writes it for a CloudTrail GetObject by a role session. */
const apiActivity = (n: number, extra: Record<string, unknown> = {}) => ({
  metadata: { product: { name: 'CloudTrail', vendor_name: 'AWS', version: '1.09' }, uid: `ocsf-${n}`, version: '1.1.0', profiles: ['cloud'] },
  time: 1771035240000 + n * 1000,
  cloud: { region: 'us-east-1', provider: 'AWS', account: { uid: '111111111111' } },
  api: { response: { error: null }, operation: 'GetObject', version: null, service: { name: 's3.amazonaws.com' }, request: { uid: `req-${n}` } },
  resources: [
    { uid: `arn:aws:s3:::acme-prod-data/exports/part-${n}.parquet`, type: 'AWS::S3::Object', account_uid: null },
    { uid: 'arn:aws:s3:::acme-prod-data', type: 'AWS::S3::Bucket', account_uid: '111111111111' },
  ],
  actor: {
    user: { type: 'AssumedRole', name: 'backend-svc', uid: 'arn:aws:sts::111111111111:assumed-role/backend-svc/backup-sync', credential_uid: 'ASIAEXFIL0001', account: { uid: '111111111111' } },
    session: { uid: 'arn:aws:sts::111111111111:assumed-role/backend-svc/backup-sync', issuer: 'arn:aws:iam::111111111111:role/backend-svc', is_mfa: false },
    invoked_by: null,
  },
  http_request: { user_agent: 'aws-cli/2.15.30' },
  src_endpoint: { ip: '198.51.100.23', domain: null },
  class_name: 'API Activity',
  class_uid: 6003,
  category_name: 'Application Activity',
  category_uid: 6,
  activity_id: 2,
  activity_name: 'Read',
  severity_id: 1,
  status: 'Success',
  status_id: 1,
  type_uid: 600302,
  ...extra,
});

const authentication = {
  metadata: { product: { name: 'Okta' }, uid: 'auth-1', version: '1.1.0' },
  time: 1771035000000,
  class_uid: 3002,
  class_name: 'Authentication',
  category_uid: 3,
  activity_id: 1,
  activity_name: 'Logon',
  user: { uid: '00u1abcd', name: 'bob@acme.example', type: 'User' },
  src_endpoint: { ip: '203.0.113.31' },
  http_request: { user_agent: 'Mozilla/5.0' },
  status: 'Failure',
  status_id: 2,
  status_code: 'INVALID_CREDENTIALS',
};

describe('OCSF', () => {
  let store: CaseStore;
  let report: ImportReport;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ocsf.jsonl'), [apiActivity(1), apiActivity(2, { status: 'Failure', status_id: 2, api: { operation: 'PutObject', service: { name: 's3.amazonaws.com' }, response: { error: 'AccessDenied' } }, activity_id: 1 }), authentication].map((r) => JSON.stringify(r)).join('\n'));
    // A Security Lake style Parquet file, written by DuckDB from the same JSON.
    const json = join(dir, 'rows.json.tmp');
    writeFileSync(json, [3, 4, 5].map((n) => JSON.stringify(apiActivity(n))).join('\n'));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT * FROM read_json('${json}', format = 'newline_delimited')) TO '${join(dir, 'lake.gz.parquet')}' (FORMAT parquet, COMPRESSION gzip)`);
    duck.closeSync();
    writeFileSync(json, '');
    writeFileSync(join(dir, 'broken.parquet'), Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from('PAR1')]));
    store = await CaseStore.open(join(tempDir(), 'ocsf.duckdb'), { create: true });
    report = await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('maps API Activity with the same identity conventions as CloudTrail', async () => {
    const rows = await store.read(
      `SELECT event_uid, time, actor_uid, session_uid, credential_uid, operation, service, category, resource_uid, boundary, src_ip, user_agent, status, error_code
       FROM events WHERE event_uid IN ('ocsf-1', 'ocsf-2') ORDER BY event_uid`,
    );
    expect(rows).toEqual([
      {
        event_uid: 'ocsf-1', time: '2026-02-14T02:14:01.000000Z', actor_uid: 'arn:aws:iam::111111111111:role/backend-svc',
        session_uid: 'arn:aws:sts::111111111111:assumed-role/backend-svc/backup-sync', credential_uid: 'ASIAEXFIL0001', operation: 'GetObject',
        service: 's3.amazonaws.com', category: 'read', resource_uid: 'arn:aws:s3:::acme-prod-data/exports/part-1.parquet', boundary: '111111111111',
        src_ip: '198.51.100.23', user_agent: 'aws-cli/2.15.30', status: 'success', error_code: null,
      },
      {
        event_uid: 'ocsf-2', time: '2026-02-14T02:14:02.000000Z', actor_uid: 'arn:aws:iam::111111111111:role/backend-svc',
        session_uid: 'arn:aws:sts::111111111111:assumed-role/backend-svc/backup-sync', credential_uid: 'ASIAEXFIL0001', operation: 'PutObject',
        service: 's3.amazonaws.com', category: 'write', resource_uid: 'arn:aws:s3:::acme-prod-data/exports/part-2.parquet', boundary: '111111111111',
        src_ip: '198.51.100.23', user_agent: 'aws-cli/2.15.30', status: 'failure', error_code: 'AccessDenied',
      },
    ]);
    const resources = await store.read(`SELECT resource_uid, role FROM event_resources WHERE event_uid = 'ocsf-1' ORDER BY role`);
    expect(resources).toEqual([
      { resource_uid: 'arn:aws:s3:::acme-prod-data/exports/part-1.parquet', role: 'primary' },
      { resource_uid: 'arn:aws:s3:::acme-prod-data', role: 'related' },
    ]);
  });

  it('maps Authentication to the user signing in, as an auth event', async () => {
    const [row] = await store.read(`SELECT actor_uid, actor_display, actor_type, operation, category, status, error_code, src_ip FROM events WHERE event_uid = 'auth-1'`);
    expect(row).toEqual({ actor_uid: '00u1abcd', actor_display: 'bob@acme.example', actor_type: 'user', operation: 'Logon', category: 'auth', status: 'failure', error_code: 'INVALID_CREDENTIALS', src_ip: '203.0.113.31' });
  });

  it('imports Security Lake Parquet row by row, with the row number as position', async () => {
    const file = report.files.find((f) => f.path === 'lake.gz.parquet')!;
    expect(file).toMatchObject({ format: 'parquet', recordsTotal: 3, recordsOk: 3, parsers: ['ocsf'] });
    const rows = await store.read<{ event_uid: string; record_no: number; raw: string }>(
      `SELECT event_uid, record_no, raw FROM events e JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle = 'lake.gz.parquet' ORDER BY record_no`,
    );
    expect(rows.map((r) => [r.event_uid, r.record_no])).toEqual([['ocsf-3', 1], ['ocsf-4', 2], ['ocsf-5', 3]]);
    expect(JSON.parse(rows[0]!.raw)).toMatchObject({ class_uid: 6003, metadata: { uid: 'ocsf-3' }, actor: { user: { credential_uid: 'ASIAEXFIL0001' } } });
  });

  it('quarantines a Parquet file it cannot read, by name and reason', async () => {
    expect(report.files.find((f) => f.path === 'broken.parquet')).toMatchObject({ recordsOk: 0 });
    expect(report.problems.find((p) => p.path === 'broken.parquet')).toMatchObject({ code: 'unreadable_parquet' });
  });
});
