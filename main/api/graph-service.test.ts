import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { graphPath, graphQuery, timelineHistogram } from './graph-service';

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
    const capped = await graphQuery(store, {}, { maxNodes: 10 });
    expect(capped.nodes).toHaveLength(10);
    expect(capped.nodes.some((n) => n.id === EXFIL)).toBe(true);
    expect(capped.omitted.nodes).toBeGreaterThan(0);
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

  it('finds how an identity reached a resource through assumed roles, and says when it did not', async () => {
    const ci = 'web-identity:token.actions.githubusercontent.com:repo:acme/platform:ref:refs/heads/main';
    const path = await graphPath(store, ci, 'arn:aws:s3:::acme-prod-artifacts');
    expect(path.found).toBe(true);
    expect(path.nodes).toEqual([ci, 'arn:aws:iam::111111111111:role/gha-deploy', 'arn:aws:s3:::acme-prod-artifacts']);
    expect(path.steps[0]!.detail).toContain('AssumeRoleWithWebIdentity');
    expect((await graphPath(store, incident.key_owner_uid, EXFIL)).nodes).toEqual([incident.key_owner_uid, incident.role_uid, EXFIL]);
    expect((await graphPath(store, ci, EXFIL)).found).toBe(false);
  });

  it('bins the timeline by a readable bucket and counts every event once', async () => {
    const t = await timelineHistogram(store, {}, 200);
    expect(t.bucketSeconds).toBe(21_600);
    expect(t.bins.reduce((s, b) => s + b.machine + b.human, 0)).toBe(5_373);
    const narrow = await timelineHistogram(store, { from: '2026-02-14T02:00:00Z', to: '2026-02-14T03:00:00Z' }, 120);
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
});
