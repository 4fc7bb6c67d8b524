import { describe, expect, it } from 'vitest';
import { actionCatalog } from './aws-actions';
import { edgesOf, grantOf } from './aws-access';
import { type AwsPrincipal, readAuthorizationDetails } from './aws-estate';
import { parsePolicy } from './aws-policy';

const role = (name: string, trust: unknown): AwsPrincipal => ({
  arn: `arn:aws:iam::111122223333:role/${name}`,
  kind: 'role',
  name,
  account: '111122223333',
  createdAt: null,
  lastUsedAt: null,
  groups: [],
  policies: [],
  boundary: null,
  trust: parsePolicy(trust),
  instanceProfiles: [],
  pointer: '',
});

describe('trust of federated identities', () => {
  it('lets in the OIDC subjects its condition admits, and no other', async () => {
    const catalog = await actionCatalog();
    const deploy = role('deploy', {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:ref:refs/heads/main' } },
        },
      ],
    });
    const main = 'web-identity:token.actions.githubusercontent.com:repo:acme/app:ref:refs/heads/main';
    const branch = 'web-identity:token.actions.githubusercontent.com:repo:acme/app:ref:refs/heads/feature';
    const fork = 'web-identity:token.actions.githubusercontent.com:repo:someone/app:ref:refs/heads/main';
    const edges = edgesOf(catalog, [grantOf(catalog, deploy)], [main, branch, fork]);
    const from = edges.filter((e) => e.from.startsWith('web-identity:')).map((e) => [e.from, e.conditional]);
    // Every key of its condition is known from the subject: decided, not conditional.
    expect(from).toEqual([[main, false]]);
  });

  it('lets in a SAML user of the trusted provider, and nobody of another provider', async () => {
    const catalog = await actionCatalog();
    const provider = 'arn:aws:iam::111122223333:saml-provider/Corp';
    const admin = role('sso-admin', { Statement: [{ Effect: 'Allow', Principal: { Federated: provider }, Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'] }] });
    const edges = edgesOf(catalog, [grantOf(catalog, admin)], [`saml:${provider}:dana@example.com`, 'saml:arn:aws:iam::111122223333:saml-provider/Other:eve@example.com']);
    expect(edges.filter((e) => e.from.startsWith('saml:')).map((e) => e.from)).toEqual([`saml:${provider}:dana@example.com`]);
  });
});

describe('privilege escalation by policy rollback', () => {
  // The shape of CloudGoat's iam_privesc_by_rollback scenario: a user holds a managed policy whose
  // default version only reads IAM and may set the default version; an older version allows everything.
  const details = (keptVersion: unknown) => ({
    UserDetailList: [
      {
        UserName: 'raynor',
        Arn: 'arn:aws:iam::111122223333:user/raynor',
        UserPolicyList: [],
        GroupList: [],
        AttachedManagedPolicies: [{ PolicyName: 'raynor-policy', PolicyArn: 'arn:aws:iam::111122223333:policy/raynor-policy' }],
      },
    ],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [
      {
        PolicyName: 'raynor-policy',
        Arn: 'arn:aws:iam::111122223333:policy/raynor-policy',
        DefaultVersionId: 'v1',
        PolicyVersionList: [
          { VersionId: 'v1', IsDefaultVersion: true, Document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:SetDefaultPolicyVersion'], Resource: '*' }] } },
          { VersionId: 'v3', IsDefaultVersion: false, Document: keptVersion },
        ],
      },
    ],
  });

  it('finds the rollback to a kept version that allows everything, and not to one that does not', async () => {
    const catalog = await actionCatalog();
    const escalations = (kept: unknown) =>
      edgesOf(catalog, readAuthorizationDetails(details(kept)).principals.map((p) => grantOf(catalog, p)))
        .filter((e) => e.kind === 'escalate')
        .map((e) => `${e.to} ${e.method}`);
    expect(escalations({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })).toEqual(['aws-admin:111122223333 iam:SetDefaultPolicyVersion']);
    expect(escalations({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] })).toEqual([]);
  });
});
