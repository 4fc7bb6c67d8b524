import { NORMALIZED_COLUMNS, sqlString } from './sources/source-parser';
import { PARSERS, PROBE_PATHS, probeColumn } from './sources/registry';

/**
 * The SQL that turns one file's staged raw records into normalized rows, in DuckDB.
 *
 * JS only cuts records out of the byte stream (see record-splitter.ts) and appends them as
 * BLOBs: decoding, validating, detecting the source and mapping fields all run here, in C++ on
 * every core, which is several times faster than JSON.parse in the importer's thread.
 */

export const STAGE_RAW_DDL = `CREATE TEMP TABLE IF NOT EXISTS stage_raw (record_no BIGINT, byte_offset BIGINT, line BIGINT, raw_blob BLOB)`;

const probeList = `[${PROBE_PATHS.map(sqlString).join(', ')}]`;
const detectCase = `CASE ${PARSERS.map((p) => `WHEN ${p.detect(probeColumn)} THEN ${sqlString(p.id)}`).join(' ')} END`;

/** Decodes, checks and classifies each staged record: `problem` is NULL for a good one. */
export const BUILD_STAGE = `
CREATE OR REPLACE TEMP TABLE stage AS
SELECT record_no, byte_offset, line, raw, probe,
  CASE
    WHEN raw IS NULL THEN 'invalid_utf8'
    WHEN NOT starts_with(raw, '{') THEN 'not_an_object'
    WHEN probe IS NULL THEN 'malformed_json'
  END AS problem,
  CASE WHEN probe IS NOT NULL THEN ${detectCase} END AS source
FROM (
  SELECT record_no, byte_offset, line, raw,
    CASE WHEN starts_with(raw, '{') THEN try(json_extract_string(raw, ${probeList})) END AS probe
  FROM (SELECT record_no, byte_offset, line, try(decode(raw_blob)) AS raw FROM stage_raw)
)`;

const STAGED_COLUMNS = [...NORMALIZED_COLUMNS, 'problem', 'problem_message', 'resources'].join(', ');

/** Normalized rows of every source present in the stage, problems included. */
export function buildNormalized(sourceIds: readonly string[]): string {
  const parts = PARSERS.filter((p) => sourceIds.includes(p.id)).map(
    (p) => `SELECT ${STAGED_COLUMNS} FROM (${p.normalizeSql(probeColumn)})`,
  );
  const body = parts.length > 0 ? parts.join('\nUNION ALL BY NAME\n') : `SELECT * FROM normalized_empty`;
  return `CREATE OR REPLACE TEMP TABLE normalized AS ${body}`;
}

export const PROBLEM_MESSAGES: Record<string, string> = {
  invalid_utf8: 'the record is not valid UTF-8 text',
  not_an_object: 'the record is not a JSON object',
  malformed_json: 'the record is not valid JSON',
  unrecognized: 'no parser recognizes this record (not a known log format)',
};
