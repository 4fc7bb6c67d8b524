/**
 * `npm run bench:verify [-- --events N --seed S]`
 *
 * Imports the bench:import bundle once (cached under .bench/), then times `verify` step by step,
 * and in the same process the floor of its source check: reading, hashing and gunzipping every
 * source file and nothing else.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { writeCloudTrailBundle } from '../fixtures/generate/bulk-writer';
import { CaseStore } from '../main/case-store/case-store';
import { importBundles } from '../main/ingest/importer';
import { verifyCase } from '../main/integrity/verify';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' }, deep: { type: 'boolean', default: false } } });
const events = Number(values.events);
const seed = Number(values.seed);
const root = resolve(import.meta.dirname, '..');
const dataDir = join(root, '.bench', `cloudtrail-${events}-${seed}`);
if (!existsSync(join(dataDir, '.complete'))) {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  process.stderr.write(`generating ${events.toLocaleString('en-US')} events into ${dataDir} …\n`);
  await writeCloudTrailBundle({ dir: dataDir, seed, events, recordsPerFile: 10_000 });
  writeFileSync(join(dataDir, '.complete'), '');
}
const casePath = join(root, '.bench', `verify-${events}-${seed}.duckdb`);
if (!existsSync(`${casePath}.complete`)) {
  rmSync(casePath, { force: true });
  process.stderr.write(`importing into ${casePath} …\n`);
  const store = await CaseStore.open(casePath, { create: true, memoryLimit: '1GB' });
  await importBundles(store, [dataDir], { deriveAnalytics: false });
  store.close();
  writeFileSync(`${casePath}.complete`, '');
}

const files = listFiles(dataDir).filter((f) => f.endsWith('.json.gz'));
let t = performance.now();
for (const f of files) {
  const hash = createHash('sha256');
  const content = createHash('sha256');
  await pipeline(
    createReadStream(f).on('data', (c) => hash.update(c)),
    createGunzip(),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        content.update(chunk);
        done();
      },
    }),
  );
}
const floor = performance.now() - t;

const store = await CaseStore.open(casePath, { readOnly: true });
const steps: { step: string; ms: number }[] = [];
let last = performance.now();
let current = 'start';
t = performance.now();
const report = await verifyCase(store, {
  deep: values.deep === true,
  onProgress: (step) => {
    const name = step.replace(/ \d+\/\d+$/, '');
    if (name === current) return;
    const now = performance.now();
    steps.push({ step: current, ms: now - last });
    current = name;
    last = now;
  },
});
const now = performance.now();
steps.push({ step: current, ms: now - last });
const total = now - t;
store.close();

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`bench:verify — ${events.toLocaleString('en-US')} events in ${files.length} .json.gz files (valid: ${report.isValid}, ${report.recordProblems} record problems)`);
for (const x of steps.filter((x) => x.step !== 'start')) console.log(`  ${x.step.padEnd(36)} ${s(x.ms).padStart(9)}`);
console.log(`  verify total                         ${s(total).padStart(9)}  (${Math.round(events / (total / 1000)).toLocaleString('en-US')} events/s)`);
console.log(`  floor: read + SHA-256 + gunzip + SHA-256 of every source file ${s(floor)}; ratio ${(total / floor).toFixed(2)}x`);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}
