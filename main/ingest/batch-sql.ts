import type { DuckDBAppender } from '@duckdb/node-api';
import type { CaseStore } from '../case-store/case-store';
import type { SplitProblem } from './record-splitter';
import type { FileNote } from './record-source';
import { sqlString } from './sources/source-parser';
import { PROBLEM_MESSAGES } from './stage-sql';

/** The SQL that writes a staged batch's quarantine: bad records, split problems, file notes. */

/** How many malformed records per file get JSON.parse's exact error message (the rest a generic one). */
const DETAILED_MESSAGES_PER_FILE = 200;
/** A file with more records than this, none recognized, is quarantined as one row. */
export const WHOLE_FILE_UNRECOGNIZED = 10;
/** Quarantined raw text is kept whole up to this size; larger records keep a prefix (the file has the rest). */
export const QUARANTINE_RAW_BYTES = 1024 * 1024;

export const STAGE_PROBLEMS_DDL = `CREATE TEMP TABLE IF NOT EXISTS stage_problems (file_no INTEGER, record_no BIGINT, byte_offset BIGINT, line BIGINT, reason VARCHAR, message VARCHAR, snippet VARCHAR)`;

const QUARANTINE_COLUMNS = `(quarantine_id, evidence_id, record_no, byte_offset, line, reason, message, raw, created_at, record_sha256)`;

export async function appendProblems(store: CaseStore, fileNo: number, problems: SplitProblem[], notes: { note: FileNote; at: number }[]): Promise<void> {
  if (problems.length === 0 && notes.length === 0) return;
  const appender: DuckDBAppender = await store.appender('stage_problems');
  for (const p of problems) {
    appender.appendInteger(fileNo);
    appender.appendBigInt(BigInt(p.recordNo));
    appender.appendBigInt(BigInt(p.offset));
    appender.appendBigInt(BigInt(p.line));
    appender.appendVarchar(p.reason);
    appender.appendVarchar(`${p.message} (line ${p.line}, byte ${p.offset})`);
    appender.appendVarchar(Buffer.from(p.snippet).toString('utf8'));
    appender.endRow();
  }
  for (const { note, at } of notes) {
    appender.appendInteger(fileNo);
    appender.appendNull();
    appender.appendBigInt(BigInt(at));
    appender.appendNull();
    appender.appendVarchar(note.code);
    appender.appendVarchar(note.message);
    if (note.snippet) appender.appendVarchar(Buffer.from(note.snippet).toString('utf8'));
    else appender.appendNull();
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

/** One quarantine row for a problem that concerns a whole file or member, not one of its records. */
export async function quarantineFileProblem(store: CaseStore, evidenceId: number, reason: string, message: string): Promise<void> {
  await store.run(`INSERT INTO quarantine ${QUARANTINE_COLUMNS} VALUES (nextval('quarantine_id_seq'), $eid, NULL, NULL, NULL, $reason, $msg, NULL, now()::TIMESTAMP, NULL)`, {
    eid: evidenceId,
    reason,
    msg: message,
  });
}

/** JSON.parse's own message (with its position) for the first malformed records of each file. */
export async function detailedJsonErrors(store: CaseStore): Promise<{ file_no: number; record_no: number; message: string }[]> {
  const rows = await store.read<{ file_no: number; record_no: number; raw: string }>(
    `SELECT file_no, record_no, raw FROM normalized WHERE problem = 'malformed_json'
     QUALIFY row_number() OVER (PARTITION BY file_no ORDER BY record_no) <= ${DETAILED_MESSAGES_PER_FILE}`,
  );
  const notes: { file_no: number; record_no: number; message: string }[] = [];
  for (const row of rows) {
    try {
      JSON.parse(row.raw);
    } catch (err) {
      notes.push({ file_no: row.file_no, record_no: row.record_no, message: `${PROBLEM_MESSAGES.malformed_json}: ${(err as Error).message}` });
    }
  }
  return notes;
}

/** Quarantine rows for the batch: bad records from `normalized`, file and split problems from `stage_problems`. */
export async function insertQuarantine(store: CaseStore, notes: { file_no: number; record_no: number; message: string }[]): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE stage_notes (file_no BIGINT, record_no BIGINT, message VARCHAR)`);
  await store.appendRows('stage_notes', notes.map((n) => [n.file_no, n.record_no, n.message]));
  const messageCase = Object.entries(PROBLEM_MESSAGES)
    .map(([code, message]) => `WHEN ${sqlString(code)} THEN ${sqlString(message)}`)
    .join(' ');
  // A file no parser knows at all (an inventory CSV, another tool's JSON) gets one row that says
  // so and names its fields, rather than a copy of every record: the evidence file keeps them.
  await store.run(`
    CREATE OR REPLACE TEMP TABLE unknown_files AS
    SELECT file_no, count(*) AS n, min(record_no) AS first_record FROM normalized GROUP BY file_no
    HAVING count(*) > ${WHOLE_FILE_UNRECOGNIZED} AND count(*) FILTER (WHERE problem = 'unrecognized') = count(*)`);
  await store.run(`
    INSERT INTO quarantine ${QUARANTINE_COLUMNS}
    SELECT nextval('quarantine_id_seq'), f.evidence_id, NULL, n.byte_offset, n.line, 'unrecognized_format',
      'none of the ' || u.n || ' records is a known log format (fields: '
        || coalesce(array_to_string(json_keys(coalesce(c.json_text, n.raw))[1:12], ', '), '?')
        || '): import it with --mapping (nhi suggest-mapping FILE proposes one)',
      left(n.raw, ${QUARANTINE_RAW_BYTES}), now()::TIMESTAMP, NULL
    FROM unknown_files u
    JOIN normalized n ON n.file_no = u.file_no AND n.record_no = u.first_record
    JOIN classified c ON c.file_no = n.file_no AND c.record_no = n.record_no
    JOIN batch_files f ON f.file_no = u.file_no`);
  await store.run(`
    INSERT INTO quarantine ${QUARANTINE_COLUMNS}
    SELECT nextval('quarantine_id_seq'), f.evidence_id, n.record_no, n.byte_offset, n.line, n.problem,
      coalesce(m.message, n.problem_message, CASE n.problem ${messageCase} END, n.problem) || ' (line ' || n.line || ', byte ' || n.byte_offset || ')',
      CASE WHEN n.raw IS NOT NULL THEN left(n.raw, ${QUARANTINE_RAW_BYTES}) ELSE left(CAST(r.raw_blob AS VARCHAR), ${QUARANTINE_RAW_BYTES}) END,
      now()::TIMESTAMP, n.record_sha256
    FROM normalized n
    JOIN batch_files f ON f.file_no = n.file_no
    LEFT JOIN stage_notes m ON m.file_no = n.file_no AND m.record_no = n.record_no
    LEFT JOIN stage_raw r ON n.raw IS NULL AND r.file_no = n.file_no AND r.record_no = n.record_no
    WHERE n.problem IS NOT NULL AND n.file_no NOT IN (SELECT file_no FROM unknown_files)
    ORDER BY n.file_no, n.record_no`);
  await store.run(`
    INSERT INTO quarantine ${QUARANTINE_COLUMNS}
    SELECT nextval('quarantine_id_seq'), f.evidence_id, p.record_no, p.byte_offset, p.line, p.reason, p.message, p.snippet, now()::TIMESTAMP, NULL
    FROM stage_problems p JOIN batch_files f ON f.file_no = p.file_no
    ORDER BY p.file_no, p.record_no NULLS LAST`);
}

/** Records that repeat an event of the case, and records whose id another record already had. */
export async function insertDuplicatesAndCollisions(store: CaseStore): Promise<void> {
  await store.run(`
    INSERT INTO duplicates
    SELECT f.evidence_id, n.record_no, n.byte_offset, n.record_sha256, n.source, d.event_uid, d.kind
    FROM dropped d JOIN normalized n USING (file_no, record_no) JOIN batch_files f ON f.file_no = d.file_no
    ORDER BY f.evidence_id, n.record_no`);
  await store.run(`
    INSERT INTO id_collisions
    SELECT n.source, r.claimed_uid, r.event_uid, r.first_event_uid, f.evidence_id, r.record_no, now()::TIMESTAMP
    FROM renamed r JOIN normalized n USING (file_no, record_no) JOIN batch_files f ON f.file_no = r.file_no`);
}
