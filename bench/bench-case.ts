import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeCloudTrailBundle } from '../fixtures/generate/bulk-writer';
import { CaseStore } from '../main/case-store/case-store';
import { importBundles } from '../main/ingest/importer';
import { refreshRollup, rollupReady } from '../main/analytics/event-rollup';

/**
 * Generated CloudTrail data and a case imported from it, built once per size under .bench/ and
 * reused by the benchmarks (a 1,000,000-event case takes about a minute to import here).
 */

const root = resolve(import.meta.dirname, '..');

export async function benchData(events: number): Promise<string> {
  const dir = join(root, '.bench', `cloudtrail-${events}-42`);
  if (!existsSync(join(dir, '.complete'))) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`generating ${events.toLocaleString('en-US')} events …\n`);
    await writeCloudTrailBundle({ dir, seed: 42, events, recordsPerFile: 10_000 });
    writeFileSync(join(dir, '.complete'), '');
  }
  return dir;
}

/** A case of `events` generated events with identities derived, as the app shows it. */
export async function benchCase(events: number): Promise<string> {
  const casePath = join(root, '.bench', `app-${events}.duckdb`);
  if (!existsSync(`${casePath}.complete`)) {
    const data = await benchData(events);
    process.stderr.write(`importing into ${casePath} …\n`);
    const store = await CaseStore.open(casePath, { create: true, memoryLimit: '1GB' });
    await importBundles(store, [data]);
    store.close();
    writeFileSync(`${casePath}.complete`, '');
  } else {
    // A case cached by an older build has no graph and timeline rollup: an import today builds
    // one, so the benchmarks measure the case as the app makes it now.
    const store = await CaseStore.open(casePath);
    try {
      if (!(await rollupReady(store))) {
        const built = await refreshRollup(store, 'all');
        process.stderr.write(`built the rollup the import now makes: ${built.rows.toLocaleString('en-US')} rows in ${built.ms.toFixed(0)} ms\n`);
      }
    } finally {
      store.close();
    }
  }
  return casePath;
}
