import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { verifyCase } from '../integrity/verify';
import { tempDir } from '../../test/helpers/builders';
import { runAccessEval } from '../../fixtures/eval/access-eval';
import { identityAccess } from './identity-access';
import { runDetections } from '../detect/engine';
import { renderReportHtml } from '../report/report-html';
import { graphQuery } from '../api/graph-service';

const ROOT = join(import.meta.dirname, '../..');

describe('granted beside used on a generated estate with truth', () => {
  it('finds exactly the planted trust and escalation edges, who can become an administrator, the grants and the unused actions', async () => {
    const result = await runAccessEval(tempDir(), { seed: 11, roles: 60, policies: 30, users: 4, actors: 40 });
    expect(result.mistakes).toEqual([]);
    expect(result.edges.correct).toBe(result.edges.truth);
    expect(result.reachAdmin.truth).toBeGreaterThanOrEqual(6);
    expect(result.grantedExact).toBe(result.principals);
    expect(result.unusedExact.total).toBeGreaterThan(5);
    expect(result.unusedExact.correct).toBe(result.unusedExact.total);
  }, 120_000);
});

describe('the 02:14 fixture with its IAM snapshots', () => {
  let store: CaseStore;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
    const report = await importBundles(store, [join(ROOT, 'fixtures/incident-0214/iam')]);
    expect(report.status).toBe('complete');
    expect(report.totals.quarantined).toBe(0);
  }, 120_000);
  afterAll(() => store?.close());

  it('keeps each snapshot record as hashed evidence, with exact counts', async () => {
    const kinds = await store.read<{ kind: string; n: number }>(`SELECT kind, count(*)::INTEGER AS n FROM permission_records GROUP BY ALL ORDER BY kind`);
    expect(kinds).toEqual([
      { kind: 'aws.iam-access-keys', n: 1 },
      { kind: 'aws.iam-authorization-details', n: 2 },
      { kind: 'aws.iam-credential-report', n: 4 },
    ]);
    const snapshots = await store.read<{ scope: string | null; principals: number }>(`SELECT scope, principals::INTEGER AS principals FROM access_snapshots WHERE kind = 'aws.iam-authorization-details' ORDER BY scope`);
    // Prod: 3 users, 1 group, 5 roles; staging: 3 roles (as written in the files).
    expect(snapshots).toEqual([{ scope: '111111111111', principals: 9 }, { scope: '222222222222', principals: 3 }]);
    expect((await verifyCase(store)).isValid).toBe(true);
  });

  it("explains the leaked key's blast radius: could have reached, did reach", async () => {
    const access = await identityAccess(store, 'AKIAQ3EGRH6QLEGACY01');
    expect(access.uid).toBe('arn:aws:iam::111111111111:user/svc-legacy-backup');
    const names = access.reach.map((r) => r.name);
    expect(names).toContain('backend-svc');
    expect(names).toContain('ops-automation');
    const admin = access.reach.find((r) => r.uid === 'aws-admin:111111111111');
    expect(admin?.path.map((s) => s.method)).toEqual(['sts:AssumeRole', 'iam:PassRole+lambda', 'administrator']);
    const could = access.couldReach.map((c) => c.resource);
    expect(could).toContain('arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/backend/db');
    expect(could).toContain('arn:aws:s3:::acme-prod-data');
    // Identity policies do not reach another account's resources.
    expect(could.filter((r) => r.includes(':222222222222:'))).toEqual([]);
    const did = access.didReach.map((d) => d.resource);
    expect(did).toContain('arn:aws:s3:::exfil-drop-7731');
    expect(did).toContain('arn:aws:s3:::acme-prod-data');
    expect(access.summary).toMatch(/Could have reached \d+ of the case's resources.*did reach \d+/);
    expect(access.keys[0]).toMatchObject({ keyId: 'AKIAQ3EGRH6QLEGACY01', active: true, ageDays: 834 });
    expect(access.unused).toEqual(['s3:GetObject']);
    // The key was used from its usual host and from the attacker's address: one key, two holders.
    expect(access.findings.map((f) => [f.rule, f.severity])).toEqual([['escalation-to-admin', 'critical'], ['shared-key', 'high'], ['old-key', 'medium']]);
    // Every step cites its snapshot record, whose hash is the one taken at import.
    const [rec] = await store.read<{ sha: string }>(`SELECT lower(hex(record_sha256)) AS sha FROM permission_records WHERE kind = 'aws.iam-authorization-details' AND evidence_id = $e`, { e: admin!.path[0]!.cite.evidenceId });
    expect(admin!.path[0]!.cite.sha256).toBe(rec!.sha);
  });

  it('joins the CI workflow of the logs (an OIDC subject) to the deploy roles that trust it, in both accounts', async () => {
    const workflow = 'web-identity:token.actions.githubusercontent.com:repo:acme/platform:ref:refs/heads/main';
    const access = await identityAccess(store, workflow);
    expect(access.principal).toBeNull();
    const roles = access.reach.filter((r) => r.path.length === 1).map((r) => r.uid).sort();
    expect(roles).toEqual(['arn:aws:iam::111111111111:role/gha-deploy', 'arn:aws:iam::222222222222:role/gha-deploy']);
    // Its subject satisfies the trust's sub condition; the audience is not in the logs: conditional, and said so.
    expect(access.reach.find((r) => r.path.length === 1)!.path[0]).toMatchObject({ method: 'sts:AssumeRoleWithWebIdentity', conditional: true });
    expect(access.summary).toMatch(/^No permissions of its own in the snapshots; through trust it can become \d+ identit/);
  });

  it('reports old, idle and orphaned keys, and identities reaching two accounts', async () => {
    const findings = await store.read<{ rule: string; principal_uid: string }>(`SELECT rule, principal_uid FROM access_findings ORDER BY rule, principal_uid`);
    const of = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.principal_uid.split('/').pop());
    expect(of('old-key')).toEqual(['deploy-bot-old', 'svc-legacy-backup']);
    expect(of('unused-key')).toEqual(['deploy-bot-old']);
    expect(of('orphaned-key')).toEqual(['deploy-bot-old']);
    expect(of('multi-account-reach')).toEqual(['staging-worker']);
    expect(of('machine-admin')).toContain('ops-automation');
    // The SSO administrator role is a person's, not a machine's.
    expect(of('machine-admin').filter((n) => n?.startsWith('AWSReservedSSO'))).toEqual([]);
  });

  it("draws in the graph who each identity can become and what it could reach beside what it did", async () => {
    const graph = await graphQuery(store, {}, { layers: ['permissions'], maxNodes: 500 });
    const could = graph.edges.filter((e) => e.kind === 'could-reach' && e.source === 'arn:aws:iam::111111111111:role/backend-svc').map((e) => e.target);
    const did = graph.edges.filter((e) => e.kind === 'access' && e.source === 'arn:aws:iam::111111111111:role/backend-svc').map((e) => e.target);
    expect(did).toContain('arn:aws:s3:::acme-prod-data');
    // Never both: a resource it touched is drawn as done, not as possible.
    expect(could.filter((r) => did.includes(r))).toEqual([]);
    expect(could).toContain('arn:aws:s3:::acme-prod-reports');
    const become = graph.edges.filter((e) => e.kind === 'can-become').map((e) => `${e.source.split('/').pop()} -> ${e.target.split('/').pop()} ${e.operations[0]}`);
    expect(become).toContain('backend-svc -> ops-automation iam:PassRole+lambda');
    expect(graph.nodes.find((n) => n.id === 'arn:aws:iam::111111111111:role/ops-automation')?.label).toBe('ops-automation');
  });

  it("puts the snapshots, the incident origin's blast radius and the findings in the report, each citing its record", async () => {
    await runDetections(store);
    const html = await renderReportHtml(store);
    const section = html.slice(html.indexOf('<h2>Granted beside used</h2>'), html.indexOf('<h2>Top flows'));
    expect(section).toContain('111111111111-authorization-details.json');
    expect(section).toContain('111111111111-credential-report.csv');
    expect(section).toMatch(/<h3>svc-legacy-backup <span class="meta">arn:aws:iam::111111111111:user\/svc-legacy-backup<\/span><\/h3>/);
    expect(section).toMatch(/Could have reached \d+ of the case&#39;s resources|Could have reached \d+ of the case's resources/);
    expect(section).toContain('backend-svc can create a Lambda function running as ops-automation (iam:PassRole) and invoke it');
    expect(section).toMatch(/arn:aws:s3:::acme-prod-data<\/td><td>backend-svc<\/td><td class="wrap">[^<]*<\/td><td><b>yes<\/b>/);
    // The outside bucket is another account's: reached, beyond what prod's grants explain.
    expect(section).toMatch(/beyond what the grants in its own account explain[\s\S]*arn:aws:s3:::exfil-drop-7731<\/td><td>140<\/td>/);
    expect(section).toContain('svc-legacy-backup can escalate to administrator');
  });

  it('verify catches an edited access row (a grant made to look smaller)', async () => {
    await store.run(`UPDATE access_principals SET is_admin = false WHERE name = 'ops-automation'`);
    const report = await verifyCase(store, { sources: false });
    expect(report.isValid).toBe(false);
    expect(report.access.problems.join('\n')).toContain('access_principals: 1 row(s) not derivable');
    await store.run(`UPDATE access_principals SET is_admin = true WHERE name = 'ops-automation'`);
    const again = await verifyCase(store, { sources: false });
    expect(again.access.problems).toEqual([]);
    expect(again.access.checked).toBeGreaterThan(50);
  });

  // Last: it changes the case.
  it('verify catches a changed snapshot record', async () => {
    await store.run(`UPDATE permission_records SET raw = replace(raw, 'sts:AssumeRole', 'sts:AssumeRol*') WHERE kind = 'aws.iam-authorization-details'`);
    const report = await verifyCase(store);
    expect(report.isValid).toBe(false);
    expect(report.records.some((r) => r.problem === 'raw_edited' && r.detail.includes('aws.iam-authorization-details'))).toBe(true);
  });
});

describe('bad or partial snapshots', () => {
  it('quarantines broken JSON, and reads what it can of a partial snapshot, naming what it could not', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken-authorization-details.json'), '{"UserDetailList": [ {"UserName": "x", ');
    writeFileSync(
      join(dir, 'partial-authorization-details.json'),
      JSON.stringify({
        UserDetailList: [{ UserName: 'bot', Arn: 'arn:aws:iam::333333333333:user/bot', UserPolicyList: [{ PolicyName: 'odd', PolicyDocument: { Statement: [{ Effect: 'Permit', Action: '*' }] } }], AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::333333333333:policy/gone' }] }],
        RoleDetailList: [{ RoleName: 'r', Arn: 'arn:aws:iam::333333333333:role/r', RolePolicyList: [{ PolicyName: 'ok', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } }] }],
        GroupDetailList: [],
        Policies: [],
      }),
    );
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [dir]);
      expect(report.totals.quarantined).toBe(1);
      const [q] = await store.read<{ reason: string }>(`SELECT reason FROM quarantine`);
      expect(q!.reason).toMatch(/json|truncated|malformed/i);
      const [snap] = await store.read<{ problems: string[] }>(`SELECT problems FROM access_snapshots`);
      expect(snap!.problems.join('\n')).toContain('Effect "Permit"');
      expect(snap!.problems.join('\n')).toContain('arn:aws:iam::333333333333:policy/gone is attached but not in the snapshot');
      const [role] = await store.read<{ granted: number }>(`SELECT granted::INTEGER AS granted FROM access_principals WHERE name = 'r'`);
      expect(role!.granted).toBe(1);
    } finally {
      store.close();
    }
  });
});

describe('service control policies', () => {
  it('limits what an administrator of a governed account can do, and names an SCP it cannot place', async () => {
    const dir = tempDir();
    const account = '444444444444';
    writeFileSync(
      join(dir, 'authorization-details.json'),
      JSON.stringify({
        UserDetailList: [],
        GroupDetailList: [],
        RoleDetailList: [
          { RoleName: 'automation', Arn: `arn:aws:iam::${account}:role/automation`, AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, AttachedManagedPolicies: [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }], RolePolicyList: [] },
        ],
        Policies: [],
      }),
    );
    const scp = (name: string, content: unknown, targets: unknown[]) => ({ Policy: { PolicySummary: { Id: `p-${name}`, Name: name, Type: 'SERVICE_CONTROL_POLICY', Arn: `arn:aws:organizations::999999999999:policy/o-x/service_control_policy/p-${name}` }, Content: JSON.stringify(content) }, Targets: targets });
    writeFileSync(join(dir, 'scp-full.json'), JSON.stringify(scp('FullAWSAccess', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, [{ TargetId: 'r-root', Type: 'ROOT', Name: 'Root' }])));
    writeFileSync(join(dir, 'scp-no-iam.json'), JSON.stringify(scp('DenyIam', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:*', Resource: '*' }] }, [{ TargetId: account, Type: 'ACCOUNT', Name: 'prod' }])));
    writeFileSync(join(dir, 'scp-ou.json'), JSON.stringify(scp('OuOnly', { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] }, [{ TargetId: 'ou-ab12-cdef', Type: 'ORGANIZATIONAL_UNIT', Name: 'Workloads' }])));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [dir]);
      const [role] = await store.read<{ is_admin: boolean; granted: number }>(`SELECT is_admin, granted::INTEGER AS granted FROM access_principals WHERE name = 'automation'`);
      // Every action but IAM's: not an administrator, and no escalation by writing its own policy.
      expect(role!.is_admin).toBe(false);
      const access = await identityAccess(store, `arn:aws:iam::${account}:role/automation`);
      expect(access.grantedActions.some((a) => a.action.startsWith('iam:'))).toBe(false);
      expect(access.grantedActions.some((a) => a.action === 's3:GetObject')).toBe(true);
      expect(access.reach.filter((r) => r.uid.startsWith('aws-admin:'))).toEqual([]);
      const problems = (await store.read<{ p: string }>(`SELECT unnest(problems) AS p FROM access_snapshots WHERE kind = 'aws.organizations-policy'`)).map((r) => r.p);
      expect(problems).toEqual(['SCP OuOnly: attached to ORGANIZATIONAL_UNIT ou-ab12-cdef, whose accounts are not in the evidence: not applied there']);
    } finally {
      store.close();
    }
  });
});
