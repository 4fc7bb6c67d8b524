import { CaseStore } from '../../main/case-store/case-store';

/** Turns a case into what a schema-3 build wrote: no record hashes, no duplicates table, no journal of imports. */
export async function downgradeToSchema3(casePath: string): Promise<void> {
  const store = await CaseStore.open(casePath);
  try {
    for (const sql of [
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
      `DROP TABLE identity_links`,
      `DROP TABLE identity_aliases`,
      `DROP SEQUENCE alias_id_seq`,
      `ALTER TABLE identities DROP COLUMN observed`,
      `ALTER TABLE identities DROP COLUMN principal_uid`,
      `ALTER TABLE credentials DROP COLUMN created_by`,
      `ALTER TABLE credentials DROP COLUMN created_at`,
      `ALTER TABLE credentials DROP COLUMN created_event_uid`,
      `DELETE FROM journal`,
      `UPDATE meta SET value = '3' WHERE key = 'schema_version'`,
      `CHECKPOINT`,
    ])
      await store.run(sql);
  } finally {
    store.close();
  }
}
