/**
 * `npm run bench:detect [-- --events N]`
 *
 * All built-in detections over a generated case of N events (default 1,000,000; normal traffic,
 * no attack), built once under .bench/: total and per-rule time, and the findings they raise per
 * 100,000 events, which on attack-free data are false positives. Baseline in the same process:
 * one plain scan of the events table (count, bytes and time range per actor).
 */
import { parseArgs } from 'node:util';
import { CaseStore } from '../main/case-store/case-store';
import { runDetections } from '../main/detect/engine';
import { loadSigmaRules } from '../main/detect/sigma';
import { benchCase } from './bench-case';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' } } });
const casePath = await benchCase(Number(values.events));
const store = await CaseStore.open(casePath);
try {
  const [{ n } = { n: 0 }] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM events`);
  const t0 = performance.now();
  await store.read(`SELECT actor_uid, count(*), sum(coalesce(bytes_out, 0) + coalesce(bytes_in, 0)), min(time), max(time) FROM events GROUP BY actor_uid`);
  const scan = performance.now() - t0;
  await runDetections(store); // warm
  const report = await runDetections(store);
  const sigma = await loadSigmaRules(new URL('../fixtures/sigma', import.meta.url).pathname);
  const withSigma = await runDetections(store, { sigma: sigma.rules });
  const sigmaRuns = withSigma.rules.filter((r) => r.kind === 'sigma');
  const sigmaMs = sigmaRuns.reduce((t, r) => t + r.ms, 0);
  const sigmaFindings = sigmaRuns.reduce((t, r) => t + r.findings, 0);
  const slowest = [...sigmaRuns].sort((a, b) => b.ms - a.ms).slice(0, 5);
  const per100k = (x: number) => ((x * 100_000) / n).toFixed(2);
  console.log(`\nbench:detect — ${n.toLocaleString('en-US')} events of normal generated traffic (no attack)\n`);
  console.log(`${'rule'.padEnd(26)} ${'ms'.padStart(7)} ${'findings'.padStart(9)} ${'per 100k ev'.padStart(12)}`);
  for (const r of report.rules) console.log(`${r.id.padEnd(26)} ${r.ms.toFixed(0).padStart(7)} ${String(r.findings).padStart(9)} ${per100k(r.findings).padStart(12)}${r.error ? `  ERROR ${r.error}` : ''}`);
  console.log(`\nall rules: ${report.elapsedMs.toFixed(0)} ms (incl. writing findings), ${report.findings} findings = ${per100k(report.findings)} false positives per 100,000 events`);
  const [bySeverity] = await store.read<{ medium_up: number; high_up: number }>(
    `SELECT count(*) FILTER (WHERE severity IN ('medium', 'high', 'critical'))::BIGINT AS medium_up, count(*) FILTER (WHERE severity IN ('high', 'critical'))::BIGINT AS high_up FROM findings`,
  );
  console.log(`at medium or above: ${bySeverity!.medium_up} = ${per100k(bySeverity!.medium_up)} per 100,000 events (goal ≤ 10); at high or above: ${bySeverity!.high_up} (goal 0)`);
  console.log(`baseline, one aggregate scan of events: ${scan.toFixed(0)} ms → detections cost ${(report.elapsedMs / scan).toFixed(1)}x that`);
  console.log(`\nSigma: ${sigmaRuns.length} SigmaHQ rules (${sigma.skipped.length} skipped) in ${sigmaMs.toFixed(0)} ms (${(sigmaMs / Math.max(1, sigmaRuns.length)).toFixed(1)} ms per rule), ${sigmaFindings} findings = ${per100k(sigmaFindings)} per 100,000 events`);
  for (const r of slowest) console.log(`  slowest: ${r.title.slice(0, 60).padEnd(60)} ${r.ms.toFixed(0)} ms, ${r.findings} findings`);
  console.log(`all built-in + Sigma rules: ${withSigma.elapsedMs.toFixed(0)} ms`);
} finally {
  store.close();
}
