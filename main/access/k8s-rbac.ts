import type { AccessModel, RecordRef } from './access-model';
import { isoDate } from './access-model';
import { isObject } from './aws-policy';

/**
 * Kubernetes RBAC resolution (the documented RBAC authorizer): subjects of RoleBindings and
 * ClusterRoleBindings get the rules of the role they reference, in the binding's namespace (a
 * RoleBinding) or everywhere (a ClusterRoleBinding); aggregated ClusterRoles take the rules of
 * the ClusterRoles their selectors match. Service accounts also hold what their groups are
 * bound to (system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated).
 */

interface Rule {
  verbs: string[];
  resources: string[];
  apiGroups: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

interface RoleDef {
  key: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace: string | null;
  labels: Record<string, string>;
  rules: Rule[];
  selectors: Record<string, string>[];
  ref: RecordRef;
}

interface Grant {
  /** The namespace the rule applies in, or null for every namespace and cluster-scoped resources. */
  namespace: string | null;
  rule: Rule;
  via: string;
  ref: RecordRef;
}

const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const k8sAdmin = 'k8s-admin:cluster';

/**
 * What identities did in the Kubernetes audit log, as RBAC names it: the verb and the resource
 * with its subresource (`create pods/exec`), successful calls only. The audit parser writes the
 * verb and subresource in `operation` ("create exec") and the resource in `resource_type`
 * ("k8s:pods"). `where` narrows it (an actor).
 */
export const K8S_USED_SQL = (where = '') => `
  SELECT actor_uid AS uid, split_part(operation, ' ', 1) AS verb,
    replace(resource_type, 'k8s:', '') || CASE WHEN split_part(operation, ' ', 2) <> '' THEN '/' || split_part(operation, ' ', 2) ELSE '' END AS resource,
    count(*)::BIGINT AS calls
  FROM events WHERE source = 'k8s.audit' AND status = 'success' AND actor_uid IS NOT NULL AND operation IS NOT NULL AND resource_type IS NOT NULL ${where}
  GROUP BY ALL`;

export interface K8sCall {
  verb: string;
  resource: string;
  calls: number;
}

/** Whether a granted verb and resource (RBAC's `*` and `res/*` included) covers a call. */
export function pairCovers(verb: string, resource: string, calledVerb: string, calledResource: string): boolean {
  return (verb === '*' || verb === calledVerb) && (resource === '*' || resource === calledResource || (resource.endsWith('/*') && calledResource.startsWith(resource.slice(0, -1))));
}

/** Reading secrets, binding or escalating roles, impersonating, running pods or minting tokens. */
export const isSensitivePair = (verb: string, resource: string) =>
  /^(\*|get|list|watch) (\*|secrets)$|^(\*|bind|escalate) |^(\*|impersonate) |^(\*|create) (\*|pods|pods\/exec|serviceaccounts\/token)$/.test(`${verb} ${resource}`);

export function subjectUid(kind: string, name: string, namespace: string | null): string {
  if (kind === 'ServiceAccount') return `system:serviceaccount:${namespace ?? 'default'}:${name}`;
  if (kind === 'Group') return `group:${name}`;
  return name;
}

function rulesOf(v: unknown): Rule[] {
  return (Array.isArray(v) ? v : []).filter(isObject).map((r) => ({
    verbs: strs(r.verbs),
    resources: strs(r.resources),
    apiGroups: strs(r.apiGroups),
    resourceNames: strs(r.resourceNames),
    nonResourceURLs: strs(r.nonResourceURLs),
  }));
}

const covers = (list: string[], value: string) => list.includes('*') || list.includes(value);

/** Whether a rule allows a verb on a resource (resource may carry a subresource: pods/exec). */
export function ruleAllows(rule: Rule, verb: string, resource: string): boolean {
  if (!covers(rule.verbs, verb)) return false;
  if (rule.resourceNames.length) return false;
  const [base] = resource.split('/');
  return rule.resources.some((r) => r === '*' || r === resource || (r === `${base}/*` && resource.includes('/')) || (r === '*/' + resource.split('/')[1]));
}

export function addK8sModel(model: AccessModel, records: { ref: RecordRef; doc: unknown }[], used: Map<string, K8sCall[]>): void {
  if (!records.length) return;
  const roles = new Map<string, RoleDef>();
  const bindings: { kind: string; name: string; namespace: string | null; roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string | null }[]; ref: RecordRef }[] = [];
  const accounts: { uid: string; name: string; namespace: string; created: string | null; ref: RecordRef }[] = [];
  const problems: string[] = [];
  for (const { ref, doc } of records) {
    if (!isObject(doc) || !isObject(doc.metadata)) {
      problems.push(`record ${ref.recordNo}: no metadata`);
      continue;
    }
    const meta = doc.metadata;
    const name = typeof meta.name === 'string' ? meta.name : '';
    const namespace = typeof meta.namespace === 'string' ? meta.namespace : null;
    if (doc.kind === 'Role' || doc.kind === 'ClusterRole') {
      const key = `${doc.kind}/${namespace ?? ''}/${name}`;
      const labels = isObject(meta.labels) ? (Object.fromEntries(Object.entries(meta.labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {};
      const selectors = isObject(doc.aggregationRule) && Array.isArray(doc.aggregationRule.clusterRoleSelectors) ? doc.aggregationRule.clusterRoleSelectors.filter(isObject).map((s) => (isObject(s.matchLabels) ? (s.matchLabels as Record<string, string>) : {})) : [];
      roles.set(key, { key, kind: doc.kind, name, namespace: doc.kind === 'Role' ? namespace : null, labels, rules: rulesOf(doc.rules), selectors, ref });
    } else if (doc.kind === 'RoleBinding' || doc.kind === 'ClusterRoleBinding') {
      const roleRef = isObject(doc.roleRef) ? { kind: String(doc.roleRef.kind), name: String(doc.roleRef.name) } : null;
      if (!roleRef) {
        problems.push(`${doc.kind} ${name}: no roleRef`);
        continue;
      }
      const subjects = (Array.isArray(doc.subjects) ? doc.subjects : []).filter(isObject).map((s) => ({ kind: String(s.kind), name: String(s.name), namespace: typeof s.namespace === 'string' ? s.namespace : namespace }));
      bindings.push({ kind: doc.kind, name, namespace: doc.kind === 'RoleBinding' ? namespace : null, roleRef, subjects, ref });
    } else if (doc.kind === 'ServiceAccount') {
      accounts.push({ uid: subjectUid('ServiceAccount', name, namespace), name, namespace: namespace ?? 'default', created: isoDate(meta.creationTimestamp), ref });
    }
  }
  // Aggregation: a ClusterRole with selectors holds the rules of every ClusterRole whose labels match one.
  const clusterRoles = [...roles.values()].filter((r) => r.kind === 'ClusterRole');
  const rulesOfRole = (role: RoleDef, seen = new Set<string>()): Rule[] => {
    if (seen.has(role.key)) return [];
    seen.add(role.key);
    if (!role.selectors.length) return role.rules;
    const matched = clusterRoles.filter((c) => c.key !== role.key && role.selectors.some((sel) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => c.labels[k] === v)));
    return [...role.rules, ...matched.flatMap((c) => rulesOfRole(c, seen))];
  };

  const grants = new Map<string, Grant[]>();
  const firstRef = new Map<string, RecordRef>();
  const kinds = new Map<string, string>();
  for (const b of bindings) {
    const role = roles.get(b.roleRef.kind === 'ClusterRole' ? `ClusterRole//${b.roleRef.name}` : `Role/${b.namespace ?? ''}/${b.roleRef.name}`);
    if (!role) problems.push(`${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}: ${b.roleRef.kind} ${b.roleRef.name} is not in the snapshot`);
    const rules = role ? rulesOfRole(role) : [];
    for (const s of b.subjects) {
      const uid = subjectUid(s.kind, s.name, s.namespace);
      kinds.set(uid, s.kind === 'ServiceAccount' ? 'service-account' : s.kind === 'Group' ? 'group' : 'user');
      if (!firstRef.has(uid)) firstRef.set(uid, b.ref);
      const list = grants.get(uid) ?? [];
      for (const rule of rules) list.push({ namespace: b.namespace, rule, via: `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} → ${b.roleRef.kind} ${b.roleRef.name}`, ref: b.ref });
      grants.set(uid, list);
    }
  }
  // Service accounts hold what their groups are bound to.
  for (const sa of accounts) {
    if (!firstRef.has(sa.uid)) firstRef.set(sa.uid, sa.ref);
    kinds.set(sa.uid, 'service-account');
    const own = grants.get(sa.uid) ?? [];
    for (const group of ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated']) {
      for (const g of grants.get(`group:${group}`) ?? []) own.push({ ...g, via: `group ${group}: ${g.via}` });
    }
    grants.set(sa.uid, own);
  }

  const created = new Map(accounts.map((a) => [a.uid, a.created]));
  const saByNamespace = new Map<string, string[]>();
  for (const a of accounts) saByNamespace.set(a.namespace, [...(saByNamespace.get(a.namespace) ?? []), a.uid]);
  for (const [uid, list] of grants) {
    const ref = firstRef.get(uid)!;
    const pairs = new Set<string>();
    for (const g of list) for (const v of g.rule.verbs) for (const r of g.rule.resources.length ? g.rule.resources : g.rule.nonResourceURLs) pairs.add(`${v} ${r}`);
    const did = used.get(uid) ?? [];
    const usedPairs = [...pairs].filter((pair) => {
      const [verb, res] = pair.split(' ') as [string, string];
      return did.some((d) => pairCovers(verb, res, d.verb, d.resource));
    });
    const clusterWide = list.filter((g) => g.namespace === null);
    const isAdmin = clusterWide.some((g) => g.rule.verbs.includes('*') && g.rule.resources.includes('*') && g.rule.apiGroups.includes('*'));
    const wildcard = list.some((g) => g.rule.verbs.includes('*') || g.rule.resources.includes('*'));
    const sensitive = [...pairs].filter((p) => isSensitivePair(...(p.split(' ') as [string, string])));
    model.principals.push({
      uid,
      provider: 'k8s',
      kind: kinds.get(uid) ?? 'user',
      name: uid,
      scope: null,
      createdAt: created.get(uid) ?? null,
      lastUsedAt: null,
      groups: [],
      boundary: null,
      isAdmin,
      wildcard,
      granted: pairs.size,
      conditional: 0,
      used: usedPairs.length,
      unusedSensitive: isAdmin ? [] : sensitive.filter((p) => !usedPairs.includes(p)).sort(),
      ref,
    });
    for (const g of list) model.policies.push({ principal: uid, policy: g.via, via: g.namespace ? `namespace ${g.namespace}` : 'cluster-wide', document: g.rule, ref: g.ref });
    // Escalation, as the Kubernetes RBAC good-practice guide lists it.
    const allows = (verb: string, resource: string, ns: string | null) => list.some((g) => (g.namespace === null || g.namespace === ns) && ruleAllows(g.rule, verb, resource));
    const edge = (to: string, method: string, explanation: string, via: RecordRef = ref) => {
      if (to !== uid) model.edges.push({ from: uid, to, kind: 'escalate', method, conditional: false, explanation, ref: via });
    };
    if (!isAdmin && (allows('bind', 'clusterroles', null) || allows('escalate', 'clusterroles', null))) edge(k8sAdmin, 'rbac:bind/escalate', `${uid} can bind or escalate cluster roles: it can grant itself cluster-admin`);
    if (!isAdmin && allows('impersonate', 'users', null) && allows('impersonate', 'groups', null)) edge(k8sAdmin, 'rbac:impersonate', `${uid} can impersonate any user and group (system:masters)`);
    // An administrator already reaches everything (its edge to k8s-admin below).
    for (const [ns, sas] of isAdmin ? [] : saByNamespace) {
      for (const sa of sas) {
        if (sa === uid) continue;
        if (allows('create', 'pods', ns)) edge(sa, 'k8s:create-pod', `${uid} can create a pod in ${ns} that runs as ${sa} and use its token`);
        else if (allows('get', 'secrets', ns) || allows('list', 'secrets', ns)) edge(sa, 'k8s:read-secrets', `${uid} can read secrets in ${ns}, including the token of ${sa} where one is stored`);
        else if (allows('create', 'serviceaccounts/token', ns)) edge(sa, 'k8s:create-token', `${uid} can request a token for ${sa}`);
        else if (allows('impersonate', 'serviceaccounts', ns)) edge(sa, 'k8s:impersonate', `${uid} can impersonate ${sa}`);
      }
    }
  }
  for (const p of model.principals.filter((x) => x.provider === 'k8s' && x.isAdmin)) {
    model.edges.push({ from: k8sAdmin, to: p.uid, kind: 'member', method: 'administrator', conditional: false, explanation: `${p.uid} is bound to every verb on every resource cluster-wide`, ref: p.ref });
    model.edges.push({ from: p.uid, to: k8sAdmin, kind: 'member', method: 'administrator', conditional: false, explanation: `${p.uid} may do everything in the cluster`, ref: p.ref });
  }
  const byEvidence = new Map<number, RecordRef>();
  for (const r of records) if (!byEvidence.has(r.ref.evidenceId)) byEvidence.set(r.ref.evidenceId, r.ref);
  // Problems are about the whole export (a binding in one file, its role missing from all): the first file carries them.
  [...byEvidence.values()].forEach((ref, i) => {
    const n = records.filter((r) => r.ref.evidenceId === ref.evidenceId).length;
    model.snapshots.push({ ref, kind: 'k8s.rbac', scope: null, notBefore: null, principals: n, problems: i === 0 ? problems : [] });
  });
}
