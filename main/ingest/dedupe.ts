import type { CaseStore } from '../case-store/case-store';

/**
 * Which staged records repeat an event the case (or the batch) already holds, and which claim an
 * event id that a different record already has.
 *
 * An id alone proves nothing: a planted record can carry a real event's id. So a record is a
 * duplicate only when an event with its source and id also has the same content: the same bytes
 * (SHA-256), or the same normalized event (time, actor, credential, session, operation, resource,
 * status, addresses, bytes...), which is how one CloudTrail event looks in an S3 delivery file
 * and in a `lookup-events` export. A record with a known id and other content is a collision:
 * both are kept, the later one under `<id>~<first 12 hex of its hash>`, and `id_collisions`
 * records it. The decision reads only (source, event_uid, record_sha256) of the case's events;
 * contents are compared for the few ids seen more than once.
 *
 * Leaves two temp tables for the batch writer: `dropped` (file_no, record_no, event_uid, kind) and
 * `renamed` (file_no, record_no, claimed_uid, event_uid, first_event_uid); `normalized` already
 * carries the new ids of renamed records.
 */

/** The normalized content of an event, for telling the same event in two shapes from two events. */
const contentFingerprint = (a: string) => `md5(to_json([strftime(${a}.time, '%Y-%m-%d %H:%M:%S.%f'), ${a}.actor_uid, ${a}.credential_uid, ${a}.session_uid,
  ${a}.operation, ${a}.service, ${a}.category, ${a}.resource_uid, ${a}.status, ${a}.error_code, ${a}.src_ip, ${a}.user_agent,
  ${a}.bytes_out::VARCHAR, ${a}.bytes_in::VARCHAR, ${a}.region, ${a}.boundary]))`;

interface Copy {
  eventUid: string;
  hash: string;
  fingerprint: string;
}

interface BatchRow extends Copy {
  fileNo: number;
  recordNo: number;
  source: string;
}

export async function decideDuplicates(store: CaseStore): Promise<{ dropped: number; renamed: number }> {
  await store.run(`CREATE OR REPLACE TEMP TABLE dropped (file_no BIGINT, record_no BIGINT, event_uid VARCHAR, kind VARCHAR)`);
  await store.run(`CREATE OR REPLACE TEMP TABLE renamed (file_no BIGINT, record_no BIGINT, claimed_uid VARCHAR, event_uid VARCHAR, first_event_uid VARCHAR)`);
  await store.run(`CREATE OR REPLACE TEMP TABLE batch_ids AS SELECT source, event_uid, count(*) AS n FROM normalized WHERE problem IS NULL GROUP BY ALL`);
  // Every event of the case that claims one of the batch's ids, under its own id or a renamed one.
  await store.run(`
    CREATE OR REPLACE TEMP TABLE case_copies AS
    SELECT e.source, e.event_uid AS claimed_uid, e.event_uid, e.record_sha256, e.rowid AS rid
    FROM events e JOIN batch_ids b ON e.source = b.source AND e.event_uid = b.event_uid
    UNION ALL
    SELECT c.source, c.claimed_uid, e.event_uid, e.record_sha256, e.rowid
    FROM id_collisions c JOIN batch_ids b ON c.source = b.source AND c.claimed_uid = b.event_uid
    JOIN events e ON e.source = c.source AND e.event_uid = c.event_uid`);
  const [counts] = await store.read<{ repeated: number; known: number }>(
    `SELECT (SELECT count(*) FROM batch_ids WHERE n > 1)::BIGINT AS repeated, (SELECT count(*) FROM case_copies)::BIGINT AS known`,
  );
  if (!counts || (counts.repeated === 0 && counts.known === 0)) return { dropped: 0, renamed: 0 };

  await store.run(`
    CREATE OR REPLACE TEMP TABLE ambiguous_ids AS
    SELECT source, event_uid FROM batch_ids WHERE n > 1 UNION SELECT source, claimed_uid FROM case_copies`);
  const batch = await store.read<{ file_no: number; record_no: number; source: string; event_uid: string; hash: string; fp: string }>(`
    SELECT n.file_no, n.record_no, n.source, n.event_uid, hex(n.record_sha256) AS hash, ${contentFingerprint('n')} AS fp
    FROM normalized n JOIN ambiguous_ids a ON a.source = n.source AND a.event_uid = n.event_uid
    WHERE n.problem IS NULL ORDER BY n.file_no, n.record_no`);
  const known = await store.read<{ source: string; claimed_uid: string; event_uid: string; hash: string; fp: string }>(`
    SELECT c.source, c.claimed_uid, c.event_uid, hex(c.record_sha256) AS hash, ${contentFingerprint('e')} AS fp
    FROM case_copies c JOIN events e ON e.rowid = c.rid ORDER BY c.rid`);

  const copies = new Map<string, Copy[]>();
  const key = (source: string, uid: string) => `${source}\u0000${uid}`;
  for (const k of known) {
    const list = copies.get(key(k.source, k.claimed_uid)) ?? [];
    list.push({ eventUid: k.event_uid, hash: k.hash, fingerprint: k.fp });
    copies.set(key(k.source, k.claimed_uid), list);
  }
  const dropped: { fileNo: number; recordNo: number; eventUid: string; kind: 'same_record' | 'same_event' }[] = [];
  const renamed: { fileNo: number; recordNo: number; claimed: string; eventUid: string; first: string }[] = [];
  for (const r of batch) {
    const row: BatchRow = { fileNo: r.file_no, recordNo: r.record_no, source: r.source, eventUid: r.event_uid, hash: r.hash, fingerprint: r.fp };
    const list = copies.get(key(row.source, row.eventUid)) ?? [];
    const sameBytes = list.find((c) => c.hash === row.hash);
    const sameEvent = sameBytes ?? list.find((c) => c.fingerprint === row.fingerprint);
    if (sameEvent) {
      dropped.push({ fileNo: row.fileNo, recordNo: row.recordNo, eventUid: sameEvent.eventUid, kind: sameBytes ? 'same_record' : 'same_event' });
      continue;
    }
    let uid = row.eventUid;
    if (list.length > 0) {
      uid = `${row.eventUid}~${row.hash.slice(0, 12).toLowerCase()}`;
      renamed.push({ fileNo: row.fileNo, recordNo: row.recordNo, claimed: row.eventUid, eventUid: uid, first: list[0]!.eventUid });
    }
    list.push({ eventUid: uid, hash: row.hash, fingerprint: row.fingerprint });
    copies.set(key(row.source, row.eventUid), list);
  }

  await store.appendRows('dropped', dropped.map((d) => [d.fileNo, d.recordNo, d.eventUid, d.kind]));
  await store.appendRows('renamed', renamed.map((r) => [r.fileNo, r.recordNo, r.claimed, r.eventUid, r.first]));
  if (renamed.length > 0) {
    await store.run(`UPDATE normalized SET event_uid = r.event_uid FROM renamed r WHERE normalized.file_no = r.file_no AND normalized.record_no = r.record_no`);
  }
  return { dropped: dropped.length, renamed: renamed.length };
}
