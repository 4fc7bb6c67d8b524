/**
 * One side of the import benchmark, in its own process so that its peak RSS is its own.
 * Prints one JSON line: what it did, how long it took, its peak RSS.
 */
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { CaseStore } from '../main/case-store/case-store';
import { type CaseStorage, caseStorage } from '../main/case-store/case-storage';
import { importBundles } from '../main/ingest/importer';
import { eventDetail } from '../main/api/events-service';

const [mode, dir, casePath] = process.argv.slice(2) as [string, string, string];
rmSync(casePath, { force: true });
rmSync(`${casePath}.wal`, { force: true });
const started = performance.now();
let events = 0;
if (mode === 'import') {
  const store = await CaseStore.open(casePath, { create: true, memoryLimit: '384MB' });
  const report = await importBundles(store, [dir]);
  events = report.totals.eventsImported;
  store.close();
} else if (mode === 'read_json') {
  // DuckDB reading the same files on its own: no raw records kept, no provenance, no dedupe.
  const instance = await DuckDBInstance.create(casePath);
  const connection = await instance.connect();
  await connection.run(
    `CREATE TABLE t AS SELECT unnest(Records) AS r FROM read_json('${dir}/**/*.json.gz', format = 'auto', maximum_object_size = 1073741824)`,
  );
  const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM t`);
  events = Number(reader.getRowObjects()[0]!.n);
  connection.closeSync();
  instance.closeSync();
} else {
  throw new Error(`unknown mode ${mode}`);
}
const ms = performance.now() - started;
const maxRssBytes = process.resourceUsage().maxRSS * 1024;
// The case's size, after the clock stopped: what the evidence became on disk, table by table.
let storage: CaseStorage | null = null;
let rawReadMs: number | null = null;
if (mode === 'import') {
  const store = await CaseStore.open(casePath, { readOnly: true });
  storage = await caseStorage(store);
  // Raw-read latency: what opening one event's record in the side panel costs, for 21 events spread over the case.
  const uids = await store.read<{ event_uid: string }>(`SELECT event_uid FROM events USING SAMPLE 21 ROWS`);
  const times: number[] = [];
  for (const { event_uid } of uids) {
    const t0 = performance.now();
    await eventDetail(store, event_uid);
    times.push(performance.now() - t0);
  }
  rawReadMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? null;
  store.close();
}
process.stdout.write(`${JSON.stringify({ mode, events, ms, maxRssBytes, storage, rawReadMs })}\n`);
