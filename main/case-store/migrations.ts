import { SCHEMA_V1 } from './schema-v1';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Applied in order inside one transaction; a case records the last one it has. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'evidence, events, event_resources, quarantine, imports', sql: SCHEMA_V1 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
