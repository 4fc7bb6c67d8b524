import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportInput, ImportJob } from '../../shared/api';
import { deriveIdentities } from '../analytics/derive';
import { CaseError, type CaseStore } from '../case-store/case-store';
import { ImportCancelled, importBundles } from '../ingest/importer';
import type { CasePool } from './case-pool';

/**
 * Imports started from the app. They run in this process while the renderer polls their
 * progress; the case stays readable throughout (each finished batch shows up in the views) and
 * a cancel stops at the next batch boundary, leaving the case as it was before that batch.
 *
 * Inputs are imported one after another, each as an import of its own, so every file the user
 * dropped has its own progress, outcome and quarantine report.
 */

interface RunningJob {
  job: ImportJob;
  controller: AbortController;
  started: number;
}

const jobs = new Map<string, RunningJob>();
/** Finished jobs are kept for the renderer to read their report, up to this many. */
const KEEP_FINISHED = 50;

export function startImportJob(pool: CasePool, casePath: string, paths: readonly string[]): ImportJob {
  if ([...jobs.values()].some((r) => r.job.casePath === casePath && r.job.state === 'running')) {
    throw new CaseError('case_busy', 'an import is already running on this case: wait for it or cancel it');
  }
  const inputs: ImportInput[] = paths.map((path) => ({
    path,
    sizeBytes: sizeOf(path),
    state: 'waiting',
    bytesRead: 0,
    recordsRead: 0,
    eventsImported: 0,
    duplicates: 0,
    quarantined: 0,
    files: [],
    problems: [],
    message: null,
  }));
  const job: ImportJob = {
    jobId: randomBytes(8).toString('hex'),
    casePath,
    inputs,
    state: 'running',
    startedAt: new Date().toISOString(),
    elapsedMs: 0,
    currentFile: '',
    bytesRead: 0,
    bytesTotal: inputs.reduce((sum, i) => sum + i.sizeBytes, 0),
    recordsRead: 0,
    eventsImported: 0,
    recordsPerSecond: 0,
    error: null,
  };
  const running: RunningJob = { job, controller: new AbortController(), started: performance.now() };
  jobs.set(job.jobId, running);
  forgetOldJobs();
  void run(pool, running);
  return snapshot(running);
}

export function importJobStatus(jobId: string): ImportJob {
  return snapshot(find(jobId));
}

export function cancelImportJob(jobId: string): ImportJob {
  const running = find(jobId);
  if (running.job.state === 'running') running.controller.abort();
  return snapshot(running);
}

/** Waits for every running job (tests, app quit); `cancel` first asks them to stop at their next batch. */
export async function settleImportJobs(options: { cancel?: boolean } = {}): Promise<void> {
  if (options.cancel) for (const r of jobs.values()) if (r.job.state === 'running') r.controller.abort();
  while ([...jobs.values()].some((r) => r.job.state === 'running')) await new Promise((r) => setTimeout(r, 50));
}

async function run(pool: CasePool, running: RunningJob): Promise<void> {
  const { job } = running;
  try {
    await pool.write(job.casePath, (store) => importEach(store, running), { exclusive: true });
    job.state = running.controller.signal.aborted ? 'cancelled' : 'complete';
  } catch (err) {
    job.state = 'failed';
    job.error = err instanceof Error ? err.message : String(err);
  } finally {
    job.elapsedMs = performance.now() - running.started;
    job.currentFile = '';
  }
}

async function importEach(store: CaseStore, running: RunningJob): Promise<void> {
  const { job } = running;
  let imported = false;
  for (const [index, input] of job.inputs.entries()) {
    if (running.controller.signal.aborted) {
      input.state = 'cancelled';
      continue;
    }
    input.state = 'importing';
    const before = { bytes: job.bytesRead, records: job.recordsRead, events: job.eventsImported };
    try {
      const report = await importBundles(store, [input.path], {
        signal: running.controller.signal,
        // Identities are derived once, after the last input (or after a cancel, below).
        deriveAnalytics: index === job.inputs.length - 1,
        onProgress: (p) => {
          Object.assign(input, { bytesRead: p.bytesRead, recordsRead: p.recordsRead, eventsImported: p.eventsImported });
          const seconds = (performance.now() - running.started) / 1000;
          job.currentFile = p.currentFile;
          job.bytesRead = before.bytes + p.bytesRead;
          job.recordsRead = before.records + p.recordsRead;
          job.eventsImported = before.events + p.eventsImported;
          job.recordsPerSecond = seconds > 0 ? Math.round(job.recordsRead / seconds) : 0;
        },
      });
      imported = true;
      input.files = report.files.map((f) => ({
        path: f.path,
        status: f.status,
        sha256: f.sha256,
        parsers: f.parsers,
        recordsTotal: f.recordsTotal,
        recordsOk: f.recordsOk,
        recordsDuplicate: f.recordsDuplicate,
        recordsQuarantined: f.recordsQuarantined,
        message: f.message,
      }));
      input.problems = report.problems;
      input.eventsImported = report.totals.eventsImported;
      input.recordsRead = report.totals.records;
      input.duplicates = report.totals.duplicates;
      input.quarantined = report.totals.quarantined;
      input.bytesRead = Math.max(input.bytesRead, report.totals.bytesRead);
      input.state = report.status === 'cancelled' ? 'cancelled' : report.status === 'failed' ? 'failed' : 'complete';
      // A failed import (disk full, out of memory) says why in one line; what it committed stays.
      if (report.failure) input.message = report.failure;
      job.eventsImported = before.events + report.totals.eventsImported;
    } catch (err) {
      if (err instanceof ImportCancelled) input.state = 'cancelled';
      else {
        input.state = 'failed';
        input.message = err instanceof Error ? err.message : String(err);
      }
    }
  }
  // A cancelled or failed last input skipped the derivation: what did get in still needs identities.
  const last = job.inputs[job.inputs.length - 1];
  if (imported && last && last.state !== 'complete') await deriveIdentities(store, { incremental: true });
}

function find(jobId: string): RunningJob {
  const running = jobs.get(jobId);
  if (!running) throw new CaseError('case_not_found', `no import job ${jobId} (jobs are kept until the app closes)`);
  return running;
}

function snapshot(running: RunningJob): ImportJob {
  const elapsedMs = running.job.state === 'running' ? performance.now() - running.started : running.job.elapsedMs;
  return structuredClone({ ...running.job, elapsedMs });
}

function forgetOldJobs(): void {
  const finished = [...jobs.values()].filter((r) => r.job.state !== 'running');
  for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(old.job.jobId);
}

/** Bytes on disk of a file, or of every file under a folder; 0 when it cannot be read (the import reports why). */
function sizeOf(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .reduce((sum, d) => sum + statSync(join(d.parentPath, d.name)).size, 0);
  } catch {
    return 0;
  }
}
