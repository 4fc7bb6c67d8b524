import type { CaseStore } from '../case-store/case-store';
import { NORMALIZED_COLUMNS, sqlString } from '../ingest/sources/source-parser';
import { PARSERS } from '../ingest/sources/registry';
import { DEFAULT_NORMALIZER, STAGE_RAW_DDL, normalizeStaged } from '../ingest/stage-sql';

/**
 * Every normalized field of an event is derived from its raw record by a parser; this derives
 * them again from the stored raw and compares. An `UPDATE events SET operation = …` that leaves
 * `raw` alone (the raw hash then still matches) is caught here, as is an edited resource row.
 *
 * Only where the same parser version did the import: a newer parser may map a field differently.
 * CSV records are parsed from the JSON that their header builds, which the case does not keep,
 * and mapped logs need their mapping file: both are left to the source check.
 */

export interface FieldProblem {
  evidenceId: number;
  recordNo: number;
  eventUid: string;
  columns: string[];
}

export interface FieldRecheck {
  checked: number;
  skipped: { events: number; reason: string }[];
  problems: FieldProblem[];
  problemCount: number;
}

const COMPARED = NORMALIZED_COLUMNS.filter((c) => c !== 'event_uid' && c !== 'raw' && c !== 'record_no' && c !== 'byte_offset');
const GROUP_EVENTS = 50_000;

export async function recheckFields(store: CaseStore, maxListed = 1000, onProgress?: (done: number, total: number) => void): Promise<FieldRecheck> {
  const current = new Set(PARSERS.map((p) => `${p.id}@${p.version}`));
  const files = await store.read<{ evidence_id: number; parser_version: string | null; detected_format: string | null; events: number }>(`
    SELECT v.evidence_id, v.parser_version, v.detected_format, count(e.record_no)::BIGINT AS events
    FROM evidence v JOIN events e USING (evidence_id) WHERE v.kind = 'file' GROUP BY ALL ORDER BY v.evidence_id`);
  const skipped = new Map<string, number>();
  const eligible: { id: number; events: number }[] = [];
  for (const f of files) {
    const versions = (f.parser_version ?? '').split(',').filter(Boolean);
    let reason: string | null = null;
    if (f.detected_format === 'csv' || f.detected_format === 'tsv') reason = 'CSV records (parsed from their header, checked against the source file)';
    else if (versions.some((v) => v.startsWith('mapped@'))) reason = 'records read through a mapping file';
    else if (versions.length === 0 || versions.some((v) => !current.has(v))) reason = `parsed by another parser version (${f.parser_version ?? 'unknown'})`;
    if (reason) skipped.set(reason, (skipped.get(reason) ?? 0) + f.events);
    else eligible.push({ id: f.evidence_id, events: f.events });
  }
  const total = eligible.reduce((n, f) => n + f.events, 0);
  await store.run(STAGE_RAW_DDL);
  const problems: FieldProblem[] = [];
  let problemCount = 0;
  let checked = 0;
  const differs = COMPARED.map((c) => `CASE WHEN e.${c} IS DISTINCT FROM n.${c} THEN ${sqlString(c)} END`);
  const uidDiffers = `CASE WHEN e.event_uid IS DISTINCT FROM n.event_uid AND e.event_uid IS DISTINCT FROM n.event_uid || '~' || lower(left(hex(e.record_sha256), 12)) THEN 'event_uid' END`;
  const resourcesDiffer = `CASE WHEN coalesce(r.list, []) IS DISTINCT FROM coalesce(nr.list, []) THEN 'resources' END`;
  for (let i = 0; i < eligible.length; ) {
    const group: number[] = [];
    let size = 0;
    while (i < eligible.length && (group.length === 0 || size + eligible[i]!.events <= GROUP_EVENTS)) {
      group.push(eligible[i]!.id);
      size += eligible[i]!.events;
      i++;
    }
    const ids = group.join(',');
    await store.run(`DELETE FROM stage_raw`);
    await store.run(`INSERT INTO stage_raw SELECT evidence_id, record_no, byte_offset, 0, encode(raw), NULL, record_sha256 FROM events WHERE evidence_id IN (${ids})`);
    await normalizeStaged(store, DEFAULT_NORMALIZER);
    const rows = await store.read<{ evidence_id: number; record_no: number; event_uid: string; columns: string[] }>(`
      WITH r AS (
        SELECT source, event_uid, list_sort(list(struct_pack(resource_uid, resource_type, boundary, role)::VARCHAR)) AS list
        FROM event_resources JOIN (SELECT DISTINCT source, event_uid FROM events WHERE evidence_id IN (${ids})) USING (source, event_uid) GROUP BY ALL),
      nr AS (
        SELECT file_no, record_no, list_sort(list(struct_pack(resource_uid := x.resource_uid, resource_type := x.resource_type, boundary := x.boundary, role := x.role)::VARCHAR)) AS list
        FROM (SELECT file_no, record_no, unnest(resources) AS x FROM normalized WHERE problem IS NULL) WHERE x.resource_uid IS NOT NULL GROUP BY ALL)
      SELECT * FROM (SELECT e.evidence_id, e.record_no, e.event_uid,
        CASE WHEN n.record_no IS NULL OR n.problem IS NOT NULL THEN ['raw no longer parses as an event']
             ELSE list_filter([${uidDiffers}, ${differs.join(', ')}, ${resourcesDiffer}], x -> x IS NOT NULL) END AS columns
      FROM events e
      LEFT JOIN normalized n ON n.file_no = e.evidence_id AND n.record_no = e.record_no
      LEFT JOIN r ON r.source = e.source AND r.event_uid = e.event_uid
      LEFT JOIN nr ON nr.file_no = e.evidence_id AND nr.record_no = e.record_no
      WHERE e.evidence_id IN (${ids}))
      WHERE len(columns) > 0
      ORDER BY evidence_id, record_no`);
    problemCount += rows.length;
    for (const r of rows) if (problems.length < maxListed) problems.push({ evidenceId: r.evidence_id, recordNo: r.record_no, eventUid: r.event_uid, columns: r.columns });
    checked += size;
    onProgress?.(checked, total);
  }
  await store.run(`DELETE FROM stage_raw`);
  return { checked, skipped: [...skipped].map(([reason, events]) => ({ events, reason })), problems, problemCount };
}
