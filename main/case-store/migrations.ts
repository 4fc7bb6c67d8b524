import { SCHEMA_V1 } from './schema-v1';
import { SCHEMA_V2 } from './schema-v2';
import { SCHEMA_V3 } from './schema-v3';
import { SCHEMA_V4 } from './schema-v4';
import { SCHEMA_V5 } from './schema-v5';
import { SCHEMA_V6 } from './schema-v6';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Applied in order inside one transaction; a case records the last one it has. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'evidence, events, event_resources, quarantine, imports', sql: SCHEMA_V1 },
  { version: 2, description: 'identities, credentials, sessions, baselines, identity overrides', sql: SCHEMA_V2 },
  { version: 3, description: 'findings, finding events, the hash-chained journal, saved views', sql: SCHEMA_V3 },
  { version: 4, description: 'record hashes and Merkle roots, duplicates, id collisions, time flags, CloudTrail digests', sql: SCHEMA_V4 },
  { version: 5, description: 'identity links and aliases, principals known through their accounts, credential creators', sql: SCHEMA_V5 },
  { version: 6, description: 'permission snapshots and the access model derived from them', sql: SCHEMA_V6 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
