import { existsSync } from 'node:fs';
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import { tableFromJSON, tableToIPC } from 'apache-arrow';
import type { SqlResult } from '../../shared/api';
import { CaseError, plainValue } from '../case-store/case-store';

/**
 * The analyst's SQL console. Each query gets its own DuckDB instance on the case file, opened
 * read-only, with external access (files, network, extensions) switched off and the
 * configuration locked so no statement can switch it back.
 *
 * That is not enough on its own: DuckDB's external-access switch still lets a statement write
 * the database's own files (the case, its WAL, its temp folder), so `COPY … TO '<case>'` would
 * overwrite the case. So the statement's type comes from DuckDB's own parser and only a query
 * (SELECT, and EXPLAIN of one) is run; COPY, EXPORT, ATTACH, PRAGMA writes and the rest are
 * refused before anything executes. Spilling is off (no temp folder to write to). One statement
 * per call, a row cap, a byte cap and a time limit.
 */

export class SqlError extends Error {}

export const SQL_ROW_LIMIT = 10_000;
/** Results stop here even under the row cap: 10,000 rows of 1 MB raw records would be 10 GB. */
export const SQL_BYTE_LIMIT = 64 * 1024 * 1024;
const SQL_TIMEOUT_MS = 30_000;

const READ_ONLY_STATEMENTS: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

const STATEMENT_NAMES: Partial<Record<StatementType, string>> = {
  [StatementType.INSERT]: 'INSERT',
  [StatementType.UPDATE]: 'UPDATE',
  [StatementType.DELETE]: 'DELETE',
  [StatementType.CREATE]: 'CREATE',
  [StatementType.ALTER]: 'ALTER',
  [StatementType.DROP]: 'DROP',
  [StatementType.COPY]: 'COPY',
  [StatementType.EXPORT]: 'EXPORT',
  [StatementType.ATTACH]: 'ATTACH',
  [StatementType.DETACH]: 'DETACH',
  [StatementType.LOAD]: 'LOAD / INSTALL',
  [StatementType.SET]: 'SET',
  [StatementType.VACUUM]: 'VACUUM',
  [StatementType.CALL]: 'CALL',
  [StatementType.PRAGMA]: 'PRAGMA',
  [StatementType.TRANSACTION]: 'transaction control',
};

export interface SqlLimits {
  rows?: number;
  bytes?: number;
}

export async function runAnalystSql(casePath: string, sql: string, limits: number | SqlLimits = SQL_ROW_LIMIT): Promise<SqlResult> {
  const rowLimit = typeof limits === 'number' ? limits : (limits.rows ?? SQL_ROW_LIMIT);
  const byteLimit = typeof limits === 'number' ? SQL_BYTE_LIMIT : (limits.bytes ?? SQL_BYTE_LIMIT);
  if (!existsSync(casePath)) throw new CaseError('case_not_found', `no case file at ${casePath}`);
  const started = performance.now();
  let instance: DuckDBInstance;
  try {
    // temp_directory must be set before external access is switched off, which then freezes it.
    instance = await DuckDBInstance.create(casePath, {
      access_mode: 'READ_ONLY',
      temp_directory: '',
      enable_external_access: 'false',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
      memory_limit: '512MB',
    });
  } catch (err) {
    throw new SqlError(`the case cannot be opened for reading: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  const connection = await instance.connect();
  // Times in UTC, then no statement may change any setting again.
  await connection.run(`SET TimeZone = 'UTC'`);
  await connection.run(`SET lock_configuration = true`);
  const timer = setTimeout(() => connection.interrupt(), SQL_TIMEOUT_MS);
  try {
    const statements = await connection.extractStatements(sql);
    if (statements.count !== 1) throw new SqlError(statements.count === 0 ? 'no SQL statement to run' : 'one statement at a time, please');
    const prepared = await statements.prepare(0);
    const type = prepared.statementType;
    if (!READ_ONLY_STATEMENTS.has(type)) {
      throw new SqlError(`the SQL console only reads: ${STATEMENT_NAMES[type] ?? 'this kind of'} statement refused (nothing was run)`);
    }
    // EXPLAIN ANALYZE runs what it explains: `EXPLAIN ANALYZE COPY … TO '<case>'` would write.
    if (type === StatementType.EXPLAIN) await refuseUnlessQuery(connection, sql);
    const result = await prepared.stream();
    const names = result.columnNames();
    const types = result.columnTypes().map((t) => t.toString());
    const rows: Record<string, unknown>[] = [];
    let bytes = 0;
    let truncatedBy: 'rows' | 'bytes' | null = null;
    fetch: for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRowObjects(names)) {
        if (rows.length >= rowLimit) {
          truncatedBy = 'rows';
          break fetch;
        }
        const plain = Object.fromEntries(names.map((n) => [n, jsonSafe(plainValue(row[n]!))]));
        bytes += approximateBytes(plain);
        if (bytes > byteLimit) {
          truncatedBy = 'bytes';
          break fetch;
        }
        rows.push(plain);
      }
    }
    const table = rows.length > 0 ? tableFromJSON(rows) : null;
    return {
      columns: names.map((name, i) => ({ name, type: types[i]! })),
      rowCount: rows.length,
      truncated: truncatedBy !== null,
      truncatedBy,
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

/** The statement an EXPLAIN explains must itself be a query, or nothing runs. */
async function refuseUnlessQuery(connection: DuckDBConnection, sql: string): Promise<void> {
  const withoutComments = sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
  const m = /^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?([\s\S]*)$/i.exec(withoutComments);
  const inner = m?.[1]?.trim();
  if (!inner) throw new SqlError('the SQL console only reads: this form of EXPLAIN is refused (nothing was run)');
  const statements = await connection.extractStatements(inner);
  const type = statements.count === 1 ? (await statements.prepare(0)).statementType : null;
  if (type !== StatementType.SELECT) {
    throw new SqlError(`the SQL console only reads: EXPLAIN of a ${type === null ? 'non-query' : (STATEMENT_NAMES[type] ?? 'non-query')} statement refused (nothing was run)`);
  }
}

/** Arrow's JSON reader wants plain scalars: nested values travel as JSON text. */
function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

function approximateBytes(row: Record<string, unknown>): number {
  let n = 0;
  for (const v of Object.values(row)) n += typeof v === 'string' ? v.length * 2 : 8;
  return n;
}
