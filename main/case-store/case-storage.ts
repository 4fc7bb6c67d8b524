import { statSync } from 'node:fs';
import type { CaseStore } from './case-store';

/** How much of the case file each table takes, as DuckDB has stored it (`nhi info`). */
export interface CaseStorage {
  fileBytes: number;
  blockSize: number;
  tables: { table: string; rows: number; bytes: number; compression: string[] }[];
}

export async function caseStorage(store: CaseStore): Promise<CaseStorage> {
  const [size] = await store.read<{ block_size: number }>(`SELECT block_size::BIGINT AS block_size FROM pragma_database_size() WHERE database_name = current_database()`);
  const blockSize = Number(size?.block_size ?? 262_144);
  const tables = await store.read<{ table_name: string; rows: number }>(
    `SELECT table_name, estimated_size::BIGINT AS rows FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name`,
  );
  // Segments of several tables can share a block, and a long string segment spills into more
  // blocks: each shared block is split among its segments, each spilled block counts whole.
  const quote = (name: string) => `'${name.replaceAll("'", "''")}'`;
  const parts = tables.map((t) => `SELECT ${quote(t.table_name)} AS t, block_id, additional_block_ids, compression, segment_type FROM pragma_storage_info(${quote(t.table_name)}) WHERE persistent`);
  const sizes = parts.length === 0 ? [] : await store.read<{ t: string; blocks: number; compression: string[] | null }>(
    `WITH s AS (${parts.join(' UNION ALL ')}),
     shared AS (SELECT t, 1.0 / count(*) OVER (PARTITION BY block_id) AS share FROM s WHERE block_id >= 0),
     spilled AS (SELECT DISTINCT t, unnest(additional_block_ids) AS b FROM s)
     SELECT t, (coalesce((SELECT sum(share) FROM shared WHERE shared.t = k.t), 0) + (SELECT count(*) FROM spilled WHERE spilled.t = k.t))::DOUBLE AS blocks,
       (SELECT list(DISTINCT compression ORDER BY compression) FROM s WHERE s.t = k.t AND segment_type = 'VARCHAR') AS compression
     FROM (SELECT DISTINCT t FROM s) k`,
  );
  const byTable = new Map(sizes.map((r) => [r.t, r]));
  const out: CaseStorage['tables'] = tables.map((t) => {
    const size = byTable.get(t.table_name);
    return { table: t.table_name, rows: Number(t.rows), bytes: Math.round(Number(size?.blocks ?? 0) * blockSize), compression: [...(size?.compression ?? [])] };
  });
  out.sort((a, b) => b.bytes - a.bytes || a.table.localeCompare(b.table));
  return { fileBytes: statSync(store.path).size, blockSize, tables: out };
}
