import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import { ctRecord, envelope, tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { deriveIdentities } from '../analytics/derive';
import { overrideIdentity } from '../analytics/profile';
import { importBundles } from '../ingest/importer';
import { appendJournal } from '../journal/journal';
import { renderReportHtml } from '../report/report-html';
import { type StoredFinding, listFindings, runDetections } from './engine';
import { EVIDENCE_CAP } from './builtin-rules';
import { listIncidents } from './incidents';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'fixtures/incident-0214');
const truth = JSON.parse(readFileSync(join(FIXTURE, 'ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;
const CLI = join(ROOT, 'bin/nhi.mjs');

describe('built-in detections on the 02:14 incident', () => {
  let store: CaseStore;
  let casePath: string;
  let findings: StoredFinding[];

  beforeAll(async () => {
    casePath = join(tempDir(), 'incident.duckdb');
    store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(FIXTURE, 'bundle.zip')]);
    await runDetections(store);
    findings = await listFindings(store);
  });
  afterAll(() => store?.close());

  it('puts the exfiltration first: the right identity, window and evidence', () => {
    const top = findings[0]!;
    expect(top).toMatchObject({ ruleId: 'external-boundary-write', severity: 'critical', identityUid: incident.role_uid, eventCount: incident.objects_copied, bytes: incident.bytes_copied, bytesWritten: incident.bytes_copied, bytesRead: 0 });
    expect(top.windowStart >= incident.exfiltration_start && top.windowEnd <= incident.end.replace('Z', '.000000Z')).toBe(true);
    expect(new Set(top.evidence)).toEqual(new Set(incident.event_ids.exfiltration_put));
    expect(top.explanation).toContain(incident.destination_bucket);
    expect(top.explanation).toContain(incident.destination_account);
  });

  it('finds the other planted behaviours: the transfer, the dormant key, the 02:00 activity, the new operations', () => {
    const by = (rule: string) => findings.filter((f) => f.ruleId === rule);
    const transfer = by('large-transfer');
    expect(transfer).toHaveLength(1);
    expect(transfer[0]!.identityUid).toBe(incident.role_uid);
    // A copy is read once and written once: the data moved is the copy's size, not twice it.
    expect(transfer[0]).toMatchObject({ bytesWritten: incident.bytes_copied });
    expect(transfer[0]!.bytesRead).toBeGreaterThanOrEqual(incident.bytes_copied);
    expect(transfer[0]!.bytes).toBe(Math.max(transfer[0]!.bytesRead!, incident.bytes_copied));
    expect(transfer[0]!.bytes).toBeLessThan(incident.bytes_copied * 1.01);
    expect(transfer[0]!.explanation).toMatch(/^13\.9 GB moved \(13\.9 GB read, 13\.9 GB written: a copy counts once\)/);
    expect(transfer[0]!.evidence).toEqual(expect.arrayContaining([...incident.event_ids.exfiltration_get, ...incident.event_ids.exfiltration_put]));
    const dormant = by('dormant-key-used');
    expect(dormant).toHaveLength(1);
    expect(dormant[0]).toMatchObject({ identityUid: incident.key_owner_uid });
    expect(dormant[0]!.explanation).toContain(incident.access_key);
    expect(dormant[0]!.explanation).toContain('28 days');
    expect(dormant[0]!.evidence).toEqual(expect.arrayContaining([...incident.event_ids.recon, incident.event_ids.assume_role]));
    expect(by('off-hours').map((f) => f.identityUid)).toEqual([incident.role_uid]);
    expect(by('first-seen-operation')[0]!.evidence).toEqual(incident.event_ids.staging);
    // The AccessDenied noise stays below the burst threshold: no denied-burst finding.
    expect(by('denied-burst')).toHaveLength(0);
  });

  it('tells the attack as one incident: entry to exfiltration, its origin, keys, networks, data moved, ranked first', async () => {
    const incidents = await listIncidents(store);
    expect(incidents).toHaveLength(1);
    const [inc] = incidents;
    expect(inc).toMatchObject({ severity: 'critical', origin: incident.key_owner_uid, bytes: expect.any(Number) });
    expect(inc!.identities.sort()).toEqual([incident.key_owner_uid, incident.role_uid].sort());
    expect(inc!.stages[0]).toBe('entry');
    expect(inc!.stages.at(-1)).toBe('exfiltration');
    expect(inc!.credentials).toEqual(expect.arrayContaining([incident.access_key]));
    expect(inc!.networks).toContain(`${incident.source_ip.split('.').slice(0, 3).join('.')}.0/24`);
    expect(inc!.resources).toEqual(expect.arrayContaining([`arn:aws:s3:::${incident.destination_bucket}`]));
    expect(inc!.windowStart >= '2026-02-14T02:00:00Z' && inc!.windowEnd <= incident.end).toBe(true);
    // The story runs from the dormant key to the copy; every finding at medium or above is in it.
    expect(inc!.story[0]!.identity).toBe(incident.key_owner_uid);
    expect(inc!.story.at(-1)!.title).toBe('Data written to an external boundary');
    const serious = findings.filter((f) => ['medium', 'high', 'critical'].includes(f.severity)).map((f) => f.findingId);
    expect(inc!.story.map((x) => x.findingId)).toEqual(expect.arrayContaining(serious));
    // One scale: the incident scores at least as high as its best finding, and findings in it outrank lone ones of their severity.
    expect(inc!.score).toBeGreaterThanOrEqual(Math.max(...findings.map((f) => f.score)));
    expect(findings.every((f) => f.score >= 0 && f.score <= 100)).toBe(true);
  });

  it('sees the way in: the key and the role used from a network they never used; CI runners hopping networks do not count', () => {
    const fresh = findings.filter((f) => f.ruleId === 'new-network');
    expect(fresh.filter((f) => f.severity === 'high').map((f) => f.identityUid).sort()).toEqual([incident.key_owner_uid, incident.role_uid].sort());
    for (const f of fresh.filter((x) => x.severity === 'high')) expect(f.explanation).toContain(`${incident.source_ip.split('.').slice(0, 3).join('.')}.0/24`);
    // gha-deploy's runners come from a new /24 every night: that is its nature, not news.
    expect(fresh.filter((f) => f.identityUid?.endsWith(':role/gha-deploy') && f.severity !== 'low')).toEqual([]);
    // Every finding at medium or above is part of the attack.
    const attack = new Set([incident.role_uid, incident.key_owner_uid]);
    expect(findings.filter((f) => ['medium', 'high', 'critical'].includes(f.severity)).filter((f) => !attack.has(f.identityUid ?? ''))).toEqual([]);
  });

  it('keeps finding ids across runs and replaces, never duplicates, a rule’s findings', async () => {
    const again = await runDetections(store);
    const after = await listFindings(store);
    expect(after.map((f) => f.findingId)).toEqual(findings.map((f) => f.findingId));
    expect(again.findings).toBe(findings.length);
  });

  it('applies threshold overrides: a lower denied-burst threshold turns the noise into findings', async () => {
    await runDetections(store, { only: ['denied-burst'], thresholds: { 'denied-burst': { min_failures: 1 } } });
    const bursts = (await listFindings(store)).filter((f) => f.ruleId === 'denied-burst');
    expect(bursts.length).toBeGreaterThan(0);
    await runDetections(store, { only: ['denied-burst'] });
    expect((await listFindings(store)).filter((f) => f.ruleId === 'denied-burst')).toHaveLength(0);
  });

  it('mutes a rule on the analyst’s word: its findings stay, flagged, and the report names the muting', async () => {
    await appendJournal(store, { author: 'kim', action: 'rule_muted', targetKind: 'rule', targetId: 'privilege-change', body: { text: 'carol tests CreateRole in staging every day' } });
    const all = await listFindings(store);
    expect(all.filter((f) => f.ruleId === 'privilege-change').every((f) => f.muted)).toBe(true);
    expect(all.filter((f) => f.ruleId !== 'privilege-change').some((f) => f.muted)).toBe(false);
    const html = await renderReportHtml(store);
    expect(html).toContain('Muted rules');
    expect(html).toContain('carol tests CreateRole in staging every day');
    expect(html.slice(html.indexOf('<h2>Findings</h2>'), html.indexOf('Muted rules'))).not.toContain('Privilege or credential change');
    await appendJournal(store, { author: 'kim', action: 'rule_unmuted', targetKind: 'rule', targetId: 'privilege-change' });
    expect((await listFindings(store)).some((f) => f.muted)).toBe(false);
    await appendJournal(store, { author: 'kim', action: 'rule_muted', targetKind: 'rule', targetId: 'privilege-change', body: { text: 'noise' } });
  });

  it('runs from the command line, ranked, as JSON', () => {
    store.close();
    const run = spawnSync(process.execPath, [CLI, 'detect', '--case', casePath, '--json'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { findings: StoredFinding[]; rules: { id: string; error: string | null }[] };
    expect(out.findings[0]!.ruleId).toBe('external-boundary-write');
    expect(out.rules.every((r) => r.error === null)).toBe(true);
    const table = spawnSync(process.execPath, [CLI, 'detect', '--case', casePath], { encoding: 'utf8' });
    expect(table.stdout).toMatch(/\(16 of muted rules not listed\)/);
    expect(table.stdout).not.toContain('privilege-change');
    const bad = spawnSync(process.execPath, [CLI, 'detect', '--case', casePath, '--threshold', 'large-transfer.nope=1'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('large-transfer has no threshold nope');
  });
});

describe('built-in detections on small made-up cases', () => {
  it('fire on secret reads, privilege changes, denied bursts and a machine signing in to the console, and not on plain reads', async () => {
    const dir = tempDir();
    const machine = (n: number, overrides: Record<string, unknown>) => ctRecord(n, { readOnly: false, eventCategory: 'Management', resources: [], requestParameters: {}, ...overrides });
    const recs = [
      // Plain S3 reads: nothing to report.
      ...Array.from({ length: 20 }, (_, i) => ctRecord(i)),
      machine(100, { eventSource: 'secretsmanager.amazonaws.com', eventName: 'GetSecretValue', requestParameters: { secretId: 'prod/db' }, resources: [{ type: 'AWS::SecretsManager::Secret', ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db' }] }),
      machine(101, { eventSource: 'iam.amazonaws.com', eventName: 'CreateAccessKey', requestParameters: { userName: 'deploy' } }),
      ...Array.from({ length: 12 }, (_, i) => machine(200 + i, { eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', errorCode: 'AccessDenied', errorMessage: 'not authorized' })),
      machine(300, { eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', eventType: 'AwsConsoleSignIn', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' }),
    ];
    writeFileSync(join(dir, 'trail.json'), envelope(recs));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.json')]);
      // One console sign-in makes the classifier call backend-svc a person; the analyst knows it is a workload.
      expect((await store.read<{ is_nhi: boolean }>(`SELECT is_nhi FROM identities WHERE uid LIKE '%role/backend-svc'`))[0]!.is_nhi).toBe(false);
      await overrideIdentity(store, { uid: 'arn:aws:iam::111111111111:role/backend-svc', isNhi: true, type: 'workload', reason: 'the backend service', analyst: 'test' });
      await deriveIdentities(store);
      const report = await runDetections(store);
      expect(report.rules.filter((r) => r.error)).toEqual([]);
      const found = await listFindings(store);
      const rules = new Set(found.map((f) => f.ruleId));
      // The console sign-in gave the session's credential a second user agent: shared, rightly.
      expect(rules).toEqual(new Set(['secret-read', 'cloud-credential-added', 'denied-burst', 'machine-acting-human', 'shared-credential']));
      expect(found.find((f) => f.ruleId === 'denied-burst')!.eventCount).toBe(12);
      expect(found.find((f) => f.ruleId === 'cloud-credential-added')).toMatchObject({ severity: 'high', eventCount: 1 });
      // The plain reads are evidence only of the credential they share with the console sign-in.
      const evidence = new Set(found.filter((f) => f.ruleId !== 'shared-credential').flatMap((f) => f.evidence));
      expect(Array.from({ length: 20 }, (_, i) => ctRecord(i).eventID as string).some((id) => evidence.has(id))).toBe(false);
    } finally {
      store.close();
    }
  });
});

describe('the false alarms a responder saw, each gone', () => {
  const kube = (n: number, user: string, verb: string, objectRef: Record<string, string>, at = Date.UTC(2026, 4, 4, 9, 0, 0) + n * 60_000) => ({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${n}`, stage: 'ResponseComplete', verb, requestURI: '/apis/x',
    user: { username: user, groups: ['system:serviceaccounts'] }, sourceIPs: ['10.8.0.12'], userAgent: 'kube-controller-manager/v1.29.1 (linux/amd64) kubernetes/bc401b9',
    objectRef, responseStatus: { metadata: {}, code: 200 }, requestReceivedTimestamp: new Date(at).toISOString(), stageTimestamp: new Date(at + 20).toISOString(),
  });

  async function detect(files: Record<string, string>) {
    const dir = tempDir();
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, Object.keys(files).map((f) => join(dir, f)));
      const report = await runDetections(store);
      expect(report.rules.filter((r) => r.error)).toEqual([]);
      return { findings: await listFindings(store), stale: await store.read<{ uid: string; stale: boolean }>(`SELECT uid, stale FROM identities ORDER BY uid`) };
    } finally {
      store.close();
    }
  }

  it('takes a namespace of the cluster for the cluster, and reads Kubernetes secrets and role bindings', async () => {
    const lines = [
      // Lease renewals and rollouts in the cluster's own namespaces: nothing leaves the case.
      ...Array.from({ length: 30 }, (_, i) => kube(i, 'system:serviceaccount:kube-system:leader-elector', 'update', { resource: 'leases', namespace: 'kube-system', name: 'lock', apiGroup: 'coordination.k8s.io' })),
      ...Array.from({ length: 10 }, (_, i) => kube(100 + i, 'system:serviceaccount:kube-system:deployment-controller', 'patch', { resource: 'deployments', namespace: 'shop', name: 'web', apiGroup: 'apps' })),
      // A CI service account reads a secret of another namespace and binds itself cluster-admin.
      kube(200, 'system:serviceaccount:ci:deployer', 'get', { resource: 'secrets', namespace: 'payments', name: 'db-password' }),
      kube(201, 'system:serviceaccount:ci:deployer', 'create', { resource: 'clusterrolebindings', name: 'ci-admin', apiGroup: 'rbac.authorization.k8s.io' }),
    ];
    const { findings } = await detect({ 'audit.log': lines.map((l) => JSON.stringify(l)).join('\n') });
    const rules = findings.map((f) => `${f.ruleId} ${f.identityUid}`);
    expect(rules.filter((r) => r.startsWith('external-boundary-write'))).toEqual([]);
    expect(rules).toContain('secret-read system:serviceaccount:ci:deployer');
    expect(rules).toContain('privilege-change system:serviceaccount:ci:deployer');
  });

  it('does not call a key shared for the next address of its subnet or a CLI upgrade, and says why when it is', async () => {
    const key = (n: number, id: string, ip: string, ua: string) =>
      ctRecord(n, { userIdentity: { type: 'IAMUser', principalId: 'AIDAX', arn: 'arn:aws:iam::111111111111:user/etl', accountId: '111111111111', accessKeyId: id, userName: 'etl' }, sourceIPAddress: ip, userAgent: ua });
    const recs = [
      key(1, 'AKIAQUIET00000000001', '10.0.4.5', 'aws-cli/2.15.1 Python/3.11.6 Linux/5.10 exe/x86_64.amzn.2'),
      key(2, 'AKIAQUIET00000000001', '10.0.4.9', 'aws-cli/2.15.30 Python/3.11.8 Linux/5.10 exe/x86_64.amzn.2'),
      key(3, 'AKIALOUD000000000002', '10.0.4.5', 'aws-cli/2.15.30 Python/3.11.8 Linux/5.10 exe/x86_64.amzn.2'),
      key(4, 'AKIALOUD000000000002', '198.51.100.7', 'aws-cli/2.15.30 Python/3.11.8 Linux/5.10 exe/x86_64.amzn.2'),
    ];
    const { findings } = await detect({ 'trail.json': envelope(recs) });
    const shared = findings.filter((f) => f.ruleId === 'shared-credential');
    expect(shared).toHaveLength(1);
    expect(shared[0]!.explanation).toBe('Credential AKIALOUD000000000002 was used from 2 networks (10.0.4.0/24, 198.51.100.0/24).');
  });

  it('does not call a role stale whose calls failed minutes before the case ends', async () => {
    const role = (at: number, errorCode?: string) =>
      ctRecord(0, { eventTime: new Date(at).toISOString(), eventID: `e-${at}-${errorCode ?? 'ok'}`, ...(errorCode ? { errorCode, errorMessage: 'denied' } : {}) });
    const end = Date.UTC(2026, 4, 20, 0, 5);
    const other = (at: number) => ctRecord(1, { eventTime: new Date(at).toISOString(), eventID: `o-${at}`, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/ops', accountId: '111111111111', accessKeyId: 'AKIAOPS0000000000001', userName: 'ops' } });
    // backend-svc last succeeded 40 days before the end; its calls failed at 23:55, ten minutes before it.
    const recs = [role(end - 40 * 86_400_000), role(end - 10 * 60_000, 'AccessDenied'), role(end - 9 * 60_000, 'AccessDenied'), other(end)];
    const { stale } = await detect({ 'trail.json': envelope(recs) });
    expect(stale.find((s) => s.uid.endsWith('role/backend-svc'))).toMatchObject({ stale: false });
  });
});

describe('baselines on short histories', () => {
  const roleCall = (role: string, at: number, n: number) =>
    ctRecord(n, {
      eventTime: new Date(at).toISOString(),
      eventID: `${role}-${at}-${n}`,
      userIdentity: {
        type: 'AssumedRole', arn: `arn:aws:sts::111111111111:assumed-role/${role}/i-1`, accountId: '111111111111', accessKeyId: `ASIA${role.toUpperCase().replace(/[^A-Z]/g, '').padEnd(12, 'X')}`,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111111111111:role/${role}`, accountId: '111111111111', userName: role } },
      },
    });

  it('judges an identity too new for a baseline against its peers, and says whose baseline it used', async () => {
    const day0 = Date.UTC(2026, 5, 1);
    const recs: object[] = [];
    let n = 0;
    // Two workers of one account, busy 09:00-17:00 every day for twelve days.
    for (const role of ['worker-a', 'worker-b']) for (let d = 0; d < 12; d++) for (let h = 9; h < 17; h++) recs.push(roleCall(role, day0 + d * 86_400_000 + h * 3_600_000 + 120_000, n++));
    // A third worker of the same kind appears on the last day, at 02:00.
    for (let i = 0; i < 6; i++) recs.push(roleCall('worker-new', day0 + 11 * 86_400_000 + 2 * 3_600_000 + i * 60_000, n++));
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope(recs));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.json')]);
      const report = await runDetections(store, { only: ['off-hours'] });
      const found = (await listFindings(store)).filter((f) => f.ruleId === 'off-hours');
      expect(found.map((f) => f.identityUid)).toEqual(['arn:aws:iam::111111111111:role/worker-new']);
      expect(found[0]!.explanation).toBe('6 events at 02:00 UTC; during the baseline its 2 peer(s) (same kind and boundary; its own baseline is too short) were active only at 09, 10, 11, 12, 13, 14, 15, 16 UTC.');
      expect(report.rules[0]!.coverage).toMatchObject({ judged: 3, total: 3, byPeers: 1, note: null });
    } finally {
      store.close();
    }
  });

  it('says so when the case is too short for any baseline, instead of finding nothing silently', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope(Array.from({ length: 10 }, (_, i) => ctRecord(i))));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.json')]);
      const report = await runDetections(store, { only: ['off-hours', 'first-seen-operation'] });
      for (const r of report.rules) expect(r.coverage, r.id).toMatchObject({ judged: 0, note: expect.stringContaining('no baseline, nothing judged') });
    } finally {
      store.close();
    }
  });
});

describe('session keys replayed from elsewhere', () => {
  it('raises a key used where it was issued and from a public network, and leaves two private networks to shared-credential', async () => {
    const use = (n: number, key: string, ip: string) =>
      ctRecord(n, { sourceIPAddress: ip, eventID: `r-${n}`, userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/web/i-1', accountId: '111111111111', accessKeyId: key,
        sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111111111111:role/web', accountId: '111111111111', userName: 'web' } } } });
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope([
      use(1, 'ASIAREPLAYED00000001', '10.0.1.5'), use(2, 'ASIAREPLAYED00000001', '10.0.1.5'), use(3, 'ASIAREPLAYED00000001', '203.0.113.50'),
      use(4, 'ASIAINSIDE0000000002', '10.0.1.5'), use(5, 'ASIAINSIDE0000000002', '10.0.2.9'),
    ]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.json')]);
      await runDetections(store, { only: ['token-replay', 'shared-credential'] });
      const found = await listFindings(store);
      expect(found.map((f) => [f.ruleId, f.severity, f.eventCount])).toEqual([['token-replay', 'high', 3], ['shared-credential', 'medium', 2]]);
      expect(found[0]!.explanation).toBe('Session key ASIAREPLAYED00000001 (arn:aws:sts::111111111111:assumed-role/web/i-1) was used from 2 networks: 10.0.1.0/24, 203.0.113.0/24.');
    } finally {
      store.close();
    }
  });
});

describe('evidence of long findings', () => {
  it('keeps the telling events when a finding has more than the cap: rarest network and operation first', async () => {
    const use = (n: number, ip: string, eventName = 'GetObject') =>
      ctRecord(n, { eventName, sourceIPAddress: ip, eventID: `k-${n}`, eventTime: new Date(Date.UTC(2026, 3, 1) + n * 3_600_000).toISOString(),
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/etl', accountId: '111111111111', accessKeyId: 'AKIALONGHISTORY00001', userName: 'etl' } });
    const recs = [...Array.from({ length: EVIDENCE_CAP + 100 }, (_, i) => use(i, '10.0.4.5')), use(900, '203.0.113.9', 'ListBuckets'), use(901, '203.0.113.9', 'GetObject'), use(902, '203.0.113.9', 'GetObject')];
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope(recs));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.json')]);
      await runDetections(store, { only: ['shared-credential'] });
      const [f] = await listFindings(store);
      expect(f!.eventCount).toBe(EVIDENCE_CAP + 103);
      expect(f!.evidence).toHaveLength(EVIDENCE_CAP);
      expect(f!.evidence).toEqual(expect.arrayContaining(['k-900', 'k-901', 'k-902']));
    } finally {
      store.close();
    }
  });
});
