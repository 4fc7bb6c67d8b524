import { type JsonStructure, type SourceParser, sqlString } from './source-parser';

/**
 * AWS CloudTrail, in every shape users export: S3 delivery files (`{"Records":[…]}`), JSON
 * arrays, JSON lines, and `lookup-events` / CloudTrail Lake output where the record is a JSON
 * string in `CloudTrailEvent` (the outer object stays the verbatim raw record).
 */

/** The fields we read, as a json_transform structure: one C++ parse per record. */
const RECORD_STRUCTURE = {
  // lookup-events / CloudTrail Lake: the whole record as a JSON string.
  CloudTrailEvent: 'VARCHAR',
  eventID: 'VARCHAR',
  eventTime: 'VARCHAR',
  // CloudTrail shipped through Logstash/Elastic keeps the time only in @timestamp.
  '@timestamp': 'VARCHAR',
  eventSource: 'VARCHAR',
  eventName: 'VARCHAR',
  eventType: 'VARCHAR',
  awsRegion: 'VARCHAR',
  sourceIPAddress: 'VARCHAR',
  userAgent: 'VARCHAR',
  errorCode: 'VARCHAR',
  errorMessage: 'VARCHAR',
  readOnly: 'VARCHAR',
  recipientAccountId: 'VARCHAR',
  userIdentity: {
    type: 'VARCHAR',
    principalId: 'VARCHAR',
    arn: 'VARCHAR',
    accountId: 'VARCHAR',
    accessKeyId: 'VARCHAR',
    userName: 'VARCHAR',
    invokedBy: 'VARCHAR',
    identityProvider: 'VARCHAR',
    sessionContext: {
      sessionIssuer: { type: 'VARCHAR', arn: 'VARCHAR', userName: 'VARCHAR', accountId: 'VARCHAR' },
      sourceIdentity: 'VARCHAR',
      webIdFederationData: { federatedProvider: 'VARCHAR' },
    },
    onBehalfOf: { userId: 'VARCHAR', identityStoreArn: 'VARCHAR' },
  },
  requestParameters: {
    bucketName: 'VARCHAR',
    key: 'VARCHAR',
    'x-amz-copy-source': 'VARCHAR',
    roleArn: 'VARCHAR',
    policyArn: 'VARCHAR',
    userName: 'VARCHAR',
    roleName: 'VARCHAR',
    secretId: 'VARCHAR',
    functionName: 'VARCHAR',
    keyId: 'VARCHAR',
  },
  responseElements: { ConsoleLogin: 'VARCHAR' },
  additionalEventData: { bytesTransferredIn: 'DOUBLE', bytesTransferredOut: 'DOUBLE' },
  resources: [{ ARN: 'VARCHAR', type: 'VARCHAR', accountId: 'VARCHAR' }],
} as const satisfies { [key: string]: JsonStructure };

const USER_IDENTITY_TYPES: Record<string, string> = {
  IAMUser: 'iam_user',
  AssumedRole: 'assumed_role',
  AWSService: 'aws_service',
  FederatedUser: 'federated_user',
  Root: 'root',
  AWSAccount: 'aws_account',
  IdentityCenterUser: 'identity_center_user',
  WebIdentityUser: 'web_identity_user',
  SAMLUser: 'saml_user',
};

/**
 * Operation category by event name, first match wins. Sign-in and token calls are `auth`;
 * changes to identities, policies, logging and sharing are `admin`, because detections and
 * the graph treat them as privilege changes.
 */
export const CATEGORY_RULES: readonly (readonly [pattern: string, category: string])[] = [
  ['^(ConsoleLogin|CheckMfa|SwitchRole|ExitRole|Authenticate|CredentialVerification|CredentialChallenge|UserAuthentication)$', 'auth'],
  ['^(AssumeRole|AssumeRoleWithWebIdentity|AssumeRoleWithSAML|AssumeRoot|GetFederationToken|GetSessionToken|GetRoleCredentials|CreateToken|GetSigninToken|CreateSession)$', 'auth'],
  ['^(Attach|Detach|PutUserPolicy|PutRolePolicy|PutGroupPolicy|DeleteUserPolicy|DeleteRolePolicy|CreatePolicyVersion|SetDefaultPolicyVersion|UpdateAssumeRolePolicy|AddUserToGroup|RemoveUserFromGroup)', 'admin'],
  ['^(CreateUser|DeleteUser|CreateRole|DeleteRole|CreateAccessKey|UpdateAccessKey|DeleteAccessKey|CreateLoginProfile|UpdateLoginProfile|DeleteLoginProfile|CreateServiceSpecificCredential|UploadSSHPublicKey|CreateTrustAnchor|CreateProfile|CreateSAMLProvider|CreateOpenIDConnectProvider)$', 'admin'],
  ['^(StopLogging|DeleteTrail|UpdateTrail|PutEventSelectors|DeleteFlowLogs|LeaveOrganization|DisableSecurityHub|DeleteDetector|PutBucketPolicy|PutBucketAcl|PutObjectAcl|ModifyImageAttribute|ModifySnapshotAttribute|ModifyDBSnapshotAttribute|AuthorizeSecurityGroupIngress|AuthorizeSecurityGroupEgress|AddPermission|PutKeyPolicy|CreateGrant|SendCommand|StartSession)$', 'admin'],
  ['^(List|Describe|Scan|Search|Lookup)', 'list'],
  ['^(Get|Head|Select|Query|BatchGet|Read|Download|Decrypt|Export|Retrieve)', 'read'],
  ['^(Delete|Remove|Terminate|Purge|Destroy|Deregister|Revoke|Disable|Cancel|Stop)', 'delete'],
];

function categorySql(operation: string, readOnly: string): string {
  const branches = CATEGORY_RULES.map(([pattern, category]) => `WHEN regexp_matches(${operation}, ${sqlString(pattern)}) THEN ${sqlString(category)}`);
  return `CASE ${branches.join(' ')} WHEN lower(${readOnly}) = 'true' THEN 'read' ELSE 'write' END`;
}

function actorTypeSql(type: string): string {
  const branches = Object.entries(USER_IDENTITY_TYPES).map(([from, to]) => `WHEN ${sqlString(from)} THEN ${sqlString(to)}`);
  return `CASE ${type} ${branches.join(' ')} ELSE 'unknown' END`;
}

/** `arn:aws:sts::1:assumed-role/R/S` → `arn:aws:iam::1:role/R`, for records with no sessionIssuer. */
const ROLE_FROM_SESSION = `regexp_replace(ui.arn, '^arn:([^:]+):sts::([0-9]*):assumed-role/([^/]+)/.*$', 'arn:\\1:iam::\\2:role/\\3')`;

export const awsCloudTrail: SourceParser = {
  id: 'aws.cloudtrail',
  version: '1.0.0',
  structure: RECORD_STRUCTURE,

  probe: { eventSource: 'VARCHAR', eventName: 'VARCHAR', eventVersion: 'VARCHAR', CloudTrailEvent: 'VARCHAR' },

  detect(p) {
    return `((${p}.eventSource IS NOT NULL AND ${p}.eventName IS NOT NULL) OR ${p}.CloudTrailEvent IS NOT NULL)`;
  },

  normalizeSql(from, structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    return `
WITH parsed AS (
  SELECT ${carry}record_no, byte_offset, line, raw,
    CASE WHEN j.CloudTrailEvent IS NULL THEN j ELSE try(json_transform(j.CloudTrailEvent, ${structure})) END AS c
  FROM ${from}
),
fields AS (
  SELECT ${carry}record_no, byte_offset, line, raw, c,
    coalesce(c.eventTime, c."@timestamp") AS event_time,
    c.userIdentity AS ui,
    c.requestParameters AS rp,
    nullif(c.awsRegion, '') AS region,
    coalesce(nullif(c.userIdentity.accountId, ''), c.recipientAccountId) AS acct,
    CASE WHEN c.requestParameters.bucketName IS NOT NULL THEN
      'arn:aws:s3:::' || c.requestParameters.bucketName
        || CASE WHEN c.requestParameters.key IS NOT NULL THEN '/' || c.requestParameters.key ELSE '' END
    END AS s3_arn
  FROM parsed
),
mapped AS (
  SELECT *,
    coalesce(
      s3_arn,
      c.resources[1].ARN,
      nullif(rp.roleArn, ''),
      nullif(rp.policyArn, ''),
      CASE WHEN rp.secretId LIKE 'arn:%' THEN rp.secretId
           WHEN rp.secretId IS NOT NULL THEN 'arn:aws:secretsmanager:' || region || ':' || acct || ':secret:' || rp.secretId END,
      CASE WHEN rp.functionName LIKE 'arn:%' THEN rp.functionName
           WHEN rp.functionName IS NOT NULL THEN 'arn:aws:lambda:' || region || ':' || acct || ':function:' || rp.functionName END,
      CASE WHEN rp.roleName IS NOT NULL THEN 'arn:aws:iam::' || acct || ':role/' || rp.roleName END,
      CASE WHEN rp.userName IS NOT NULL AND c.eventSource = 'iam.amazonaws.com' THEN 'arn:aws:iam::' || acct || ':user/' || rp.userName END,
      CASE WHEN rp.keyId LIKE 'arn:%' THEN rp.keyId END
    ) AS resource_uid
  FROM fields
),
norm AS (
SELECT ${carry}
  coalesce(nullif(c.eventID, ''), 'sha256:' || sha256(raw)) AS event_uid,
  line,
  try_cast(event_time AS TIMESTAMPTZ)::TIMESTAMP AS time,
  'aws.cloudtrail' AS source,
  record_no,
  byte_offset,
  CASE ui.type
    WHEN 'IAMUser' THEN coalesce(ui.arn, 'arn:aws:iam::' || ui.accountId || ':user/' || ui.userName)
    WHEN 'AssumedRole' THEN coalesce(ui.sessionContext.sessionIssuer.arn, ${ROLE_FROM_SESSION})
    WHEN 'AWSService' THEN 'aws-service:' || coalesce(ui.invokedBy, c.eventSource)
    WHEN 'FederatedUser' THEN ui.arn
    WHEN 'Root' THEN coalesce(ui.arn, 'arn:aws:iam::' || ui.accountId || ':root')
    WHEN 'AWSAccount' THEN 'aws-account:' || coalesce(ui.accountId, ui.principalId)
    WHEN 'IdentityCenterUser' THEN 'aws-identity-center:' || ui.onBehalfOf.identityStoreArn || '/' || ui.onBehalfOf.userId
    WHEN 'WebIdentityUser' THEN 'web-identity:' || ui.identityProvider || ':' || ui.userName
    WHEN 'SAMLUser' THEN 'saml:' || ui.identityProvider || ':' || ui.userName
    ELSE coalesce(ui.arn, nullif(ui.principalId, ''), ui.userName, CASE WHEN ui.invokedBy IS NOT NULL THEN 'aws-service:' || ui.invokedBy END)
  END AS actor_uid,
  CASE WHEN ui IS NULL OR ui.type IS NULL THEN (CASE WHEN ui.invokedBy IS NOT NULL THEN 'aws_service' ELSE 'unknown' END)
       ELSE ${actorTypeSql('ui.type')} END AS actor_type,
  CASE ui.type
    WHEN 'AssumedRole' THEN coalesce(regexp_extract(ui.arn, 'assumed-role/(.+)$', 1), ui.sessionContext.sessionIssuer.userName)
    WHEN 'AWSService' THEN coalesce(ui.invokedBy, c.eventSource)
    WHEN 'Root' THEN 'root (' || coalesce(ui.accountId, '?') || ')'
    WHEN 'FederatedUser' THEN regexp_extract(ui.arn, 'federated-user/(.+)$', 1)
    ELSE coalesce(nullif(ui.userName, ''), ui.arn, ui.principalId, ui.invokedBy)
  END AS actor_display,
  CASE WHEN ui.type = 'AWSService' THEN true END AS is_nhi,
  nullif(ui.accessKeyId, '') AS credential_uid,
  CASE WHEN ui.type IN ('AssumedRole', 'FederatedUser') THEN ui.arn END AS session_uid,
  CASE
    WHEN ui.type = 'FederatedUser' THEN ui.sessionContext.sessionIssuer.arn
    WHEN ui.sessionContext.sourceIdentity IS NOT NULL THEN ui.sessionContext.sourceIdentity
    WHEN ui.invokedBy IS NOT NULL AND ui.type <> 'AWSService' THEN 'aws-service:' || ui.invokedBy
  END AS origin_uid,
  coalesce(c.eventName, '(none)') AS operation,
  regexp_replace(c.eventSource, '\\.amazonaws\\.com$', '') AS service,
  ${categorySql('c.eventName', 'c.readOnly')} AS category,
  resource_uid,
  CASE
    WHEN s3_arn IS NOT NULL AND rp.key IS NOT NULL THEN 'AWS::S3::Object'
    WHEN s3_arn IS NOT NULL THEN 'AWS::S3::Bucket'
    WHEN resource_uid = c.resources[1].ARN THEN c.resources[1].type
    ELSE 'AWS::' || regexp_extract(resource_uid, '^arn:[^:]+:([^:]+):', 1)
  END AS resource_type,
  coalesce(
    list_filter(c.resources, r -> r.ARN = resource_uid AND r.accountId IS NOT NULL)[1].accountId,
    list_filter(c.resources, r -> s3_arn IS NOT NULL AND r.ARN = 'arn:aws:s3:::' || rp.bucketName AND r.accountId IS NOT NULL)[1].accountId,
    nullif(regexp_extract(resource_uid, '^arn:[^:]+:[^:]+:[^:]*:([0-9]{12}):', 1), '')
  ) AS boundary,
  acct AS actor_boundary,
  region,
  nullif(c.sourceIPAddress, '') AS src_ip,
  nullif(c.userAgent, '') AS user_agent,
  CASE WHEN c.errorCode IS NOT NULL OR c.responseElements.ConsoleLogin = 'Failure' THEN 'failure' ELSE 'success' END AS status,
  coalesce(c.errorCode, CASE WHEN c.responseElements.ConsoleLogin = 'Failure' THEN coalesce(c.errorMessage, 'Failure') END) AS error_code,
  c.additionalEventData.bytesTransferredOut::BIGINT AS bytes_out,
  c.additionalEventData.bytesTransferredIn::BIGINT AS bytes_in,
  raw,
  CASE
    WHEN c IS NULL THEN 'malformed_json'
    WHEN c.eventName IS NULL THEN 'missing_field'
    WHEN try_cast(event_time AS TIMESTAMPTZ) IS NULL THEN 'no_time'
  END AS problem,
  CASE
    WHEN c IS NULL THEN 'the CloudTrailEvent string is not valid JSON'
    WHEN c.eventName IS NULL THEN 'CloudTrail record without eventName'
    WHEN try_cast(event_time AS TIMESTAMPTZ) IS NULL THEN 'no usable time: eventTime is ' || coalesce('"' || event_time || '"', 'missing')
  END AS problem_message,
  c.resources AS _resources,
  CASE WHEN s3_arn IS NOT NULL AND rp.key IS NOT NULL THEN 'arn:aws:s3:::' || rp.bucketName END AS _bucket,
  CASE WHEN rp."x-amz-copy-source" IS NOT NULL THEN 'arn:aws:s3:::' || url_decode(split_part(rp."x-amz-copy-source", '?', 1)) END AS _copy_source
FROM mapped
)
SELECT * EXCLUDE (_resources, _bucket, _copy_source),
  list_concat(
    CASE WHEN resource_uid IS NOT NULL THEN [{'resource_uid': resource_uid, 'resource_type': resource_type, 'boundary': boundary, 'role': 'primary'}] ELSE [] END,
    CASE WHEN _bucket IS NOT NULL THEN [{'resource_uid': _bucket, 'resource_type': 'AWS::S3::Bucket', 'boundary': boundary, 'role': 'container'}] ELSE [] END,
    CASE WHEN _copy_source IS NOT NULL THEN [{'resource_uid': _copy_source, 'resource_type': 'AWS::S3::Object', 'boundary': NULL::VARCHAR, 'role': 'source'}] ELSE [] END,
    list_transform(
      list_filter(coalesce(_resources, []), r -> r.ARN IS NOT NULL AND r.ARN IS DISTINCT FROM resource_uid AND r.ARN IS DISTINCT FROM _bucket),
      r -> {'resource_uid': r.ARN, 'resource_type': r.type, 'boundary': r.accountId, 'role': 'related'})
  ) AS resources
FROM norm`;
  },
};
