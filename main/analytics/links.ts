import type { CaseStore } from '../case-store/case-store';
import { appendJournal } from '../journal/journal';

/**
 * One principal across sources. A workload has a name on every side it crosses: the Kubernetes
 * service account, the AWS web-identity caller it becomes through IRSA, the GKE workload-identity
 * principal (`PROJECT.svc.id.goog[ns/name]`); a GitHub workflow is an OIDC subject to AWS, to GCP's
 * workload identity federation and to a cluster; a person is an Okta user, a Kubernetes OIDC user,
 * a GCP user, a SAML subject. Each such name is linked to one principal:
 *
 * - `system:serviceaccount:<ns>:<name>` for a Kubernetes workload,
 * - `github-workflow:[<host>/]<owner>/<repo>@<ref or context>` for a GitHub Actions workflow
 *   (the host only for GitHub Enterprise Server),
 * - the Entra service principal (`azure-sp:<tenant>/<object id>`) for its application id
 *   (`azure-app:<app id>`, as the unified audit log names an app), when a sign-in names both,
 * - `person:<email>` for accounts of one person that share an email-shaped name (two or more),
 * - or whatever principal the analyst names (`nhi alias`, journaled).
 *
 * Links are read from names alone: the log says the subject, nothing is guessed from behaviour.
 * `chain` climbs from the last account it reaches to its principal.
 */

/** Every name the case knows for a caller: actors, who assumed what, who stood behind a call. */
const CANDIDATES = `
CREATE OR REPLACE TEMP TABLE link_candidates AS
SELECT uid, any_value(display) AS display FROM (
  SELECT actor_uid AS uid, actor_display AS display FROM events WHERE actor_uid IS NOT NULL
  UNION ALL SELECT assumed_by, NULL FROM sessions
  UNION ALL SELECT subject, NULL FROM sessions WHERE subject IS NOT NULL
  UNION ALL SELECT origin_uid, NULL FROM events WHERE origin_uid IS NOT NULL
) GROUP BY uid`;

/** A GitHub Actions OIDC subject, on any side: an AWS web-identity caller, a GCP WIF principal, a cluster's OIDC user. */
const GITHUB_SUBJECT = `
SELECT uid,
  CASE
    WHEN uid LIKE 'web-identity:%' THEN regexp_extract(uid, '^web-identity:([^:]+):repo:', 1)
    WHEN uid LIKE 'https://%#repo:%' THEN regexp_extract(uid, '^https://([^#]+)#repo:', 1)
    ELSE 'token.actions.githubusercontent.com'
  END AS provider,
  regexp_extract(uid, '(repo:[^:/]+/[^:]+:.+)$', 1) AS subject
FROM link_candidates
WHERE regexp_matches(uid, '(^web-identity:[^:]+:|^https://[^#]+#|/subject/)repo:[^:/]+/[^:]+:.+$')`;

const DERIVED_LINKS = `
INSERT INTO identity_links
SELECT uid, 'system:serviceaccount:' || regexp_extract(uid, ':system:serviceaccount:(.+)$', 1) AS principal_uid, 'same_workload' AS kind,
  'the Kubernetes service account itself, as an AWS web-identity caller (EKS IRSA)' AS reason, 'derived' AS origin
FROM link_candidates WHERE uid LIKE 'web-identity:%:system:serviceaccount:%'
UNION ALL
SELECT uid, 'system:serviceaccount:' || regexp_extract(uid, '\\.svc\\.id\\.goog\\[([^/\\]]+)/([^\\]]+)\\]$', 1) || ':' || regexp_extract(uid, '\\.svc\\.id\\.goog\\[([^/\\]]+)/([^\\]]+)\\]$', 2),
  'same_workload', 'the Kubernetes service account itself, as a GKE workload-identity principal', 'derived'
FROM link_candidates WHERE regexp_matches(uid, '\\.svc\\.id\\.goog\\[[^/\\]]+/[^\\]]+\\]$')
UNION ALL
SELECT uid, 'system:serviceaccount:' || regexp_extract(uid, 'svc\\.id\\.goog/subject/ns/([^/]+)/sa/([^/]+)$', 1) || ':' || regexp_extract(uid, 'svc\\.id\\.goog/subject/ns/([^/]+)/sa/([^/]+)$', 2),
  'same_workload', 'the Kubernetes service account itself, as a GKE workload-identity federation principal', 'derived'
FROM link_candidates WHERE regexp_matches(uid, 'svc\\.id\\.goog/subject/ns/[^/]+/sa/[^/]+$')
UNION ALL
SELECT uid,
  'github-workflow:' || CASE WHEN provider = 'token.actions.githubusercontent.com' THEN '' ELSE regexp_replace(provider, '/_services/token$', '') || '/' END
    || regexp_extract(subject, '^repo:([^:]+):', 1) || '@' || regexp_replace(regexp_extract(subject, '^repo:[^:]+:(.+)$', 1), '^ref:', ''),
  'same_workflow', 'the GitHub Actions workflow whose OIDC subject is ' || subject, 'derived'
FROM (${GITHUB_SUBJECT})
WHERE provider LIKE '%githubusercontent.com' OR provider LIKE '%/_services/token'
UNION ALL
SELECT DISTINCT 'azure-app:' || lower(coalesce(raw->>'$.properties.appId', raw->>'$.appId')), actor_uid, 'same_application',
  'the application id of this service principal (its Entra sign-ins name both)', 'derived'
FROM events WHERE source = 'azure.signin' AND actor_type IN ('service_principal', 'managed_identity')
  AND coalesce(raw->>'$.properties.appId', raw->>'$.appId') IS NOT NULL
  AND 'azure-app:' || lower(coalesce(raw->>'$.properties.appId', raw->>'$.appId')) IN (SELECT uid FROM link_candidates)`;

/** Accounts of one person: two or more names that are the same email address. */
const PERSON_LINKS = `
INSERT INTO identity_links
WITH emails AS (
  SELECT uid, lower(CASE WHEN regexp_matches(uid, '^[^@:/\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$') THEN uid
                         WHEN regexp_matches(coalesce(display, ''), '^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$') THEN display
                         WHEN regexp_matches(uid, '^saml:[^:]+:[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$') THEN regexp_extract(uid, ':([^:]+)$', 1) END) AS email
  FROM link_candidates
),
people AS (
  SELECT * FROM emails WHERE email IS NOT NULL AND email NOT LIKE '%gserviceaccount.com' AND email NOT LIKE '%.svc.id.goog'
)
SELECT uid, 'person:' || email AS principal_uid, 'same_person' AS kind,
  'the same email address (' || email || ') on ' || (count(*) OVER (PARTITION BY email)) || ' accounts' AS reason, 'derived' AS origin
FROM people QUALIFY count(*) OVER (PARTITION BY email) >= 2`;

const ANALYST_LINKS = `
INSERT INTO identity_links
SELECT uid, arg_max(principal_uid, alias_id), 'analyst', arg_max(analyst || ': ' || reason, alias_id), 'analyst'
FROM identity_aliases GROUP BY uid HAVING NOT arg_max(removed, alias_id)`;

/** Rebuilds the derived links (the analyst's are kept in identity_aliases and copied back in). */
export async function deriveLinks(store: CaseStore): Promise<void> {
  await store.run(`DELETE FROM identity_links`);
  await store.run(CANDIDATES);
  await store.run(ANALYST_LINKS);
  // An analyst's alias wins over what names suggest.
  await store.run(`CREATE OR REPLACE TEMP TABLE analyst_linked AS SELECT uid FROM identity_links`);
  for (const sql of [DERIVED_LINKS, PERSON_LINKS]) {
    await store.run(sql.replace('INSERT INTO identity_links', 'INSERT INTO identity_links SELECT * FROM (') + `) WHERE uid NOT IN (SELECT uid FROM analyst_linked) AND principal_uid <> uid`);
  }
  await store.run(`DELETE FROM identity_links WHERE principal_uid IS NULL OR principal_uid = uid`);
}

/**
 * The principals themselves, as identities: a workflow or a person known only through its linked
 * accounts (`observed = false`, no events of its own), with what its accounts did; and every
 * identity gets its principal.
 */
export async function derivePrincipals(store: CaseStore): Promise<void> {
  await store.run(`DELETE FROM identities WHERE NOT observed`);
  await store.run(`
    INSERT INTO identities (uid, display, actor_type, sources, boundaries, type, is_nhi, confidence, reasons, overridden, first_seen, last_seen,
      last_success, events, failures, bytes_out, bytes_in, stale, observed, principal_uid)
    WITH p AS (
      SELECT l.principal_uid AS uid, any_value(l.kind) AS kind, list(DISTINCT l.uid ORDER BY l.uid) AS accounts,
        flatten(list(i.sources)) AS sources, flatten(list(i.boundaries)) AS boundaries,
        min(i.first_seen) AS first_seen, max(i.last_seen) AS last_seen, max(i.last_success) AS last_success,
        bool_or(i.is_nhi) AS any_machine
      FROM identity_links l LEFT JOIN identities i ON i.uid = l.uid
      WHERE l.principal_uid NOT IN (SELECT uid FROM identities)
      GROUP BY l.principal_uid)
    SELECT uid,
      CASE WHEN uid LIKE 'github-workflow:%' THEN substr(uid, 17) WHEN uid LIKE 'person:%' THEN substr(uid, 8) ELSE uid END,
      CASE kind WHEN 'same_workflow' THEN 'workflow' WHEN 'same_person' THEN 'person' WHEN 'same_workload' THEN 'service_account' ELSE 'principal' END,
      list_sort(list_distinct(sources)), list_sort(list_distinct(boundaries)),
      CASE kind WHEN 'same_workflow' THEN 'ci_pipeline' WHEN 'same_person' THEN 'human' WHEN 'same_workload' THEN 'service_account' ELSE 'unknown' END,
      CASE kind WHEN 'same_person' THEN false WHEN 'analyst' THEN any_machine ELSE true END,
      0.9,
      [{'rule': 'linked_accounts', 'verdict': CASE WHEN kind = 'same_person' THEN 'human' WHEN kind = 'analyst' AND NOT coalesce(any_machine, false) THEN 'human' ELSE 'machine' END,
        'type': NULL, 'weight': 0.9, 'detail': 'known through ' || len(accounts) || ' linked account(s): ' || array_to_string(accounts[1:5], ', ')}],
      false,
      coalesce(first_seen, TIMESTAMP '1970-01-01'), coalesce(last_seen, TIMESTAMP '1970-01-01'), last_success, 0, 0, 0, 0, false, false, NULL
    FROM p`);
  await store.run(`UPDATE identities SET principal_uid = NULL WHERE principal_uid IS NOT NULL`);
  await store.run(`UPDATE identities SET principal_uid = l.principal_uid FROM identity_links l WHERE identities.uid = l.uid`);
}

/**
 * A role that never acted in the case takes after whoever assumed it: only people (a person's
 * role chain) make it a person's, only machines a machine's. Run after classification.
 */
export async function classifyAssumedOnly(store: CaseStore): Promise<void> {
  await store.run(`
    UPDATE identities SET is_nhi = a.machine, type = CASE WHEN a.machine THEN identities.type ELSE 'human' END,
      reasons = list_prepend({'rule': 'assumed_only_by', 'verdict': CASE WHEN a.machine THEN 'machine' ELSE 'human' END, 'type': NULL, 'weight': 0.7,
        'detail': 'never acted in the case; assumed only by ' || a.who}, reasons)
    FROM (
      SELECT s.role_uid, bool_and(i.is_nhi) AS machine, string_agg(DISTINCT s.assumed_by, ', ') AS who
      FROM sessions s JOIN identities i ON i.uid = s.assumed_by WHERE i.is_nhi IS NOT NULL GROUP BY s.role_uid
      HAVING bool_and(i.is_nhi) OR NOT bool_or(i.is_nhi)) a
    WHERE identities.uid = a.role_uid AND identities.events = 0 AND identities.observed AND NOT identities.overridden`);
}

/** The analyst says an account belongs to a principal (or undoes it), with a reason; journaled. */
export async function aliasIdentity(
  store: CaseStore,
  alias: { uid: string; principal: string | null; reason: string; analyst: string },
): Promise<void> {
  await store.transaction(async () => {
    const [current] = await store.read<{ principal_uid: string }>(
      `SELECT principal_uid FROM identity_aliases WHERE uid = $uid AND NOT removed ORDER BY alias_id DESC LIMIT 1`,
      { uid: alias.uid },
    );
    await store.run(`INSERT INTO identity_aliases VALUES (nextval('alias_id_seq'), $uid, $p, $why, $who, now()::TIMESTAMP, $removed)`, {
      uid: alias.uid,
      p: alias.principal ?? current?.principal_uid ?? '',
      why: alias.reason,
      who: alias.analyst,
      removed: alias.principal === null,
    });
    await appendJournal(
      store,
      { author: alias.analyst, action: 'identity_alias', targetKind: 'identity', targetId: alias.uid, body: { principal: alias.principal, text: alias.reason } },
      { inTransaction: true },
    );
  });
}

/**
 * The name each identity is shown by: its display name, or, when another identity shares it (two
 * roles named deploy in two accounts, a user and a role of one name), the name with its account,
 * project or cluster, then with its kind, and the full uid as the last resort. Whole table, every
 * derivation: a new identity can make an old name ambiguous.
 */
export async function labelIdentities(store: CaseStore): Promise<void> {
  await store.run(`
    UPDATE identities SET label = l.label FROM (
      WITH named AS (
        SELECT uid, coalesce(display, uid) AS name, boundaries[1] AS boundary, actor_type FROM identities),
      first_try AS (
        SELECT *, count(*) OVER (PARTITION BY name) AS same_name,
          CASE WHEN count(*) OVER (PARTITION BY name) = 1 THEN name
               WHEN boundary IS NOT NULL AND count(*) OVER (PARTITION BY name, boundary) = 1 THEN name || ' (' || boundary || ')'
               ELSE name || ' (' || coalesce(actor_type, 'identity') || coalesce(', ' || boundary, '') || ')' END AS label
        FROM named)
      SELECT uid, CASE WHEN count(*) OVER (PARTITION BY label) = 1 THEN label ELSE uid END AS label FROM first_try) l
    WHERE identities.uid = l.uid AND identities.label IS DISTINCT FROM l.label`);
}
