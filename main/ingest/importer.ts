import { resolve } from 'node:path';
import { type DeriveReport, deriveIdentities } from '../analytics/derive';
import { refreshRollup, rollupReady } from '../analytics/event-rollup';
import type { CaseStore } from '../case-store/case-store';
import { type DigestReport, type TrustedKeys, refreshDigestValidation } from '../integrity/cloudtrail-digests';
import { importManifest } from '../integrity/manifest';
import { appendJournal } from '../journal/journal';
import { STAGE_PROBLEMS_DDL } from './batch-sql';
import { walkInput } from './bundle-walker';
import {
  DEFAULT_PLAUSIBLE_TIMES,
  FileImporter,
  type FileOutcome,
  type ImportProblem,
  type ImportProgress,
  ImportCancelled,
  type PlausibleTimes,
} from './file-importer';
import { DEFAULT_LIMITS, type ImportLimits } from './limits';
import { type Mapping, mappedParser } from './sources/mapped';
import { PARSERS } from './sources/registry';
import { DEFAULT_NORMALIZER, STAGE_RAW_DDL, normalizerFor } from './stage-sql';

export { type FileOutcome, type FileStatus, type ImportProblem, type ImportProgress, ImportCancelled } from './file-importer';

export const TOOL_VERSION = '0.1.0';

export interface ImportOptions {
  limits?: Partial<ImportLimits>;
  /** A mapping for CSV / JSON-lines logs no built-in parser knows (see sources/mapped.ts). */
  mapping?: Mapping;
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** Rebuild identities, sessions, credentials and baselines afterwards (default true). */
  deriveAnalytics?: boolean;
  /** The plausible range of event times (default: from 2000 to a day after the import). */
  plausibleTimes?: Partial<PlausibleTimes>;
  /** Public keys to check CloudTrail digest signatures with (see integrity/cloudtrail-digests.ts). */
  trustKeys?: TrustedKeys;
  /** Records per committed batch (default 20,000): a tuning knob, and how tests make many batches. */
  batchRecords?: number;
}

export type ImportStatus = 'complete' | 'cancelled' | 'failed';

export interface ImportReport {
  importId: number;
  status: ImportStatus;
  /** Why a failed import failed, in one line (disk full, out of memory…). */
  failure: string | null;
  files: FileOutcome[];
  problems: ImportProblem[];
  totals: {
    files: number;
    records: number;
    eventsImported: number;
    duplicates: number;
    quarantined: number;
    bytesRead: number;
    /** Events whose time is outside the plausible range: imported, flagged, kept out of baselines. */
    implausibleTimes: number;
    /** Records that claimed an event id a different record already had: both kept. */
    idCollisions: number;
  };
  /** The identity tables derived after the import. */
  analytics: DeriveReport | null;
  /** What the CloudTrail digests in the case say of its log files, after this import. */
  digests: DigestReport | null;
  /** The journal entry that fixes this import's manifest. */
  journal: { seq: number; hash: string; manifestSha256: string } | null;
  elapsedMs: number;
}

/**
 * Imports bundles into a case. Files commit whole, in batches (see file-importer.ts), so a crash
 * leaves the case exactly as before the batch that was being written: never part of a file.
 *
 * Every import ends with a status, even a failed one (disk full, out of memory): the `imports`
 * row says `complete`, `cancelled` or `failed` with the reason, and the journal gets an entry
 * with the digest of the evidence rows the import wrote (main/integrity/manifest.ts). An import
 * killed outright is closed as `interrupted` when the case is next opened for writing.
 */
export async function importBundles(store: CaseStore, inputs: readonly string[], options: ImportOptions = {}): Promise<ImportReport> {
  const limits: ImportLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const plausibleTimes: PlausibleTimes = { ...DEFAULT_PLAUSIBLE_TIMES, ...options.plausibleTimes };
  const started = performance.now();
  // Fewer, larger checkpoints: by default DuckDB checkpoints every 16 MB of WAL, nearly every file
  // of an import. Committed but uncheckpointed rows stay in memory, so the threshold also bounds
  // the import's memory (measured: 128 MB keeps peak RSS under 1 GB with a 384 MB memory limit).
  await store.run(`SET checkpoint_threshold = '128MB'`);
  // A rollup that covered the case before is refreshed for this import's minutes; otherwise
  // (a new case, or one from an older build) it is built whole afterwards.
  const rollupWasReady = await rollupReady(store);
  // Two connections take turns with batches: one parses its batch while the other writes (see
  // FileImporter.seal). Each has its own staging tables (temporary tables are per connection).
  const lanes = [await store.fork(), await store.fork()];
  for (const lane of lanes) {
    await lane.run(STAGE_RAW_DDL);
    await lane.run(STAGE_PROBLEMS_DDL);
  }
  const [{ id: importId }] = (await store.read<{ id: number }>(`SELECT nextval('import_id_seq')::INTEGER AS id`)) as [{ id: number }];
  const absoluteInputs = inputs.map((p) => resolve(p));
  await store.transaction(() =>
    store.run(`INSERT INTO imports (import_id, started_at, finished_at, tool_version, inputs, status) VALUES ($id, now()::TIMESTAMP, NULL, $v, $inputs, 'running')`, {
      id: importId,
      v: TOOL_VERSION,
      inputs: JSON.stringify(absoluteInputs),
    }),
  );
  const normalizer = options.mapping ? normalizerFor([...PARSERS, mappedParser(options.mapping)]) : DEFAULT_NORMALIZER;
  const importer = new FileImporter(store, importId, {
    limits,
    normalizer,
    plausibleTimes,
    ...(options.batchRecords ? { batchRecords: options.batchRecords } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }, lanes);
  const casePath = resolve(store.path);
  const caseFiles = new Set([casePath, `${casePath}.wal`]);
  let status: ImportStatus = 'complete';
  let failure: string | null = null;
  let analytics: DeriveReport | null = null;
  let journal: ImportReport['journal'] = null;
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
    if (err instanceof ImportCancelled) status = 'cancelled';
    else {
      status = 'failed';
      failure = oneLine(err);
    }
  }
  // Each step below may fail too (the disk that filled up is still full): none may hide the status.
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      importer.problems.push({ path: store.path, code: `${what}_failed`, message: `${what}: ${oneLine(err)}` });
    }
  };
  await attempt('rollback', () => importer.abort());
  await attempt('cleanup', async () => {
    for (const lane of lanes) lane.close();
    await store.run(`RESET checkpoint_threshold`);
  });
  await attempt('closing the import', () =>
    store.transaction(async () => {
      await store.run(`UPDATE imports SET finished_at = now()::TIMESTAMP, status = $s, failure = $f WHERE import_id = $id`, { s: status, f: failure, id: importId });
      const manifest = await importManifest(store, importId);
      const entry = await appendJournal(
        store,
        {
          action: 'import',
          targetKind: 'case',
          targetId: `import-${importId}`,
          body: { importId, status, failure, inputs: absoluteInputs, limits, evidence: manifest.evidence, files: manifest.files, records: manifest.records, manifestSha256: manifest.sha256 },
        },
        { inTransaction: true },
      );
      journal = { seq: entry.seq, hash: entry.hash, manifestSha256: manifest.sha256 };
    }),
  );
  let digests: DigestReport | null = null;
  if (status !== 'failed') {
    await attempt('digest validation', async () => {
      digests = await refreshDigestValidation(store, options.trustKeys ?? null);
    });
  }
  await attempt('the graph and timeline rollup', async () => {
    if (!rollupWasReady) {
      await refreshRollup(store, 'all');
      return;
    }
    const [span] = await store.read<{ lo: string | null; hi: string | null }>(
      `SELECT strftime(min(first_time), '%Y-%m-%d %H:%M:%S.%f') AS lo, strftime(max(last_time), '%Y-%m-%d %H:%M:%S.%f') AS hi
       FROM evidence WHERE import_id = $id AND kind = 'file'`,
      { id: importId },
    );
    if (span?.lo && span.hi) await refreshRollup(store, { lo: span.lo, hi: span.hi });
  });
  if (options.deriveAnalytics !== false && status !== 'failed') {
    // The import itself is committed; a failure here leaves the identity tables as they were.
    try {
      analytics = await deriveIdentities(store, { incremental: true });
    } catch (err) {
      importer.problems.push({ path: store.path, code: 'analytics_failed', message: `identities were not rebuilt: ${oneLine(err)}` });
    }
  }
  // Leave a compact file with an empty WAL: it is what an auditor receives.
  await attempt('checkpoint', () => store.checkpoint());
  const files = importer.outcomes;
  return {
    importId,
    status,
    failure,
    files,
    problems: importer.problems,
    totals: {
      files: files.filter((f) => f.kind === 'file').length,
      records: files.reduce((n, f) => n + f.recordsTotal, 0),
      eventsImported: files.reduce((n, f) => n + f.recordsOk, 0),
      duplicates: files.reduce((n, f) => n + f.recordsDuplicate, 0),
      quarantined: files.reduce((n, f) => n + f.recordsQuarantined, 0),
      bytesRead: importer.progress.bytesRead,
      implausibleTimes: importer.implausibleTimes,
      idCollisions: importer.idCollisions,
    },
    analytics,
    digests,
    journal,
    elapsedMs: performance.now() - started,
  };
}

/** An error as one line a person can act on, without the stack. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n').find((l) => l.trim() !== '') ?? message;
  if (/No space left on device|ENOSPC|could not write all bytes|Could not write file/i.test(message)) return `the disk is full: ${first}`;
  if (/Out of Memory|memory limit/i.test(message)) return `DuckDB ran out of memory (try a larger --memory-limit): ${first}`;
  return first;
}
