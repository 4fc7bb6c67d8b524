import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { importBundles } from '../../main/ingest/importer';
import { verifyCase } from '../../main/integrity/verify';
import { ctRecord, envelope, fingerprint, gz, jsonLines, records, tarball, tempDir, zip, zipWithRawNames } from '../helpers/builders';

const open: CaseStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

async function newCase(): Promise<CaseStore> {
  const store = await CaseStore.open(join(tempDir('case-'), 'case.duckdb'), { create: true });
  open.push(store);
  return store;
}

const count = async (store: CaseStore, sql: string) => ((await store.read<{ n: number }>(sql))[0]?.n ?? -1);

describe('importing CloudTrail bundles', () => {
  it('imports every export shape of CloudTrail with normalized fields and verbatim raw records', async () => {
    const dir = tempDir();
    const delivery = envelope(records(0, 3));
    writeFileSync(join(dir, 'delivery.json.gz'), gz(delivery));
    writeFileSync(join(dir, 'array.json'), JSON.stringify(records(3, 2), null, 2));
    writeFileSync(join(dir, 'lines.jsonl'), jsonLines(records(5, 2)));
    const lookup = records(7, 2).map((r) => ({ EventId: r.eventID, EventName: r.eventName, CloudTrailEvent: JSON.stringify(r) }));
    writeFileSync(join(dir, 'lookup.json'), JSON.stringify({ Events: lookup, NextToken: 'x' }, null, 1));
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.totals).toMatchObject({ files: 4, records: 9, eventsImported: 9, quarantined: 0, duplicates: 0 });
    const formats = Object.fromEntries(report.files.map((f) => [f.path, f.format]));
    expect(formats).toEqual({ 'array.json': 'json-array', 'delivery.json.gz': 'json-envelope', 'lines.jsonl': 'json-lines', 'lookup.json': 'json-envelope' });

    const [first] = await store.read(
      `SELECT event_uid, strftime(time, '%Y-%m-%dT%H:%M:%S.%fZ') AS time, actor_uid, actor_type, session_uid, credential_uid, operation, service,
         category, resource_uid, resource_type, boundary, actor_boundary, src_ip, status, bytes_out, raw, byte_offset
       FROM events WHERE event_uid = $id`,
      { id: ctRecord(0).eventID as string },
    );
    expect(first).toMatchObject({
      time: '2026-03-16T12:00:00.000000Z',
      actor_uid: 'arn:aws:iam::111111111111:role/backend-svc',
      actor_type: 'assumed_role',
      session_uid: 'arn:aws:sts::111111111111:assumed-role/backend-svc/i-0abc',
      credential_uid: 'ASIAEXAMPLE0001',
      operation: 'GetObject',
      service: 's3',
      category: 'read',
      resource_uid: 'arn:aws:s3:::acme-prod-data/exports/part-0.parquet',
      resource_type: 'AWS::S3::Object',
      boundary: '111111111111',
      actor_boundary: '111111111111',
      status: 'success',
      bytes_out: 1000,
    });
    // The raw record is the exact byte slice of the evidence file at the recorded offset.
    const row = first as { raw: string; byte_offset: number };
    expect(Buffer.from(delivery).subarray(row.byte_offset, row.byte_offset + Buffer.byteLength(row.raw)).toString()).toBe(row.raw);
    // lookup-events keeps the outer record as raw and maps the inner CloudTrailEvent.
    const [lookupRow] = await store.read<{ raw: string; actor_uid: string }>(`SELECT raw, actor_uid FROM events WHERE event_uid = $id`, {
      id: ctRecord(7).eventID as string,
    });
    expect(JSON.parse(lookupRow!.raw)).toHaveProperty('CloudTrailEvent');
    expect(lookupRow!.actor_uid).toBe('arn:aws:iam::111111111111:role/backend-svc');
    const resources = await store.read(`SELECT resource_uid, role, boundary FROM event_resources WHERE event_uid = $id ORDER BY role`, {
      id: ctRecord(0).eventID as string,
    });
    expect(resources).toEqual([
      { resource_uid: 'arn:aws:s3:::acme-prod-data', role: 'container', boundary: '111111111111' },
      { resource_uid: 'arn:aws:s3:::acme-prod-data/exports/part-0.parquet', role: 'primary', boundary: '111111111111' },
    ]);
  });

  it('keeps sub-second precision and converts zoned times to UTC', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'times.jsonl'),
      jsonLines([ctRecord(1, { eventTime: '2026-03-17T02:14:05.123456Z' }), ctRecord(2, { eventTime: '2026-03-17T04:14:05.5+02:00' })]),
    );
    const store = await newCase();
    await importBundles(store, [dir]);
    const times = await store.read<{ t: string }>(`SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%fZ') AS t FROM events ORDER BY record_no`);
    expect(times.map((r) => r.t)).toEqual(['2026-03-17T02:14:05.123456Z', '2026-03-17T02:14:05.500000Z']);
  });

  it('adds nothing when the same file is imported twice, and no duplicate events from overlapping bundles', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), envelope(records(0, 10)));
    const store = await newCase();
    await importBundles(store, [join(dir, 'a.json')]);
    const again = await importBundles(store, [join(dir, 'a.json')]);
    expect(again.files[0]).toMatchObject({ status: 'duplicate', recordsOk: 0 });
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM evidence`)).toBe(1);

    const overlap = join(dir, 'overlap.jsonl');
    writeFileSync(overlap, jsonLines([...records(5, 10), ctRecord(14)]));
    const report = await importBundles(store, [overlap]);
    expect(report.files[0]).toMatchObject({ status: 'imported', recordsTotal: 11, recordsOk: 5, recordsDuplicate: 6 });
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM events`)).toBe(15);
    expect(await count(store, `SELECT count(DISTINCT event_uid)::INTEGER AS n FROM events`)).toBe(15);
    expect((await verifyCase(store)).isValid).toBe(true);
  });

  // Batches of 25 records: about 17 of them, each parsed while the one before is written, so a
  // copy or an overlap lands in a batch that is parsed before its original has committed.
  it.each([{ batchRecords: undefined }, { batchRecords: 25 }])('commits many small files as whole files, each with its own counts, hashes and quarantine rows (batch of $batchRecords records)', async ({ batchRecords }) => {
    // CloudTrail delivers a small file every five minutes: these commit in batches, and nothing
    // of one file may be counted against, or quarantined under, another.
    const dir = tempDir();
    const texts: Record<string, string> = {};
    for (let f = 0; f < 40; f++) texts[`f${String(f).padStart(2, '0')}.json`] = envelope(records(f * 10, 10));
    texts['g-copy.json'] = texts['f07.json']!; // the same bytes as another file
    texts['h-overlap.jsonl'] = jsonLines([...records(395, 10)]); // 5 seen in f39, 5 new
    texts['i-bad.jsonl'] = `${JSON.stringify(ctRecord(900))}\n{"eventName":\n${JSON.stringify(ctRecord(901))}\n`;
    texts['j-repeat.jsonl'] = jsonLines([ctRecord(950), ctRecord(950), ctRecord(951)]);
    for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
    const store = await newCase();
    const report = await importBundles(store, [dir], batchRecords ? { batchRecords } : {});

    const byName = new Map(report.files.map((f) => [f.path, f]));
    expect(byName.get('f07.json')).toMatchObject({ status: 'imported', recordsOk: 10 });
    expect(byName.get('g-copy.json')).toMatchObject({ status: 'duplicate', recordsOk: 0, evidenceId: byName.get('f07.json')!.evidenceId });
    expect(byName.get('h-overlap.jsonl')).toMatchObject({ status: 'imported', recordsTotal: 10, recordsOk: 5, recordsDuplicate: 5 });
    expect(byName.get('i-bad.jsonl')).toMatchObject({ recordsTotal: 3, recordsOk: 2, recordsQuarantined: 1 });
    expect(byName.get('j-repeat.jsonl')).toMatchObject({ recordsTotal: 3, recordsOk: 2, recordsDuplicate: 1 });
    expect(report.totals.eventsImported).toBe(400 + 5 + 2 + 2);

    const rows = await store.read<{ path: string; sha256: string; records_ok: number; events: number; quarantined: number }>(`
      SELECT path_in_bundle AS path, sha256, records_ok,
        (SELECT count(*) FROM events e WHERE e.evidence_id = v.evidence_id)::BIGINT AS events,
        (SELECT count(*) FROM quarantine q WHERE q.evidence_id = v.evidence_id)::BIGINT AS quarantined
      FROM evidence v WHERE kind = 'file' ORDER BY path`);
    expect(rows).toHaveLength(43);
    for (const row of rows) {
      const name = row.path.split('/').pop()!;
      expect(row.sha256, name).toBe(createHash('sha256').update(texts[name]!).digest('hex'));
      expect(row.events, name).toBe(row.records_ok);
      expect(row.quarantined, name).toBe(name === 'i-bad.jsonl' ? 1 : 0);
    }
    // Every event points at the record it came from: its raw text is that line of that file.
    const sample = await store.read<{ path: string; byte_offset: number; raw: string }>(`
      SELECT v.path_in_bundle AS path, e.byte_offset, e.raw FROM events e JOIN evidence v USING (evidence_id)
      WHERE e.event_uid IN (SELECT event_uid FROM events USING SAMPLE 25 ROWS)`);
    for (const s of sample) {
      const text = texts[s.path.split('/').pop()!]!;
      expect(Buffer.from(text).subarray(s.byte_offset, s.byte_offset + Buffer.byteLength(s.raw)).toString()).toBe(s.raw);
    }
    expect((await verifyCase(store)).isValid).toBe(true);
  });

  it('finds a copy and an overlap of a batch still being written when the next batch is parsed', async () => {
    // Batches of 25 records: a1–a3 make one, b1–b3 the next. b2 repeats a3's bytes and b3 five of
    // a2's events: the second batch is parsed while the first commits, and must write after it.
    const dir = tempDir();
    const texts: Record<string, string> = {
      'a1.json': envelope(records(0, 10)),
      'a2.json': envelope(records(10, 10)),
      'a3.json': envelope(records(20, 10)),
      'b1.json': envelope(records(30, 10)),
      'b3.jsonl': jsonLines([...records(15, 5), ...records(40, 5)]),
    };
    texts['b2.json'] = texts['a3.json']!;
    for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
    const store = await newCase();
    const report = await importBundles(store, [dir], { batchRecords: 25 });
    const byName = new Map(report.files.map((f) => [f.path, f]));
    expect(byName.get('b2.json')).toMatchObject({ status: 'duplicate', evidenceId: byName.get('a3.json')!.evidenceId });
    expect(byName.get('b3.jsonl')).toMatchObject({ status: 'imported', recordsOk: 5, recordsDuplicate: 5 });
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM events`)).toBe(45);
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM evidence`)).toBe(5);
    // Evidence ids follow the order the files were walked in, as with one batch at a time.
    const ids = ['a1.json', 'a2.json', 'a3.json', 'b1.json', 'b3.jsonl'].map((n) => byName.get(n)!.evidenceId!);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect((await verifyCase(store)).isValid).toBe(true);
  });

  it('writes a file bigger than the staging budget in parts, in one transaction, with every count right', async () => {
    // ~45 MB of JSON lines: more than one 32 MB part. A record repeated across parts is dropped
    // once, a malformed line mid-file is quarantined where it is.
    const dir = tempDir();
    const path = join(dir, 'big.jsonl');
    const out = createWriteStream(path);
    const padding = 'x'.repeat(1000);
    for (let i = 0; i < 36_000; i += 1000) {
      const chunk = records(i, 1000).map((r) => ({ ...r, requestParameters: { bucketName: 'acme-prod-data', key: `k/${padding}` } }));
      let text = jsonLines(chunk);
      if (i === 18_000) text += '{"eventName": broken\n';
      if (!out.write(text)) await once(out, 'drain');
    }
    // The same record again, byte for byte: a duplicate (a record with its id and other content would be kept).
    out.write(jsonLines([{ ...ctRecord(5), requestParameters: { bucketName: 'acme-prod-data', key: `k/${padding}` } }]));
    out.end();
    await once(out, 'finish');
    const store = await newCase();
    const report = await importBundles(store, [path]);
    expect(report.files[0]).toMatchObject({ status: 'imported', recordsTotal: 36_002, recordsOk: 36_000, recordsDuplicate: 1, recordsQuarantined: 1 });
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM events`)).toBe(36_000);
    expect(await count(store, `SELECT count(DISTINCT event_uid)::INTEGER AS n FROM events`)).toBe(36_000);
    const [q] = await store.read<{ line: number; reason: string }>(`SELECT line, reason FROM quarantine`);
    expect(q).toEqual({ line: 19_001, reason: 'malformed_json' });
    expect((await verifyCase(store)).isValid).toBe(true);
    // The same file again adds nothing, though it was written in parts.
    const again = await importBundles(store, [path]);
    expect(again.files[0]).toMatchObject({ status: 'duplicate' });
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM evidence`)).toBe(1);
  });

  it('opens archives nested in archives and records every layer with its hash', async () => {
    const dir = tempDir();
    const inner = await zip({ 'staging/2026/03/16/f.json.gz': gz(envelope(records(100, 4))) });
    const tgz = gz(await tarball({ 'export/inner.zip': inner, 'export/plain.jsonl': jsonLines(records(200, 3)) }));
    const outer = await zip({ 'bundle/logs.tgz': tgz, 'bundle/top.json': envelope(records(300, 2)) });
    writeFileSync(join(dir, 'outer.zip'), outer);
    const store = await newCase();
    const report = await importBundles(store, [join(dir, 'outer.zip')]);
    expect(report.totals.eventsImported).toBe(9);
    const evidence = await store.read<{ path_in_bundle: string; kind: string; compression: string; depth: number }>(
      `SELECT path_in_bundle, kind, compression FROM evidence ORDER BY path_in_bundle`,
    );
    expect(evidence).toEqual([
      { path_in_bundle: 'outer.zip', kind: 'archive', compression: 'none' },
      { path_in_bundle: 'outer.zip/bundle/logs.tgz', kind: 'archive', compression: 'gzip' },
      { path_in_bundle: 'outer.zip/bundle/logs.tgz/export/inner.zip', kind: 'archive', compression: 'none' },
      { path_in_bundle: 'outer.zip/bundle/logs.tgz/export/inner.zip/staging/2026/03/16/f.json.gz', kind: 'file', compression: 'gzip' },
      { path_in_bundle: 'outer.zip/bundle/logs.tgz/export/plain.jsonl', kind: 'file', compression: 'none' },
      { path_in_bundle: 'outer.zip/bundle/top.json', kind: 'file', compression: 'none' },
    ]);
    const verdict = await verifyCase(store);
    expect(verdict.evidence.map((v) => v.check)).toEqual(Array(6).fill('ok'));
  });

  it('never modifies an input file', async () => {
    const dir = tempDir();
    const files = [join(dir, 'a.json.gz'), join(dir, 'b.zip')];
    writeFileSync(files[0]!, gz(envelope(records(0, 5))));
    writeFileSync(files[1]!, await zip({ 'x.json': envelope(records(10, 5)) }));
    const before = files.map(fingerprint);
    const store = await newCase();
    await importBundles(store, [dir]);
    await verifyCase(store);
    expect(files.map(fingerprint)).toEqual(before);
  });
});

describe('bad input gets a clear message and loses nothing', () => {
  it('quarantines a malformed JSON line with its position and imports the good lines', async () => {
    const dir = tempDir();
    const text = `${JSON.stringify(ctRecord(1))}\n{"eventVersion":"1.08","eventName":\n${JSON.stringify(ctRecord(2))}\n`;
    writeFileSync(join(dir, 'mixed.jsonl'), text);
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.files[0]).toMatchObject({ recordsTotal: 3, recordsOk: 2, recordsQuarantined: 1 });
    const [q] = await store.read<{ reason: string; message: string; line: number; byte_offset: number; raw: string }>(
      `SELECT reason, message, line, byte_offset, raw FROM quarantine`,
    );
    expect(q).toMatchObject({ reason: 'malformed_json', line: 2, raw: '{"eventVersion":"1.08","eventName":' });
    expect(q!.message).toMatch(/not valid JSON: .*\(line 2, byte \d+\)/);
    expect(q!.byte_offset).toBe(text.indexOf('{"eventVersion":"1.08","eventName":\n'));
  });

  it('keeps the records before the break of a truncated .gz and reports where it broke', async () => {
    const dir = tempDir();
    const full = gz(jsonLines(records(0, 2000)));
    writeFileSync(join(dir, 'cut.json.gz'), full.subarray(0, Math.floor(full.length / 2)));
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    const file = report.files[0]!;
    expect(file.recordsOk).toBeGreaterThan(100);
    expect(file.recordsOk).toBeLessThan(2000);
    expect(report.problems).toContainEqual(expect.objectContaining({ path: 'cut.json.gz', code: 'truncated_compression' }));
    expect(report.problems[0]!.message).toMatch(/gzip stream is cut short at byte \d+ of the stored file, after \d+ decompressed bytes/);
    // The hash covers the whole stored file, not just what could be decompressed.
    expect(file.sha256).toBe(fingerprint(join(dir, 'cut.json.gz')).sha256);
  });

  it('records a non-log file and an empty file as evidence with a reason, and imports nothing from them', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'Case notes\nnothing to see here\n');
    writeFileSync(join(dir, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'good.json'), envelope(records(0, 1)));
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.totals.eventsImported).toBe(1);
    const problems = Object.fromEntries(report.problems.map((p) => [p.path, p.code]));
    expect(problems).toEqual({ 'notes.txt': 'unrecognized_format', 'image.png': 'unrecognized_format', 'empty.json': 'empty_file' });
    expect(report.problems.find((p) => p.path === 'image.png')!.message).toMatch(/binary content/);
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM evidence WHERE kind = 'file'`)).toBe(4);
  });

  it('quarantines JSON that no parser recognizes instead of dropping it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'other.jsonl'), '{"hello":"world"}\n{"n":1}\n');
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.files[0]).toMatchObject({ recordsTotal: 2, recordsOk: 0, recordsQuarantined: 2 });
    expect(await store.read(`SELECT reason, raw FROM quarantine ORDER BY record_no`)).toEqual([
      { reason: 'unrecognized', raw: '{"hello":"world"}' },
      { reason: 'unrecognized', raw: '{"n":1}' },
    ]);
  });

  it('quarantines a whole file that no parser knows as one row naming its fields, and verify accepts it', async () => {
    const dir = tempDir();
    const inventory = ['host,owner,cost_center,region', ...Array.from({ length: 40 }, (_, i) => `web-${i},platform,cc-${i % 3},eu-west-1`)].join('\n');
    writeFileSync(join(dir, 'inventory.csv'), inventory);
    writeFileSync(join(dir, 'other-tool.jsonl'), jsonLines(Array.from({ length: 25 }, (_, i) => ({ probe: i, latency_ms: i * 3, target: 'db' }))));
    writeFileSync(join(dir, 'trail.json'), envelope(records(0, 3)));
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.files.find((f) => f.path === 'inventory.csv')).toMatchObject({ recordsTotal: 40, recordsOk: 0, recordsQuarantined: 40 });
    expect(report.files.find((f) => f.path === 'other-tool.jsonl')).toMatchObject({ recordsTotal: 25, recordsQuarantined: 25 });
    const rows = await store.read<{ path: string; reason: string; message: string; record_no: number | null }>(`
      SELECT v.path_in_bundle AS path, reason, message, record_no FROM quarantine q JOIN evidence v USING (evidence_id) ORDER BY path`);
    expect(rows.map((r) => [r.path, r.reason, r.record_no])).toEqual([
      ['inventory.csv', 'unrecognized_format', null],
      ['other-tool.jsonl', 'unrecognized_format', null],
    ]);
    expect(rows[0]!.message).toBe('none of the 40 records is a known log format (fields: host, owner, cost_center, region): import it with --mapping (nhi suggest-mapping FILE proposes one)');
    expect(rows[1]!.message).toContain('fields: probe, latency_ms, target');
    expect(report.problems.map((p) => [p.path, p.code])).toEqual([
      ['inventory.csv', 'unrecognized_format'],
      ['other-tool.jsonl', 'unrecognized_format'],
    ]);
    expect(await count(store, `SELECT count(*)::INTEGER AS n FROM events`)).toBe(3);
    expect((await verifyCase(store)).isValid).toBe(true);
  });

  it('refuses a zip entry that climbs out with ../, writes nothing, and imports the other entries', async () => {
    const dir = tempDir();
    const outside = join(dir, 'evil.json');
    const bundle = await zipWithRawNames(
      { 'logs/ok.json': envelope(records(0, 2)), 'xx/evil.json': envelope(records(5, 1)) },
      { 'xx/evil.json': '../evil.json' },
    );
    writeFileSync(join(dir, 'bundle.zip'), bundle);
    const store = await newCase();
    const report = await importBundles(store, [join(dir, 'bundle.zip')]);
    expect(report.totals.eventsImported).toBe(2);
    expect(report.problems).toEqual([expect.objectContaining({ code: 'unsafe_path', path: 'bundle.zip/../evil.json' })]);
    expect(existsSync(outside)).toBe(false);
    const [q] = await store.read<{ reason: string; message: string }>(`SELECT reason, message FROM quarantine`);
    expect(q).toMatchObject({ reason: 'unsafe_path' });
    expect(q!.message).toContain('climbs out of the archive');
  });

  it('stops a decompression bomb at the ratio cap and still imports the rest of the archive', async () => {
    const dir = tempDir();
    // Two different bombs: the same bytes twice would be one file already imported.
    writeFileSync(join(dir, 'bundle.zip'), await zip({ 'bomb.json.gz': gz(Buffer.alloc(64 * 1024 * 1024, 0x20)), 'ok.json': envelope(records(0, 3)) }));
    writeFileSync(join(dir, 'bomb.gz'), gz(Buffer.alloc(64 * 1024 * 1024, 0x0a)));
    const store = await newCase();
    const report = await importBundles(store, [dir]);
    expect(report.totals.eventsImported).toBe(3);
    const bombs = report.problems.filter((p) => p.code === 'archive_bomb');
    expect(bombs.map((p) => p.path).sort()).toEqual(['bomb.gz', 'bundle.zip/bomb.json.gz']);
    expect(bombs[0]!.message).toMatch(/decompression bomb/);
  });

  it('honours a configurable size cap for archive members', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.zip'), await zip({ 'big.json': envelope(records(0, 500)) }));
    const store = await newCase();
    const report = await importBundles(store, [dir], { limits: { maxEntryBytes: 10_000 } });
    expect(report.problems).toEqual([expect.objectContaining({ code: 'entry_too_large' })]);
    expect(report.totals.eventsImported).toBe(0);
  });

  it('quarantines a single 100 MB line by position without holding it, and imports its neighbours', async () => {
    const dir = tempDir();
    const path = join(dir, 'huge-line.jsonl');
    const out = createWriteStream(path);
    out.write(`${JSON.stringify(ctRecord(1))}\n{"eventName":"GetObject","junk":"`);
    const block = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 100; i++) if (!out.write(block)) await once(out, 'drain');
    out.write(`"}\n${JSON.stringify(ctRecord(2))}\n`);
    out.end();
    await once(out, 'finish');
    const store = await newCase();
    const report = await importBundles(store, [path], { limits: { maxRecordBytes: 8 * 1024 * 1024 } });
    expect(report.files[0]).toMatchObject({ recordsTotal: 3, recordsOk: 2, recordsQuarantined: 1 });
    const [q] = await store.read<{ reason: string; line: number; message: string; len: number }>(
      `SELECT reason, line, message, length(raw)::INTEGER AS len FROM quarantine`,
    );
    expect(q).toMatchObject({ reason: 'record_too_large', line: 2 });
    expect(q!.message).toMatch(/larger than the 8,388,608-byte limit/);
    expect(q!.len).toBeLessThanOrEqual(512);
  });

  it('quarantines a CloudTrail record without a usable time with the reason', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.jsonl'), jsonLines([ctRecord(1, { eventTime: 'yesterday' }), ctRecord(2)]));
    const store = await newCase();
    await importBundles(store, [dir]);
    const [q] = await store.read<{ reason: string; message: string }>(`SELECT reason, message FROM quarantine`);
    expect(q).toMatchObject({ reason: 'no_time' });
    expect(q!.message).toContain('eventTime is "yesterday"');
  });
});

describe('the case file itself', () => {
  it('is never imported into itself when it sits inside the imported folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), envelope(records(0, 2)));
    const store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    open.push(store);
    const report = await importBundles(store, [dir]);
    expect(report.files.map((f) => f.path)).toEqual(['a.json']);
    expect(report.problems).toEqual([]);
  });
});

describe('verify', () => {
  it('passes on a good case and fails when an evidence row or an event was altered', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), envelope(records(0, 5)));
    writeFileSync(join(dir, 'b.json'), envelope(records(5, 5)));
    const store = await newCase();
    await importBundles(store, [dir]);
    expect((await verifyCase(store)).isValid).toBe(true);

    await store.run(`UPDATE evidence SET sha256 = repeat('0', 64) WHERE path_in_bundle = 'a.json'`);
    await store.run(`DELETE FROM events WHERE evidence_id = (SELECT evidence_id FROM evidence WHERE path_in_bundle = 'b.json') AND record_no = 1`);
    const report = await verifyCase(store);
    expect(report.isValid).toBe(false);
    expect(Object.fromEntries(report.evidence.map((v) => [v.path, v.check]))).toEqual({ 'a.json': 'hash_mismatch', 'b.json': 'count_mismatch' });
  });

  it('says which hashes it could not recompute when the source files are gone', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.json');
    writeFileSync(path, envelope(records(0, 2)));
    const store = await newCase();
    await importBundles(store, [path]);
    writeFileSync(path, envelope(records(0, 3)));
    expect((await verifyCase(store)).evidence[0]!.check).toBe('hash_mismatch');
    const { rmSync } = await import('node:fs');
    rmSync(path);
    const report = await verifyCase(store);
    expect(report).toMatchObject({ isValid: true, isComplete: false });
    expect(report.evidence[0]!.check).toBe('source_missing');
  });
});
