/**
 * `npm run bench:import [-- --events N --seed S --runs R]`
 *
 * Generates N CloudTrail events (S3-delivery .json.gz files of 10k records, cached under
 * .bench/), imports them into a fresh case and, in the same run, lets DuckDB's own read_json
 * load the same files, each in a child process so peak RSS is measured per side.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeCloudTrailBundle } from '../fixtures/generate/bulk-writer';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '1' },
  },
});
const events = Number(values.events);
const seed = Number(values.seed);
const runs = Math.max(1, Number(values.runs));

const root = resolve(import.meta.dirname, '..');
const dataDir = join(root, '.bench', `cloudtrail-${events}-${seed}`);
const marker = join(dataDir, '.complete');
if (!existsSync(marker)) {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const started = performance.now();
  process.stderr.write(`generating ${events.toLocaleString('en-US')} events into ${dataDir} …\n`);
  await writeCloudTrailBundle({ dir: dataDir, seed, events, recordsPerFile: 10_000 });
  writeFileSync(marker, '');
  process.stderr.write(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const files = listFiles(dataDir).filter((f) => f.endsWith('.json.gz'));
const compressed = files.reduce((n, f) => n + statSync(f).size, 0);

interface Result {
  mode: string;
  events: number;
  ms: number;
  maxRssBytes: number;
  storage: import('../main/case-store/case-storage').CaseStorage | null;
  rawReadMs: number | null;
}

function runChild(mode: 'import' | 'read_json'): Result {
  const casePath = join(root, '.bench', `${mode}.duckdb`);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/import-child.ts'), mode, dataDir, casePath], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`${mode} failed: ${child.stderr}`);
  const line = child.stdout.trim().split('\n').pop()!;
  rmSync(casePath, { force: true });
  rmSync(`${casePath}.wal`, { force: true });
  rmSync(`${casePath}.journal-head.json`, { force: true });
  return JSON.parse(line) as Result;
}

const results: Record<'import' | 'read_json', Result[]> = { import: [], read_json: [] };
for (let run = 0; run < runs; run++) {
  for (const mode of ['read_json', 'import'] as const) results[mode].push(runChild(mode));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const imp = median(results.import.map((r) => r.ms));
const base = median(results.read_json.map((r) => r.ms));
const importEvents = results.import[0]!.events;
const impRss = Math.max(...results.import.map((r) => r.maxRssBytes));

console.log(`bench:import — ${fmt(events)} CloudTrail events in ${files.length} .json.gz files, ${mb(compressed)} MB compressed, median of ${runs} run(s)`);
console.log(
  `  nhi import       ${(imp / 1000).toFixed(2).padStart(7)} s  ${fmt(importEvents / (imp / 1000)).padStart(9)} events/s  ${(compressed / 1e6 / (imp / 1000)).toFixed(1).padStart(6)} MB/s (compressed)  peak RSS ${mb(impRss)} MB`,
);
console.log(
  `  duckdb read_json ${(base / 1000).toFixed(2).padStart(7)} s  ${fmt(results.read_json[0]!.events / (base / 1000)).padStart(9)} events/s  ${(compressed / 1e6 / (base / 1000)).toFixed(1).padStart(6)} MB/s (compressed)  peak RSS ${mb(Math.max(...results.read_json.map((r) => r.maxRssBytes)))} MB`,
);
console.log(`  ratio: the import takes ${(imp / base).toFixed(2)}x the time of read_json (which keeps no raw records, provenance or dedupe)`);
const storage = results.import[0]!.storage;
if (storage) {
  console.log(`  case file ${mb(storage.fileBytes)} MB = ${(storage.fileBytes / compressed).toFixed(1)}x the ${mb(compressed)} MB of .json.gz evidence (target ≤ 4x); largest tables:`);
  console.log(`  one event's raw record, provenance and chain (the side panel): median ${results.import[0]!.rawReadMs?.toFixed(1)} ms over 21 events`);
  for (const t of storage.tables.slice(0, 6)) console.log(`    ${t.table.padEnd(20)} ${mb(t.bytes).padStart(6)} MB  ${fmt(t.rows).padStart(10)} rows  ${t.compression.join(', ')}`);
}
if (importEvents !== events) console.log(`  WARNING: imported ${fmt(importEvents)} events, expected ${fmt(events)}`);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}
