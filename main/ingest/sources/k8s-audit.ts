import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Kubernetes audit events (`audit.k8s.io/v1` and v1beta1 `Event`, every stage), plain or inside
 * an AKS diagnostic record (`category: kube-audit*`, the Event in `properties.log` as an object
 * or a JSON string). GKE's audit entries are Cloud Audit LogEntries and belong to gcp.audit.
 *
 * Conventions:
 * - actor_uid = the username as Kubernetes writes it (`system:serviceaccount:<ns>:<name>`,
 *   `system:node:<node>`, `alice@example.com`); with impersonation the impersonated user acts
 *   and the real caller is origin_uid.
 * - session_uid = `k8s-pod://<cluster>/<ns>/<pod>` when the token is bound to a pod
 *   (`authentication.kubernetes.io/pod-name`); credential_uid = the token's credential id
 *   (`authentication.kubernetes.io/credential-id`, e.g. `JTI=…`); without impersonation,
 *   origin_uid = `k8s-node://<cluster>/<node>` of a node-bound token.
 * - resource_uid = `k8s://<cluster>/<namespace or _cluster>/<resource>[/<name>][/<subresource>]`;
 *   boundary = `k8s://<cluster>/<namespace>` (or the cluster alone). A plain audit log does not
 *   name its cluster: it is `cluster` unless an AKS record's resourceId names it.
 * - event_uid = auditID:stage plus a short hash of the stage time, verb, URI and user, so the
 *   same event exported twice collapses while anonymized exports that reuse one auditID do not.
 */

const EVENT = {
  kind: 'VARCHAR',
  apiVersion: 'VARCHAR',
  auditID: 'VARCHAR',
  stage: 'VARCHAR',
  verb: 'VARCHAR',
  requestURI: 'VARCHAR',
  user: { username: 'VARCHAR', uid: 'VARCHAR', groups: ['VARCHAR'], extra: 'JSON' },
  impersonatedUser: { username: 'VARCHAR' },
  sourceIPs: ['VARCHAR'],
  userAgent: 'VARCHAR',
  objectRef: { resource: 'VARCHAR', subresource: 'VARCHAR', namespace: 'VARCHAR', name: 'VARCHAR', apiGroup: 'VARCHAR', apiVersion: 'VARCHAR' },
  responseStatus: { code: 'INTEGER', reason: 'VARCHAR', message: 'VARCHAR', status: 'VARCHAR' },
  requestReceivedTimestamp: 'VARCHAR',
  stageTimestamp: 'VARCHAR',
  timestamp: 'VARCHAR',
} as const;

/** verb → category; exec, attach and port-forward into a pod are admin whatever the verb. */
const VERB_CATEGORY: Record<string, string> = {
  get: 'read',
  list: 'list',
  watch: 'list',
  create: 'write',
  update: 'write',
  patch: 'write',
  delete: 'delete',
  deletecollection: 'delete',
  impersonate: 'admin',
  escalate: 'admin',
  bind: 'admin',
};
const ADMIN_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings', 'serviceaccounts', 'certificatesigningrequests', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations'];
const ADMIN_SUBRESOURCES = ['exec', 'attach', 'portforward', 'proxy', 'token', 'ephemeralcontainers'];

const list = (values: string[]) => values.map(sqlString).join(', ');

export const k8sAudit: SourceParser = {
  id: 'k8s.audit',
  version: '1.0.0',

  probe: { kind: 'VARCHAR', auditID: 'VARCHAR', stage: 'VARCHAR', category: 'VARCHAR', properties: { log: 'JSON' } },

  detect(p) {
    return `((${p}.kind = 'Event' AND ${p}.auditID IS NOT NULL AND ${p}.stage IS NOT NULL)
      OR (${p}.category LIKE 'kube-audit%' AND ${p}.properties.log IS NOT NULL))`;
  },

  structure: { ...EVENT, category: 'VARCHAR', resourceId: 'VARCHAR', properties: { log: 'JSON' } },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const event = sqlString(JSON.stringify(EVENT));
    // The AKS wrapper carries the Event as an object or as a JSON string.
    const inner = `CASE WHEN json_type(j.properties.log) = 'VARCHAR' THEN (j.properties.log->>'$') ELSE j.properties.log::VARCHAR END`;
    const extra = (key: string) => `(e.user.extra->>'$."authentication.kubernetes.io/${key}"[0]')`;
    return `
WITH unwrapped AS (
  SELECT ${carry} record_no, byte_offset, line, raw, j,
    CASE WHEN j.properties.log IS NOT NULL THEN json_transform(${inner}, ${event}) ELSE j END AS e,
    coalesce(regexp_extract(j.resourceId, '(?i)/managedClusters/([^/]+)', 1), 'cluster') AS cluster
  FROM ${from}
),
fields AS (
  SELECT *,
    ${timeSql('coalesce(e.stageTimestamp, e.requestReceivedTimestamp, e.timestamp)')} AS t,
    coalesce(nullif(e.impersonatedUser.username, ''), e.user.username) AS who,
    CASE WHEN nullif(e.impersonatedUser.username, '') IS NOT NULL THEN e.user.username END AS impersonator,
    nullif(e.objectRef.namespace, '') AS ns,
    lower(coalesce(e.verb, '')) AS verb
  FROM unwrapped
),
mapped AS (
  SELECT *,
    CASE WHEN e.objectRef.resource IS NOT NULL THEN
      'k8s://' || cluster || '/' || coalesce(ns, '_cluster') || '/' || e.objectRef.resource
        || CASE WHEN nullif(e.objectRef.name, '') IS NOT NULL THEN '/' || e.objectRef.name ELSE '' END
        || CASE WHEN nullif(e.objectRef.subresource, '') IS NOT NULL THEN '/' || e.objectRef.subresource ELSE '' END
    END AS resource,
    'k8s://' || cluster || CASE WHEN ns IS NOT NULL THEN '/' || ns ELSE '' END AS scope
  FROM fields
)
SELECT ${carry}
  coalesce(e.auditID, 'sha256:' || sha256(raw)) || ':' || coalesce(e.stage, '?') || ':'
    || left(sha256(concat_ws('|', e.stageTimestamp, e.verb, e.requestURI, e.user.username)), 12) AS event_uid,
  line,
  t AS time,
  'k8s.audit' AS source,
  record_no,
  byte_offset,
  who AS actor_uid,
  CASE
    WHEN who LIKE 'system:serviceaccount%' THEN 'service_account'
    WHEN who LIKE 'system:node:%' THEN 'node'
    WHEN who = 'system:anonymous' THEN 'anonymous'
    WHEN who LIKE 'system:%' THEN 'system'
    WHEN who IS NOT NULL THEN 'user'
  END AS actor_type,
  CASE WHEN who LIKE 'system:serviceaccount%' THEN regexp_replace(who, '^system:serviceaccounts?:', '') ELSE who END AS actor_display,
  CASE WHEN who LIKE 'system:serviceaccount%' OR who LIKE 'system:node:%' OR (who LIKE 'system:%' AND who <> 'system:anonymous') THEN true END AS is_nhi,
  ${extra('credential-id')} AS credential_uid,
  CASE WHEN ${extra('pod-name')} IS NOT NULL THEN 'k8s-pod://' || cluster || '/' || coalesce(regexp_extract(who, '^system:serviceaccounts?:([^:]+):', 1), '_') || '/' || ${extra('pod-name')} END AS session_uid,
  coalesce(impersonator, CASE WHEN ${extra('node-name')} IS NOT NULL THEN 'k8s-node://' || cluster || '/' || ${extra('node-name')} END) AS origin_uid,
  verb || CASE WHEN nullif(e.objectRef.subresource, '') IS NOT NULL THEN ' ' || e.objectRef.subresource ELSE '' END AS operation,
  coalesce(nullif(e.objectRef.apiGroup, ''), 'core') AS service,
  CASE
    WHEN e.objectRef.subresource IN (${list(ADMIN_SUBRESOURCES)}) THEN 'admin'
    WHEN e.objectRef.resource IN (${list(ADMIN_RESOURCES)}) AND verb NOT IN ('get', 'list', 'watch') THEN 'admin'
    ${Object.entries(VERB_CATEGORY).map(([v, c]) => `WHEN verb = ${sqlString(v)} THEN ${sqlString(c)}`).join('\n    ')}
    ELSE 'other'
  END AS category,
  resource AS resource_uid,
  CASE WHEN e.objectRef.resource IS NOT NULL THEN 'k8s:' || e.objectRef.resource END AS resource_type,
  scope AS boundary,
  'k8s://' || cluster AS actor_boundary,
  NULL AS region,
  e.sourceIPs[1] AS src_ip,
  nullif(e.userAgent, '') AS user_agent,
  CASE WHEN e.responseStatus.code >= 400 OR lower(e.responseStatus.status) = 'failure' THEN 'failure' ELSE 'success' END AS status,
  CASE WHEN e.responseStatus.code >= 400 OR lower(e.responseStatus.status) = 'failure'
    THEN coalesce(nullif(e.responseStatus.reason, ''), e.responseStatus.code::VARCHAR) END AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN e IS NULL THEN 'malformed_json' WHEN t IS NULL THEN 'no_time' END AS problem,
  CASE WHEN e IS NULL THEN 'the Kubernetes event inside properties.log is not valid JSON'
       WHEN t IS NULL THEN 'no usable time: stageTimestamp is ' || coalesce('"' || e.stageTimestamp || '"', 'missing') END AS problem_message,
  CASE WHEN resource IS NOT NULL THEN [{'resource_uid': resource, 'resource_type': 'k8s:' || e.objectRef.resource, 'boundary': scope, 'role': 'primary'}] ELSE [] END AS resources
FROM mapped`;
  },
};
