import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/builders';
import { overrideIdentity } from '../analytics/profile';
import { CaseStore } from '../case-store/case-store';
import { runDetections, listFindings } from '../detect/engine';
import { importBundles } from '../ingest/importer';
import { GENESIS, appendJournal, canonicalJson, findingStatuses, readJournal, verifyJournal } from './journal';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'bin/nhi.mjs');
const nhi = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NHI_ANALYST: 'kim' } });

describe('the hash-chained journal', () => {
  let casePath: string;
  let findingId: string;

  beforeAll(async () => {
    casePath = join(tempDir(), 'journal.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
    await runDetections(store);
    findingId = (await listFindings(store))[0]!.findingId;
    store.close();
  });

  it('serializes content canonically: key order does not change the text', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('appends from the CLI and the app alike, each entry linked to the one before, and verify holds', async () => {
    expect(nhi('note', '--case', casePath, '--finding', findingId, '--text', 'copied to an outside account <script>').status).toBe(0);
    expect(nhi('tag', '--case', casePath, '--event', 'ee28d95a-16c7-4da9-92e3-10378b7c872c', '--tag', 'recon').status).toBe(0);
    expect(nhi('finding-status', '--case', casePath, findingId, 'confirmed', '--note', 'matches the bucket policy change').status).toBe(0);
    expect(nhi('finding-status', '--case', casePath, '0123456789abcdef', 'confirmed').status).toBe(2);
    const store = await CaseStore.open(casePath);
    await overrideIdentity(store, { uid: 'arn:aws:iam::111111111111:user/alice', isNhi: true, type: 'service_account', reason: 'a reporting script', analyst: 'lee' });
    const entries = await readJournal(store);
    // The import that made the case comes first: its entry fixes the evidence manifest.
    expect(entries.map((e) => [e.seq, e.action, e.action === 'import' ? 'import' : e.author])).toEqual([
      [1, 'import', 'import'],
      [2, 'note', 'kim'],
      [3, 'tag', 'kim'],
      [4, 'finding_status', 'kim'],
      [5, 'classification_override', 'lee'],
    ]);
    expect(entries[0]!.prevHash).toBe(GENESIS);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    expect((await findingStatuses(store)).get(findingId)).toBe('confirmed');
    const verdict = await verifyJournal(store);
    expect(verdict).toMatchObject({ ok: true, entries: 5, head: entries[4]!.hash, broken: null });
    store.close();
    const run = nhi('verify', '--case', casePath);
    expect(run.stdout).toContain(`Journal OK: 5 entries, head 5:${entries[4]!.hash}`);
  });

  it.each([
    ['an edited body', `UPDATE journal SET body = '{"text":"nothing to see"}' WHERE seq = 1`, 1, 'edited'],
    ['an edited author', `UPDATE journal SET author = 'mallory' WHERE seq = 3`, 3, 'edited'],
    ['a deleted entry', `DELETE FROM journal WHERE seq = 2`, 2, 'missing'],
    ['a rewritten hash', `UPDATE journal SET hash = repeat('a', 64) WHERE seq = 2`, 2, 'edited'],
  ])('catches %s at the first broken entry, in verify too', async (_what, tamper, seq, problem) => {
    const copy = join(tempDir(), 'tampered.duckdb');
    copyFileSync(casePath, copy);
    const store = await CaseStore.open(copy);
    await store.run(tamper);
    const verdict = await verifyJournal(store);
    store.close();
    expect(verdict.ok).toBe(false);
    expect(verdict.broken).toMatchObject({ seq, problem });
    const run = nhi('verify', '--case', copy);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`Journal BROKEN at entry #${seq} (${problem})`);
  });

  it('an entry written inside a failed transaction disappears with it', async () => {
    const copy = join(tempDir(), 'rollback.duckdb');
    copyFileSync(casePath, copy);
    const store = await CaseStore.open(copy);
    await expect(
      store.transaction(async () => {
        await appendJournal(store, { action: 'bookmark', targetKind: 'event', targetId: 'x' }, { inTransaction: true });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await readJournal(store)).length).toBe(5);
    expect((await verifyJournal(store)).ok).toBe(true);
    store.close();
  });
});
