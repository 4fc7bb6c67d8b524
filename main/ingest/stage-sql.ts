import type { CaseStore } from '../case-store/case-store';
import { NORMALIZED_COLUMNS, type SourceParser, sqlString } from './sources/source-parser';
import { PARSERS, probeStructure } from './sources/registry';
import { ALL_SIDE_RECORDS } from './sources/side-records';

/**
 * The SQL that turns a batch of files' staged raw records into normalized rows, in DuckDB.
 *
 * JS only cuts records out of the byte stream (see record-splitter.ts) and appends them as
 * BLOBs: decoding, validating, detecting the source and mapping fields all run here, in C++.
 * Each record is parsed twice: once against the small probe structure that every parser's
 * detection reads (which also validates the JSON), then by the parser that claimed it, against
 * only the fields that parser reads.
 */

export const STAGE_RAW_DDL = `CREATE TEMP TABLE IF NOT EXISTS stage_raw (file_no INTEGER, record_no BIGINT, byte_offset BIGINT, line BIGINT, raw_blob BLOB, json_text VARCHAR, record_sha256 BLOB)`;

/** Every staged record with its parse problem, or the parser that claims it. */
function classifySql(parsers: readonly SourceParser[]): string {
  // Side records (CloudTrail digests, permission snapshots) first: no parser claims them.
  const detectors: { id: string; detect: (p: string, doc: string) => string }[] = [...ALL_SIDE_RECORDS, ...parsers];
  const detectCase = `CASE ${detectors.map((p) => `WHEN ${p.detect('p', 'doc')} THEN ${sqlString(p.id)}`).join(' ')} END`;
  return `
CREATE OR REPLACE TEMP TABLE classified AS
SELECT file_no, record_no, byte_offset, line, raw, json_text, record_sha256,
  CASE
    WHEN raw IS NULL THEN 'invalid_utf8'
    WHEN NOT starts_with(doc, '{') THEN 'not_an_object'
    WHEN p IS NULL THEN 'malformed_json'
  END AS parse_problem,
  CASE WHEN p IS NOT NULL THEN ${detectCase} END AS detected
FROM (
  SELECT *, CASE WHEN starts_with(doc, '{') THEN try(json_transform(doc, ${probeStructure([...ALL_SIDE_RECORDS, ...parsers])})) END AS p
  FROM (
    -- A CSV record is kept verbatim in raw and parsed from the JSON object built from its header.
    SELECT file_no, record_no, byte_offset, line, raw, json_text, record_sha256, coalesce(json_text, raw) AS doc
    FROM (SELECT *, try(decode(raw_blob)) AS raw FROM stage_raw))
)`;
}

/** `normalized` has the events table's columns (less evidence_id) and what the importer needs besides. */
const CREATE_NORMALIZED = `
CREATE OR REPLACE TEMP TABLE normalized AS
SELECT NULL::INTEGER AS file_no, * EXCLUDE (evidence_id, time_flag), NULL::BIGINT AS line, NULL::VARCHAR AS problem, NULL::VARCHAR AS problem_message,
  NULL::STRUCT(resource_uid VARCHAR, resource_type VARCHAR, boundary VARCHAR, role VARCHAR)[] AS resources
FROM events LIMIT 0`;

/** Columns every parser carries through untouched: the batch's file number and the record's hash. */
const PASS_THROUGH = ['file_no', 'record_sha256'] as const;

const OUTPUT = [...PASS_THROUGH, ...NORMALIZED_COLUMNS, 'line', 'problem', 'problem_message', 'resources'].join(', ');

function normalizeWith(parser: SourceParser): string {
  const structure = sqlString(JSON.stringify(parser.structure));
  const from = `(SELECT file_no, record_sha256, record_no, byte_offset, line, raw, try(json_transform(coalesce(json_text, raw), ${structure})) AS j
    FROM classified WHERE detected = ${sqlString(parser.id)} AND parse_problem IS NULL)`;
  return `INSERT INTO normalized BY NAME SELECT ${OUTPUT} FROM (${parser.normalizeSql(from, structure, PASS_THROUGH)})`;
}

/** The SQL of one set of parsers, built once per set. */
export interface Normalizer {
  parsers: readonly SourceParser[];
  classify: string;
  normalize: Map<string, string>;
}

export function normalizerFor(parsers: readonly SourceParser[]): Normalizer {
  return { parsers, classify: classifySql(parsers), normalize: new Map(parsers.map((p) => [p.id, normalizeWith(p)])) };
}

export const DEFAULT_NORMALIZER = normalizerFor(PARSERS);

const UNPARSED = `
INSERT INTO normalized BY NAME
SELECT file_no, record_sha256, record_no, byte_offset, line, raw, detected AS source, coalesce(parse_problem, 'unrecognized') AS problem
FROM classified WHERE parse_problem IS NOT NULL OR detected IS NULL`;

/**
 * Fills the temp table `normalized` from `stage_raw`: good records with their fields, bad ones
 * with `problem` set (the parse problem, `unrecognized`, or the parser's own reason).
 */
export async function normalizeStaged(store: CaseStore, normalizer: Normalizer = DEFAULT_NORMALIZER): Promise<void> {
  await store.run(normalizer.classify);
  await store.run(CREATE_NORMALIZED);
  const present = await store.read<{ detected: string }>(
    `SELECT DISTINCT detected FROM classified WHERE detected IS NOT NULL AND parse_problem IS NULL`,
  );
  for (const { detected } of present) {
    const sql = normalizer.normalize.get(detected);
    if (sql) await store.run(sql);
  }
  await store.run(UNPARSED);
}

export const PROBLEM_MESSAGES: Record<string, string> = {
  invalid_utf8: 'the record is not valid UTF-8 text',
  not_an_object: 'the record is not a JSON object',
  malformed_json: 'the record is not valid JSON',
  unrecognized: 'no parser recognizes this record (not a known log format)',
};
