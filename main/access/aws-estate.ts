import { type NamedPolicy, type PolicyDocument, PolicyError, isObject, parsePolicy } from './aws-policy';

/**
 * One AWS account's IAM as `aws iam get-account-authorization-details` exports it: users (their
 * groups, inline and managed policies, boundary), groups, roles (trust policy, policies,
 * boundary, instance profiles, last use) and the managed policies with their versions. Only the
 * default version of a managed policy is in force.
 */

export interface AwsPrincipal {
  arn: string;
  kind: 'user' | 'role' | 'group';
  name: string;
  account: string;
  createdAt: string | null;
  lastUsedAt: string | null;
  /** Group ARNs (users). */
  groups: string[];
  /** Policies in force through the principal itself (for a user, with its groups'): name, how attached, document. */
  policies: AttachedPolicy[];
  boundary: AttachedPolicy | null;
  /** Roles: who may assume it. */
  trust: PolicyDocument | null;
  instanceProfiles: string[];
  /** Where in the snapshot record it is written (JSON pointer), for the explanation. */
  pointer: string;
  /** Organizations SCPs over its account, by level (root, account): each level must allow. */
  scps?: NamedPolicy[][];
}

export interface AttachedPolicy extends NamedPolicy {
  via: string;
  /** The document as written, for the analyst. */
  raw: unknown;
  /** A managed policy's kept version (not the default) that allows everything: a rollback away. */
  adminVersion?: string;
}

export interface AwsEstate {
  account: string | null;
  principals: AwsPrincipal[];
  /** Latest date written in the snapshot: it was taken after it. */
  notBefore: string | null;
  /** What could not be read (a policy referenced but not exported, a malformed document). */
  problems: string[];
}

/**
 * AWS managed policies are exported only when attached, and only with the default filter; for the
 * few whose meaning is fixed and documented, a snapshot without them still says what they grant.
 */
const WELL_KNOWN: Record<string, unknown> = {
  'arn:aws:iam::aws:policy/AdministratorAccess': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  'arn:aws:iam::aws:policy/IAMFullAccess': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', 'organizations:DescribeAccount', 'organizations:DescribeOrganization', 'organizations:DescribeOrganizationalUnit', 'organizations:DescribePolicy', 'organizations:ListAccounts', 'organizations:ListAccountsForParent', 'organizations:ListAWSServiceAccessForOrganization', 'organizations:ListChildren', 'organizations:ListOrganizationalUnitsForParent', 'organizations:ListParents', 'organizations:ListPolicies', 'organizations:ListPoliciesForTarget', 'organizations:ListRoots', 'organizations:ListTargetsForPolicy'], Resource: '*' }] },
  'arn:aws:iam::aws:policy/PowerUserAccess': {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      { Effect: 'Allow', Action: ['account:GetAccountInformation', 'account:GetPrimaryEmail', 'account:ListRegions', 'iam:CreateServiceLinkedRole', 'iam:DeleteServiceLinkedRole', 'iam:ListRoles', 'organizations:DescribeOrganization'], Resource: '*' },
    ],
  },
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export function accountOfArn(arn: string): string | null {
  const parts = arn.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4]!) ? parts[4]! : null;
}

export function readAuthorizationDetails(doc: unknown): AwsEstate {
  if (!isObject(doc)) throw new PolicyError('the authorization details are not a JSON object');
  const problems: string[] = [];
  const dates: string[] = [];
  const date = (v: unknown) => {
    const t = text(v);
    if (t) dates.push(t);
    return t;
  };
  const managed = new Map<string, { name: string; raw: unknown; adminVersion?: string }>();
  list(doc.Policies).forEach((p, i) => {
    if (!isObject(p) || !text(p.Arn)) return problems.push(`Policies[${i}] has no Arn`);
    date(p.UpdateDate);
    const versions = list(p.PolicyVersionList).filter(isObject);
    const current = versions.find((v) => v.IsDefaultVersion === true) ?? versions.find((v) => v.VersionId === p.DefaultVersionId);
    if (!current) return problems.push(`${String(p.Arn)}: no default version in the snapshot`);
    // Older versions stay in the account: one that allows everything is a SetDefaultPolicyVersion away.
    const adminVersion = versions.find((v) => v !== current && allowsEverything(v.Document));
    managed.set(p.Arn as string, { name: text(p.PolicyName) ?? (p.Arn as string), raw: current.Document, ...(adminVersion ? { adminVersion: String(adminVersion.VersionId) } : {}) });
  });
  const policy = (name: string, via: string, raw: unknown): AttachedPolicy | null => {
    try {
      return { name, via, raw, document: parsePolicy(raw) };
    } catch (err) {
      problems.push(`${name} (${via}): ${(err as Error).message}`);
      return null;
    }
  };
  const attachedManaged = (owner: string, attachments: unknown, via: string): AttachedPolicy[] =>
    list(attachments)
      .filter(isObject)
      .flatMap((a) => {
        const arn = text(a.PolicyArn);
        if (!arn) return [];
        const found = managed.get(arn) ?? (WELL_KNOWN[arn] ? { name: text(a.PolicyName) ?? arn, raw: WELL_KNOWN[arn] } : null);
        if (!found) {
          problems.push(`${owner}: managed policy ${arn} is attached but not in the snapshot (its permissions are unknown)`);
          return [];
        }
        const p = policy(found.name, `${via}managed ${arn}`, found.raw);
        if (p && 'adminVersion' in found && found.adminVersion) p.adminVersion = found.adminVersion;
        return p ? [p] : [];
      });
  const inline = (owner: string, entries: unknown, via: string): AttachedPolicy[] =>
    list(entries)
      .filter(isObject)
      .flatMap((e) => {
        const p = policy(text(e.PolicyName) ?? '(unnamed)', `${via}inline`, e.PolicyDocument);
        if (!p) problems.push(`${owner}: an inline policy could not be read`);
        return p ? [p] : [];
      });
  const boundaryOf = (owner: string, b: unknown): AttachedPolicy | null => {
    if (!isObject(b) || !text(b.PermissionsBoundaryArn)) return null;
    const arn = b.PermissionsBoundaryArn as string;
    const found = managed.get(arn) ?? (WELL_KNOWN[arn] ? { name: arn, raw: WELL_KNOWN[arn] } : null);
    if (!found) {
      // Unknown limits are not assumed: the blast radius is drawn as wide as the grants, and says so.
      problems.push(`${owner}: permissions boundary ${arn} is not in the snapshot; its permissions are shown without that limit`);
      return null;
    }
    return policy(found.name, `boundary ${arn}`, found.raw);
  };

  const groups = new Map<string, AwsPrincipal>();
  const principals: AwsPrincipal[] = [];
  /** A principal with what every kind has; the kind adds the rest. */
  const base = (arn: string, kind: AwsPrincipal['kind'], name: unknown, entry: Record<string, unknown>, pointer: string, inlineList: unknown): AwsPrincipal => ({
    arn,
    kind,
    name: text(name) ?? arn,
    account: accountOfArn(arn) ?? '',
    createdAt: date(entry.CreateDate),
    lastUsedAt: null,
    groups: [],
    policies: [...inline(arn, inlineList, ''), ...attachedManaged(arn, entry.AttachedManagedPolicies, '')],
    boundary: kind === 'group' ? null : boundaryOf(arn, entry.PermissionsBoundary),
    trust: null,
    instanceProfiles: [],
    pointer,
  });
  list(doc.GroupDetailList).forEach((g, i) => {
    if (!isObject(g) || !text(g.Arn)) return problems.push(`GroupDetailList[${i}] has no Arn`);
    const arn = g.Arn as string;
    const group = base(arn, 'group', g.GroupName, g, `/GroupDetailList/${i}`, g.GroupPolicyList);
    groups.set(group.name, group);
    principals.push(group);
  });
  list(doc.UserDetailList).forEach((u, i) => {
    if (!isObject(u) || !text(u.Arn)) return problems.push(`UserDetailList[${i}] has no Arn`);
    const arn = u.Arn as string;
    const memberOf = list(u.GroupList).filter((g): g is string => typeof g === 'string');
    const viaGroups = memberOf.flatMap((name) => {
      const g = groups.get(name);
      if (!g) {
        problems.push(`${arn}: group ${name} is not in the snapshot`);
        return [];
      }
      return g.policies.map((p) => ({ ...p, via: `group ${name}: ${p.via}` }));
    });
    const user = base(arn, 'user', u.UserName, u, `/UserDetailList/${i}`, u.UserPolicyList);
    user.lastUsedAt = date(u.PasswordLastUsed);
    user.groups = memberOf.map((name) => groups.get(name)?.arn ?? name);
    user.policies.push(...viaGroups);
    principals.push(user);
  });
  list(doc.RoleDetailList).forEach((r, i) => {
    if (!isObject(r) || !text(r.Arn)) return problems.push(`RoleDetailList[${i}] has no Arn`);
    const arn = r.Arn as string;
    let trust: PolicyDocument | null = null;
    try {
      trust = r.AssumeRolePolicyDocument === undefined ? null : parsePolicy(r.AssumeRolePolicyDocument);
    } catch (err) {
      problems.push(`${arn}: trust policy: ${(err as Error).message}`);
    }
    const lastUsed = isObject(r.RoleLastUsed) ? date(r.RoleLastUsed.LastUsedDate) : null;
    const role = base(arn, 'role', r.RoleName, r, `/RoleDetailList/${i}`, r.RolePolicyList);
    role.lastUsedAt = lastUsed;
    role.trust = trust;
    role.instanceProfiles = list(r.InstanceProfileList).filter(isObject).map((p) => text(p.Arn) ?? '').filter(Boolean);
    principals.push(role);
  });
  const accounts = [...new Set(principals.map((p) => p.account).filter(Boolean))];
  return {
    account: accounts.length === 1 ? accounts[0]! : accounts.length ? accounts.join(',') : null,
    principals,
    notBefore: dates.length ? dates.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : null,
    problems,
  };
}

/** A document with an unconditional Allow of every action on every resource, and no Deny. */
function allowsEverything(document: unknown): boolean {
  try {
    const statements = parsePolicy(document).statements;
    return !statements.some((st) => st.effect === 'Deny') && statements.some((st) => st.effect === 'Allow' && !st.condition && (st.actions ?? []).includes('*') && (st.resources ?? []).includes('*'));
  } catch {
    return false;
  }
}
