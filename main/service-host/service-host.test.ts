import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../shared/api';
import { tempDir } from '../../test/helpers/builders';
import { serviceRouter } from '../electron/service-router';
import { ServiceClient } from './client';
import type { FromHost, ToHost } from './protocol';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'fixtures/incident-0214/bundle.zip');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

/** The host in a process of its own, as the desktop app starts it (here forked by Node, not Electron). */
function startHost(allowedCases: string[], printPdf?: (html: string) => Promise<Buffer>) {
  const child = fork(join(__dirname, 'entry.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const client = new ServiceClient(
    {
      post: (message: ToHost) => void child.send(message),
      onMessage: (listener) => child.on('message', (message) => listener(message as FromHost)),
      onExit: (listener) => child.on('exit', (code) => listener(code)),
    },
    { allowedCases, recentFile: join(tempDir(), 'recent.json'), electronVersion: '45.0.0' },
    printPdf,
  );
  return { child, client };
}

const value = <T>(result: ApiResult<unknown>): T => {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
};

describe('the case service in its own process', () => {
  it('answers the typed API: a case imported and queried there, bad requests and unnamed cases refused', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const { child, client } = startHost([]);
    expect(child.pid).not.toBe(process.pid);
    expect(value<{ electron: string | null }>(await client.call('app.version', {})).electron).toBe('45.0.0');

    // Not named by the user: refused, as in the app's own process.
    const refused = await client.call('case.info', { casePath });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await client.call('events.query', { casePath, filter: { nope: 1 } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await client.call('no.such.method', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } });

    value(await client.call('case.create', { casePath }));
    const job = value<{ jobId: string }>(await client.call('import.start', { casePath, inputs: [FIXTURE] }));
    let status: { state: string } = { state: 'waiting' };
    for (let i = 0; i < 600 && (status.state === 'waiting' || status.state === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = value(await client.call('import.status', { jobId: job.jobId }));
    }
    expect(status.state).toBe('complete');
    const page = value<{ total: number }>(await client.call('events.query', { casePath, filter: {}, offset: 0, limit: 10 }));
    expect(page.total).toBeGreaterThan(5000);
  });

  it('asks the main process to print a PDF report, and takes cases granted by its dialogs', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const printed: string[] = [];
    const { client } = startHost([], async (html) => {
      printed.push(html);
      return Buffer.from('%PDF-1.7 printed by the main process');
    });
    // A case picked in the open dialog: the main process answers the dialog and grants the case.
    const route = serviceRouter(client, { dialogs: { openCase: async () => casePath, newCase: async () => null, pickEvidence: async () => [] } });
    expect(await client.call('case.info', { casePath })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(value(await route('dialog.openCase', {}))).toBe(casePath);
    value(await route('case.create', { casePath }));
    const saved = value<{ path: string }>(await route('report.save', { casePath, out: 'report.pdf' }));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('<html');
    expect(existsSync(saved.path)).toBe(true);
    expect(readFileSync(saved.path, 'latin1')).toBe('%PDF-1.7 printed by the main process');
  });

  it('answers every waiting and later call with an error when the service dies, instead of hanging', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const { child, client } = startHost([casePath]);
    value(await client.call('case.create', { casePath }));
    const job = value<{ jobId: string }>(await client.call('import.start', { casePath, inputs: [FIXTURE] }));
    const waiting = client.call('import.status', { jobId: job.jobId });
    child.kill('SIGKILL');
    const stopped = { ok: false, error: { code: 'internal', message: expect.stringContaining('the case service stopped') } };
    // The status call may have been answered just before the kill; either way it resolves.
    const status = await waiting;
    if (!status.ok) expect(status).toMatchObject(stopped);
    expect(await client.call('case.info', { casePath })).toMatchObject(stopped);
    await client.shutdown();
  }, 20_000);

  it('closes every case on shutdown, so the app can quit with nothing half-written', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const { client } = startHost([casePath]);
    value(await client.call('case.create', { casePath }));
    await client.shutdown();
    // The host let the case go: this process can open it for writing.
    const { CaseStore } = await import('../case-store/case-store');
    const store = await CaseStore.open(casePath);
    store.close();
  });
});
