/**
 * `npm run bench:identity [-- --events N --runs R]`
 *
 * Derives identities, sessions, credentials and baselines on a case of N generated CloudTrail
 * events (built once and cached under .bench/), and in the same process times one plain
 * aggregate scan of the events table (count and time range per actor) as the baseline.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveIdentities } from '../main/analytics/derive';
import { CaseStore } from '../main/case-store/case-store';
import { importBundles } from '../main/ingest/importer';
import { writeCloudTrailBundle } from '../fixtures/generate/bulk-writer';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } });
const events = Number(values.events);
const runs = Math.max(1, Number(values.runs));
const root = resolve(import.meta.dirname, '..');
const dataDir = join(root, '.bench', `cloudtrail-${events}-42`);
const casePath = join(root, '.bench', `identity-${events}.duckdb`);
if (!existsSync(join(dataDir, '.complete'))) {
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`generating ${events.toLocaleString('en-US')} events …\n`);
  await writeCloudTrailBundle({ dir: dataDir, seed: 42, events, recordsPerFile: 10_000 });
  writeFileSync(join(dataDir, '.complete'), '');
}
if (!existsSync(`${casePath}.complete`)) {
  process.stderr.write(`importing into ${casePath} …\n`);
  const store = await CaseStore.open(casePath, { create: true, memoryLimit: '1GB' });
  await importBundles(store, [dataDir], { deriveAnalytics: false });
  store.close();
  writeFileSync(`${casePath}.complete`, '');
}

const store = await CaseStore.open(casePath);
const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM events`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const derive: number[] = [];
const scan: number[] = [];
let report = await deriveIdentities(store);
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  await store.read(`SELECT actor_uid, count(*), min(time), max(time) FROM events GROUP BY actor_uid`);
  scan.push(performance.now() - t);
  t = performance.now();
  report = await deriveIdentities(store);
  derive.push(performance.now() - t);
}
// Incremental: as if the case's last evidence file (10,000 events) had just been imported.
const incremental: number[] = [];
for (let i = 0; i < runs; i++) {
  await store.run(`UPDATE meta SET value = (SELECT (max(evidence_id) - 1)::VARCHAR FROM evidence) WHERE key = 'derived_through_evidence'`);
  const t = performance.now();
  const r = await deriveIdentities(store, { incremental: true });
  if (r.mode !== 'incremental') throw new Error(`expected an incremental derivation, got ${r.mode}`);
  incremental.push(performance.now() - t);
}
store.close();
const d = median(derive);
const s = median(scan);
console.log(`bench:identity — ${n.toLocaleString('en-US')} events, median of ${runs} run(s)`);
console.log(`  derive identities, sessions, credentials, baselines  ${(d / 1000).toFixed(2).padStart(6)} s  (${report.identities} identities, ${report.nhi} machines, ${report.sessions.toLocaleString('en-US')} sessions, ${report.credentials.toLocaleString('en-US')} credentials)`);
console.log(`  incremental, after one more 10,000-event file        ${(median(incremental) / 1000).toFixed(2).padStart(6)} s`);
console.log(`  one aggregate scan of events (baseline)              ${(s / 1000).toFixed(2).padStart(6)} s`);
console.log(`  ratio: ${(d / s).toFixed(1)}x the plain scan; target under 5 s`);

// The identities list at 100,000 identities: a page sorted by events, a deep page, a search, each
// against a plain count over the same table in the same run.
{
  const { tempDir } = await import('../test/helpers/builders');
  const { manyIdentities } = await import('../test/helpers/many-identities');
  const { identityPage } = await import('../main/api/identities-service');
  const big = await CaseStore.open(`${tempDir()}/ids.duckdb`, { create: true });
  await manyIdentities(big, 100_000);
  const timeIt = async (fn: () => Promise<unknown>) => {
    const xs: number[] = [];
    await fn();
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await fn();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  const count = await timeIt(() => big.read(`SELECT count(*) FROM identities`));
  const firstPage = await timeIt(() => identityPage(big, { sort: { key: 'events', descending: true }, offset: 0, limit: 200 }));
  const deepPage = await timeIt(() => identityPage(big, { sort: { key: 'display', descending: false }, offset: 90_000, limit: 200 }));
  const searched = await timeIt(() => identityPage(big, { text: 'workload-4242', sort: { key: 'events', descending: true }, offset: 0, limit: 200 }));
  big.close();
  console.log(`identities list at 100,000 identities (target: paged and sortable; each under 100 ms):`);
  console.log(`  first page by events ${firstPage.toFixed(1)} ms · page at 90,000 by name ${deepPage.toFixed(1)} ms · search ${searched.toFixed(1)} ms · baseline count(*) ${count.toFixed(1)} ms`);
}
