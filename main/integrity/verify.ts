import { existsSync } from 'node:fs';
import type { CaseStore } from '../case-store/case-store';
import type { ByteStream, HashingCounter } from '../ingest/byte-streams';
import { type ContainerInfo, type EntryInfo, type LeafInfo, type WalkVisitor, walkInput } from '../ingest/bundle-walker';
import { DEFAULT_LIMITS } from '../ingest/limits';

export type EvidenceCheck = 'ok' | 'hash_mismatch' | 'count_mismatch' | 'source_missing' | 'not_found_in_source' | 'incomplete';

export interface EvidenceVerdict {
  evidenceId: number;
  path: string;
  kind: 'file' | 'archive';
  check: EvidenceCheck;
  detail: string | null;
}

export interface VerifyReport {
  isValid: boolean;
  /** True when every hash could be recomputed (all source files were found). */
  isComplete: boolean;
  evidence: EvidenceVerdict[];
  orphans: { events: number; quarantine: number };
}

type EvidenceRow = {
  evidence_id: number;
  parent_id: number | null;
  kind: 'file' | 'archive';
  source_path: string;
  bundle_name: string;
  path_in_bundle: string;
  sha256: string;
  status: string;
  records_total: number;
  records_ok: number;
  records_duplicate: number;
  records_quarantined: number;
  whole_file: number;
  events: number;
  quarantined: number;
};

/**
 * Recomputes every evidence hash from the original files and every record count from the
 * case's own tables. A hash that differs means the evidence or its manifest row changed after
 * import; a count that differs means events or quarantine rows were added or removed.
 */
export async function verifyCase(store: CaseStore): Promise<VerifyReport> {
  const rows = await store.read<EvidenceRow>(`
    SELECT e.evidence_id, e.parent_id, e.kind, e.source_path, e.bundle_name, e.path_in_bundle, e.sha256, e.status,
      e.records_total, e.records_ok, e.records_duplicate, e.records_quarantined,
      coalesce(ev.n, 0)::BIGINT AS events, coalesce(q.n, 0)::BIGINT AS quarantined, coalesce(w.n, 0)::BIGINT AS whole_file
    FROM evidence e
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM events GROUP BY ALL) ev USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM quarantine WHERE record_no IS NOT NULL GROUP BY ALL) q USING (evidence_id)
    LEFT JOIN (SELECT evidence_id, count(*) AS n FROM quarantine WHERE record_no IS NULL AND reason = 'unrecognized_format' GROUP BY ALL) w USING (evidence_id)
    ORDER BY e.evidence_id`);

  const recomputed = new Map<string, Map<string, string>>();
  for (const top of rows.filter((r) => r.parent_id === null)) {
    if (!existsSync(top.source_path) || recomputed.has(top.source_path)) continue;
    recomputed.set(top.source_path, await hashesOf(top.source_path, top.path_in_bundle, top.bundle_name));
  }

  const evidence: EvidenceVerdict[] = rows.map((row) => {
    const verdict = (check: EvidenceCheck, detail: string | null): EvidenceVerdict => ({
      evidenceId: row.evidence_id,
      path: row.path_in_bundle,
      kind: row.kind,
      check,
      detail,
    });
    if (row.status !== 'complete') return verdict('incomplete', 'the import of this archive was interrupted; import it again to finish');
    if (row.kind === 'file') {
      if (row.events !== row.records_ok) return verdict('count_mismatch', `manifest says ${row.records_ok} events, the case holds ${row.events}`);
      // A file no parser knows is quarantined as one row standing for all its records.
      const wholeFile = row.whole_file > 0 && row.quarantined === 0 && row.records_ok === 0;
      if (!wholeFile && row.quarantined !== row.records_quarantined) {
        return verdict('count_mismatch', `manifest says ${row.records_quarantined} quarantined records, the case holds ${row.quarantined}`);
      }
      if (row.records_ok + row.records_duplicate + row.records_quarantined !== row.records_total) {
        return verdict('count_mismatch', `${row.records_ok} ok + ${row.records_duplicate} duplicate + ${row.records_quarantined} quarantined ≠ ${row.records_total} records`);
      }
    }
    const hashes = recomputed.get(row.source_path);
    if (!hashes) return verdict('source_missing', `${row.source_path} is not available here: hash not recomputed`);
    const actual = hashes.get(row.path_in_bundle);
    if (actual === undefined) return verdict('not_found_in_source', `${row.path_in_bundle} is no longer in ${row.source_path}`);
    if (actual !== row.sha256) return verdict('hash_mismatch', `manifest SHA-256 ${row.sha256}, file now ${actual}`);
    return verdict('ok', null);
  });

  const [orphans] = await store.read<{ events: number; quarantine: number }>(`
    SELECT (SELECT count(*) FROM events WHERE evidence_id NOT IN (SELECT evidence_id FROM evidence))::BIGINT AS events,
           (SELECT count(*) FROM quarantine WHERE evidence_id NOT IN (SELECT evidence_id FROM evidence))::BIGINT AS quarantine`);
  const orphanCounts = orphans ?? { events: 0, quarantine: 0 };
  const isValid =
    evidence.every((v) => v.check === 'ok' || v.check === 'source_missing') && orphanCounts.events === 0 && orphanCounts.quarantine === 0;
  return { isValid, isComplete: evidence.every((v) => v.check !== 'source_missing'), evidence, orphans: orphanCounts };
}

/** SHA-256 of every file and archive inside one input, by bundle path, without parsing anything. */
async function hashesOf(sourcePath: string, pathInBundle: string, bundleName: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  let nextId = 1;
  const visitor: WalkVisitor = {
    async openContainer(info: ContainerInfo) {
      if (info.sha256) hashes.set(info.pathInBundle, info.sha256);
      const id = nextId++;
      containerPaths.set(id, info.pathInBundle);
      return id;
    },
    async closeContainer(id, stored) {
      const path = containerPaths.get(id);
      if (path !== undefined && !hashes.has(path)) hashes.set(path, stored.sha256);
    },
    async leaf(info: LeafInfo, content: ByteStream, stored: HashingCounter) {
      try {
        for await (const _ of content) void _;
      } catch {
        // A broken gzip still has a hash of its stored bytes; the import recorded the same.
      }
      hashes.set(info.pathInBundle, await stored.finish());
    },
    async problem(_info: EntryInfo) {},
  };
  const containerPaths = new Map<number, string>();
  await walkInput(sourcePath, visitor, DEFAULT_LIMITS, { pathInBundle, bundleName });
  return hashes;
}
