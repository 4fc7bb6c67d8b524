import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * GitHub organization and enterprise audit log, as JSON from the API, the streaming export or
 * the web UI's JSON download (`action`, `actor`, `created_at` or `@timestamp` in epoch ms).
 * The CSV download reaches this parser too: its header names the same fields.
 *
 * Conventions: actor_uid = `github:<actor login>` (`[bot]` logins are machines; the kind of
 * token, `programmatic_access_type`, stays in the raw record and the credential); credential_uid = `github-token:<hashed_token>` (else `token_id`); session_uid =
 * `github-run:<repo>/<workflow_run_id>` for workflow events; resource_uid = `github:<org>/<repo>`
 * for repository events, else `github:<org>`, else the affected user (`github:<user>`; also a
 * related resource when there is an org or repository). Some records have no actor at all
 * (`user.forgot_password`, made before anyone signed in): they are kept with no actor;
 * boundary = `github-org:<org>` (else `github-business:<business>`).
 */

const CATEGORY_RULES: readonly (readonly [string, string])[] = [
  ['^(oauth_access|oauth_authorization|personal_access_token|user\\.login|user\\.two_factor|two_factor|ssh_key|deploy_key|public_key|oauth_application|integration_installation|org_credential_authorization|token_scopes)\\.', 'auth'],
  ['^(org\\.|team\\.|business\\.|enterprise\\.|protected_branch\\.|repository_ruleset\\.|repo\\.(access|add_member|remove_member|update_member|change_merge_setting|transfer|actions_enabled|set_actions_)|members_can_|ip_allow_list|org_secret_scanning|secret_scanning|repository_vulnerability_alerts\\.|dependabot_alerts|environment\\.|hook\\.|integration\\.|repo\\.config)', 'admin'],
  ['\\.(destroy|delete|remove|disable|delete_workflow_run|revoke)[a-z_]*$', 'delete'],
  ['^(git\\.clone|git\\.fetch|repo\\.download_zip)', 'read'],
  ['\\.(create|add|update|enable|created_workflow_run|completed_workflow_run|prepared_workflow_job|merge|push|rename|invite|approve|rerun)[a-z_]*$|^git\\.push', 'write'],
];

export const githubAudit: SourceParser = {
  id: 'github.audit',
  version: '1.1.0',

  probe: { action: 'VARCHAR', actor: 'VARCHAR', created_at: 'VARCHAR', '@timestamp': 'VARCHAR', org: 'VARCHAR', business: 'VARCHAR', eventType: 'VARCHAR', actor_ip: 'VARCHAR', _document_id: 'VARCHAR' },

  detect(p) {
    return `(${p}.action IS NOT NULL AND regexp_matches(${p}.action, '^[a-z_]+\\.[a-z_]+') AND ${p}.eventType IS NULL
      AND (${p}.created_at IS NOT NULL OR ${p}."@timestamp" IS NOT NULL)
      AND (${p}.actor IS NOT NULL OR ${p}.org IS NOT NULL OR ${p}.business IS NOT NULL OR ${p}.actor_ip IS NOT NULL OR ${p}._document_id IS NOT NULL))`;
  },

  structure: {
    _document_id: 'VARCHAR',
    document_id: 'VARCHAR',
    action: 'VARCHAR',
    actor: 'VARCHAR',
    actor_id: 'VARCHAR',
    actor_is_bot: 'VARCHAR',
    actor_ip: 'VARCHAR',
    user_agent: 'VARCHAR',
    user: 'VARCHAR',
    org: 'VARCHAR',
    business: 'VARCHAR',
    repo: 'VARCHAR',
    repository: 'VARCHAR',
    created_at: 'VARCHAR',
    '@timestamp': 'VARCHAR',
    programmatic_access_type: 'VARCHAR',
    hashed_token: 'VARCHAR',
    token_id: 'VARCHAR',
    token_scopes: 'VARCHAR',
    workflow_run_id: 'VARCHAR',
    operation_type: 'VARCHAR',
    integration: 'VARCHAR',
    oauth_application_name: 'VARCHAR',
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const time = `coalesce(${timeSql('j.created_at', { unit: 'ms' })}, ${timeSql('j."@timestamp"', { unit: 'ms' })}, ${timeSql('j.created_at')}, ${timeSql('j."@timestamp"')})`;
    const actor = `nullif(j.actor, '')`;
    const repo = `nullif(coalesce(nullif(j.repo, ''), j.repository), '')`;
    // A GitHub App token says how the call was made, not who the actor is (a person's login can
    // appear with one): only bot logins mark the actor itself as a machine.
    const machine = `(${actor} LIKE '%[bot]' OR lower(j.actor_is_bot) = 'true')`;
    const resource = `CASE WHEN ${repo} IS NOT NULL THEN 'github:' || ${repo} WHEN nullif(j.org, '') IS NOT NULL THEN 'github:' || j.org WHEN nullif(j.user, '') IS NOT NULL THEN 'github:' || j.user END`;
    const resourceType = `CASE WHEN ${repo} IS NOT NULL THEN 'github:repository' WHEN nullif(j.org, '') IS NOT NULL THEN 'github:organization' WHEN nullif(j.user, '') IS NOT NULL THEN 'github:user' END`;
    const boundary = `CASE WHEN nullif(j.org, '') IS NOT NULL THEN 'github-org:' || j.org WHEN nullif(j.business, '') IS NOT NULL THEN 'github-business:' || j.business END`;
    return `
SELECT ${carry}
  coalesce(nullif(j._document_id, ''), nullif(j.document_id, ''), 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${time} AS time,
  'github.audit' AS source,
  record_no,
  byte_offset,
  CASE WHEN ${actor} IS NOT NULL THEN 'github:' || ${actor} END AS actor_uid,
  CASE WHEN ${machine} THEN 'bot' WHEN ${actor} IS NOT NULL THEN 'user' END AS actor_type,
  ${actor} AS actor_display,
  CASE WHEN ${machine} THEN true END AS is_nhi,
  CASE WHEN nullif(j.hashed_token, '') IS NOT NULL THEN 'github-token:' || j.hashed_token
       WHEN nullif(j.token_id, '') IS NOT NULL THEN 'github-token-id:' || j.token_id END AS credential_uid,
  CASE WHEN nullif(j.workflow_run_id, '') IS NOT NULL THEN 'github-run:' || coalesce(${repo}, '?') || '/' || j.workflow_run_id END AS session_uid,
  CASE WHEN nullif(j.integration, '') IS NOT NULL THEN 'github-app:' || j.integration
       WHEN nullif(j.oauth_application_name, '') IS NOT NULL THEN 'github-oauth-app:' || j.oauth_application_name END AS origin_uid,
  j.action AS operation,
  'github' AS service,
  CASE ${CATEGORY_RULES.map(([pattern, c]) => `WHEN regexp_matches(j.action, ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END AS category,
  ${resource} AS resource_uid,
  ${resourceType} AS resource_type,
  ${boundary} AS boundary,
  ${boundary} AS actor_boundary,
  NULL AS region,
  nullif(j.actor_ip, '') AS src_ip,
  nullif(j.user_agent, '') AS user_agent,
  CASE WHEN j.action LIKE '%.reject%' OR j.action LIKE '%_failure' OR j.action LIKE '%.failed%' THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN j.action LIKE '%.reject%' OR j.action LIKE '%_failure' OR j.action LIKE '%.failed%' THEN j.action END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: created_at is ' || coalesce('"' || j.created_at || '"', 'missing') END AS problem_message,
  list_concat(
    CASE WHEN ${resource} IS NOT NULL THEN [{'resource_uid': ${resource}, 'resource_type': ${resourceType}, 'boundary': ${boundary}, 'role': 'primary'}] ELSE [] END,
    CASE WHEN nullif(j.user, '') IS NOT NULL AND coalesce(${repo}, nullif(j.org, '')) IS NOT NULL THEN [{'resource_uid': 'github:' || j.user, 'resource_type': 'github:user', 'boundary': ${boundary}, 'role': 'related'}] ELSE [] END
  ) AS resources
FROM ${from}`;
  },
};
