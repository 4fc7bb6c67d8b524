import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import { writeFileSync } from 'node:fs';
import { ctRecord, jsonLines, tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { foldSmallNodes, graphQuery, timelineHistogram } from './graph-service';
import { refreshRollup, rollupReady } from '../analytics/event-rollup';
import { identityProfile } from '../analytics/profile';
import type { EventFilter } from '../../shared/api';
import { graphPath, resourceTouchers } from './session-paths';
import { queryEvents } from './events-service';
import { tableFromIPC } from 'apache-arrow';
import { Prng } from '../../fixtures/generate/prng';
import { type Actor, assumeRoleCall, assumedRoleIdentity, ctRecord as ctCall, iamUserIdentity, mgmt, s3Object } from '../../fixtures/generate/cloudtrail-records';

const ROOT = resolve(__dirname, '../..');
const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;
const EXFIL = `arn:aws:s3:::${incident.destination_bucket}`;

describe('graph queries on the 02:14 incident', () => {
  let store: CaseStore;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'g.duckdb'), { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
  });
  afterAll(() => store?.close());

  it('relies on at most one container per event, as the parsers write them', async () => {
    const [row] = await store.read<{ dup: number }>(`SELECT count(*)::INTEGER AS dup FROM (SELECT event_uid, source FROM event_resources WHERE role = 'container' GROUP BY ALL HAVING count(*) > 1)`);
    expect(row!.dup).toBe(0);
  });

  it('aggregates identity → bucket flows: the copy to the outside account is one external edge with every byte', async () => {
    const g = await graphQuery(store, {});
    const edge = g.edges.find((e) => e.target === EXFIL)!;
    expect(edge).toMatchObject({ source: incident.role_uid, kind: 'access', events: incident.objects_copied, bytes: incident.bytes_copied, external: true, crossBoundary: true, failures: 0 });
    expect(g.nodes.find((n) => n.id === EXFIL)).toMatchObject({ kind: 'resource', external: true, boundary: incident.destination_account });
    expect(g.nodes.find((n) => n.id === incident.role_uid)).toMatchObject({ kind: 'identity', isNhi: true });
    // Exactly one external edge in the whole case, and the role assumption behind it is drawn.
    expect(g.edges.filter((e) => e.external)).toHaveLength(1);
    expect(g.edges.some((e) => e.kind === 'assumes' && e.source === incident.key_owner_uid && e.target === incident.role_uid)).toBe(true);
  });

  it('keeps to the filter: a window, machines only, and a cap on nodes that never drops the outside bucket', async () => {
    const w = await graphQuery(store, { from: '2026-02-14T02:00:00Z', to: '2026-02-14T02:30:00Z' });
    const [inWindow] = await store.read<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM events WHERE event_uid IN (SELECT unnest($ids::VARCHAR[])) AND time >= '2026-02-14 02:00:00' AND time < '2026-02-14 02:30:00'`,
      { ids: `[${incident.event_ids.exfiltration_put.map((id) => `'${id}'`).join(',')}]` },
    );
    expect(w.edges.find((e) => e.target === EXFIL)!.events).toBe(inWindow!.n);
    expect(inWindow!.n).toBeGreaterThan(100);
    const humans = await graphQuery(store, { nhi: false });
    expect(humans.nodes.filter((n) => n.kind === 'identity' && n.isNhi === true && humans.edges.some((e) => e.kind === 'access' && e.source === n.id))).toHaveLength(0);
    const all = await graphQuery(store, {});
    const capped = await graphQuery(store, {}, { maxNodes: 10 });
    expect(capped.nodes.length).toBeLessThanOrEqual(10);
    expect(capped.nodes.some((n) => n.id === EXFIL)).toBe(true);
    expect(capped.omitted.nodes).toBeGreaterThan(0);
    // Small nodes are folded into one group per boundary and kind, not dropped: every event and
    // byte of every access flow is still on the picture, and every edge ends at a node drawn.
    const groups = capped.nodes.filter((n) => n.kind === 'group');
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.reduce((s, g) => s + g.members!, 0)).toBe(capped.omitted.nodes);
    const total = (g: typeof all, key: 'events' | 'bytes') => g.edges.filter((e) => e.kind === 'access').reduce((s, e) => s + e[key], 0);
    expect(total(capped, 'events')).toBe(total(all, 'events'));
    expect(total(capped, 'bytes')).toBe(total(all, 'bytes'));
    const ids = new Set(capped.nodes.map((n) => n.id));
    expect(capped.edges.every((e) => ids.has(e.source) && ids.has(e.target))).toBe(true);
    expect(capped.edges.find((e) => e.target === EXFIL)).toMatchObject({ source: incident.role_uid, bytes: incident.bytes_copied });
  });

  it('folds only past the cap, and folds into groups that keep their boundary', () => {
    const node = (id: string, boundary: string, events: number) => ({ id, kind: 'resource' as const, label: id, type: null, isNhi: null, boundary, external: false, events, bytes: events });
    const edge = (target: string, events: number) => ({ source: 'me', target, kind: 'access' as const, events, bytes: events, failures: 0, operations: ['Get'], first: `2026-01-0${events}`, last: `2026-01-0${events}`, crossBoundary: false, external: false, unknownBoundary: false });
    const me = { id: 'me', kind: 'identity' as const, label: 'me', type: null, isNhi: true, boundary: 'a', external: false, events: 15, bytes: 15 };
    const nodes = [me, node('r1', 'a', 5), node('r2', 'a', 4), node('r3', 'b', 3), node('r4', 'b', 2), node('r5', 'b', 1)];
    const edges = [edge('r1', 5), edge('r2', 4), edge('r3', 3), edge('r4', 2), edge('r5', 1)];
    expect(foldSmallNodes(nodes, edges, 6).nodes).toHaveLength(6);
    const folded = foldSmallNodes(nodes, edges, 4);
    expect(folded.nodes.map((n) => n.id)).toEqual(['me', 'r1', 'r2', 'group:resource:b']);
    expect(folded.edges.find((e) => e.target === 'group:resource:b')).toMatchObject({ events: 6, bytes: 6, first: '2026-01-01', last: '2026-01-03' });
    expect(folded.omitted).toEqual({ nodes: 3, events: 6 });
  });

  it('adds the optional layers: the credentials identities used and the addresses they came from', async () => {
    const g = await graphQuery(store, {}, { layers: ['credentials', 'addresses'] });
    const key = `credential:${incident.access_key}`;
    expect(g.nodes.find((n) => n.id === key)).toMatchObject({ kind: 'credential', label: incident.access_key });
    expect(g.edges.find((e) => e.kind === 'uses' && e.target === key)!.source).toBe(incident.key_owner_uid);
    const attacker = `address:${incident.source_ip}`;
    const from = g.edges.filter((e) => e.kind === 'from' && e.source === attacker).map((e) => e.target).sort();
    expect(from).toEqual([incident.role_uid, incident.key_owner_uid].sort());
    const plain = await graphQuery(store, {});
    expect(plain.nodes.some((n) => n.kind === 'credential' || n.kind === 'address')).toBe(false);
  });

  it('adds the sessions and boundaries layers: the incident session between the key owner and the role, and 111… → 999… flows', async () => {
    const g = await graphQuery(store, { from: '2026-02-14T02:00:00Z', to: '2026-02-14T02:40:00Z' }, { layers: ['sessions', 'boundaries'] });
    const session = `session:${incident.session_uid}`;
    expect(g.nodes.find((n) => n.id === session)).toMatchObject({ kind: 'session', label: 'backup-sync' });
    expect(g.edges.find((e) => e.kind === 'opens' && e.target === session)!.source).toBe(incident.key_owner_uid);
    expect(g.edges.find((e) => e.kind === 'as' && e.source === session)!.target).toBe(incident.role_uid);
    const out = g.edges.find((e) => e.kind === 'flows' && e.target === `boundary:${incident.destination_account}`)!;
    expect(out).toMatchObject({ source: 'boundary:111111111111', external: true });
    expect(out.bytes).toBeGreaterThanOrEqual(incident.bytes_copied);
    expect(g.nodes.find((n) => n.id === `boundary:${incident.destination_account}`)).toMatchObject({ kind: 'boundary', external: true });
  });

  it('names every identity that touched the outside bucket: the role that copied, and who stood behind it', async () => {
    const touchers = await resourceTouchers(store, EXFIL);
    expect(touchers.filter((t) => t.how === 'direct').map((t) => t.identity)).toEqual([incident.role_uid]);
    expect(touchers.find((t) => t.how === 'direct')).toMatchObject({ events: incident.objects_copied, bytes: incident.bytes_copied, isNhi: true });
    expect(touchers.find((t) => t.identity === incident.key_owner_uid)).toMatchObject({ how: 'assumed', through: [incident.role_uid] });
    // A window before the incident: nobody.
    expect(await resourceTouchers(store, EXFIL, { to: '2026-02-14T02:00:00Z' })).toEqual([]);
  });

  it('finds how an identity reached a resource through assumed roles, and says when it did not', async () => {
    const ci = 'web-identity:token.actions.githubusercontent.com:repo:acme/platform:ref:refs/heads/main';
    const path = await graphPath(store, ci, 'arn:aws:s3:::acme-prod-artifacts');
    expect(path.found).toBe(true);
    expect(path.nodes).toEqual([ci, 'arn:aws:iam::111111111111:role/gha-deploy', 'arn:aws:s3:::acme-prod-artifacts']);
    expect(path.steps[0]!.detail).toContain('AssumeRoleWithWebIdentity');
    const exfil = await graphPath(store, incident.key_owner_uid, EXFIL);
    expect(exfil.nodes).toEqual([incident.key_owner_uid, incident.role_uid, EXFIL]);
    // The proof is the first copy, with the chain behind it: the session and the long-term key.
    expect(incident.event_ids.exfiltration_put).toContain(exfil.proof!.eventUid);
    expect(exfil.proof!.summary).toContain(incident.session_uid);
    expect(exfil.proof!.summary).toContain(incident.key_owner_uid);
    expect((await graphPath(store, ci, EXFIL)).found).toBe(false);
  });

  it('bins the timeline by a readable bucket and counts every event once', async () => {
    const t = await timelineHistogram(store, {}, 200);
    expect(t.bucketSeconds).toBe(21_600);
    expect(t.bins.reduce((s, b) => s + b.machine + b.human, 0)).toBe(5_373);
    const narrow = await timelineHistogram(store, { from: '2026-02-14T02:00:00Z', to: '2026-02-14T03:00:00Z' }, 120);
    // The window is the axis even where events are sparse: a zoom never snaps to one event.
    const sparse = await timelineHistogram(store, { from: '2026-02-14T02:11:00Z', to: '2026-02-14T02:11:30Z' }, 120);
    expect([sparse.from, sparse.to, sparse.bucketSeconds]).toEqual(['2026-02-14T02:11:00.000Z', '2026-02-14T02:11:30.000Z', 1]);
    expect(narrow.bucketSeconds).toBe(30);
    // Stacked by operation category: the same events, split another way, biggest series first.
    const byCategory = await timelineHistogram(store, {}, 200, 'category');
    const [categories] = await store.read<{ n: number }>(`SELECT count(DISTINCT category)::INTEGER AS n FROM events`);
    expect(byCategory.keys).toHaveLength(categories!.n);
    for (const b of byCategory.bins) expect(b.stacks.reduce((s, n) => s + n, 0)).toBe(b.machine + b.human);
    const totals = byCategory.keys.map((_k, i) => byCategory.bins.reduce((s, b) => s + b.stacks[i]!, 0));
    expect(totals.reduce((s, n) => s + n, 0)).toBe(5_373);
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
  });

  it('answers from the per-minute rollup exactly what the events answer, edges of a brush included, and falls back when it is stale', async () => {
    expect(await rollupReady(store)).toBe(true);
    const filters: EventFilter[] = [
      {},
      // A brush that falls mid-minute at both ends: whole minutes rolled up, the edges from events.
      { from: '2026-02-14T02:13:27.5Z', to: '2026-02-14T05:00:42Z' },
      { from: '2026-02-14T02:00:00Z', to: '2026-02-14T03:00:00Z', nhi: true },
      { source: 'aws.cloudtrail', status: 'failure' },
      { operation: 'Object', category: 'read' },
      // By the actor's id or the name its records gave it (a role's session name).
      { actor: 'backend', from: '2026-02-14T00:00:00Z', to: '2026-02-14T06:00:00Z' },
      // Not the rollup's (a resource filter; a window under two minutes): read from the events,
      // with their containers from the time-ordered copy while the rollup is current.
      { resource: 'acme', from: '2026-02-14T02:13:27.5Z', to: '2026-02-14T05:00:42Z' },
      { resource: 'acme' },
      { from: '2026-02-14T02:13:05Z', to: '2026-02-14T02:14:30Z' },
    ];
    const answers = async () =>
      Promise.all(filters.map(async (f) => ({ graph: await graphQuery(store, f), byNhi: await timelineHistogram(store, f, 200), bySource: await timelineHistogram(store, f, 50, 'source') })));
    const busiest = (await store.read<{ uid: string }>(`SELECT uid FROM identities ORDER BY events DESC, uid LIMIT 12`)).map((r) => r.uid);
    const resources = async () => Promise.all(busiest.map(async (uid) => (await identityProfile(store, uid))!.topResources));
    const rolled = await answers();
    const rolledResources = await resources();
    expect(rolledResources.some((r) => r.length > 0)).toBe(true);
    expect(rolled[1]!.graph.edges.length).toBeGreaterThan(0);
    // The same questions with the rollup out of date: answered from the events.
    await store.run(`UPDATE event_rollup_state SET events = events - 1`);
    expect(await rollupReady(store)).toBe(false);
    const direct = await answers();
    expect(rolledResources).toEqual(await resources());
    const withoutTiming = (answer: unknown) => JSON.parse(JSON.stringify(answer, (k, v) => (k === 'elapsedMs' ? undefined : v)));
    expect(withoutTiming(rolled)).toEqual(withoutTiming(direct));
    await refreshRollup(store, 'all');
    expect(await rollupReady(store)).toBe(true);
  });
});

describe('the rollup after a second import', () => {
  it('refreshes the minutes the new evidence touched, equal to a rebuild of the whole', async () => {
    const dir = tempDir();
    const at = (minute: number, second: number) => `2026-03-16T12:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}Z`;
    const first = Array.from({ length: 30 }, (_, i) => ({ ...ctRecord(i), eventTime: at(i, 10) }));
    // The second import lands inside minutes the first already counted, and after them.
    const second = Array.from({ length: 30 }, (_, i) => ({ ...ctRecord(100 + i), eventTime: at(15 + i, 40) }));
    writeFileSync(join(dir, 'a.jsonl'), jsonLines(first));
    writeFileSync(join(dir, 'b.jsonl'), jsonLines(second));
    const store = await CaseStore.open(join(dir, 'r.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'a.jsonl')]);
      await importBundles(store, [join(dir, 'b.jsonl')]);
      expect(await rollupReady(store)).toBe(true);
      const rows = `SELECT * FROM event_rollup ORDER BY ALL`;
      const incremental = await store.read(rows);
      await refreshRollup(store, 'all');
      expect(await store.read(rows)).toEqual(incremental);
      const [sum] = await store.read<{ n: number }>(`SELECT sum(n)::BIGINT AS n FROM event_rollup`);
      expect(sum!.n).toBe(60);
      // A rollup made by an earlier build (other columns, no version) is never read, and is rebuilt whole.
      await store.run(`DROP TABLE event_rollup_state`);
      await store.run(`CREATE TABLE event_rollup_state (events BIGINT)`);
      await store.run(`INSERT INTO event_rollup_state SELECT count(*) FROM events`);
      expect(await rollupReady(store)).toBe(false);
      await refreshRollup(store, { lo: '2026-03-16 12:00:00', hi: '2026-03-16 12:01:00' });
      expect(await rollupReady(store)).toBe(true);
      expect(await store.read(rows)).toEqual(incremental);
    } finally {
      store.close();
    }
  });
});

describe('a flow to a resource whose boundary the logs do not give', () => {
  it('is marked unknown, not taken for an inside one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.jsonl'), jsonLines([
      ctRecord(1, { requestParameters: { bucketName: 'mystery', key: 'a' }, resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::mystery/a' }, { type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::mystery' }] }),
      ctRecord(2, { requestParameters: { bucketName: 'known', key: 'b' }, resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::known/b' }, { accountId: '111111111111', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::known' }] }),
    ]));
    const store = await CaseStore.open(join(dir, 'u.duckdb'), { create: true });
    try {
      await importBundles(store, [join(dir, 'trail.jsonl')]);
      const g = await graphQuery(store, {});
      expect(g.edges.find((e) => e.target === 'arn:aws:s3:::mystery')).toMatchObject({ unknownBoundary: true, crossBoundary: false, external: false });
      expect(g.edges.find((e) => e.target === 'arn:aws:s3:::known')).toMatchObject({ unknownBoundary: false });
    } finally {
      store.close();
    }
  });
});

describe('who touched a resource, session by session', () => {
  const ACCT = '222233334444';
  const OTHER = '555566667777';
  const DAY = 86_400_000;
  const T0 = Date.UTC(2026, 5, 1, 9);
  let store: CaseStore;
  const users = ['ana', 'ben', 'cy'].map((n) => `arn:aws:iam::${ACCT}:user/${n}`);
  const role = `arn:aws:iam::${ACCT}:role/deploy`;
  const otherRole = `arn:aws:iam::${OTHER}:role/deploy`;
  const bucket = (b: string) => `arn:aws:s3:::${b}`;

  beforeAll(async () => {
    const rng = new Prng(7);
    const user = (name: string): Actor => ({
      userIdentity: iamUserIdentity(ACCT, name, `AIDA${name.toUpperCase().padEnd(17, 'X')}`, `AKIA${name.toUpperCase().padEnd(16, 'K')}`),
      sourceIPAddress: '203.0.113.9',
      userAgent: 'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8',
    });
    const records: object[] = [];
    // ana assumes deploy on day 1 and writes to releases; ben on day 2 and writes to archive;
    // cy only reads the role's configuration; a deploy role in another account writes elsewhere.
    const session = (who: string, account: string, day: number, target: string) => {
      const base = { account, roleName: 'deploy', roleId: `AROA${account}`, sessionName: `${who}-${day}` };
      const t = T0 + day * DAY;
      const issued = assumeRoleCall(rng, 'AssumeRole', base, t);
      records.push(ctCall(rng, user(who), t, issued.call));
      const actor: Actor = { userIdentity: assumedRoleIdentity({ ...base, accessKeyId: issued.accessKeyId, createdMs: t }), sourceIPAddress: '203.0.113.9', userAgent: 'aws-cli/2.15.30' };
      for (let i = 1; i <= 3; i++) records.push(ctCall(rng, actor, t + i * 60_000, s3Object('PutObject', account, target, `f-${day}-${i}`, 1_000)));
    };
    session('ana', ACCT, 1, 'releases');
    session('ben', ACCT, 2, 'archive');
    session('ana', OTHER, 3, 'elsewhere');
    records.push(ctCall(rng, user('cy'), T0 + 4 * DAY, mgmt('iam', 'GetRole', ACCT, { roleName: 'deploy' })));
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: records }));
    store = await CaseStore.open(join(dir, 's.duckdb'), { create: true });
    await importBundles(store, [join(dir, 'trail.json')]);
  });
  afterAll(() => store?.close());

  it('blames the session that wrote, not everyone who ever assumed the role or read it', async () => {
    const touchers = await resourceTouchers(store, bucket('archive'));
    expect(touchers.map((t) => [t.identity, t.how, t.events])).toEqual([
      [role, 'direct', 3],
      [users[1], 'assumed', 3],
    ]);
    expect(touchers[1]!.through).toEqual([role]);
    expect((await resourceTouchers(store, bucket('releases'))).map((t) => t.identity)).toEqual([role, users[0]]);
  });

  it('finds a path only through sessions that reached the resource; reading the role is not acting as it', async () => {
    const ben = await graphPath(store, users[1]!, bucket('archive'));
    expect(ben.nodes).toEqual([users[1], role, bucket('archive')]);
    expect(ben.steps[0]!.detail).toMatch(/^AssumeRole at 2026-06-03 09:00, session ben-2, key ASIA/);
    expect(ben.proof!.summary).toContain(users[1]);
    expect((await graphPath(store, users[0]!, bucket('archive'))).found).toBe(false);
    expect((await graphPath(store, users[2]!, bucket('archive'))).found).toBe(false);
    const read = await graphPath(store, users[2]!, role);
    expect(read).toMatchObject({ found: true, nodes: [users[2], role], steps: [{ kind: 'access', detail: '1 events: GetRole' }] });
    // From the role itself: what its sessions did.
    expect((await graphPath(store, role, bucket('archive'))).steps.map((s) => s.kind)).toEqual(['access']);
  });

  it('draws a role as an identity in every window, and tells two roles of one name apart', async () => {
    const onlyTheRead = await graphQuery(store, { from: new Date(T0 + 4 * DAY - 1000).toISOString() });
    expect(onlyTheRead.nodes.find((n) => n.id === role)).toMatchObject({ kind: 'identity' });
    const all = await graphQuery(store, {});
    expect(all.nodes.filter((n) => n.kind === 'resource').map((n) => n.id)).not.toContain(role);
    const labels = all.nodes.filter((n) => n.id === role || n.id === otherRole).map((n) => n.label).sort();
    expect(labels).toEqual([`deploy (${ACCT})`, `deploy (${OTHER})`]);
    const page = await queryEvents(store, { filter: { operation: 'PutObject' }, offset: 0, limit: 100 });
    const actors = new Set([...tableFromIPC(Buffer.from(page.arrow, 'base64'))].map((r) => String(r.toJSON().actor_display)));
    expect(actors).toEqual(new Set([`deploy (${ACCT})`, `deploy (${OTHER})`]));
  });
});
