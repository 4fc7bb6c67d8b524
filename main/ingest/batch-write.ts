import type { CaseStore } from '../case-store/case-store';
import { detailedJsonErrors, insertDuplicatesAndCollisions, insertQuarantine } from './batch-sql';
import { decideDuplicates } from './dedupe';
import type { PendingFile, PlausibleTimes } from './file-importer';
import { DIGEST_COLUMNS, PERMISSION_KINDS, SIDE_RECORD_IDS } from './sources/side-records';
import { NORMALIZED_COLUMNS, sqlString } from './sources/source-parser';

/**
 * Writing a normalized batch into the case: each file measured (sources, time range, counts,
 * duplicates), its evidence row, its events, resources, duplicates, quarantine and side
 * records. Every function takes the connection whose temporary tables hold the batch
 * (normalized, classified, stage_problems, batch_files), so two connections can take turns.
 */

type JsonErrorNote = Awaited<ReturnType<typeof detailedJsonErrors>>[number];

type FileSummary = { file_no: number; sources: string | null; lo: string | null; hi: string | null; good: number; bad: number };

const EVENT_COLUMNS_OF_N = NORMALIZED_COLUMNS.map((c) => `n.${c}`).join(', ');

export interface BatchFileRow {
  file: PendingFile;
  evidenceId: number;
  parser: string | null;
  parserVersion: string | null;
  ok: number;
  quarantined: number;
  lo: string | null;
  hi: string | null;
}

/** Measures each file of what is staged and normalized: sources, time range, counts. */
export async function measureStaged(store: CaseStore) {
  const summaries = new Map(
    (
      await store.read<FileSummary>(`
        SELECT file_no,
          string_agg(DISTINCT source, ',' ORDER BY source) FILTER (problem IS NULL) AS sources,
          strftime(min(time) FILTER (problem IS NULL), '%Y-%m-%d %H:%M:%S.%f') AS lo,
          strftime(max(time) FILTER (problem IS NULL), '%Y-%m-%d %H:%M:%S.%f') AS hi,
          count(*) FILTER (problem IS NULL)::BIGINT AS good,
          count(*) FILTER (problem IS NOT NULL)::BIGINT AS bad
        FROM normalized GROUP BY file_no`)
    ).map((r) => [r.file_no, r]),
  );
  const { renamed } = await decideDuplicates(store);
  const perFile = (sql: string) =>
    store.read<{ file_no: number; n: number }>(sql).then((rows) => new Map(rows.map((r) => [r.file_no, r.n])));
  const dropped = await perFile(`SELECT file_no, count(*)::BIGINT AS n FROM dropped GROUP BY file_no`);
  const split = await perFile(`SELECT file_no, count(*)::BIGINT AS n FROM stage_problems WHERE record_no IS NOT NULL GROUP BY file_no`);
  const notes = await detailedJsonErrors(store);
  const side = new Map(
    (
      await store.read<{ file_no: number; n: number; kinds: string[] }>(
        `SELECT file_no, count(*)::BIGINT AS n, list(DISTINCT detected ORDER BY detected) AS kinds FROM classified
         WHERE parse_problem IS NULL AND detected IN (${SIDE_RECORD_IDS.map(sqlString).join(', ')}) GROUP BY file_no`,
      )
    ).map((r) => [r.file_no, r]),
  );
  return { summaries, dropped, split, notes, side, renamed };
}

/** Evidence rows for the files in batch_files. */
export async function insertEvidence(store: CaseStore, importId: number): Promise<void> {
  await store.run(`
    INSERT INTO evidence (evidence_id, import_id, parent_id, kind, bundle_name, source_path, path_in_bundle, size_bytes, sha256, compression,
      detected_format, parser, parser_version, imported_at, records_total, records_ok, records_duplicate, records_quarantined, first_time, last_time,
      status, content_sha256, records_root)
    SELECT evidence_id, ${importId}, parent_id, 'file', bundle_name, source_path, path_in_bundle, size_bytes, sha256,
      compression, detected_format, parser, parser_version, now()::TIMESTAMP, records_total, records_ok,
      records_total - records_ok - records_quarantined, records_quarantined, time_lo::TIMESTAMP, time_hi::TIMESTAMP, 'complete',
      content_sha256, records_root
    FROM batch_files ORDER BY evidence_id`);
}

/**
 * Events, resources, duplicates and quarantine of what is staged, under batch_files' evidence ids.
 * Returns how many events have a time outside the plausible range (imported, flagged).
 */
export async function writeStaged(store: CaseStore, notes: JsonErrorNote[], plausibleTimes: PlausibleTimes): Promise<number> {
  const kept = `
    FROM normalized n JOIN batch_files f USING (file_no)
    WHERE n.problem IS NULL AND NOT EXISTS (SELECT 1 FROM dropped d WHERE d.file_no = n.file_no AND d.record_no = n.record_no)`;
  const { earliest, maxAheadHours } = plausibleTimes;
  const timeFlag = `CASE WHEN n.time < ${sqlString(earliest)}::TIMESTAMPTZ::TIMESTAMP THEN 'before_earliest'
    WHEN n.time > now()::TIMESTAMP + INTERVAL ${Math.round(maxAheadHours * 3600)} SECOND THEN 'after_import' END`;
  // Time order keeps the zone maps on events.time tight for range queries.
  await store.run(
    `INSERT INTO events BY NAME SELECT ${EVENT_COLUMNS_OF_N}, f.evidence_id, n.record_sha256, ${timeFlag} AS time_flag ${kept} ORDER BY n.time, n.file_no, n.record_no`,
  );
  const [flagged] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n ${kept} AND (${timeFlag}) IS NOT NULL`);
  await store.run(`
    INSERT INTO event_resources
    SELECT event_uid, source, r.resource_uid, r.resource_type, r.boundary, r.role
    FROM (SELECT n.event_uid, n.source, unnest(n.resources) AS r ${kept}) WHERE r.resource_uid IS NOT NULL`);
  await insertDuplicatesAndCollisions(store);
  await insertQuarantine(store, notes);
  await writeSideRecords(store);
  return flagged?.n ?? 0;
}

/** CloudTrail digests, their signatures and permission snapshots, into their own tables (see sources/side-records.ts). */
async function writeSideRecords(store: CaseStore): Promise<void> {
  const side = `FROM classified c JOIN batch_files f USING (file_no) WHERE c.parse_problem IS NULL`;
  await store.run(`
    INSERT INTO cloudtrail_digests SELECT f.evidence_id, c.record_no, c.record_sha256, ${DIGEST_COLUMNS('c.raw')}
    ${side} AND c.detected = 'cloudtrail.digest' ORDER BY f.evidence_id, c.record_no`);
  await store.run(`
    INSERT INTO digest_signatures SELECT f.evidence_id, c.record_no, c.record_sha256,
      coalesce(c.raw->>'signature', c.raw->'Metadata'->>'signature'),
      coalesce(c.raw->>'signature-algorithm', c.raw->'Metadata'->>'signature-algorithm')
    ${side} AND c.detected = 'cloudtrail.digest-signature' ORDER BY f.evidence_id, c.record_no`);
  await store.run(`
    INSERT INTO permission_records SELECT f.evidence_id, c.record_no, c.record_sha256, c.detected, c.raw, c.json_text
    ${side} AND c.detected IN (${PERMISSION_KINDS.map(sqlString).join(', ')}) ORDER BY f.evidence_id, c.record_no`);
}

/** The batch's evidence rows, less what only the transaction decides, as a temp table. */
export async function stageBatchFiles(store: CaseStore, rows: BatchFileRow[]): Promise<void> {
  await store.run(`
    CREATE OR REPLACE TEMP TABLE batch_files (file_no INTEGER, evidence_id INTEGER, parent_id INTEGER, bundle_name VARCHAR,
      source_path VARCHAR, path_in_bundle VARCHAR, size_bytes BIGINT, sha256 VARCHAR, compression VARCHAR, detected_format VARCHAR,
      parser VARCHAR, parser_version VARCHAR, records_total BIGINT, records_ok BIGINT, records_quarantined BIGINT,
      time_lo VARCHAR, time_hi VARCHAR, content_sha256 VARCHAR, records_root VARCHAR)`);
  const a = await store.appender('batch_files');
  const text = (v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
  for (const r of rows) {
    const info = r.file.info;
    a.appendInteger(r.file.fileNo);
    a.appendInteger(r.evidenceId);
    if (info.parentId === null) a.appendNull();
    else a.appendInteger(info.parentId);
    text(info.bundleName);
    text(info.rootPath);
    text(info.pathInBundle);
    a.appendBigInt(BigInt(r.file.size));
    text(r.file.sha256);
    text(info.compression);
    text(r.file.format);
    text(r.parser);
    text(r.parserVersion);
    a.appendBigInt(BigInt(r.file.recordsTotal));
    a.appendBigInt(BigInt(r.ok));
    a.appendBigInt(BigInt(r.quarantined));
    text(r.lo);
    text(r.hi);
    text(r.file.contentSha256 || null);
    text(r.file.recordsRoot || null);
    a.endRow();
  }
  a.flushSync();
  a.closeSync();
}
