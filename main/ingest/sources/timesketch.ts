import { type SourceParser, sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Timesketch / plaso timelines, as CSV or JSON lines: the columns Timesketch requires
 * (`message`, `datetime`, `timestamp_desc`, optionally `timestamp` in µs) plus whatever plaso
 * adds (`data_type`, `parser`, `hostname`, `username`, `filename`, …).
 *
 * A timeline row is already an analyst's digest of some other log, so it keeps its own source
 * id and claims nothing about the actor's nature (is_nhi stays NULL). Conventions:
 * actor_uid = `username` (or `user_sid`) as written; boundary = `host:<hostname>`;
 * operation = `data_type` (else `timestamp_desc`); the row's identity is the SHA-256 of its
 * verbatim text, so the same timeline imported twice adds nothing.
 */
export const timesketch: SourceParser = {
  id: 'timesketch',
  version: '1.0.0',

  probe: { message: 'VARCHAR', timestamp_desc: 'VARCHAR', datetime: 'VARCHAR', timestamp: 'VARCHAR' },

  detect(p) {
    return `(${p}.message IS NOT NULL AND ${p}.timestamp_desc IS NOT NULL AND (${p}.datetime IS NOT NULL OR ${p}.timestamp IS NOT NULL))`;
  },

  structure: {
    message: 'VARCHAR',
    datetime: 'VARCHAR',
    timestamp: 'VARCHAR',
    timestamp_desc: 'VARCHAR',
    data_type: 'VARCHAR',
    parser: 'VARCHAR',
    source_short: 'VARCHAR',
    hostname: 'VARCHAR',
    username: 'VARCHAR',
    user_sid: 'VARCHAR',
    source_ip: 'VARCHAR',
    ip_address: 'VARCHAR',
    user_agent: 'VARCHAR',
    filename: 'VARCHAR',
    display_name: 'VARCHAR',
  },

  normalizeSql(from, _structure, passThrough) {
    const carry = passThrough.map((c) => `${c}, `).join('');
    const time = `coalesce(${timeSql('j.datetime')}, ${timeSql('j.timestamp', { unit: 'us' })})`;
    return `
SELECT ${carry}
  'sha256:' || sha256(raw) AS event_uid,
  line,
  ${time} AS time,
  ${sqlString('timesketch')} AS source,
  record_no,
  byte_offset,
  nullif(coalesce(nullif(j.username, '-'), nullif(j.user_sid, '-')), '') AS actor_uid,
  CASE WHEN nullif(coalesce(nullif(j.username, '-'), nullif(j.user_sid, '-')), '') IS NOT NULL THEN 'user' END AS actor_type,
  nullif(coalesce(nullif(j.username, '-'), nullif(j.user_sid, '-')), '') AS actor_display,
  NULL::BOOLEAN AS is_nhi,
  NULL AS credential_uid,
  NULL AS session_uid,
  NULL AS origin_uid,
  coalesce(nullif(j.data_type, ''), nullif(j.timestamp_desc, ''), 'timeline') AS operation,
  nullif(coalesce(j.parser, j.source_short), '') AS service,
  'other' AS category,
  nullif(coalesce(nullif(j.filename, '-'), nullif(j.display_name, '-')), '') AS resource_uid,
  CASE WHEN nullif(coalesce(nullif(j.filename, '-'), nullif(j.display_name, '-')), '') IS NOT NULL THEN 'file' END AS resource_type,
  CASE WHEN nullif(j.hostname, '') IS NOT NULL AND j.hostname <> '-' THEN 'host:' || j.hostname END AS boundary,
  CASE WHEN nullif(j.hostname, '') IS NOT NULL AND j.hostname <> '-' THEN 'host:' || j.hostname END AS actor_boundary,
  NULL AS region,
  nullif(nullif(coalesce(j.source_ip, j.ip_address), ''), '-') AS src_ip,
  nullif(nullif(j.user_agent, ''), '-') AS user_agent,
  'success' AS status,
  NULL AS error_code,
  NULL::BIGINT AS bytes_out,
  NULL::BIGINT AS bytes_in,
  raw,
  CASE WHEN ${time} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${time} IS NULL THEN 'no usable time: datetime is ' || coalesce('"' || j.datetime || '"', 'missing') || ', timestamp is ' || coalesce('"' || j.timestamp || '"', 'missing') END AS problem_message,
  CASE WHEN nullif(coalesce(nullif(j.filename, '-'), nullif(j.display_name, '-')), '') IS NOT NULL
    THEN [{'resource_uid': coalesce(nullif(j.filename, '-'), nullif(j.display_name, '-')), 'resource_type': 'file', 'boundary': CASE WHEN j.hostname <> '-' THEN 'host:' || j.hostname END, 'role': 'primary'}]
    ELSE [] END AS resources
FROM ${from}`;
  },
};
