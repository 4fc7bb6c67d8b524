import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, readSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseError, CaseStore } from '../../main/case-store/case-store';
import { SCHEMA_VERSION } from '../../main/case-store/migrations';
import { caseInfo } from '../../main/case-store/case-info';
import { runDetections } from '../../main/detect/engine';
import { verifyCase } from '../../main/integrity/verify';
import { importBundles } from '../../main/ingest/importer';
import { EXIT } from '../../main/cli/exit-codes';
import { headFilePath } from '../../main/journal/journal-head';
import { readJournal } from '../../main/journal/journal';
import { ctRecord, envelope, gz, jsonLines, records, sha256File, tempDir } from '../helpers/builders';
import { downgradeToSchema3 } from '../helpers/legacy-case';

const ROOT = resolve(__dirname, '../..');

function nhi(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/nhi.mjs'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const count = async (store: CaseStore, sql: string) => ((await store.read<{ n: number }>(sql))[0]?.n ?? 0) as number;

describe('dedupe by content, never by id alone', () => {
  it('keeps a record that claims a known event id with other content, and marks the collision', async () => {
    const dir = tempDir();
    const id = '11111111-2222-4333-8444-555555555555';
    const get = ctRecord(1, { eventID: id });
    const deleteBucket = ctRecord(1, { eventID: id, eventName: 'DeleteBucket', eventSource: 's3.amazonaws.com', readOnly: false });
    writeFileSync(join(dir, 'three.jsonl'), jsonLines([get, deleteBucket, get]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [join(dir, 'three.jsonl')]);
      // Was: 1 event + 2 "duplicates", the DeleteBucket gone.
      expect(report.files[0]).toMatchObject({ recordsTotal: 3, recordsOk: 2, recordsDuplicate: 1 });
      expect(report.totals.idCollisions).toBe(1);
      const events = await store.read<{ event_uid: string; operation: string }>(`SELECT event_uid, operation FROM events ORDER BY record_no`);
      expect(events.map((e) => e.operation)).toEqual(['GetObject', 'DeleteBucket']);
      expect(events[0]!.event_uid).toBe(id);
      expect(events[1]!.event_uid).toMatch(new RegExp(`^${id}~[0-9a-f]{12}$`));
      expect(await store.read(`SELECT record_no, kind, event_uid FROM duplicates`)).toEqual([{ record_no: 3, kind: 'same_record', event_uid: id }]);
      expect((await caseInfo(store)).integrity.idCollisions).toBe(1);

      // A planted record carrying a real event's id, in a later import, hides nothing either.
      const planted = ctRecord(2, { eventID: id, eventName: 'PutBucketPolicy', sourceIPAddress: '203.0.113.66' });
      writeFileSync(join(dir, 'planted.jsonl'), jsonLines([planted]));
      const later = await importBundles(store, [join(dir, 'planted.jsonl')]);
      expect(later.files[0]).toMatchObject({ recordsOk: 1, recordsDuplicate: 0 });
      expect(await count(store, `SELECT count(*)::INTEGER AS n FROM events`)).toBe(3);
      expect(await count(store, `SELECT count(*)::INTEGER AS n FROM id_collisions WHERE claimed_uid = '${id}'`)).toBe(2);

      await runDetections(store);
      expect(await count(store, `SELECT count(*)::INTEGER AS n FROM findings WHERE rule_id = 'event-id-collision'`)).toBeGreaterThan(0);
      const evidence = await store.read<{ event_uid: string }>(
        `SELECT DISTINCT event_uid FROM finding_events WHERE finding_id IN (SELECT finding_id FROM findings WHERE rule_id = 'event-id-collision') ORDER BY 1`,
      );
      expect(evidence.map((e) => e.event_uid)).toEqual(expect.arrayContaining([id, events[1]!.event_uid]));
      expect((await verifyCase(store)).isValid).toBe(true);
    } finally {
      store.close();
    }
  });

  it('takes the same event in another export shape (lookup-events) for a duplicate, and says so', async () => {
    const dir = tempDir();
    const recs = records(0, 4);
    writeFileSync(join(dir, 'a.json'), envelope(recs));
    const lookup = recs.slice(0, 2).map((r) => ({ EventId: r.eventID, EventName: r.eventName, EventTime: r.eventTime, Username: 'backend-svc', CloudTrailEvent: JSON.stringify(r) }));
    writeFileSync(join(dir, 'b.jsonl'), jsonLines(lookup));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [dir]);
      expect(report.totals).toMatchObject({ eventsImported: 4, duplicates: 2, idCollisions: 0 });
      expect(await store.read(`SELECT DISTINCT kind FROM duplicates`)).toEqual([{ kind: 'same_event' }]);
      expect((await verifyCase(store)).isValid).toBe(true);
    } finally {
      store.close();
    }
  });
});

/** A case of three files (gzip envelope, JSON lines, a file with a bad line), its source folder kept. */
async function goodCase(): Promise<{ dir: string; bundle: string; casePath: string }> {
  const dir = tempDir();
  const bundle = join(dir, 'bundle');
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'a.json.gz'), gz(envelope(records(0, 20))));
  writeFileSync(join(bundle, 'b.jsonl'), jsonLines(records(100, 10)));
  writeFileSync(join(bundle, 'c.jsonl'), `${jsonLines(records(200, 3))}{"eventName": broken\n${jsonLines([ctRecord(100)])}`);
  const casePath = join(dir, 'case.duckdb');
  const store = await CaseStore.open(casePath, { create: true });
  await importBundles(store, [bundle]);
  store.close();
  return { dir, bundle, casePath };
}

async function tampered(casePath: string, sql: string[]): Promise<string> {
  const copy = join(tempDir(), 'tampered.duckdb');
  copyFileSync(casePath, copy);
  if (existsSync(headFilePath(casePath))) copyFileSync(headFilePath(casePath), headFilePath(copy));
  const store = await CaseStore.open(copy);
  for (const s of sql) await store.run(s);
  store.close();
  return copy;
}

async function verifyOf(path: string, options: Parameters<typeof verifyCase>[1] = {}) {
  const store = await CaseStore.open(path, { readOnly: true });
  try {
    return await verifyCase(store, options);
  } finally {
    store.close();
  }
}

describe('verify proves the case, from the source log to the journal', () => {
  let base: Awaited<ReturnType<typeof goodCase>>;
  beforeAll(async () => {
    base = await goodCase();
  });

  it('passes on an untouched case: every record of every file is an event, a duplicate or a quarantine row', async () => {
    const report = await verifyOf(base.casePath);
    expect(report.isValid).toBe(true);
    expect(report.isComplete).toBe(true);
    expect(report.recordProblems).toBe(0);
    expect(report.fields.checked).toBe(33);
    expect(report.heads).toEqual([expect.objectContaining({ from: 'head file', check: 'ok' })]);
    const store = await CaseStore.open(base.casePath, { readOnly: true });
    const files = await store.read<{ path_in_bundle: string; records_total: number; records_ok: number; records_duplicate: number; records_quarantined: number; records_root: string }>(
      `SELECT path_in_bundle, records_total, records_ok, records_duplicate, records_quarantined, records_root FROM evidence WHERE kind = 'file' ORDER BY 1`,
    );
    store.close();
    for (const f of files) {
      expect(f.records_ok + f.records_duplicate + f.records_quarantined, f.path_in_bundle).toBe(f.records_total);
      expect(f.records_root).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(files.find((f) => f.path_in_bundle === 'c.jsonl')).toMatchObject({ records_total: 5, records_ok: 3, records_duplicate: 1, records_quarantined: 1 });
  });

  it('names an event whose normalized fields were edited in place (the raw record left alone)', async () => {
    const copy = await tampered(base.casePath, [`UPDATE events SET operation = 'ListBuckets' WHERE record_no = 4 AND evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'b.jsonl')`]);
    const report = await verifyOf(copy, { sources: false });
    expect(report.isValid).toBe(false);
    expect(report.records).toEqual([expect.objectContaining({ path: 'b.jsonl', recordNo: 4, problem: 'fields_edited', detail: expect.stringContaining('operation') })]);
  });

  it('names an event whose raw record was edited', async () => {
    const copy = await tampered(base.casePath, [`UPDATE events SET raw = replace(raw, 'GetObject', 'PutObject') WHERE record_no = 2 AND evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'a.json.gz')`]);
    const report = await verifyOf(copy);
    expect(report.isValid).toBe(false);
    expect(report.records).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'a.json.gz', recordNo: 2, problem: 'raw_edited' })]));
    expect(report.evidence.find((e) => e.path === 'a.json.gz')?.check).toBe('records_differ');
  });

  it('names deleted events by record number even when the manifest counts were shifted to match', async () => {
    const copy = await tampered(base.casePath, [
      `DELETE FROM events WHERE record_no IN (5, 6) AND evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'b.jsonl')`,
      `UPDATE evidence SET records_ok = records_ok - 2, records_total = records_total - 2 WHERE path_in_bundle = 'b.jsonl'`,
    ]);
    const report = await verifyOf(copy);
    expect(report.isValid).toBe(false);
    const deleted = report.records.filter((r) => r.problem === 'deleted');
    expect(deleted.map((r) => [r.path, r.recordNo])).toEqual([
      ['b.jsonl', 5],
      ['b.jsonl', 6],
    ]);
    // Without the source, the Merkle root in the manifest still gives it away, and the journaled manifest too.
    const offline = await verifyOf(copy, { sources: false });
    expect(offline.isValid).toBe(false);
    expect(offline.evidence.find((e) => e.path === 'b.jsonl')?.check).toBe('root_mismatch');
    expect(offline.imports).toEqual([expect.objectContaining({ check: 'manifest_changed' })]);
  });

  it('names reordered and added records', async () => {
    const copy = await tampered(base.casePath, [
      `UPDATE events SET record_no = CASE record_no WHEN 2 THEN 3 ELSE 2 END WHERE record_no IN (2, 3) AND evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'b.jsonl')`,
      `INSERT INTO events SELECT * REPLACE (record_no + 100 AS record_no, event_uid || '-x' AS event_uid) FROM events WHERE record_no = 1 AND evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'a.json.gz')`,
    ]);
    const report = await verifyOf(copy);
    expect(report.isValid).toBe(false);
    const problems = report.records.map((r) => [r.path, r.recordNo, r.problem]);
    expect(problems).toEqual(expect.arrayContaining([['b.jsonl', 2, 'reordered'], ['b.jsonl', 3, 'reordered'], ['a.json.gz', 101, 'added']]));
  });

  it('fails on one flipped byte of the case file, which --deep names by table', async () => {
    const copy = join(tempDir(), 'flipped.duckdb');
    copyFileSync(base.casePath, copy);
    const store = await CaseStore.open(copy, { readOnly: true });
    const [block] = await store.read<{ block_id: number }>(
      `SELECT block_id FROM pragma_storage_info('events') WHERE column_name = 'raw' AND block_id >= 0 ORDER BY block_id LIMIT 1`,
    );
    store.close();
    // DuckDB's file: three 4 KB headers, then 256 KB blocks, each starting with its 8-byte checksum.
    const offset = 3 * 4096 + block!.block_id * 262_144 + 8 + 64;
    const fd = openSync(copy, 'r+');
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, offset);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, offset);
    closeSync(fd);
    const run = nhi('verify', '--case', copy, '--deep');
    expect(run.code).toBe(EXIT.verifyFailed);
    expect(run.stdout).toMatch(/Verify FAILED: the case file is damaged .*checksum/i);
    expect(run.stdout).toMatch(/table events: .*checksum/i);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('catches a journal whose last entries, or all of it, were deleted, against the head kept beside the case', async () => {
    const store = await CaseStore.open(base.casePath);
    await store.transaction(async () => {
      const { appendJournal } = await import('../../main/journal/journal');
      for (const text of ['first look', 'second look', 'third look']) await appendJournal(store, { action: 'note', targetKind: 'case', targetId: 'case', body: { text } }, { inTransaction: true });
    });
    const entries = await readJournal(store);
    store.close();
    const head = JSON.parse(readFileSync(headFilePath(base.casePath), 'utf8')) as { entries: number; head: string };
    expect(head).toMatchObject({ entries: entries.length, head: entries[entries.length - 1]!.hash });

    const truncated = await tampered(base.casePath, [`DELETE FROM journal WHERE seq > ${entries.length - 2}`]);
    const t = await verifyOf(truncated, { sources: false });
    expect(t.journal.ok).toBe(true); // what is left still chains
    expect(t.isValid).toBe(false);
    expect(t.heads).toEqual([expect.objectContaining({ from: 'head file', check: 'not_in_journal' })]);

    const emptied = await tampered(base.casePath, [`DELETE FROM journal`]);
    const e = await verifyOf(emptied, { sources: false });
    expect(e.isValid).toBe(false);
    expect(e.imports.every((i) => i.check === 'not_journaled')).toBe(true);

    // An auditor's head from a report: with the head file gone too, --expect-head still tells.
    rmSync(headFilePath(truncated));
    const run = nhi('verify', '--case', truncated, '--expect-head', `${head.entries}:${head.head}`);
    expect(run.code).toBe(EXIT.verifyFailed);
    expect(run.stdout).toContain('Expected head: NOT IN JOURNAL');
    expect(nhi('verify', '--case', base.casePath, '--expect-head', `${head.entries}:${head.head}`).code).toBe(EXIT.ok);
  });

  it('prints into a closed pipe quietly, with its exit code', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; node ${join(ROOT, 'bin/nhi.mjs')} verify --case ${base.casePath} --json | head -c 10 >/dev/null`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });
});

describe('bad input loses nothing', () => {
  const importDir = async (dir: string) => {
    const store = await CaseStore.open(join(tempDir(), 'case.duckdb'), { create: true });
    const report = await importBundles(store, [dir]);
    return { store, report };
  };

  it('keeps every record of a .json.gz followed by trailing bytes, and quarantines the bytes with their position', async () => {
    for (const [n, tail] of [
      [10, Buffer.from('GARBAGE\n')],
      [20_000, Buffer.from('x'.repeat(70))],
    ] as const) {
      const dir = tempDir();
      const body = gz(jsonLines(records(0, n)));
      writeFileSync(join(dir, 'tail.json.gz'), Buffer.concat([body, tail]));
      const { store, report } = await importDir(dir);
      try {
        // Was: "0 events from 0 files" for 10 records; 186 records of 20,000 uncounted.
        expect(report.files[0]).toMatchObject({ recordsTotal: n, recordsOk: n });
        const [q] = await store.read<{ reason: string; message: string; byte_offset: number }>(`SELECT reason, message, byte_offset FROM quarantine`);
        expect(q).toMatchObject({ reason: 'trailing_data' });
        expect(q!.message).toContain(`at byte ${body.length} of the stored file`);
        expect((await verifyCase(store)).isValid).toBe(true);
      } finally {
        store.close();
      }
    }
  });

  it('reads concatenated gzip members and a file gzipped twice', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'members.json.gz'), Buffer.concat([gzipSync(jsonLines(records(0, 5))), gzipSync(jsonLines(records(5, 5)))]));
    writeFileSync(join(dir, 'twice.json.gz.gz'), gzipSync(gzipSync(jsonLines(records(20, 4)))));
    const { store, report } = await importDir(dir);
    try {
      expect(report.totals).toMatchObject({ eventsImported: 14, quarantined: 0 });
      expect(await store.read(`SELECT path_in_bundle, compression FROM evidence ORDER BY 1`)).toEqual([
        { path_in_bundle: 'members.json.gz', compression: 'gzip' },
        { path_in_bundle: 'twice.json.gz.gz', compression: 'gzip+gzip' },
      ]);
    } finally {
      store.close();
    }
  });

  it('reports links and pipes in a folder instead of following or blocking on them, and puts them in the manifest', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real.jsonl'), jsonLines(records(0, 3)));
    const outside = join(tempDir(), 'outside.jsonl');
    writeFileSync(outside, jsonLines(records(50, 2)));
    symlinkSync(outside, join(dir, 'link.jsonl'));
    execFileSync('mkfifo', [join(dir, 'pipe.jsonl')]);
    const { store, report } = await importDir(dir);
    try {
      expect(report.totals.eventsImported).toBe(3);
      const rows = await store.read<{ path_in_bundle: string; status: string; reason: string | null }>(
        `SELECT e.path_in_bundle, e.status, q.reason FROM evidence e LEFT JOIN quarantine q USING (evidence_id) ORDER BY 1`,
      );
      expect(rows).toEqual([
        { path_in_bundle: 'link.jsonl', status: 'not_read', reason: 'not_a_file' },
        { path_in_bundle: 'pipe.jsonl', status: 'not_read', reason: 'not_a_file' },
        { path_in_bundle: 'real.jsonl', status: 'complete', reason: null },
      ]);
      expect((await caseInfo(store)).integrity.notRead).toBe(2);
      expect((await verifyCase(store)).isValid).toBe(true);
    } finally {
      store.close();
    }
  });

  it('refuses overlapping zip entries that would expand one stream many times', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'overlap.zip'), overlappingZip(jsonLines(records(0, 50)), 40));
    const { store, report } = await importDir(dir);
    try {
      expect(report.totals.eventsImported).toBe(0);
      expect(await count(store, `SELECT count(*)::INTEGER AS n FROM quarantine WHERE reason = 'overlapping_entries'`)).toBe(40);
    } finally {
      store.close();
    }
  });

  it('reads UTF-16 text without a byte-order mark', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'utf16.jsonl'), Buffer.from(jsonLines(records(0, 3)), 'utf16le'));
    const { store, report } = await importDir(dir);
    try {
      expect(report.totals).toMatchObject({ eventsImported: 3, quarantined: 0 });
    } finally {
      store.close();
    }
  });
});

/** A zip whose central directory lists `copies` members that all point at one local entry. */
function overlappingZip(text: string, copies: number): Buffer {
  const data = Buffer.from(text);
  const deflated = deflateRawSync(data);
  const crc = crc32(data);
  const name = Buffer.from('m.json');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const body = Buffer.concat([local, name, deflated]);
  const central: Buffer[] = [];
  for (let i = 0; i < copies; i++) {
    const member = Buffer.from(`m${String(i).padStart(3, '0')}.json`);
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(20, 6);
    h.writeUInt16LE(8, 10);
    h.writeUInt32LE(crc, 16);
    h.writeUInt32LE(deflated.length, 20);
    h.writeUInt32LE(data.length, 24);
    h.writeUInt16LE(member.length, 28);
    h.writeUInt32LE(0, 42);
    central.push(h, member);
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(copies, 8);
  end.writeUInt16LE(copies, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, cd, end]);
}

describe('honest outcomes', () => {
  it('records a failed import as failed with the reason, and the CLI says it in one line with its own code', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.jsonl'), jsonLines(records(0, 30_000)));
    const casePath = join(dir, 'case.duckdb');
    const run = nhi('import', join(dir, 'a.jsonl'), '--case', casePath, '--memory-limit', '8MB');
    expect(run.code).toBe(EXIT.importFailed);
    expect(run.stderr).toMatch(/^nhi: the import failed: DuckDB ran out of memory/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const store = await CaseStore.open(casePath, { readOnly: true });
    try {
      expect(await store.read(`SELECT status FROM imports`)).toEqual([{ status: 'failed' }]);
      expect((await readJournal(store)).map((e) => [e.action, e.body.status])).toEqual([['import', 'failed']]);
    } finally {
      store.close();
    }
  });

  it('closes a killed import as interrupted on the next write, journals it, and removes its spill files; reading changes nothing', async () => {
    const dir = tempDir();
    const casePath = join(dir, 'case.duckdb');
    const store = await CaseStore.open(casePath, { create: true });
    await store.run(`INSERT INTO imports (import_id, started_at, tool_version, inputs, status) VALUES (7, now()::TIMESTAMP, '0.1.0', '[]', 'running')`);
    store.close();
    mkdirSync(`${casePath}.tmp`);
    writeFileSync(`${casePath}.tmp/duckdb_temp_storage-0.tmp`, Buffer.alloc(1024));
    const before = sha256File(casePath);
    (await CaseStore.open(casePath, { readOnly: true })).close();
    expect(sha256File(casePath)).toBe(before);
    const writer = await CaseStore.open(casePath);
    try {
      expect(await writer.read(`SELECT status, failure IS NOT NULL AS has_reason FROM imports`)).toEqual([{ status: 'interrupted', has_reason: true }]);
      expect((await readJournal(writer)).map((e) => [e.action, e.body.status])).toEqual([['import', 'interrupted']]);
      expect(existsSync(`${casePath}.tmp`)).toBe(false);
    } finally {
      writer.close();
    }
  });
});

describe('implausible times', () => {
  it('flags events dated 9999 or before 2000, keeps them out of the case span and the baselines, and raises a finding', async () => {
    const dir = tempDir();
    const normal = Array.from({ length: 40 }, (_, i) => ctRecord(i, { eventTime: new Date(Date.UTC(2026, 2, 1) + i * 86_400_000 / 2).toISOString().replace('.000Z', 'Z') }));
    writeFileSync(join(dir, 'normal.jsonl'), jsonLines(normal));
    const baselineStore = await CaseStore.open(join(dir, 'normal.duckdb'), { create: true });
    await importBundles(baselineStore, [join(dir, 'normal.jsonl')]);
    const baselines = await count(baselineStore, `SELECT count(*)::INTEGER AS n FROM identity_baselines`);
    baselineStore.close();
    expect(baselines).toBeGreaterThan(0);

    writeFileSync(join(dir, 'odd.jsonl'), jsonLines([ctRecord(900, { eventTime: '9999-12-31T23:59:59Z' }), ctRecord(901, { eventTime: '1969-07-20T20:17:40Z' })]));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    try {
      const report = await importBundles(store, [join(dir, 'normal.jsonl'), join(dir, 'odd.jsonl')]);
      expect(report.totals).toMatchObject({ eventsImported: 42, implausibleTimes: 2 });
      expect(await store.read(`SELECT time_flag, count(*)::INTEGER AS n FROM events WHERE time_flag IS NOT NULL GROUP BY ALL ORDER BY 1`)).toEqual([
        { time_flag: 'after_import', n: 1 },
        { time_flag: 'before_earliest', n: 1 },
      ]);
      const info = await caseInfo(store);
      expect(info.timeRange.last!.startsWith('2026-')).toBe(true);
      expect(info.timeRange.first!.startsWith('2026-')).toBe(true);
      // Was: one event dated 9999 emptied every baseline.
      expect(await count(store, `SELECT count(*)::INTEGER AS n FROM identity_baselines`)).toBe(baselines);
      await runDetections(store);
      expect(await count(store, `SELECT sum(event_count)::INTEGER AS n FROM findings WHERE rule_id = 'implausible-time'`)).toBe(2);
    } finally {
      store.close();
    }
  });
});

describe('cases are opened, not changed', () => {
  it('says a text file or a damaged file is not a case, never that it is open elsewhere', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.duckdb'), 'just some text, not a database\n');
    await expect(CaseStore.open(join(dir, 'notes.duckdb'))).rejects.toMatchObject({ code: 'not_a_case', message: expect.stringContaining('not a DuckDB database') });
    const { casePath } = await goodCase();
    const damaged = join(dir, 'damaged.duckdb');
    const bytes = readFileSync(casePath);
    bytes.fill(0x5a, 4096, 3 * 4096); // both database headers
    writeFileSync(damaged, bytes);
    const err = await CaseStore.open(damaged, { readOnly: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaseError);
    expect((err as CaseError).code).toBe('case_damaged');
    expect((err as CaseError).message).not.toMatch(/another process/);
  });

  it('refuses a named pipe at once instead of hanging', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe.duckdb')]);
    const { handleApiCall } = await import('../../main/api/services');
    const started = Date.now();
    const answer = await handleApiCall('case.open', { casePath: join(dir, 'pipe.duckdb') });
    expect(answer).toMatchObject({ ok: false, error: { code: 'case_error', message: expect.stringContaining('named pipe') } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('never migrates an older case on open; upgrade keeps a backup, journals it, and verify holds', async () => {
    const { casePath } = await goodCase();
    await downgradeToSchema3(casePath);
    rmSync(headFilePath(casePath));
    const before = sha256File(casePath);
    const { handleApiCall } = await import('../../main/api/services');
    const context = { allowedCases: new Set<string>() };
    expect(await handleApiCall('case.open', { casePath }, context)).toMatchObject({ ok: false, error: { code: 'case_needs_upgrade' } });
    expect(nhi('info', '--case', casePath)).toMatchObject({ code: EXIT.caseError, stderr: expect.stringContaining('nhi upgrade --case') });
    expect(sha256File(casePath)).toBe(before);

    const upgraded = await handleApiCall('case.upgrade', { casePath }, context);
    expect(upgraded).toMatchObject({ ok: true, value: { from: 3, to: SCHEMA_VERSION, info: { schemaVersion: SCHEMA_VERSION, events: 33 } } });
    const { backup, backupSha256 } = (upgraded as { value: { backup: string; backupSha256: string } }).value;
    expect(sha256File(backup)).toBe(before);
    expect(backupSha256).toBe(before);
    const report = await verifyOf(casePath);
    expect(report.isValid).toBe(true);
    const store = await CaseStore.open(casePath, { readOnly: true });
    expect((await readJournal(store)).map((e) => e.action)).toEqual(['case_upgraded']);
    store.close();
  });
});
