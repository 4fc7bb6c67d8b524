/**
 * Version 3 of the case file: what investigators add on top of the evidence.
 *
 * - `findings` and `finding_events`: detections (built-in rules and Sigma) with their evidence
 *   events. Findings are derived, so `detect` replaces the rows of the rules it ran; the analyst's
 *   status and notes on a finding live in the journal and are re-applied by finding key.
 * - `journal`: append-only record of everything an analyst does (bookmarks, tags, notes, status
 *   changes, classification overrides, saved views, exports). Each entry stores the SHA-256 of its
 *   canonical content chained to the previous entry's hash, so `verify` finds the first entry that
 *   was edited, removed or reordered.
 * - `saved_views`: the current state of named views (the journal keeps their history).
 */
export const SCHEMA_V3 = `
CREATE TABLE findings (
  finding_id VARCHAR NOT NULL,
  rule_id VARCHAR NOT NULL,
  rule_kind VARCHAR NOT NULL,
  title VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  identity_uid VARCHAR,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  event_count BIGINT NOT NULL,
  bytes BIGINT,
  explanation VARCHAR NOT NULL,
  details JSON,
  detected_at TIMESTAMP NOT NULL
);

CREATE TABLE finding_events (
  finding_id VARCHAR NOT NULL,
  event_uid VARCHAR NOT NULL,
  source VARCHAR NOT NULL
);

CREATE TABLE journal (
  seq BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  author VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  target_kind VARCHAR NOT NULL,
  target_id VARCHAR NOT NULL,
  body JSON NOT NULL,
  prev_hash VARCHAR NOT NULL,
  hash VARCHAR NOT NULL
);

CREATE TABLE saved_views (
  name VARCHAR NOT NULL,
  state JSON NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  journal_seq BIGINT NOT NULL
);
`;
