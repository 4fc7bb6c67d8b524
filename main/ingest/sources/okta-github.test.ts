import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { type ImportReport, importBundles } from '../importer';

const SAMPLES = resolve(__dirname, '../../../../shared/samples');
const OKTA = join(SAMPLES, 'okta/matanolabs__logtest/examples/okta_system/test/test-okta-system-events.log');
const GITHUB = join(SAMPLES, 'github_audit/matanolabs__logtest/examples/github_audit/test/test-audit-json.log');
const hasSamples = existsSync(OKTA) && existsSync(GITHUB);
if (!hasSamples) console.log(`skipped: Okta and GitHub sample tests need ${SAMPLES} (present in CI, absent in a fresh clone)`);

const okta = (over: Record<string, unknown> = {}) => ({
  uuid: 'e-1',
  published: '2026-02-14T02:30:00.250Z',
  eventType: 'system.api_token.create',
  displayMessage: 'Create API token',
  actor: { id: '00u-admin', type: 'User', alternateId: 'carol@acme.example', displayName: 'Carol' },
  client: { ipAddress: '203.0.113.40', userAgent: { rawUserAgent: 'Mozilla/5.0' } },
  authenticationContext: { externalSessionId: 'sess-9' },
  outcome: { result: 'SUCCESS', reason: null },
  target: [{ id: '00T-token', type: 'Token', displayName: 'ci-token' }, { id: '0oa-app', type: 'AppInstance' }],
  transaction: { id: 'tx-1', detail: {} },
  ...over,
});

const github = (over: Record<string, unknown> = {}) => ({
  '@timestamp': 1771036200000,
  created_at: 1771036200000,
  _document_id: 'doc-1',
  action: 'workflows.completed_workflow_run',
  actor: 'github-actions[bot]',
  org: 'acme',
  repo: 'acme/platform',
  workflow_run_id: 9001,
  hashed_token: 'tok+hash=',
  programmatic_access_type: 'GitHub App server-to-server token',
  actor_ip: '20.51.2.3',
  user_agent: 'GitHub Actions',
  ...over,
});

describe('Okta System Log and GitHub audit log', () => {
  let store: CaseStore;

  beforeAll(async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'okta.json'),
      JSON.stringify([
        okta(),
        okta({ uuid: 'e-2', eventType: 'user.session.start', actor: { id: '0oa-svc', type: 'PublicClientApp', displayName: 'reporting-bot' }, outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' }, transaction: { id: 'tx-2', detail: { requestApiTokenId: '00T-token' } } }),
      ]),
    );
    writeFileSync(join(dir, 'github.jsonl'), [github(), github({ _document_id: 'doc-2', action: 'protected_branch.policy_override', actor: 'mallory', hashed_token: undefined, programmatic_access_type: 'Fine-grained personal access token', token_id: 77, user: 'bob', workflow_run_id: undefined })].map((r) => JSON.stringify(r)).join('\n'));
    // The web UI's CSV download names the same fields in its header.
    writeFileSync(join(dir, 'github-export.csv'), 'action,actor,created_at,org,repo,actor_ip\nrepo.destroy,mallory,2026-02-14T02:35:00Z,acme,acme/secrets,198.51.100.23\n');
    store = await CaseStore.open(join(tempDir(), 'og.duckdb'), { create: true });
    await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('maps Okta actors, sessions, API tokens, outcomes and targets', async () => {
    const rows = await store.read(
      `SELECT time, actor_uid, actor_type, actor_display, is_nhi, credential_uid, session_uid, operation, category, resource_uid, src_ip, status, error_code
       FROM events WHERE source = 'okta.system' ORDER BY operation`,
    );
    expect(rows).toEqual([
      { time: '2026-02-14T02:30:00.250000Z', actor_uid: 'okta:00u-admin', actor_type: 'user', actor_display: 'carol@acme.example', is_nhi: null, credential_uid: null, session_uid: 'okta-session:sess-9', operation: 'system.api_token.create', category: 'admin', resource_uid: 'okta:00T-token', src_ip: '203.0.113.40', status: 'success', error_code: null },
      { time: '2026-02-14T02:30:00.250000Z', actor_uid: 'okta:0oa-svc', actor_type: 'publicclientapp', actor_display: 'reporting-bot', is_nhi: true, credential_uid: 'okta-token:00T-token', session_uid: 'okta-session:sess-9', operation: 'user.session.start', category: 'auth', resource_uid: 'okta:00T-token', src_ip: '203.0.113.40', status: 'failure', error_code: 'INVALID_CREDENTIALS' },
    ]);
    expect(await store.read(`SELECT resource_uid, role FROM event_resources WHERE source = 'okta.system' AND event_uid LIKE 'e-1:%' ORDER BY role`)).toEqual([
      { resource_uid: 'okta:00T-token', role: 'primary' },
      { resource_uid: 'okta:0oa-app', role: 'related' },
    ]);
  });

  it('maps GitHub bots, app tokens, workflow runs, personal tokens and the CSV export', async () => {
    const rows = await store.read(
      `SELECT time, actor_uid, actor_type, is_nhi, credential_uid, session_uid, operation, category, resource_uid, boundary, src_ip FROM events WHERE source = 'github.audit' ORDER BY time`,
    );
    expect(rows).toEqual([
      { time: '2026-02-14T02:30:00.000000Z', actor_uid: 'github:github-actions[bot]', actor_type: 'bot', is_nhi: true, credential_uid: 'github-token:tok+hash=', session_uid: 'github-run:acme/platform/9001', operation: 'workflows.completed_workflow_run', category: 'write', resource_uid: 'github:acme/platform', boundary: 'github-org:acme', src_ip: '20.51.2.3' },
      { time: '2026-02-14T02:30:00.000000Z', actor_uid: 'github:mallory', actor_type: 'user', is_nhi: null, credential_uid: 'github-token-id:77', session_uid: null, operation: 'protected_branch.policy_override', category: 'admin', resource_uid: 'github:acme/platform', boundary: 'github-org:acme', src_ip: '20.51.2.3' },
      { time: '2026-02-14T02:35:00.000000Z', actor_uid: 'github:mallory', actor_type: 'user', is_nhi: null, credential_uid: null, session_uid: null, operation: 'repo.destroy', category: 'delete', resource_uid: 'github:acme/secrets', boundary: 'github-org:acme', src_ip: '198.51.100.23' },
    ]);
  });
});

describe.skipIf(!hasSamples)('the real Okta and GitHub samples', () => {
  let store: CaseStore;
  let report: ImportReport;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'og-samples.duckdb'), { create: true });
    report = await importBundles(store, [OKTA, GITHUB]);
  });
  afterAll(() => store.close());

  it('imports the 24 Okta records: byte-identical repeats are duplicates, an id repeated with other content is kept and marked', async () => {
    const lines = readFileSync(OKTA, 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { uuid: string; published: string; eventType: string; actor: { id: string; type: string }; transaction: { id: string } });
    expect(records).toHaveLength(24);
    const ids = new Set(records.map((r) => [r.uuid, r.published, r.eventType, r.actor.id, r.transaction.id].join('|')));
    const file = report.files.find((f) => f.path.endsWith('.log') && f.path.includes('okta'))!;
    expect(file).toMatchObject({ recordsTotal: 24, recordsQuarantined: 0 });
    expect(file.recordsOk + file.recordsDuplicate).toBe(24);
    const kinds = new Map((await store.read<{ kind: string; n: number }>(`SELECT kind, count(*)::INTEGER AS n FROM duplicates GROUP BY ALL`)).map((r) => [r.kind, r.n]));
    expect(kinds.get('same_record')).toBe(lines.length - new Set(lines).size);
    // Every other event beyond one per id is a record whose id another record already claimed.
    const [{ n: collisions }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM id_collisions WHERE source = 'okta.system'`)) as [{ n: number }];
    expect(collisions).toBe(file.recordsOk - ids.size);
    expect(collisions).toBeGreaterThan(0);
    // No two events kept under one id tell the same event.
    const [{ same }] = (await store.read<{ same: number }>(`
      SELECT count(*)::INTEGER AS same FROM id_collisions c JOIN events a ON a.event_uid = c.event_uid JOIN events b ON b.event_uid = c.first_event_uid
      WHERE a.time = b.time AND a.operation = b.operation AND a.actor_uid IS NOT DISTINCT FROM b.actor_uid AND a.src_ip IS NOT DISTINCT FROM b.src_ip
        AND a.status = b.status AND a.resource_uid IS NOT DISTINCT FROM b.resource_uid AND a.user_agent IS NOT DISTINCT FROM b.user_agent
        AND a.session_uid IS NOT DISTINCT FROM b.session_uid AND a.credential_uid IS NOT DISTINCT FROM b.credential_uid`)) as [{ same: number }];
    expect(same).toBe(0);
    const [system] = await store.read<{ is_nhi: boolean; operation: string }>(`SELECT is_nhi, operation FROM events WHERE actor_type = 'systemprincipal'`);
    expect(system).toEqual({ is_nhi: true, operation: records.find((r) => r.actor.type === 'SystemPrincipal')!.eventType });
  });

  it('imports all 188 GitHub records, with the bot as the machine', async () => {
    const records = readFileSync(GITHUB, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor?: string; created_at?: number; '@timestamp'?: number });
    expect(report.files.find((f) => f.path.endsWith('test-audit-json.log'))).toMatchObject({ recordsTotal: 188, recordsOk: 188, recordsQuarantined: 0 });
    const counts = await store.read<{ operation: string; n: number }>(`SELECT operation, count(*)::INTEGER AS n FROM events WHERE source = 'github.audit' GROUP BY ALL`);
    const expected = new Map<string, number>();
    for (const r of records) expected.set(r.action, (expected.get(r.action) ?? 0) + 1);
    expect(new Map(counts.map((c) => [c.operation, c.n]))).toEqual(expected);
    const machines = await store.read<{ actor_uid: string }>(`SELECT DISTINCT actor_uid FROM events WHERE source = 'github.audit' AND is_nhi ORDER BY 1`);
    expect(machines.map((m) => m.actor_uid)).toEqual(['github:github-actions[bot]']);
    const [first] = await store.read<{ time: string }>(`SELECT time FROM events WHERE source = 'github.audit' ORDER BY time LIMIT 1`);
    const earliest = Math.min(...records.map((r) => r.created_at ?? r['@timestamp']!));
    expect(first!.time).toBe(new Date(earliest).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'));
  });
});
