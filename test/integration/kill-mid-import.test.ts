import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { verifyCase } from '../../main/integrity/verify';
import { jsonLines, records, tempDir } from '../helpers/builders';

const CLI = resolve(__dirname, '../../bin/nhi.mjs');

function runCli(args: string[]) {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A checksum of everything an import writes, except the import log itself. */
async function caseState(path: string) {
  const store = await CaseStore.open(path, { readOnly: true });
  try {
    const [state] = await store.read(`
      SELECT
        (SELECT count(*) FROM evidence)::BIGINT AS evidence,
        (SELECT coalesce(sum(hash(evidence_id, path_in_bundle, sha256, status, records_ok)), 0)::VARCHAR FROM evidence) AS evidence_sum,
        (SELECT count(*) FROM events)::BIGINT AS events,
        (SELECT coalesce(sum(hash(event_uid, time, raw, evidence_id, record_no)), 0)::VARCHAR FROM events) AS events_sum,
        (SELECT count(*) FROM event_resources)::BIGINT AS resources,
        (SELECT count(*) FROM quarantine)::BIGINT AS quarantine`);
    return state;
  } finally {
    store.close();
  }
}

async function writeBigJsonLines(path: string, from: number, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i += 1000) {
    if (!out.write(jsonLines(records(from + i, Math.min(1000, count - i))))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('an import killed with SIGKILL in the middle of a file', () => {
  it('leaves the case exactly as before that file, and a second run finishes the job', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    writeFileSync(first, jsonLines(records(0, 2000)));
    await writeBigJsonLines(second, 1_000_000, 200_000);

    const done = runCli(['import', first, '--case', casePath, '--json']);
    const [code] = (await once(done, 'exit')) as [number];
    expect(code).toBe(0);
    const before = await caseState(casePath);
    expect(before).toMatchObject({ evidence: 1, events: 2000 });

    const child = runCli(['import', second, '--case', casePath, '--progress', 'jsonl']);
    let killedAt: { currentFile: string; recordsRead: number } | null = null;
    const lines = createInterface({ input: child.stderr });
    lines.on('line', (line) => {
      if (killedAt || !line.startsWith('{')) return;
      const progress = JSON.parse(line) as { currentFile: string; recordsRead: number };
      if (progress.currentFile === 'second.jsonl' && progress.recordsRead > 5_000) {
        killedAt = progress;
        child.kill('SIGKILL');
      }
    });
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    expect(killedAt).not.toBeNull();
    expect(killedAt!.recordsRead).toBeLessThan(200_000);

    // DuckDB replays its WAL on open: only committed transactions come back.
    expect(await caseState(casePath)).toEqual(before);
    const store = await CaseStore.open(casePath);
    expect((await verifyCase(store)).isValid).toBe(true);
    store.close();

    const rerun = runCli(['import', first, second, '--case', casePath, '--json']);
    let output = '';
    rerun.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [rerunCode] = (await once(rerun, 'exit')) as [number];
    expect(rerunCode).toBe(0);
    const report = JSON.parse(output) as { files: { path: string; status: string; recordsOk: number }[] };
    expect(report.files.map((f) => [f.path, f.status, f.recordsOk])).toEqual([
      ['first.jsonl', 'duplicate', 0],
      ['second.jsonl', 'imported', 200_000],
    ]);
    expect(await caseState(casePath)).toMatchObject({ evidence: 2, events: 202_000 });
  });
});
