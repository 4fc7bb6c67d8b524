import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromJSON, tableToIPC } from 'apache-arrow';
import type { SqlResult } from '../../shared/api';
import { CaseError, plainValue } from '../case-store/case-store';

/**
 * The analyst's SQL console. Each query gets its own DuckDB instance on the case file, opened
 * read-only, with external access (files, network, extensions) switched off and the
 * configuration locked so no statement can switch it back: a query can read the case and
 * nothing else, and can change nothing. One statement per call, a row cap and a time limit.
 */

export class SqlError extends Error {}

export const SQL_ROW_LIMIT = 10_000;
const SQL_TIMEOUT_MS = 30_000;

export async function runAnalystSql(casePath: string, sql: string, limit = SQL_ROW_LIMIT): Promise<SqlResult> {
  if (!existsSync(casePath)) throw new CaseError('case_not_found', `no case file at ${casePath}`);
  const started = performance.now();
  const instance = await DuckDBInstance.create(casePath, {
    access_mode: 'READ_ONLY',
    enable_external_access: 'false',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: '512MB',
  });
  const connection = await instance.connect();
  // Times in UTC, then no statement may change any setting again.
  await connection.run(`SET TimeZone = 'UTC'`);
  await connection.run(`SET lock_configuration = true`);
  const timer = setTimeout(() => connection.interrupt(), SQL_TIMEOUT_MS);
  try {
    const statements = await connection.extractStatements(sql);
    if (statements.count !== 1) throw new SqlError(statements.count === 0 ? 'no SQL statement to run' : 'one statement at a time, please');
    const reader = await connection.runAndReadUntil(sql, limit + 1);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowObjects().slice(0, limit).map((row) => Object.fromEntries(names.map((n) => [n, jsonSafe(plainValue(row[n]!))])));
    const truncated = reader.currentRowCount > limit;
    const table = rows.length > 0 ? tableFromJSON(rows) : null;
    return {
      columns: names.map((name, i) => ({ name, type: types[i]! })),
      rowCount: rows.length,
      truncated,
      arrow: table ? Buffer.from(tableToIPC(table, 'stream')).toString('base64') : '',
      elapsedMs: performance.now() - started,
    };
  } catch (err) {
    if (err instanceof SqlError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new SqlError(message.includes('INTERRUPT') ? `the query ran longer than ${SQL_TIMEOUT_MS / 1000} s and was stopped` : message.split('\n')[0]!);
  } finally {
    clearTimeout(timer);
    connection.closeSync();
    instance.closeSync();
  }
}

/** Arrow's JSON reader wants plain scalars: nested values travel as JSON text. */
function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
