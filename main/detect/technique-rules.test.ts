import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctRecord, envelope, jsonLines, tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { BUILTIN_RULES } from './all-rules';
import { listFindings, runDetections } from './engine';
import { listIncidents } from './incidents';
import { TECHNIQUE_RULES } from './technique-rules';

const at = (n: number) => new Date(Date.UTC(2026, 6, 1, 10, 0, n)).toISOString();
const gcp = (n: number, method: string, extra: Record<string, unknown> = {}) => ({
  insertId: `g-${n}`, logName: 'projects/acme-data/logs/cloudaudit.googleapis.com%2Factivity', timestamp: at(n),
  resource: { type: 'project', labels: { project_id: 'acme-data' } },
  protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName: method, serviceName: method.split('.').slice(0, 3).join('.'), resourceName: 'projects/acme-data',
    authenticationInfo: { principalEmail: 'ops@acme-data.iam.gserviceaccount.com' }, requestMetadata: { callerIp: '203.0.113.5' }, status: {}, ...extra },
});
const kube = (n: number, verb: string, objectRef: Record<string, string>, requestObject?: object) => ({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: requestObject ? 'RequestResponse' : 'Metadata', auditID: `k-${n}`, stage: 'ResponseComplete', verb, requestURI: '/x',
  user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] }, sourceIPs: ['10.8.0.9'], userAgent: 'kubectl/v1.29.1 (linux/amd64) kubernetes/bc401b9',
  objectRef, ...(requestObject ? { requestObject } : {}), responseStatus: { metadata: {}, code: 201 }, requestReceivedTimestamp: at(n), stageTimestamp: at(n),
});
const ct = (n: number, eventSource: string, eventName: string, requestParameters: object = {}, extra: Record<string, unknown> = {}) =>
  ctRecord(n, { eventTime: at(n), eventSource, eventName, readOnly: false, eventCategory: 'Management', managementEvent: true, resources: [], requestParameters, additionalEventData: {}, ...extra });

describe('technique families', () => {
  it('finds log tampering, sharing, remote commands, admin grants, new credentials and trust changes across sources, tagged with ATT&CK', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope([
      ct(1, 'cloudtrail.amazonaws.com', 'StopLogging', { name: 'org-trail' }),
      ct(2, 'cloudtrail.amazonaws.com', 'PutEventSelectors', { trailName: 'org-trail', eventSelectors: [{ readWriteType: 'WriteOnly' }] }),
      ct(3, 'ec2.amazonaws.com', 'ModifySnapshotAttribute', { snapshotId: 'snap-1', createVolumePermission: { add: { items: [{ group: 'all' }] } } }),
      ct(4, 's3.amazonaws.com', 'PutBucketPolicy', { bucketName: 'reports', bucketPolicy: { Statement: [{ Principal: { AWS: 'arn:aws:iam::222222222222:root' } }] } }),
      ct(5, 'ssm.amazonaws.com', 'SendCommand', { documentName: 'AWS-RunShellScript', instanceIds: ['i-1'] }),
      ct(6, 'iam.amazonaws.com', 'AttachRolePolicy', { roleName: 'backend-svc', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
      ct(7, 'iam.amazonaws.com', 'UpdateAssumeRolePolicy', { roleName: 'backend-svc', policyDocument: '{"Statement":[]}' }),
      ct(8, 'cloudtrail.amazonaws.com', 'DeleteTrail', { name: 'dev-trail' }, { errorCode: 'AccessDenied', errorMessage: 'denied' }),
    ]));
    writeFileSync(join(dir, 'gcp.jsonl'), jsonLines([
      gcp(20, 'google.logging.v2.ConfigServiceV2.DeleteSink'),
      gcp(21, 'google.iam.admin.v1.CreateServiceAccountKey', { response: { name: 'projects/acme-data/serviceAccounts/ops@acme-data.iam.gserviceaccount.com/keys/abc123' } }),
      gcp(22, 'SetIamPolicy', { request: { policy: { bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: ['user:x@example.com'] }] } } }),
    ]));
    writeFileSync(join(dir, 'audit.log'), jsonLines([
      kube(30, 'create', { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'api-0' }),
      kube(31, 'create', { resource: 'clusterrolebindings', name: 'ci-admin', apiGroup: 'rbac.authorization.k8s.io' }, { roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } }),
    ]));
    writeFileSync(join(dir, 'github.jsonl'), jsonLines([
      { '@timestamp': Date.parse(at(40)), created_at: Date.parse(at(40)), _document_id: 'gh-40', action: 'audit_log_streaming.destroy', actor: 'mallory', org: 'acme' },
      { '@timestamp': Date.parse(at(41)), created_at: Date.parse(at(41)), _document_id: 'gh-41', action: 'personal_access_token.request_created', actor: 'mallory', org: 'acme' },
    ]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [dir]);
      const report = await runDetections(store, { only: TECHNIQUE_RULES.map((r) => r.id) });
      expect(report.rules.filter((r) => r.error)).toEqual([]);
      const found = await listFindings(store);
      const by = (rule: string, who: string) => found.find((f) => f.ruleId === rule && f.identityUid?.includes(who));
      expect(by('log-tampering', 'backend-svc')).toMatchObject({ severity: 'critical', eventCount: 3 });
      expect(by('log-tampering', 'backend-svc')!.explanation).toMatch(/StopLogging.*1 denied or failed.*T1562\.008/);
      expect(by('log-tampering', 'ops@acme-data')).toMatchObject({ severity: 'high' });
      expect(by('log-tampering', 'github:mallory')).toBeDefined();
      expect(by('resource-shared', 'backend-svc')).toMatchObject({ severity: 'high', eventCount: 2 });
      expect(by('remote-execution', 'backend-svc')).toBeDefined();
      expect(by('remote-execution', 'ci:deployer')).toBeDefined();
      expect(by('admin-granted', 'backend-svc')).toMatchObject({ severity: 'high' });
      expect(by('admin-granted', 'ci:deployer')).toBeDefined();
      expect(by('cloud-credential-added', 'ops@acme-data')).toBeDefined();
      expect(by('cloud-credential-added', 'github:mallory')).toBeDefined();
      expect(by('trust-changed', 'backend-svc')).toBeDefined();
      expect(by('trust-changed', 'ops@acme-data')).toBeDefined();
      // Four unrelated actors, four incidents; each tells its own story.
      const incidents = await listIncidents(store);
      expect(incidents.map((i) => i.identities.length)).toEqual([1, 1, 1, 1]);
      expect(new Set(incidents.map((i) => i.identities[0]!.split(/[/:]/).pop()))).toEqual(new Set(['backend-svc', 'ops@acme-data.iam.gserviceaccount.com', 'deployer', 'mallory']));
    } finally {
      store.close();
    }
  });

  it('keeps a denied attempt low, and leaves ordinary reads alone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope([
      ct(1, 'cloudtrail.amazonaws.com', 'StopLogging', { name: 'org-trail' }, { errorCode: 'AccessDenied', errorMessage: 'denied' }),
      ...Array.from({ length: 20 }, (_, i) => ctRecord(100 + i)),
      ct(2, 'cloudtrail.amazonaws.com', 'DescribeTrails', {}),
      ct(3, 'iam.amazonaws.com', 'AttachRolePolicy', { roleName: 'reader', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    ]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [dir]);
      await runDetections(store, { only: TECHNIQUE_RULES.map((r) => r.id) });
      expect((await listFindings(store)).map((f) => [f.ruleId, f.severity])).toEqual([['log-tampering', 'low']]);
      // A low finding alone is not an incident.
      expect(await listIncidents(store)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('reports a habit at low: a rotation job creating keys every few days, but a one-off at high', async () => {
    const job = (day: number) =>
      ct(day, 'iam.amazonaws.com', 'CreateAccessKey', { userName: 'svc-etl' }, {
        eventTime: new Date(Date.UTC(2026, 6, 1 + day * 3, 4, 0)).toISOString(), eventID: `rot-${day}`,
        userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/key-rotator/lambda', accountId: '111111111111', accessKeyId: 'ASIAROTATOR000000001',
          sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111111111111:role/key-rotator', accountId: '111111111111', userName: 'key-rotator' } } },
      });
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope([job(0), job(1), job(2), job(3), ct(50, 'iam.amazonaws.com', 'CreateAccessKey', { userName: 'admin' })]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [dir]);
      await runDetections(store, { only: ['cloud-credential-added'] });
      const found = await listFindings(store);
      expect(found.filter((f) => f.identityUid?.endsWith('role/key-rotator')).map((f) => f.severity)).toEqual(['low', 'low', 'low', 'low']);
      expect(found.find((f) => f.identityUid?.endsWith('role/key-rotator'))!.explanation).toContain('routine for this identity (it does this on 4 days of the case)');
      expect(found.filter((f) => f.identityUid?.endsWith('role/backend-svc')).map((f) => f.severity)).toEqual(['high']);
    } finally {
      store.close();
    }
  });

  it('tags every built-in rule with an ATT&CK technique, and the README lists each one', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    for (const r of BUILTIN_RULES.filter((x) => x.id !== 'event-id-collision' && x.id !== 'implausible-time')) {
      expect(r.attack?.length, r.id).toBeGreaterThan(0);
      expect(readme, r.id).toContain(`| \`${r.id}\` |`);
    }
  });
});
