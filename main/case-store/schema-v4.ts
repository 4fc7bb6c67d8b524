/**
 * Version 4: the case proves itself.
 *
 * - `events.record_sha256` / `quarantine.record_sha256`: SHA-256 of each record's verbatim bytes,
 *   taken at import; `evidence.records_root` the Merkle root over every record of the file in
 *   order (main/integrity/merkle.ts); `evidence.content_sha256` the SHA-256 of the decompressed
 *   content (what CloudTrail digest files sign).
 * - `duplicates`: every record not imported because the case already holds the same event
 *   (same bytes, or the same event in another export shape), with the event it repeats, so each
 *   record of each file is accounted for: an event, a duplicate or a quarantine row.
 * - `id_collisions`: a record that claims an event id already taken by a different record. Both
 *   are kept; the later one's event_uid gets a `~<hash prefix>` suffix.
 * - `events.time_flag`: times outside the plausible range (before the floor, or after the import),
 *   kept and shown but left out of baselines.
 * - `imports.failure`: why an import failed or was interrupted.
 * - `cloudtrail_digests` / `digest_signatures`: CloudTrail digest files and their exported S3
 *   signatures, for offline log-file integrity validation.
 */
export const SCHEMA_V4 = `
ALTER TABLE events ADD COLUMN record_sha256 BLOB;
ALTER TABLE events ADD COLUMN time_flag VARCHAR;
ALTER TABLE quarantine ADD COLUMN record_sha256 BLOB;
ALTER TABLE evidence ADD COLUMN content_sha256 VARCHAR;
ALTER TABLE evidence ADD COLUMN records_root VARCHAR;
ALTER TABLE imports ADD COLUMN failure VARCHAR;

CREATE TABLE duplicates (
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  byte_offset BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL,
  source VARCHAR NOT NULL,
  -- The event this record repeats.
  event_uid VARCHAR NOT NULL,
  -- same_record: the same bytes; same_event: the same event in another export shape.
  kind VARCHAR NOT NULL
);

CREATE TABLE id_collisions (
  source VARCHAR NOT NULL,
  claimed_uid VARCHAR NOT NULL,
  event_uid VARCHAR NOT NULL,
  first_event_uid VARCHAR NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  detected_at TIMESTAMP NOT NULL
);

CREATE TABLE cloudtrail_digests (
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL,
  account VARCHAR,
  region VARCHAR,
  digest_start TIMESTAMP,
  digest_end TIMESTAMP,
  s3_bucket VARCHAR,
  s3_object VARCHAR,
  previous_s3_bucket VARCHAR,
  previous_s3_object VARCHAR,
  previous_hash VARCHAR,
  previous_hash_algorithm VARCHAR,
  previous_signature VARCHAR,
  public_key_fingerprint VARCHAR,
  signature_algorithm VARCHAR,
  oldest_event_time TIMESTAMP,
  newest_event_time TIMESTAMP,
  log_files STRUCT(s3_bucket VARCHAR, s3_object VARCHAR, hash_value VARCHAR, hash_algorithm VARCHAR, oldest_event_time VARCHAR, newest_event_time VARCHAR)[],
  -- The digest as delivered: its signature covers exact strings (digestEndTime, previousDigestSignature).
  raw VARCHAR NOT NULL
);

-- Derived after each import (and by verify with --trust-keys): what the digests say of the log files.
CREATE TABLE digest_validation (
  kind VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  account VARCHAR,
  region VARCHAR,
  s3_object VARCHAR,
  evidence_id INTEGER,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  detail VARCHAR NOT NULL,
  checked_at TIMESTAMP NOT NULL
);

CREATE TABLE digest_signatures (
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL,
  signature VARCHAR NOT NULL,
  signature_algorithm VARCHAR
);

-- A case made by an older build: the hashes of what it holds now. The journal's upgrade entry says
-- they were taken at upgrade, not at import; the Merkle roots stay NULL (verify then compares the
-- records with the source files one by one).
UPDATE events SET record_sha256 = unhex(sha256(raw)) WHERE record_sha256 IS NULL;
`;
