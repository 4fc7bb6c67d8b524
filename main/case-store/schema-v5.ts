/**
 * Schema 5: attribution. One principal across sources (links derived after each import, the
 * analyst's aliases kept apart and journaled), identities known only through their linked
 * accounts, and who created a credential when the case saw it being made.
 */
export const SCHEMA_V5 = `
-- One principal across sources: accounts of the same person, the same workload, the same CI
-- workflow (derived after each import), plus the analyst's own aliases (kept, journaled).
CREATE TABLE identity_links (
  uid VARCHAR NOT NULL,
  principal_uid VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  origin VARCHAR NOT NULL
);
CREATE SEQUENCE alias_id_seq START 1;
CREATE TABLE identity_aliases (
  alias_id BIGINT NOT NULL,
  uid VARCHAR NOT NULL,
  principal_uid VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  analyst VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  removed BOOLEAN NOT NULL
);
-- false for an identity known only from its linked accounts (a workflow, a person across sources).
-- (No DEFAULT: DuckDB 1.5 cannot commit a second ALTER of a table after one adding a defaulted column.)
ALTER TABLE identities ADD COLUMN observed BOOLEAN;
ALTER TABLE identities ADD COLUMN principal_uid VARCHAR;
-- The name to show: the display name, with its account/project/cluster when another identity has
-- the same one (two roles named deploy in two accounts), refreshed after every derivation.
ALTER TABLE identities ADD COLUMN label VARCHAR;
-- (Every ALTER of a table before any UPDATE of it: DuckDB cannot commit an ALTER after an UPDATE in one transaction.)
UPDATE identities SET observed = true;
-- Who created a credential, and when (CreateAccessKey, CreateServiceAccountKey…), when the case saw it.
ALTER TABLE credentials ADD COLUMN created_by VARCHAR;
ALTER TABLE credentials ADD COLUMN created_at TIMESTAMP;
ALTER TABLE credentials ADD COLUMN created_event_uid VARCHAR;
-- A finding's bytes read and written, apart (findings.bytes is the data moved: the larger of the two).
ALTER TABLE findings ADD COLUMN bytes_read BIGINT;
ALTER TABLE findings ADD COLUMN bytes_written BIGINT;
-- Findings linked into incidents (one attack, one story), rebuilt by every detection run.
CREATE TABLE incidents (
  incident_id VARCHAR NOT NULL,
  score DOUBLE NOT NULL,
  severity VARCHAR NOT NULL,
  window_start TIMESTAMP NOT NULL,
  window_end TIMESTAMP NOT NULL,
  body JSON NOT NULL
);
CREATE TABLE incident_findings (
  incident_id VARCHAR NOT NULL,
  finding_id VARCHAR NOT NULL
);
`;
