/**
 * Version 2: identity analytics. Everything here except `identity_overrides` is derived from
 * `events` and rebuilt after each import (main/analytics/derive.ts); the overrides are the
 * analyst's journal of reclassifications and are never rebuilt.
 */
export const SCHEMA_V2 = `
CREATE TABLE identities (
  uid VARCHAR NOT NULL,
  display VARCHAR,
  actor_type VARCHAR,
  sources VARCHAR[] NOT NULL,
  boundaries VARCHAR[] NOT NULL,
  type VARCHAR NOT NULL,
  is_nhi BOOLEAN,
  confidence DOUBLE NOT NULL,
  reasons STRUCT(rule VARCHAR, verdict VARCHAR, type VARCHAR, weight DOUBLE, detail VARCHAR)[] NOT NULL,
  overridden BOOLEAN NOT NULL,
  first_seen TIMESTAMP NOT NULL,
  last_seen TIMESTAMP NOT NULL,
  last_success TIMESTAMP,
  events BIGINT NOT NULL,
  failures BIGINT NOT NULL,
  bytes_out BIGINT NOT NULL,
  bytes_in BIGINT NOT NULL,
  -- No successful activity in the last N days of the case (N = 30 unless derived otherwise).
  stale BOOLEAN NOT NULL
);

CREATE TABLE credentials (
  credential_uid VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  owner_uid VARCHAR,
  first_seen TIMESTAMP NOT NULL,
  last_seen TIMESTAMP NOT NULL,
  events BIGINT NOT NULL,
  src_ips VARCHAR[] NOT NULL,
  user_agents VARCHAR[] NOT NULL,
  boundaries VARCHAR[] NOT NULL,
  owner_deleted BOOLEAN NOT NULL,
  -- Used from more than one address, user agent or trust boundary.
  shared BOOLEAN NOT NULL,
  -- Its owner was deleted, or the owner never appears as an actor of its own.
  orphaned BOOLEAN NOT NULL
);

CREATE TABLE sessions (
  session_uid VARCHAR,
  credential_uid VARCHAR,
  role_uid VARCHAR,
  assumed_by VARCHAR NOT NULL,
  assumed_by_credential VARCHAR,
  via VARCHAR NOT NULL,
  assumed_at TIMESTAMP NOT NULL,
  assume_event_uid VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  subject VARCHAR,
  src_ip VARCHAR,
  user_agent VARCHAR,
  events BIGINT NOT NULL,
  first_used TIMESTAMP,
  last_used TIMESTAMP
);

CREATE TABLE identity_hours (
  uid VARCHAR NOT NULL,
  weekday INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  events BIGINT NOT NULL
);

CREATE TABLE identity_baselines (
  uid VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  active_days BIGINT NOT NULL,
  hours INTEGER[] NOT NULL,
  operations VARCHAR[] NOT NULL,
  resources VARCHAR[] NOT NULL,
  src_ips VARCHAR[] NOT NULL,
  user_agents VARCHAR[] NOT NULL,
  daily_events_median DOUBLE,
  daily_events_p95 DOUBLE,
  daily_bytes_median DOUBLE,
  daily_bytes_p95 DOUBLE
);

CREATE SEQUENCE override_id_seq START 1;
CREATE TABLE identity_overrides (
  override_id BIGINT NOT NULL,
  uid VARCHAR NOT NULL,
  is_nhi BOOLEAN,
  type VARCHAR,
  reason VARCHAR NOT NULL,
  analyst VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL
);
`;
