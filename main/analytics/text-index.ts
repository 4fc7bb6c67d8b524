import type { CaseStore } from '../case-store/case-store';

/**
 * A word index over the raw records, for free-text search: which blocks of events may hold a
 * word. Each block of BLOCK_ROWS events (by row id: the events table is only ever appended to)
 * has a blocked Bloom filter of the words of its records: WORDS_PER_BLOCK 64-bit words, a word
 * hashing to one of them and setting BITS_PER_WORD bits in it. A search reads, per word of the
 * needle, one 64-bit word per block, and scans only the blocks where every word may be.
 *
 * A Bloom filter has false positives, never false negatives, and the scan checks every
 * candidate record exactly: the index changes how fast a search is, never what it finds. Words
 * are runs of ASCII letters and digits, lower-cased, of two characters or more; the same rule
 * cuts the needle (see needleWords). Like the rollup it is a cache, used only while it covers
 * every event and was built by the same hash function (a later DuckDB may hash differently).
 */

export const BLOCK_ROWS = 2048;
const WORDS_PER_BLOCK = 4096;
const BITS_PER_WORD = 6;
const CANARY = 'nhi-text-index';

/** The 64-bit mask a word sets in its filter word, from a second hash (6 bits of it per bit). */
function maskSql(h: string): string {
  return Array.from({ length: BITS_PER_WORD }, (_, i) => `(1::UBIGINT << ((${h} >> ${i * 6}) & 63)::INTEGER)`).join(' | ');
}

const DDL = [
  `CREATE TABLE IF NOT EXISTS text_index (slot INTEGER, block INTEGER, bits UBIGINT)`,
  `CREATE TABLE IF NOT EXISTS text_index_state (events BIGINT, blocks INTEGER, canary UBIGINT)`,
];

/**
 * Indexes the events from the first block not yet complete to the end: after an import, only
 * the blocks it appended (and the partial block before them) are read.
 */
export async function refreshTextIndex(store: CaseStore, options: { full?: boolean } = {}): Promise<{ blocks: number; ms: number }> {
  const started = performance.now();
  for (const ddl of DDL) await store.run(ddl);
  const [state] = await store.read<{ events: number; canary_ok: boolean }>(
    `SELECT events, canary = hash(${sqlLiteral(CANARY)}) AS canary_ok FROM text_index_state`,
  );
  const from = options.full || !state || !state.canary_ok ? 0 : Math.floor(state.events / BLOCK_ROWS);
  let blocks = 0;
  await store.transaction(async () => {
    await store.run(`DELETE FROM text_index WHERE block >= ${from}`);
    // One row per block and slot: the OR of the masks of the block's words that hash to it.
    await store.run(`
      INSERT INTO text_index
      SELECT (h % ${WORDS_PER_BLOCK})::INTEGER AS slot, block, bit_or(${maskSql('h2')}) AS bits
      FROM (
        SELECT block, hash(w) AS h, hash(w || '#') AS h2
        FROM (
          SELECT DISTINCT (rowid // ${BLOCK_ROWS})::INTEGER AS block, unnest(regexp_extract_all(lower(raw), '[a-z0-9]{2,}')) AS w
          FROM events WHERE rowid >= ${from * BLOCK_ROWS}))
      GROUP BY ALL
      ORDER BY slot, block`);
    const [n] = await store.read<{ events: number; blocks: number }>(
      `SELECT count(*)::BIGINT AS events, (SELECT count(DISTINCT block) FROM text_index)::INTEGER AS blocks FROM events`,
    );
    blocks = n?.blocks ?? 0;
    await store.run(`DELETE FROM text_index_state`);
    await store.run(`INSERT INTO text_index_state VALUES (${n?.events ?? 0}, ${blocks}, hash(${sqlLiteral(CANARY)}))`);
  });
  return { blocks, ms: performance.now() - started };
}

/** Whether the index covers every event and hashes as this DuckDB does. */
export async function textIndexReady(store: CaseStore): Promise<boolean> {
  const [exists] = await store.read<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'text_index_state' AND schema_name = 'main' AND database_name = current_database()`,
  );
  if (!exists?.n) return false;
  const [row] = await store.read<{ ready: boolean }>(
    `SELECT coalesce((SELECT max(events) FROM text_index_state WHERE canary = hash(${sqlLiteral(CANARY)})) = (SELECT count(*) FROM events), false) AS ready`,
  );
  return row?.ready === true;
}

/**
 * The words every record that matches the needle holds whole: all of its words when both ends
 * of the needle must fall on word boundaries, less the first or last when that end is open
 * (`*` there, or the needle starts or ends inside a word it was cut from).
 */
export function needleWords(needle: { text: string; openStart: boolean; openEnd: boolean }): string[] {
  const lower = needle.text.toLowerCase();
  const words: { w: string; start: number; end: number }[] = [];
  for (const m of lower.matchAll(/[a-z0-9]+/g)) words.push({ w: m[0], start: m.index, end: m.index + m[0].length });
  return words
    .filter((x) => !(needle.openStart && x.start === 0) && !(needle.openEnd && x.end === lower.length))
    .map((x) => x.w)
    .filter((w) => w.length >= 2);
}

/** The blocks where every one of `words` may occur (all blocks when `words` is empty: null). */
export async function candidateBlocks(store: CaseStore, words: readonly string[]): Promise<number[] | null> {
  if (words.length === 0) return null;
  // Words are letters and digits only (needleWords), so they are safe as literals.
  const distinct = [...new Set(words)].filter((w) => /^[a-z0-9]+$/.test(w));
  if (distinct.length === 0) return null;
  const rows = await store.read<{ block: number }>(
    `WITH needle AS (SELECT (hash(w) % ${WORDS_PER_BLOCK})::INTEGER AS slot, ${maskSql("hash(w || '#')")} AS mask
       FROM (SELECT unnest([${distinct.map(sqlLiteral).join(', ')}]) AS w))
     SELECT t.block FROM text_index t JOIN needle n ON t.slot = n.slot
     WHERE t.bits & n.mask = n.mask
     GROUP BY t.block HAVING count(*) = (SELECT count(*) FROM needle)
     ORDER BY t.block`,
  );
  return rows.map((r) => r.block);
}

function sqlLiteral(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
