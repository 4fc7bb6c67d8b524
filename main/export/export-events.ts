import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileSha256 } from '../integrity/file-hash';
import type { EventFilter } from '../../shared/api';
import { FORMULA_START_CLASS } from '../../shared/csv-cells';
import { eventWhere } from '../api/events-service';
import { CaseError, type CaseStore, type SqlParams } from '../case-store/case-store';
import { sqlString } from '../ingest/sources/source-parser';
import { appendJournal, verifyJournal } from '../journal/journal';
import { formatHead } from '../journal/journal-head';

/**
 * Exports of any filtered events view (the same filter as the app's events view), written by
 * DuckDB itself: CSV, JSON lines, Parquet, and a Timesketch timeline. Every row carries the
 * evidence file's SHA-256 and record number, so an exported row still traces to its source.
 * Files are written beside the target and renamed, never over an existing file unless asked,
 * and each export is journaled with its filter, row count and SHA-256.
 */

export const EXPORT_FORMATS = ['csv', 'jsonl', 'parquet', 'timesketch'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportResult {
  path: string;
  format: ExportFormat;
  rows: number;
  sha256: string;
  /** `<path>.provenance.json`: the case, the journal head at export time, the filter and the file's SHA-256. */
  provenancePath: string;
  /** The journal head when the export was made (`N:HASH`): `nhi verify --expect-head` checks a case against it. */
  journalHead: string;
}

const ISO = `'%Y-%m-%dT%H:%M:%S.%fZ'`;

const FULL = `
  e.event_uid, strftime(e.time, ${ISO}) AS time, e.source, e.actor_uid, coalesce(i.display, e.actor_display) AS actor_display, i.is_nhi, i.type AS actor_type,
  e.credential_uid, e.session_uid, e.operation, e.service, e.category, e.resource_uid, e.resource_type, e.boundary, e.region, e.src_ip, e.user_agent,
  e.status, e.error_code, e.bytes_out, e.bytes_in, e.evidence_id, v.sha256 AS evidence_sha256, v.bundle_name || '!' || v.path_in_bundle AS evidence_path,
  e.record_no, e.raw`;

// Timesketch needs message, datetime (ISO 8601) and timestamp_desc on every row; timestamp (µs)
// lets it skip parsing. The rest become searchable attributes.
const TIMESKETCH = `
  concat_ws(' ', coalesce(i.label, i.display, e.actor_display, e.actor_uid, '?'), e.operation, e.resource_uid, CASE WHEN e.status = 'failure' THEN '(' || coalesce(e.error_code, 'failed') || ')' END) AS message,
  strftime(e.time, ${ISO}) AS datetime, epoch_us(e.time) AS timestamp, 'Event Time' AS timestamp_desc,
  e.source AS data_type, e.actor_uid AS actor, CASE WHEN i.is_nhi THEN 'machine' WHEN NOT i.is_nhi THEN 'human' ELSE 'unknown' END AS actor_kind,
  e.operation, e.resource_uid AS resource, e.src_ip AS source_ip, e.user_agent, e.status, e.bytes_out, e.bytes_in, e.event_uid, v.sha256 AS evidence_sha256, e.record_no`;

export async function exportEvents(
  store: CaseStore,
  options: { filter: EventFilter; format: ExportFormat; out: string; force?: boolean; author?: string; rawCells?: boolean },
): Promise<ExportResult> {
  if (existsSync(options.out) && !options.force) throw new CaseError('case_exists', `${options.out} exists: pass --force to replace it`);
  const { sql, params } = eventWhere(options.filter);
  await store.run(
    `CREATE OR REPLACE TEMP TABLE export_rows AS SELECT ${options.format === 'timesketch' ? TIMESKETCH : FULL}
     FROM events e LEFT JOIN identities i ON i.uid = e.actor_uid JOIN evidence v ON v.evidence_id = e.evidence_id ${sql} ORDER BY e.time, e.event_uid`,
    params as SqlParams,
  );
  const journal = await verifyJournal(store);
  const journalHead = formatHead({ entries: journal.entries, head: journal.head });
  const temp = `${options.out}.${process.pid}.tmp`;
  const isCsv = options.format === 'csv' || (options.format === 'timesketch' && !options.out.endsWith('.jsonl'));
  // Parquet carries the journal head inside the file too; the other formats only in the provenance file.
  const copyFormat =
    options.format === 'parquet'
      ? `(FORMAT parquet, COMPRESSION zstd, KV_METADATA {journal_head: ${sqlString(journalHead)}, tool: 'nhi-forensics'})`
      : isCsv
        ? '(FORMAT csv, HEADER)'
        : '(FORMAT json)';
  const relation = isCsv && !options.rawCells ? await spreadsheetSafeSelect(store) : 'export_rows';
  try {
    await store.run(`COPY (SELECT * FROM ${relation}) TO ${sqlString(temp)} ${copyFormat}`);
    renameSync(temp, options.out);
  } finally {
    rmSync(temp, { force: true });
  }
  const [{ rows } = { rows: 0 }] = await store.read<{ rows: number }>(`SELECT count(*)::BIGINT AS rows FROM export_rows`);
  await store.run(`DROP TABLE export_rows`);
  const sha256 = await fileSha256(options.out);
  const [meta] = await store.read<{ case_id: string }>(`SELECT value AS case_id FROM meta WHERE key = 'case_id'`);
  const provenancePath = `${options.out}.provenance.json`;
  const provenance = {
    tool: 'nhi-forensics',
    case: store.path,
    caseId: meta?.case_id ?? null,
    journalHead,
    exportedAt: new Date().toISOString(),
    file: options.out,
    format: options.format,
    rows,
    sha256,
    filter: options.filter,
    spreadsheetSafeCells: isCsv && !options.rawCells,
    check: `nhi verify --case ${store.path} --expect-head ${journalHead}`,
  };
  writeFileSync(provenancePath, `${JSON.stringify(provenance, null, 2)}\n`);
  await appendJournal(store, {
    author: options.author,
    action: 'export',
    targetKind: 'case',
    targetId: 'events',
    body: { path: options.out, format: options.format, filter: options.filter, rows, sha256, journalHead, ...(options.rawCells ? { rawCells: true } : {}) },
  });
  return { path: options.out, format: options.format, rows, sha256, provenancePath, journalHead };
}

/**
 * export_rows with every text cell that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab,
 * CR first) prefixed with an apostrophe (shared/csv-cells.ts): auditors open CSV in Excel, and
 * log content is attacker-controlled. Numbers are left alone.
 */
async function spreadsheetSafeSelect(store: CaseStore): Promise<string> {
  const columns = await store.read<{ column_name: string; column_type: string }>(`DESCRIBE export_rows`);
  const pattern = sqlString(`^${FORMULA_START_CLASS}`);
  const select = columns
    .map(({ column_name: name, column_type: type }) => {
      const id = `"${name.replaceAll('"', '""')}"`;
      return type === 'VARCHAR' ? `CASE WHEN regexp_matches(${id}, ${pattern}) THEN '''' || ${id} ELSE ${id} END AS ${id}` : id;
    })
    .join(', ');
  // A plain projection of the temp table keeps its (time) order: DuckDB preserves insertion order.
  return `(SELECT ${select} FROM export_rows)`;
}
