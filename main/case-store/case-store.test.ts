import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaseError, CaseStore } from './case-store';
import { SCHEMA_VERSION } from './migrations';

const tempCase = () => join(mkdtempSync(join(tmpdir(), 'case-store-')), 'case.duckdb');

describe('CaseStore', () => {
  it('creates a case file at the current schema version with a case id', async () => {
    const path = tempCase();
    const store = await CaseStore.open(path, { create: true });
    const meta = await store.read<{ key: string; value: string }>(`SELECT key, value FROM meta ORDER BY key`);
    store.close();
    const byKey = Object.fromEntries(meta.map((m) => [m.key, m.value]));
    expect(byKey.schema_version).toBe(String(SCHEMA_VERSION));
    expect(byKey.case_id).toMatch(/^[0-9a-f-]{36}$/);
    const reopened = await CaseStore.open(path);
    expect(await reopened.read(`SELECT count(*)::INTEGER AS n FROM events`)).toEqual([{ n: 0 }]);
    reopened.close();
  });

  it('refuses to open a missing case unless asked to create it', async () => {
    await expect(CaseStore.open(tempCase())).rejects.toMatchObject({ code: 'case_not_found' });
  });

  it('refuses a file that is not a case', async () => {
    const path = tempCase();
    writeFileSync(path, 'hello, I am not a database');
    const err = await CaseStore.open(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaseError);
    expect((err as CaseError).code).toBe('not_a_case');
  });

  it('rolls a failed transaction back completely', async () => {
    const store = await CaseStore.open(tempCase(), { create: true });
    await expect(
      store.transaction(async () => {
        await store.run(`INSERT INTO meta VALUES ('x', '1')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.read(`SELECT count(*)::INTEGER AS n FROM meta WHERE key = 'x'`)).toEqual([{ n: 0 }]);
    store.close();
  });

  it('returns timestamps as ISO strings in UTC with microseconds, and big integers as numbers', async () => {
    const store = await CaseStore.open(tempCase(), { create: true });
    const rows = await store.read(`SELECT TIMESTAMP '2026-03-17 02:14:05.123456' AS t, 14000000000::BIGINT AS b`);
    expect(rows).toEqual([{ t: '2026-03-17T02:14:05.123456Z', b: 14_000_000_000 }]);
    store.close();
  });
});
