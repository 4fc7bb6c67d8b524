import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiResult, ImportJob } from '../../shared/api';
import { SCHEMA_VERSION } from '../case-store/migrations';
import { tempDir } from '../../test/helpers/builders';
import { CasePool } from './case-pool';
import { settleImportJobs } from './import-jobs';
import { type ServiceContext, handleApiCall } from './services';

const ROOT = resolve(__dirname, '../..');
const INCIDENT = join(ROOT, 'fixtures/incident-0214/bundle.zip');
const MIXED = join(ROOT, 'fixtures/mixed-story/bundle.tar.gz');

async function ok<T>(result: Promise<ApiResult<unknown>>): Promise<T> {
  const r = await result;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function finished(jobId: string, context: ServiceContext): Promise<ImportJob> {
  for (;;) {
    const job = await ok<ImportJob>(handleApiCall('import.status', { jobId }, context));
    if (job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cases and imports from the app', () => {
  const pool = new CasePool();
  const context: ServiceContext = { allowedCases: new Set(), pool, recentFile: join(tempDir(), 'recent.json') };
  afterAll(async () => {
    await settleImportJobs({ cancel: true });
    await pool.closeAll();
  });

  it('creates a case once, refuses to create it again, and remembers it', async () => {
    const casePath = join(tempDir(), 'new.duckdb');
    const info = await ok<{ events: number; schemaVersion: number }>(handleApiCall('case.create', { casePath }, context));
    expect(info).toMatchObject({ events: 0, schemaVersion: SCHEMA_VERSION });
    const again = await handleApiCall('case.create', { casePath }, context);
    expect(again).toMatchObject({ ok: false, error: { code: 'file_exists' } });
    expect((await handleApiCall('case.create', { casePath: join(tempDir(), 'no-extension') }, context)).ok).toBe(false);
    const recent = await ok<{ path: string; exists: boolean }[]>(handleApiCall('cases.recent', {}, context));
    expect(recent[0]).toMatchObject({ path: casePath, exists: true });
  });

  it('imports file by file with progress, stays readable meanwhile, refuses a second import and the SQL console until done', async () => {
    const casePath = join(tempDir(), 'import.duckdb');
    const outsider = join(tempDir(), 'not-opened.duckdb');
    expect(await handleApiCall('import.start', { casePath: outsider, inputs: [INCIDENT] }, context)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await ok(handleApiCall('case.create', { casePath }, context));
    const started = await ok<ImportJob>(handleApiCall('import.start', { casePath, inputs: [INCIDENT, MIXED, join(tempDir(), 'missing.zip')] }, context));
    expect(started.state).toBe('running');
    expect(started.inputs.slice(1).map((i) => i.state)).toEqual(['waiting', 'waiting']);
    expect(started.bytesTotal).toBeGreaterThan(0);
    // While it runs: reads work (committed batches only), a second import and analyst SQL are refused.
    const during = await handleApiCall('events.query', { casePath, filter: {}, offset: 0, limit: 10 }, context);
    expect(during.ok).toBe(true);
    expect(await handleApiCall('import.start', { casePath, inputs: [INCIDENT] }, context)).toMatchObject({ ok: false, error: { code: 'case_busy' } });
    expect(await handleApiCall('sql.query', { casePath, sql: 'SELECT 1' }, context)).toMatchObject({ ok: false, error: { code: 'case_busy' } });
    const job = await finished(started.jobId, context);
    expect(job.state).toBe('complete');
    expect(job.inputs.map((i) => i.state)).toEqual(['complete', 'complete', 'complete']);
    expect(job.inputs[0]).toMatchObject({ eventsImported: 5_373, duplicates: 6, quarantined: 0 });
    expect(job.inputs[0]!.files.filter((f) => f.sha256 && /^[0-9a-f]{64}$/.test(f.sha256)).length).toBeGreaterThan(300);
    expect(job.inputs[1]!.eventsImported).toBeGreaterThan(0);
    expect(job.inputs[2]!.problems[0]).toMatchObject({ code: 'unreadable' });
    expect(job.eventsImported).toBe(job.inputs[0]!.eventsImported + job.inputs[1]!.eventsImported);
    expect(job.recordsPerSecond).toBeGreaterThan(0);
    const info = await ok<{ events: number; identities: { machines: number } }>(handleApiCall('case.info', { casePath }, context));
    expect(info.events).toBe(job.eventsImported);
    expect(info.identities.machines).toBeGreaterThan(9);
    // Done: the read-only SQL console opens again.
    expect((await handleApiCall('sql.query', { casePath, sql: 'SELECT count(*) AS n FROM events' }, context)).ok).toBe(true);
  });

  it('cancels at a batch boundary and leaves a consistent case with its identities derived', async () => {
    const casePath = join(tempDir(), 'cancel.duckdb');
    await ok(handleApiCall('case.create', { casePath }, context));
    const started = await ok<ImportJob>(handleApiCall('import.start', { casePath, inputs: [MIXED, INCIDENT] }, context));
    await ok(handleApiCall('import.cancel', { jobId: started.jobId }, context));
    const job = await finished(started.jobId, context);
    expect(job.state).toBe('cancelled');
    expect(job.inputs[1]!.state).toBe('cancelled');
    const [counts] = await pool.read(casePath, (store) =>
      store.read<{ events: number; recorded: number; incomplete: number; unclassified: number }>(
        `SELECT (SELECT count(*) FROM events)::INTEGER AS events,
                (SELECT coalesce(sum(records_ok), 0) FROM evidence WHERE kind = 'file')::INTEGER AS recorded,
                (SELECT count(*) FROM evidence WHERE status <> 'complete')::INTEGER AS incomplete,
                (SELECT count(DISTINCT actor_uid) FROM events WHERE actor_uid NOT IN (SELECT uid FROM identities))::INTEGER AS unclassified`,
      ),
    );
    // Whatever got in is whole: every event belongs to a complete file, and every actor has an identity.
    expect(counts!.events).toBe(counts!.recorded);
    expect(counts!.incomplete).toBe(0);
    expect(counts!.unclassified).toBe(0);
  });

  it('answers a typed error for an unknown job', async () => {
    expect(await handleApiCall('import.status', { jobId: '0123456789abcdef' }, context)).toMatchObject({ ok: false, error: { code: 'case_not_found' } });
    expect(await handleApiCall('import.status', { jobId: '../etc' }, context)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
