import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { identityPage } from './identities-service';
import { manyIdentities } from '../../test/helpers/many-identities';

describe('the identities list, paged by the database', () => {
  let store: CaseStore;
  const N = 100_000;
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'ids.duckdb'), { create: true });
    await manyIdentities(store, N);
  });
  afterAll(() => store?.close());

  it('pages 100,000 identities by events, the same rows as SQL, deep pages included', async () => {
    const first = await identityPage(store, { sort: { key: 'events', descending: true }, offset: 0, limit: 200 });
    expect(first).toMatchObject({ total: N, all: N, offset: 0 });
    expect(first.types).toEqual(['ci_pipeline', 'human', 'service_account', 'workload']);
    const sql = await store.read<{ uid: string }>(`SELECT uid FROM identities ORDER BY events DESC, uid LIMIT 200`);
    expect(first.rows.map((r) => r.uid)).toEqual(sql.map((r) => r.uid));
    const last = await identityPage(store, { sort: { key: 'events', descending: true }, offset: N - 50, limit: 200 });
    expect(last.rows).toHaveLength(50);
    const [tail] = await store.read<{ uid: string }>(`SELECT uid FROM identities ORDER BY events DESC, uid LIMIT 1 OFFSET ${N - 1}`);
    expect(last.rows.at(-1)!.uid).toBe(tail!.uid);
    expect(last).toMatchObject({ total: N, all: null, types: null });
    // Past the end: no rows, and still the true total.
    expect(await identityPage(store, { sort: { key: 'events', descending: true }, offset: N + 10, limit: 10 })).toMatchObject({ rows: [], total: N });
  });

  it('filters by kind, type and text together, and sorts by name and by last seen', async () => {
    const page = await identityPage(store, { nhi: true, type: 'workload', text: 'SCRIPT 3', sort: { key: 'display', descending: false }, offset: 0, limit: 1000 });
    const [{ n }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM identities WHERE is_nhi AND type = 'workload' AND reasons[1].detail = 'calls from script 3'`)) as [{ n: number }];
    expect(page.total).toBe(n);
    expect(page.rows.every((r) => r.isNhi === true && r.type === 'workload' && r.reason === 'calls from script 3')).toBe(true);
    const names = page.rows.map((r) => r.display!.toLowerCase());
    expect(names).toEqual([...names].sort());
    const recent = await identityPage(store, { sort: { key: 'lastSeen', descending: true }, offset: 0, limit: 5 });
    const [max] = (await store.read<{ t: string }>(`SELECT max(last_seen)::VARCHAR AS t FROM identities`)) as [{ t: string }];
    expect(recent.rows[0]!.lastSeen.replace('T', ' ').slice(0, 16)).toBe(max.t.slice(0, 16));
  });
});
