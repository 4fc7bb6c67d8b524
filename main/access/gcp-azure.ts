import type { AccessModel, EdgeRow, PrincipalRow, RecordRef } from './access-model';
import { isoDate, latest } from './access-model';
import { isObject } from './aws-policy';
import { AZURE_ROLES, AZURE_ROLE_ASSIGNERS, GCP_ROLES, ROLE_DATA_SOURCE, type RoleInfo } from './cloud-roles';

/**
 * GCP IAM policies (project policies, Cloud Asset search results), service-account keys, and
 * Azure role assignments and app credentials, into the access model: who holds which role
 * where, who can become whom (token creation, key creation, acting as a service account, role
 * assignment) and keys with their age. Roles are read through the shipped role data
 * (cloud-roles.ts); a role it lacks is listed by name, its permissions unknown.
 */

interface Rec {
  ref: RecordRef;
  kind: string;
  doc: unknown;
}

interface Holder {
  uid: string;
  provider: 'gcp' | 'azure';
  kind: string;
  name: string;
  scope: string | null;
  ref: RecordRef;
  grants: { role: string; scope: string; conditional: boolean; ref: RecordRef; info: RoleInfo | null }[];
}

const text = (v: unknown) => (typeof v === 'string' ? v : null);
const projectOfEmail = (email: string) => /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? null;

function member(m: string): { uid: string; kind: string; deleted: boolean } {
  const deleted = m.startsWith('deleted:');
  const rest = deleted ? m.slice(8).replace(/\?uid=\d+$/, '') : m;
  const [type, ...value] = rest.split(':');
  const id = value.join(':');
  switch (type) {
    case 'user':
      return { uid: id, kind: 'user', deleted };
    case 'serviceAccount':
      return { uid: id, kind: 'service-account', deleted };
    case 'group':
      return { uid: `group:${id}`, kind: 'group', deleted };
    case 'domain':
      return { uid: `domain:${id}`, kind: 'domain', deleted };
    default:
      return { uid: rest, kind: rest === 'allUsers' || rest === 'allAuthenticatedUsers' ? 'public' : 'principal', deleted };
  }
}

const holds = (h: Holder, permission: string) =>
  h.grants.some((g) => g.info && g.info.permissions.some((p) => p === '*' || p === permission || (p.endsWith('*') && permission.startsWith(p.slice(0, -1)))));

export function addGcpModel(model: AccessModel, records: Rec[]): void {
  const policies = records.filter((r) => r.kind === 'gcp.iam-policy');
  const keys = records.filter((r) => r.kind === 'gcp.service-account-key');
  if (!policies.length && !keys.length) return;
  const holders = new Map<string, Holder>();
  const serviceAccounts = new Map<string, RecordRef>();
  for (const r of policies) {
    const doc = isObject(r.doc) ? r.doc : {};
    const policy = isObject(doc.policy) ? doc.policy : doc;
    const bindings = Array.isArray(policy.bindings) ? policy.bindings.filter(isObject) : [];
    const problems: string[] = [];
    // `gcloud projects get-iam-policy` does not write the project: its service accounts' emails name it.
    const resource = text(doc.resource);
    const emails = bindings.flatMap((b) => (Array.isArray(b.members) ? b.members : [])).map((m) => member(String(m))).filter((m) => m.kind === 'service-account').map((m) => projectOfEmail(m.uid));
    const scope = resource ?? (emails.find((p) => p) ? `projects/${emails.find((p) => p)}` : null);
    if (!scope) problems.push('the policy does not name its project (gcloud projects get-iam-policy omits it) and no member names one');
    for (const b of bindings) {
      const role = text(b.role) ?? '?';
      const info = GCP_ROLES[role] ?? null;
      if (!info) problems.push(`${role}: permissions not in the shipped role data (${ROLE_DATA_SOURCE.updatedAt}); shown by name`);
      for (const raw of Array.isArray(b.members) ? b.members : []) {
        const m = member(String(raw));
        if (m.kind === 'service-account') serviceAccounts.set(m.uid, r.ref);
        let h = holders.get(m.uid);
        if (!h) holders.set(m.uid, (h = { uid: m.uid, provider: 'gcp', kind: m.kind, name: m.uid, scope, ref: r.ref, grants: [] }));
        h.grants.push({ role, scope: scope ?? '?', conditional: isObject(b.condition), ref: r.ref, info });
        if (m.deleted) {
          model.findings.push({
            id: `access:deleted-member:${m.uid}:${model.findings.length}`,
            rule: 'orphaned-binding',
            severity: 'medium',
            principal: m.uid,
            title: `${role} is still bound to deleted ${m.kind} ${m.uid}`,
            detail: `A binding that names a deleted account: if an account of the same name is created, it inherits ${role}${scope ? ` on ${scope}` : ''}.`,
            facts: { role },
            ref: r.ref,
          });
        }
      }
    }
    model.snapshots.push({ ref: r.ref, kind: r.kind, scope, notBefore: null, principals: bindings.length, problems: [...new Set(problems)] });
  }
  for (const r of keys) {
    const k = isObject(r.doc) ? r.doc : {};
    const name = text(k.name) ?? '';
    const email = /serviceAccounts\/([^/]+)\/keys\//.exec(name)?.[1] ?? '?';
    if (k.keyType !== 'USER_MANAGED') continue;
    serviceAccounts.set(email, r.ref);
    const expires = isoDate(k.validBeforeTime);
    model.keys.push({
      keyId: name.split('/').pop() ?? null,
      principal: email,
      provider: 'gcp',
      slot: text(k.keyType),
      active: k.disabled !== true,
      createdAt: isoDate(k.validAfterTime),
      lastRotated: isoDate(k.validAfterTime),
      lastUsedAt: null,
      lastUsedService: null,
      expiresAt: expires && expires.startsWith('9999') ? null : expires,
      ref: r.ref,
    });
  }
  // The keys were listed after the newest was made.
  const newestKey = latest(model.keys.filter((k) => k.provider === 'gcp').map((k) => k.createdAt));
  if (keys.length) model.snapshots.push({ ref: keys[0]!.ref, kind: 'gcp.service-account-key', scope: null, notBefore: newestKey, principals: keys.length, problems: [] });
  for (const [email, ref] of serviceAccounts) if (!holders.has(email)) holders.set(email, { uid: email, provider: 'gcp', kind: 'service-account', name: email, scope: projectOfEmail(email) ? `projects/${projectOfEmail(email)}` : null, ref, grants: [] });

  for (const h of holders.values()) {
    const admin = h.grants.some((g) => g.info?.admin && !g.conditional);
    addHolder(model, h, admin);
    const edge = (to: string, method: string, conditional: boolean, explanation: string, ref: RecordRef) => {
      if (to !== h.uid) model.edges.push({ from: h.uid, to, kind: 'escalate', method, conditional, explanation, ref });
    };
    if (admin) {
      const adminNode = `gcp-admin:${h.grants.find((g) => g.info?.admin)!.scope}`;
      model.edges.push({ from: h.uid, to: adminNode, kind: 'member', method: 'administrator', conditional: false, explanation: `${h.name} is an owner of ${adminNode.slice(10)}`, ref: h.ref });
      continue;
    }
    for (const g of h.grants) {
      if (!g.info) continue;
      const sas = [...serviceAccounts.keys()].filter((sa) => g.scope === '?' || g.scope.endsWith(`/${sa}`) || `projects/${projectOfEmail(sa)}` === g.scope);
      const gh: Holder = { ...h, grants: [g] };
      if (holds(gh, 'resourcemanager.projects.setIamPolicy')) edge(`gcp-admin:${g.scope}`, 'gcp:setIamPolicy', g.conditional, `${h.name} can change the IAM policy of ${g.scope} (${g.role}): it can make itself owner`, g.ref);
      for (const sa of sas) {
        if (holds(gh, 'iam.serviceAccounts.getAccessToken')) edge(sa, 'gcp:getAccessToken', g.conditional, `${h.name} can mint access tokens for ${sa} (${g.role} on ${g.scope})`, g.ref);
        else if (holds(gh, 'iam.serviceAccountKeys.create')) edge(sa, 'gcp:serviceAccountKeys.create', g.conditional, `${h.name} can create a key for ${sa} (${g.role} on ${g.scope})`, g.ref);
        else if (holds(gh, 'iam.serviceAccounts.actAs')) {
          // actAs alone needs a compute or function it may create; Editor has both.
          const creates = g.info.wildcard;
          edge(sa, 'gcp:actAs', g.conditional || !creates, `${h.name} can run code as ${sa} (${g.role} on ${g.scope}: iam.serviceAccounts.actAs${creates ? ' and the right to create compute' : ', if it may also create a VM or function'})`, g.ref);
        }
      }
    }
  }
}

export function addAzureModel(model: AccessModel, records: Rec[], knownUids: readonly string[]): void {
  const assignments = records.filter((r) => r.kind === 'azure.role-assignment');
  const credentials = records.filter((r) => r.kind === 'azure.app-credential');
  if (!assignments.length && !credentials.length) return;
  // The export names object ids, not tenants: the identity of the logs with that object id.
  const byObjectId = new Map(knownUids.map((u) => [u.slice(u.lastIndexOf('/') + 1).toLowerCase(), u]));
  const holders = new Map<string, Holder>();
  const problems: string[] = [];
  for (const r of assignments) {
    const a = isObject(r.doc) ? r.doc : {};
    const id = (text(a.principalId) ?? '?').toLowerCase();
    const type = text(a.principalType) ?? 'User';
    const kind = type === 'ServicePrincipal' ? 'service-principal' : type === 'Group' ? 'group' : 'user';
    const uid = byObjectId.get(id) ?? `azure-${kind === 'service-principal' ? 'sp' : kind}:?/${id}`;
    const role = text(a.roleDefinitionName) ?? text(a.roleDefinitionId) ?? '?';
    const info = AZURE_ROLES[role] ?? null;
    if (!info) problems.push(`${role}: permissions not in the shipped role data (${ROLE_DATA_SOURCE.updatedAt}); shown by name`);
    let h = holders.get(uid);
    if (!h) holders.set(uid, (h = { uid, provider: 'azure', kind, name: text(a.principalName) ?? uid, scope: text(a.scope), ref: r.ref, grants: [] }));
    h.grants.push({ role, scope: (text(a.scope) ?? '?').toLowerCase(), conditional: text(a.condition) !== null, ref: r.ref, info });
  }
  if (assignments.length) model.snapshots.push({ ref: assignments[0]!.ref, kind: 'azure.role-assignment', scope: null, notBefore: null, principals: assignments.length, problems: [...new Set(problems)] });
  const isSubscription = (scope: string) => /^\/subscriptions\/[^/]+$/.test(scope) || scope === '/' || scope.startsWith('/providers/microsoft.management/managementgroups/');
  for (const h of holders.values()) {
    const adminAt = h.grants.find((g) => g.info?.admin && !g.conditional && isSubscription(g.scope));
    addHolder(model, h, !!adminAt);
    if (adminAt) {
      model.edges.push({ from: h.uid, to: `azure-admin:${adminAt.scope}`, kind: 'member', method: 'administrator', conditional: false, explanation: `${h.name} is Owner of ${adminAt.scope}`, ref: adminAt.ref });
      continue;
    }
    for (const g of h.grants) {
      if (AZURE_ROLE_ASSIGNERS.has(g.role)) {
        model.edges.push({ from: h.uid, to: `azure-admin:${g.scope}`, kind: 'escalate', method: 'azure:roleAssignments/write', conditional: g.conditional, explanation: `${h.name} can assign roles at ${g.scope} (${g.role}): it can make itself Owner`, ref: g.ref });
      }
    }
  }
  for (const r of credentials) {
    const c = isObject(r.doc) ? r.doc : {};
    model.keys.push({
      keyId: text(c.keyId),
      principal: text(c.appId) ? `azure-app:${text(c.appId)}` : `azure-app:${text(c.displayName) ?? 'unknown'}`,
      provider: 'azure',
      slot: text(c.hint) ? 'secret' : 'certificate',
      active: true,
      createdAt: isoDate(c.startDateTime),
      lastRotated: isoDate(c.startDateTime),
      lastUsedAt: null,
      lastUsedService: null,
      expiresAt: isoDate(c.endDateTime),
      ref: r.ref,
    });
  }
  const newest = latest(model.keys.filter((k) => k.provider === 'azure').map((k) => k.createdAt));
  if (credentials.length) model.snapshots.push({ ref: credentials[0]!.ref, kind: 'azure.app-credential', scope: null, notBefore: newest, principals: credentials.length, problems: [] });
}

function addHolder(model: AccessModel, h: Holder, admin: boolean): void {
  const row: PrincipalRow = {
    uid: h.uid,
    provider: h.provider,
    kind: h.kind,
    name: h.name,
    scope: h.scope,
    createdAt: null,
    lastUsedAt: null,
    groups: [],
    boundary: null,
    isAdmin: admin,
    wildcard: h.grants.some((g) => g.info?.wildcard),
    granted: h.grants.reduce((n, g) => n + (g.info?.permissions.length ?? 0), 0),
    conditional: h.grants.filter((g) => g.conditional).reduce((n, g) => n + (g.info?.permissions.length ?? 0), 0),
    used: 0,
    unusedSensitive: [],
    ref: h.ref,
  };
  model.principals.push(row);
  for (const g of h.grants) model.policies.push({ principal: h.uid, policy: g.role, via: `binding on ${g.scope}${g.conditional ? ' (with a condition)' : ''}`, document: { role: g.role, scope: g.scope, permissions: g.info?.permissions ?? null }, ref: g.ref });
  if (admin) {
    const node = `${h.provider}-admin:${h.grants.find((g) => g.info?.admin)!.scope}`;
    model.edges.push({ from: node, to: h.uid, kind: 'member', method: 'administrator', conditional: false, explanation: `${h.name} administers ${node.slice(node.indexOf(':') + 1)}`, ref: h.ref } satisfies EdgeRow);
  }
}
