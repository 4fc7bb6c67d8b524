import { copyFileSync, existsSync } from 'node:fs';
import { fileSha256 } from '../integrity/file-hash';
import { importManifest } from '../integrity/manifest';
import { appendJournal } from '../journal/journal';
import { deriveIdentities } from '../analytics/derive';
import { CaseError, CaseStore } from './case-store';
import { SCHEMA_VERSION } from './migrations';

export interface UpgradeResult {
  path: string;
  from: number;
  to: number;
  /** The untouched copy kept before migrating (and its WAL, if it had one). */
  backup: string | null;
  backupSha256: string | null;
}

/**
 * Migrates a case made by an older build, only when the analyst asks: first a byte-for-byte
 * copy of the file (and its WAL) beside it, then the migration in one transaction, then a
 * journal entry naming both versions, the backup and its SHA-256, and the manifest digest of
 * every earlier import (their own entries did not exist before schema 4). Record hashes of an
 * upgraded case are taken from its stored records at upgrade time; the entry says so. Derived
 * tables (identities, links) are rebuilt from the stored events when the new schema adds to them.
 */
export async function upgradeCase(path: string, author?: string): Promise<UpgradeResult> {
  const from = await CaseStore.schemaVersionOf(path);
  if (from === SCHEMA_VERSION) return { path, from, to: from, backup: null, backupSha256: null };
  if (from > SCHEMA_VERSION) throw new CaseError('case_too_new', `${path} has schema version ${from}; this build reads up to ${SCHEMA_VERSION}`);
  let backup = `${path.replace(/\.duckdb$/, '')}.schema-v${from}.backup.duckdb`;
  for (let n = 2; existsSync(backup); n++) backup = `${path.replace(/\.duckdb$/, '')}.schema-v${from}.backup-${n}.duckdb`;
  copyFileSync(path, backup);
  if (existsSync(`${path}.wal`)) copyFileSync(`${path}.wal`, `${backup}.wal`);
  const backupSha256 = await fileSha256(backup);
  const store = await CaseStore.open(path, { upgrade: true });
  try {
    await store.transaction(async () => {
      const imports = await store.read<{ import_id: number }>(`SELECT import_id FROM imports WHERE status <> 'running' ORDER BY import_id`);
      const manifests = [];
      for (const { import_id: importId } of imports) manifests.push({ importId, sha256: (await importManifest(store, importId)).sha256 });
      await appendJournal(
        store,
        {
          ...(author ? { author } : {}),
          action: 'case_upgraded',
          targetKind: 'case',
          targetId: 'schema',
          body: {
            from,
            to: SCHEMA_VERSION,
            backup,
            backupSha256,
            manifests,
            note: [
              from < 4 ? 'record hashes were computed at upgrade from the records stored in the case; earlier files have no Merkle root: verify compares their records with the source files one by one' : null,
              from < 5 ? 'identities, their links and credential creators were rebuilt from the stored events' : null,
              from < 6 ? 'tables for permission snapshots and the access model were added, empty: import snapshots to fill them' : null,
            ].filter((n) => n !== null).join('; '),
          },
        },
        { inTransaction: true },
      );
    });
    // Links, principals and key creators exist from schema 5 on: rebuilt from the events the case holds.
    if (from < 5) await deriveIdentities(store);
    await store.checkpoint();
  } finally {
    store.close();
  }
  return { path, from, to: SCHEMA_VERSION, backup, backupSha256 };
}
