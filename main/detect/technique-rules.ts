import { type BuiltinRule, type FindingRow, grouped, list } from './builtin-rules';
import type { Severity } from './rule';

/**
 * Technique families a cloud intrusion goes through that no volume or baseline rule sees: each a
 * set of operations across the log sources that record it, tagged with MITRE ATT&CK (cloud
 * matrix). Matching is on what the call did, never on a name of a fixture. One finding per
 * identity and day; failed attempts are kept as evidence and lower the severity.
 */

interface Technique {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  attack: NonNullable<BuiltinRule['attack']>;
  sources: string[];
  /**
   * SQL predicate over `e` (events). `raw(pattern)` tests the verbatim record: the rule first
   * selects candidates with every such test taken as true (cheap columns only, so the scan never
   * decompresses the raw records of a million events), then applies the whole predicate to them.
   */
  match: (raw: (pattern: string) => string) => string;
  /** SQL predicate that makes one matching event worse (a public grant, cluster-admin, a first time). */
  worse?: string;
  worseSeverity?: Severity;
  what: string;
}

const ops = (...names: string[]) => `e.operation IN (${names.map((n) => `'${n}'`).join(', ')})`;
const rawHas = (pattern: string) => `regexp_matches(e.raw, '${pattern}')`;
const anyRaw = () => 'true';
/** Days on which an identity must do one of these things before it counts as its habit. */
const HABIT_DAYS = 3;

const TECHNIQUES: Technique[] = [
  {
    id: 'log-tampering',
    title: 'Audit logging stopped, deleted or narrowed',
    severity: 'high',
    description: 'A trail, event data store, flow log, log sink, exclusion, diagnostic setting, detector or audit stream stopped, deleted or changed to record less.',
    attack: [{ tactic: 'Defense Evasion', technique: 'T1562.008', name: 'Impair Defenses: Disable or Modify Cloud Logs' }],
    sources: ['aws.cloudtrail', 'gcp.audit', 'azure.activity', 'github.audit', 'okta.system'],
    match: () => `(
      (e.source = 'aws.cloudtrail' AND ${ops('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors', 'PutInsightSelectors', 'DeleteEventDataStore', 'StopEventDataStoreIngestion',
        'DeleteFlowLogs', 'DeleteLogGroup', 'DeleteLogStream', 'DeleteDetector', 'UpdateDetector', 'DisassociateFromMasterAccount', 'DeleteConfigurationRecorder', 'StopConfigurationRecorder', 'DeleteDeliveryChannel')})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)ConfigServiceV2\\.(DeleteSink|UpdateSink|CreateExclusion|UpdateExclusion|DeleteBucket|UpdateBucket)$'))
      OR (e.source = 'azure.activity' AND regexp_matches(e.operation, '(?i)^microsoft\\.insights/diagnosticsettings/(delete|write)$'))
      OR (e.source = 'github.audit' AND regexp_matches(e.operation, '^audit_log_streaming\\.(destroy|update|disable)'))
      OR (e.source = 'okta.system' AND ${ops('system.log_stream.lifecycle.deactivate', 'system.log_stream.lifecycle.delete')}))`,
    worse: ops('StopLogging', 'DeleteTrail', 'DeleteEventDataStore', 'DeleteFlowLogs', 'DeleteDetector', 'system.log_stream.lifecycle.delete'),
    worseSeverity: 'critical',
    what: 'logging change(s)',
  },
  {
    id: 'resource-shared',
    title: 'Snapshot, image, key or bucket shared',
    severity: 'medium',
    description: 'A snapshot, image, database snapshot, key or bucket opened to another account or to everyone (attribute changes, bucket policies and ACLs, KMS grants, resource policies, IAM on storage).',
    attack: [{ tactic: 'Exfiltration', technique: 'T1537', name: 'Transfer Data to Cloud Account' }],
    sources: ['aws.cloudtrail', 'gcp.audit'],
    match: (raw) => `(
      (e.source = 'aws.cloudtrail' AND ${ops('ModifySnapshotAttribute', 'ModifyImageAttribute', 'ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute', 'PutBucketPolicy',
        'PutBucketAcl', 'DeletePublicAccessBlock', 'DeleteBucketPublicAccessBlock', 'CreateGrant', 'PutResourcePolicy', 'PutKeyPolicy', 'AddPermission', 'SharedSnapshotCopyInitiated')})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)(storage\\.setIamPermissions|(images|snapshots|disks)\\.setIamPolicy|SetIamPolicy)$')
          AND ${raw('(?i)(allUsers|allAuthenticatedUsers|storage|compute)')}))`,
    worse: rawHas(`(?i)("group"\\s*:\\s*"all"|"Principal"\\s*:\\s*"\\*"|\\\\"Principal\\\\"\\s*:\\s*\\\\"\\*\\\\"|allUsers|allAuthenticatedUsers|"AWS"\\s*:\\s*"\\*")`),
    worseSeverity: 'high',
    what: 'sharing change(s)',
  },
  {
    id: 'remote-execution',
    title: 'Commands run on machines or in containers',
    severity: 'medium',
    description: 'SSM commands and sessions, EC2 Instance Connect and serial console keys, VM run commands and extensions, kubectl exec, attach and port-forward.',
    attack: [
      { tactic: 'Execution', technique: 'T1651', name: 'Cloud Administration Command' },
      { tactic: 'Execution', technique: 'T1609', name: 'Container Administration Command' },
    ],
    sources: ['aws.cloudtrail', 'azure.activity', 'gcp.audit', 'k8s.audit'],
    match: (raw) => `(
      (e.source = 'aws.cloudtrail' AND ${ops('SendCommand', 'StartSession', 'SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey', 'StartAutomationExecution')})
      OR (e.source = 'azure.activity' AND regexp_matches(e.operation, '(?i)^microsoft\\.compute/virtualmachines/(runcommand/action|runcommands/write|extensions/write)$'))
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)compute\\.instances\\.setMetadata$') AND ${raw('(?i)ssh-keys')})
      OR (e.source = 'k8s.audit' AND regexp_matches(e.operation, '^(create|get) (exec|attach|portforward)$')))`,
    what: 'remote command(s)',
  },
  {
    id: 'admin-granted',
    title: 'Administrator or wildcard access granted',
    severity: 'high',
    description: 'A binding to cluster-admin, a role or policy allowing every action, the AdministratorAccess policy, an owner or editor role granted.',
    attack: [{ tactic: 'Privilege Escalation', technique: 'T1098.003', name: 'Account Manipulation: Additional Cloud Roles' }],
    sources: ['aws.cloudtrail', 'gcp.audit', 'azure.activity', 'k8s.audit'],
    match: (raw) => `(
      (e.source = 'k8s.audit' AND e.operation IN ('create', 'update', 'patch') AND e.resource_type IN ('k8s:clusterrolebindings', 'k8s:rolebindings', 'k8s:clusterroles', 'k8s:roles')
        AND ${raw(`(cluster-admin|\\\\?"(verbs|resources|apiGroups)\\\\?"\\s*:\\s*\\[\\s*\\\\?"\\*)`)})
      OR (e.source = 'aws.cloudtrail' AND ${ops('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy')} AND ${raw('arn:aws:iam::aws:policy/(AdministratorAccess|IAMFullAccess)')})
      OR (e.source = 'aws.cloudtrail' AND ${ops('PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy', 'CreatePolicyVersion', 'CreatePolicy')} AND ${raw(`Action\\\\?"\\s*:\\s*\\[?\\s*\\\\?"\\*\\\\?"`)})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)SetIamPolicy$') AND ${raw('roles/(owner|editor|iam\\.securityAdmin)')})
      OR (e.source = 'azure.activity' AND regexp_matches(e.operation, '(?i)^microsoft\\.authorization/roleassignments/write$') AND ${raw('(?i)(8e3af657-a8ff-443c-a75c-2fe8c4bcb635|b24988ac-6180-42a0-ab88-20f7382dd24c)')}))`,
    what: 'administrative grant(s)',
  },
  {
    id: 'cloud-credential-added',
    title: 'Credential added to an identity',
    severity: 'high',
    description: 'Access keys, login profiles, service-account keys, app secrets and certificates, API tokens, SSH and deploy keys, OAuth tokens and app installations created for an identity.',
    attack: [{ tactic: 'Persistence', technique: 'T1098.001', name: 'Account Manipulation: Additional Cloud Credentials' }],
    sources: ['aws.cloudtrail', 'gcp.audit', 'azure.audit', 'm365.audit', 'github.audit', 'okta.system'],
    match: () => `(
      (e.source = 'aws.cloudtrail' AND ${ops('CreateAccessKey', 'CreateLoginProfile', 'UpdateLoginProfile', 'UploadSSHPublicKey', 'CreateServiceSpecificCredential', 'UploadSigningCertificate')})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)(CreateServiceAccountKey|UploadServiceAccountKey)$'))
      OR (e.source IN ('azure.audit', 'm365.audit') AND regexp_matches(e.operation, '(?i)^(add service principal credentials|update application . certificates and secrets management|add application password)'))
      OR (e.source = 'github.audit' AND regexp_matches(e.operation, '^(personal_access_token\\.(request_created|access_granted)|oauth_authorization\\.create|oauth_access\\.create|public_key\\.create|deploy_key\\.create|integration_installation\\.create|org_credential_authorization\\.grant)'))
      OR (e.source = 'okta.system' AND ${ops('system.api_token.create', 'app.oauth2.client.secret.create', 'user.mfa.factor.activate')}))`,
    what: 'credential(s) created',
  },
  {
    id: 'trust-changed',
    title: 'Who may act as an identity was widened',
    severity: 'high',
    description: 'Impersonation or actAs granted on a service account, a role trust policy changed, a workload identity pool or provider created or changed, an application consent granted.',
    attack: [
      { tactic: 'Privilege Escalation', technique: 'T1484.002', name: 'Domain or Tenant Policy Modification: Trust Modification' },
      { tactic: 'Credential Access', technique: 'T1528', name: 'Steal Application Access Token' },
    ],
    sources: ['aws.cloudtrail', 'gcp.audit', 'azure.audit', 'm365.audit', 'github.audit'],
    match: (raw) => `(
      (e.source = 'aws.cloudtrail' AND ${ops('UpdateAssumeRolePolicy', 'CreateOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint', 'CreateSAMLProvider', 'UpdateSAMLProvider')})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)SetIamPolicy$') AND ${raw('roles/iam\\.(serviceAccountUser|serviceAccountTokenCreator|workloadIdentityUser)')})
      OR (e.source = 'gcp.audit' AND regexp_matches(e.operation, '(?i)WorkloadIdentityPools?\\.(Create|Update|Undelete)'))
      OR (e.source IN ('azure.audit', 'm365.audit') AND regexp_matches(e.operation, '(?i)^(consent to application|add delegated permission grant|add app role assignment to service principal|add federated identity credential)'))
      OR (e.source = 'github.audit' AND regexp_matches(e.operation, '^(org\\.(set_default_workflow_permissions|update_actions_settings|set_actions_)|repo\\.(set_default_workflow_permissions|set_actions_)|oidc_|environment\\.(remove_protection_rule|update_protection_rule))')))`,
    what: 'trust change(s)',
  },
];

function techniqueRule(t: Technique): BuiltinRule {
  return {
    id: t.id,
    title: t.title,
    severity: t.severity,
    description: t.description,
    attack: t.attack,
    sources: t.sources,
    thresholds: {},
    sql: () =>
      grouped(
        // Candidates by cheap columns first, then the raw-record tests on those rows only. The
        // window is a barrier: without it DuckDB pushes the raw test into the scan and
        // decompresses every record of the case (350 ms per rule on a million events, vs 2-20 ms).
        // A habit is not an event: an identity that does this on 3 or more days of the case (a
        // rotation job, a backup) is reported at low.
        `WITH hits AS (
           SELECT e.* EXCLUDE (hit, barrier) FROM (
             SELECT e.actor_uid, e.time, e.event_uid, e.source, e.operation, e.status, e.resource_uid,
               ${t.match(rawHas)} AS hit, ${t.worse ?? 'false'} AS worse, row_number() OVER () AS barrier
             FROM events e WHERE e.rowid IN (SELECT e.rowid FROM events e WHERE e.actor_uid IS NOT NULL AND ${t.match(anyRaw)})) e
           WHERE e.hit),
         habit AS (SELECT actor_uid, operation, count(DISTINCT time::DATE) AS days FROM hits WHERE status = 'success' GROUP BY ALL)
         SELECT h.actor_uid AS identity_uid, strftime(date_trunc('day', h.time), '%Y-%m-%d') AS grp, h.event_uid, h.source, h.time, 0 AS bytes_in, 0 AS bytes_out,
           h.operation, h.status, h.resource_uid, h.worse, coalesce(habit.days, 0) >= ${HABIT_DAYS} AS routine, coalesce(habit.days, 0) AS days
         FROM hits h LEFT JOIN habit USING (actor_uid, operation)`,
        'true',
        [
          'list(DISTINCT operation ORDER BY operation) AS operations',
          "count(*) FILTER (WHERE status = 'success') AS succeeded",
          "count(*) FILTER (WHERE status = 'success' AND worse) AS worse",
          "count(*) FILTER (WHERE status = 'success' AND NOT routine) AS unusual",
          'max(days) AS habit_days',
          'list(DISTINCT resource_uid ORDER BY resource_uid) FILTER (WHERE resource_uid IS NOT NULL)[1:5] AS resources',
        ],
      ),
    magnitude: (r) => Number(r.facts.worse ?? 0) * 100 + Number(r.facts.succeeded ?? 0) * 10 + r.event_count,
    severityOf: (r: FindingRow) =>
      Number(r.facts.succeeded ?? 0) === 0 || Number(r.facts.unusual ?? 0) === 0 ? 'low' : Number(r.facts.worse ?? 0) > 0 && t.worseSeverity ? t.worseSeverity : t.severity,
    explain: (r) => {
      const failed = r.event_count - Number(r.facts.succeeded ?? 0);
      const habit = Number(r.facts.unusual ?? 0) === 0 && Number(r.facts.succeeded ?? 0) > 0 ? `; routine for this identity (it does this on ${String(r.facts.habit_days)} days of the case)` : '';
      return `${r.event_count} ${t.what}: ${list(r.facts.operations)}${list(r.facts.resources) ? ` on ${list(r.facts.resources)}` : ''}${failed > 0 ? `; ${failed} denied or failed` : ''}${habit}. ATT&CK ${t.attack.map((a) => `${a.technique} ${a.name}`).join('; ')}.`;
    },
  };
}

export const TECHNIQUE_RULES: BuiltinRule[] = TECHNIQUES.map(techniqueRule);
