import type { EvidenceFile, QuarantinedRecord } from '../../shared/api';
import type { CaseStore } from '../case-store/case-store';

/** The evidence manifest (every file and archive with its SHA-256) and the quarantine, for the case home. */

export async function evidenceList(store: CaseStore): Promise<EvidenceFile[]> {
  const rows = await store.read<{
    evidence_id: number; parent_id: number | null; kind: string; bundle_name: string; path_in_bundle: string; size_bytes: number; sha256: string; parser: string | null;
    records_total: number; records_ok: number; records_duplicate: number; records_quarantined: number; status: string; imported_at: string;
  }>(`SELECT evidence_id, parent_id, kind, bundle_name, path_in_bundle, size_bytes, sha256, parser, records_total, records_ok, records_duplicate,
        records_quarantined, status, imported_at FROM evidence ORDER BY evidence_id`);
  return rows.map((r) => ({
    evidenceId: r.evidence_id,
    parentId: r.parent_id,
    kind: r.kind,
    bundle: r.bundle_name,
    pathInBundle: r.path_in_bundle,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    parser: r.parser,
    recordsTotal: r.records_total,
    recordsOk: r.records_ok,
    recordsDuplicate: r.records_duplicate,
    recordsQuarantined: r.records_quarantined,
    status: r.status,
    importedAt: r.imported_at,
  }));
}

/** Quarantined records, with a short prefix of their raw text (the evidence file has all of it). */
export async function quarantineList(store: CaseStore, limit: number): Promise<QuarantinedRecord[]> {
  const rows = await store.read<{ quarantine_id: number; file: string; record_no: number | null; line: number | null; reason: string; message: string; raw: string | null }>(
    `SELECT q.quarantine_id, e.bundle_name || '!' || e.path_in_bundle AS file, q.record_no, q.line, q.reason, q.message, left(q.raw, 300) AS raw
     FROM quarantine q JOIN evidence e USING (evidence_id) ORDER BY q.quarantine_id LIMIT $limit`,
    { limit },
  );
  return rows.map((r) => ({ quarantineId: r.quarantine_id, file: r.file, recordNo: r.record_no, line: r.line, reason: r.reason, message: r.message, rawPreview: r.raw }));
}
