import type { CaseStore } from '../case-store/case-store';

/**
 * Rows built in JS, written through a temporary table of plain columns (text, integers, flags)
 * with DuckDB's appender, then moved into their table by one INSERT … SELECT that casts them and
 * joins each row to the snapshot record it came from (for the record's hash).
 */
export type Cell = string | number | boolean | null;
export type ColumnType = 'VARCHAR' | 'BIGINT' | 'BOOLEAN';

export async function stageRows(store: CaseStore, name: string, columns: readonly (readonly [string, ColumnType])[], rows: readonly Cell[][]): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE ${name} (${columns.map(([c, t]) => `${c} ${t}`).join(', ')})`);
  if (!rows.length) return;
  const a = await store.appender(name);
  for (const row of rows) {
    columns.forEach(([, type], i) => {
      const v = row[i];
      if (v === null || v === undefined) a.appendNull();
      else if (type === 'BIGINT') a.appendBigInt(BigInt(Math.round(Number(v))));
      else if (type === 'BOOLEAN') a.appendBoolean(Boolean(v));
      else a.appendVarchar(String(v));
    });
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}
