import { deriveAccess } from '../access/derive-access';
import type { CaseStore } from '../case-store/case-store';
import { sqlString } from '../ingest/sources/source-parser';
import {
  BROWSER_USER_AGENT_PATTERN,
  CLASSIFICATION_RULES,
  GITHUB_OIDC_ACTOR,
  HUMAN_SESSION_NAME_PATTERN,
  K8S_INTERACTIVE_PATTERN,
  K8S_PROGRAM_PATTERN,
  SCRIPT_USER_AGENT_PATTERN,
  SERVER_USER_AGENT_PATTERN,
  WORKSTATION_USER_AGENT_PATTERN,
} from './classification-rules';
import { classifyAssumedOnly, deriveLinks, derivePrincipals, labelIdentities } from './links';
import { clientFamilySql, networkSql } from './networks';

/**
 * Derives the identity tables from `events`: sessions (who assumed what, how, with which
 * credentials), credentials, identity facts and their classification, hour-of-week activity and
 * baselines. A full rebuild, in SQL, in one transaction: the same events always give the same
 * tables, and readers never see half of them.
 */

export interface DeriveOptions {
  /** End of the baseline window (exclusive); default: the start of the case's last day. */
  baselineEnd?: string;
  /** Length of the baseline window in days; default 30. */
  baselineDays?: number;
  /** An identity with no success in this many last days of the case is stale; default 30. */
  staleDays?: number;
  /**
   * Recompute only what evidence imported since the last derivation touched (the importer's
   * choice). The result is the same as a full rebuild; a test holds it to that.
   */
  incremental?: boolean;
}

export interface DeriveReport {
  identities: number;
  nhi: number;
  sessions: number;
  credentials: number;
  baselineStart: string | null;
  baselineEnd: string | null;
  /** `incremental` when only what new evidence touched was recomputed. */
  mode: 'full' | 'incremental' | 'unchanged';
  elapsedMs: number;
}

/** The CloudTrail record itself, also when it came as a lookup-events string. */
const DOC = `coalesce(raw->>'$.CloudTrailEvent', raw)`;

const SESSIONS = `
INSERT INTO sessions
WITH issued AS (
  SELECT event_uid, time, source, actor_uid, credential_uid, operation, resource_uid, src_ip, user_agent, ${DOC} AS doc
  FROM events
  WHERE source = 'aws.cloudtrail' AND status = 'success' AND {{new_events}}
    AND operation IN ('AssumeRole', 'AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML', 'GetFederationToken', 'GetSessionToken')
),
sessions AS (
  SELECT
    coalesce(doc->>'$.responseElements.assumedRoleUser.arn', doc->>'$.responseElements.federatedUser.arn') AS session_uid,
    doc->>'$.responseElements.credentials.accessKeyId' AS credential_uid,
    CASE WHEN operation LIKE 'AssumeRole%' THEN resource_uid ELSE actor_uid END AS role_uid,
    actor_uid AS assumed_by,
    credential_uid AS assumed_by_credential,
    operation AS via,
    time AS assumed_at,
    event_uid AS assume_event_uid,
    source,
    coalesce(doc->>'$.responseElements.subjectFromWebIdentityToken', doc->>'$.responseElements.subject') AS subject,
    src_ip,
    user_agent
  FROM issued
)
SELECT s.*, coalesce(u.events, 0), u.first_used, u.last_used
FROM sessions s
LEFT JOIN (
  SELECT credential_uid, count(*) AS events, min(time) AS first_used, max(time) AS last_used
  FROM events WHERE credential_uid LIKE 'ASIA%' GROUP BY credential_uid
) u USING (credential_uid)`;

const CREDENTIALS = `
INSERT INTO credentials (credential_uid, kind, owner_uid, first_seen, last_seen, events, src_ips, user_agents, boundaries, owner_deleted, shared, orphaned)
SELECT credential_uid,
  CASE WHEN credential_uid LIKE 'AKIA%' THEN 'long_term' WHEN credential_uid LIKE 'ASIA%' THEN 'temporary' ELSE 'other' END,
  CASE WHEN credential_uid LIKE 'ASIA%' THEN coalesce(any_value(s.role_uid), mode(e.actor_uid)) ELSE mode(e.actor_uid) END,
  min(time), max(time), count(*),
  coalesce(list(DISTINCT src_ip ORDER BY src_ip) FILTER (src_ip IS NOT NULL), []),
  coalesce(list(DISTINCT user_agent ORDER BY user_agent) FILTER (user_agent IS NOT NULL), []),
  coalesce(list(DISTINCT actor_boundary ORDER BY actor_boundary) FILTER (actor_boundary IS NOT NULL), []),
  false,
  -- Shared: used from two networks, by two kinds of client, or in two boundaries (not: the next address, a CLI upgrade).
  count(DISTINCT ${networkSql('src_ip')}) > 1 OR count(DISTINCT ${clientFamilySql('user_agent')}) > 1 OR count(DISTINCT actor_boundary) > 1,
  false
FROM events e LEFT JOIN (SELECT credential_uid, any_value(role_uid) AS role_uid FROM sessions GROUP BY ALL) s USING (credential_uid)
WHERE credential_uid IS NOT NULL AND {{credentials}}
GROUP BY credential_uid`;

/**
 * Keys known from the call that created them (they are in its response only): attached to their
 * owner with who created them and when, also before (or without) their first use.
 */
const CREATED_CREDENTIALS = `
CREATE OR REPLACE TEMP TABLE created_keys AS
SELECT * FROM (
  SELECT ${DOC}->>'$.responseElements.accessKey.accessKeyId' AS credential_uid,
    'arn:aws:iam::' || coalesce(regexp_extract(actor_uid, '^arn:[^:]+:iam::([0-9]{12}):', 1), actor_boundary) || ':user/'
      || coalesce(${DOC}->>'$.responseElements.accessKey.userName', ${DOC}->>'$.requestParameters.userName', regexp_extract(actor_uid, 'user/(.+)$', 1)) AS owner_uid,
    actor_uid AS created_by, time AS created_at, event_uid, 'long_term' AS kind
  FROM events WHERE source = 'aws.cloudtrail' AND operation = 'CreateAccessKey' AND status = 'success'
  UNION ALL
  SELECT '//iam.googleapis.com/' || (raw->>'$.protoPayload.response.name'),
    regexp_extract(raw->>'$.protoPayload.response.name', 'serviceAccounts/([^/]+)/keys/', 1),
    actor_uid, time, event_uid, 'service_account_key'
  FROM events WHERE source = 'gcp.audit' AND operation ILIKE '%CreateServiceAccountKey' AND status = 'success'
  UNION ALL
  -- An Entra app secret or certificate: the new key is the KeyIdentifier only the new value lists
  -- (the record lists every key before and after); sign-ins name it servicePrincipalCredentialKeyId.
  SELECT 'azure-key:' || k, CASE WHEN resource_type ILIKE 'ServicePrincipal' OR resource_type = 'azure:directory-object'
      THEN 'azure-sp:' || regexp_extract(boundary, '^tenants/(.+)$', 1) || '/' || regexp_extract(resource_uid, '/([^/]+)$', 1) ELSE resource_uid END,
    actor_uid, time, event_uid, 'app_secret'
  FROM (
    SELECT *, unnest(list_filter(list_distinct(ids), x -> len(list_filter(ids, y -> y = x)) = 1)) AS k
    FROM (SELECT *, regexp_extract_all(raw, 'KeyIdentifier=([0-9a-fA-F-]{36})', 1) AS ids FROM events
          WHERE source IN ('azure.audit', 'm365.audit') AND status = 'success'
            AND regexp_matches(operation, '(?i)(add service principal credentials|certificates and secrets management|update application)')))
) WHERE credential_uid IS NOT NULL;
UPDATE credentials SET created_by = k.created_by, created_at = k.created_at, created_event_uid = k.event_uid, owner_uid = coalesce(credentials.owner_uid, k.owner_uid),
  kind = CASE WHEN credentials.kind = 'other' THEN k.kind ELSE credentials.kind END
FROM created_keys k WHERE credentials.credential_uid = k.credential_uid;
INSERT INTO credentials (credential_uid, kind, owner_uid, first_seen, last_seen, events, src_ips, user_agents, boundaries, owner_deleted, shared, orphaned,
  created_by, created_at, created_event_uid)
SELECT credential_uid, kind, owner_uid, created_at, created_at, 0, [], [], [], false, false, false, created_by, created_at, event_uid
FROM created_keys WHERE credential_uid NOT IN (SELECT credential_uid FROM credentials)`;

/** An owner that some event deleted (DeleteUser on it) leaves its keys orphaned. */
const ORPHANS = `
UPDATE credentials SET owner_deleted = true, orphaned = true
WHERE owner_uid IN (SELECT resource_uid FROM events WHERE operation IN ('DeleteUser', 'DeleteRole', 'DeleteServiceAccount') AND status = 'success')`;

/**
 * Delegations that other logs record on each event rather than as a call of their own: GCP
 * service-account delegation and workload identity federation, explicit GenerateAccessToken
 * impersonation, Kubernetes impersonation and pod- or node-bound service-account tokens. One row
 * per (identity, who stood behind it, how), with its first event as the issuing one.
 */
const DELEGATIONS = `
INSERT INTO sessions
SELECT any_value(session_uid), credential_uid, role_uid, assumed_by, NULL, via, min(time), arg_min(event_uid, time), source, NULL,
  arg_min(src_ip, time), arg_min(user_agent, time), count(*), min(time), max(time)
FROM (
  SELECT CASE WHEN source = 'k8s.audit' THEN session_uid END AS session_uid, credential_uid, actor_uid AS role_uid,
    coalesce(origin_uid, session_uid) AS assumed_by,
    CASE
      WHEN source = 'gcp.audit' AND origin_uid LIKE 'principal%://%' THEN 'WorkloadIdentityFederation'
      WHEN source = 'gcp.audit' THEN 'ServiceAccountDelegation'
      WHEN origin_uid LIKE 'k8s-node://%' OR origin_uid IS NULL THEN 'ServiceAccountToken'
      ELSE 'Impersonation'
    END AS via,
    time, event_uid, source, src_ip, user_agent
  FROM events
  WHERE actor_uid IS NOT NULL AND status = 'success'
    AND ((source = 'gcp.audit' AND origin_uid IS NOT NULL) OR (source = 'k8s.audit' AND (origin_uid IS NOT NULL OR session_uid IS NOT NULL)))
  UNION ALL
  SELECT NULL, NULL, regexp_extract(resource_uid, 'serviceAccounts/([^/]+)$', 1), actor_uid, 'GenerateAccessToken', time, event_uid, source, src_ip, user_agent
  FROM events
  WHERE source = 'gcp.audit' AND status = 'success' AND operation LIKE '%GenerateAccessToken' AND resource_uid LIKE '%serviceAccounts/%'
)
GROUP BY credential_uid, role_uid, assumed_by, via, source`;

const FACTS = `
CREATE OR REPLACE TEMP TABLE identity_facts AS
WITH via AS (
  SELECT role_uid AS uid,
    count(*) FILTER (via = 'AssumeRoleWithWebIdentity' AND regexp_matches(assumed_by, ${GITHUB_OIDC_ACTOR})) AS via_github,
    count(*) FILTER (assumed_by LIKE 'aws-service:%') AS via_service,
    count(*) FILTER (via = 'AssumeRoleWithWebIdentity' AND (assumed_by LIKE '%:system:serviceaccount:%' OR subject LIKE 'system:serviceaccount:%')) AS via_k8s,
    string_agg(DISTINCT substr(assumed_by, 13), ', ' ORDER BY substr(assumed_by, 13)) FILTER (assumed_by LIKE 'aws-service:%') AS via_service_names,
    count(*) FILTER (via = 'AssumeRoleWithSAML' OR assumed_by LIKE 'saml:%' OR assumed_by LIKE 'aws-identity-center:%') AS via_people,
    min(assumed_at) AS first_assumed, max(assumed_at) AS last_assumed
  FROM sessions WHERE role_uid IS NOT NULL GROUP BY role_uid
),
-- Where people sign in from: an identity calling mostly from those addresses is likely a person at the same desk.
signin_ips AS (
  SELECT DISTINCT src_ip FROM events
  WHERE status = 'success' AND src_ip IS NOT NULL
    AND (operation IN ('ConsoleLogin', 'user.session.start', 'user.authentication.sso') OR source = 'azure.signin')
),
-- User agents and session names are classified once per distinct value, not once per event: a
-- case has few of them and millions of events (10 M events: this query 12.8 s -> ~5 s).
agents AS (
  SELECT user_agent,
    CASE WHEN regexp_matches(user_agent, ${BROWSER_USER_AGENT_PATTERN}) THEN 1 ELSE 0 END AS browser,
    CASE WHEN regexp_matches(user_agent, ${SCRIPT_USER_AGENT_PATTERN}) THEN 1 ELSE 0 END AS script,
    CASE WHEN regexp_matches(user_agent, ${WORKSTATION_USER_AGENT_PATTERN}, 'i') AND NOT regexp_matches(user_agent, ${SERVER_USER_AGENT_PATTERN}, 'i') THEN 1 ELSE 0 END AS workstation,
    CASE WHEN regexp_matches(user_agent, ${SERVER_USER_AGENT_PATTERN}, 'i') THEN 1
         WHEN regexp_matches(user_agent, ${K8S_PROGRAM_PATTERN}) AND NOT regexp_matches(user_agent, ${K8S_INTERACTIVE_PATTERN}, 'i') THEN 1
         ELSE 0 END AS server
  FROM (SELECT DISTINCT user_agent FROM events WHERE user_agent IS NOT NULL AND actor_uid IS NOT NULL AND {{actors}})
),
session_names AS (
  SELECT session_uid, session_name,
    CASE WHEN nullif(session_name, '') IS NULL THEN NULL WHEN regexp_matches(session_name, ${HUMAN_SESSION_NAME_PATTERN}) THEN 1 ELSE 0 END AS human_session
  FROM (
    SELECT session_uid, regexp_extract(session_uid, 'assumed-role/[^/]+/(.+)$', 1) AS session_name
    FROM (SELECT DISTINCT session_uid FROM events WHERE session_uid IS NOT NULL AND actor_uid IS NOT NULL AND {{actors}}))
),
ev AS (
  SELECT e.actor_uid AS uid, e.actor_display, e.actor_type, e.source, e.actor_boundary, e.is_nhi, e.operation, e.credential_uid, e.user_agent, e.time, e.status,
    e.bytes_out, e.bytes_in, e.src_ip, e.session_uid,
    -- Only events carry raw: unqualified, it is theirs.
    CASE WHEN e.operation = 'ConsoleLogin' THEN ${DOC}->>'$.additionalEventData.MFAUsed' END AS mfa,
    a.browser, a.script, a.workstation, a.server,
    n.session_name, n.human_session,
    CASE WHEN e.src_ip IS NULL THEN NULL WHEN e.src_ip IN (SELECT src_ip FROM signin_ips) THEN 1 ELSE 0 END AS signin_ip
  FROM events e LEFT JOIN agents a ON a.user_agent = e.user_agent LEFT JOIN session_names n ON n.session_uid = e.session_uid
  WHERE e.actor_uid IS NOT NULL AND {{actors}}
),
-- A job runs at the same minute of the hour; a person does not.
schedule AS (
  SELECT uid, max(n) AS top_minute_events, arg_max(m, n) AS top_minute
  FROM (SELECT uid, minute(time) AS m, count(*) AS n FROM ev GROUP BY ALL) GROUP BY uid
),
acted AS (
  SELECT ev.uid,
    -- A role is named by its role name, not by whichever session name came up most.
    CASE WHEN ev.uid LIKE 'arn:%:role/%' THEN regexp_extract(ev.uid, '([^/]+)$', 1) ELSE mode(actor_display) END AS display,
    mode(actor_type) AS actor_type,
    list(DISTINCT source ORDER BY source) AS sources,
    coalesce(list(DISTINCT actor_boundary ORDER BY actor_boundary) FILTER (actor_boundary IS NOT NULL), []) AS boundaries,
    coalesce(bool_or(is_nhi), false) AS source_machine,
    count(*) FILTER (operation = 'ConsoleLogin') AS console_logins,
    count(*) FILTER (operation = 'ConsoleLogin' AND mfa = 'Yes') AS console_mfa,
    count(DISTINCT credential_uid) FILTER (credential_uid LIKE 'AKIA%') AS long_term_keys,
    coalesce(avg(browser), 0) AS browser_share,
    coalesce(avg(script), 0) AS script_share,
    coalesce(avg(workstation), 0) AS workstation_share,
    coalesce(avg(server), 0) AS server_share,
    coalesce(avg(signin_ip), 0) AS signin_ip_share,
    coalesce(avg(human_session), 0) AS human_session_share,
    mode(session_name) AS top_session_name,
    mode(user_agent) AS top_user_agent,
    count(DISTINCT time::DATE) AS active_days,
    min(time) AS first_seen,
    max(time) AS last_seen,
    max(time) FILTER (status = 'success') AS last_success,
    count(*) AS events,
    count(*) FILTER (status = 'failure') AS failures,
    coalesce(sum(bytes_out), 0) AS bytes_out,
    coalesce(sum(bytes_in), 0) AS bytes_in
  FROM ev GROUP BY ev.uid
),
-- A role only ever assumed (a service-linked role acting through its service) is still an identity.
assumed_only AS (
  SELECT v.uid, regexp_extract(v.uid, '([^/]+)$', 1) AS display, 'role' AS actor_type, ['aws.cloudtrail'] AS sources,
    coalesce([nullif(regexp_extract(v.uid, '^arn:[^:]+:iam::([0-9]{12}):', 1), '')], []) AS boundaries,
    false AS source_machine, 0 AS console_logins, 0 AS console_mfa, 0 AS long_term_keys, 0.0 AS browser_share, 0.0 AS script_share,
    0.0 AS workstation_share, 0.0 AS server_share, 0.0 AS signin_ip_share, 0.0 AS human_session_share, NULL AS top_session_name, NULL AS top_user_agent, 0 AS active_days,
    v.first_assumed AS first_seen, v.last_assumed AS last_seen, NULL::TIMESTAMP AS last_success, 0 AS events, 0 AS failures, 0 AS bytes_out, 0 AS bytes_in
  FROM via v WHERE v.uid NOT IN (SELECT uid FROM acted) AND v.uid LIKE 'arn:%:role/%' AND ({{actors_uid}})
)
SELECT a.*,
  coalesce(v.via_github, 0) AS via_github,
  coalesce(v.via_service, 0) AS via_service,
  coalesce(v.via_k8s, 0) AS via_k8s,
  v.via_service_names,
  coalesce(v.via_people, 0) AS via_people,
  coalesce(s.top_minute_events, 0) / greatest(a.events, 1) AS top_minute_share,
  s.top_minute,
  regexp_matches(coalesce(CASE WHEN regexp_matches(a.uid, '^[^@:/\s]+@') THEN a.uid END, a.display, ''), '^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$')
    AND NOT coalesce(a.display, a.uid) LIKE '%gserviceaccount.com' AS email_shaped,
  l.kind AS link_kind,
  l.principal_uid AS linked_to
FROM (SELECT * FROM acted UNION ALL BY NAME SELECT * FROM assumed_only) a
LEFT JOIN via v ON v.uid = a.uid
LEFT JOIN schedule s ON s.uid = a.uid
LEFT JOIN identity_links l ON l.uid = a.uid`;

const MATCHES = `
CREATE OR REPLACE TEMP TABLE identity_matches AS
${CLASSIFICATION_RULES.map(
  (r, i) => `SELECT f.uid, ${i} AS ord, ${sqlString(r.id)} AS rule, ${sqlString(r.verdict)} AS verdict,
    ${r.typeSql ?? sqlString(r.type)} AS type, ${r.weight}::DOUBLE AS weight, (${r.detail})::VARCHAR AS detail
  FROM identity_facts f WHERE ${r.when}`,
).join('\nUNION ALL\n')}`;

/**
 * Stale: no success in the last N days of the case, and no call at all in its last day (neither
 * the calendar day nor the 24 hours before its end): a role whose calls failed minutes before the
 * case ends is in use, not forgotten.
 */
const STALE = (lastSuccess: string, lastSeen: string) =>
  `(coalesce(${lastSuccess} < (SELECT max(time) FROM events WHERE time_flag IS NULL) - INTERVAL (getvariable('stale_days')) DAY, true)
    AND ${lastSeen} < least((SELECT date_trunc('day', max(time)) FROM events WHERE time_flag IS NULL), (SELECT max(time) FROM events WHERE time_flag IS NULL) - INTERVAL 1 DAY))`;

/**
 * The heaviest rule decides; an opposing signal lowers the confidence; the analyst's latest
 * override, if any, wins over all and is the first reason listed.
 */
const IDENTITIES = `
INSERT INTO identities (uid, display, actor_type, sources, boundaries, type, is_nhi, confidence, reasons, overridden, first_seen, last_seen,
  last_success, events, failures, bytes_out, bytes_in, stale, observed)
WITH best AS (
  SELECT uid, arg_max({'verdict': verdict, 'type': type, 'weight': weight}, weight * 1000 - ord) AS b FROM identity_matches GROUP BY uid
),
reasons AS (
  SELECT uid, list({'rule': rule, 'verdict': verdict, 'type': type, 'weight': weight, 'detail': detail} ORDER BY weight DESC, ord) AS reasons
  FROM identity_matches GROUP BY uid
),
opposed AS (
  SELECT m.uid, max(m.weight) AS weight FROM identity_matches m JOIN best USING (uid) WHERE m.verdict <> best.b.verdict GROUP BY m.uid
),
override AS (
  SELECT uid, arg_max({'is_nhi': is_nhi, 'type': type, 'reason': reason, 'analyst': analyst, 'at': created_at}, override_id) AS o
  FROM identity_overrides GROUP BY uid
)
SELECT f.uid, f.display, f.actor_type, f.sources, f.boundaries,
  coalesce(o.o.type, best.b.type, 'unknown'),
  CASE WHEN o.uid IS NOT NULL THEN o.o.is_nhi WHEN best.uid IS NOT NULL THEN best.b.verdict = 'machine' END,
  CASE WHEN o.uid IS NOT NULL THEN 1.0 ELSE round(coalesce(best.b.weight, 0) * (1 - 0.5 * coalesce(opposed.weight, 0)), 3) END,
  list_concat(
    CASE WHEN o.uid IS NOT NULL THEN [{'rule': 'analyst_override', 'verdict': CASE WHEN o.o.is_nhi THEN 'machine' WHEN NOT o.o.is_nhi THEN 'human' END,
      'type': o.o.type, 'weight': 1.0, 'detail': o.o.analyst || ' on ' || strftime(o.o.at, '%Y-%m-%d %H:%M UTC') || ': ' || o.o.reason}] ELSE [] END,
    coalesce(reasons.reasons, [])),
  o.uid IS NOT NULL,
  f.first_seen, f.last_seen, f.last_success, f.events, f.failures, f.bytes_out, f.bytes_in,
  ${STALE('f.last_success', 'f.last_seen')},
  true
FROM identity_facts f
LEFT JOIN best USING (uid)
LEFT JOIN reasons USING (uid)
LEFT JOIN opposed USING (uid)
LEFT JOIN override o USING (uid)`;

function baselineSql(start: string, end: string): string[] {
  // An event dated 9999 or 1970 (time_flag) would stretch the window or skew the hours: left out.
  const window = `time >= TIMESTAMP ${sqlString(start)} AND time < TIMESTAMP ${sqlString(end)} AND time_flag IS NULL AND actor_uid IS NOT NULL AND {{actors}}`;
  return [
    `INSERT INTO identity_hours
     SELECT actor_uid, isodow(time) - 1, hour(time), count(*) FROM events WHERE ${window} GROUP BY ALL`,
    `INSERT INTO identity_baselines
     WITH w AS (SELECT actor_uid AS uid, time, operation, resource_uid, src_ip, user_agent, coalesce(bytes_out, 0) AS bytes FROM events WHERE ${window}),
     days AS (SELECT uid, time::DATE AS day, count(*) AS n, sum(bytes) AS bytes, list(DISTINCT hour(time)) AS hours FROM w GROUP BY ALL),
     per_hour AS (SELECT uid, h, count(*) AS active_days FROM (SELECT uid, unnest(hours) AS h FROM days) GROUP BY ALL),
     ranked AS (
       SELECT uid, kind, v FROM (
         SELECT uid, kind, v, row_number() OVER (PARTITION BY uid, kind ORDER BY c DESC, v) AS r FROM (
           SELECT uid, 'op' AS kind, operation AS v, count(*) AS c FROM w GROUP BY ALL
           UNION ALL SELECT uid, 'res', resource_uid, count(*) FROM w WHERE resource_uid IS NOT NULL GROUP BY ALL
           UNION ALL SELECT uid, 'ip', src_ip, count(*) FROM w WHERE src_ip IS NOT NULL GROUP BY ALL
           UNION ALL SELECT uid, 'ua', user_agent, count(*) FROM w WHERE user_agent IS NOT NULL GROUP BY ALL))
       WHERE r <= 20)
     SELECT d.uid, TIMESTAMP ${sqlString(start)}, TIMESTAMP ${sqlString(end)}, d.active_days,
       [coalesce(list_extract(list_filter(ph.hours, x -> x.h = i), 1).active_days, 0)::INTEGER FOR i IN range(24)],
       coalesce(r.ops, []), coalesce(r.res, []), coalesce(r.ips, []), coalesce(r.uas, []),
       d.med, d.p95, d.bmed, d.bp95
     FROM (SELECT uid, count(*) AS active_days, median(n) AS med, quantile_cont(n, 0.95) AS p95, median(bytes) AS bmed, quantile_cont(bytes, 0.95) AS bp95
           FROM days GROUP BY uid) d
     LEFT JOIN (SELECT uid, list({'h': h, 'active_days': active_days}) AS hours FROM per_hour GROUP BY uid) ph USING (uid)
     LEFT JOIN (SELECT uid,
         list(v) FILTER (kind = 'op') AS ops, list(v) FILTER (kind = 'res') AS res,
         list(v) FILTER (kind = 'ip') AS ips, list(v) FILTER (kind = 'ua') AS uas
       FROM ranked GROUP BY uid) r USING (uid)`,
  ];
}

export async function deriveIdentities(store: CaseStore, options: DeriveOptions = {}): Promise<DeriveReport> {
  const started = performance.now();
  const [range] = await store.read<{ lo: string | null; last_day: string | null }>(
    // The case's span counts only plausible times: one event dated 9999-12-31 must not empty every baseline.
    `SELECT strftime(min(time), '%Y-%m-%d %H:%M:%S.%f') AS lo, strftime(date_trunc('day', max(time)), '%Y-%m-%d %H:%M:%S') AS last_day FROM events WHERE time_flag IS NULL`,
  );
  const end = options.baselineEnd ?? range?.last_day ?? null;
  let start: string | null = null;
  if (end) {
    const days = options.baselineDays ?? 30;
    const [row] = await store.read<{ start: string }>(
      `SELECT strftime(greatest(TIMESTAMP ${sqlString(end)} - INTERVAL (${days}) DAY, coalesce(TIMESTAMP ${sqlString(range?.lo ?? end)}, TIMESTAMP ${sqlString(end)})), '%Y-%m-%d %H:%M:%S.%f') AS start`,
    );
    start = row!.start;
  }
  await store.run(`SET VARIABLE stale_days = ${Math.max(0, Math.floor(options.staleDays ?? 30))}`);
  const meta = Object.fromEntries(
    (await store.read<{ key: string; value: string }>(`SELECT key, value FROM meta WHERE key IN ('derived_through_evidence', 'baseline_window')`)).map((r) => [r.key, r.value]),
  );
  const [{ through } = { through: 0 }] = await store.read<{ through: number }>(`SELECT coalesce(max(evidence_id), 0)::BIGINT AS through FROM evidence`);
  const window = start && end && start < end ? `${start}|${end}` : '';
  const since = options.incremental && meta.derived_through_evidence !== undefined ? Number(meta.derived_through_evidence) : null;
  let mode: DeriveReport['mode'] = since === null ? 'full' : 'incremental';
  await store.transaction(async () => {
    if (since === null) {
      const all = (sql: string) =>
        sql.replaceAll('{{new_events}}', 'true').replaceAll('{{credentials}}', 'true').replaceAll('{{actors}}', 'true').replaceAll('{{actors_uid}}', 'true');
      for (const table of ['sessions', 'credentials', 'identities', 'identity_hours', 'identity_baselines']) await store.run(`DELETE FROM ${table}`);
      for (const sql of [SESSIONS, DELEGATIONS, CREDENTIALS, CREATED_CREDENTIALS, ORPHANS]) await store.run(all(sql));
      await deriveLinks(store);
      for (const sql of [FACTS, MATCHES, IDENTITIES]) await store.run(all(sql));
      await classifyAssumedOnly(store);
      await derivePrincipals(store);
      // A case shorter than a day has no window before its last day, hence no baseline.
      if (window) for (const sql of baselineSql(start!, end!)) await store.run(all(sql));
    } else {
      mode = await deriveIncrementally(store, since, window, start, end, meta.baseline_window ?? '');
    }
    await labelIdentities(store);
    await store.run(`DELETE FROM meta WHERE key IN ('derived_through_evidence', 'baseline_window')`);
    await store.run(`INSERT INTO meta VALUES ('derived_through_evidence', $t), ('baseline_window', $w)`, { t: String(through), w: window });
  });
  // Granted beside used: the access model reads identities (machine or person) and events.
  await deriveAccess(store);
  const [counts] = await store.read<{ identities: number; nhi: number; sessions: number; credentials: number }>(`
    SELECT (SELECT count(*) FROM identities)::BIGINT AS identities, (SELECT count(*) FROM identities WHERE is_nhi)::BIGINT AS nhi,
      (SELECT count(*) FROM sessions)::BIGINT AS sessions, (SELECT count(*) FROM credentials)::BIGINT AS credentials`);
  return {
    identities: counts?.identities ?? 0,
    nhi: counts?.nhi ?? 0,
    sessions: counts?.sessions ?? 0,
    credentials: counts?.credentials ?? 0,
    baselineStart: start,
    baselineEnd: end,
    mode,
    elapsedMs: performance.now() - started,
  };
}

/**
 * What evidence newer than `since` changes: the sessions it issued, the credentials and the
 * identities it used (with the roles whose sessions it issued), their baselines. Delegation rows
 * read off GCP and Kubernetes events are few and rebuilt whole; staleness depends on the case's
 * end and is refreshed for everyone. If the baseline window moved, every baseline is rebuilt.
 */
async function deriveIncrementally(store: CaseStore, since: number, window: string, start: string | null, end: string | null, previousWindow: string): Promise<DeriveReport['mode']> {
  const fresh = `evidence_id > ${since}`;
  const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM events WHERE ${fresh}`);
  if (n === 0 && window === previousWindow) return 'unchanged';
  const scoped = (sql: string) =>
    sql
      .replaceAll('{{new_events}}', fresh)
      .replaceAll('{{credentials}}', 'credential_uid IN (SELECT credential_uid FROM affected_credentials)')
      .replaceAll('{{actors}}', 'actor_uid IN (SELECT uid FROM affected)')
      .replaceAll('{{actors_uid}}', 'v.uid IN (SELECT uid FROM affected)');
  await store.run(`DELETE FROM sessions WHERE source <> 'aws.cloudtrail'`);
  await store.run(scoped(DELEGATIONS.replaceAll('{{actors}}', 'true')));
  await store.run(scoped(SESSIONS));
  // Sessions issued earlier but used by the new events count those uses too.
  await store.run(`
    UPDATE sessions SET events = u.events, first_used = u.first_used, last_used = u.last_used
    FROM (SELECT credential_uid, count(*) AS events, min(time) AS first_used, max(time) AS last_used FROM events
          WHERE credential_uid IN (SELECT DISTINCT credential_uid FROM events WHERE ${fresh} AND credential_uid LIKE 'ASIA%') GROUP BY credential_uid) u
    WHERE sessions.credential_uid = u.credential_uid AND sessions.source = 'aws.cloudtrail'`);
  await store.run(`
    CREATE OR REPLACE TEMP TABLE affected_credentials AS
    SELECT DISTINCT credential_uid FROM events WHERE ${fresh} AND credential_uid IS NOT NULL
    UNION SELECT credential_uid FROM sessions WHERE credential_uid IS NOT NULL AND assume_event_uid IN (SELECT event_uid FROM events WHERE ${fresh})`);
  await store.run(`DELETE FROM credentials WHERE credential_uid IN (SELECT credential_uid FROM affected_credentials)`);
  await store.run(scoped(CREDENTIALS));
  await store.run(CREATED_CREDENTIALS.replaceAll('{{credentials}}', 'true'));
  await store.run(ORPHANS);
  await deriveLinks(store);
  await store.run(`
    CREATE OR REPLACE TEMP TABLE affected AS
    SELECT DISTINCT actor_uid AS uid FROM events WHERE ${fresh} AND actor_uid IS NOT NULL
    UNION SELECT role_uid FROM sessions WHERE role_uid IS NOT NULL AND (source <> 'aws.cloudtrail' OR assume_event_uid IN (SELECT event_uid FROM events WHERE ${fresh}))
    UNION SELECT assumed_by FROM sessions WHERE source <> 'aws.cloudtrail' OR assume_event_uid IN (SELECT event_uid FROM events WHERE ${fresh})`);
  // Links can change any identity's principal: those whose link changed are recomputed too.
  await store.run(`INSERT INTO affected SELECT uid FROM identity_links WHERE uid NOT IN (SELECT uid FROM affected)`);
  await store.run(`DELETE FROM identities WHERE uid IN (SELECT uid FROM affected)`);
  for (const sql of [FACTS, MATCHES, IDENTITIES]) await store.run(scoped(sql));
  await classifyAssumedOnly(store);
  await derivePrincipals(store);
  await store.run(`UPDATE identities SET stale = ${STALE('last_success', 'last_seen')} WHERE observed`);
  if (window !== previousWindow) {
    await store.run(`DELETE FROM identity_hours`);
    await store.run(`DELETE FROM identity_baselines`);
    if (window) for (const sql of baselineSql(start!, end!)) await store.run(sql.replaceAll('{{actors}}', 'true'));
  } else if (window) {
    await store.run(`DELETE FROM identity_hours WHERE uid IN (SELECT uid FROM affected)`);
    await store.run(`DELETE FROM identity_baselines WHERE uid IN (SELECT uid FROM affected)`);
    for (const sql of baselineSql(start!, end!)) await store.run(scoped(sql));
  }
  return 'incremental';
}
