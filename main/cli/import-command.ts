import { existsSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { inputSize } from '../ingest/bundle-walker';
import { type ImportProgress, type ImportReport, importBundles } from '../ingest/importer';
import type { ImportLimits } from '../ingest/limits';
import { type Mapping, MappingError, loadMapping } from '../ingest/sources/mapped';
import { EXIT } from './exit-codes';
import { digestText, trustKeysOption } from './digests-format';
import { bytes, table, tail } from './format';
import { type ParsedArgs, UsageError, positiveNumber, requireCase, withCase } from './args';

export async function runImport(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  if (args.positionals.length === 0) throw new UsageError('import needs at least one bundle (folder, archive or log file)');
  const missing = args.positionals.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    process.stderr.write(`nhi: cannot find ${missing.map((p) => JSON.stringify(p)).join(', ')}\n`);
    return EXIT.inputError;
  }
  const limits: Partial<ImportLimits> = {};
  const setLimit = (name: string, key: keyof ImportLimits) => {
    const value = positiveNumber(args, name);
    if (value !== undefined) limits[key] = value;
  };
  setLimit('max-record-bytes', 'maxRecordBytes');
  setLimit('max-entry-bytes', 'maxEntryBytes');
  setLimit('max-total-bytes', 'maxTotalBytes');
  setLimit('max-ratio', 'maxRatio');
  setLimit('max-depth', 'maxDepth');
  let mapping: Mapping | undefined;
  if (typeof args.values.mapping === 'string') {
    try {
      mapping = loadMapping(args.values.mapping);
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      process.stderr.write(`nhi: ${err.message}\n`);
      return EXIT.usage;
    }
  }

  const plausibleTimes: { earliest?: string; maxAheadHours?: number } = {};
  if (typeof args.values['plausible-from'] === 'string') {
    const from = args.values['plausible-from'];
    if (Number.isNaN(Date.parse(from))) throw new UsageError(`--plausible-from takes a date such as 2015-01-01, not ${JSON.stringify(from)}`);
    plausibleTimes.earliest = new Date(from).toISOString();
  }
  const ahead = positiveNumber(args, 'plausible-ahead-hours');
  if (ahead !== undefined) plausibleTimes.maxAheadHours = ahead;
  const memoryLimit = typeof args.values['memory-limit'] === 'string' ? args.values['memory-limit'] : '384MB';
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) throw new UsageError(`--memory-limit takes a size such as 384MB or 2GB, not ${JSON.stringify(memoryLimit)}`);
  const trustKeys = trustKeysOption(args);
  const isJson = args.values.json === true;
  const progressMode = args.values.progress ?? (isJson || !process.stderr.isTTY ? 'none' : 'bar');
  if (progressMode !== 'bar' && progressMode !== 'jsonl' && progressMode !== 'none') {
    throw new UsageError(`--progress takes bar, jsonl or none, not ${JSON.stringify(progressMode)}`);
  }
  const total = (await Promise.all(args.positionals.map(inputSize))).reduce((a, b) => a + b, 0);
  const progress = progressMode === 'bar' ? new ProgressBar(total) : progressMode === 'jsonl' ? new JsonProgress(total) : null;
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled);
    process.stderr.write('\nnhi: cancelling after the current file (Ctrl-C again to stop at once; the case keeps every finished file)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  let report: ImportReport;
  try {
    report = await withCase(casePath, { create: true, memoryLimit }, (store) =>
      importBundles(store, args.positionals, { limits, plausibleTimes, ...(mapping ? { mapping } : {}), ...(trustKeys ? { trustKeys } : {}), signal: controller.signal, onProgress: (p) => progress?.update(p) }),
    );
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
  }

  if (isJson) process.stdout.write(`${JSON.stringify({ case: casePath, ...report }, null, 2)}\n`);
  else process.stdout.write(summary(casePath, report));

  if (report.status === 'failed') {
    process.stderr.write(`nhi: the import failed: ${report.failure}; every batch committed before it is in the case (recorded as import #${report.importId}, status failed)\n`);
    return EXIT.importFailed;
  }
  if (report.status === 'cancelled') return EXIT.cancelled;
  if (report.problems.some((p) => p.code === 'unreadable')) return EXIT.inputError;
  if (report.digests && !report.digests.isValid) return EXIT.sourceLogsTampered;
  if (report.totals.quarantined > 0 || report.problems.length > 0) return EXIT.importedWithProblems;
  return EXIT.ok;
}

/** One JSON object per line on stderr, for scripts and the app: at most every 100 ms. */
class JsonProgress {
  private last = 0;

  constructor(private readonly total: number) {}

  update(p: ImportProgress): void {
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    process.stderr.write(`${JSON.stringify({ ...p, bytesTotal: this.total })}\n`);
  }

  stop(): void {}
}

class ProgressBar {
  private readonly bar = new SingleBar({
    format: ' {bar} {percentage}% | {files} files | {records} records | {rate} MB/s | {file}',
    barsize: 24,
    hideCursor: true,
    stream: process.stderr,
    fps: 8,
  });
  private readonly started = performance.now();

  constructor(total: number) {
    this.bar.start(Math.max(1, total), 0, { files: 0, records: 0, rate: '0.0', file: '' });
  }

  update(p: ImportProgress): void {
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.update(p.bytesRead, {
      files: p.filesDone.toLocaleString('en-US'),
      records: p.recordsRead.toLocaleString('en-US'),
      rate: (p.bytesRead / 1e6 / Math.max(seconds, 0.001)).toFixed(1),
      file: tail(p.currentFile, 48),
    });
  }

  stop(): void {
    this.bar.stop();
  }
}

function summary(casePath: string, report: ImportReport): string {
  const lines: string[] = [];
  const files = report.files.filter((f) => f.kind === 'file');
  const rows = files.map((f) => [
    tail(f.path, 60),
    f.status,
    f.format ?? '',
    f.parsers.join(', '),
    f.recordsTotal,
    f.recordsOk,
    f.recordsDuplicate,
    f.recordsQuarantined,
  ]);
  const shown = rows.length > 40 ? [...rows.slice(0, 40), [`… and ${rows.length - 40} more files`, '', '', '', '', '', '', '']] : rows;
  lines.push(table(['file', 'status', 'format', 'parser', 'records', 'imported', 'duplicate', 'quarantined'], shown));
  const t = report.totals;
  const seconds = report.elapsedMs / 1000;
  lines.push(
    `${report.status === 'cancelled' ? 'Cancelled' : report.status === 'failed' ? 'FAILED' : 'Imported'} into ${casePath}: ${t.eventsImported.toLocaleString('en-US')} events from ${t.files.toLocaleString('en-US')} files ` +
      `(${t.duplicates.toLocaleString('en-US')} duplicates skipped, ${t.quarantined.toLocaleString('en-US')} quarantined) ` +
      `in ${seconds.toFixed(1)} s, ${Math.round(t.records / Math.max(seconds, 0.001)).toLocaleString('en-US')} records/s, ${bytes(t.bytesRead)} read.`,
  );
  if (t.implausibleTimes > 0) lines.push(`${t.implausibleTimes.toLocaleString('en-US')} events have implausible times (before 2000 or after this import): imported, flagged, left out of baselines.`);
  if (t.idCollisions > 0) lines.push(`${t.idCollisions.toLocaleString('en-US')} records claim an event id that a different record already has: both kept (finding "Two records claim one event id" after detect).`);
  if (report.digests && report.digests.trails.length > 0) lines.push('', digestText(report.digests));
  if (report.journal) lines.push(`Journaled as entry #${report.journal.seq}: manifest SHA-256 ${report.journal.manifestSha256}.`);
  const skipped = report.files.filter((f) => f.status === 'duplicate');
  if (skipped.length > 0) lines.push(`${skipped.length} already in the case and skipped (same SHA-256).`);
  if (report.problems.length > 0) {
    lines.push('', 'Problems (the rest of each bundle was imported; details in the quarantine table):');
    for (const p of report.problems.slice(0, 30)) lines.push(`  ${p.code}: ${p.path}: ${p.message}`);
    if (report.problems.length > 30) lines.push(`  … and ${report.problems.length - 30} more`);
  }
  return `${lines.join('\n')}\n`;
}
