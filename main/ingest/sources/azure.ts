import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Azure: Entra ID sign-ins (users, service principals, managed identities), Entra audit logs,
 * and the Azure Activity Log, in the shapes they leave Azure: diagnostic-settings exports
 * (`category` plus `properties`), Microsoft Graph / portal downloads (fields at the top level),
 * `az monitor activity-log list` (camelCase) and the Python SDK's snake_case.
 *
 * Conventions shared by the three:
 * - users: actor_uid = `azure-user:<tenant>/<object id>`, display = the UPN or caller;
 * - service principals: `azure-sp:<tenant>/<service principal object id>`, actor_type
 *   service_principal, or managed_identity for managed identities; both machines;
 * - boundary = `tenants/<tenant>` for Entra, `subscriptions/<id>` for the Activity Log;
 * - Azure resource ids are case-insensitive: resource_uid is lowercased.
 */

const SIGNIN_CATEGORIES = ['SignInLogs', 'NonInteractiveUserSignInLogs', 'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs'];
const ACTIVITY_CATEGORIES = ['Administrative', 'Policy', 'Security', 'ServiceHealth', 'Alert', 'Recommendation', 'Autoscale', 'ResourceHealth'];
const list = (xs: string[]) => xs.map(sqlString).join(', ');
const carryOf = (passThrough: readonly string[]) => passThrough.map((c) => `${c}, `).join('');

const SIGNIN_FIELDS = {
  id: 'VARCHAR',
  createdDateTime: 'VARCHAR',
  userId: 'VARCHAR',
  userPrincipalName: 'VARCHAR',
  userDisplayName: 'VARCHAR',
  appId: 'VARCHAR',
  appDisplayName: 'VARCHAR',
  servicePrincipalId: 'VARCHAR',
  servicePrincipalName: 'VARCHAR',
  servicePrincipalCredentialKeyId: 'VARCHAR',
  resourceId: 'VARCHAR',
  resourceDisplayName: 'VARCHAR',
  ipAddress: 'VARCHAR',
  userAgent: 'VARCHAR',
  sessionId: 'VARCHAR',
  isInteractive: 'VARCHAR',
  status: { errorCode: 'INTEGER', failureReason: 'VARCHAR' },
  managedIdentity: 'JSON',
  clientCredentialType: 'VARCHAR',
  tenantId: 'VARCHAR',
} as const;

export const azureSignin: SourceParser = {
  id: 'azure.signin',
  version: '1.0.0',

  probe: { category: 'VARCHAR', createdDateTime: 'VARCHAR', appId: 'VARCHAR', properties: { createdDateTime: 'VARCHAR' } },

  detect(p) {
    return `((${p}.category IN (${list(SIGNIN_CATEGORIES)}) AND ${p}.properties.createdDateTime IS NOT NULL)
      OR (${p}.createdDateTime IS NOT NULL AND ${p}.appId IS NOT NULL))`;
  },

  structure: { ...SIGNIN_FIELDS, category: 'VARCHAR', time: 'VARCHAR', callerIpAddress: 'VARCHAR', properties: SIGNIN_FIELDS },

  normalizeSql(from, _structure, passThrough) {
    const carry = carryOf(passThrough);
    const f = (name: string) => `coalesce(j.properties.${name}, j.${name})`;
    const tenant = `coalesce(${f('tenantId')}, 'unknown')`;
    const managed = `(j.category = 'ManagedIdentitySignInLogs' OR ${f('managedIdentity')} IS NOT NULL)`;
    const servicePrincipal = `(${managed} OR j.category = 'ServicePrincipalSignInLogs' OR (${f('servicePrincipalId')} IS NOT NULL AND ${f('userId')} IS NULL))`;
    const time = `coalesce(${timeSql(f('createdDateTime'))}, ${timeSql('j.time')})`;
    const failed = `coalesce(${f('status')}.errorCode, 0) <> 0`;
    const resource = `CASE WHEN nullif(${f('resourceId')}, '') IS NOT NULL THEN 'azure-app:' || lower(${f('resourceId')}) END`;
    return `
SELECT ${carry}
  'azure-signin:' || coalesce(${f('id')}, 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'azure.signin' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${servicePrincipal} THEN 'azure-sp:' || ${tenant} || '/' || coalesce(${f('servicePrincipalId')}, ${f('appId')})
       ELSE 'azure-user:' || ${tenant} || '/' || coalesce(${f('userId')}, ${f('userPrincipalName')}) END AS actor_uid,
  CASE WHEN ${managed} THEN 'managed_identity' WHEN ${servicePrincipal} THEN 'service_principal' ELSE 'user' END AS actor_type,
  CASE WHEN ${servicePrincipal} THEN coalesce(${f('servicePrincipalName')}, ${f('appDisplayName')}) ELSE coalesce(${f('userPrincipalName')}, ${f('userDisplayName')}) END AS actor_display,
  CASE WHEN ${servicePrincipal} THEN true END AS is_nhi,
  CASE WHEN nullif(${f('servicePrincipalCredentialKeyId')}, '') IS NOT NULL THEN 'azure-key:' || ${f('servicePrincipalCredentialKeyId')} END AS credential_uid,
  CASE WHEN nullif(${f('sessionId')}, '') IS NOT NULL THEN 'azure-session:' || ${f('sessionId')} END AS session_uid,
  CASE WHEN NOT ${servicePrincipal} AND ${f('appId')} IS NOT NULL THEN 'azure-app:' || ${f('appId')} END AS origin_uid,
  CASE WHEN ${f('isInteractive')} = 'false' THEN 'sign-in (non-interactive)' ELSE 'sign-in' END AS operation,
  'entra' AS service,
  'auth' AS category,
  ${resource} AS resource_uid,
  'azure:application' AS resource_type,
  'tenants/' || ${tenant} AS boundary,
  'tenants/' || ${tenant} AS actor_boundary,
  NULL AS region,
  nullif(coalesce(${f('ipAddress')}, j.callerIpAddress), '') AS src_ip,
  nullif(${f('userAgent')}, '') AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN ${f('status')}.errorCode::VARCHAR || coalesce(' ' || nullif(${f('status')}.failureReason, ''), '') END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: createdDateTime is missing or unreadable' END AS problem_message,
  CASE WHEN ${resource} IS NOT NULL THEN [{'resource_uid': ${resource}, 'resource_type': 'azure:application', 'boundary': 'tenants/' || ${tenant}, 'role': 'primary'}] ELSE [] END AS resources
FROM ${from}`;
  },
};

const AUDIT_FIELDS = {
  id: 'VARCHAR',
  activityDisplayName: 'VARCHAR',
  activityDateTime: 'VARCHAR',
  category: 'VARCHAR',
  operationType: 'VARCHAR',
  loggedByService: 'VARCHAR',
  result: 'VARCHAR',
  resultReason: 'VARCHAR',
  initiatedBy: {
    user: { id: 'VARCHAR', userPrincipalName: 'VARCHAR', ipAddress: 'VARCHAR' },
    app: { appId: 'VARCHAR', displayName: 'VARCHAR', servicePrincipalId: 'VARCHAR' },
  },
  targetResources: [{ id: 'VARCHAR', displayName: 'VARCHAR', type: 'VARCHAR' }],
} as const;

const ADMIN_AUDIT_CATEGORIES = ['ApplicationManagement', 'RoleManagement', 'UserManagement', 'GroupManagement', 'Policy', 'DirectoryManagement', 'Authentication Methods'];

export const azureAudit: SourceParser = {
  id: 'azure.audit',
  version: '1.0.0',

  probe: { category: 'VARCHAR', activityDisplayName: 'VARCHAR', initiatedBy: 'JSON', properties: { activityDisplayName: 'VARCHAR' } },

  detect(p) {
    return `((${p}.category = 'AuditLogs' AND ${p}.properties.activityDisplayName IS NOT NULL) OR (${p}.activityDisplayName IS NOT NULL AND ${p}.initiatedBy IS NOT NULL))`;
  },

  structure: { ...AUDIT_FIELDS, tenantId: 'VARCHAR', time: 'VARCHAR', callerIpAddress: 'VARCHAR', properties: AUDIT_FIELDS },

  normalizeSql(from, _structure, passThrough) {
    const carry = carryOf(passThrough);
    const f = (name: string) => `coalesce(j.properties.${name}, j.${name})`;
    const tenant = `coalesce(j.tenantId, 'unknown')`;
    const by = f('initiatedBy');
    const app = `(${by}.app.servicePrincipalId IS NOT NULL OR ${by}.app.appId IS NOT NULL OR (${by}.user.id IS NULL AND ${by}.app.displayName IS NOT NULL))`;
    const managed = `(${by}.app.displayName = 'Managed Service Identity')`;
    const time = `coalesce(${timeSql(f('activityDateTime'))}, ${timeSql('j.time')})`;
    const targets = f('targetResources');
    const failed = `lower(${f('result')}) IN ('failure', 'failed', 'timeout')`;
    return `
SELECT ${carry}
  'azure-audit:' || coalesce(${f('id')}, 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'azure.audit' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${app} THEN 'azure-sp:' || ${tenant} || '/' || coalesce(${by}.app.servicePrincipalId, ${by}.app.appId, ${by}.app.displayName)
       WHEN ${by}.user.id IS NOT NULL THEN 'azure-user:' || ${tenant} || '/' || ${by}.user.id END AS actor_uid,
  CASE WHEN ${managed} THEN 'managed_identity' WHEN ${app} THEN 'service_principal' WHEN ${by}.user.id IS NOT NULL THEN 'user' END AS actor_type,
  CASE WHEN ${app} THEN ${by}.app.displayName ELSE ${by}.user.userPrincipalName END AS actor_display,
  CASE WHEN ${app} THEN true END AS is_nhi,
  NULL AS credential_uid,
  NULL AS session_uid,
  NULL AS origin_uid,
  coalesce(${f('activityDisplayName')}, '(none)') AS operation,
  coalesce(${f('loggedByService')}, 'entra') AS service,
  CASE WHEN ${f('category')} IN (${list(ADMIN_AUDIT_CATEGORIES)}) THEN 'admin'
       WHEN lower(${f('operationType')}) = 'delete' THEN 'delete'
       WHEN lower(${f('operationType')}) IN ('add', 'update', 'assign') THEN 'write'
       ELSE 'other' END AS category,
  CASE WHEN ${targets}[1].id IS NOT NULL THEN 'azure-object:' || ${tenant} || '/' || ${targets}[1].id END AS resource_uid,
  ${targets}[1].type AS resource_type,
  'tenants/' || ${tenant} AS boundary,
  'tenants/' || ${tenant} AS actor_boundary,
  NULL AS region,
  nullif(coalesce(j.callerIpAddress, ${by}.user.ipAddress), '') AS src_ip,
  NULL AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN coalesce(nullif(${f('resultReason')}, ''), ${f('result')}) END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: activityDateTime is missing or unreadable' END AS problem_message,
  list_transform(list_filter(coalesce(${targets}, []), t -> t.id IS NOT NULL),
    (t, i) -> {'resource_uid': 'azure-object:' || ${tenant} || '/' || t.id, 'resource_type': t.type, 'boundary': 'tenants/' || ${tenant}, 'role': CASE WHEN i = 1 THEN 'primary' ELSE 'related' END}) AS resources
FROM ${from}`;
  },
};

/** The claim names a token carries, as Azure writes them. */
const CLAIM = {
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
};

const ACTIVITY_CATEGORY_RULES: readonly (readonly [string, string])[] = [
  ['(?i)^microsoft\\.authorization/|/roleassignments/|/elevateaccess/|/policyassignments/', 'admin'],
  ['(?i)(listkeys|listsecrets|getsecret|regeneratekey|/secrets/)', 'read'],
  ['(?i)/read$', 'read'],
  ['(?i)/delete$', 'delete'],
  ['(?i)/(write|action)$', 'write'],
];

export const azureActivity: SourceParser = {
  id: 'azure.activity',
  version: '1.0.0',

  probe: { authorization: 'JSON', claims: 'JSON', identity: 'JSON', operationName: 'JSON', operation_name: 'JSON', resourceId: 'VARCHAR', category: 'VARCHAR' },

  detect(p) {
    return `((${p}.authorization IS NOT NULL AND (${p}.claims IS NOT NULL OR ${p}.identity IS NOT NULL) AND (${p}.operationName IS NOT NULL OR ${p}.operation_name IS NOT NULL))
      OR (${p}.operationName IS NOT NULL AND ${p}.resourceId ILIKE '/subscriptions/%' AND ${p}.category IN (${list(ACTIVITY_CATEGORIES)})))`;
  },

  structure: {
    eventDataId: 'VARCHAR',
    event_data_id: 'VARCHAR',
    correlationId: 'VARCHAR',
    eventTimestamp: 'VARCHAR',
    event_timestamp: 'VARCHAR',
    time: 'VARCHAR',
    caller: 'VARCHAR',
    claims: 'JSON',
    identity: { claims: 'JSON' },
    operationName: 'JSON',
    operation_name: 'JSON',
    resourceId: 'VARCHAR',
    resource_id: 'VARCHAR',
    subscriptionId: 'VARCHAR',
    subscription_id: 'VARCHAR',
    tenantId: 'VARCHAR',
    tenant_id: 'VARCHAR',
    status: 'JSON',
    resultType: 'VARCHAR',
    httpRequest: { clientIpAddress: 'VARCHAR' },
    http_request: { client_ip_address: 'VARCHAR' },
    callerIpAddress: 'VARCHAR',
    location: 'VARCHAR',
    event_name: { value: 'VARCHAR' },
    eventName: { value: 'VARCHAR' },
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = carryOf(passThrough);
    const claims = `coalesce(j.claims, j.identity.claims)`;
    const claim = (name: string) => `(${claims}->>${sqlString(`$."${name}"`)})`;
    const valueOf = (json: string) => `CASE WHEN json_type(${json}) = 'VARCHAR' THEN (${json}->>'$') ELSE (${json}->>'$.value') END`;
    const operation = valueOf('coalesce(j.operationName, j.operation_name)');
    const tenant = `coalesce(j.tenantId, j.tenant_id, ${claim(CLAIM.tid)}, 'unknown')`;
    const subscription = `coalesce(j.subscriptionId, j.subscription_id, regexp_extract(coalesce(j.resourceId, j.resource_id), '(?i)^/subscriptions/([^/]+)', 1))`;
    const managedResource = `(${claims}->>'$.xms_mirid')`;
    // ->> binds looser than OR in DuckDB: every use of it here is parenthesized.
    const isApp = `(${claim('idtyp')} = 'app' OR ${managedResource} IS NOT NULL
      OR regexp_full_match(coalesce(j.caller, ''), '[0-9a-fA-F-]{36}'))`;
    const oid = `coalesce(${claim(CLAIM.oid)}, (${claims}->>'$.oid'), j.caller)`;
    const time = `coalesce(${timeSql('coalesce(j.eventTimestamp, j.event_timestamp)')}, ${timeSql('j.time')})`;
    const status = `coalesce(${valueOf('j.status')}, j.resultType)`;
    const failed = `lower(${status}) IN ('failed', 'failure')`;
    const resource = `lower(nullif(coalesce(j.resourceId, j.resource_id), ''))`;
    return `
SELECT ${carry}
  'azure-activity:' || coalesce(j.eventDataId, j.event_data_id, 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'azure.activity' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${isApp} THEN 'azure-sp:' || ${tenant} || '/' || ${oid}
       WHEN ${oid} IS NOT NULL THEN 'azure-user:' || ${tenant} || '/' || ${oid} END AS actor_uid,
  CASE WHEN ${managedResource} IS NOT NULL THEN 'managed_identity' WHEN ${isApp} THEN 'service_principal' WHEN ${oid} IS NOT NULL THEN 'user' END AS actor_type,
  CASE WHEN ${managedResource} IS NOT NULL THEN regexp_extract(${managedResource}, '([^/]+)$', 1)
       WHEN ${isApp} THEN coalesce((${claims}->>'$.appid'), j.caller)
       ELSE coalesce(j.caller, ${claim(CLAIM.upn)}, ${claim(CLAIM.name)}) END AS actor_display,
  CASE WHEN ${isApp} THEN true END AS is_nhi,
  NULL AS credential_uid,
  NULL AS session_uid,
  CASE WHEN ${isApp} AND (${claims}->>'$.appid') IS NOT NULL THEN 'azure-app:' || (${claims}->>'$.appid') END AS origin_uid,
  coalesce(${operation}, '(none)') AS operation,
  split_part(coalesce(${operation}, ''), '/', 1) AS service,
  CASE ${ACTIVITY_CATEGORY_RULES.map(([pattern, c]) => `WHEN regexp_matches(coalesce(${operation}, ''), ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END AS category,
  ${resource} AS resource_uid,
  lower(regexp_extract(${resource}, '/providers/([^/]+/[^/]+)/[^/]+$', 1)) AS resource_type,
  CASE WHEN ${subscription} IS NOT NULL THEN 'subscriptions/' || lower(${subscription}) END AS boundary,
  'tenants/' || ${tenant} AS actor_boundary,
  nullif(j.location, '') AS region,
  nullif(coalesce(j.httpRequest.clientIpAddress, j.http_request.client_ip_address, j.callerIpAddress), '') AS src_ip,
  NULL AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN ${status} END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: eventTimestamp is missing or unreadable' END AS problem_message,
  CASE WHEN ${resource} IS NOT NULL THEN [{'resource_uid': ${resource}, 'resource_type': lower(regexp_extract(${resource}, '/providers/([^/]+/[^/]+)/[^/]+$', 1)),
    'boundary': CASE WHEN ${subscription} IS NOT NULL THEN 'subscriptions/' || lower(${subscription}) END, 'role': 'primary'}] ELSE [] END AS resources
FROM ${from}`;
  },
};
