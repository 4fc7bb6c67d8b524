import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctRecord, envelope, tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { CasePool } from './case-pool';

const CLI = resolve(__dirname, '../../bin/nhi.mjs');

describe('the app and the CLI on one case', () => {
  it('lets the CLI write to a case the app has been reading: idle cases are let go', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trail.json'), envelope([ctRecord(1), ctRecord(2)]));
    const casePath = join(dir, 'case.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(dir, 'trail.json')]);
    store.close();
    const pool = new CasePool();
    try {
      expect(await pool.read(casePath, async (s) => (await s.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events`))[0]!.n)).toBe(2);
      expect(pool.isIdle()).toBe(false);
      // The app shows the case; the analyst writes a note from a terminal.
      // (Asynchronously: the app's process keeps running meanwhile, as it would.)
      const note = await promisify(execFile)(process.execPath, [CLI, 'note', '--case', casePath, '--identity', 'arn:aws:iam::111111111111:role/backend-svc', '--text', 'checked with the owner'], { encoding: 'utf8', timeout: 30_000 });
      expect(note.stdout).toMatch(/journal/i);
      expect(pool.isIdle()).toBe(true);
      // And the app reads on, the note included.
      expect(await pool.read(casePath, async (s) => (await s.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM journal WHERE action = 'note'`))[0]!.n)).toBe(1);
    } finally {
      await pool.closeAll();
    }
  });
});
