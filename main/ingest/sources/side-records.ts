import type { JsonStructure } from './source-parser';

/**
 * Records that are evidence about the evidence rather than events: CloudTrail digest files
 * (hourly, signed lists of the log files CloudTrail delivered, with their SHA-256) and the S3
 * metadata of a digest that holds its signature (exported beside it as `<digest>.metadata.json`,
 * either as the metadata object itself or as `aws s3api head-object` output). They are detected
 * by content like any record, counted as imported records of their file, and kept in their own
 * tables for log-file integrity validation (main/integrity/cloudtrail-digests.ts).
 */
export interface SideRecordKind {
  id: 'cloudtrail.digest' | 'cloudtrail.digest-signature' | PermissionKind;
  version: string;
  probe: { readonly [key: string]: JsonStructure };
  /** SQL predicate over `p` (the record against the merged probes) and `doc` (its JSON text). */
  detect(p: string, doc: string): string;
}

export const SIDE_RECORDS: readonly SideRecordKind[] = [
  {
    id: 'cloudtrail.digest',
    version: '1',
    probe: { digestStartTime: 'VARCHAR', digestEndTime: 'VARCHAR', digestS3Object: 'VARCHAR', digestPublicKeyFingerprint: 'VARCHAR' },
    detect: (p) => `(${p}.digestEndTime IS NOT NULL AND ${p}.digestS3Object IS NOT NULL AND ${p}.digestPublicKeyFingerprint IS NOT NULL)`,
  },
  {
    id: 'cloudtrail.digest-signature',
    version: '1',
    // DuckDB's struct keys ignore case, and OCSF's `metadata` is probed already: head-object's
    // `Metadata` is read from the text, and only for records that carry an S3 `ETag`.
    probe: { signature: 'VARCHAR', 'signature-algorithm': 'VARCHAR', ETag: 'VARCHAR' },
    detect: (p, doc) =>
      `((${p}.signature IS NOT NULL AND ${p}."signature-algorithm" IS NOT NULL) OR (${p}.ETag IS NOT NULL AND json_extract_string(${doc}, '$.Metadata.signature') IS NOT NULL))`,
  },
];

/**
 * Permission snapshots: what was granted, beside the logs of what was done (main/access/). Each
 * is evidence like a log record (hashed, counted, quarantined when broken) and lands verbatim in
 * `permission_records`; the access model is derived from them after each import.
 */
export type PermissionKind =
  | 'aws.iam-authorization-details'
  | 'aws.iam-credential-report'
  | 'aws.iam-access-keys'
  | 'aws.organizations-policy'
  | 'k8s.rbac'
  | 'gcp.iam-policy'
  | 'gcp.service-account-key'
  | 'azure.role-assignment'
  | 'azure.app-credential';

const isList = (x: string) => `json_type(${x}) = 'ARRAY'`;

export const PERMISSION_RECORDS: readonly SideRecordKind[] = [
  {
    // `aws iam get-account-authorization-details` (the CLI merges its pages into one document).
    id: 'aws.iam-authorization-details',
    version: '1',
    probe: { UserDetailList: 'JSON', RoleDetailList: 'JSON', GroupDetailList: 'JSON', Policies: 'JSON' },
    detect: (p) =>
      `(${p}.Policies IS NOT NULL OR ${p}.UserDetailList IS NOT NULL OR ${p}.RoleDetailList IS NOT NULL OR ${p}.GroupDetailList IS NOT NULL) AND coalesce(${isList(`${p}.UserDetailList`)}, true) AND coalesce(${isList(`${p}.RoleDetailList`)}, true) AND coalesce(${isList(`${p}.GroupDetailList`)}, true) AND coalesce(${isList(`${p}.Policies`)}, true)`,
  },
  {
    // One row of the IAM credential report (CSV; a row becomes a record keyed by the header).
    id: 'aws.iam-credential-report',
    version: '1',
    probe: { user: 'VARCHAR', arn: 'VARCHAR', access_key_1_active: 'VARCHAR', password_enabled: 'VARCHAR' },
    detect: (p) => `(${p}.user IS NOT NULL AND ${p}.arn IS NOT NULL AND ${p}.access_key_1_active IS NOT NULL AND ${p}.password_enabled IS NOT NULL)`,
  },
  {
    // `aws iam list-access-keys` (key ids, their status and creation date: the report has no ids).
    id: 'aws.iam-access-keys',
    version: '1',
    probe: { AccessKeyMetadata: 'JSON' },
    detect: (p) => `(${p}.AccessKeyMetadata IS NOT NULL AND ${isList(`${p}.AccessKeyMetadata`)})`,
  },
  {
    // `aws organizations describe-policy` of a service control policy (its targets beside it when exported).
    id: 'aws.organizations-policy',
    version: '1',
    probe: { Policy: { PolicySummary: { Type: 'VARCHAR', Arn: 'VARCHAR' }, Content: 'VARCHAR' }, Targets: 'JSON' },
    detect: (p) => `(${p}.Policy.PolicySummary.Type = 'SERVICE_CONTROL_POLICY' AND ${p}.Policy.Content IS NOT NULL)`,
  },
  {
    // `kubectl get roles,clusterroles,rolebindings,clusterrolebindings,serviceaccounts -A -o json`: each item.
    id: 'k8s.rbac',
    version: '1',
    probe: { kind: 'VARCHAR', apiVersion: 'VARCHAR', rules: 'JSON', roleRef: 'JSON', subjects: 'JSON', aggregationRule: 'JSON' },
    detect: (p) =>
      `((${p}.kind IN ('Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding') AND starts_with(${p}.apiVersion, 'rbac.authorization.k8s.io/'))
        OR (${p}.kind = 'ServiceAccount' AND ${p}.apiVersion = 'v1'))`,
  },
  {
    // `gcloud projects get-iam-policy --format json`, or one result of `gcloud asset search-all-iam-policies`.
    id: 'gcp.iam-policy',
    version: '1',
    // Neither `policy` nor `etag` is probed: struct keys ignore case, and `Policy` (the SCP's) and
    // `ETag` (S3 metadata) are; a binding is known by its role and members instead.
    probe: { bindings: 'JSON', resource: 'VARCHAR' },
    detect: (p, doc) =>
      `((${p}.bindings IS NOT NULL AND ${isList(`${p}.bindings`)} AND json_extract_string(${p}.bindings, '$[0].role') IS NOT NULL AND json_exists(${p}.bindings, '$[0].members'))
        OR (${p}.resource IS NOT NULL AND json_exists(${doc}, '$.policy.bindings')))`,
  },
  {
    // One key of `gcloud iam service-accounts keys list --format json`.
    id: 'gcp.service-account-key',
    version: '1',
    probe: { keyType: 'VARCHAR', validAfterTime: 'VARCHAR', keyAlgorithm: 'VARCHAR' },
    detect: (p) => `(${p}.keyType IS NOT NULL AND ${p}.validAfterTime IS NOT NULL AND ${p}.keyAlgorithm IS NOT NULL)`,
  },
  {
    // One row of `az role assignment list --all`.
    id: 'azure.role-assignment',
    version: '1',
    probe: { principalId: 'VARCHAR', roleDefinitionId: 'VARCHAR', scope: 'VARCHAR' },
    detect: (p) => `(${p}.principalId IS NOT NULL AND ${p}.roleDefinitionId IS NOT NULL AND ${p}.scope IS NOT NULL)`,
  },
  {
    // One credential of `az ad app credential list` / `az ad sp credential list`.
    id: 'azure.app-credential',
    version: '1',
    probe: { keyId: 'VARCHAR', endDateTime: 'VARCHAR', startDateTime: 'VARCHAR', hint: 'VARCHAR', customKeyIdentifier: 'VARCHAR' },
    detect: (p) => `(${p}.keyId IS NOT NULL AND ${p}.endDateTime IS NOT NULL AND ${p}.startDateTime IS NOT NULL)`,
  },
];

export const ALL_SIDE_RECORDS: readonly SideRecordKind[] = [...SIDE_RECORDS, ...PERMISSION_RECORDS];

export const SIDE_RECORD_IDS = ALL_SIDE_RECORDS.map((s) => s.id);
export const PERMISSION_KINDS = PERMISSION_RECORDS.map((s) => s.id);

/** The digest's fields, read from its raw JSON (`r`). */
export const DIGEST_COLUMNS = (r: string) => `
  ${r}->>'awsAccountId', regexp_extract(${r}->>'digestS3Object', 'CloudTrail-Digest/([^/]+)/', 1),
  try_cast(${r}->>'digestStartTime' AS TIMESTAMPTZ)::TIMESTAMP, try_cast(${r}->>'digestEndTime' AS TIMESTAMPTZ)::TIMESTAMP,
  ${r}->>'digestS3Bucket', ${r}->>'digestS3Object', ${r}->>'previousDigestS3Bucket', ${r}->>'previousDigestS3Object',
  ${r}->>'previousDigestHashValue', ${r}->>'previousDigestHashAlgorithm', ${r}->>'previousDigestSignature',
  ${r}->>'digestPublicKeyFingerprint', ${r}->>'digestSignatureAlgorithm',
  try_cast(${r}->>'oldestEventTime' AS TIMESTAMPTZ)::TIMESTAMP, try_cast(${r}->>'newestEventTime' AS TIMESTAMPTZ)::TIMESTAMP,
  coalesce([{'s3_bucket': x.s3Bucket, 's3_object': x.s3Object, 'hash_value': x.hashValue, 'hash_algorithm': x.hashAlgorithm,
      'oldest_event_time': x.oldestEventTime, 'newest_event_time': x.newestEventTime}
    FOR x IN json_transform(${r}->'logFiles', '[{"s3Bucket":"VARCHAR","s3Object":"VARCHAR","hashValue":"VARCHAR","hashAlgorithm":"VARCHAR","oldestEventTime":"VARCHAR","newestEventTime":"VARCHAR"}]')], []),
  ${r}`;
