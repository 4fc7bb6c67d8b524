import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { handleApiCall } from './services';
import { SqlError, runAnalystSql } from './sql-console';

const FIXTURE = resolve(__dirname, '../../fixtures/incident-0214/bundle.zip');
let casePath: string;
const digest = () => createHash('sha256').update(readFileSync(casePath)).digest('hex');

beforeAll(async () => {
  casePath = join(tempDir(), 'sql.duckdb');
  const store = await CaseStore.open(casePath, { create: true });
  await importBundles(store, [FIXTURE]);
  store.close();
});

describe('the analyst SQL console', () => {
  it('answers a query with an Arrow stream the renderer can decode', async () => {
    const result = await runAnalystSql(casePath, `SELECT actor_uid, count(*) AS n, sum(bytes_out) AS bytes FROM events WHERE src_ip = '198.51.100.23' GROUP BY ALL ORDER BY n DESC`);
    expect(result.columns.map((c) => c.name)).toEqual(['actor_uid', 'n', 'bytes']);
    const table = tableFromIPC(Buffer.from(result.arrow, 'base64'));
    expect(table.numRows).toBe(result.rowCount);
    const first = table.get(0)!.toJSON() as { actor_uid: string; n: number };
    expect(first.actor_uid).toBe('arn:aws:iam::111111111111:role/backend-svc');
    expect(first.n).toBe(282);
  });

  it('caps the rows it returns and says so', async () => {
    const result = await runAnalystSql(casePath, `SELECT event_uid FROM events`, 100);
    expect(result).toMatchObject({ rowCount: 100, truncated: true, truncatedBy: 'rows' });
  });

  it('caps the bytes it returns, so a result of huge raw records cannot exhaust memory', async () => {
    const result = await runAnalystSql(casePath, `SELECT raw FROM events`, { rows: 10_000, bytes: 200_000 });
    expect(result.truncatedBy).toBe('bytes');
    expect(result.rowCount).toBeGreaterThan(10);
    expect(result.rowCount).toBeLessThan(200);
  });

  it('can neither modify the case nor read or write any other file', async () => {
    const before = digest();
    const outside = join(tempDir(), 'stolen.csv');
    const attempts = [
      // DuckDB's external-access switch still allows the database's own files: these used to
      // overwrite the case with 41 bytes, or write beside it.
      `COPY (SELECT 'x') TO '${casePath}' (FORMAT csv, USE_TMP_FILE false)`,
      `COPY (SELECT 'x') TO '${casePath}.wal' (FORMAT csv)`,
      `COPY (SELECT 'x') TO '${casePath}.tmp/x.csv' (FORMAT csv)`,
      `EXPORT DATABASE '${casePath}.tmp'`,
      `EXPLAIN ANALYZE COPY (SELECT 'x') TO '${casePath}' (FORMAT csv, USE_TMP_FILE false)`,
      `/* hidden */ EXPLAIN ANALYZE DELETE FROM events`,
      `EXPLAIN (FORMAT json) SELECT 1`,
      `SELECT * FROM query('COPY (SELECT 1) TO ''${casePath}''')`,
      `PRAGMA force_checkpoint`,
      `VACUUM`,
      `SET threads = 1`,
      `CALL checkpoint()`,
      `BEGIN TRANSACTION`,
      `DELETE FROM events`,
      `UPDATE evidence SET sha256 = 'x'`,
      `INSERT INTO quarantine SELECT * FROM quarantine`,
      `DROP TABLE events`,
      `CREATE TABLE copy AS SELECT * FROM events`,
      `ALTER TABLE events ADD COLUMN x INTEGER`,
      `COPY (SELECT raw FROM events) TO '${outside}'`,
      `SELECT * FROM read_csv('/etc/passwd')`,
      `SELECT * FROM read_text('/etc/hostname')`,
      `SELECT * FROM glob('/*')`,
      `ATTACH '${join(tempDir(), 'other.duckdb')}' AS other`,
      `SET enable_external_access = true`,
      `INSTALL httpfs`,
      `LOAD httpfs`,
      `SELECT 1; DELETE FROM events`,
    ];
    for (const sql of attempts) await expect(runAnalystSql(casePath, sql), sql).rejects.toBeInstanceOf(SqlError);
    await expect(runAnalystSql(casePath, `COPY (SELECT 'x') TO '${casePath}'`)).rejects.toThrow(/only reads: COPY statement refused/);
    await expect(runAnalystSql(casePath, 'CHECKPOINT')).rejects.toThrow(/only reads/);
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(`${casePath}.tmp`)).toBe(false);
    expect(digest()).toBe(before);
    // Queries of every read-only shape still run.
    for (const sql of ['WITH a AS (SELECT 1 AS x) SELECT * FROM a', 'FROM evidence LIMIT 1', 'EXPLAIN SELECT count(*) FROM events', 'EXPLAIN ANALYZE SELECT count(*) FROM events', 'DESCRIBE events', 'SHOW TABLES', 'SUMMARIZE SELECT 1 AS x']) {
      await expect(runAnalystSql(casePath, sql), sql).resolves.toMatchObject({ columns: expect.any(Array) });
    }
  });

  it('reaches the renderer as a typed error through the API', async () => {
    const refused = await handleApiCall('sql.query', { casePath, sql: 'DROP TABLE events' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'sql_error' } });
    const ok = await handleApiCall('sql.query', { casePath, sql: 'SELECT count(*) AS n FROM events' });
    expect(ok).toMatchObject({ ok: true, value: { rowCount: 1, columns: [{ name: 'n' }] } });
    expect(await handleApiCall('sql.query', { casePath, sql: '' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
