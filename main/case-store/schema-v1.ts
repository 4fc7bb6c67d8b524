/**
 * Version 1 of the case file: evidence manifest, normalized events with their verbatim raw
 * record and provenance, resources touched per event, quarantine, and the import log.
 *
 * No primary keys or indexes on the big tables: DuckDB's ART indexes live in memory and slow
 * bulk inserts, and zone maps on `time` already make the per-file duplicate check cheap.
 */
export const SCHEMA_V1 = `
CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL);

CREATE SEQUENCE evidence_id_seq START 1;
CREATE SEQUENCE import_id_seq START 1;
CREATE SEQUENCE quarantine_id_seq START 1;

CREATE TABLE imports (
  import_id INTEGER NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  tool_version VARCHAR NOT NULL,
  inputs VARCHAR NOT NULL,
  status VARCHAR NOT NULL
);

CREATE TABLE evidence (
  evidence_id INTEGER NOT NULL,
  import_id INTEGER NOT NULL,
  parent_id INTEGER,
  kind VARCHAR NOT NULL,
  bundle_name VARCHAR NOT NULL,
  source_path VARCHAR NOT NULL,
  path_in_bundle VARCHAR NOT NULL,
  size_bytes BIGINT NOT NULL,
  sha256 VARCHAR NOT NULL,
  compression VARCHAR NOT NULL,
  detected_format VARCHAR,
  parser VARCHAR,
  parser_version VARCHAR,
  imported_at TIMESTAMP NOT NULL,
  records_total BIGINT NOT NULL DEFAULT 0,
  records_ok BIGINT NOT NULL DEFAULT 0,
  records_duplicate BIGINT NOT NULL DEFAULT 0,
  records_quarantined BIGINT NOT NULL DEFAULT 0,
  first_time TIMESTAMP,
  last_time TIMESTAMP,
  status VARCHAR NOT NULL
);

CREATE TABLE events (
  event_uid VARCHAR NOT NULL,
  time TIMESTAMP NOT NULL,
  source VARCHAR NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  byte_offset BIGINT NOT NULL,
  actor_uid VARCHAR,
  actor_type VARCHAR,
  actor_display VARCHAR,
  is_nhi BOOLEAN,
  credential_uid VARCHAR,
  session_uid VARCHAR,
  origin_uid VARCHAR,
  operation VARCHAR NOT NULL,
  service VARCHAR,
  category VARCHAR NOT NULL,
  resource_uid VARCHAR,
  resource_type VARCHAR,
  boundary VARCHAR,
  actor_boundary VARCHAR,
  region VARCHAR,
  src_ip VARCHAR,
  user_agent VARCHAR,
  status VARCHAR NOT NULL,
  error_code VARCHAR,
  bytes_out BIGINT,
  bytes_in BIGINT,
  -- zstd, chosen up front: letting DuckDB analyze compression for every checkpoint of these
  -- kilobyte-long JSON strings cost 30% of import time. zstd needs the 1.2 storage format new
  -- cases are written in (case-store.ts); it keeps 300,000 CloudTrail records in 23 MB where FSST
  -- took 219 MB, writes them in half the time and scans them as fast. A case made in the older
  -- format keeps FSST (a storage detail: the text is the same, and so are its hashes).
  raw VARCHAR NOT NULL USING COMPRESSION zstd
);

CREATE TABLE event_resources (
  event_uid VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  resource_uid VARCHAR NOT NULL,
  resource_type VARCHAR,
  boundary VARCHAR,
  role VARCHAR NOT NULL
);

CREATE TABLE quarantine (
  quarantine_id BIGINT NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT,
  byte_offset BIGINT,
  line BIGINT,
  reason VARCHAR NOT NULL,
  message VARCHAR NOT NULL,
  raw VARCHAR,
  created_at TIMESTAMP NOT NULL
);
`;
