/**
 * Schema 6: granted beside used. Permission snapshots (IAM authorization details, the credential
 * report, Kubernetes RBAC, GCP IAM policies, Azure role assignments) are evidence: their records
 * are kept verbatim and hashed in `permission_records`. Every `access_*` table is derived from
 * them (main/access/derive-access.ts) and rebuilt after each import; each row names the record it
 * was read from.
 */
export const SCHEMA_V6 = `
CREATE TABLE permission_records (
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL,
  kind VARCHAR NOT NULL,
  -- The record's verbatim text (a CSV row as written), and its JSON when it was not JSON (CSV).
  raw VARCHAR NOT NULL,
  doc JSON
);

-- One snapshot record read: its account or cluster, and the latest date it holds (it was taken after).
CREATE TABLE access_snapshots (
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  kind VARCHAR NOT NULL,
  scope VARCHAR,
  not_before TIMESTAMP,
  principals BIGINT NOT NULL,
  problems VARCHAR[] NOT NULL
);

-- Who holds permissions: IAM users, roles and groups; Kubernetes service accounts, users and groups;
-- GCP members; Azure principals. uid is the identity's uid in the logs where it acts.
CREATE TABLE access_principals (
  uid VARCHAR NOT NULL,
  provider VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  scope VARCHAR,
  created_at TIMESTAMP,
  last_used_at TIMESTAMP,
  groups VARCHAR[] NOT NULL,
  boundary VARCHAR,
  -- Every action allowed on every resource (or the provider's equivalent: cluster-admin, Owner).
  is_admin BOOLEAN NOT NULL,
  -- An Allow with a wildcard service or action (s3:*, *) on every resource.
  wildcard BOOLEAN NOT NULL,
  granted BIGINT NOT NULL,
  conditional BIGINT NOT NULL,
  used BIGINT NOT NULL,
  unused_sensitive VARCHAR[] NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL
);

-- The policies a principal holds, how (inline, managed, through a group, its boundary, an SCP, a
-- binding), as written in the snapshot.
CREATE TABLE access_policies (
  principal_uid VARCHAR NOT NULL,
  policy VARCHAR NOT NULL,
  attached_via VARCHAR NOT NULL,
  document JSON NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL
);

-- Per principal and service: actions granted (conditionally or not) and used in the case.
CREATE TABLE access_services (
  principal_uid VARCHAR NOT NULL,
  service VARCHAR NOT NULL,
  granted BIGINT NOT NULL,
  used BIGINT NOT NULL,
  sensitive_granted BIGINT NOT NULL,
  sensitive_used BIGINT NOT NULL
);

-- Long-term credentials with their age and use (credential report, key lists).
CREATE TABLE access_keys (
  key_id VARCHAR,
  principal_uid VARCHAR NOT NULL,
  provider VARCHAR NOT NULL,
  slot VARCHAR,
  active BOOLEAN,
  created_at TIMESTAMP,
  last_rotated TIMESTAMP,
  last_used_at TIMESTAMP,
  last_used_service VARCHAR,
  expires_at TIMESTAMP,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL
);

-- Who can become whom: a trust (assume), a privilege escalation (a method with its steps), a membership.
CREATE TABLE access_edges (
  from_uid VARCHAR NOT NULL,
  to_uid VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  method VARCHAR NOT NULL,
  conditional BOOLEAN NOT NULL,
  explanation VARCHAR NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL
);

-- Least-privilege findings, each resting on a snapshot record (and, for use, on the case's events).
CREATE TABLE access_findings (
  finding_id VARCHAR NOT NULL,
  rule VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  principal_uid VARCHAR,
  title VARCHAR NOT NULL,
  detail VARCHAR NOT NULL,
  facts JSON NOT NULL,
  evidence_id INTEGER NOT NULL,
  record_no BIGINT NOT NULL,
  record_sha256 BLOB NOT NULL
);
`;
