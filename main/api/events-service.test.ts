import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../fixtures/generate/incident-bundle';
import { API_REQUESTS, type EventFilter } from '../../shared/api';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { appendJournal } from '../journal/journal';
import { countEvents, eventValues, queryEvents, rowStretches } from './events-service';
import { writeCloudTrailBundle } from '../../fixtures/generate/bulk-writer';
import { rollupReady } from '../analytics/event-rollup';

const ROOT = resolve(__dirname, '../..');
const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;

type Row = Record<string, unknown>;
const rowsOf = (arrow: string): Row[] => (arrow ? [...tableFromIPC(Buffer.from(arrow, 'base64'))].map((r) => r.toJSON() as Row) : []);

describe('the events grid queries on the 02:14 incident', () => {
  let store: CaseStore;
  const page = async (filter: EventFilter, sort?: { column: 'time' | 'operation' | 'region'; descending: boolean }) =>
    rowsOf((await queryEvents(store, { filter, sort, offset: 0, limit: 1000 })).arrow);
  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir(), 'e.duckdb'), { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
  });
  afterAll(() => store?.close());

  it('breaks ties in any sort by time, then id, and carries the columns the chooser offers', async () => {
    const rows = await page({}, { column: 'operation', descending: false });
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      if (a.operation === b.operation) expect(String(a.time) <= String(b.time)).toBe(true);
      else expect(String(a.operation) < String(b.operation)).toBe(true);
    }
    const [copy] = await page({ operation: 'PutObject', resource: incident.destination_bucket });
    expect(copy).toMatchObject({ source: expect.any(String), boundary: expect.any(String), region: expect.any(String), user_agent: expect.any(String), credential_uid: expect.any(String) });
    const newest = await page({}, { column: 'time', descending: true });
    expect(String(newest[0]!.time) >= String(newest.at(-1)!.time)).toBe(true);
  });

  it('filters on and out by exact value, of a column or of the raw record, as SQL counts them', async () => {
    const [{ n: copies }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events WHERE operation = 'PutObject'`)) as [{ n: number }];
    const [{ n: all }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events`)) as [{ n: number }];
    expect(copies).toBeGreaterThan(0);
    expect((await countEvents(store, { match: [{ field: 'operation', value: 'PutObject', not: false }] })).total).toBe(copies);
    expect((await countEvents(store, { match: [{ field: 'operation', value: 'PutObject', not: true }] })).total).toBe(all - copies);
    // A null is a value too: events with no error code, and those with one.
    const [{ n: noError }] = (await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events WHERE error_code IS NULL`)) as [{ n: number }];
    expect((await countEvents(store, { match: [{ field: 'error_code', value: null, not: false }] })).total).toBe(noError);
    // The raw record's own field, by JSON pointer; CSV or other non-JSON records simply do not match.
    const [{ n: inBucket }] = (await store.read<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM events WHERE json_extract_string(raw, '$.requestParameters.bucketName') = $b`, { b: incident.destination_bucket },
    )) as [{ n: number }];
    expect(inBucket).toBeGreaterThan(0);
    expect((await countEvents(store, { match: [{ field: 'raw:/requestParameters/bucketName', value: incident.destination_bucket, not: false }] })).total).toBe(inBucket);
    const both = await page({ match: [{ field: 'raw:/requestParameters/bucketName', value: incident.destination_bucket, not: false }, { field: 'operation', value: 'PutObject', not: true }] });
    expect(both.every((r) => r.operation !== 'PutObject')).toBe(true);
  });

  it('counts the values of a column among the filtered events', async () => {
    const counts = await eventValues(store, { actor: 'backend-svc' }, 'operation', 5);
    const sql = await store.read<{ value: string; events: number }>(
      `SELECT operation AS value, count(*)::BIGINT AS events FROM events WHERE actor_uid ILIKE '%backend-svc%' OR actor_display ILIKE '%backend-svc%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
    );
    expect(counts.values).toEqual(sql);
    const [{ d }] = (await store.read<{ d: number }>(`SELECT count(DISTINCT operation)::INTEGER AS d FROM events WHERE actor_uid ILIKE '%backend-svc%' OR actor_display ILIKE '%backend-svc%'`)) as [{ d: number }];
    expect(counts.distinct).toBe(d);
  });

  it('shows and filters tags and bookmarks: a tag removed later is gone', async () => {
    const [a, b] = (await page({ operation: 'PutObject' })).map((r) => String(r.event_uid));
    await appendJournal(store, { action: 'tag', targetKind: 'event', targetId: a!, body: { tag: 'exfil' } });
    await appendJournal(store, { action: 'tag', targetKind: 'event', targetId: b!, body: { tag: 'exfil' } });
    await appendJournal(store, { action: 'tag', targetKind: 'event', targetId: b!, body: { tag: 'later' } });
    await appendJournal(store, { action: 'untag', targetKind: 'event', targetId: b!, body: { tag: 'exfil' } });
    await appendJournal(store, { action: 'bookmark', targetKind: 'event', targetId: b!, body: {} });
    const rows = await page({ operation: 'PutObject' });
    expect(rows.find((r) => r.event_uid === a)).toMatchObject({ bookmarked: false });
    expect(rows.find((r) => r.event_uid === a)!.tags).toBe('exfil');
    expect(rows.find((r) => r.event_uid === b)!.tags).toBe('later');
    expect(rows.find((r) => r.event_uid === b)).toMatchObject({ bookmarked: true });
    expect((await page({ tag: 'exfil' })).map((r) => r.event_uid)).toEqual([a]);
    expect((await page({ marked: 'bookmarked' })).map((r) => r.event_uid)).toEqual([b]);
    expect(new Set((await page({ marked: 'tagged' })).map((r) => r.event_uid))).toEqual(new Set([a, b]));
  });

  it('refuses a field that is neither a column nor a raw pointer, before any SQL', () => {
    const schema = API_REQUESTS['events.values'];
    expect(schema.safeParse({ casePath: 'c.duckdb', filter: {}, field: 'raw; DROP TABLE events' }).success).toBe(false);
    expect(schema.safeParse({ casePath: 'c.duckdb', filter: {}, field: 'event_uid' }).success).toBe(false);
    expect(schema.safeParse({ casePath: 'c.duckdb', filter: {}, field: "raw:/a') OR 1=1 --" }).success).toBe(true); // bound, never spliced
    expect(API_REQUESTS['events.query'].safeParse({ casePath: 'c', filter: { match: [{ field: 'bogus', value: 'x', not: false }] }, offset: 0, limit: 1 }).success).toBe(false);
  });

  it('pages by keyset when sorted by time: the same rows as skipping, either direction, with a filter', async () => {
    for (const [filter, descending] of [[{}, false], [{}, true], [{ operation: 'GetObject' }, false], [{ operation: 'GetObject' }, true]] as const) {
      const sort = { column: 'time' as const, descending };
      const byOffset = rowsOf((await queryEvents(store, { filter, sort, offset: 400, limit: 200 })).arrow);
      const before = rowsOf((await queryEvents(store, { filter, sort, offset: 399, limit: 1 })).arrow)[0]!;
      const byKeyset = rowsOf((await queryEvents(store, { filter, sort, offset: 400, limit: 200, after: { time: String(before.time), uid: String(before.event_uid) } })).arrow);
      expect(byKeyset.map((r) => r.event_uid)).toEqual(byOffset.map((r) => r.event_uid));
      expect(byKeyset).toHaveLength(200);
    }
    // Other sorts ignore the anchor and skip rows as before.
    const sort = { column: 'operation' as const, descending: false };
    const anchor = { time: '2026-02-14T02:14:05.000000Z', uid: 'x' };
    expect(rowsOf((await queryEvents(store, { filter: {}, sort, offset: 10, limit: 5, after: anchor })).arrow).map((r) => r.event_uid))
      .toEqual(rowsOf((await queryEvents(store, { filter: {}, sort, offset: 10, limit: 5 })).arrow).map((r) => r.event_uid));
  });
});

describe('a page far down the list', () => {
  let store: CaseStore;
  beforeAll(async () => {
    const dir = tempDir();
    // Four accounts' files over the same hours: the rows of any minute lie far apart in the table.
    mkdirSync(join(dir, 'logs'));
    await writeCloudTrailBundle({ dir: join(dir, 'logs'), seed: 7, events: 32_000, recordsPerFile: 4_000 });
    store = await CaseStore.open(join(dir, 'deep.duckdb'), { create: true });
    await importBundles(store, [join(dir, 'logs')]);
  }, 120_000);
  afterAll(() => store?.close());

  it('is the page that skipping rows gives, when found by seeking its minute in the rollup', async () => {
    expect(await rollupReady(store)).toBe(true);
    const [span] = await store.read<{ lo: string; hi: string }>(
      `SELECT strftime(min(time) + INTERVAL 2 MINUTE + INTERVAL 17 SECOND, '%Y-%m-%dT%H:%M:%SZ') AS lo, strftime(max(time) - INTERVAL 1 MINUTE - INTERVAL 31 SECOND, '%Y-%m-%dT%H:%M:%SZ') AS hi FROM events`,
    );
    const filters: EventFilter[] = [{}, { from: span!.lo, to: span!.hi }, { nhi: true, status: 'success' }];
    for (const filter of filters) {
      const { total } = await countEvents(store, filter);
      expect(total, JSON.stringify(filter)).toBeGreaterThan(20_000 + 500);
      for (const descending of [false, true]) {
        for (const offset of [20_000, total - 150]) {
          const request = { filter, sort: { column: 'time' as const, descending }, offset, limit: 200, withTotal: false };
          const sought = rowsOf((await queryEvents(store, request)).arrow).map((r) => r.event_uid);
          // The same page with the rollup out of the way: rows skipped one by one.
          await store.run(`UPDATE event_rollup_state SET events = events + 1`);
          const skipped = rowsOf((await queryEvents(store, request)).arrow).map((r) => r.event_uid);
          await store.run(`UPDATE event_rollup_state SET events = events - 1`);
          expect(sought.length, JSON.stringify({ filter, descending, offset })).toBe(Math.min(200, total - offset));
          expect(sought, JSON.stringify({ filter, descending, offset })).toEqual(skipped);
        }
      }
    }
  });
});

describe('where a page lies in the table', () => {
  it('groups row ids into a few stretches, or says they are scattered', () => {
    expect(rowStretches([5, 3, 70_000, 4, 70_001])).toEqual([[3, 4, 5], [70_000, 70_001]]);
    expect(rowStretches(Array.from({ length: 9 }, (_, i) => i * 100_000))).toBeNull();
    expect(() => rowStretches([1.5])).toThrow();
  });
});
