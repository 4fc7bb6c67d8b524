import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Okta System Log LogEvents (JSON from the System Log API or an export).
 *
 * Conventions: event_uid = uuid plus a short hash of time, event type, actor and transaction: the
 * same event exported twice collapses, while exports that reuse a uuid for different events (test
 * data does) keep them all. actor_uid = `okta:<actor.id>` (display: alternateId, else displayName);
 * SystemPrincipal and app or client actors are machines. session_uid =
 * `okta-session:<authenticationContext.externalSessionId>`; credential_uid =
 * `okta-token:<transaction.detail.requestApiTokenId>` when an API token made the call.
 * resource_uid = `okta:<target.id>` for each target (the first is primary). The log does not
 * name its org, so boundary is `okta`.
 */

const CATEGORY_RULES: readonly (readonly [string, string])[] = [
  ['^(user\\.session\\.|user\\.authentication\\.|user\\.mfa\\.|policy\\.evaluate_sign_on|app\\.oauth2\\.(as\\.)?token)', 'auth'],
  ['^(system\\.api_token\\.|user\\.lifecycle\\.|group\\.user_membership\\.|group\\.privilege\\.|user\\.account\\.privilege\\.|app\\.user_management|application\\.user_membership\\.|policy\\.lifecycle\\.|policy\\.rule\\.|system\\.org\\.|user\\.account\\.(reset|update)_password|user\\.mfa\\.factor\\.(deactivate|reset))', 'admin'],
  ['\\.(delete|deactivate|remove|revoke)', 'delete'],
  ['\\.(create|add|update|activate|assign|import)', 'write'],
  ['\\.(read|view|list|search)', 'read'],
];

const MACHINE_ACTORS = ['SystemPrincipal', 'PublicClientApp', 'AppInstance', 'Client', 'ServicePrincipal'];

export const oktaSystem: SourceParser = {
  id: 'okta.system',
  version: '1.0.0',

  probe: { uuid: 'VARCHAR', eventType: 'VARCHAR', published: 'VARCHAR' },

  detect(p) {
    return `(${p}.uuid IS NOT NULL AND ${p}.eventType IS NOT NULL AND ${p}.published IS NOT NULL)`;
  },

  structure: {
    uuid: 'VARCHAR',
    published: 'VARCHAR',
    eventType: 'VARCHAR',
    displayMessage: 'VARCHAR',
    actor: { id: 'VARCHAR', type: 'VARCHAR', alternateId: 'VARCHAR', displayName: 'VARCHAR' },
    client: { ipAddress: 'VARCHAR', userAgent: { rawUserAgent: 'VARCHAR' }, id: 'VARCHAR' },
    authenticationContext: { externalSessionId: 'VARCHAR', credentialType: 'VARCHAR', authenticationProvider: 'VARCHAR' },
    outcome: { result: 'VARCHAR', reason: 'VARCHAR' },
    target: [{ id: 'VARCHAR', type: 'VARCHAR', alternateId: 'VARCHAR', displayName: 'VARCHAR' }],
    transaction: { id: 'VARCHAR', detail: { requestApiTokenId: 'VARCHAR' } },
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const time = timeSql('j.published');
    const failed = `upper(j.outcome.result) IN ('FAILURE', 'DENY', 'DENIED', 'REJECTED', 'ABANDONED')`;
    const session = `nullif(nullif(j.authenticationContext.externalSessionId, ''), 'unknown')`;
    return `
SELECT ${carry}
  coalesce(nullif(j.uuid, ''), 'sha256:' || sha256(raw)) || ':' || left(sha256(concat_ws('|', j.published, j.eventType, j.actor.id, j.transaction.id)), 12) AS event_uid,
  line,
  ${time} AS time,
  'okta.system' AS source,
  record_no,
  byte_offset,
  CASE WHEN nullif(j.actor.id, '') IS NOT NULL THEN 'okta:' || j.actor.id END AS actor_uid,
  lower(j.actor.type) AS actor_type,
  coalesce(nullif(j.actor.alternateId, ''), j.actor.displayName) AS actor_display,
  CASE WHEN j.actor.type IN (${MACHINE_ACTORS.map(sqlString).join(', ')}) THEN true END AS is_nhi,
  CASE WHEN nullif(j.transaction.detail.requestApiTokenId, '') IS NOT NULL THEN 'okta-token:' || j.transaction.detail.requestApiTokenId END AS credential_uid,
  CASE WHEN ${session} IS NOT NULL THEN 'okta-session:' || ${session} END AS session_uid,
  NULL AS origin_uid,
  coalesce(j.eventType, '(none)') AS operation,
  'okta' AS service,
  CASE ${CATEGORY_RULES.map(([pattern, c]) => `WHEN regexp_matches(coalesce(j.eventType, ''), ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END AS category,
  CASE WHEN nullif(j.target[1].id, '') IS NOT NULL THEN 'okta:' || j.target[1].id END AS resource_uid,
  j.target[1].type AS resource_type,
  'okta' AS boundary,
  'okta' AS actor_boundary,
  NULL AS region,
  nullif(j.client.ipAddress, '') AS src_ip,
  nullif(j.client.userAgent.rawUserAgent, '') AS user_agent,
  CASE WHEN ${failed} THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN ${failed} THEN coalesce(nullif(j.outcome.reason, ''), j.outcome.result) END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: published is ' || coalesce('"' || j.published || '"', 'missing') END AS problem_message,
  list_transform(list_filter(coalesce(j.target, []), t -> nullif(t.id, '') IS NOT NULL),
    (t, i) -> {'resource_uid': 'okta:' || t.id, 'resource_type': t.type, 'boundary': 'okta', 'role': CASE WHEN i = 1 THEN 'primary' ELSE 'related' END}) AS resources
FROM ${from}`;
  },
};
