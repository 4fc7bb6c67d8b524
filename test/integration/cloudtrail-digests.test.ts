import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DigestBundle, writeDigestBundle } from '../../fixtures/generate/digest-bundle';
import { CaseStore } from '../../main/case-store/case-store';
import { runDetections } from '../../main/detect/engine';
import { EXIT } from '../../main/cli/exit-codes';
import { loadTrustedKeys } from '../../main/integrity/cloudtrail-digests';
import { importBundles } from '../../main/ingest/importer';
import { coverage } from '../../main/integrity/coverage';
import { renderReportHtml } from '../../main/report/report-html';
import { tempDir } from '../helpers/builders';

const ROOT = resolve(__dirname, '../..');
const nhi = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/nhi.mjs'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const name = (path: string) => path.split('/').pop()!;

/** Imports a bundle into a new case with the bundle's trusted keys; returns the report and the open store. */
async function importWithKeys(bundle: DigestBundle, dir = bundle.bundleDir) {
  const store = await CaseStore.open(join(tempDir(), 'case.duckdb'), { create: true });
  const report = await importBundles(store, [dir], { trustKeys: loadTrustedKeys(bundle.keysFile) });
  return { store, report };
}

describe('CloudTrail digest validation, offline', () => {
  let bundle: DigestBundle;
  beforeAll(() => {
    // Eight hours; logging stopped at the end of hour 3, dark in hour 4, restarted in hour 5.
    bundle = writeDigestBundle({ dir: tempDir(), hours: 8, stopLoggingAtHour: 3 });
  });

  it('holds on the bundle as delivered: every log file listed and matching, signatures valid, one chain gap where logging stopped', async () => {
    const { store, report } = await importWithKeys(bundle);
    try {
      const digests = report.digests!;
      expect(digests.isValid).toBe(true);
      expect(digests.trails).toEqual([
        {
          account: '123456789012',
          region: 'us-east-1',
          digests: 7,
          chains: 2,
          firstStart: bundle.digests[0]!.start,
          lastEnd: bundle.digests[6]!.end,
          signatures: { valid: 7, invalid: 0, unchecked: 0, missing: 0 },
          logFiles: { listed: 21, ok: 21, modified: 0, missing: 0, added: 0, notCovered: 0 },
        },
      ]);
      expect(digests.problems.map((p) => [p.kind, p.windowStart, p.windowEnd])).toEqual([['chain_gap', bundle.digests[3]!.end, bundle.digests[4]!.start]]);
      // The digests and their signatures are imported records, not quarantined, not events.
      expect(report.totals.quarantined).toBe(0);
      expect(await store.read(`SELECT count(*)::INTEGER AS n FROM events WHERE operation IN ('StopLogging', 'StartLogging')`)).toEqual([{ n: 2 }]);

      // Coverage tells the same story from the events: the dark hour, and who turned logging off.
      const cov = await coverage(store);
      expect(cov.groups).toHaveLength(1);
      expect(cov.groups[0]).toMatchObject({ source: 'aws.cloudtrail', boundary: '123456789012', region: 'us-east-1', digests: 7, activeHours: 7, spanHours: 8 });
      expect(cov.groups[0]!.silences).toEqual([{ from: '2026-06-10T04:00:00Z', to: '2026-06-10T05:00:00Z', hours: 1 }]);
      expect(cov.loggingChanges.map((c) => [c.operation, c.effect, c.actor])).toEqual([
        ['StopLogging', 'stopped', 'arn:aws:iam::123456789012:user/ops-admin'],
        ['StartLogging', 'started', 'arn:aws:iam::123456789012:user/ops-admin'],
      ]);
      const answers = new Map(cov.questions.map((q) => [q.id, q]));
      expect(answers.get('log-integrity')!.answer).toBe('yes');
      expect(answers.get('aws-s3-data')).toMatchObject({ answer: 'partly', why: expect.stringContaining('no object reads or writes') });
      expect(answers.get('baselines')!.answer).toBe('no');

      // The auditor's report carries the verdict and the logging change.
      const html = await renderReportHtml(store);
      expect(html).toContain('CloudTrail digests: every log file matches its digest');
      expect(html).toContain('StopLogging');
    } finally {
      store.close();
    }
  });

  it('reports exactly one deleted and one modified log file by name, and raises a finding; verify exits with its own code', async () => {
    const tampered = join(tempDir(), 'tampered');
    cpSync(bundle.bundleDir, tampered, { recursive: true });
    const deleted = bundle.logFiles.find((f) => f.hour === 1)!.path;
    const modified = bundle.logFiles.find((f) => f.hour === 6)!.path;
    rmSync(join(tampered, deleted));
    const text = gunzipSync(readFileSync(join(tampered, modified))).toString().replace('"DescribeInstances"', '"DescribeRegions"');
    writeFileSync(join(tampered, modified), gzipSync(text));
    const { store, report } = await importWithKeys(bundle, tampered);
    try {
      const digests = report.digests!;
      expect(digests.isValid).toBe(false);
      expect(digests.problems.map((p) => [p.kind, p.s3Object && name(p.s3Object)]).sort()).toEqual(
        [
          ['chain_gap', name(bundle.digests[4]!.path)],
          ['log_missing', name(deleted)],
          ['log_modified', name(modified)],
        ].sort(),
      );
      expect(digests.trails[0]!.signatures).toEqual({ valid: 7, invalid: 0, unchecked: 0, missing: 0 });
      await runDetections(store);
      const findings = await store.read<{ severity: string; explanation: string }>(`SELECT severity, explanation FROM findings WHERE rule_id = 'cloudtrail-log-integrity' ORDER BY explanation`);
      expect(findings).toHaveLength(2);
      expect(findings.every((f) => f.severity === 'critical')).toBe(true);
      expect(findings.map((f) => f.explanation).join('\n')).toContain(name(deleted));
      expect(findings.map((f) => f.explanation).join('\n')).toContain(name(modified));
      const casePath = store.path;
      store.close();
      const run = nhi('verify', '--case', casePath, '--trust-keys', bundle.keysFile);
      expect(run.code).toBe(EXIT.sourceLogsTampered);
      expect(run.stdout).toContain('CloudTrail digests: FAILED');
      expect(run.stdout).toContain(name(deleted).slice(0, 30));
    } finally {
      store.close();
    }
  });

  it('catches a modified digest, a deleted digest and a forged log file', async () => {
    const tampered = join(tempDir(), 'digests');
    cpSync(bundle.bundleDir, tampered, { recursive: true });
    // Hour 1's digest: one log hash rewritten (to hide a change), so its signature fails and hour 2 no longer chains to it.
    const edited = bundle.digests.find((d) => d.hour === 1)!.path;
    const digest = JSON.parse(gunzipSync(readFileSync(join(tampered, edited))).toString()) as { logFiles: { hashValue: string }[] };
    digest.logFiles[0]!.hashValue = 'f'.repeat(64);
    writeFileSync(join(tampered, edited), gzipSync(JSON.stringify(digest)));
    // Hour 6's digest deleted.
    const removed = bundle.digests.find((d) => d.hour === 6)!.path;
    rmSync(join(tampered, removed));
    // A log file no digest lists, dated in hour 2.
    const real = bundle.logFiles.find((f) => f.hour === 2)!.path;
    const forged = real.replace(/_[0-9a-f]{16}\.json\.gz$/, '_0123456789abcdef.json.gz');
    writeFileSync(join(tampered, forged), readFileSync(join(tampered, real)));
    const { store, report } = await importWithKeys(bundle, tampered);
    try {
      const kinds = report.digests!.problems.map((p) => p.kind).sort();
      expect(kinds).toEqual(expect.arrayContaining(['digest_missing', 'digest_modified', 'log_added', 'signature_invalid']));
      expect(report.digests!.problems.find((p) => p.kind === 'digest_missing')!.detail).toContain(name(removed));
      expect(report.digests!.problems.find((p) => p.kind === 'log_added')!.s3Object).toContain('0123456789abcdef');
      // The log files hour 6's digest listed are no longer checked by any digest.
      expect(report.digests!.trails[0]!.logFiles.listed).toBe(21 - 3);
    } finally {
      store.close();
    }
  });

  it('checks hashes and chains without keys, and says the signatures were not checked', async () => {
    const store = await CaseStore.open(join(tempDir(), 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [bundle.bundleDir]);
      expect(report.digests!.signaturesChecked).toBe(false);
      expect(report.digests!.trails[0]!.signatures).toEqual({ valid: 0, invalid: 0, unchecked: 7, missing: 0 });
      expect(report.digests!.trails[0]!.logFiles.ok).toBe(21);
    } finally {
      store.close();
    }
  });
});
