/**
 * `npm run bench:scale [-- --events N] [-- --sigma]`
 *
 * Issue 16's figures at N events in one run: the import (events/s, RSS, against DuckDB's own
 * read_json over the same files in the same run, and the case size against the gzipped evidence),
 * then every interaction the app makes, each against its budget: open, first page, a page deep in
 * the list (skipping rows, and by keyset), structured filters, free text (first page and count),
 * graph, timeline, identities, derive, built-in detections and, with --sigma, the SigmaHQ rules.
 * The case is built once per N under .bench/ (scale-N.duckdb) and reused; a reused case prints
 * its import figures as "cached". Data: generated CloudTrail (bench:import's generator), so
 * "multi-source" is still to do.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { deriveIdentities } from '../main/analytics/derive';
import { countEvents, queryEvents } from '../main/api/events-service';
import { graphQuery, timelineHistogram } from '../main/api/graph-service';
import { rollupReady } from '../main/analytics/event-rollup';
import { identityPage } from '../main/api/identities-service';
import { CaseStore } from '../main/case-store/case-store';
import { caseStorage } from '../main/case-store/case-storage';
import { runDetections } from '../main/detect/engine';
import { loadSigmaRules } from '../main/detect/sigma';
import { importBundles } from '../main/ingest/importer';
import { benchData } from './bench-case';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, sigma: { type: 'boolean', default: false } } });
const events = Number(values.events);
const root = resolve(import.meta.dirname, '..');
const dir = await benchData(events);
const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.json.gz')).map((e) => join(e.parentPath, e.name));
const gzBytes = files.reduce((n, f) => n + statSync(f).size, 0);
const casePath = join(root, '.bench', `scale-${events}.duckdb`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (what: string, ms: number, budget: number | null, extra = '') =>
  console.log(`  ${what.padEnd(48)} ${ms >= 10_000 ? `${(ms / 1000).toFixed(1).padStart(7)} s ` : `${ms.toFixed(0).padStart(7)} ms`}${budget === null ? '' : `  (budget ${budget >= 1000 ? `${budget / 1000} s` : `${budget} ms`}: ${ms <= budget ? 'met' : 'NOT met'})`}${extra ? `  ${extra}` : ''}`);

console.log(`bench:scale — ${fmt(events)} CloudTrail events, ${files.length} .json.gz files, ${(gzBytes / 1e6).toFixed(0)} MB compressed\n`);
console.log('import');
if (!existsSync(`${casePath}.complete`)) {
  for (const f of [casePath, `${casePath}.wal`, `${casePath}.journal-head.json`]) rmSync(f, { force: true });
  const t0 = performance.now();
  const store = await CaseStore.open(casePath, { create: true, memoryLimit: '384MB' });
  await importBundles(store, [dir]);
  store.close();
  const importMs = performance.now() - t0;
  const rss = process.resourceUsage().maxRSS * 1024;
  // read_json on the same files, in the same run, into a scratch file.
  const scratch = join(root, '.bench', 'scale-read-json.duckdb');
  rmSync(scratch, { force: true });
  const t1 = performance.now();
  const instance = await DuckDBInstance.create(scratch);
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE t AS SELECT unnest(Records) AS r FROM read_json('${dir}/**/*.json.gz', format = 'auto', maximum_object_size = 1073741824)`);
  connection.closeSync();
  instance.closeSync();
  const readJsonMs = performance.now() - t1;
  rmSync(scratch, { force: true });
  writeFileSync(`${casePath}.complete`, '');
  line('nhi import', importMs, null, `${fmt(events / (importMs / 1000))} events/s (target ≥ 60,000), peak RSS ${(rss / 1e6).toFixed(0)} MB (target ≤ 1 GB)`);
  line('duckdb read_json, same files (baseline)', readJsonMs, null, `ratio ${(importMs / readJsonMs).toFixed(2)}x (target ≤ 2.0x)`);
} else {
  console.log('  cached: delete .bench/scale-N.duckdb.complete to time the import again');
}

const timed = async (fn: () => Promise<unknown>, runs = 5) => {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
};

const t0 = performance.now();
const store = await CaseStore.open(casePath, { readOnly: true });
const openMs = performance.now() - t0;
const storage = await caseStorage(store);
console.log(`\ncase file ${(storage.fileBytes / 1e6).toFixed(0)} MB = ${(storage.fileBytes / gzBytes).toFixed(1)}x the gzipped evidence (target ≤ 4x)\n`);
console.log(`graph and timeline rollup: ${(await rollupReady(store)) ? 'covers the case' : 'absent or stale (an older case: graph and timeline read the events)'}`);
console.log('interactions (median of 5)');
line('open the case', openMs, 1000);
const total = (await countEvents(store, {})).total;
const page = (offset: number, extra: Partial<Parameters<typeof queryEvents>[1]> = {}) => queryEvents(store, { filter: {}, sort: { column: 'time', descending: false }, offset, limit: 200, withTotal: false, ...extra });
line('first events page', await timed(() => page(0)), 100);
const deep = Math.floor(total * 0.9);
line(`page at row ${fmt(deep)}, skipping rows`, await timed(() => page(deep)), 100);
const [anchor] = await store.read<{ t: string; u: string }>(`SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%fZ') AS t, event_uid AS u FROM events ORDER BY time, event_uid LIMIT 1 OFFSET ${deep - 1}`);
line(`page at row ${fmt(deep)}, by keyset (scrolling on)`, await timed(() => page(deep, { after: { time: anchor!.t, uid: anchor!.u } })), 100);
for (const [name, filter] of [['filter operation=GetObject', { operation: 'GetObject' }], ['filter status=failure', { status: 'failure' as const }], ['filter source', { source: 'aws.cloudtrail' }]] as const) {
  line(`${name}: first page + count`, await timed(async () => Promise.all([queryEvents(store, { filter, offset: 0, limit: 200, withTotal: false }), countEvents(store, filter)])), 300);
}
line('free text: first page', await timed(() => queryEvents(store, { filter: { text: '10.0.218' }, offset: 0, limit: 200, withTotal: false }), 3), 500);
line('free text: count', await timed(() => countEvents(store, { text: '10.0.218' }), 3), 500);
// What a responder searches for most, an id seen in one event: no early page to stop at.
const [rare] = await store.read<{ id: string }>(`SELECT event_uid AS id FROM events LIMIT 1 OFFSET ${Math.floor(total / 2)}`);
line('free text, an id in one event: first page', await timed(() => queryEvents(store, { filter: { text: rare!.id }, offset: 0, limit: 200, withTotal: false }), 3), 500);
line('graph query, whole case', await timed(() => graphQuery(store, {})), 300);
line('timeline histogram', await timed(() => timelineHistogram(store, {})), 100);
const [span] = await store.read<{ lo: string }>(`SELECT strftime(min(time) + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%SZ') AS lo FROM events`);
const hour = { from: span!.lo, to: new Date(Date.parse(span!.lo) + 3_600_000).toISOString() };
line('brush: graph + timeline on one hour', await timed(() => Promise.all([graphQuery(store, hour), timelineHistogram(store, hour)])), 100);
// A wheel zoom (the timeline alone) or a typed window rarely falls on a minute: its part-minutes
// come from the events, and for the graph with their resources.
const ragged = { from: new Date(Date.parse(hour.from) + 27_500).toISOString(), to: new Date(Date.parse(hour.to) + 13_000).toISOString() };
line('wheel zoom: timeline, window off the minute', await timed(() => timelineHistogram(store, ragged, 240)), 100);
line('graph on a typed window off the minute', await timed(() => graphQuery(store, ragged)), 300);
line('identities page', await timed(() => identityPage(store, { sort: { key: 'events', descending: true }, offset: 0, limit: 200 })), 100);
store.close();

const writer = await CaseStore.open(casePath);
let t = performance.now();
await deriveIdentities(writer);
line('derive identities, sessions, credentials', performance.now() - t, 20_000);
t = performance.now();
await runDetections(writer);
line('built-in detections', performance.now() - t, 30_000);
if (values.sigma) {
  const sigma = await loadSigmaRules(join(root, 'fixtures/sigma'));
  t = performance.now();
  await runDetections(writer, { sigma: sigma.rules });
  line(`built-in + ${sigma.rules.length} Sigma rules`, performance.now() - t, 30_000 + 60_000);
}
writer.close();
