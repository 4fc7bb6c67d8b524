import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * GCP Cloud Audit Logs: LogEntry objects whose protoPayload is an AuditLog (admin activity,
 * data access, system event and policy denied logs; GKE's Kubernetes audit too), as JSON lines
 * or arrays exported from Logging.
 *
 * Conventions:
 * - event_uid = `gcp:<insertId>:<log id>` (insertId is unique within a log).
 * - actor_uid = authenticationInfo.principalEmail (else principalSubject); service accounts
 *   (`*.gserviceaccount.com`) and GKE's `system:serviceaccount:` principals are machines.
 * - origin_uid = the first authority in serviceAccountDelegationInfo (who impersonated the
 *   service account first), else a workload-identity principalSubject behind the email.
 * - credential_uid = serviceAccountKeyName (the service account key used), when logged.
 * - resource_uid = Google's full resource name, `//<serviceName>/<resourceName>`.
 * - boundary = `projects/<project_id>`; category notes which audit log it came from only
 *   through the method name (the log id stays in event_uid and the raw record).
 */

const CATEGORY_RULES: readonly (readonly [string, string])[] = [
  ['(?i)(setiampolicy|createserviceaccount|deleteserviceaccount|createrole|updaterole|deleterole|setorgpolicy|disableserviceaccount|enableserviceaccount|undelete)', 'admin'],
  ['(?i)(generateaccesstoken|generateidtoken|signblob|signjwt|getaccesstoken|login|authenticate)', 'auth'],
  ['(?i)\\.(list|aggregatedlist|search)[a-z]*$|(^|\\.)list[A-Za-z]*$', 'list'],
  ['(?i)(\\.|^)(get|read|watch|query|testiampermissions)[a-z]*$|objects\\.get$', 'read'],
  ['(?i)(\\.|^)(delete|remove|destroy)[a-z]*$', 'delete'],
  ['(?i)(\\.|^)(create|insert|update|patch|set|add|write|put|compose|copy|rewrite|attach|start|stop)[a-z]*$', 'write'],
];

export const gcpAudit: SourceParser = {
  id: 'gcp.audit',
  version: '1.0.0',

  probe: { insertId: 'VARCHAR', logName: 'VARCHAR', protoPayload: { '@type': 'VARCHAR' } },

  detect(p) {
    return `(${p}.protoPayload."@type" = 'type.googleapis.com/google.cloud.audit.AuditLog')`;
  },

  structure: {
    insertId: 'VARCHAR',
    logName: 'VARCHAR',
    timestamp: 'VARCHAR',
    receiveTimestamp: 'VARCHAR',
    severity: 'VARCHAR',
    resource: { type: 'VARCHAR', labels: { project_id: 'VARCHAR', location: 'VARCHAR', zone: 'VARCHAR', region: 'VARCHAR', cluster_name: 'VARCHAR' } },
    protoPayload: {
      methodName: 'VARCHAR',
      serviceName: 'VARCHAR',
      resourceName: 'VARCHAR',
      authenticationInfo: {
        principalEmail: 'VARCHAR',
        principalSubject: 'VARCHAR',
        serviceAccountKeyName: 'VARCHAR',
        serviceAccountDelegationInfo: [
          { firstPartyPrincipal: { principalEmail: 'VARCHAR' }, thirdPartyPrincipal: 'JSON', principalSubject: 'VARCHAR' },
        ],
      },
      requestMetadata: { callerIp: 'VARCHAR', callerSuppliedUserAgent: 'VARCHAR' },
      status: { code: 'INTEGER', message: 'VARCHAR' },
    },
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const pp = 'j.protoPayload';
    const who = `coalesce(nullif(${pp}.authenticationInfo.principalEmail, ''), nullif(${pp}.authenticationInfo.principalSubject, ''))`;
    const delegation = `${pp}.authenticationInfo.serviceAccountDelegationInfo[1]`;
    const time = timeSql('j.timestamp');
    const resource = `CASE WHEN nullif(${pp}.resourceName, '') IS NOT NULL THEN '//' || coalesce(${pp}.serviceName, 'unknown') || '/' || ${pp}.resourceName END`;
    const project = `coalesce(j.resource.labels.project_id, regexp_extract(j.logName, '^projects/([^/]+)/', 1))`;
    const failed = `(coalesce(${pp}.status.code, 0) <> 0 OR j.logName LIKE '%policy%')`;
    return `
SELECT ${carry}
  'gcp:' || coalesce(j.insertId, 'sha256:' || sha256(raw)) || ':' || coalesce(url_decode(regexp_extract(j.logName, '/logs/(.+)$', 1)), '') AS event_uid,
  line,
  ${time} AS time,
  'gcp.audit' AS source,
  record_no,
  byte_offset,
  ${who} AS actor_uid,
  CASE
    WHEN ${who} LIKE '%.gserviceaccount.com' OR ${who} LIKE 'system:serviceaccount:%' THEN 'service_account'
    WHEN ${who} = 'system:anonymous' THEN 'anonymous'
    WHEN ${who} LIKE 'system:%' THEN 'system'
    WHEN ${who} LIKE 'principal%://%' THEN 'federated'
    WHEN ${who} LIKE '%@%' THEN 'user'
    WHEN ${who} IS NOT NULL THEN 'unknown'
  END AS actor_type,
  ${who} AS actor_display,
  CASE WHEN ${who} LIKE '%.gserviceaccount.com' OR ${who} LIKE 'system:serviceaccount:%' OR (${who} LIKE 'system:%' AND ${who} <> 'system:anonymous') THEN true END AS is_nhi,
  nullif(${pp}.authenticationInfo.serviceAccountKeyName, '') AS credential_uid,
  NULL AS session_uid,
  coalesce(nullif(${delegation}.firstPartyPrincipal.principalEmail, ''), nullif(${delegation}.principalSubject, ''),
    CASE WHEN nullif(${pp}.authenticationInfo.principalSubject, '') IS DISTINCT FROM ${who} THEN nullif(${pp}.authenticationInfo.principalSubject, '') END) AS origin_uid,
  coalesce(${pp}.methodName, '(none)') AS operation,
  ${pp}.serviceName AS service,
  CASE ${CATEGORY_RULES.map(([pattern, c]) => `WHEN regexp_matches(coalesce(${pp}.methodName, ''), ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END AS category,
  ${resource} AS resource_uid,
  j.resource.type AS resource_type,
  CASE WHEN ${project} IS NOT NULL THEN 'projects/' || ${project} END AS boundary,
  CASE WHEN ${who} LIKE '%.iam.gserviceaccount.com' THEN 'projects/' || regexp_extract(${who}, '@([^.]+)\\.iam\\.gserviceaccount\\.com$', 1)
       WHEN ${project} IS NOT NULL THEN 'projects/' || ${project} END AS actor_boundary,
  coalesce(j.resource.labels.location, j.resource.labels.region, j.resource.labels.zone) AS region,
  nullif(${pp}.requestMetadata.callerIp, '') AS src_ip,
  nullif(${pp}.requestMetadata.callerSuppliedUserAgent, '') AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN coalesce(nullif(${pp}.status.message, ''), ${pp}.status.code::VARCHAR, 'policy denied') END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: timestamp is ' || coalesce('"' || j.timestamp || '"', 'missing') END AS problem_message,
  CASE WHEN ${resource} IS NOT NULL
    THEN [{'resource_uid': ${resource}, 'resource_type': j.resource.type, 'boundary': CASE WHEN ${project} IS NOT NULL THEN 'projects/' || ${project} END, 'role': 'primary'}]
    ELSE [] END AS resources
FROM ${from}`;
  },
};
