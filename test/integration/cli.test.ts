import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { EXIT } from '../../main/cli/exit-codes';
import { envelope, gz, jsonLines, records, tempDir, zip } from '../helpers/builders';

const CLI = resolve(__dirname, '../../bin/nhi.mjs');

function nhi(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function bundle(): Promise<{ dir: string; casePath: string; zipPath: string }> {
  const dir = tempDir('cli-');
  const zipPath = join(dir, 'bundle.zip');
  writeFileSync(zipPath, await zip({ 'a/one.json.gz': gz(envelope(records(0, 20))), 'b/two.jsonl': jsonLines(records(20, 10)) }));
  return { dir, casePath: join(dir, 'case.duckdb'), zipPath };
}

describe('the nhi CLI', () => {
  it('imports a bundle, prints a summary table, and reports the counts as JSON for scripts', async () => {
    const { casePath, zipPath } = await bundle();
    const text = nhi('import', zipPath, '--case', casePath);
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/bundle\.zip\/a\/one\.json\.gz\s*│ imported │ json-envelope │ aws\.cloudtrail │ 20/);
    expect(text.stdout).toContain('30 events from 2 files');

    const again = nhi('import', zipPath, '--case', casePath, '--json');
    expect(again.code).toBe(EXIT.ok);
    const report = JSON.parse(again.stdout) as { totals: { eventsImported: number }; files: { status: string }[] };
    expect(report.totals.eventsImported).toBe(0);
    expect(report.files.map((f) => f.status)).toEqual(['duplicate']);
  });

  it('prints the case summary with sources, time range and top actors', async () => {
    const { casePath, zipPath } = await bundle();
    nhi('import', zipPath, '--case', casePath);
    const info = nhi('info', '--case', casePath, '--json');
    expect(info.code).toBe(EXIT.ok);
    const parsed = JSON.parse(info.stdout) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      events: 30,
      quarantined: 0,
      evidence: { files: 2, archives: 1 },
      timeRange: { first: '2026-03-16T12:00:00.000000Z', last: '2026-03-16T12:00:29.000000Z' },
      sources: [{ source: 'aws.cloudtrail', events: 30, files: 2 }],
      identities: { total: 1, machines: 1, humans: 0, unclassified: 0 },
      topActors: [{ actorUid: 'arn:aws:iam::111111111111:role/backend-svc', actorType: 'workload', isNhi: true, events: 30 }],
    });
    const text = nhi('info', '--case', casePath);
    expect(text.stdout).toContain('Time range (UTC): 2026-03-16T12:00:00.000000Z → 2026-03-16T12:00:29.000000Z');
    expect(text.stdout).toContain('Identities: 1 (1 machines, 0 humans)');
    // Where the file's bytes go, table by table; the verbatim records are stored with zstd.
    const storage = parsed.storage as { fileBytes: number; tables: { table: string; rows: number; bytes: number; compression: string[] }[] };
    expect(storage.fileBytes).toBe(statSync(casePath).size);
    const events = storage.tables.find((t) => t.table === 'events')!;
    expect(events).toMatchObject({ rows: 30 });
    expect(events.bytes).toBeGreaterThan(0);
    expect(events.compression).toContain('ZSTD');
    expect(storage.tables.reduce((n, t) => n + t.bytes, 0)).toBeLessThanOrEqual(storage.fileBytes);
    expect(text.stdout).toMatch(/Case file: [\d.]+ [KM]B \([\d.]+× the imported evidence\)/);
    expect(text.stdout).toMatch(/events\s*│\s*30\s*│/);
  });

  it('verify exits 0 on a good case and 1 when an evidence row was altered', async () => {
    const { casePath, zipPath } = await bundle();
    nhi('import', zipPath, '--case', casePath);
    const good = nhi('verify', '--case', casePath);
    expect(good.code).toBe(EXIT.ok);
    expect(good.stdout).toContain('Verify OK: 3 of 3 evidence rows');

    const store = await CaseStore.open(casePath);
    await store.run(`UPDATE evidence SET records_ok = records_ok + 1 WHERE path_in_bundle LIKE '%two.jsonl'`);
    store.close();
    const bad = nhi('verify', '--case', casePath);
    expect(bad.code).toBe(EXIT.verifyFailed);
    expect(bad.stdout).toMatch(/two\.jsonl\s*│ count_mismatch │ manifest says 11 imported records, the case holds 10/);
    expect(bad.stdout).toContain('Verify FAILED');
  });

  it('exits 5 when records were quarantined, and names the problem', async () => {
    const dir = tempDir('cli-');
    writeFileSync(join(dir, 'bad.jsonl'), `${jsonLines(records(0, 2))}{"not json\n`);
    const result = nhi('import', dir, '--case', join(dir, 'c.duckdb'), '--json');
    expect(result.code).toBe(EXIT.importedWithProblems);
    expect(JSON.parse(result.stdout).totals).toMatchObject({ eventsImported: 2, quarantined: 1 });
  });

  it('gives usage errors, missing inputs and missing cases their own exit codes', () => {
    const dir = tempDir('cli-');
    expect(nhi('import', join(dir, 'nope.zip'), '--case', join(dir, 'c.duckdb'))).toMatchObject({ code: EXIT.inputError });
    const usage = nhi('import', join(dir, 'x'));
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toContain('--case FILE is required');
    expect(nhi('frobnicate').code).toBe(EXIT.usage);
    expect(nhi('import', dir, '--case', join(dir, 'c.duckdb'), '--max-ratio', 'lots').stderr).toContain('--max-ratio takes a positive number');
    const missing = nhi('info', '--case', join(dir, 'missing.duckdb'));
    expect(missing.code).toBe(EXIT.caseError);
    expect(missing.stderr).toContain('no case file at');
  });
});
