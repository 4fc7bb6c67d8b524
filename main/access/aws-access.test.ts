import { describe, expect, it } from 'vitest';
import { actionCatalog } from './aws-actions';
import { edgesOf, grantOf } from './aws-access';
import type { AwsPrincipal } from './aws-estate';
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
