import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Microsoft 365 and Microsoft Sentinel exports.
 *
 * `m365.audit`, the unified audit log, in the three shapes it leaves Microsoft in:
 * - the Office 365 Management Activity API and `Search-UnifiedAuditLog` AuditData records
 *   (`CreationTime`, `Id`, `Operation`, `RecordType`, `Workload`, `UserId`, `UserType`, `ClientIP`,
 *   `ObjectId`, `AppId`, `ResultStatus`, `OrganizationId`);
 * - the Purview portal's CSV export (`CreationDate`, `UserIds`/`UserId`, `Operations`/`Operation`,
 *   `RecordType` and the record itself as a JSON string in `AuditData`);
 * - Sentinel / Log Analytics' `OfficeActivity` table (`TimeGenerated`, `OfficeWorkload`,
 *   `OfficeObjectId`, `OfficeId`, the rest as the API names them).
 *
 * `azure.audit:sentinel`: Sentinel / Log Analytics' `AuditLogs` table (Entra audit), whose columns
 * are the Graph fields in PascalCase with `InitiatedBy` and `TargetResources` as JSON strings.
 *
 * Conventions: people are `m365-user:<user principal name, lowercased>` shown by their UPN (linked
 * to their other accounts by email); applications acting on their own are
 * `azure-app:<application id>` as the Entra sign-in logs name them; a system account
 * (`NT AUTHORITY\SYSTEM (…)`, `app@sharepoint`) is `m365-system:<name>`; boundary =
 * `tenants/<organization id>` as for Entra; a directory object is
 * `azure-object:<tenant>/<object id>` as in the Entra audit log, anything else
 * `m365:<workload>:<object>`. Operations lose the trailing period the unified log gives Entra
 * operations ("Add service principal credentials.") so both logs name them alike.
 */

const UAL_FIELDS = {
  Id: 'VARCHAR',
  CreationTime: 'VARCHAR',
  Operation: 'VARCHAR',
  OrganizationId: 'VARCHAR',
  RecordType: 'VARCHAR',
  UserKey: 'VARCHAR',
  UserType: 'VARCHAR',
  Workload: 'VARCHAR',
  ResultStatus: 'VARCHAR',
  ObjectId: 'VARCHAR',
  UserId: 'VARCHAR',
  ClientIP: 'VARCHAR',
  ClientIPAddress: 'VARCHAR',
  ActorIpAddress: 'VARCHAR',
  UserAgent: 'VARCHAR',
  AppId: 'VARCHAR',
  ClientAppId: 'VARCHAR',
  ApplicationId: 'VARCHAR',
  SessionId: 'VARCHAR',
  MailboxOwnerUPN: 'VARCHAR',
  Target: [{ ID: 'VARCHAR', Type: 'VARCHAR' }],
} as const;

/** UserType: numbers in the API, names in Sentinel. System, application, service principal acts on its own. */
const MACHINE_USER_TYPES = ['4', '5', '6', '8', 'System', 'Application', 'ServicePrincipal', 'SystemPolicy'];

const CATEGORY_RULES: readonly (readonly [string, string])[] = [
  ['(?i)(userloggedin|userloginfailed|signin|sign-in|logon)', 'auth'],
  ['(?i)(credential|secret|certificate|consent|role|member|permission|policy|owner|delegat|oauth2|app role|password|mailboxpermission|inbox ?rule|transport ?rule|federation|domain)', 'admin'],
  ['(?i)^(delete|remove|hard ?delete|soft ?delete|filedeleted|filerecycled|moveto(deleted|recoverable))', 'delete'],
  ['(?i)(download|accessed|viewed|preview|read|searchquery|search|mailitemsaccessed|get-|filesynced)', 'read'],
  ['(?i)^(add|update|set|new|create|enable|upload|send|file(modified|uploaded|renamed|moved|copied)|sharing|anonymouslink|companylink)', 'write'],
];

/** An address as the unified log writes it: with a port, in brackets, or plain. */
const ipSql = (v: string) => `CASE
    WHEN regexp_full_match(${v}, '[0-9]{1,3}(\\.[0-9]{1,3}){3}:[0-9]+') THEN split_part(${v}, ':', 1)
    WHEN regexp_full_match(${v}, '\\[[0-9A-Fa-f:.]+\\](:[0-9]+)?') THEN regexp_extract(${v}, '^\\[([^\\]]+)\\]', 1)
    ELSE nullif(${v}, '') END`;

const GUID = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;

export const m365Audit: SourceParser = {
  id: 'm365.audit',
  version: '1.0.0',

  probe: { CreationTime: 'VARCHAR', Workload: 'VARCHAR', RecordType: 'VARCHAR', AuditData: 'JSON', CreationDate: 'VARCHAR', OfficeWorkload: 'VARCHAR', TimeGenerated: 'VARCHAR' },

  detect(p, doc) {
    return `((${p}.CreationTime IS NOT NULL AND (${p}.Workload IS NOT NULL OR ${p}.RecordType IS NOT NULL) AND json_exists(${doc}, '$.Operation'))
      OR (${p}.AuditData IS NOT NULL AND ${p}.CreationDate IS NOT NULL)
      OR (${p}.OfficeWorkload IS NOT NULL AND ${p}.TimeGenerated IS NOT NULL))`;
  },

  structure: { ...UAL_FIELDS, AuditData: 'JSON', CreationDate: 'VARCHAR', TimeGenerated: 'VARCHAR', OfficeWorkload: 'VARCHAR', OfficeObjectId: 'VARCHAR', OfficeId: 'VARCHAR', RecordId: 'VARCHAR' },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const fields = sqlString(JSON.stringify(UAL_FIELDS));
    // Purview's CSV carries the record as a JSON string (or, once re-read, an object) in AuditData.
    const inner = `CASE WHEN json_type(j.AuditData) = 'VARCHAR' THEN (j.AuditData->>'$') ELSE j.AuditData::VARCHAR END`;
    const op = `regexp_replace(coalesce(a.Operation, ''), '\\.$', '')`;
    const workload = `coalesce(a.Workload, j.OfficeWorkload)`;
    const user = `nullif(trim(a.UserId), '')`;
    const app = `nullif(coalesce(nullif(a.AppId, ''), nullif(a.ApplicationId, ''), regexp_extract(coalesce(${user}, ''), '^ServicePrincipal_([0-9a-fA-F-]{36})$', 1)), '')`;
    // An app acting on its own: its UserKey is its application id (app-only access to a mailbox).
    const machine = `(a.UserType IN (${MACHINE_USER_TYPES.map(sqlString).join(', ')}) OR starts_with(lower(coalesce(${user}, '')), 'serviceprincipal_')
      OR lower(${user}) LIKE 'nt authority%' OR lower(${user}) LIKE 'app@%' OR lower(${user}) LIKE 'sharepoint_system'
      OR (nullif(a.UserKey, '') IS NOT NULL AND lower(a.UserKey) IN (lower(coalesce(a.AppId, '')), lower(coalesce(a.ClientAppId, '')))))`;
    const tenant = `coalesce(nullif(a.OrganizationId, ''), 'unknown')`;
    const object = `nullif(coalesce(nullif(a.ObjectId, ''), nullif(j.OfficeObjectId, ''), a.MailboxOwnerUPN), '')`;
    const targetId = `coalesce(CASE WHEN regexp_matches(coalesce(${object}, ''), ${GUID}) THEN ${object} END,
      list_filter(coalesce(a.Target, []), t -> regexp_matches(coalesce(t.ID, ''), ${GUID}))[1].ID)`;
    const resource = `CASE WHEN lower(${workload}) = 'azureactivedirectory' AND ${targetId} IS NOT NULL THEN 'azure-object:' || ${tenant} || '/' || lower(${targetId})
      WHEN ${object} IS NOT NULL THEN 'm365:' || lower(coalesce(${workload}, 'unknown')) || ':' || ${object} END`;
    const resourceType = `CASE WHEN lower(${workload}) = 'azureactivedirectory' AND ${targetId} IS NOT NULL THEN 'azure:directory-object' WHEN ${object} IS NOT NULL THEN 'm365:' || lower(coalesce(${workload}, 'unknown')) END`;
    const failed = `lower(coalesce(a.ResultStatus, '')) IN ('failed', 'failure', 'false')`;
    const time = `coalesce(${timeSql('a.CreationTime')}, ${timeSql('j.TimeGenerated')}, ${timeSql('j.CreationDate')})`;
    return `
WITH unwrapped AS (
  SELECT ${carry} record_no, byte_offset, line, raw, j,
    CASE WHEN j.AuditData IS NOT NULL THEN json_transform(${inner}, ${fields}) ELSE j END AS a
  FROM ${from}
)
SELECT ${carry}
  'm365:' || coalesce(nullif(a.Id, ''), nullif(j.OfficeId, ''), nullif(j.RecordId, ''), 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'm365.audit' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${machine} AND ${app} IS NOT NULL THEN 'azure-app:' || lower(${app})
       WHEN ${machine} THEN 'm365-system:' || coalesce(${user}, 'unknown')
       WHEN ${user} IS NOT NULL THEN 'm365-user:' || lower(${user}) END AS actor_uid,
  CASE WHEN ${machine} AND ${app} IS NOT NULL THEN 'service_principal' WHEN ${machine} THEN 'system' WHEN ${user} IS NOT NULL THEN 'user' END AS actor_type,
  CASE WHEN ${machine} AND ${app} IS NOT NULL THEN lower(${app}) ELSE ${user} END AS actor_display,
  CASE WHEN ${machine} THEN true END AS is_nhi,
  NULL AS credential_uid,
  nullif(a.SessionId, '') AS session_uid,
  CASE WHEN NOT ${machine} AND nullif(coalesce(a.ClientAppId, a.AppId), '') IS NOT NULL THEN 'azure-app:' || lower(coalesce(nullif(a.ClientAppId, ''), a.AppId)) END AS origin_uid,
  coalesce(nullif(${op}, ''), '(none)') AS operation,
  lower(coalesce(${workload}, 'm365')) AS service,
  CASE ${CATEGORY_RULES.map(([pattern, c]) => `WHEN regexp_matches(${op}, ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END AS category,
  ${resource} AS resource_uid,
  ${resourceType} AS resource_type,
  'tenants/' || ${tenant} AS boundary,
  'tenants/' || ${tenant} AS actor_boundary,
  NULL AS region,
  ${ipSql('coalesce(a.ClientIP, a.ClientIPAddress, a.ActorIpAddress)')} AS src_ip,
  nullif(a.UserAgent, '') AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN a.ResultStatus END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' WHEN a.Operation IS NULL THEN 'no_operation' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: CreationTime is missing or unreadable'
       WHEN a.Operation IS NULL THEN 'no Operation: the AuditData JSON is missing or unreadable' END AS problem_message,
  CASE WHEN ${resource} IS NOT NULL THEN [{'resource_uid': ${resource}, 'resource_type': ${resourceType}, 'boundary': 'tenants/' || ${tenant}, 'role': 'primary'}] ELSE [] END AS resources
FROM unwrapped`;
  },
};

const TARGET = [{ id: 'VARCHAR', displayName: 'VARCHAR', type: 'VARCHAR' }] as const;
const INITIATED_BY = {
  user: { id: 'VARCHAR', userPrincipalName: 'VARCHAR', ipAddress: 'VARCHAR' },
  app: { appId: 'VARCHAR', displayName: 'VARCHAR', servicePrincipalId: 'VARCHAR' },
} as const;

/** The Log Analytics portal's CSV times: `3/9/2026, 9:02:47.118 AM`, UTC as the column name says. */
const PORTAL_TIME = '%m/%d/%Y, %I:%M:%S.%g %p';
const PORTAL_TIME_WHOLE = '%m/%d/%Y, %I:%M:%S %p';

/** A Log Analytics `dynamic` column: a JSON string in CSV and API exports, an object elsewhere. */
const dynamicSql = (v: string, structure: object) =>
  `json_transform(CASE WHEN json_type(${v}) = 'VARCHAR' THEN (${v}->>'$') ELSE ${v}::VARCHAR END, ${sqlString(JSON.stringify(structure))})`;

export const azureAuditTable: SourceParser = {
  id: 'azure.audit:sentinel',
  version: '1.0.0',

  probe: { TimeGenerated: 'VARCHAR', 'TimeGenerated [UTC]': 'VARCHAR' },

  detect(p, doc) {
    return `((${p}.TimeGenerated IS NOT NULL OR ${p}."TimeGenerated [UTC]" IS NOT NULL) AND json_exists(${doc}, '$.InitiatedBy')
      AND (json_extract_string(${doc}, '$.Type') = 'AuditLogs' OR (json_exists(${doc}, '$.OperationName') AND json_exists(${doc}, '$.TargetResources'))))`;
  },

  structure: {
    Id: 'VARCHAR',
    TimeGenerated: 'VARCHAR',
    ActivityDateTime: 'VARCHAR',
    // The Log Analytics portal's CSV names its time columns so, in US local form.
    'TimeGenerated [UTC]': 'VARCHAR',
    'ActivityDateTime [UTC]': 'VARCHAR',
    OperationName: 'VARCHAR',
    ActivityDisplayName: 'VARCHAR',
    Category: 'VARCHAR',
    OperationType: 'VARCHAR',
    AADOperationType: 'VARCHAR',
    LoggedByService: 'VARCHAR',
    Result: 'VARCHAR',
    ResultReason: 'VARCHAR',
    TenantId: 'VARCHAR',
    AADTenantId: 'VARCHAR',
    InitiatedBy: 'JSON',
    TargetResources: 'JSON',
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const tenant = `coalesce(nullif(j.AADTenantId, ''), nullif(j.TenantId, ''), 'unknown')`;
    const app = `(b.app.servicePrincipalId IS NOT NULL OR b.app.appId IS NOT NULL OR (b.user.id IS NULL AND b.app.displayName IS NOT NULL))`;
    const portal = (v: string) => `coalesce(${timeSql(v, { format: PORTAL_TIME })}, ${timeSql(v, { format: PORTAL_TIME_WHOLE })})`;
    const time = `coalesce(${timeSql('j.ActivityDateTime')}, ${timeSql('j.TimeGenerated')}, ${portal('j."ActivityDateTime [UTC]"')}, ${portal('j."TimeGenerated [UTC]"')})`;
    const failed = `lower(coalesce(j.Result, '')) IN ('failure', 'failed', 'timeout')`;
    const operation = `coalesce(nullif(j.ActivityDisplayName, ''), nullif(j.OperationName, ''), '(none)')`;
    const kind = `lower(coalesce(j.AADOperationType, j.OperationType, ''))`;
    return `
WITH unwrapped AS (
  SELECT ${carry} record_no, byte_offset, line, raw, j,
    try(${dynamicSql('j.InitiatedBy', INITIATED_BY)}) AS b,
    coalesce(try(${dynamicSql('j.TargetResources', TARGET)}), []) AS targets
  FROM ${from}
)
SELECT ${carry}
  'azure-audit:' || coalesce(nullif(j.Id, ''), 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'azure.audit' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${app} THEN 'azure-sp:' || ${tenant} || '/' || coalesce(b.app.servicePrincipalId, b.app.appId, b.app.displayName)
       WHEN b.user.id IS NOT NULL THEN 'azure-user:' || ${tenant} || '/' || b.user.id END AS actor_uid,
  CASE WHEN b.app.displayName = 'Managed Service Identity' THEN 'managed_identity' WHEN ${app} THEN 'service_principal' WHEN b.user.id IS NOT NULL THEN 'user' END AS actor_type,
  CASE WHEN ${app} THEN b.app.displayName ELSE b.user.userPrincipalName END AS actor_display,
  CASE WHEN ${app} THEN true END AS is_nhi,
  NULL AS credential_uid,
  NULL AS session_uid,
  NULL AS origin_uid,
  ${operation} AS operation,
  coalesce(nullif(j.LoggedByService, ''), 'entra') AS service,
  CASE WHEN j.Category IN ('ApplicationManagement', 'RoleManagement', 'UserManagement', 'GroupManagement', 'Policy', 'DirectoryManagement', 'Authentication Methods') THEN 'admin'
       WHEN ${kind} = 'delete' THEN 'delete'
       WHEN ${kind} IN ('add', 'update', 'assign') THEN 'write'
       ELSE 'other' END AS category,
  CASE WHEN targets[1].id IS NOT NULL THEN 'azure-object:' || ${tenant} || '/' || targets[1].id END AS resource_uid,
  targets[1].type AS resource_type,
  'tenants/' || ${tenant} AS boundary,
  'tenants/' || ${tenant} AS actor_boundary,
  NULL AS region,
  nullif(b.user.ipAddress, '') AS src_ip,
  NULL AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN coalesce(nullif(j.ResultReason, ''), j.Result) END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: TimeGenerated is missing or unreadable' END AS problem_message,
  list_transform(list_filter(targets, t -> t.id IS NOT NULL),
    (t, i) -> {'resource_uid': 'azure-object:' || ${tenant} || '/' || t.id, 'resource_type': t.type, 'boundary': 'tenants/' || ${tenant}, 'role': CASE WHEN i = 1 THEN 'primary' ELSE 'related' END}) AS resources
FROM unwrapped`;
  },
};
