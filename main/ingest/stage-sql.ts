import { NORMALIZED_COLUMNS, sqlString } from './sources/source-parser';
import { MERGED_STRUCTURE, PARSERS } from './sources/registry';

/**
 * The SQL that turns a batch of files' staged raw records into normalized rows, in DuckDB.
 *
 * JS only cuts records out of the byte stream (see record-splitter.ts) and appends them as
 * BLOBs: decoding, validating, detecting the source and mapping fields all run here, in C++,
 * with one JSON parse per record and the raw text copied once on its way to `events`.
 */

export const STAGE_RAW_DDL = `CREATE TEMP TABLE IF NOT EXISTS stage_raw (file_no INTEGER, record_no BIGINT, byte_offset BIGINT, line BIGINT, raw_blob BLOB)`;

const detectCase = `CASE ${PARSERS.map((p) => `WHEN ${p.detect('j')} THEN ${sqlString(p.id)}`).join(' ')} END`;

const CLASSIFIED = `
SELECT file_no, record_no, byte_offset, line, raw, j,
  CASE
    WHEN raw IS NULL THEN 'invalid_utf8'
    WHEN NOT starts_with(raw, '{') THEN 'not_an_object'
    WHEN j IS NULL THEN 'malformed_json'
  END AS parse_problem,
  CASE WHEN j IS NOT NULL THEN ${detectCase} END AS detected
FROM (
  SELECT file_no, record_no, byte_offset, line, raw,
    CASE WHEN starts_with(raw, '{') THEN try(json_transform(raw, ${MERGED_STRUCTURE})) END AS j
  FROM (SELECT file_no, record_no, byte_offset, line, try(decode(raw_blob)) AS raw FROM stage_raw)
)`;

const OUTPUT = ['file_no', ...NORMALIZED_COLUMNS, 'line', 'problem', 'problem_message', 'resources'].join(', ');

/**
 * Every staged record as one row of `normalized`: good records with their fields, bad ones with
 * `problem` set (the parse problem, `unrecognized`, or the parser's own reason).
 *
 * With one parser, it maps every row in a single pass; more parsers need `classified` twice, and
 * materializing it is still cheaper than parsing every record twice.
 */
function buildNormalized(): string {
  const only = PARSERS.length === 1 ? PARSERS[0] : undefined;
  if (only) {
    return `
CREATE OR REPLACE TEMP TABLE normalized AS
SELECT ${OUTPUT_WITHOUT_PROBLEM}, coalesce(parse_problem, CASE WHEN detected IS NULL THEN 'unrecognized' END, problem) AS problem,
  CASE WHEN parse_problem IS NULL AND detected IS NOT NULL THEN problem_message END AS problem_message,
  detected AS source
FROM (${only.normalizeSql(`(${CLASSIFIED})`, MERGED_STRUCTURE, ['file_no', 'parse_problem', 'detected'])})`;
  }
  return `
CREATE OR REPLACE TEMP TABLE normalized AS
WITH classified AS MATERIALIZED (${CLASSIFIED})
${PARSERS.map(
  (p) => `SELECT ${OUTPUT} FROM (${p.normalizeSql(`(SELECT * FROM classified WHERE detected = ${sqlString(p.id)} AND parse_problem IS NULL)`, MERGED_STRUCTURE, ['file_no'])})`,
).join('\nUNION ALL BY NAME\n')}
UNION ALL BY NAME
SELECT file_no, record_no, byte_offset, line, raw, detected AS source, coalesce(parse_problem, 'unrecognized') AS problem
FROM classified WHERE parse_problem IS NOT NULL OR detected IS NULL`;
}

const OUTPUT_WITHOUT_PROBLEM = ['file_no', ...NORMALIZED_COLUMNS.filter((c) => c !== 'source'), 'line', 'resources'].join(', ');

export const BUILD_NORMALIZED = buildNormalized();

export const PROBLEM_MESSAGES: Record<string, string> = {
  invalid_utf8: 'the record is not valid UTF-8 text',
  not_an_object: 'the record is not a JSON object',
  malformed_json: 'the record is not valid JSON',
  unrecognized: 'no parser recognizes this record (not a known log format)',
};
