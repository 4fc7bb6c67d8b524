import type { CaseStore, HeldTransaction } from '../case-store/case-store';
import { MerkleAccumulator } from '../integrity/merkle';
import { type BatchFileRow, insertEvidence, measureStaged, stageBatchFiles, writeStaged } from './batch-write';
import { appendProblems, quarantineFileProblem } from './batch-sql';
import type { ByteStream, HashingCounter } from './byte-streams';
import type { ContainerInfo, EntryInfo, EntryProblemCode, LeafInfo, WalkVisitor } from './bundle-walker';
import type { ImportLimits } from './limits';
import type { SplitProblem } from './record-splitter';
import { type FileNote, splitRecords } from './record-source';
import { ALL_SIDE_RECORDS } from './sources/side-records';
import { sqlString } from './sources/source-parser';
import { type Normalizer, normalizeStaged } from './stage-sql';
import { withTempCopy } from './temp-copy';

/**
 * The walker's visitor during an import: stages each log file's records, commits whole files in
 * batches (evidence rows, events, resources, duplicates, quarantine in one transaction), and
 * writes a file too big to stage at once in parts inside one held transaction.
 *
 * The stages: the walker reads and decompresses (bundle-walker.ts), record-source.ts splits and
 * hashes records into a lane's staging table, stage-sql.ts parses and maps them in DuckDB, and
 * batch-write.ts writes them. Two lanes overlap the stages: while one batch is written, the
 * next is split and parsed on the other connection.
 */

export type FileStatus = 'imported' | 'duplicate' | 'resumed' | 'failed' | 'not_read';

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

export interface ImportProgress {
  currentFile: string;
  filesDone: number;
  /** Bytes of the input files read from disk so far (compressed, as stored on disk). */
  bytesRead: number;
  recordsRead: number;
  eventsImported: number;
}

/** Times before this, or later than the import by more than `maxAheadHours`, are flagged. */
export interface PlausibleTimes {
  earliest: string;
  maxAheadHours: number;
}

export const DEFAULT_PLAUSIBLE_TIMES: PlausibleTimes = { earliest: '2000-01-01T00:00:00Z', maxAheadHours: 24 };

export class ImportCancelled extends Error {
  constructor() {
    super('import cancelled');
    this.name = 'ImportCancelled';
  }
}

export interface FileImporterOptions {
  limits: ImportLimits;
  normalizer: Normalizer;
  plausibleTimes: PlausibleTimes;
  /** Records per batch (default 20,000); small values make many batches of a small bundle. */
  batchRecords?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

export class FileImporter implements WalkVisitor {
  readonly outcomes: FileOutcome[] = [];
  readonly problems: ImportProblem[] = [];
  readonly progress: ImportProgress = { currentFile: '', filesDone: 0, bytesRead: 0, recordsRead: 0, eventsImported: 0 };
  /** Events with a time outside the plausible range, imported and flagged. */
  implausibleTimes = 0;
  /** Records that claimed an event id a different record already had. */
  idCollisions = 0;
  /** Containers reopened after an interrupted import: their finished members are skipped. */
  private readonly resumed = new Set<number>();
  /** Files staged and not yet committed (see flush). */
  private batch: PendingFile[] = [];
  private batchRecords = 0;
  private batchBytes = 0;
  private nextFileNo = 0;
  /** The file being written in parts, inside its own open transaction. */
  private spill: Spill | null = null;
  /** The connections that stage and commit batches, taking turns (see seal). */
  private readonly lanes: Lane[];
  /** The lane that records are staged into now. */
  private lane: Lane;
  /** The newest batch's commit: each batch writes only once the one before it has committed. */
  private lastWrite: Promise<void> = Promise.resolve();

  /**
   * `store` takes the case-level writes (archives, unreadable inputs); `lanes` (connections on
   * the same database, each with its own staging tables) stage and commit batches. With two
   * lanes, one batch's JSON is parsed while the batch before it is written.
   */
  constructor(
    private readonly store: CaseStore,
    private readonly importId: number,
    private readonly options: FileImporterOptions,
    lanes: readonly CaseStore[] = [store],
  ) {
    this.lanes = lanes.map((db) => ({ db, busy: Promise.resolve() }));
    this.lane = this.lanes[0]!;
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
    await this.settled();
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

  /**
   * A member that could not be read goes to the quarantine of its archive. An input with no
   * archive around it (a link or a pipe in a folder, an unreadable file) gets an evidence row of
   * its own, `not_read`, so that every input is in the manifest or the quarantine.
   */
  async problem(info: EntryInfo, code: EntryProblemCode, message: string): Promise<void> {
    this.problems.push({ path: info.pathInBundle, code, message });
    await this.settled();
    if (info.parentId !== null) {
      await this.store.transaction(() => quarantineFileProblem(this.store, info.parentId!, code, message));
      return;
    }
    const id = await this.nextEvidenceId();
    await this.store.transaction(async () => {
      await this.store.run(
        `INSERT INTO evidence (evidence_id, import_id, parent_id, kind, bundle_name, source_path, path_in_bundle, size_bytes, sha256,
           compression, imported_at, status)
         VALUES ($id, $imp, NULL, 'file', $bundle, $src, $path, 0, '', 'none', now()::TIMESTAMP, 'not_read')`,
        { id, imp: this.importId, bundle: info.bundleName, src: info.rootPath, path: info.pathInBundle },
      );
      await quarantineFileProblem(this.store, id, code, message);
    });
    this.outcomes.push(outcome(info, 'file', 'not_read', id, null, message));
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
    if (this.batchRecords >= (this.options.batchRecords ?? BATCH_RECORDS) || this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) await this.seal('next lane');
  }

  /** Streams a file's records into the staging tables, tagged with the file's number in the batch. */
  private async stage(fileNo: number, info: LeafInfo, content: ByteStream): Promise<Staged> {
    const db = this.lane.db;
    if (info.kind === 'parquet') return this.stageParquet(db, fileNo, content);
    const problems: SplitProblem[] = [];
    const appender = await db.appender('stage_raw');
    let recordsRead = 0;
    let bytes = 0;
    let spilledAt = 0;
    let split;
    try {
      split = await splitRecords(info, content, this.options.limits.maxRecordBytes, {
        record: (rec, json, recordSha256) => {
          appender.appendInteger(fileNo);
          appender.appendBigInt(BigInt(rec.recordNo));
          appender.appendBigInt(BigInt(rec.offset));
          appender.appendBigInt(BigInt(rec.line));
          appender.appendBlob(rec.bytes);
          if (json === null) appender.appendNull();
          else appender.appendVarchar(json);
          appender.appendBlob(recordSha256);
          appender.endRow();
          recordsRead++;
          bytes += rec.bytes.length;
        },
        problem: (p) => problems.push(p),
        chunk: async () => {
          this.tick(recordsRead);
          if (bytes - spilledAt > SPILL_BYTES) {
            await this.spillChunk(fileNo, info, () => appender.flushSync());
            spilledAt = bytes;
          }
        },
      });
    } catch (err) {
      appender.closeSync();
      throw err;
    }
    this.progress.recordsRead += recordsRead;
    appender.flushSync();
    appender.closeSync();
    const notes = [split.streamFailure, split.fileNote].filter((n): n is FileNote => n !== null).map((note) => ({ note, at: split.decompressedBytes }));
    await appendProblems(db, fileNo, problems, notes);
    return { recordsTotal: split.recordsTotal, format: split.format, bytes, contentSha256: split.contentSha256, recordsRoot: split.recordsRoot };
  }

  /**
   * Parquet (how Security Lake stores OCSF) is columnar, with no record text to keep: DuckDB
   * reads it from a private temporary copy and each row is staged as its JSON rendering, with
   * the row's number in the file as its position (byte_offset 0). The evidence hash is of the
   * Parquet file itself; each record's hash is of its JSON rendering.
   */
  private async stageParquet(db: CaseStore, fileNo: number, content: ByteStream): Promise<Staged> {
    return withTempCopy(content, 'member.parquet', async (path, contentSha256) => {
      try {
        await db.run(`INSERT INTO stage_raw ${parquetRowsSql(fileNo, path)}`);
      } catch (err) {
        const note = { code: 'unreadable_parquet', message: `the Parquet file cannot be read: ${(err as Error).message.split('\n')[0]}` };
        await appendProblems(db, fileNo, [], [{ note, at: 0 }]);
        return { recordsTotal: 0, format: 'parquet', bytes: 0, contentSha256, recordsRoot: new MerkleAccumulator().root() };
      }
      const rows = await db.read<{ h: string; bytes: number }>(
        `SELECT hex(record_sha256) AS h, octet_length(raw_blob)::BIGINT AS bytes FROM stage_raw WHERE file_no = ${fileNo} ORDER BY record_no`,
      );
      const merkle = new MerkleAccumulator();
      for (const r of rows) merkle.push(Buffer.from(r.h, 'hex'));
      this.progress.recordsRead += rows.length;
      return { recordsTotal: rows.length, format: 'parquet', bytes: rows.reduce((n, r) => n + r.bytes, 0), contentSha256, recordsRoot: merkle.root() };
    });
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
    await this.seal('all lanes');
  }

  /**
   * Starts committing the staged batch on its lane, then waits either for the next lane to be
   * free (records go on staging there while this batch commits) or for every lane (a drain:
   * before an archive closes, a big file spills, or the import ends). A failed batch fails the
   * ones after it, which never write, and is thrown here.
   */
  private async seal(wait: 'next lane' | 'all lanes'): Promise<void> {
    const batch = this.batch;
    if (batch.length > 0) {
      this.batch = [];
      this.batchRecords = 0;
      this.batchBytes = 0;
      const lane = this.lane;
      const job = this.commitOn(lane.db, batch, this.lastWrite);
      // Awaited later (by the next seal or the drain); handled now so a failure is never unhandled.
      job.catch(() => undefined);
      lane.busy = job;
      this.lastWrite = job;
    }
    if (wait === 'all lanes') {
      await Promise.all(this.lanes.map((l) => l.busy));
      return;
    }
    this.lane = this.lanes[(this.lanes.indexOf(this.lane) + 1) % this.lanes.length]!;
    await this.lane.busy;
  }

  /** Waits until no batch is being written, for a case-level write of its own. */
  private async settled(): Promise<void> {
    await this.lastWrite;
  }

  /** Parses the batch (alongside the previous batch's write), then writes it after that one. */
  private async commitOn(db: CaseStore, batch: PendingFile[], before: Promise<void>): Promise<void> {
    try {
      await normalizeStaged(db, this.options.normalizer);
      await before;
      await this.commitBatch(db, batch);
    } finally {
      await clearStage(db);
    }
  }

  private async commitBatch(store: CaseStore, batch: PendingFile[]): Promise<void> {
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
      for (const table of ['stage_raw', 'stage_problems', 'classified', 'normalized']) await store.run(`DELETE FROM ${table} WHERE file_no NOT IN (${kept})`);
    }
    if (keep.length === 0) return;

    const { summaries, dropped, split, notes, side, renamed } = await measureStaged(store);
    this.idCollisions += renamed;

    const ids = (await store.read<{ id: number }>(`SELECT nextval('evidence_id_seq')::INTEGER AS id FROM range(${keep.length})`))
      .map((r) => r.id)
      .sort((a, b) => a - b);
    const results: FileOutcome[] = [];
    const rows: BatchFileRow[] = keep.map((file, i) => {
      const summary = summaries.get(file.fileNo);
      const sideRecords = side.get(file.fileNo);
      const sources = [...(summary?.sources ? summary.sources.split(',') : []), ...(sideRecords?.kinds ?? [])];
      const ok = (summary?.good ?? 0) - (dropped.get(file.fileNo) ?? 0) + (sideRecords?.n ?? 0);
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
    await stageBatchFiles(store, rows);

    await store.transaction(async () => {
      await insertEvidence(store, this.importId);
      this.implausibleTimes += await writeStaged(store, notes, this.options.plausibleTimes);
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

  /**
   * A file bigger than SPILL_BYTES is written in parts as it streams, all inside one transaction
   * held open until its last record: memory stays bounded, and a crash still leaves none of it.
   */
  private async spillChunk(fileNo: number, info: LeafInfo, flushAppender: () => void): Promise<void> {
    flushAppender();
    if (!this.spill) {
      // Commit the whole files staged before this one, keeping this one's rows aside. The
      // drain does not change lanes: the file goes on in the one its records are staged in.
      const db = this.lane.db;
      await db.run(`CREATE OR REPLACE TEMP TABLE stage_hold AS SELECT * FROM stage_raw WHERE file_no = ${fileNo}`);
      await db.run(`DELETE FROM stage_raw WHERE file_no = ${fileNo}`);
      this.batch = this.batch.filter((f) => f.fileNo !== fileNo);
      await this.flush();
      await db.run(`INSERT INTO stage_raw SELECT * FROM stage_hold`);
      await db.run(`DROP TABLE stage_hold`);
      const evidenceId = await this.nextEvidenceId();
      const tx = await db.begin();
      this.spill = { db, fileNo, info, evidenceId, tx, sources: new Set(), good: 0, bad: 0, dropped: 0, split: 0, lo: null, hi: null };
    }
    await this.writeChunk();
  }

  private async writeChunk(): Promise<void> {
    const s = this.spill!;
    await normalizeStaged(s.db, this.options.normalizer);
    const m = await measureStaged(s.db);
    this.idCollisions += m.renamed;
    const summary = m.summaries.get(s.fileNo);
    for (const source of [...(summary?.sources?.split(',') ?? []), ...(m.side.get(s.fileNo)?.kinds ?? [])]) s.sources.add(source);
    s.good += (summary?.good ?? 0) + (m.side.get(s.fileNo)?.n ?? 0);
    s.bad += summary?.bad ?? 0;
    s.dropped += m.dropped.get(s.fileNo) ?? 0;
    s.split += m.split.get(s.fileNo) ?? 0;
    if (summary?.lo && (!s.lo || summary.lo < s.lo)) s.lo = summary.lo;
    if (summary?.hi && (!s.hi || summary.hi > s.hi)) s.hi = summary.hi;
    const placeholder: PendingFile = { fileNo: s.fileNo, info: s.info, sha256: '', size: 0, recordsTotal: 0, format: '', bytes: 0, contentSha256: '', recordsRoot: '' };
    await stageBatchFiles(s.db, [{ file: placeholder, evidenceId: s.evidenceId, parser: null, parserVersion: null, ok: 0, quarantined: 0, lo: null, hi: null }]);
    this.implausibleTimes += await writeStaged(s.db, m.notes, this.options.plausibleTimes);
    await clearStage(s.db);
  }

  /** The last part of a spilled file, its evidence row, and the commit (or rollback if seen before). */
  private async finishSpill(file: PendingFile): Promise<void> {
    const s = this.spill!;
    try {
      await this.writeChunk();
      const [known] = await s.db.read<{ evidence_id: number }>(
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
      await stageBatchFiles(s.db, [
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
      await insertEvidence(s.db, this.importId);
      await s.tx.commit();
      const problems = await s.db.read<{ reason: string; message: string }>(
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
    const versionOf = (id: string) => this.options.normalizer.parsers.find((p) => p.id === id)?.version ?? ALL_SIDE_RECORDS.find((k) => k.id === id)?.version ?? '?';
    return sources.map((id) => `${id}@${versionOf(id)}`).join(',') || null;
  }

  /** Rolls back a file left half-written by an error or a cancel. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.lanes.map((l) => l.busy));
    if (this.spill) {
      await this.spill.tx.rollback();
      this.spill = null;
    }
    for (const { db } of this.lanes) await clearStage(db);
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

/** Empties a lane's staging tables once its batch is written (or given up). */
async function clearStage(db: CaseStore): Promise<void> {
  await db.run(`DELETE FROM stage_raw`);
  await db.run(`DELETE FROM stage_problems`);
}

/** Each Parquet row as a record: its JSON rendering is the raw text (file_row_number from 0). */
export function parquetRecordsSql(path: string): string {
  return `SELECT file_row_number, encode(json_merge_patch(to_json(t), '{"file_row_number":null}')::VARCHAR) AS raw_blob
    FROM read_parquet(${sqlString(path)}, file_row_number = true) t`;
}

function parquetRowsSql(fileNo: number, path: string): string {
  return `
    SELECT ${fileNo}, file_row_number + 1, 0, file_row_number + 1, raw_blob, NULL, unhex(sha256(raw_blob))
    FROM (${parquetRecordsSql(path)})
    ORDER BY file_row_number`;
}



/** A batch is committed when it holds this many records, files or raw bytes, whichever comes first. */
const BATCH_RECORDS = 20_000;
const BATCH_FILES = 512;
const BATCH_BYTES = 64 * 1024 * 1024;

interface Staged {
  recordsTotal: number;
  format: string;
  /** Raw record bytes staged. */
  bytes: number;
  contentSha256: string;
  recordsRoot: string;
}

export interface PendingFile extends Staged {
  fileNo: number;
  info: LeafInfo;
  sha256: string;
  size: number;
}

interface Spill {
  /** The lane the file's records are staged in, which holds its transaction. */
  db: CaseStore;
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

interface Lane {
  db: CaseStore;
  /** The batch this lane is committing; settled once the lane can stage again. */
  busy: Promise<void>;
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
