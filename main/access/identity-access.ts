import type { CaseStore } from '../case-store/case-store';
import type { AccessFinding, AccessKey, AccessPolicyLine, AccessPrincipal, AccessReach, AccessStep, IdentityAccess, RecordCite } from '../../shared/access';
import { actionCatalog, actionsOfCall, sensitiveSet } from './aws-actions';
import { grantOf } from './aws-access';
import type { AttachedPolicy, AwsPrincipal } from './aws-estate';
import { accountOfArn } from './aws-estate';
import { actionMatches, isObject, parsePolicy, resourceMatches } from './aws-policy';
import { isAdminNode, reachable } from './reach';
import { type K8sCall, K8S_USED_SQL, isSensitivePair, pairCovers } from './k8s-rbac';

/**
 * Granted beside used for one identity (CLI `nhi access`, the profile's Permissions section, the
 * report): read from the access tables, with the action lists evaluated again from the policies
 * the snapshot holds and the use read from the events.
 */

const CITE = `evidence_id, record_no, lower(hex(record_sha256)) AS sha256, (SELECT path_in_bundle FROM evidence v WHERE v.evidence_id = t.evidence_id) AS path`;
type CiteRow = { evidence_id: number; record_no: number; sha256: string; path: string | null };
const cite = (r: CiteRow): RecordCite => ({ evidenceId: Number(r.evidence_id), recordNo: Number(r.record_no), sha256: r.sha256, path: r.path });

/** An identity named by uid, by its snapshot name, or by one of its access key ids. */
export async function resolveAccessUid(store: CaseStore, name: string): Promise<string> {
  const [byUid] = await store.read<{ uid: string }>(`SELECT uid FROM access_principals WHERE uid = $n UNION SELECT uid FROM identities WHERE uid = $n LIMIT 1`, { n: name });
  if (byUid) return byUid.uid;
  const [byKey] = await store.read<{ uid: string }>(
    `SELECT principal_uid AS uid FROM access_keys WHERE key_id = $n UNION SELECT owner_uid AS uid FROM credentials WHERE credential_uid = $n AND owner_uid IS NOT NULL LIMIT 1`,
    { n: name },
  );
  if (byKey) return byKey.uid;
  const byName = await store.read<{ uid: string }>(`SELECT uid FROM access_principals WHERE name = $n AND kind <> 'group'`, { n: name });
  if (byName.length === 1) return byName[0]!.uid;
  return name;
}

export async function identityAccess(store: CaseStore, name: string): Promise<IdentityAccess> {
  const uid = await resolveAccessUid(store, name);
  const [p] = await store.read<Omit<AccessPrincipal, 'cite' | 'isAdmin' | 'createdAt' | 'lastUsedAt'> & CiteRow & { is_admin: boolean; created_at: string | null; last_used_at: string | null }>(
    `SELECT uid, provider, kind, name, scope, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ') AS created_at, strftime(last_used_at, '%Y-%m-%dT%H:%M:%SZ') AS last_used_at,
       is_admin, wildcard, granted, conditional, used, boundary, groups, ${CITE} FROM access_principals t WHERE uid = $u`,
    { u: uid },
  );
  const findings = (await store.read<CiteRow & { finding_id: string; rule: string; severity: string; principal_uid: string | null; title: string; detail: string }>(
    `SELECT finding_id, rule, severity, principal_uid, title, detail, ${CITE} FROM access_findings t WHERE principal_uid = $u ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, rule`,
    { u: uid },
  )).map((f): AccessFinding => ({ findingId: f.finding_id, rule: f.rule, severity: f.severity, principalUid: f.principal_uid, title: f.title, detail: f.detail, cite: cite(f) }));
  const didReach = await resourcesReached(store, uid);
  const empty: IdentityAccess = { uid, principal: null, missing: null, services: [], policies: [], grantedActions: [], unused: [], usedNotGranted: [], suggestedPolicy: null, keys: [], reach: [], didReach, couldReach: [], summary: '', findings, catalog: null };
  if (!p) {
    const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM access_snapshots`);
    const missing = Number(n)
      ? `no permission snapshot in the case holds ${uid} (its account or cluster was not exported, or it was deleted before the snapshot)`
      : 'the case holds no permission snapshot: import `aws iam get-account-authorization-details`, a credential report, or Kubernetes RBAC (`kubectl get roles,clusterroles,rolebindings,clusterrolebindings,serviceaccounts -A -o json`) beside the logs';
    // A federated identity (a CI workflow's OIDC subject, a SAML user) holds nothing itself, but
    // the roles that trust its provider are its blast radius.
    const reach = await reachOf(store, uid);
    if (reach.length > 1) {
      const couldReach = await resourcesCouldReach(store, reach);
      const others = reach.filter((r) => r.uid !== uid && !isAdminNode(r.uid));
      const summary = `No permissions of its own in the snapshots; through trust it can become ${others.length} identit${others.length === 1 ? 'y' : 'ies'} (${others.slice(0, 3).map((r) => r.name).join(', ')}${others.length > 3 ? '…' : ''})${reach.some((r) => r.isAdmin) ? ' and reach administrator' : ''}. Could have reached ${couldReach.length} of the case's resources; did reach ${didReach.length}.`;
      return { ...empty, missing, reach, couldReach, summary };
    }
    return { ...empty, missing, summary: `Did reach ${didReach.length} resource${didReach.length === 1 ? '' : 's'}; what it could reach is unknown: ${missing}.` };
  }
  const principal: AccessPrincipal = {
    uid: p.uid,
    provider: p.provider,
    kind: p.kind,
    name: p.name,
    scope: p.scope,
    createdAt: p.created_at,
    lastUsedAt: p.last_used_at,
    isAdmin: p.is_admin,
    wildcard: p.wildcard,
    granted: Number(p.granted),
    conditional: Number(p.conditional),
    used: Number(p.used),
    boundary: p.boundary,
    groups: p.groups,
    cite: cite(p),
  };
  const services = (await store.read<{ service: string; granted: number; used: number; sensitive_granted: number; sensitive_used: number }>(
    `SELECT service, granted, used, sensitive_granted, sensitive_used FROM access_services WHERE principal_uid = $u ORDER BY used DESC, granted DESC, service`,
    { u: uid },
  )).map((s) => ({ service: s.service, granted: Number(s.granted), used: Number(s.used), sensitiveGranted: Number(s.sensitive_granted), sensitiveUsed: Number(s.sensitive_used) }));
  const policies = (await store.read<CiteRow & { policy: string; via: string; document: string }>(`SELECT policy, attached_via AS via, document::VARCHAR AS document, ${CITE} FROM access_policies t WHERE principal_uid = $u`, { u: uid })).map(
    (r): AccessPolicyLine => ({ policy: r.policy, via: r.via, document: JSON.parse(r.document) as unknown, cite: cite(r) }),
  );
  const keys = (await store.read<CiteRow & { key_id: string | null; slot: string | null; active: boolean | null; last_rotated: string | null; last_used_at: string | null; last_used_service: string | null }>(
    `SELECT key_id, slot, active, strftime(last_rotated, '%Y-%m-%dT%H:%M:%SZ') AS last_rotated, strftime(last_used_at, '%Y-%m-%dT%H:%M:%SZ') AS last_used_at, last_used_service, ${CITE} FROM access_keys t WHERE principal_uid = $u ORDER BY slot`,
    { u: uid },
  )).map((k): AccessKey => ({ keyId: k.key_id, slot: k.slot, active: k.active, lastRotated: k.last_rotated, lastUsedAt: k.last_used_at, lastUsedService: k.last_used_service, ageDays: null, cite: cite(k) }));
  const [asOf] = await store.read<{ t: string | null }>(`SELECT strftime(greatest(max(time), (SELECT max(not_before) FROM access_snapshots)), '%Y-%m-%dT%H:%M:%SZ') AS t FROM events WHERE time_flag IS NULL`);
  for (const k of keys) if (k.lastRotated && asOf?.t) k.ageDays = Math.floor((Date.parse(asOf.t) - Date.parse(k.lastRotated)) / 86_400_000);

  const reach = await reachOf(store, uid);

  let grantedActions: IdentityAccess['grantedActions'] = [];
  let unused: string[] = [];
  let usedNotGranted: string[] = [];
  let suggestedPolicy: unknown = null;
  let catalogSource: IdentityAccess['catalog'] = null;
  if (principal.provider === 'aws') {
    const catalog = await actionCatalog();
    catalogSource = catalog.source;
    const grant = grantOf(catalog, principalFromPolicies(principal, policies));
    const sensitive = sensitiveSet(catalog);
    const used = await usedAwsActions(store, uid);
    const usedIds = new Map<number, number>();
    for (const u of used) for (const id of actionsOfCall(catalog, u.service, u.operation).actions) usedIds.set(id, (usedIds.get(id) ?? 0) + u.calls);
    for (const i of grant.granted) grantedActions.push({ action: catalog.actions[i]!, used: usedIds.get(i) ?? 0, sensitive: sensitive.has(i), conditional: false });
    for (const i of grant.conditional) grantedActions.push({ action: catalog.actions[i]!, used: usedIds.get(i) ?? 0, sensitive: sensitive.has(i), conditional: true });
    grantedActions.sort((a, b) => b.used - a.used || a.action.localeCompare(b.action));
    unused = grantedActions.filter((a) => !a.used).map((a) => a.action).sort();
    usedNotGranted = [...usedIds.keys()].filter((i) => !grant.granted.has(i) && !grant.conditional.has(i)).map((i) => catalog.actions[i]!).sort();
    suggestedPolicy = await suggestPolicy(store, uid, catalog);
  } else if (principal.provider === 'k8s') {
    const pairs = new Set<string>();
    for (const pol of policies) {
      const rule = pol.document as { verbs?: string[]; resources?: string[]; nonResourceURLs?: string[] };
      for (const v of rule.verbs ?? []) for (const r of rule.resources?.length ? rule.resources : (rule.nonResourceURLs ?? [])) pairs.add(`${v} ${r}${pol.via.startsWith('namespace ') ? ` (${pol.via.slice(10)})` : ''}`);
    }
    const did = await store.read<K8sCall>(K8S_USED_SQL('AND actor_uid = $u'), { u: uid });
    grantedActions = [...pairs].sort().map((pair) => {
      const [verb, res] = pair.split(' ') as [string, string];
      const calls = did.filter((d) => pairCovers(verb, res, d.verb, d.resource)).reduce((n, d) => n + Number(d.calls), 0);
      return { action: pair, used: calls, sensitive: isSensitivePair(verb, res), conditional: false };
    });
    unused = grantedActions.filter((a) => !a.used).map((a) => a.action);
  }

  const couldReach = await resourcesCouldReach(store, reach);
  const did = new Set(didReach.map((d) => d.resource));
  const accounts = new Set(reach.map((r) => accountOfArn(r.uid) ?? (isAdminNode(r.uid) ? r.uid.split(':')[1]! : null)).filter((a): a is string => !!a));
  const admins = reach.filter((r) => r.isAdmin && r.uid !== uid);
  // The untouched resources an analyst asks about first: secrets and keys, data, then identities.
  const rank = (r: string) => (/:(secretsmanager|ssm|kms):/.test(r) ? 0 : /:(s3|dynamodb|rds):/.test(r) ? 1 : /:iam:/.test(r) ? 2 : 3);
  const notTouched = couldReach.filter((c) => !did.has(c.resource)).sort((a, b) => rank(a.resource) - rank(b.resource) || a.resource.localeCompare(b.resource));
  const others = reach.filter((r) => r.uid !== uid && !isAdminNode(r.uid)).length;
  const summary = [
    `${principal.name} can become ${others} other identit${others === 1 ? 'y' : 'ies'}${accounts.size > 1 ? ` across ${accounts.size} accounts` : ''}${admins.length || principal.isAdmin ? ' and reach administrator' : ''}.`,
    `Could have reached ${couldReach.length} of the case's resources${notTouched.length ? ` (${notTouched.slice(0, 3).map((c) => c.resource).join(', ')}${notTouched.length > 3 ? '…' : ''} untouched)` : ''}; did reach ${didReach.length}.`,
  ].join(' ');
  return { uid, principal, missing: null, services, policies, grantedActions, unused, usedNotGranted, suggestedPolicy, keys, reach, didReach, couldReach, summary, findings, catalog: catalogSource };
}


/** Everyone an identity can become, step by step, with what each holds on which resources. */
async function reachOf(store: CaseStore, uid: string): Promise<AccessReach[]> {
  const edges = (await store.read<CiteRow & { from_uid: string; to_uid: string; kind: string; method: string; conditional: boolean; explanation: string }>(
    `SELECT from_uid, to_uid, kind, method, conditional, explanation, ${CITE} FROM access_edges t`,
  )).map((e): AccessStep => ({ from: e.from_uid, to: e.to_uid, kind: e.kind, method: e.method, conditional: e.conditional, explanation: e.explanation, cite: cite(e) }));
  const reached = reachable(uid, edges);
  const principals = new Map(
    (await store.read<{ uid: string; name: string; is_admin: boolean }>(`SELECT uid, name, is_admin FROM access_principals WHERE uid IN (SELECT unnest(from_json($u, '["VARCHAR"]')))`, { u: JSON.stringify(reached.map((r) => r.uid)) })).map((r) => [r.uid, r]),
  );
  const allowsOf = await allowedResourcesOf(store, reached.map((r) => r.uid));
  return reached.map((r) => ({
    uid: r.uid,
    name: principals.get(r.uid)?.name ?? (isAdminNode(r.uid) ? `administrator of ${r.uid.split(':').slice(1).join(':')}` : r.uid),
    isAdmin: isAdminNode(r.uid) || (principals.get(r.uid)?.is_admin ?? false),
    path: r.path as AccessStep[],
    resources: isAdminNode(r.uid) ? [{ pattern: '*', actions: ['*'] }] : (allowsOf.get(r.uid) ?? []),
  }));
}

/** The principal again from the policies the case keeps for it (identity, boundary; never its trust). */
function principalFromPolicies(p: AccessPrincipal, policies: AccessPolicyLine[]): AwsPrincipal {
  const attached = (l: AccessPolicyLine): AttachedPolicy | null => {
    try {
      return { name: l.policy, via: l.via, raw: l.document, document: parsePolicy(l.document) };
    } catch {
      return null;
    }
  };
  return {
    arn: p.uid,
    kind: p.kind as AwsPrincipal['kind'],
    name: p.name,
    account: p.scope ?? '',
    createdAt: p.createdAt,
    lastUsedAt: p.lastUsedAt,
    groups: p.groups,
    policies: policies.filter((l) => l.via !== 'trust' && !l.via.startsWith('boundary') && !l.via.startsWith('scp ')).map(attached).filter((x): x is AttachedPolicy => !!x),
    boundary: policies.filter((l) => l.via.startsWith('boundary')).map(attached)[0] ?? null,
    scps: [...new Set(policies.filter((l) => l.via.startsWith('scp level ')).map((l) => l.via))].sort().map((level) =>
      policies.filter((l) => l.via === level).map(attached).filter((x): x is AttachedPolicy => !!x),
    ),
    trust: null,
    instanceProfiles: [],
    pointer: '',
  };
}

async function usedAwsActions(store: CaseStore, uid: string) {
  return (await store.read<{ service: string; operation: string; calls: number }>(
    `SELECT service, operation, count(*)::BIGINT AS calls FROM events WHERE actor_uid = $u AND source = 'aws.cloudtrail' AND status = 'success' AND service IS NOT NULL AND operation IS NOT NULL GROUP BY ALL`,
    { u: uid },
  )).map((r) => ({ ...r, calls: Number(r.calls) }));
}

/** Resources the identity acted on, itself or through the sessions it started (an assumed role). */
async function resourcesReached(store: CaseStore, uid: string) {
  return (await store.read<{ resource: string; calls: number }>(
    `WITH mine AS (
       SELECT event_uid FROM events WHERE actor_uid = $u
       UNION ALL SELECT e.event_uid FROM events e WHERE e.session_uid IN (SELECT session_uid FROM sessions WHERE assumed_by = $u AND session_uid IS NOT NULL))
     SELECT coalesce(c.resource_uid, r.resource_uid) AS resource, count(DISTINCT r.event_uid)::BIGINT AS calls
     FROM event_resources r JOIN mine USING (event_uid)
     LEFT JOIN event_resources c ON c.event_uid = r.event_uid AND c.role = 'container' AND r.role = 'primary' AND r.resource_type = 'AWS::S3::Object'
     WHERE r.role IN ('primary', 'container') GROUP BY ALL ORDER BY calls DESC, resource LIMIT 500`,
    { u: uid },
  )).map((r) => ({ resource: r.resource, calls: Number(r.calls) }));
}

export type AllowedResources = { pattern: string; actions: string[] }[];

/** The resource patterns each principal's Allow statements name, with their actions: one query for all. */
export async function allowedResourcesOf(store: CaseStore, uids: readonly string[]): Promise<Map<string, AllowedResources>> {
  const rows = await store.read<{ uid: string; document: string }>(
    `SELECT principal_uid AS uid, document::VARCHAR AS document FROM access_policies
     WHERE principal_uid IN (SELECT unnest(from_json($u, '["VARCHAR"]'))) AND attached_via <> 'trust' AND NOT starts_with(attached_via, 'boundary') AND NOT starts_with(attached_via, 'scp ')`,
    { u: JSON.stringify(uids) },
  );
  const byUid = new Map<string, Map<string, Set<string>>>();
  for (const r of rows) {
    const doc = JSON.parse(r.document) as unknown;
    if (!isObject(doc) || !('Statement' in doc)) continue;
    const out = byUid.get(r.uid) ?? new Map<string, Set<string>>();
    byUid.set(r.uid, out);
    try {
      for (const s of parsePolicy(doc).statements) {
        if (s.effect !== 'Allow') continue;
        for (const pattern of s.resources ?? (s.notResources ? ['*'] : [])) {
          const set = out.get(pattern) ?? new Set<string>();
          for (const a of s.actions ?? s.notActions?.map((x) => `all but ${x}`) ?? []) set.add(a);
          out.set(pattern, set);
        }
      }
    } catch {
      // A policy the snapshot could not give (already reported as a snapshot problem).
    }
  }
  return new Map([...byUid].map(([uid, out]) => [uid, [...out].map(([pattern, actions]) => ({ pattern, actions: [...actions].sort() }))]));
}

/**
 * The actions a holder's grants allow on one resource of the case, or null. Identity policies
 * reach only their own account's resources (another account's resource policy would have to
 * allow it too, and the exports do not hold those); an S3 ARN names no account, so the account
 * the logs place the resource in (`boundary`) stands for it.
 */
export function actionsOn(allowed: AllowedResources, holder: string, resource: string, boundary: string | null): string[] | null {
  const account = accountOfArn(resource) ?? (boundary && /^\d{12}$/.test(boundary) ? boundary : null);
  const own = accountOfArn(holder);
  if (account && own && account !== own) return null;
  const service = resource.split(':')[2] ?? '';
  const fits = (a: string) => a === '*' || a.startsWith('all but') || actionMatches(a.split(':')[0]!, service);
  const hit = allowed.find((x) => resourceMatches(x.pattern, resource) && x.actions.some(fits));
  return hit ? hit.actions.filter(fits) : null;
}

/** The case's resources (not single objects) that some identity in reach holds an action on. */
async function resourcesCouldReach(store: CaseStore, reach: AccessReach[]) {
  const known = await store.read<{ resource: string; boundary: string | null }>(
    `SELECT resource_uid AS resource, any_value(boundary) AS boundary FROM event_resources WHERE starts_with(resource_uid, 'arn:aws:') AND resource_type IS DISTINCT FROM 'AWS::S3::Object'
     GROUP BY resource_uid ORDER BY resource LIMIT 20000`,
  );
  const out: { resource: string; via: string; actions: string[] }[] = [];
  for (const { resource, boundary } of known) {
    for (const r of reach) {
      // An administrator node reaches every resource of its account.
      const holder = isAdminNode(r.uid) ? `arn:aws:iam::${r.uid.split(':')[1]}:root` : r.uid;
      const actions = actionsOn(r.resources, holder, resource, boundary);
      if (actions) {
        out.push({ resource, via: r.name, actions });
        break;
      }
    }
  }
  return out;
}

/**
 * A least-privilege policy from observed use, in the spirit of IAM Access Analyzer's policy
 * generation: the actions used, per service, on the resources they were used on (an S3
 * object's bucket with `/*`); actions the case saw on no resource keep `*`.
 */
async function suggestPolicy(store: CaseStore, uid: string, catalog: Awaited<ReturnType<typeof actionCatalog>>) {
  const rows = await store.read<{ service: string; operation: string; resource: string | null; type: string | null }>(
    `SELECT DISTINCT e.service, e.operation, r.resource_uid AS resource, r.resource_type AS type FROM events e LEFT JOIN event_resources r ON r.event_uid = e.event_uid AND r.role = 'primary'
     WHERE e.actor_uid = $u AND e.source = 'aws.cloudtrail' AND e.status = 'success' AND e.service IS NOT NULL`,
    { u: uid },
  );
  const byAction = new Map<string, Set<string>>();
  for (const r of rows) {
    for (const id of actionsOfCall(catalog, r.service, r.operation).actions) {
      const action = catalog.actions[id]!;
      const set = byAction.get(action) ?? new Set<string>();
      if (!r.resource || !r.resource.startsWith('arn:')) set.add('*');
      else set.add(r.type === 'AWS::S3::Object' ? r.resource.replace(/^(arn:aws:s3:::[^/]+)\/.*$/, '$1/*') : r.resource);
      byAction.set(action, set);
    }
  }
  // One statement per set of resources, its actions together.
  const groups = new Map<string, string[]>();
  for (const [action, resources] of byAction) {
    const list = resources.has('*') || resources.size > 20 ? ['*'] : [...resources].sort();
    const key = JSON.stringify(list);
    groups.set(key, [...(groups.get(key) ?? []), action]);
  }
  return {
    Version: '2012-10-17',
    Statement: [...groups].map(([key, actions]) => {
      const resources = JSON.parse(key) as string[];
      return { Effect: 'Allow', Action: actions.sort(), Resource: resources.length === 1 ? resources[0] : resources };
    }),
  };
}

/** The case's access at a glance (`nhi access` without an identity): snapshots, principals, findings. */
export async function accessOverview(store: CaseStore) {
  const snapshots = await store.read<{ path: string; kind: string; scope: string | null; principals: number; problems: string[] }>(
    `SELECT v.path_in_bundle AS path, s.kind, s.scope, s.principals::BIGINT AS principals, s.problems FROM access_snapshots s JOIN evidence v USING (evidence_id) ORDER BY s.evidence_id`,
  );
  const [counts] = await store.read<{ principals: number; admins: number; wildcard: number; edges: number; escalations: number }>(
    `SELECT (SELECT count(*) FROM access_principals WHERE kind <> 'group')::BIGINT AS principals, (SELECT count(*) FROM access_principals WHERE is_admin AND kind <> 'group')::BIGINT AS admins,
       (SELECT count(*) FROM access_principals WHERE wildcard AND NOT is_admin)::BIGINT AS wildcard, (SELECT count(*) FROM access_edges)::BIGINT AS edges,
       (SELECT count(*) FROM access_edges WHERE kind = 'escalate')::BIGINT AS escalations`,
  );
  const findings = await store.read<{ rule: string; severity: string; n: number; example: string }>(
    `SELECT rule, severity, count(*)::BIGINT AS n, min(title) AS example FROM access_findings GROUP BY rule, severity
     ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END, n DESC`,
  );
  return { snapshots, counts: counts!, findings };
}
