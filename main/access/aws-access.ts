import { type ActionCatalog, ActionSet, expandNotPatterns, expandPatterns } from './aws-actions';
import { type AwsPrincipal, accountOfArn } from './aws-estate';
import { type Evaluation, type PolicySet, type Statement, conditionHolds, evaluate, globMatch } from './aws-policy';

/**
 * What each AWS principal may do (as a set of catalog actions), who may become whom (trust and
 * privilege escalation), read from the principals of one or more authorization-details snapshots.
 */

export interface AwsGrant {
  principal: AwsPrincipal;
  /** Allowed on at least one resource without a condition the case cannot decide. */
  granted: ActionSet;
  /** Allowed only under a condition (shown with the statement). */
  conditional: ActionSet;
  isAdmin: boolean;
  wildcard: boolean;
}

export interface AwsEdge {
  from: string;
  to: string;
  kind: 'assume' | 'escalate' | 'member';
  method: string;
  conditional: boolean;
  explanation: string;
}

/** The pseudo-principal "administrator of an account": where a self-escalation leads. */
export const adminOf = (account: string) => `aws-admin:${account}`;

const statementSets = new WeakMap<Statement, ActionSet>();

function actionsOf(catalog: ActionCatalog, s: Statement): ActionSet {
  let set = statementSets.get(s);
  if (!set) {
    set = s.actions ? expandPatterns(catalog, s.actions) : expandNotPatterns(catalog, s.notActions ?? []);
    statementSets.set(s, set);
  }
  return set;
}

const everyResource = (s: Statement) => (s.resources?.includes('*') ?? false) && !s.notResources;

export function policySetOf(p: AwsPrincipal): PolicySet {
  return { identity: p.policies, boundary: p.boundary, scps: p.scps ?? null };
}

/** What some guard policies (a boundary, one level of SCPs) allow on every resource: allows less denies. */
function withinGuard(catalog: ActionCatalog, policies: { document: { statements: Statement[] } }[]): ActionSet {
  const within = new ActionSet(catalog.actions.length);
  for (const p of policies) for (const s of p.document.statements) if (s.effect === 'Allow') within.or(actionsOf(catalog, s));
  for (const p of policies) for (const s of p.document.statements) if (s.effect === 'Deny' && everyResource(s) && !s.condition) within.andNot(actionsOf(catalog, s));
  return within;
}

/** Granted on some resource: allows, less denies on every resource, within the boundary. */
export function grantOf(catalog: ActionCatalog, p: AwsPrincipal): AwsGrant {
  const size = catalog.actions.length;
  const granted = new ActionSet(size);
  const conditional = new ActionSet(size);
  const denied = new ActionSet(size);
  let wildcard = false;
  for (const policy of p.policies) {
    for (const s of policy.document.statements) {
      const set = actionsOf(catalog, s);
      if (s.effect === 'Deny') {
        if (everyResource(s) && !s.condition) denied.or(set);
      } else if (s.condition) conditional.or(set);
      else {
        granted.or(set);
        if (everyResource(s) && (s.notActions || s.actions!.some((a) => a === '*' || /:\*$/.test(a)))) wildcard = true;
      }
    }
  }
  granted.andNot(denied);
  conditional.andNot(denied).andNot(granted);
  for (const guard of [...(p.boundary ? [[p.boundary]] : []), ...(p.scps ?? [])]) {
    const within = withinGuard(catalog, guard);
    granted.and(within);
    conditional.and(within);
  }
  const isAdmin = isAdministrator(p);
  return { principal: p, granted, conditional, isAdmin, wildcard: wildcard || isAdmin };
}

/** Administrator: these actions, each a different kind of power, all allowed on every resource. */
const ADMIN_PROBES = ['iam:PutRolePolicy', 'iam:CreateAccessKey', 'ec2:RunInstances', 's3:GetObject', 'kms:Decrypt', 'organizations:LeaveOrganization'];

function isAdministrator(p: AwsPrincipal): boolean {
  // A group too: joining it makes a user an administrator.
  const set = policySetOf(p);
  return ADMIN_PROBES.every((action) => evaluate(set, { action, resource: `arn:aws:iam::${p.account}:role/any-resource`, context: contextOf(p) }).decision === 'allow');
}

export function contextOf(p: AwsPrincipal): Record<string, string> {
  const ctx: Record<string, string> = { 'aws:PrincipalAccount': p.account, 'aws:PrincipalArn': p.arn };
  if (p.kind === 'user') ctx['aws:username'] = p.name;
  return ctx;
}

const allows = (e: Pick<Evaluation, 'decision'>) => e.decision === 'allow' || e.decision === 'conditional';

interface Method {
  id: string;
  /** Actions the holder needs on the target (all of them). */
  needs: string[];
  /** Targets: users other than the holder, groups, roles, the holder's own managed policies… */
  targets: 'other-users' | 'own-groups' | 'groups' | 'self' | 'roles' | 'own-policies';
  /** For PassRole methods: the service the target role must trust. */
  service?: string;
  /** Where it leads: the target, or administrator of the account. */
  leadsTo: 'target' | 'admin';
  explain: (holder: string, target: string) => string;
}

/**
 * Privilege escalation in IAM, the documented methods (Rhino Security Labs' catalogue, used by
 * PMapper and Cloudsplaining): each names the calls the holder must be allowed and what it gains.
 */
const METHODS: Method[] = [
  { id: 'iam:CreateAccessKey', needs: ['iam:CreateAccessKey'], targets: 'other-users', leadsTo: 'target', explain: (h, t) => `${h} can create an access key for ${t} and sign in as it` },
  { id: 'iam:CreateLoginProfile', needs: ['iam:CreateLoginProfile'], targets: 'other-users', leadsTo: 'target', explain: (h, t) => `${h} can give ${t} a console password and sign in as it` },
  { id: 'iam:UpdateLoginProfile', needs: ['iam:UpdateLoginProfile'], targets: 'other-users', leadsTo: 'target', explain: (h, t) => `${h} can reset the console password of ${t} and sign in as it` },
  { id: 'iam:AttachUserPolicy', needs: ['iam:AttachUserPolicy'], targets: 'self', leadsTo: 'admin', explain: (h) => `${h} can attach AdministratorAccess to itself` },
  { id: 'iam:PutUserPolicy', needs: ['iam:PutUserPolicy'], targets: 'self', leadsTo: 'admin', explain: (h) => `${h} can write itself an inline policy allowing everything` },
  { id: 'iam:AttachRolePolicy', needs: ['iam:AttachRolePolicy'], targets: 'self', leadsTo: 'admin', explain: (h) => `${h} can attach AdministratorAccess to its own role` },
  { id: 'iam:PutRolePolicy', needs: ['iam:PutRolePolicy'], targets: 'self', leadsTo: 'admin', explain: (h) => `${h} can write its own role an inline policy allowing everything` },
  { id: 'iam:AttachGroupPolicy', needs: ['iam:AttachGroupPolicy'], targets: 'own-groups', leadsTo: 'admin', explain: (h, t) => `${h} can attach AdministratorAccess to its group ${t}` },
  { id: 'iam:PutGroupPolicy', needs: ['iam:PutGroupPolicy'], targets: 'own-groups', leadsTo: 'admin', explain: (h, t) => `${h} can write its group ${t} an inline policy allowing everything` },
  { id: 'iam:CreatePolicyVersion', needs: ['iam:CreatePolicyVersion'], targets: 'own-policies', leadsTo: 'admin', explain: (h, t) => `${h} can publish a new default version of ${t}, a policy it holds, allowing everything` },
  { id: 'iam:SetDefaultPolicyVersion', needs: ['iam:SetDefaultPolicyVersion'], targets: 'own-policies', leadsTo: 'admin', explain: (h, t) => `${h} can make an older version of ${t}, a policy it holds, the default again: that version allows everything` },
  { id: 'iam:AddUserToGroup', needs: ['iam:AddUserToGroup'], targets: 'groups', leadsTo: 'target', explain: (h, t) => `${h} can add itself to the group ${t}` },
  { id: 'iam:UpdateAssumeRolePolicy', needs: ['iam:UpdateAssumeRolePolicy', 'sts:AssumeRole'], targets: 'roles', leadsTo: 'target', explain: (h, t) => `${h} can rewrite the trust policy of ${t} to trust itself, then assume it` },
  { id: 'iam:PassRole+lambda', needs: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction'], targets: 'roles', service: 'lambda.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can create a Lambda function running as ${t} (iam:PassRole) and invoke it` },
  { id: 'iam:PassRole+ec2', needs: ['iam:PassRole', 'ec2:RunInstances'], targets: 'roles', service: 'ec2.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can start an EC2 instance with ${t} in its instance profile (iam:PassRole) and use its credentials` },
  { id: 'iam:PassRole+cloudformation', needs: ['iam:PassRole', 'cloudformation:CreateStack'], targets: 'roles', service: 'cloudformation.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can create a CloudFormation stack that runs as ${t} (iam:PassRole)` },
  { id: 'iam:PassRole+glue', needs: ['iam:PassRole', 'glue:CreateDevEndpoint'], targets: 'roles', service: 'glue.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can create a Glue development endpoint running as ${t} (iam:PassRole)` },
  { id: 'iam:PassRole+codebuild', needs: ['iam:PassRole', 'codebuild:CreateProject', 'codebuild:StartBuild'], targets: 'roles', service: 'codebuild.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can create and start a CodeBuild project running as ${t} (iam:PassRole)` },
  { id: 'iam:PassRole+ecs', needs: ['iam:PassRole', 'ecs:RegisterTaskDefinition', 'ecs:RunTask'], targets: 'roles', service: 'ecs-tasks.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can run an ECS task whose task role is ${t} (iam:PassRole)` },
  { id: 'iam:PassRole+sagemaker', needs: ['iam:PassRole', 'sagemaker:CreateNotebookInstance'], targets: 'roles', service: 'sagemaker.amazonaws.com', leadsTo: 'target', explain: (h, t) => `${h} can create a SageMaker notebook running as ${t} (iam:PassRole)` },
];

function trustsService(role: AwsPrincipal, service: string): boolean {
  return (role.trust?.statements ?? []).some(
    (s) => s.effect === 'Allow' && (s.principals?.Service ?? []).includes(service) && (s.actions ?? []).some((a) => globMatch(a, 'sts:AssumeRole', true)),
  );
}

const ASSUME_ACTIONS = ['sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML'];

/** Every edge among the principals: trust (assume), memberships and escalations. */
export function edgesOf(catalog: ActionCatalog, grants: AwsGrant[], federated: readonly string[] = []): AwsEdge[] {
  const edges: AwsEdge[] = [];
  const byArn = new Map(grants.map((g) => [g.principal.arn, g]));
  const roles = grants.filter((g) => g.principal.kind === 'role');
  const users = grants.filter((g) => g.principal.kind === 'user');
  const groups = grants.filter((g) => g.principal.kind === 'group');
  const actionId = (a: string) => catalog.index.get(a.toLowerCase());
  const holds = (g: AwsGrant, a: string) => {
    const id = actionId(a);
    return id !== undefined && (g.granted.has(id) || g.conditional.has(id));
  };

  for (const user of users) {
    for (const groupArn of user.principal.groups) {
      if (byArn.has(groupArn)) edges.push({ from: user.principal.arn, to: groupArn, kind: 'member', method: 'group membership', conditional: false, explanation: `${user.principal.name} is a member of ${byArn.get(groupArn)!.principal.name}` });
    }
  }

  // Trust: who may assume each role.
  for (const role of roles) {
    for (const s of role.principal.trust?.statements ?? []) {
      if (s.effect !== 'Allow' || !(s.actions ?? []).some((a) => ASSUME_ACTIONS.some((x) => globMatch(a, x, true)))) continue;
      const conditional = s.condition !== null;
      const when = conditional ? ` when ${JSON.stringify(s.condition)}` : '';
      for (const value of s.principals?.AWS ?? (s.principals?.['*'] ? ['*'] : [])) {
        const account = /^\d{12}$/.test(value) ? value : value.endsWith(':root') ? accountOfArn(value) : value === '*' ? '*' : null;
        if (account) {
          // The account (or anyone): its principals whose own policies allow assuming this role.
          for (const g of grants) {
            if (g.principal.kind === 'group' || g.principal.arn === role.principal.arn) continue;
            if (account !== '*' && g.principal.account !== account) continue;
            if (!holds(g, 'sts:AssumeRole')) continue;
            const e = evaluate(policySetOf(g.principal), { action: 'sts:AssumeRole', resource: role.principal.arn, context: contextOf(g.principal) });
            if (!allows(e)) continue;
            edges.push({
              from: g.principal.arn,
              to: role.principal.arn,
              kind: 'assume',
              method: 'sts:AssumeRole',
              conditional: conditional || e.decision === 'conditional',
              explanation: `${role.principal.name} trusts ${account === '*' ? 'any AWS principal' : `account ${account}`}${when}, and ${g.principal.name}'s policies allow sts:AssumeRole on it`,
            });
          }
          continue;
        }
        const holder = byArn.get(value);
        if (!holder) {
          edges.push({ from: value, to: role.principal.arn, kind: 'assume', method: 'sts:AssumeRole', conditional, explanation: `${role.principal.name} trusts ${value}${when}` });
          continue;
        }
        // Named in the trust policy: enough within the account; across accounts its own policies must allow it too.
        const sameAccount = holder.principal.account === role.principal.account;
        const e = evaluate(policySetOf(holder.principal), { action: 'sts:AssumeRole', resource: role.principal.arn, context: contextOf(holder.principal) });
        if (e.decision === 'explicit-deny' || (!sameAccount && !allows(e))) continue;
        edges.push({
          from: holder.principal.arn,
          to: role.principal.arn,
          kind: 'assume',
          method: 'sts:AssumeRole',
          conditional: conditional || (!sameAccount && e.decision === 'conditional'),
          explanation: `${role.principal.name} trusts ${holder.principal.name} by name${when}${sameAccount ? '' : `, and ${holder.principal.name}'s policies allow sts:AssumeRole on it`}`,
        });
      }
      for (const value of s.principals?.Federated ?? []) {
        const method = `sts:AssumeRoleWith${value.includes('saml-provider') ? 'SAML' : 'WebIdentity'}`;
        edges.push({ from: `federated:${value}`, to: role.principal.arn, kind: 'assume', method, conditional, explanation: `${role.principal.name} trusts the identity provider ${value}${when}` });
        for (const f of federatedIdentities(value, federated)) {
          // The subject is known (the identity of the logs is named by it): a condition on it is decided.
          const holds = conditionHolds(s.condition, f.context);
          if (holds === 'no') continue;
          edges.push({ from: f.uid, to: role.principal.arn, kind: 'assume', method, conditional: holds === 'maybe', explanation: `${role.principal.name} trusts ${f.subject} through ${value}${when}` });
        }
      }
      for (const value of s.principals?.Service ?? []) {
        edges.push({ from: `aws-service:${value}`, to: role.principal.arn, kind: 'assume', method: 'service role', conditional, explanation: `${role.principal.name} is a service role for ${value}${when}` });
      }
    }
  }

  // Escalation: for each holder of a method's first call, the targets it may use it on.
  for (const holder of grants) {
    // An administrator can already do all of it: its reach is the whole account (see adminOf).
    if (holder.principal.kind === 'group' || holder.isAdmin) continue;
    const h = holder.principal;
    const set = policySetOf(h);
    const ctx = contextOf(h);
    for (const m of METHODS) {
      if (!m.needs.every((a) => holds(holder, a))) continue;
      const targets: { arn: string; name: string }[] =
        m.targets === 'self'
          ? (m.id.includes('User') ? h.kind === 'user' : h.kind === 'role')
            ? [{ arn: h.arn, name: h.name }]
            : []
          : m.targets === 'other-users'
            ? users.filter((u) => u.principal.arn !== h.arn && u.principal.account === h.account).map((u) => u.principal)
            : m.targets === 'own-groups'
              ? h.groups.map((arn) => ({ arn, name: byArn.get(arn)?.principal.name ?? arn }))
              : m.targets === 'groups'
                ? h.kind === 'user'
                  ? groups.filter((g) => g.principal.account === h.account && !h.groups.includes(g.principal.arn)).map((g) => g.principal)
                  : []
                : m.targets === 'own-policies'
                  ? [
                      ...new Set(
                        h.policies
                          // A rollback leads somewhere only when a kept version allows more.
                          .filter((p) => m.id !== 'iam:SetDefaultPolicyVersion' || p.adminVersion)
                          .map((p) => /managed (arn:aws:iam::\d{12}:policy\/\S+)/.exec(p.via)?.[1])
                          .filter((x): x is string => !!x),
                      ),
                    ].map((arn) => ({ arn, name: arn }))
                  : roles.filter((r) => r.principal.arn !== h.arn && r.principal.account === h.account && (!m.service || trustsService(r.principal, m.service))).map((r) => r.principal);
      for (const target of targets) {
        // IAM calls are judged on the target itself; the compute call (CreateFunction, RunInstances)
        // only needs to be allowed on some resource, which the grant already says.
        const evaluations = m.needs.map((action): Pick<Evaluation, 'decision'> =>
          action.startsWith('iam:') || action === 'sts:AssumeRole'
            ? evaluate(set, { action, resource: target.arn, context: ctx })
            : { decision: holder.granted.has(actionId(action)!) ? 'allow' : 'conditional' },
        );
        if (!evaluations.every((e) => e.decision === 'allow' || e.decision === 'conditional')) continue;
        const to = m.leadsTo === 'admin' ? adminOf(h.account) : target.arn;
        if (to === h.arn) continue;
        edges.push({ from: h.arn, to, kind: 'escalate', method: m.id, conditional: evaluations.some((e) => e.decision === 'conditional'), explanation: m.explain(h.name, target.name) });
      }
    }
  }
  return edges;
}

/**
 * Identities of the logs that come through a trusted provider: `web-identity:<host>:<subject>`
 * (an OIDC provider's tokens, GitHub Actions' `repo:…`) and `saml:<provider ARN>:<name>`, with the
 * condition keys their uid fixes (`<host>:sub`, `SAML:sub`).
 */
function federatedIdentities(provider: string, uids: readonly string[]): { uid: string; subject: string; context: Record<string, string> }[] {
  const oidc = /:oidc-provider\/(.+)$/.exec(provider)?.[1];
  if (oidc) {
    const prefix = `web-identity:${oidc}:`;
    return uids.filter((u) => u.startsWith(prefix)).map((uid) => ({ uid, subject: uid.slice(prefix.length), context: { [`${oidc}:sub`]: uid.slice(prefix.length) } }));
  }
  if (provider.includes(':saml-provider/')) {
    const prefix = `saml:${provider}:`;
    return uids.filter((u) => u.startsWith(prefix)).map((uid) => ({ uid, subject: uid.slice(prefix.length), context: { 'SAML:sub': uid.slice(prefix.length) } }));
  }
  return [];
}
