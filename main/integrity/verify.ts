import { type AccessRecheck, recheckAccess } from '../access/recheck-access';
import { existsSync } from 'node:fs';
import type { CaseStore } from '../case-store/case-store';
import { DEFAULT_LIMITS, type ImportLimits } from '../ingest/limits';
import { type JournalHead, parseExpectedHead, readHeadFile } from '../journal/journal-head';
import { type JournalVerdict, readJournal, verifyJournal } from '../journal/journal';
import { type DigestReport, type TrustedKeys, validateCloudTrailDigests } from './cloudtrail-digests';
import { importManifest } from './manifest';
import { MerkleAccumulator } from './merkle';
import { type FieldRecheck, recheckFields } from './recheck-fields';
import { type SourceFile, readSource } from './source-records';

/**
 * `verify`: the case proves itself, from the source logs to the journal.
 *
 * 1. Each evidence file's stored SHA-256, decompressed SHA-256 and record Merkle root are
 *    recomputed from the original inputs (when they are here); where a root differs, the file's
 *    records are compared one by one and named: edited, deleted, added or reordered.
 * 2. Inside the case, each file's records (events, duplicates, quarantine) must rebuild the
 *    manifest's root and counts; each event's raw record must hash to its recorded hash; each
 *    event's fields must be what its parser derives from that raw record.
 * 3. Each import's manifest must hash to the digest its journal entry recorded, the journal's
 *    chain must hold, and its head must contain the head kept beside the case (or given with
 *    --expect-head): deleting the journal's last entries, or rewriting it whole, is seen.
 * 4. `deep` reads every row of every table, so a damaged block of the case file fails here.
 */

export type EvidenceCheck =
  | 'ok'
  | 'hash_mismatch'
  | 'count_mismatch'
  | 'root_mismatch'
  | 'records_differ'
  | 'source_missing'
  | 'not_found_in_source'
  | 'incomplete'
  | 'not_read';

export interface EvidenceVerdict {
  evidenceId: number;
  path: string;
  kind: 'file' | 'archive';
  check: EvidenceCheck;
  detail: string | null;
}

export type RecordProblem = 'edited' | 'deleted' | 'added' | 'reordered' | 'repeated' | 'raw_edited' | 'fields_edited';

export interface RecordVerdict {
  evidenceId: number;
  path: string;
  recordNo: number;
  problem: RecordProblem;
  detail: string;
}

export interface ImportVerdict {
  importId: number;
  status: string;
  check: 'ok' | 'not_journaled' | 'manifest_changed' | 'still_running';
  detail: string | null;
}

export interface HeadVerdict {
  from: 'head file' | 'expected';
  head: JournalHead | null;
  check: 'ok' | 'not_in_journal' | 'unreadable';
  detail: string;
}

export interface DeepVerdict {
  tables: { table: string; rows: number | null; error: string | null }[];
  isValid: boolean;
}

export interface VerifyReport {
  isValid: boolean;
  /** The case file itself cannot be read whole (a damaged block): nothing else could be checked. */
  damaged: string | null;
  /** True when every source file was found, so every hash could be recomputed. */
  isComplete: boolean;
  evidence: EvidenceVerdict[];
  /** Record-level problems, the first MAX_LISTED of `recordProblems`. */
  records: RecordVerdict[];
  recordProblems: number;
  fields: Omit<FieldRecheck, 'problems'>;
  imports: ImportVerdict[];
  journal: JournalVerdict;
  heads: HeadVerdict[];
  orphans: { events: number; quarantine: number; duplicates: number };
  deep: DeepVerdict | null;
  /** What the CloudTrail digests in the case say of its log files (null when there are none). */
  digests: DigestReport | null;
  /** The access tables against the model derived again from the permission snapshots. */
  access: AccessRecheck;
}

export interface VerifyOptions {
  /** Also read every row of every table (catches a damaged case file). */
  deep?: boolean;
  /** A journal head an auditor kept (from a report or an export): `N:HASH` or `HASH`. */
  expectHead?: string;
  /** Re-read the original inputs (default true). */
  sources?: boolean;
  /** Public keys for CloudTrail digest signatures; without them hashes and chains are still checked. */
  trustKeys?: TrustedKeys | null;
  onProgress?: (step: string) => void;
}

const MAX_LISTED = 1000;

interface EvidenceRow {
  evidence_id: number;
  import_id: number;
  parent_id: number | null;
  kind: 'file' | 'archive';
  source_path: string;
  bundle_name: string;
  path_in_bundle: string;
  sha256: string;
  content_sha256: string | null;
  records_root: string | null;
  status: string;
  records_total: number;
  records_ok: number;
  records_duplicate: number;
  records_quarantined: number;
  whole_file: number;
  events: number;
  side: number;
  duplicates: number;
  quarantined: number;
}

/** Every record the case holds for a file, with its hash: events, duplicates, quarantine, digests, permission snapshots. */
const CASE_RECORDS = `
  SELECT evidence_id, record_no, record_sha256 FROM events
  UNION ALL SELECT evidence_id, record_no, record_sha256 FROM duplicates
  UNION ALL SELECT evidence_id, record_no, record_sha256 FROM quarantine WHERE record_no IS NOT NULL AND record_sha256 IS NOT NULL
  UNION ALL SELECT evidence_id, record_no, record_sha256 FROM cloudtrail_digests
  UNION ALL SELECT evidence_id, record_no, record_sha256 FROM digest_signatures
  UNION ALL SELECT evidence_id, record_no, record_sha256 FROM permission_records`;

export async function verifyCase(store: CaseStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  try {
    return await verifyReadable(store, options);
  } catch (err) {
    // A block that fails its checksum (a flipped byte) stops DuckDB mid-query: that is a verdict.
    const message = err instanceof Error ? err.message : String(err);
    if (!/checksum|corrupt|Invalid|IO Error|Serialization/i.test(message)) throw err;
    const deep = await readEveryTable(store).catch(() => null);
    return {
      isValid: false,
      isComplete: false,
      damaged: message.split('\n')[0]!,
      evidence: [],
      records: [],
      recordProblems: 0,
      fields: { checked: 0, skipped: [], problemCount: 0 },
      imports: [],
      journal: { ok: false, entries: 0, head: '', broken: null },
      heads: [],
      orphans: { events: 0, quarantine: 0, duplicates: 0 },
      deep,
      digests: null,
      access: { checked: 0, problems: [], skipped: 'the case could not be read whole' },
    };
  }
}

async function verifyReadable(store: CaseStore, options: VerifyOptions): Promise<VerifyReport> {
  const progress = options.onProgress ?? (() => undefined);
  const rows = await store.read<EvidenceRow>(`
    SELECT e.evidence_id, e.import_id, e.parent_id, e.kind, e.source_path, e.bundle_name, e.path_in_bundle, e.sha256, e.content_sha256, e.records_root,
      e.status, e.records_total, e.records_ok, e.records_duplicate, e.records_quarantined,
      coalesce(ev.n, 0)::BIGINT AS events, coalesce(sd.n, 0)::BIGINT AS side, coalesce(d.n, 0)::BIGINT AS duplicates,
      coalesce(q.n, 0)::BIGINT AS quarantined, coalesce(w.n, 0)::BIGINT AS whole_file
    FROM evidence e
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM events GROUP BY ALL) ev USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM (SELECT evidence_id FROM cloudtrail_digests UNION ALL SELECT evidence_id FROM digest_signatures UNION ALL SELECT evidence_id FROM permission_records) GROUP BY ALL) sd USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM duplicates GROUP BY ALL) d USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM quarantine WHERE record_no IS NOT NULL GROUP BY ALL) q USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM quarantine WHERE record_no IS NULL AND reason = 'unrecognized_format' GROUP BY ALL) w USING (evidence_id)
    ORDER BY e.evidence_id`);
  const byId = new Map(rows.map((r) => [r.evidence_id, r]));
  const records = new RecordLog();
  const verdicts = new Map<number, EvidenceVerdict>();
  const fail = (row: EvidenceRow, check: EvidenceCheck, detail: string) => {
    if (!verdicts.has(row.evidence_id)) verdicts.set(row.evidence_id, { evidenceId: row.evidence_id, path: row.path_in_bundle, kind: row.kind, check, detail });
  };

  progress('counts');
  for (const row of rows) checkCounts(row, fail);

  progress('raw records against their hashes');
  for await (const chunk of store.stream<{ evidence_id: number; record_no: number; event_uid: string }>(
    `SELECT evidence_id, record_no, event_uid FROM events WHERE record_sha256 IS DISTINCT FROM unhex(sha256(raw)) ORDER BY evidence_id, record_no`,
  )) {
    for (const r of chunk) records.add({ evidenceId: r.evidence_id, path: byId.get(r.evidence_id)?.path_in_bundle ?? '?', recordNo: r.record_no, problem: 'raw_edited', detail: `event ${r.event_uid}: its raw record no longer hashes to the SHA-256 taken at import` });
  }
  for (const r of await store.read<{ evidence_id: number; record_no: number; kind: string }>(
    `SELECT evidence_id, record_no, kind FROM permission_records WHERE record_sha256 IS DISTINCT FROM unhex(sha256(raw)) ORDER BY evidence_id, record_no`,
  )) {
    records.add({ evidenceId: r.evidence_id, path: byId.get(r.evidence_id)?.path_in_bundle ?? '?', recordNo: r.record_no, problem: 'raw_edited', detail: `${r.kind} record: it no longer hashes to the SHA-256 taken at import` });
  }

  progress('record Merkle roots');
  const caseRoots = await caseSideRoots(store, byId, records);
  for (const [id, root] of caseRoots) {
    const row = byId.get(id)!;
    if (row.records_root !== null && root !== row.records_root) fail(row, 'root_mismatch', `the case's records of this file rebuild the Merkle root ${root.slice(0, 16)}…, the manifest says ${row.records_root.slice(0, 16)}…`);
  }

  progress('fields against their raw records');
  const fieldCheck = await recheckFields(store, MAX_LISTED, (done, total) => progress(`fields ${done}/${total}`));
  for (const p of fieldCheck.problems) {
    records.add({ evidenceId: p.evidenceId, path: byId.get(p.evidenceId)?.path_in_bundle ?? '?', recordNo: p.recordNo, problem: 'fields_edited', detail: `event ${p.eventUid}: ${p.columns.join(', ')} differ from what the parser derives from its raw record` });
  }
  records.extra += Math.max(0, fieldCheck.problemCount - fieldCheck.problems.length);

  const limitsByImport = await importLimits(store);
  let isComplete = true;
  if (options.sources !== false) {
    progress('source files');
    isComplete = await checkSources(store, rows, caseRoots, limitsByImport, records, fail);
  }

  progress('imports against the journal');
  const imports = await checkImports(store);
  const journal = await verifyJournal(store);
  const heads = await checkHeads(store, options.expectHead);

  const [orphans] = await store.read<{ events: number; quarantine: number; duplicates: number }>(`
    SELECT (SELECT count(*) FROM events WHERE evidence_id NOT IN (SELECT evidence_id FROM evidence))::BIGINT AS events,
           (SELECT count(*) FROM quarantine WHERE evidence_id NOT IN (SELECT evidence_id FROM evidence))::BIGINT AS quarantine,
           (SELECT count(*) FROM duplicates WHERE evidence_id NOT IN (SELECT evidence_id FROM evidence))::BIGINT AS duplicates`);
  const orphanCounts = orphans ?? { events: 0, quarantine: 0, duplicates: 0 };

  progress('access model against its snapshots');
  const access = await recheckAccess(store);

  progress('CloudTrail digests');
  const digestReport = await validateCloudTrailDigests(store, options.trustKeys ?? null);
  let deep: DeepVerdict | null = null;
  if (options.deep) {
    progress('every block of the case');
    deep = await readEveryTable(store);
  }

  // A file with a record problem (an edited raw record, edited fields) is not ok either.
  const perFile = new Map<number, number>();
  for (const r of records.listed) perFile.set(r.evidenceId, (perFile.get(r.evidenceId) ?? 0) + 1);
  for (const [id, n] of perFile) {
    const row = byId.get(id);
    if (row) fail(row, 'records_differ', `${n} of its records differ from what was imported (see the record problems)`);
  }
  const evidence: EvidenceVerdict[] = rows.map(
    (row) => verdicts.get(row.evidence_id) ?? { evidenceId: row.evidence_id, path: row.path_in_bundle, kind: row.kind, check: 'ok', detail: null },
  );
  const isValid =
    evidence.every((v) => v.check === 'ok' || v.check === 'source_missing' || v.check === 'not_read') &&
    records.total === 0 &&
    imports.every((i) => i.check === 'ok' || i.check === 'still_running') &&
    journal.ok &&
    heads.every((h) => h.check === 'ok') &&
    orphanCounts.events + orphanCounts.quarantine + orphanCounts.duplicates === 0 &&
    access.problems.length === 0 &&
    (deep?.isValid ?? true);
  return {
    isValid,
    damaged: null,
    isComplete: isComplete && evidence.every((v) => v.check !== 'source_missing'),
    evidence,
    records: records.listed,
    recordProblems: records.total,
    fields: { checked: fieldCheck.checked, skipped: fieldCheck.skipped, problemCount: fieldCheck.problemCount },
    imports,
    journal,
    heads,
    orphans: orphanCounts,
    deep,
    digests: digestReport.trails.length > 0 ? digestReport : null,
    access,
  };
}

class RecordLog {
  readonly listed: RecordVerdict[] = [];
  extra = 0;
  add(v: RecordVerdict): void {
    if (this.listed.length < MAX_LISTED) this.listed.push(v);
    else this.extra++;
  }
  get total(): number {
    return this.listed.length + this.extra;
  }
}

function checkCounts(row: EvidenceRow, fail: (row: EvidenceRow, check: EvidenceCheck, detail: string) => void): void {
  if (row.status === 'not_read') return;
  if (row.status !== 'complete') {
    fail(row, 'incomplete', 'the import of this archive was interrupted; import it again to finish');
    return;
  }
  if (row.kind !== 'file') return;
  if (row.events + row.side !== row.records_ok) {
    fail(row, 'count_mismatch', `manifest says ${row.records_ok} imported records, the case holds ${row.events + row.side}`);
    return;
  }
  // A file no parser knows is quarantined as one row standing for all its records.
  const wholeFile = row.whole_file > 0 && row.quarantined === 0 && row.records_ok === 0;
  if (!wholeFile && row.quarantined !== row.records_quarantined) {
    fail(row, 'count_mismatch', `manifest says ${row.records_quarantined} quarantined records, the case holds ${row.quarantined}`);
    return;
  }
  // Duplicates are kept as rows since schema 4 (a file with a Merkle root); older cases only counted them.
  if (row.records_root !== null && !wholeFile && row.duplicates !== row.records_duplicate) {
    fail(row, 'count_mismatch', `manifest says ${row.records_duplicate} duplicate records, the case holds ${row.duplicates}`);
    return;
  }
  if (row.records_ok + row.records_duplicate + row.records_quarantined !== row.records_total) {
    fail(row, 'count_mismatch', `${row.records_ok} ok + ${row.records_duplicate} duplicate + ${row.records_quarantined} quarantined ≠ ${row.records_total} records`);
  }
}

/**
 * The Merkle root of each file's records as the case holds them now, streamed in record order.
 * A record number held twice is itself a finding (a copied event row).
 */
async function caseSideRoots(store: CaseStore, byId: Map<number, EvidenceRow>, records: RecordLog): Promise<Map<number, string>> {
  const roots = new Map<number, string>();
  const rooted = [...byId.values()].filter((r) => r.kind === 'file' && r.status === 'complete' && r.records_root !== null && !(r.whole_file > 0 && r.records_ok === 0));
  if (rooted.length === 0) return roots;
  let current: { id: number; acc: MerkleAccumulator; last: number } | null = null;
  const finish = () => {
    if (current) roots.set(current.id, current.acc.root());
  };
  for await (const chunk of store.stream<{ evidence_id: number; record_no: number; h: string }>(
    `SELECT evidence_id, record_no, hex(record_sha256) AS h FROM (${CASE_RECORDS}) WHERE evidence_id IN (SELECT evidence_id FROM evidence WHERE records_root IS NOT NULL) ORDER BY evidence_id, record_no`,
  )) {
    for (const r of chunk) {
      if (!current || current.id !== r.evidence_id) {
        finish();
        current = { id: r.evidence_id, acc: new MerkleAccumulator(), last: -1 };
      }
      if (r.record_no === current.last) {
        records.add({ evidenceId: r.evidence_id, path: byId.get(r.evidence_id)?.path_in_bundle ?? '?', recordNo: r.record_no, problem: 'repeated', detail: 'the case holds this record number more than once' });
      }
      current.last = r.record_no;
      current.acc.push(Buffer.from(r.h, 'hex'));
    }
  }
  finish();
  // A file whose records were all removed has no rows at all: its root is the empty tree's.
  for (const r of rooted) if (!roots.has(r.evidence_id)) roots.set(r.evidence_id, new MerkleAccumulator().root());
  return roots;
}

/** The limits each import cut records with (its journal entry keeps them), so verify cuts alike. */
async function importLimits(store: CaseStore): Promise<Map<number, ImportLimits>> {
  const out = new Map<number, ImportLimits>();
  for (const e of await readJournal(store, `WHERE action = 'import'`)) {
    const body = e.body as { importId?: number; limits?: Partial<ImportLimits> };
    if (typeof body.importId === 'number') out.set(body.importId, { ...DEFAULT_LIMITS, ...body.limits });
  }
  return out;
}

async function checkSources(
  store: CaseStore,
  rows: EvidenceRow[],
  caseRoots: Map<number, string>,
  limitsByImport: Map<number, ImportLimits>,
  records: RecordLog,
  fail: (row: EvidenceRow, check: EvidenceCheck, detail: string) => void,
): Promise<boolean> {
  let isComplete = true;
  const bySource = new Map<string, EvidenceRow[]>();
  for (const row of rows) {
    if (row.status === 'not_read') continue;
    const list = bySource.get(row.source_path) ?? [];
    list.push(row);
    bySource.set(row.source_path, list);
  }
  for (const [sourcePath, list] of bySource) {
    const top = list.find((r) => r.parent_id === null) ?? list[0]!;
    if (!existsSync(sourcePath)) {
      isComplete = false;
      for (const row of list) fail(row, 'source_missing', `${sourcePath} is not available here: hashes and records not recomputed`);
      continue;
    }
    const byPath = new Map<string, EvidenceRow[]>();
    for (const row of list) byPath.set(row.path_in_bundle, [...(byPath.get(row.path_in_bundle) ?? []), row]);
    const seen = new Set<number>();
    const limits = limitsByImport.get(top.import_id) ?? DEFAULT_LIMITS;
    await readSource(store, sourcePath, { pathInBundle: top.path_in_bundle, bundleName: top.bundle_name }, limits, {
      archive(path, sha256) {
        for (const row of byPath.get(path) ?? []) {
          if (row.kind !== 'archive') continue;
          seen.add(row.evidence_id);
          if (row.sha256 && row.sha256 !== sha256) fail(row, 'hash_mismatch', `manifest SHA-256 ${row.sha256}, archive now ${sha256}`);
        }
      },
      async file(file) {
        for (const row of byPath.get(file.pathInBundle) ?? []) {
          if (row.kind !== 'file') continue;
          seen.add(row.evidence_id);
          if (row.sha256 !== file.sha256) fail(row, 'hash_mismatch', `manifest SHA-256 ${row.sha256}, file now ${file.sha256}`);
          if (row.content_sha256 !== null && row.content_sha256 !== file.contentSha256) fail(row, 'hash_mismatch', `manifest content SHA-256 ${row.content_sha256}, content now ${file.contentSha256}`);
          if (row.status !== 'complete') continue;
          // Record by record when anything disagrees: the source, the manifest or the case's own records.
          const held = caseRoots.get(row.evidence_id);
          if (row.records_root === null || row.records_root !== file.recordsRoot || (held !== undefined && held !== row.records_root)) {
            await compareRecords(store, row, file, records, fail);
          }
        }
      },
    });
    for (const row of list) if (!seen.has(row.evidence_id)) fail(row, 'not_found_in_source', `${row.path_in_bundle} is no longer in ${sourcePath}`);
  }
  return isComplete;
}

/**
 * A file whose records differ from the case's (or whose case predates Merkle roots): record by
 * record. The case's record `n` against the source's record `n`: the same hash is fine; a hash
 * found elsewhere in the source means records were reordered; otherwise it was edited. Source
 * records the case lacks were deleted; case records the source lacks were added.
 */
async function compareRecords(
  store: CaseStore,
  row: EvidenceRow,
  file: SourceFile,
  records: RecordLog,
  fail: (row: EvidenceRow, check: EvidenceCheck, detail: string) => void,
): Promise<void> {
  const source = new Map<number, string>();
  const sourceNoByHash = new Map<string, number>();
  file.recordNos.forEach((no, i) => {
    const h = file.hashes.subarray(i * 32, i * 32 + 32).toString('hex');
    source.set(no, h);
    if (!sourceNoByHash.has(h)) sourceNoByHash.set(h, no);
  });
  // Before schema 4 only events kept a hash, and duplicates were not kept: deletions cannot be told.
  const isLegacy = row.records_root === null;
  const held = await store.read<{ record_no: number; h: string }>(
    `SELECT record_no, lower(hex(record_sha256)) AS h FROM (${isLegacy ? 'SELECT evidence_id, record_no, record_sha256 FROM events' : CASE_RECORDS}) WHERE evidence_id = $id ORDER BY record_no`,
    { id: row.evidence_id },
  );
  const before = records.total;
  const add = (recordNo: number, problem: RecordProblem, detail: string) => records.add({ evidenceId: row.evidence_id, path: row.path_in_bundle, recordNo, problem, detail });
  const heldNos = new Set<number>();
  for (const r of held) {
    heldNos.add(r.record_no);
    const expected = source.get(r.record_no);
    if (expected === undefined) add(r.record_no, 'added', `the case holds record ${r.record_no}, which the source file does not have`);
    else if (expected !== r.h) {
      const elsewhere = sourceNoByHash.get(r.h);
      if (elsewhere !== undefined) add(r.record_no, 'reordered', `the case's record ${r.record_no} is the source's record ${elsewhere}`);
      else add(r.record_no, 'edited', `the case's record ${r.record_no} is not the source's record ${r.record_no} (SHA-256 ${r.h.slice(0, 12)}… vs ${expected.slice(0, 12)}…)`);
    }
  }
  if (!isLegacy) {
    const wholeFile = row.whole_file > 0 && row.records_ok === 0 && row.quarantined === 0;
    if (!wholeFile) for (const no of file.recordNos) if (!heldNos.has(no)) add(no, 'deleted', `the source's record ${no} is not in the case (not an event, a duplicate or a quarantine row)`);
  }
  if (records.total > before) fail(row, 'records_differ', `${records.total - before} of its records differ between the source file and the case`);
}

async function checkImports(store: CaseStore): Promise<ImportVerdict[]> {
  const imports = await store.read<{ import_id: number; status: string }>(`SELECT import_id, status FROM imports ORDER BY import_id`);
  const journaled = new Map<number, string>();
  for (const e of await readJournal(store, `WHERE action IN ('import', 'case_upgraded')`)) {
    if (e.action === 'import') {
      const body = e.body as { importId?: number; manifestSha256?: string };
      if (typeof body.importId === 'number' && typeof body.manifestSha256 === 'string') journaled.set(body.importId, body.manifestSha256);
    } else {
      const body = e.body as { manifests?: { importId: number; sha256: string }[] };
      for (const m of body.manifests ?? []) if (!journaled.has(m.importId)) journaled.set(m.importId, m.sha256);
    }
  }
  const out: ImportVerdict[] = [];
  for (const imp of imports) {
    const recorded = journaled.get(imp.import_id);
    const verdict = (check: ImportVerdict['check'], detail: string | null): ImportVerdict => ({ importId: imp.import_id, status: imp.status, check, detail });
    if (imp.status === 'running') {
      out.push(verdict('still_running', 'the import is running or was killed; the next write to the case closes it'));
      continue;
    }
    if (recorded === undefined) {
      out.push(verdict('not_journaled', `no journal entry holds import #${imp.import_id}'s manifest`));
      continue;
    }
    const now = await importManifest(store, imp.import_id);
    out.push(now.sha256 === recorded ? verdict('ok', null) : verdict('manifest_changed', `its evidence rows hash to ${now.sha256.slice(0, 16)}…, the journal recorded ${recorded.slice(0, 16)}…`));
  }
  return out;
}

async function checkHeads(store: CaseStore, expectHead: string | undefined): Promise<HeadVerdict[]> {
  const entries = await readJournal(store);
  const out: HeadVerdict[] = [];
  const check = (from: HeadVerdict['from'], head: { entries: number | null; head: string }): HeadVerdict => {
    const at = entries.find((e) => e.hash === head.head);
    const shown: JournalHead = { entries: head.entries ?? at?.seq ?? 0, head: head.head };
    if (!at) return { from, head: shown, check: 'not_in_journal', detail: `the journal does not contain the head ${head.entries ?? '?'}:${head.head.slice(0, 16)}…: entries were removed or rewritten` };
    if (head.entries !== null && at.seq !== head.entries) return { from, head: shown, check: 'not_in_journal', detail: `the head is entry #${at.seq} of the journal, not #${head.entries}` };
    const later = entries.length - at.seq;
    return { from, head: shown, check: 'ok', detail: later > 0 ? `contained, with ${later} later entries` : 'contained: it is the journal head' };
  };
  const file = readHeadFile(store.path);
  if (file && 'error' in file) out.push({ from: 'head file', head: null, check: 'unreadable', detail: file.error });
  else if (file) out.push(check('head file', file));
  if (expectHead !== undefined) {
    const parsed = parseExpectedHead(expectHead);
    if (!parsed) out.push({ from: 'expected', head: null, check: 'unreadable', detail: `--expect-head takes N:HASH or HASH (64 hex digits), not ${JSON.stringify(expectHead)}` });
    else out.push(check('expected', parsed));
  }
  return out;
}

/** Every column of every row of every table, so that DuckDB checks every block's checksum. */
async function readEveryTable(store: CaseStore): Promise<DeepVerdict> {
  const tables = await store.read<{ table_name: string }>(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary ORDER BY table_name`);
  const out: DeepVerdict['tables'] = [];
  for (const { table_name: name } of tables) {
    try {
      const [row] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n, bit_xor(hash(t)) AS x FROM "${name.replaceAll('"', '""')}" t`);
      out.push({ table: name, rows: row?.n ?? 0, error: null });
    } catch (err) {
      out.push({ table: name, rows: null, error: (err instanceof Error ? err.message : String(err)).split('\n')[0]! });
    }
  }
  return { tables: out, isValid: out.every((t) => t.error === null) };
}
