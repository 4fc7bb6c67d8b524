import { describe, expect, it } from 'vitest';
import { type Decision, type PolicySet, PolicyError, evaluate, parsePolicy, resourceMatches } from './aws-policy';

/**
 * AWS's documented evaluation logic, case by case (IAM User Guide, "Policy evaluation logic"):
 * each row is a policy set, a request and the decision AWS documents for it.
 */

const doc = (...Statement: unknown[]) => parsePolicy({ Version: '2012-10-17', Statement });
const policies = (...docs: ReturnType<typeof doc>[]) => docs.map((document, i) => ({ name: `p${i}`, document }));
const account = 'arn:aws:s3:::';

const cases: { name: string; set: PolicySet; action: string; resource: string; context?: Record<string, string>; expect: Decision }[] = [
  { name: 'no policy: implicit deny', set: { identity: [] }, action: 's3:GetObject', resource: `${account}b/k`, expect: 'implicit-deny' },
  { name: 'exact allow', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${account}b/k` })) }, action: 's3:GetObject', resource: `${account}b/k`, expect: 'allow' },
  { name: 'action names ignore case', set: { identity: policies(doc({ Effect: 'Allow', Action: 'S3:getobject', Resource: '*' })) }, action: 's3:GetObject', resource: `${account}b/k`, expect: 'allow' },
  { name: 'ARNs do not ignore case', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${account}B/*` })) }, action: 's3:GetObject', resource: `${account}b/k`, expect: 'implicit-deny' },
  { name: 'action wildcard', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' })) }, action: 's3:GetObjectAcl', resource: `${account}b/k`, expect: 'allow' },
  { name: 'action ? wildcard is one character', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObjec?', Resource: '*' })) }, action: 's3:GetObjectAcl', resource: `${account}b/k`, expect: 'implicit-deny' },
  { name: 'resource wildcard', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:*', Resource: `${account}b/logs/*` })) }, action: 's3:PutObject', resource: `${account}b/logs/2026/x`, expect: 'allow' },
  { name: 'resource wildcard outside the prefix', set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:*', Resource: `${account}b/logs/*` })) }, action: 's3:PutObject', resource: `${account}b/data/x`, expect: 'implicit-deny' },
  {
    name: 'explicit deny beats allow',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' })) },
    action: 's3:DeleteObject',
    resource: `${account}b/k`,
    expect: 'explicit-deny',
  },
  { name: 'NotAction allows everything else', set: { identity: policies(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })) }, action: 'ec2:RunInstances', resource: '*', expect: 'allow' },
  { name: 'NotAction does not allow what it names', set: { identity: policies(doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })) }, action: 'iam:CreateUser', resource: 'arn:aws:iam::111122223333:user/x', expect: 'implicit-deny' },
  {
    name: 'Deny with NotAction denies everything else',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'], Resource: '*' })) },
    action: 's3:ListBucket',
    resource: `${account}b`,
    expect: 'explicit-deny',
  },
  {
    name: 'NotResource allows every other resource',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:*', NotResource: [`${account}secret`, `${account}secret/*`] })) },
    action: 's3:GetObject',
    resource: `${account}public/k`,
    expect: 'allow',
  },
  {
    name: 'NotResource does not allow the named resource',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:*', NotResource: [`${account}secret`, `${account}secret/*`] })) },
    action: 's3:GetObject',
    resource: `${account}secret/k`,
    expect: 'implicit-deny',
  },
  {
    name: 'a boundary limits what the identity policy allows',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' })), boundary: { name: 'b', document: doc({ Effect: 'Allow', Action: ['s3:*', 'cloudwatch:*'], Resource: '*' }) } },
    action: 'iam:CreateUser',
    resource: 'arn:aws:iam::111122223333:user/x',
    expect: 'implicit-deny',
  },
  {
    name: 'a boundary alone grants nothing',
    set: { identity: [], boundary: { name: 'b', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) } },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    expect: 'implicit-deny',
  },
  {
    name: 'inside the boundary and allowed',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })), boundary: { name: 'b', document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) } },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    expect: 'allow',
  },
  {
    name: 'an SCP that does not allow the service refuses it',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' })), scps: [[{ name: 'scp', document: doc({ Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' }) }]] },
    action: 'iam:CreateUser',
    resource: 'arn:aws:iam::111122223333:user/x',
    expect: 'implicit-deny',
  },
  {
    name: 'every SCP level must allow',
    set: {
      identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
      scps: [[{ name: 'root', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }], [{ name: 'ou', document: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }) }]],
    },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    expect: 'implicit-deny',
  },
  {
    name: 'an SCP deny wins over everything',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' })), scps: [[{ name: 'scp', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'cloudtrail:StopLogging', Resource: '*' }) }]] },
    action: 'cloudtrail:StopLogging',
    resource: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/t',
    expect: 'explicit-deny',
  },
  {
    name: 'an undecidable condition makes the allow conditional',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })) },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    expect: 'conditional',
  },
  {
    name: 'an undecidable condition on a deny makes the allow conditional, not denied',
    set: { identity: policies(doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })) },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    expect: 'conditional',
  },
  {
    name: 'a string condition decided from the context (holds)',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '111122223333' } } })) },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    context: { 'aws:PrincipalAccount': '111122223333' },
    expect: 'allow',
  },
  {
    name: 'a string condition decided from the context (fails)',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': '999999999999' } } })) },
    action: 's3:GetObject',
    resource: `${account}b/k`,
    context: { 'aws:PrincipalAccount': '111122223333' },
    expect: 'implicit-deny',
  },
  {
    name: 'policy variables come from the context',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::111122223333:user/${aws:username}' })) },
    action: 'iam:CreateAccessKey',
    resource: 'arn:aws:iam::111122223333:user/bob',
    context: { 'aws:username': 'bob' },
    expect: 'allow',
  },
  {
    name: 'a policy variable for someone else does not match',
    set: { identity: policies(doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::111122223333:user/${aws:username}' })) },
    action: 'iam:CreateAccessKey',
    resource: 'arn:aws:iam::111122223333:user/alice',
    context: { 'aws:username': 'bob' },
    expect: 'implicit-deny',
  },
];

describe('AWS policy evaluation', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(evaluate(c.set, { action: c.action, resource: c.resource, ...(c.context ? { context: c.context } : {}) }).decision).toBe(c.expect);
    });
  }

  it('matches ARNs segment by segment: a wildcard does not reach across a colon', () => {
    expect(resourceMatches('arn:aws:iam::*:role/deploy', 'arn:aws:iam::111122223333:role/deploy')).toBe(true);
    // A whole-string glob would let `*` in the region swallow the account: segment by segment it cannot.
    expect(resourceMatches('arn:aws:ec2:*:111122223333:*', 'arn:aws:ec2:us-east-1:999999999999:instance/x:111122223333:y')).toBe(false);
    expect(resourceMatches('arn:aws:ec2:us-east-*:111122223333:instance/*', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1')).toBe(true);
    expect(resourceMatches('arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/a/b:c')).toBe(true);
  });

  it('reads single statements, URL-encoded documents, and refuses broken ones with a reason', () => {
    expect(parsePolicy({ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }).statements).toHaveLength(1);
    const encoded = encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }));
    expect(parsePolicy(encoded).statements[0]!.effect).toBe('Deny');
    expect(() => parsePolicy({ Statement: [{ Effect: 'Permit', Action: '*' }] })).toThrow(PolicyError);
    expect(() => parsePolicy({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toThrow(/neither Action nor NotAction/);
    expect(() => parsePolicy('{not json')).toThrow(/not valid JSON/);
  });
});
