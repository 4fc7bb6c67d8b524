import { CaseStore } from '../../main/case-store/case-store';

/** What each schema added, undone: the newest first. */
const UNDO: Record<number, string[]> = {
  6: [
    ...['permission_records', 'access_snapshots', 'access_principals', 'access_policies', 'access_services', 'access_keys', 'access_edges', 'access_findings'].map((t) => `DROP TABLE ${t}`),
    `DELETE FROM meta WHERE key = 'access_catalog'`,
  ],
  5: [
    `DROP TABLE identity_links`,
    `DROP TABLE identity_aliases`,
    `DROP SEQUENCE alias_id_seq`,
    `ALTER TABLE identities DROP COLUMN observed`,
    `ALTER TABLE identities DROP COLUMN principal_uid`,
    `ALTER TABLE identities DROP COLUMN label`,
    `ALTER TABLE credentials DROP COLUMN created_by`,
    `ALTER TABLE credentials DROP COLUMN created_at`,
    `ALTER TABLE credentials DROP COLUMN created_event_uid`,
    `ALTER TABLE findings DROP COLUMN bytes_read`,
    `ALTER TABLE findings DROP COLUMN bytes_written`,
    `DROP TABLE incidents`,
    `DROP TABLE incident_findings`,
  ],
  4: [
    `ALTER TABLE events DROP COLUMN record_sha256`,
    `ALTER TABLE events DROP COLUMN time_flag`,
    `ALTER TABLE quarantine DROP COLUMN record_sha256`,
    `ALTER TABLE evidence DROP COLUMN content_sha256`,
    `ALTER TABLE evidence DROP COLUMN records_root`,
    `ALTER TABLE imports DROP COLUMN failure`,
    `DROP TABLE duplicates`,
    `DROP TABLE id_collisions`,
    `DROP TABLE cloudtrail_digests`,
    `DROP TABLE digest_signatures`,
    `DROP TABLE digest_validation`,
    `DELETE FROM journal`,
  ],
};

/** Turns a case into what an older build wrote (schema 3: no record hashes, no duplicates, no journal of imports; schema 4: no identity links; schema 5: no permission snapshots). */
export async function downgradeToSchema(casePath: string, version: 3 | 4 | 5): Promise<void> {
  const store = await CaseStore.open(casePath);
  try {
    for (const v of [6, 5, 4].filter((v) => v > version)) for (const sql of UNDO[v]!) await store.run(sql);
    await store.run(`UPDATE meta SET value = '${version}' WHERE key = 'schema_version'`);
    await store.run(`CHECKPOINT`);
  } finally {
    store.close();
  }
}

export const downgradeToSchema3 = (casePath: string) => downgradeToSchema(casePath, 3);
