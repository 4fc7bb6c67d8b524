/**
 * The normalized event schema shared by ingest, analytics and the renderer.
 *
 * Aligned with OCSF API Activity but flat, so that DuckDB can scan single columns fast.
 * Every event keeps its verbatim raw record and its provenance (evidence row, record number,
 * byte offset inside the decompressed file), so any derived fact traces back to a hashed file.
 */

/** Log sources the case knows. Each has one parser in `main/ingest/sources/`. */
export const SOURCES = [
  'aws.cloudtrail',
  'k8s.audit',
  'gcp.audit',
  'azure.activity',
  'azure.signin',
  'azure.audit',
  'm365.audit',
  'github.audit',
  'okta.system',
  'ocsf',
  'timesketch',
  'mapped',
] as const;
export type Source = (typeof SOURCES)[number];

/** Coarse operation category, used by filters, graph edges and detections. */
export const CATEGORIES = ['read', 'write', 'delete', 'list', 'auth', 'admin', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['success', 'failure'] as const;
export type Status = (typeof STATUSES)[number];

/**
 * Actor type hint from the parser. Identity analytics later turns hints into a classification
 * with reasons; the parser only reports what the log says.
 */
export const ACTOR_TYPES = [
  'iam_user',
  'assumed_role',
  'aws_service',
  'federated_user',
  'root',
  'aws_account',
  'identity_center_user',
  'web_identity_user',
  'saml_user',
  'unknown',
] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** One normalized event as read back from the case (times as ISO strings in UTC). */
export interface NormalizedEvent {
  event_uid: string;
  /** UTC, microsecond precision. */
  time: string;
  source: Source;
  evidence_id: number;
  record_no: number;
  byte_offset: number;
  actor_uid: string | null;
  actor_type: ActorType | null;
  actor_display: string | null;
  /** Null until identity analytics has classified the actor, unless the log itself is explicit. */
  is_nhi: boolean | null;
  credential_uid: string | null;
  session_uid: string | null;
  /** Who or what stands behind the session (for a role session: the role issuer's ARN). */
  origin_uid: string | null;
  operation: string;
  service: string | null;
  category: Category;
  resource_uid: string | null;
  resource_type: string | null;
  /** Trust boundary of the resource: AWS account id, GCP project, subscription, cluster/namespace, org. */
  boundary: string | null;
  /** Trust boundary of the actor (the account the call was made from). */
  actor_boundary: string | null;
  region: string | null;
  src_ip: string | null;
  user_agent: string | null;
  status: Status;
  error_code: string | null;
  bytes_out: number | null;
  bytes_in: number | null;
  raw: string;
}

/**
 * Canonical identity uids, so that fixtures' ground truth, parsers and analytics agree.
 *
 * AWS (CloudTrail userIdentity.type):
 * - IAMUser: the user ARN, `arn:aws:iam::<acct>:user/<name>`
 * - AssumedRole: the role ARN from sessionContext.sessionIssuer, `arn:aws:iam::<acct>:role/<name>`;
 *   the session itself is `session_uid` = `arn:aws:sts::<acct>:assumed-role/<role>/<session>`
 * - Root: `arn:aws:iam::<acct>:root`
 * - AWSService: `aws-service:<invokedBy>` (for example `aws-service:ec2.amazonaws.com`)
 * - FederatedUser: the federated-user ARN; origin_uid is the IAM user that called GetFederationToken
 * - AWSAccount: `aws-account:<accountId>`
 * - IdentityCenterUser: `aws-identity-center:<identityStoreArn>/<userId>`
 * - WebIdentityUser: `web-identity:<identityProvider>:<userName>`
 * - SAMLUser: `saml:<identityProvider>:<userName>`
 * Credentials: the access key id (`AKIA…` long-term, `ASIA…` temporary) as credential_uid.
 * Resources: ARNs; S3 objects `arn:aws:s3:::<bucket>/<key>`, buckets `arn:aws:s3:::<bucket>`.
 */
export type IdentityUid = string;
