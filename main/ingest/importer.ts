import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DuckDBAppender } from '@duckdb/node-api';
import { type DeriveReport, deriveIdentities } from '../analytics/derive';
import type { CaseStore, HeldTransaction } from '../case-store/case-store';
import { type ByteStream, type HashingCounter, peek } from './byte-streams';
import {
  type ContainerInfo,
  type EntryInfo,
  type EntryProblemCode,
  type LeafInfo,
  StreamError,
  type WalkVisitor,
  walkInput,
} from './bundle-walker';
import { LimitError } from './byte-streams';
import { DEFAULT_LIMITS, type ImportLimits } from './limits';
import { CsvRecordSplitter, sniffCsv } from './csv-records';
import { JsonRecordSplitter, type SplitProblem, type SplitRecord } from './record-splitter';
import { NORMALIZED_COLUMNS, sqlString } from './sources/source-parser';
import { DEFAULT_NORMALIZER, type Normalizer, PROBLEM_MESSAGES, STAGE_RAW_DDL, normalizeStaged, normalizerFor } from './stage-sql';
import { type Mapping, mappedParser } from './sources/mapped';
import { PARSERS } from './sources/registry';

export const TOOL_VERSION = '0.1.0';

export interface ImportOptions {
  limits?: Partial<ImportLimits>;
  /** A mapping for CSV / JSON-lines logs no built-in parser knows (see sources/mapped.ts). */
  mapping?: Mapping;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Rebuild identities, sessions, credentials and baselines afterwards (default true). */
  deriveAnalytics?: boolean;
}

export interface ImportProgress {
  currentFile: string;
  filesDone: number;
  /** Bytes of the input files read from disk so far (compressed, as stored on disk). */
  bytesRead: number;
  recordsRead: number;
  eventsImported: number;
}

export type FileStatus = 'imported' | 'duplicate' | 'resumed' | 'failed';

export interface FileOutcome {
  path: string;
  evidenceId: number | null;
  kind: 'file' | 'archive';
  status: FileStatus;
  sha256: string | null;
  format: string | null;
  parsers: string[];
  recordsTotal: number;
  recordsOk: number;
  recordsDuplicate: number;
  recordsQuarantined: number;
  message: string | null;
}

export interface ImportProblem {
  path: string;
  code: string;
  message: string;
}

export interface ImportReport {
  importId: number;
  status: 'complete' | 'cancelled';
  files: FileOutcome[];
  problems: ImportProblem[];
  totals: { files: number; records: number; eventsImported: number; duplicates: number; quarantined: number; bytesRead: number };
  /** The identity tables derived after the import. */
  analytics: DeriveReport | null;
  elapsedMs: number;
}

export class ImportCancelled extends Error {
  constructor() {
    super('import cancelled');
    this.name = 'ImportCancelled';
  }
}

/** How many malformed records per file get JSON.parse's exact error message (the rest a generic one). */
const DETAILED_MESSAGES_PER_FILE = 200;
/** A file with more records than this, none recognized, is quarantined as one row. */
const WHOLE_FILE_UNRECOGNIZED = 10;
/** Quarantined raw text is kept whole up to this size; larger records keep a prefix (the file has the rest). */
const QUARANTINE_RAW_BYTES = 1024 * 1024;

/**
 * Imports bundles into a case. Files commit whole, in batches (evidence rows, events, resources,
 * quarantine in one transaction), so a crash leaves the case exactly as before the batch that
 * was being written: never part of a file. A file of 20,000 records or more is a batch of its own.
 */
export async function importBundles(store: CaseStore, inputs: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
  const limits: ImportLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const started = performance.now();
  // Fewer, larger checkpoints: by default DuckDB checkpoints every 16 MB of WAL, nearly every file
  // of an import. Committed but uncheckpointed rows stay in memory, so the threshold also bounds
  // the import's memory (measured: 128 MB keeps peak RSS under 1 GB with a 384 MB memory limit).
  await store.run(`SET checkpoint_threshold = '128MB'`);
  await store.run(STAGE_RAW_DDL);
  await store.run(
    `CREATE TEMP TABLE IF NOT EXISTS stage_problems (file_no INTEGER, record_no BIGINT, byte_offset BIGINT, line BIGINT, reason VARCHAR, message VARCHAR, snippet VARCHAR)`,
  );
  const [{ id: importId }] = (await store.read<{ id: number }>(`SELECT nextval('import_id_seq')::INTEGER AS id`)) as [{ id: number }];
  const absoluteInputs = inputs.map((p) => resolve(p));
  await store.transaction(() =>
    store.run(`INSERT INTO imports VALUES ($id, now()::TIMESTAMP, NULL, $v, $inputs, 'running')`, {
      id: importId,
      v: TOOL_VERSION,
      inputs: JSON.stringify(absoluteInputs),
    }),
  );
  const importer = new FileImporter(store, importId, limits, options);
  const casePath = resolve(store.path);
  const caseFiles = new Set([casePath, `${casePath}.wal`]);
  let status: ImportReport['status'] = 'complete';
  let analytics: DeriveReport | null = null;
  try {
    for (const input of absoluteInputs) {
      try {
        await walkInput(input, importer, limits, { onDiskBytes: (n) => importer.addDiskBytes(n), exclude: caseFiles });
        await importer.flush();
      } catch (err) {
        if (err instanceof ImportCancelled) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'EPERM') {
          importer.problems.push({ path: input, code: 'unreadable', message: `cannot read ${input}: ${(err as Error).message}` });
        } else {
          throw err;
        }
      }
    }
  } catch (err) {
    if (!(err instanceof ImportCancelled)) throw err;
    status = 'cancelled';
  } finally {
    await importer.abort();
    await store.run(`DELETE FROM stage_raw`).catch(() => undefined);
    await store.run(`RESET checkpoint_threshold`).catch(() => undefined);
    await store.transaction(() =>
      store.run(`UPDATE imports SET finished_at = now()::TIMESTAMP, status = $s WHERE import_id = $id`, { s: status, id: importId }),
    );
    if (options.deriveAnalytics !== false) {
      // The import itself is committed; a failure here leaves the identity tables as they were.
      try {
        analytics = await deriveIdentities(store, { incremental: true });
      } catch (err) {
        importer.problems.push({ path: store.path, code: 'analytics_failed', message: `identities were not rebuilt: ${(err as Error).message}` });
      }
    }
    // Leave a compact file with an empty WAL: it is what an auditor receives.
    await store.checkpoint();
  }
  const files = importer.outcomes;
  return {
    importId,
    status,
    files,
    problems: importer.problems,
    totals: {
      files: files.filter((f) => f.kind === 'file').length,
      records: files.reduce((n, f) => n + f.recordsTotal, 0),
      eventsImported: files.reduce((n, f) => n + f.recordsOk, 0),
      duplicates: files.reduce((n, f) => n + f.recordsDuplicate, 0),
      quarantined: files.reduce((n, f) => n + f.recordsQuarantined, 0),
      bytesRead: importer.progress.bytesRead,
    },
    analytics,
    elapsedMs: performance.now() - started,
  };
}

class FileImporter implements WalkVisitor {
  readonly outcomes: FileOutcome[] = [];
  readonly problems: ImportProblem[] = [];
  readonly progress: ImportProgress = { currentFile: '', filesDone: 0, bytesRead: 0, recordsRead: 0, eventsImported: 0 };
  /** Containers reopened after an interrupted import: their finished members are skipped. */
  private readonly resumed = new Set<number>();
  /** Files staged and not yet committed (see flush). */
  private batch: PendingFile[] = [];
  private batchRecords = 0;
  private batchBytes = 0;
  private nextFileNo = 0;
  private readonly normalizer: Normalizer;
  /** The file being written in parts, inside its own open transaction. */
  private spill: Spill | null = null;

  constructor(
    private readonly store: CaseStore,
    private readonly importId: number,
    private readonly limits: ImportLimits,
    private readonly options: ImportOptions,
  ) {
    this.normalizer = options.mapping ? normalizerFor([...PARSERS, mappedParser(options.mapping)]) : DEFAULT_NORMALIZER;
  }

  addDiskBytes(n: number): void {
    this.progress.bytesRead += n;
  }

  async openContainer(info: ContainerInfo): Promise<number | null> {
    this.checkCancelled();
    if (info.sha256) {
      const done = await this.store.read<{ evidence_id: number }>(
        `SELECT evidence_id FROM evidence WHERE sha256 = $sha AND kind = 'archive' AND status = 'complete' LIMIT 1`,
        { sha: info.sha256 },
      );
      if (done[0]) {
        this.outcomes.push(outcome(info, 'archive', 'duplicate', done[0].evidence_id, info.sha256, `already imported as evidence #${done[0].evidence_id}: nothing added`));
        return null;
      }
    }
    const unfinished = await this.store.read<{ evidence_id: number }>(
      `SELECT evidence_id FROM evidence WHERE kind = 'archive' AND status = 'importing' AND path_in_bundle = $path
         AND parent_id IS NOT DISTINCT FROM $parent AND (sha256 = $sha OR $sha = '') LIMIT 1`,
      { path: info.pathInBundle, parent: info.parentId, sha: info.sha256 ?? '' },
    );
    if (unfinished[0]) {
      this.resumed.add(unfinished[0].evidence_id);
      this.outcomes.push(outcome(info, 'archive', 'resumed', unfinished[0].evidence_id, info.sha256, 'an earlier import of this archive stopped half-way: resuming it'));
      return unfinished[0].evidence_id;
    }
    const id = await this.nextEvidenceId();
    await this.store.transaction(() =>
      this.store.run(
        `INSERT INTO evidence (evidence_id, import_id, parent_id, kind, bundle_name, source_path, path_in_bundle, size_bytes, sha256,
           compression, detected_format, imported_at, status)
         VALUES ($id, $imp, $parent, 'archive', $bundle, $src, $path, $size, $sha, $comp, $fmt, now()::TIMESTAMP, 'importing')`,
        { ...this.evidenceParams(id, info, info.size ?? 0, info.sha256 ?? ''), fmt: info.format },
      ),
    );
    this.outcomes.push(outcome(info, 'archive', 'imported', id, info.sha256, null));
    return id;
  }

  async closeContainer(id: number, stored: { sha256: string; size: number }): Promise<void> {
    // An archive is complete only once all its members are committed.
    await this.flush();
    await this.store.transaction(() =>
      this.store.run(
        `UPDATE evidence SET status = 'complete', sha256 = CASE WHEN sha256 = '' THEN $sha ELSE sha256 END,
           size_bytes = CASE WHEN size_bytes = 0 THEN $size ELSE size_bytes END WHERE evidence_id = $id`,
        { id, sha: stored.sha256, size: stored.size },
      ),
    );
    const entry = this.outcomes.find((o) => o.evidenceId === id && o.kind === 'archive');
    if (entry && !entry.sha256) entry.sha256 = stored.sha256;
  }

  async problem(info: EntryInfo, code: EntryProblemCode, message: string): Promise<void> {
    this.problems.push({ path: info.pathInBundle, code, message });
    if (info.parentId === null) return;
    await this.store.transaction(() =>
      this.store.run(
        `INSERT INTO quarantine VALUES (nextval('quarantine_id_seq'), $eid, NULL, NULL, NULL, $reason, $msg, NULL, now()::TIMESTAMP)`,
        { eid: info.parentId, reason: code, msg: message },
      ),
    );
  }

  async leaf(info: LeafInfo, content: ByteStream, stored: HashingCounter): Promise<void> {
    this.checkCancelled();
    this.progress.currentFile = info.pathInBundle;
    if (info.parentId !== null && this.resumed.has(info.parentId)) {
      const done = await this.store.read<{ evidence_id: number }>(
        `SELECT evidence_id FROM evidence WHERE parent_id = $p AND path_in_bundle = $path AND status = 'complete' LIMIT 1`,
        { p: info.parentId, path: info.pathInBundle },
      );
      if (done[0]) {
        this.outcomes.push(outcome(info, 'file', 'duplicate', done[0].evidence_id, null, `imported by the interrupted run as evidence #${done[0].evidence_id}`));
        return;
      }
    }
    const fileNo = this.nextFileNo++;
    const staged = await this.stage(fileNo, info, content);
    const sha256 = await stored.finish();
    if (this.spill?.fileNo === fileNo) {
      await this.finishSpill({ fileNo, info, sha256, size: stored.bytes, ...staged });
      return;
    }
    this.batch.push({ fileNo, info, sha256, size: stored.bytes, ...staged });
    this.batchRecords += staged.recordsTotal;
    this.batchBytes += staged.bytes;
    if (this.batchRecords >= BATCH_RECORDS || this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  /** Streams a file's records into the staging tables, tagged with the file's number in the batch. */
  private async stage(fileNo: number, info: LeafInfo, content: ByteStream): Promise<Staged> {
    if (info.kind === 'parquet') return this.stageParquet(fileNo, content);
    const problems: SplitProblem[] = [];
    const appender = await this.store.appender('stage_raw');
    let recordsRead = 0;
    let bytes = 0;
    let spilledAt = 0;
    const append = (rec: SplitRecord, json: string | null) => {
      appender.appendInteger(fileNo);
      appender.appendBigInt(BigInt(rec.recordNo));
      appender.appendBigInt(BigInt(rec.offset));
      appender.appendBigInt(BigInt(rec.line));
      appender.appendBlob(rec.bytes);
      if (json === null) appender.appendNull();
      else appender.appendVarchar(json);
      appender.endRow();
      recordsRead++;
      bytes += rec.bytes.length;
    };
    const sink = { record: append, problem: (p: SplitProblem) => problems.push(p) };
    let streamFailure: { code: string; message: string } | null = null;
    let fileNote: { code: string; message: string } | null = null;
    let decompressed = 0;
    let splitter: { recordCount: number } | null = null;
    let shape = 'unrecognized';
    try {
      const text = await textContent(info, content);
      if (text.note) fileNote = text.note;
      if (text.csvDelimiter) {
        const csv = new CsvRecordSplitter(text.csvDelimiter, sink, this.limits.maxRecordBytes);
        splitter = csv;
        shape = text.csvDelimiter === '\t' ? 'tsv' : 'csv';
        try {
          for await (const chunk of text.stream) {
            decompressed += chunk.length;
            await csv.push(chunk);
            this.tick(recordsRead);
            if (bytes - spilledAt > SPILL_BYTES) {
              await this.spillChunk(fileNo, info, () => appender.flushSync());
              spilledAt = bytes;
            }
          }
        } finally {
          await csv.end();
        }
      } else {
        const json = new JsonRecordSplitter({ record: (rec) => append(rec, null), problem: sink.problem }, { maxRecordBytes: this.limits.maxRecordBytes });
        splitter = json;
        try {
          for await (const chunk of text.stream) {
            decompressed += chunk.length;
            json.push(chunk);
            this.tick(recordsRead);
            if (bytes - spilledAt > SPILL_BYTES) {
              await this.spillChunk(fileNo, info, () => appender.flushSync());
              spilledAt = bytes;
            }
          }
        } finally {
          json.end();
          shape = json.shape;
        }
      }
    } catch (err) {
      if (err instanceof StreamError || err instanceof LimitError) {
        streamFailure = { code: err.code, message: err.message };
      } else {
        appender.closeSync();
        throw err;
      }
    }
    this.progress.recordsRead += recordsRead;
    appender.flushSync();
    appender.closeSync();
    await appendProblems(this.store, fileNo, problems, streamFailure, decompressed, fileNote);
    const format = fileNote?.code === 'unrecognized_format' ? 'unrecognized' : shape;
    return { recordsTotal: splitter?.recordCount ?? 0, format, bytes };
  }

  /**
   * Parquet (how Security Lake stores OCSF) is columnar, with no record text to keep: DuckDB
   * reads it from a private temporary copy and each row is staged as its JSON rendering, with
   * the row's number in the file as its position (byte_offset 0). The evidence hash is of the
   * Parquet file itself.
   */
  private async stageParquet(fileNo: number, content: ByteStream): Promise<Staged> {
    const dir = mkdtempSync(join(tmpdir(), 'nhi-parquet-'));
    const path = join(dir, 'member.parquet');
    try {
      await pipeline(Readable.from(content), createWriteStream(path, { mode: 0o600 }));
      try {
        await this.store.run(
          `INSERT INTO stage_raw
           SELECT ${fileNo}, file_row_number + 1, 0, file_row_number + 1,
             encode(json_merge_patch(to_json(t), '{"file_row_number":null}')::VARCHAR), NULL
           FROM read_parquet(${sqlString(path)}, file_row_number = true) t
           ORDER BY file_row_number`,
        );
      } catch (err) {
        await appendProblems(this.store, fileNo, [], { code: 'unreadable_parquet', message: `the Parquet file cannot be read: ${(err as Error).message.split('\n')[0]}` }, 0, null);
        return { recordsTotal: 0, format: 'parquet', bytes: 0 };
      }
      const [row] = await this.store.read<{ n: number; bytes: number }>(
        `SELECT count(*)::BIGINT AS n, coalesce(sum(octet_length(raw_blob)), 0)::BIGINT AS bytes FROM stage_raw WHERE file_no = ${fileNo}`,
      );
      this.progress.recordsRead += row?.n ?? 0;
      return { recordsTotal: row?.n ?? 0, format: 'parquet', bytes: row?.bytes ?? 0 };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Progress while a file streams, and a cancel check every 16k records. */
  private tick(recordsRead: number): void {
    if (recordsRead > 0 && (recordsRead & 0x3fff) === 0) this.checkCancelled();
    this.report(recordsRead);
  }

  /**
   * Commits the staged files in one transaction: evidence rows, events, resources and
   * quarantine of every file in the batch, or none of them. Small files (CloudTrail delivers one
   * every five minutes per region) would otherwise pay the fixed cost of planning the mapping
   * query and of a commit each; a crash still leaves only whole files in the case.
   */
  async flush(): Promise<void> {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.batchRecords = 0;
    this.batchBytes = 0;
    try {
      await this.commitBatch(batch);
    } finally {
      await this.store.run(`DELETE FROM stage_raw`);
      await this.store.run(`DELETE FROM stage_problems`);
    }
  }

  private async commitBatch(batch: PendingFile[]): Promise<void> {
    const store = this.store;
    // Whole files seen before, in the case or earlier in this batch, add nothing.
    const known = new Map(
      (
        await store.read<{ sha256: string; evidence_id: number }>(
          `SELECT sha256, min(evidence_id)::INTEGER AS evidence_id FROM evidence
           WHERE kind = 'file' AND status = 'complete' AND sha256 IN (SELECT unnest(string_split($shas, ',')))
           GROUP BY sha256`,
          { shas: batch.map((f) => f.sha256).join(',') },
        )
      ).map((r) => [r.sha256, r.evidence_id]),
    );
    const keep: PendingFile[] = [];
    const firstWithSha = new Map<string, PendingFile>();
    const repeats: [PendingFile, FileOutcome][] = [];
    for (const file of batch) {
      const earlier = known.get(file.sha256);
      const sibling = firstWithSha.get(file.sha256);
      if (earlier !== undefined) {
        this.outcomes.push(outcome(file.info, 'file', 'duplicate', earlier, file.sha256, `same SHA-256 as evidence #${earlier}: nothing added`));
      } else if (sibling) {
        const o = outcome(file.info, 'file', 'duplicate', null, file.sha256, `same SHA-256 as ${sibling.info.pathInBundle}: nothing added`);
        this.outcomes.push(o);
        repeats.push([sibling, o]);
      } else {
        firstWithSha.set(file.sha256, file);
        keep.push(file);
        continue;
      }
      this.progress.filesDone++;
    }
    if (keep.length < batch.length) {
      const kept = keep.map((f) => f.fileNo).join(',') || 'NULL';
      await store.run(`DELETE FROM stage_raw WHERE file_no NOT IN (${kept})`);
      await store.run(`DELETE FROM stage_problems WHERE file_no NOT IN (${kept})`);
    }
    if (keep.length === 0) return;

    const { summaries, dropped, split, notes } = await this.measureStaged();

    const ids = (await store.read<{ id: number }>(`SELECT nextval('evidence_id_seq')::INTEGER AS id FROM range(${keep.length})`))
      .map((r) => r.id)
      .sort((a, b) => a - b);
    const results: FileOutcome[] = [];
    const rows: BatchFileRow[] = keep.map((file, i) => {
      const summary = summaries.get(file.fileNo);
      const sources = summary?.sources ? summary.sources.split(',') : [];
      const ok = (summary?.good ?? 0) - (dropped.get(file.fileNo) ?? 0);
      const quarantined = (summary?.bad ?? 0) + (split.get(file.fileNo) ?? 0);
      const evidenceId = ids[i]!;
      results.push(importedOutcome(file, evidenceId, sources, ok, quarantined));
      return {
        file,
        evidenceId,
        parser: sources.join(',') || null,
        parserVersion: this.parserVersions(sources),
        ok,
        quarantined,
        lo: summary?.lo ?? null,
        hi: summary?.hi ?? null,
      };
    });
    await this.stageBatchFiles(rows);

    await store.transaction(async () => {
      await this.insertEvidence();
      await this.writeStaged(notes);
    });

    const fileProblems = await store.read<{ evidence_id: number; reason: string; message: string }>(
      `SELECT evidence_id, reason, message FROM quarantine WHERE evidence_id IN (SELECT evidence_id FROM batch_files) AND record_no IS NULL ORDER BY quarantine_id`,
    );
    for (const result of results) {
      const own = fileProblems.filter((p) => p.evidence_id === result.evidenceId);
      for (const p of own) this.problems.push({ path: result.path, code: p.reason, message: p.message });
      result.message = own[0]?.message ?? null;
      this.outcomes.push(result);
      this.progress.filesDone++;
      this.progress.eventsImported += result.recordsOk;
    }
    for (const [sibling, o] of repeats) o.evidenceId = rows.find((r) => r.file === sibling)?.evidenceId ?? null;
    this.report();
  }

  /** Normalizes what is staged and measures each file in it: sources, time range, counts. */
  private async measureStaged() {
    const store = this.store;
    await normalizeStaged(store, this.normalizer);
    const summaries = new Map(
      (
        await store.read<FileSummary>(`
          SELECT file_no,
            string_agg(DISTINCT source, ',' ORDER BY source) FILTER (problem IS NULL) AS sources,
            strftime(min(time) FILTER (problem IS NULL), '%Y-%m-%d %H:%M:%S.%f') AS lo,
            strftime(max(time) FILTER (problem IS NULL), '%Y-%m-%d %H:%M:%S.%f') AS hi,
            count(*) FILTER (problem IS NULL)::BIGINT AS good,
            count(*) FILTER (problem IS NOT NULL)::BIGINT AS bad
          FROM normalized GROUP BY file_no`)
      ).map((r) => [r.file_no, r]),
    );
    await this.findDuplicates([...summaries.values()]);
    const perFile = (sql: string) =>
      store.read<{ file_no: number; n: number }>(sql).then((rows) => new Map(rows.map((r) => [r.file_no, r.n])));
    const dropped = await perFile(`SELECT file_no, count(*)::BIGINT AS n FROM dropped GROUP BY file_no`);
    const split = await perFile(`SELECT file_no, count(*)::BIGINT AS n FROM stage_problems WHERE record_no IS NOT NULL GROUP BY file_no`);
    const notes = await detailedJsonErrors(store);
    return { summaries, dropped, split, notes };
  }

  /** Evidence rows for the files in batch_files. */
  private async insertEvidence(): Promise<void> {
    await this.store.run(`
      INSERT INTO evidence
      SELECT evidence_id, ${this.importId}, parent_id, 'file', bundle_name, source_path, path_in_bundle, size_bytes, sha256,
        compression, detected_format, parser, parser_version, now()::TIMESTAMP, records_total, records_ok,
        records_total - records_ok - records_quarantined, records_quarantined, time_lo::TIMESTAMP, time_hi::TIMESTAMP, 'complete'
      FROM batch_files ORDER BY evidence_id`);
  }

  /** Events, resources and quarantine of what is staged, under batch_files' evidence ids. */
  private async writeStaged(notes: Awaited<ReturnType<typeof detailedJsonErrors>>): Promise<void> {
    const store = this.store;
    const kept = `
      FROM normalized n JOIN batch_files f USING (file_no)
      WHERE n.problem IS NULL AND NOT EXISTS (SELECT 1 FROM dropped d WHERE d.file_no = n.file_no AND d.record_no = n.record_no)`;
    // Time order keeps the zone maps on events.time tight for range queries and the duplicate check.
    await store.run(`INSERT INTO events BY NAME SELECT ${EVENT_COLUMNS_OF_N}, f.evidence_id ${kept} ORDER BY n.time, n.file_no, n.record_no`);
    await store.run(`
      INSERT INTO event_resources
      SELECT event_uid, source, r.resource_uid, r.resource_type, r.boundary, r.role
      FROM (SELECT n.event_uid, n.source, unnest(n.resources) AS r ${kept}) WHERE r.resource_uid IS NOT NULL`);
    await insertQuarantine(store, notes);
  }

  /**
   * A file bigger than SPILL_BYTES is written in parts as it streams, all inside one transaction
   * held open until its last record: memory stays bounded, and a crash still leaves none of it.
   */
  private async spillChunk(fileNo: number, info: LeafInfo, flushAppender: () => void): Promise<void> {
    flushAppender();
    if (!this.spill) {
      // Commit the whole files staged before this one, keeping this one's rows aside.
      await this.store.run(`CREATE OR REPLACE TEMP TABLE stage_hold AS SELECT * FROM stage_raw WHERE file_no = ${fileNo}`);
      await this.store.run(`DELETE FROM stage_raw WHERE file_no = ${fileNo}`);
      this.batch = this.batch.filter((f) => f.fileNo !== fileNo);
      await this.flush();
      await this.store.run(`INSERT INTO stage_raw SELECT * FROM stage_hold`);
      await this.store.run(`DROP TABLE stage_hold`);
      const evidenceId = await this.nextEvidenceId();
      const tx = await this.store.begin();
      this.spill = { fileNo, info, evidenceId, tx, sources: new Set(), good: 0, bad: 0, dropped: 0, split: 0, lo: null, hi: null };
    }
    await this.writeChunk();
  }

  private async writeChunk(): Promise<void> {
    const s = this.spill!;
    const m = await this.measureStaged();
    const summary = m.summaries.get(s.fileNo);
    for (const source of summary?.sources?.split(',') ?? []) s.sources.add(source);
    s.good += summary?.good ?? 0;
    s.bad += summary?.bad ?? 0;
    s.dropped += m.dropped.get(s.fileNo) ?? 0;
    s.split += m.split.get(s.fileNo) ?? 0;
    if (summary?.lo && (!s.lo || summary.lo < s.lo)) s.lo = summary.lo;
    if (summary?.hi && (!s.hi || summary.hi > s.hi)) s.hi = summary.hi;
    const placeholder: PendingFile = { fileNo: s.fileNo, info: s.info, sha256: '', size: 0, recordsTotal: 0, format: '', bytes: 0 };
    await this.stageBatchFiles([{ file: placeholder, evidenceId: s.evidenceId, parser: null, parserVersion: null, ok: 0, quarantined: 0, lo: null, hi: null }]);
    await this.writeStaged(m.notes);
    await this.store.run(`DELETE FROM stage_raw`);
    await this.store.run(`DELETE FROM stage_problems`);
  }

  /** The last part of a spilled file, its evidence row, and the commit (or rollback if seen before). */
  private async finishSpill(file: PendingFile): Promise<void> {
    const s = this.spill!;
    try {
      await this.writeChunk();
      const [known] = await this.store.read<{ evidence_id: number }>(
        `SELECT evidence_id FROM evidence WHERE sha256 = $sha AND kind = 'file' AND status = 'complete' LIMIT 1`,
        { sha: file.sha256 },
      );
      if (known) {
        await s.tx.rollback();
        this.outcomes.push(outcome(file.info, 'file', 'duplicate', known.evidence_id, file.sha256, `same SHA-256 as evidence #${known.evidence_id}: nothing added`));
        this.progress.filesDone++;
        return;
      }
      const sources = [...s.sources].sort();
      const ok = s.good - s.dropped;
      const quarantined = s.bad + s.split;
      await this.stageBatchFiles([
        {
          file,
          evidenceId: s.evidenceId,
          parser: sources.join(',') || null,
          parserVersion: this.parserVersions(sources),
          ok,
          quarantined,
          lo: s.lo,
          hi: s.hi,
        },
      ]);
      await this.insertEvidence();
      await s.tx.commit();
      const problems = await this.store.read<{ reason: string; message: string }>(
        `SELECT reason, message FROM quarantine WHERE evidence_id = $id AND record_no IS NULL ORDER BY quarantine_id`,
        { id: s.evidenceId },
      );
      for (const p of problems) this.problems.push({ path: file.info.pathInBundle, code: p.reason, message: p.message });
      this.outcomes.push({ ...importedOutcome(file, s.evidenceId, sources, ok, quarantined), message: problems[0]?.message ?? null });
      this.progress.filesDone++;
      this.progress.eventsImported += ok;
      this.report();
    } catch (err) {
      await s.tx.rollback();
      throw err;
    } finally {
      this.spill = null;
    }
  }

  /** `source@version` of each parser that read a file, as the evidence row records them. */
  private parserVersions(sources: string[]): string | null {
    return sources.map((id) => `${id}@${this.normalizer.parsers.find((p) => p.id === id)?.version ?? '?'}`).join(',') || null;
  }

  /** Rolls back a file left half-written by an error or a cancel. */
  async abort(): Promise<void> {
    if (!this.spill) return;
    await this.spill.tx.rollback();
    this.spill = null;
    await this.store.run(`DELETE FROM stage_raw`);
    await this.store.run(`DELETE FROM stage_problems`);
  }

  /** The batch's evidence rows, less what only the transaction decides, as a temp table. */
  private async stageBatchFiles(rows: BatchFileRow[]): Promise<void> {
    await this.store.run(`
      CREATE OR REPLACE TEMP TABLE batch_files (file_no INTEGER, evidence_id INTEGER, parent_id INTEGER, bundle_name VARCHAR,
        source_path VARCHAR, path_in_bundle VARCHAR, size_bytes BIGINT, sha256 VARCHAR, compression VARCHAR, detected_format VARCHAR,
        parser VARCHAR, parser_version VARCHAR, records_total BIGINT, records_ok BIGINT, records_quarantined BIGINT,
        time_lo VARCHAR, time_hi VARCHAR)`);
    const a = await this.store.appender('batch_files');
    const text = (v: string | null) => (v === null ? a.appendNull() : a.appendVarchar(v));
    for (const r of rows) {
      const info = r.file.info;
      a.appendInteger(r.file.fileNo);
      a.appendInteger(r.evidenceId);
      if (info.parentId === null) a.appendNull();
      else a.appendInteger(info.parentId);
      text(info.bundleName);
      text(info.rootPath);
      text(info.pathInBundle);
      a.appendBigInt(BigInt(r.file.size));
      text(r.file.sha256);
      text(info.compression);
      text(r.file.format);
      text(r.parser);
      text(r.parserVersion);
      a.appendBigInt(BigInt(r.file.recordsTotal));
      a.appendBigInt(BigInt(r.ok));
      a.appendBigInt(BigInt(r.quarantined));
      text(r.lo);
      text(r.hi);
      a.endRow();
    }
    a.flushSync();
    a.closeSync();
  }

  /** Fills `dropped` with the records already in the case, and repeats within this batch (first copy wins). */
  private async findDuplicates(summaries: FileSummary[]): Promise<void> {
    const parts: string[] = [];
    const los = summaries.map((s) => s.lo).filter((v): v is string => v !== null).sort();
    const his = summaries.map((s) => s.hi).filter((v): v is string => v !== null).sort();
    if (los.length > 0 && his.length > 0) {
      // Constant bounds let DuckDB skip every row group of `events` outside the batch's time range.
      parts.push(`
        SELECT n.file_no, n.record_no FROM normalized n JOIN events e ON e.source = n.source AND e.event_uid = n.event_uid
        WHERE n.problem IS NULL AND e.time BETWEEN TIMESTAMP ${sqlString(los[0]!)} AND TIMESTAMP ${sqlString(his[his.length - 1]!)}`);
    }
    parts.push(`
      SELECT file_no, record_no FROM (
        SELECT file_no, record_no, row_number() OVER (PARTITION BY source, event_uid ORDER BY file_no, record_no) AS copy
        FROM normalized WHERE problem IS NULL) WHERE copy > 1`);
    await this.store.run(`CREATE OR REPLACE TEMP TABLE dropped AS ${parts.join(' UNION ')}`);
  }

  /** The columns every evidence row fills the same way, file or archive. */
  private evidenceParams(id: number, info: EntryInfo & { compression: string }, size: number, sha256: string) {
    return {
      id,
      imp: this.importId,
      parent: info.parentId,
      bundle: info.bundleName,
      src: info.rootPath,
      path: info.pathInBundle,
      size,
      sha: sha256,
      comp: info.compression,
    };
  }

  private async nextEvidenceId(): Promise<number> {
    const [row] = await this.store.read<{ id: number }>(`SELECT nextval('evidence_id_seq')::INTEGER AS id`);
    return row!.id;
  }

  private checkCancelled(): void {
    if (this.options.signal?.aborted) throw new ImportCancelled();
  }

  private report(pendingRecords = 0): void {
    if (!this.options.onProgress) return;
    this.options.onProgress({ ...this.progress, recordsRead: this.progress.recordsRead + pendingRecords });
  }
}

type FileSummary = { file_no: number; sources: string | null; lo: string | null; hi: string | null; good: number; bad: number };

const EVENT_COLUMNS_OF_N = NORMALIZED_COLUMNS.map((c) => `n.${c}`).join(', ');

/** A batch is committed when it holds this many records, files or raw bytes, whichever comes first. */
const BATCH_RECORDS = 20_000;
const BATCH_FILES = 512;
const BATCH_BYTES = 64 * 1024 * 1024;

interface Staged {
  recordsTotal: number;
  format: string;
  /** Raw record bytes staged. */
  bytes: number;
}

interface PendingFile extends Staged {
  fileNo: number;
  info: LeafInfo;
  sha256: string;
  size: number;
}

interface Spill {
  fileNo: number;
  info: LeafInfo;
  evidenceId: number;
  tx: HeldTransaction;
  sources: Set<string>;
  good: number;
  bad: number;
  dropped: number;
  split: number;
  lo: string | null;
  hi: string | null;
}

/** A file is written in parts once this many raw bytes of it are staged. */
const SPILL_BYTES = 32 * 1024 * 1024;

interface BatchFileRow {
  file: PendingFile;
  evidenceId: number;
  parser: string | null;
  parserVersion: string | null;
  ok: number;
  quarantined: number;
  lo: string | null;
  hi: string | null;
}

function importedOutcome(file: PendingFile, evidenceId: number, sources: string[], ok: number, quarantined: number): FileOutcome {
  return {
    path: file.info.pathInBundle,
    evidenceId,
    kind: 'file',
    status: 'imported',
    sha256: file.sha256,
    format: file.format,
    parsers: sources,
    recordsTotal: file.recordsTotal,
    recordsOk: ok,
    recordsDuplicate: file.recordsTotal - ok - quarantined,
    recordsQuarantined: quarantined,
    message: null,
  };
}

function outcome(info: EntryInfo, kind: 'file' | 'archive', status: FileStatus, evidenceId: number | null, sha256: string | null, message: string | null): FileOutcome {
  return {
    path: info.pathInBundle,
    evidenceId,
    kind,
    status,
    sha256,
    format: null,
    parsers: [],
    recordsTotal: 0,
    recordsOk: 0,
    recordsDuplicate: 0,
    recordsQuarantined: 0,
    message,
  };
}

/**
 * The text to split, or a note on why there is none: binary and non-JSON files are recorded
 * as evidence (hashed) with one quarantine row instead of a row per line.
 */
interface TextContent {
  stream: ByteStream;
  note: { code: string; message: string } | null;
  /** Set when the text is CSV or TSV rather than JSON. */
  csvDelimiter?: string;
}

async function textContent(info: LeafInfo, content: ByteStream): Promise<TextContent> {
  switch (info.kind) {
    case 'empty':
      return { stream: content, note: { code: 'empty_file', message: 'the file is empty: no records' } };
    case 'utf16':
      return { stream: transcodeUtf16(content), note: null };
    case 'data':
      return firstSignificantByte(content);
    default:
      await drainQuietly(content);
      return { stream: emptyStream(), note: { code: 'unrecognized_format', message: `unexpected ${info.kind} content` } };
  }
}

async function firstSignificantByte(content: ByteStream): Promise<TextContent> {
  const { head, stream } = await peek(content, 4096);
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i >= head.length) return { stream, note: null };
  const b = head[i];
  if (b === 0x7b || b === 0x5b) return { stream, note: null };
  const isBinary = head.subarray(0, 4096).includes(0);
  const csvDelimiter = isBinary ? null : sniffCsv(head);
  if (csvDelimiter) return { stream, note: null, csvDelimiter };
  await drainQuietly(stream);
  const preview = Buffer.from(head.subarray(i, i + 60)).toString(isBinary ? 'hex' : 'utf8');
  return {
    stream: emptyStream(),
    note: {
      code: 'unrecognized_format',
      message: isBinary
        ? `not a log file: binary content (starts with ${preview.slice(0, 32)}…)`
        : `not a recognized log format: the text is neither JSON nor CSV with a header (starts with ${JSON.stringify(preview)})`,
    },
  };
}

async function drainQuietly(stream: ByteStream): Promise<void> {
  for await (const _ of stream) void _;
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}

async function* transcodeUtf16(content: ByteStream): AsyncGenerator<Uint8Array> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of content) {
    decoder ??= new TextDecoder(chunk[0] === 0xfe ? 'utf-16be' : 'utf-16le');
    yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
  }
  if (decoder) yield Buffer.from(decoder.decode(), 'utf8');
}

async function appendProblems(
  store: CaseStore,
  fileNo: number,
  problems: SplitProblem[],
  streamFailure: { code: string; message: string } | null,
  decompressed: number,
  fileNote: { code: string; message: string } | null,
): Promise<void> {
  if (problems.length === 0 && !streamFailure && !fileNote) return;
  const appender: DuckDBAppender = await store.appender('stage_problems');
  for (const p of problems) {
    appender.appendInteger(fileNo);
    appender.appendBigInt(BigInt(p.recordNo));
    appender.appendBigInt(BigInt(p.offset));
    appender.appendBigInt(BigInt(p.line));
    appender.appendVarchar(p.reason);
    appender.appendVarchar(`${p.message} (line ${p.line}, byte ${p.offset})`);
    appender.appendVarchar(Buffer.from(p.snippet).toString('utf8'));
    appender.endRow();
  }
  for (const note of [streamFailure, fileNote]) {
    if (!note) continue;
    appender.appendInteger(fileNo);
    appender.appendNull();
    appender.appendBigInt(BigInt(decompressed));
    appender.appendNull();
    appender.appendVarchar(note.code);
    appender.appendVarchar(note.message);
    appender.appendNull();
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

/** JSON.parse's own message (with its position) for the first malformed records of each file. */
async function detailedJsonErrors(store: CaseStore): Promise<{ file_no: number; record_no: number; message: string }[]> {
  const rows = await store.read<{ file_no: number; record_no: number; raw: string }>(
    `SELECT file_no, record_no, raw FROM normalized WHERE problem = 'malformed_json'
     QUALIFY row_number() OVER (PARTITION BY file_no ORDER BY record_no) <= ${DETAILED_MESSAGES_PER_FILE}`,
  );
  const notes: { file_no: number; record_no: number; message: string }[] = [];
  for (const row of rows) {
    try {
      JSON.parse(row.raw);
    } catch (err) {
      notes.push({ file_no: row.file_no, record_no: row.record_no, message: `${PROBLEM_MESSAGES.malformed_json}: ${(err as Error).message}` });
    }
  }
  return notes;
}

/** Quarantine rows for the batch: bad records from `normalized`, file and split problems from `stage_problems`. */
async function insertQuarantine(store: CaseStore, notes: { file_no: number; record_no: number; message: string }[]): Promise<void> {
  await store.run(`CREATE OR REPLACE TEMP TABLE stage_notes (file_no INTEGER, record_no BIGINT, message VARCHAR)`);
  if (notes.length > 0) {
    const appender = await store.appender('stage_notes');
    for (const note of notes) {
      appender.appendInteger(note.file_no);
      appender.appendBigInt(BigInt(note.record_no));
      appender.appendVarchar(note.message);
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }
  const messageCase = Object.entries(PROBLEM_MESSAGES)
    .map(([code, message]) => `WHEN ${sqlString(code)} THEN ${sqlString(message)}`)
    .join(' ');
  // A file no parser knows at all (an inventory CSV, another tool's JSON) gets one row that says
  // so and names its fields, rather than a copy of every record: the evidence file keeps them.
  await store.run(`
    CREATE OR REPLACE TEMP TABLE unknown_files AS
    SELECT file_no, count(*) AS n, min(record_no) AS first_record FROM normalized GROUP BY file_no
    HAVING count(*) > ${WHOLE_FILE_UNRECOGNIZED} AND count(*) FILTER (WHERE problem = 'unrecognized') = count(*)`);
  await store.run(`
    INSERT INTO quarantine
    SELECT nextval('quarantine_id_seq'), f.evidence_id, NULL, n.byte_offset, n.line, 'unrecognized_format',
      'none of the ' || u.n || ' records is a known log format (fields: '
        || coalesce(array_to_string(json_keys(coalesce(c.json_text, n.raw))[1:12], ', '), '?')
        || '): import it with --mapping (nhi suggest-mapping FILE proposes one)',
      left(n.raw, ${QUARANTINE_RAW_BYTES}), now()::TIMESTAMP
    FROM unknown_files u
    JOIN normalized n ON n.file_no = u.file_no AND n.record_no = u.first_record
    JOIN classified c ON c.file_no = n.file_no AND c.record_no = n.record_no
    JOIN batch_files f ON f.file_no = u.file_no`);
  await store.run(`
    INSERT INTO quarantine
    SELECT nextval('quarantine_id_seq'), f.evidence_id, n.record_no, n.byte_offset, n.line, n.problem,
      coalesce(m.message, n.problem_message, CASE n.problem ${messageCase} END, n.problem) || ' (line ' || n.line || ', byte ' || n.byte_offset || ')',
      CASE WHEN n.raw IS NOT NULL THEN left(n.raw, ${QUARANTINE_RAW_BYTES}) ELSE left(CAST(r.raw_blob AS VARCHAR), ${QUARANTINE_RAW_BYTES}) END,
      now()::TIMESTAMP
    FROM normalized n
    JOIN batch_files f ON f.file_no = n.file_no
    LEFT JOIN stage_notes m ON m.file_no = n.file_no AND m.record_no = n.record_no
    LEFT JOIN stage_raw r ON n.raw IS NULL AND r.file_no = n.file_no AND r.record_no = n.record_no
    WHERE n.problem IS NOT NULL AND n.file_no NOT IN (SELECT file_no FROM unknown_files)
    ORDER BY n.file_no, n.record_no`);
  await store.run(`
    INSERT INTO quarantine
    SELECT nextval('quarantine_id_seq'), f.evidence_id, p.record_no, p.byte_offset, p.line, p.reason, p.message, p.snippet, now()::TIMESTAMP
    FROM stage_problems p JOIN batch_files f ON f.file_no = p.file_no
    ORDER BY p.file_no, p.record_no NULLS LAST`);
}
