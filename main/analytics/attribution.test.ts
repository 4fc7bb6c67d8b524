import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionScenario } from '../../fixtures/eval/scenarios';
import type { TruthSet } from '../../fixtures/eval/truth';
import { tempDir } from '../../test/helpers/builders';
import { handleApiCall } from '../api/services';
import { CaseStore } from '../case-store/case-store';
import { SCHEMA_VERSION } from '../case-store/migrations';
import { upgradeCase } from '../case-store/upgrade';
import { downgradeToSchema } from '../../test/helpers/legacy-case';
import { importBundles } from '../ingest/importer';
import { readJournal, verifyJournal } from '../journal/journal';
import { CasePool } from '../api/case-pool';
import { chainForEvent } from './chain';
import { deriveIdentities } from './derive';
import { aliasIdentity } from './links';
import { identityProfile } from './profile';

const CLI = resolve(__dirname, '../../bin/nhi.mjs');

/**
 * The generated attribution scenario (Okta, GitHub, EKS and GKE, two AWS accounts, GCP), imported
 * once: who is one principal across sources, who created a key, what a role never acting is.
 */
describe('attribution across sources', () => {
  let store: CaseStore;
  let casePath: string;
  let truth: TruthSet;
  let closed = false;
  const acct = (uid: string) => uid.match(/^arn:aws:iam::(\d+):/)?.[1];

  beforeAll(async () => {
    const dir = tempDir('nhi-attribution-');
    truth = await attributionScenario(join(dir, 'bundle'));
    casePath = join(dir, 'case.duckdb');
    store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, truth.bundles);
  });
  afterAll(() => {
    if (!closed) store.close();
  });

  it('classifies every account of the truth file, machine or person', async () => {
    const rows = await store.read<{ uid: string; is_nhi: boolean | null }>(`SELECT uid, is_nhi FROM identities`);
    const got = new Map(rows.map((r) => [r.uid, r.is_nhi]));
    const wrong = truth.identities.filter((t) => got.get(t.uid) !== t.isNhi).map((t) => `${t.uid}: ${got.get(t.uid)}`);
    expect(wrong).toEqual([]);
  });

  it('attaches a key made by CreateAccessKey to its owner, with who made it, when, and the creating event', async () => {
    const reporter = truth.identities.find((t) => t.uid.endsWith(':user/svc-report-export'))!.uid;
    const creator = truth.identities.find((t) => t.uid.endsWith(':user/lena'))!.uid;
    const [key] = await store.read<{ owner_uid: string; created_by: string; created_at: string; created_event_uid: string; events: number }>(
      `SELECT owner_uid, created_by, created_at::VARCHAR AS created_at, created_event_uid, events FROM credentials
       WHERE owner_uid = $o`,
      { o: reporter },
    );
    expect(key).toMatchObject({ owner_uid: reporter, created_by: creator });
    expect(key!.created_at).toMatch(/^2026-04-13 11:00/);
    const [creating] = await store.read<{ operation: string; actor_uid: string }>(`SELECT operation, actor_uid FROM events WHERE event_uid = $e`, { e: key!.created_event_uid });
    expect(creating).toEqual({ operation: 'CreateAccessKey', actor_uid: creator });
    const profile = await identityProfile(store, reporter);
    expect(profile!.credentials[0]).toMatchObject({ created_by: creator });
    expect(profile!.credentialCount).toBe(1);
  });

  it('classifies a role that only a service ever assumes after its assumer, and says so', async () => {
    const [role] = await store.read<{ is_nhi: boolean; events: number; reasons: { rule: string }[] }>(
      `SELECT is_nhi, events, reasons FROM identities WHERE uid LIKE '%:role/aws-service-role/%'`,
    );
    expect(role).toMatchObject({ is_nhi: true, events: 0 });
    expect(role!.reasons.map((r) => r.rule)).toContain('assumed_only_by');
  });

  it('keeps two roles of one name in two accounts apart, each traced to the one workflow', async () => {
    const deploys = await store.read<{ uid: string }>(`SELECT uid FROM identities WHERE uid LIKE 'arn:aws:iam::%:role/deploy' ORDER BY uid`);
    expect(deploys.map((d) => acct(d.uid))).toHaveLength(2);
    expect(new Set(deploys.map((d) => acct(d.uid))).size).toBe(2);
    const workflowCalls = truth.chains.filter((c) => c.origin.startsWith('github-workflow:') && c.eventUid && !c.eventUid.startsWith('gcp:'));
    const accounts = new Set<string>();
    for (const c of workflowCalls) {
      const chain = await chainForEvent(store, c.eventUid!);
      const last = chain!.links[chain!.links.length - 1]!;
      expect(last.identity, c.what).toBe(c.origin);
      accounts.add(acct(chain!.links[0]!.identity) ?? '');
    }
    expect(accounts.size).toBe(2);
  });

  it('ends a workflow’s chain at the run that was going and the push before it, branch and pusher named', async () => {
    const calls = truth.chains.filter((c) => c.origin.startsWith('github-workflow:northwind/infra@'));
    const branch = calls.find((c) => c.origin.endsWith('@refs/heads/ci-tweak'))!;
    const chain = await chainForEvent(store, branch.eventUid!);
    expect(chain!.links.at(-1)!.identity).toBe('github-workflow:northwind/infra@refs/heads/ci-tweak');
    expect(chain!.trigger).toMatchObject({ run: { runId: '9900', branch: 'ci-tweak', event: 'push', actor: 'github:jonas-nw' }, push: { actor: 'github:jonas-nw' } });
    expect(chain!.summary).toMatch(/run 9900 \(deploy\) on branch ci-tweak started at .* by a push of github:jonas-nw, after a push by github:jonas-nw/);
    const main = await chainForEvent(store, calls.find((c) => c.origin.endsWith('@refs/heads/main'))!.eventUid!);
    expect(main!.trigger).toMatchObject({ run: { branch: 'main', actor: 'github:priya-nw' } });
    // A chain that does not end at a workflow has no trigger.
    const irsa = await chainForEvent(store, truth.chains.find((c) => c.origin === 'system:serviceaccount:billing:worker')!.eventUid!);
    expect(irsa!.trigger).toBeNull();
  });

  it('makes one person of the accounts that share an email, known through them', async () => {
    const person = await identityProfile(store, 'person:priya@northwind.example');
    expect(person).toMatchObject({ observed: false, isNhi: false, type: 'human', events: 0 });
    expect(person!.linkedAccounts.map((a) => a.uid)).toEqual(['okta:00u-priya', 'priya@northwind.example']);
    // Its profile shows what its accounts did: Kubernetes reads and Okta sign-ins.
    expect(person!.topOperations.map((o) => o.operation)).toEqual(expect.arrayContaining(['get', 'user.session.start']));
    const account = await identityProfile(store, 'priya@northwind.example');
    expect(account!.principal).toMatchObject({ uid: 'person:priya@northwind.example', kind: 'same_person', origin: 'derived' });
    expect(account!.linkedAccounts.map((a) => a.uid)).toEqual(['okta:00u-priya']);
  });

  it('lets the analyst link an account the names do not (journaled, kept across rebuilds) and undo it', async () => {
    // The GitHub login shares no email with the rest: only the analyst can say it is Priya.
    expect((await identityProfile(store, 'github:priya-nw'))!.principal).toBeNull();
    await aliasIdentity(store, { uid: 'github:priya-nw', principal: 'person:priya@northwind.example', reason: 'her GitHub login, per the org admin', analyst: 'ana' });
    await deriveIdentities(store);
    const linked = await identityProfile(store, 'github:priya-nw');
    expect(linked!.principal).toMatchObject({ uid: 'person:priya@northwind.example', kind: 'analyst', origin: 'analyst' });
    expect(linked!.principal!.reason).toContain('her GitHub login');
    const person = await identityProfile(store, 'person:priya@northwind.example');
    expect(person!.linkedAccounts.map((a) => a.uid)).toContain('github:priya-nw');
    const entry = (await readJournal(store)).find((e) => e.action === 'identity_alias' && e.targetId === 'github:priya-nw');
    expect(entry).toMatchObject({ author: 'ana', body: { principal: 'person:priya@northwind.example' } });
    expect((await verifyJournal(store)).ok).toBe(true);

    await aliasIdentity(store, { uid: 'github:priya-nw', principal: null, reason: 'wrong person after all', analyst: 'ana' });
    await deriveIdentities(store);
    expect((await identityProfile(store, 'github:priya-nw'))!.principal).toBeNull();
  });

  it('links through the API and refuses an unknown account or a self-alias with a typed error', async () => {
    store.close();
    closed = true;
    const pool = new CasePool();
    const context = { allowedCases: new Set([casePath]), pool };
    const ok = await handleApiCall('identity.alias', { casePath, uid: 'github:priya-nw', principal: 'person:priya@northwind.example', reason: 'her GitHub login' }, context);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect((ok.value as { principal: { uid: string } }).principal.uid).toBe('person:priya@northwind.example');
    const unknown = await handleApiCall('identity.alias', { casePath, uid: 'nobody', principal: 'person:x@example.com', reason: 'because' }, context);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'case_not_found' } });
    const self = await handleApiCall('identity.alias', { casePath, uid: 'github:priya-nw', principal: 'github:priya-nw', reason: 'because' }, context);
    expect(self).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const noReason = await handleApiCall('identity.alias', { casePath, uid: 'github:priya-nw', principal: 'person:x@example.com', reason: '' }, context);
    expect(noReason).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await pool.closeAll();
  });

  it('links and unlinks from the CLI, and refuses without a reason', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--case', casePath], { encoding: 'utf8' });
    expect(run('alias', 'erik@northwind.example', '--as', 'person:erik@northwind.example').status).toBe(2);
    const linked = run('alias', 'erik@northwind.example', '--as', 'person:erik@northwind.example', '--why', 'his laptop account');
    expect(linked.stderr).toBe('');
    expect(linked.status).toBe(0);
    const profile = run('identity', 'person:erik@northwind.example');
    expect(profile.status).toBe(0);
    expect(profile.stdout).toContain('erik@northwind.example');
    expect(run('alias', 'erik@northwind.example', '--remove', '--why', 'not needed').status).toBe(0);
    expect(run('identity', 'person:erik@northwind.example').status).not.toBe(0);
  });

  it('upgrades a schema-4 case: links, principals and key creators rebuilt from its events, journaled', async () => {
    await downgradeToSchema(casePath, 4);
    const result = await upgradeCase(casePath, 'ana');
    expect(result).toMatchObject({ from: 4, to: SCHEMA_VERSION });
    const upgraded = await CaseStore.open(casePath, { readOnly: true });
    try {
      expect((await identityProfile(upgraded, 'priya@northwind.example'))!.principal).toMatchObject({ uid: 'person:priya@northwind.example' });
      const [key] = await upgraded.read<{ created_by: string | null }>(`SELECT created_by FROM credentials WHERE owner_uid LIKE '%:user/svc-report-export'`);
      expect(key!.created_by).toMatch(/:user\/lena$/);
      const last = (await readJournal(upgraded)).at(-1)!;
      expect(last).toMatchObject({ action: 'case_upgraded', body: { from: 4, note: expect.stringContaining('rebuilt') } });
    } finally {
      upgraded.close();
    }
  });
});
