import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * OCSF events, as JSON and as the Parquet AWS Security Lake stores (each Parquet row reaches
 * SQL as a JSON object). Mapped in full: API Activity (class 6003) and Authentication (3002);
 * any other class imports with its common fields (time, actor, endpoint, status, resources).
 *
 * Conventions, aligned with the CloudTrail parser so one identity reads the same from both:
 * when the actor has a session issuer (an assumed role), actor_uid is the issuer and
 * session_uid the user uid (the session ARN); otherwise actor_uid = actor.user.uid (else its
 * name, else `actor.invoked_by` as `aws-service:<name>`). For Authentication the actor is the
 * `user` authenticating. credential_uid = actor.user.credential_uid. boundary = the first
 * resource's account, else cloud.account.uid; event_uid = metadata.uid.
 */

const user = { uid: 'VARCHAR', name: 'VARCHAR', type: 'VARCHAR', credential_uid: 'VARCHAR', account: { uid: 'VARCHAR' } } as const;

const CLASS_CATEGORY: Record<number, string> = { 3002: 'auth', 3001: 'admin', 3005: 'admin', 3006: 'admin' };
/** API Activity activity_id: 1 create, 2 read, 3 update, 4 delete. */
const ACTIVITY_CATEGORY: Record<number, string> = { 1: 'write', 2: 'read', 3: 'write', 4: 'delete' };

export const ocsf: SourceParser = {
  id: 'ocsf',
  version: '1.0.0',

  probe: { class_uid: 'VARCHAR', metadata: { version: 'VARCHAR', uid: 'VARCHAR' }, category_uid: 'VARCHAR' },

  detect(p) {
    return `(TRY_CAST(${p}.class_uid AS INTEGER) IS NOT NULL AND ${p}.metadata.version IS NOT NULL AND ${p}.category_uid IS NOT NULL)`;
  },

  structure: {
    class_uid: 'VARCHAR',
    class_name: 'VARCHAR',
    activity_id: 'VARCHAR',
    activity_name: 'VARCHAR',
    time: 'VARCHAR',
    time_dt: 'VARCHAR',
    status: 'VARCHAR',
    status_id: 'VARCHAR',
    status_code: 'VARCHAR',
    status_detail: 'VARCHAR',
    metadata: { uid: 'VARCHAR', version: 'VARCHAR', product: { name: 'VARCHAR', vendor_name: 'VARCHAR' } },
    actor: {
      user,
      session: { uid: 'VARCHAR', issuer: 'VARCHAR', is_mfa: 'VARCHAR' },
      invoked_by: 'VARCHAR',
      app_name: 'VARCHAR',
    },
    user,
    api: { operation: 'VARCHAR', service: { name: 'VARCHAR' }, response: { error: 'VARCHAR', error_message: 'VARCHAR' } },
    src_endpoint: { ip: 'VARCHAR', domain: 'VARCHAR' },
    http_request: { user_agent: 'VARCHAR' },
    service: { name: 'VARCHAR' },
    auth_protocol: 'VARCHAR',
    cloud: { account: { uid: 'VARCHAR' }, region: 'VARCHAR', provider: 'VARCHAR' },
    resources: [{ uid: 'VARCHAR', type: 'VARCHAR', name: 'VARCHAR', account_uid: 'VARCHAR', owner: { account: { uid: 'VARCHAR' } } }],
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const cls = 'TRY_CAST(j.class_uid AS INTEGER)';
    const activity = 'TRY_CAST(j.activity_id AS INTEGER)';
    const caseOf = (expr: string, table: Record<number, string>) =>
      `CASE ${expr} ${Object.entries(table).map(([k, v]) => `WHEN ${k} THEN ${sqlString(v)}`).join(' ')} END`;
    const time = `coalesce(${timeSql('j.time')}, ${timeSql('j.time_dt')})`;
    // Authentication events are about the `user` signing in; the rest about the actor.
    const who = `CASE WHEN ${cls} = 3002 AND j.user.uid IS NOT NULL OR j.actor.user IS NULL THEN j.user ELSE j.actor.user END`;
    const resource = `coalesce(j.resources[1].uid, j.resources[1].name)`;
    const resourceAccount = `coalesce(j.resources[1].account_uid, j.resources[1].owner.account.uid)`;
    return `
SELECT * EXCLUDE (_resources), CASE WHEN resource_uid IS NOT NULL THEN list_concat(
    [{'resource_uid': resource_uid, 'resource_type': resource_type, 'boundary': boundary, 'role': 'primary'}],
    list_transform(list_filter(coalesce(_resources, []), r -> coalesce(r.uid, r.name) IS NOT NULL AND coalesce(r.uid, r.name) <> resource_uid),
      r -> {'resource_uid': coalesce(r.uid, r.name), 'resource_type': r.type, 'boundary': coalesce(r.account_uid, r.owner.account.uid), 'role': 'related'}))
  ELSE [] END AS resources
FROM (
SELECT ${carry}
  coalesce(nullif(j.metadata.uid, ''), 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'ocsf' AS source,
  record_no,
  byte_offset,
  coalesce(nullif(j.actor.session.issuer, ''), nullif((${who}).uid, ''), nullif((${who}).name, ''),
    CASE WHEN j.actor.invoked_by IS NOT NULL THEN 'aws-service:' || j.actor.invoked_by END) AS actor_uid,
  coalesce(lower(nullif((${who}).type, '')), CASE WHEN j.actor.invoked_by IS NOT NULL THEN 'aws_service' END, 'unknown') AS actor_type,
  coalesce(nullif((${who}).name, ''), (${who}).uid, j.actor.invoked_by) AS actor_display,
  CASE WHEN j.actor.invoked_by IS NOT NULL AND (${who}).uid IS NULL THEN true END AS is_nhi,
  nullif((${who}).credential_uid, '') AS credential_uid,
  CASE WHEN nullif(j.actor.session.issuer, '') IS NOT NULL THEN coalesce(nullif(j.actor.session.uid, ''), (${who}).uid) END AS session_uid,
  NULL AS origin_uid,
  coalesce(nullif(j.api.operation, ''), nullif(j.activity_name, ''), j.class_name, 'class ' || j.class_uid) AS operation,
  coalesce(nullif(j.api.service.name, ''), nullif(j.service.name, ''), j.metadata.product.name) AS service,
  coalesce(${caseOf(cls, CLASS_CATEGORY)}, CASE WHEN ${cls} = 6003 THEN ${caseOf(activity, ACTIVITY_CATEGORY)} END, 'other') AS category,
  ${resource} AS resource_uid,
  j.resources[1].type AS resource_type,
  coalesce(${resourceAccount}, j.cloud.account.uid) AS boundary,
  coalesce((${who}).account.uid, j.cloud.account.uid) AS actor_boundary,
  nullif(j.cloud.region, '') AS region,
  nullif(j.src_endpoint.ip, '') AS src_ip,
  nullif(j.http_request.user_agent, '') AS user_agent,
  CASE WHEN TRY_CAST(j.status_id AS INTEGER) = 2 OR lower(j.status) = 'failure' THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN TRY_CAST(j.status_id AS INTEGER) = 2 OR lower(j.status) = 'failure'
    THEN coalesce(nullif(j.api.response.error, ''), nullif(j.status_code, ''), nullif(j.status_detail, ''), 'Failure') END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: time is ' || coalesce('"' || j.time || '"', 'missing') END AS problem_message,
  j.resources AS _resources
FROM ${from})`;
  },
};
