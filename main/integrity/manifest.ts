import { createHash } from 'node:crypto';
import type { CaseStore } from '../case-store/case-store';
import { canonicalJson } from '../journal/journal';

/**
 * The evidence manifest of one import, reduced to one SHA-256 that the journal keeps: every
 * evidence row the import wrote (path, stored and content hashes, Merkle root of its records,
 * counts, status). The journal's hash chain then covers the evidence too: rewriting a manifest
 * row, even with every count and root made consistent, no longer matches the journaled digest.
 */

export interface ManifestRow {
  evidence_id: number;
  parent_id: number | null;
  kind: string;
  path_in_bundle: string;
  sha256: string;
  content_sha256: string | null;
  records_root: string | null;
  records_total: number;
  records_ok: number;
  records_duplicate: number;
  records_quarantined: number;
  status: string;
}

export interface ImportManifest {
  importId: number;
  evidence: number;
  files: number;
  records: number;
  /** SHA-256 of the canonical JSON of the rows, in evidence id order. */
  sha256: string;
}

export async function importManifest(store: CaseStore, importId: number): Promise<ImportManifest> {
  const rows = await store.read<ManifestRow>(
    `SELECT evidence_id, parent_id, kind, path_in_bundle, sha256, content_sha256, records_root, records_total, records_ok, records_duplicate,
       records_quarantined, status
     FROM evidence WHERE import_id = $id ORDER BY evidence_id`,
    { id: importId },
  );
  return {
    importId,
    evidence: rows.length,
    files: rows.filter((r) => r.kind === 'file').length,
    records: rows.reduce((n, r) => n + r.records_total, 0),
    sha256: createHash('sha256').update(canonicalJson(rows)).digest('hex'),
  };
}
