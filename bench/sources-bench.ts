/**
 * `npm run bench:sources [-- --records N]`
 *
 * Import throughput per log source: each source's records (from ../shared/samples, or the
 * CloudTrail generator) are repeated with unique ids up to N records of JSON lines, imported into
 * a fresh case, and timed; in the same process DuckDB's read_json over the same file is the
 * baseline for the ratio.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { CaseStore } from '../main/case-store/case-store';
import { importBundles } from '../main/ingest/importer';
import { ctRecord } from '../fixtures/generate/cloudtrail-records';
import { Prng } from '../fixtures/generate/prng';

const { values } = parseArgs({ options: { records: { type: 'string', default: '200000' } } });
const N = Number(values.records);
const root = resolve(import.meta.dirname, '..');
const samples = resolve(root, '../shared/samples');
const work = join(root, '.bench', 'sources');
mkdirSync(work, { recursive: true });

type Json = Record<string, unknown>;
const lines = (path: string) => readFileSync(join(samples, path), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Json);
/** Sources: sample records and how to make copy `i` of a record unique. */
const SOURCES: { source: string; records: () => Json[]; unique: (r: Json, i: number) => Json }[] = [
  {
    source: 'aws.cloudtrail',
    records: () => {
      const rng = new Prng(1);
      const actor = { userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/backend-svc/i-1', accountId: '111111111111', accessKeyId: 'ASIAX', sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111111111111:role/backend-svc', userName: 'backend-svc' } } }, sourceIPAddress: '10.0.0.1', userAgent: 'aws-sdk-go-v2/1.30.3' };
      return [ctRecord(rng, actor, Date.UTC(2026, 1, 14), { service: 's3', name: 'GetObject', readOnly: true, data: true, recipientAccountId: '111111111111', requestParameters: { bucketName: 'b', key: 'k' }, additionalEventData: { bytesTransferredOut: 10 } })];
    },
    unique: (r, i) => ({ ...r, eventID: `e-${i}` }),
  },
  { source: 'k8s.audit', records: () => lines('k8s_audit/elastic__integrations/packages/kubernetes/data_stream/audit_logs/_dev/test/pipeline/test-audit.log').slice(0, 3), unique: (r, i) => ({ ...r, auditID: `a-${i}` }) },
  { source: 'gcp.audit', records: () => lines('gcp_audit/matanolabs__logtest/examples/gcp_audit/test/test-audit.log'), unique: (r, i) => ({ ...r, insertId: `i-${i}` }) },
  { source: 'azure.signin', records: () => lines('azure/matanolabs__logtest/examples/msft_aad_signinlogs/test/test-non-interactive-user-sample.log'), unique: (r, i) => ({ ...r, properties: { ...(r.properties as Json), id: `s-${i}` } }) },
  { source: 'okta.system', records: () => lines('okta/matanolabs__logtest/examples/okta_system/test/test-okta-system-events.log'), unique: (r, i) => ({ ...r, uuid: `u-${i}` }) },
  { source: 'github.audit', records: () => lines('github_audit/matanolabs__logtest/examples/github_audit/test/test-audit-json.log'), unique: (r, i) => ({ ...r, _document_id: `d-${i}` }) },
];

if (!existsSync(samples)) {
  console.log(`bench:sources needs ${samples} for the non-CloudTrail sources; only CloudTrail is measured`);
  SOURCES.splice(1);
}

console.log(`bench:sources — ${N.toLocaleString('en-US')} JSON-lines records per source, one file each, then all sources mixed in one file`);
const mixedParts: string[][] = [];
for (const { source, records, unique } of SOURCES) {
  const file = join(work, `${source}.jsonl`);
  if (!existsSync(file)) {
    const base = records();
    const out: string[] = [];
    for (let i = 0; i < N; i++) out.push(JSON.stringify(unique(base[i % base.length]!, i)));
    writeFileSync(file, `${out.join('\n')}\n`);
  }
  const mb = statSync(file).size / 1e6;
  mixedParts.push(firstLines(file, Math.ceil(N / SOURCES.length)));
  const casePath = join(work, `${source}.duckdb`);
  rmSync(casePath, { force: true });
  rmSync(`${casePath}.wal`, { force: true });
  const store = await CaseStore.open(casePath, { create: true, memoryLimit: '384MB' });
  let t = performance.now();
  const report = await importBundles(store, [file], { deriveAnalytics: false });
  const importMs = performance.now() - t;
  store.close();
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  t = performance.now();
  await duck.run(`CREATE TABLE t AS SELECT * FROM read_json('${file}', format = 'newline_delimited', union_by_name = true, maximum_object_size = 67108864)`);
  const baseMs = performance.now() - t;
  duck.closeSync();
  rmSync(casePath, { force: true });
  const rate = report.totals.eventsImported / (importMs / 1000);
  console.log(
    `  ${source.padEnd(15)} ${report.totals.eventsImported.toLocaleString('en-US').padStart(9)} events  ${(importMs / 1000).toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en-US').padStart(8)} events/s  ${(mb / (importMs / 1000)).toFixed(1).padStart(5)} MB/s   read_json ${(baseMs / 1000).toFixed(2)} s (ratio ${(importMs / baseMs).toFixed(1)}x)` +
      (report.totals.quarantined > 0 ? `  (${report.totals.quarantined} quarantined)` : ''),
  );
}

// Every source interleaved record by record in one file: the path where each batch holds all parsers.
const mixed = join(work, 'mixed.jsonl');
const interleaved: string[] = [];
for (let i = 0; i < Math.max(...mixedParts.map((p) => p.length)); i++) for (const part of mixedParts) if (part[i]) interleaved.push(part[i]!);
writeFileSync(mixed, `${interleaved.join('\n')}\n`);
const mixedCase = join(work, 'mixed.duckdb');
rmSync(mixedCase, { force: true });
const store = await CaseStore.open(mixedCase, { create: true, memoryLimit: '384MB' });
const t0 = performance.now();
const mixedReport = await importBundles(store, [mixed], { deriveAnalytics: false });
const ms = performance.now() - t0;
const perSource = await store.read<{ source: string; n: number }>(`SELECT source, count(*)::BIGINT AS n FROM events GROUP BY source ORDER BY source`);
store.close();
rmSync(mixedCase, { force: true });
console.log(
  `  ${'mixed'.padEnd(15)} ${mixedReport.totals.eventsImported.toLocaleString('en-US').padStart(9)} events  ${(ms / 1000).toFixed(2).padStart(6)} s  ${Math.round(mixedReport.totals.eventsImported / (ms / 1000)).toLocaleString('en-US').padStart(8)} events/s  (${perSource.map((p) => `${p.source} ${p.n.toLocaleString('en-US')}`).join(', ')})`,
);

/** The first `count` lines of a file, reading no more of it than they need. */
function firstLines(path: string, count: number): string[] {
  const fd = openSync(path, 'r');
  try {
    let size = 1 << 20;
    for (;;) {
      const buffer = Buffer.alloc(Math.min(size, statSync(path).size));
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      const lines = buffer.subarray(0, n).toString('utf8').split('\n');
      if (lines.length > count || n < buffer.length) return lines.slice(0, count).filter((l) => l !== '');
      size *= 2;
    }
  } finally {
    closeSync(fd);
  }
}
