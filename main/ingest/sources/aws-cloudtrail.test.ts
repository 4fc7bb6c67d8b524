import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctRecord, tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { importBundles } from '../importer';

/** One record per case below, keyed by eventID, imported through the real pipeline. */
const CASES: Record<string, Record<string, unknown>> = {
  iamUser: {
    userIdentity: { type: 'IAMUser', principalId: 'AIDA1', arn: 'arn:aws:iam::111111111111:user/alice', accountId: '111111111111', accessKeyId: 'AKIAALICE', userName: 'alice' },
  },
  assumedRoleNoIssuer: {
    userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::222222222222:assumed-role/deploy/gha-123', accountId: '222222222222', accessKeyId: 'ASIADEPLOY' },
  },
  awsService: {
    userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
    eventName: 'AssumeRole',
    eventSource: 'sts.amazonaws.com',
    requestParameters: { roleArn: 'arn:aws:iam::111111111111:role/backend-svc', roleSessionName: 'i-0abc' },
    resources: [],
  },
  federated: {
    userIdentity: {
      type: 'FederatedUser',
      principalId: '111111111111:bob',
      arn: 'arn:aws:sts::111111111111:federated-user/bob',
      accountId: '111111111111',
      accessKeyId: 'ASIAFED',
      sessionContext: { sessionIssuer: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/bob-svc', userName: 'bob-svc' } },
    },
  },
  root: { userIdentity: { type: 'Root', principalId: '111111111111', arn: 'arn:aws:iam::111111111111:root', accountId: '111111111111' } },
  awsAccount: { userIdentity: { type: 'AWSAccount', principalId: 'AIDAX', accountId: '333333333333' } },
  identityCenter: {
    userIdentity: {
      type: 'IdentityCenterUser',
      accountId: '111111111111',
      onBehalfOf: { userId: '9067-aaaa', identityStoreArn: 'arn:aws:identitystore::111111111111:identitystore/d-123' },
    },
  },
  webIdentity: {
    userIdentity: { type: 'WebIdentityUser', principalId: 'token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/backend:ref:refs/heads/main', userName: 'repo:acme/backend:ref:refs/heads/main', identityProvider: 'token.actions.githubusercontent.com' },
    eventName: 'AssumeRoleWithWebIdentity',
    eventSource: 'sts.amazonaws.com',
  },
  saml: { userIdentity: { type: 'SAMLUser', principalId: 'x', userName: 'carol@acme.example', identityProvider: 'arn:aws:iam::111111111111:saml-provider/Okta' } },
  consoleFailure: {
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/alice', accountId: '111111111111', userName: 'alice' },
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Failure' },
    errorMessage: 'Failed authentication',
    requestParameters: null,
    resources: undefined,
    additionalEventData: { MFAUsed: 'No' },
  },
  denied: { errorCode: 'AccessDenied', errorMessage: 'User is not authorized' },
  putExternal: {
    eventName: 'PutObject',
    readOnly: false,
    requestParameters: { bucketName: 'exfil-drop-7731', key: 'dump/part-1' },
    additionalEventData: { bytesTransferredIn: 104857600, bytesTransferredOut: 0 },
    resources: [
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::exfil-drop-7731/dump/part-1' },
      { accountId: '999999999999', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::exfil-drop-7731' },
    ],
  },
  copyObject: {
    eventName: 'CopyObject',
    readOnly: false,
    requestParameters: { bucketName: 'dst', key: 'a/b', 'x-amz-copy-source': 'src-bucket/a%20b?versionId=1' },
    resources: [],
  },
  secret: {
    eventName: 'GetSecretValue',
    eventSource: 'secretsmanager.amazonaws.com',
    requestParameters: { secretId: 'prod/db' },
    resources: [],
  },
  noEventId: { eventID: undefined },
};

interface Row {
  event_uid: string;
  actor_uid: string | null;
  actor_type: string;
  actor_display: string | null;
  is_nhi: boolean | null;
  credential_uid: string | null;
  session_uid: string | null;
  origin_uid: string | null;
  operation: string;
  category: string;
  resource_uid: string | null;
  resource_type: string | null;
  boundary: string | null;
  status: string;
  error_code: string | null;
  bytes_in: number | null;
}

describe('the CloudTrail parser', () => {
  let store: CaseStore;
  const rows = new Map<string, Row>();

  beforeAll(async () => {
    const dir = tempDir();
    const lines = Object.entries(CASES).map(([id, overrides], i) => JSON.stringify({ ...ctRecord(i), eventID: id, ...overrides }));
    writeFileSync(join(dir, 'cases.jsonl'), `${lines.join('\n')}\n`);
    store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    const report = await importBundles(store, [dir]);
    expect(report.totals.quarantined).toBe(0);
    for (const row of await store.read<Row & { raw: string }>(`SELECT * FROM events`)) {
      rows.set((JSON.parse(row.raw) as { eventID?: string }).eventID ?? 'noEventId', row);
    }
  });
  afterAll(() => store?.close());

  it.each([
    ['iamUser', 'iam_user', 'arn:aws:iam::111111111111:user/alice', 'alice'],
    ['assumedRoleNoIssuer', 'assumed_role', 'arn:aws:iam::222222222222:role/deploy', 'deploy/gha-123'],
    ['awsService', 'aws_service', 'aws-service:ec2.amazonaws.com', 'ec2.amazonaws.com'],
    ['federated', 'federated_user', 'arn:aws:sts::111111111111:federated-user/bob', 'bob'],
    ['root', 'root', 'arn:aws:iam::111111111111:root', 'root (111111111111)'],
    ['awsAccount', 'aws_account', 'aws-account:333333333333', 'AIDAX'],
    ['identityCenter', 'identity_center_user', 'aws-identity-center:arn:aws:identitystore::111111111111:identitystore/d-123/9067-aaaa', null],
    ['webIdentity', 'web_identity_user', 'web-identity:token.actions.githubusercontent.com:repo:acme/backend:ref:refs/heads/main', 'repo:acme/backend:ref:refs/heads/main'],
    ['saml', 'saml_user', 'saml:arn:aws:iam::111111111111:saml-provider/Okta:carol@acme.example', 'carol@acme.example'],
  ])('maps a %s identity to type %s and uid %s', (id, type, uid, display) => {
    const row = rows.get(id)!;
    expect(row).toMatchObject({ actor_type: type, actor_uid: uid });
    if (display !== null) expect(row.actor_display).toBe(display);
  });

  it('keeps the credential, the session and who stands behind it', () => {
    expect(rows.get('iamUser')).toMatchObject({ credential_uid: 'AKIAALICE', session_uid: null });
    expect(rows.get('assumedRoleNoIssuer')).toMatchObject({
      credential_uid: 'ASIADEPLOY',
      session_uid: 'arn:aws:sts::222222222222:assumed-role/deploy/gha-123',
    });
    expect(rows.get('federated')).toMatchObject({ origin_uid: 'arn:aws:iam::111111111111:user/bob-svc', session_uid: 'arn:aws:sts::111111111111:federated-user/bob' });
    expect(rows.get('awsService')).toMatchObject({ is_nhi: true, category: 'auth', resource_uid: 'arn:aws:iam::111111111111:role/backend-svc' });
    expect(rows.get('webIdentity')!.category).toBe('auth');
  });

  it('reports failures: denied calls and failed console logins', () => {
    expect(rows.get('denied')).toMatchObject({ status: 'failure', error_code: 'AccessDenied' });
    expect(rows.get('consoleFailure')).toMatchObject({ status: 'failure', error_code: 'Failed authentication', category: 'auth', resource_uid: null });
    expect(rows.get('iamUser')).toMatchObject({ status: 'success', error_code: null });
  });

  it('puts an S3 object in the bucket owner account, even an external one, with its bytes', async () => {
    expect(rows.get('putExternal')).toMatchObject({
      resource_uid: 'arn:aws:s3:::exfil-drop-7731/dump/part-1',
      resource_type: 'AWS::S3::Object',
      boundary: '999999999999',
      category: 'write',
      bytes_in: 104857600,
    });
    const copy = await store.read(`SELECT resource_uid, role FROM event_resources WHERE event_uid = 'copyObject' ORDER BY role`);
    expect(copy).toEqual([
      { resource_uid: 'arn:aws:s3:::dst', role: 'container' },
      { resource_uid: 'arn:aws:s3:::dst/a/b', role: 'primary' },
      { resource_uid: 'arn:aws:s3:::src-bucket/a b', role: 'source' },
    ]);
  });

  it('builds an ARN for a secret named without one', () => {
    expect(rows.get('secret')).toMatchObject({
      resource_uid: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db',
      category: 'read',
      boundary: '111111111111',
    });
  });

  it('names a record without an eventID by the SHA-256 of its raw text', () => {
    expect(rows.get('noEventId')!.event_uid).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
