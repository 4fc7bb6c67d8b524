import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { sniffCsv } from '../csv-records';
import { type ImportReport, importBundles } from '../importer';

const CSV = [
  '\uFEFFmessage,datetime,timestamp_desc,timestamp,data_type,parser,hostname,username,filename,source_ip',
  '"GetObject by backend-svc, 98 MB",2026-02-14T02:14:03.123456+00:00,Event Recorded,1771035243123456,aws:cloudtrail:event,aws_cloudtrail_log,web-01,backend-svc,s3://acme-prod-data/part-0001,198.51.100.23',
  '"a message over',
  'two lines",2026-02-14T03:14:00+01:00,Content Modification Time,,fs:stat,filestat,web-01,-,/etc/passwd,-',
  '',
  'only a timestamp,,Creation Time,1771035300000000,fs:stat,filestat,web-01,root,/root/.bash_history,',
  'no time at all,not a date,Creation Time,,fs:stat,filestat,web-01,root,/tmp/x,',
].join('\r\n');

const JSONL = [
  { message: 'ssh login', datetime: '2026-02-14T02:20:00Z', timestamp_desc: 'Event Time', data_type: 'syslog:ssh:login', hostname: 'bastion', username: 'deploy', source_ip: '203.0.113.9' },
  { message: 'cron ran', timestamp: 1771035600000000, timestamp_desc: 'Event Time', data_type: 'syslog:cron:task_run', hostname: 'bastion' },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('Timesketch / plaso timelines', () => {
  let store: CaseStore;
  let report: ImportReport;
  const dir = tempDir();

  beforeAll(async () => {
    writeFileSync(join(dir, 'timeline.csv'), CSV);
    writeFileSync(join(dir, 'timeline.tsv'), 'message\tdatetime\ttimestamp_desc\nbooted\t2026-02-14T00:00:00Z\tEvent Time\n');
    writeFileSync(join(dir, 'timeline.jsonl'), JSONL);
    writeFileSync(join(dir, 'inventory.csv'), 'host,owner,cost\nweb-01,platform,12\nweb-02,platform,14\n');
    writeFileSync(join(dir, 'broken.csv'), 'message,datetime,timestamp_desc\nok,2026-02-14T00:00:00Z,Event Time\n"never closed,2026-02-14T00:00:01Z,Event Time\n');
    store = await CaseStore.open(join(tempDir(), 'ts.duckdb'), { create: true });
    report = await importBundles(store, [dir]);
  });
  afterAll(() => store.close());

  it('reads CSV (BOM, CRLF, quoted commas and line breaks, blank lines) and keeps each record verbatim with its position', async () => {
    const file = report.files.find((f) => f.path === 'timeline.csv')!;
    expect(file).toMatchObject({ format: 'csv', recordsTotal: 4, recordsOk: 3, recordsQuarantined: 1, parsers: ['timesketch'] });
    // Every event's raw text is exactly the bytes at its offset in the file.
    const events = await store.read<{ time: string; actor_uid: string | null; operation: string; resource_uid: string; src_ip: string | null; boundary: string; byte_offset: number; raw: string }>(
      `SELECT e.time, actor_uid, operation, resource_uid, src_ip, boundary, e.byte_offset, e.raw
       FROM events e JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle = 'timeline.csv' ORDER BY record_no`,
    );
    const bytes = Buffer.from(CSV);
    for (const e of events) expect(bytes.subarray(e.byte_offset, e.byte_offset + Buffer.byteLength(e.raw)).toString()).toBe(e.raw);
    expect(events.map((e) => [e.time, e.actor_uid, e.operation, e.resource_uid, e.src_ip, e.boundary])).toEqual([
      ['2026-02-14T02:14:03.123456Z', 'backend-svc', 'aws:cloudtrail:event', 's3://acme-prod-data/part-0001', '198.51.100.23', 'host:web-01'],
      ['2026-02-14T02:14:00.000000Z', null, 'fs:stat', '/etc/passwd', null, 'host:web-01'],
      ['2026-02-14T02:15:00.000000Z', 'root', 'fs:stat', '/root/.bash_history', null, 'host:web-01'],
    ]);
    expect(events[1]!.raw).toBe('"a message over\r\ntwo lines",2026-02-14T03:14:00+01:00,Content Modification Time,,fs:stat,filestat,web-01,-,/etc/passwd,-');
    const [q] = await store.read<{ reason: string; message: string; line: number; raw: string }>(
      `SELECT reason, message, line, raw FROM quarantine q JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle = 'timeline.csv'`,
    );
    expect(q).toMatchObject({ reason: 'no_time', line: 7, raw: 'no time at all,not a date,Creation Time,,fs:stat,filestat,web-01,root,/tmp/x,' });
    expect(q!.message).toContain('"not a date"');
  });

  it('reads TSV and JSON lines timelines, with µs epoch timestamps', async () => {
    expect(report.files.find((f) => f.path === 'timeline.tsv')).toMatchObject({ format: 'tsv', recordsOk: 1 });
    expect(report.files.find((f) => f.path === 'timeline.jsonl')).toMatchObject({ recordsOk: 2 });
    const rows = await store.read<{ time: string; actor_uid: string | null; src_ip: string | null }>(
      `SELECT time, actor_uid, src_ip FROM events e JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle = 'timeline.jsonl' ORDER BY time`,
    );
    expect(rows).toEqual([
      { time: '2026-02-14T02:20:00.000000Z', actor_uid: 'deploy', src_ip: '203.0.113.9' },
      { time: '2026-02-14T02:20:00.000000Z', actor_uid: null, src_ip: null },
    ]);
  });

  it('quarantines CSV that no parser knows, and the unreadable tail of a broken CSV, with positions', async () => {
    expect(report.files.find((f) => f.path === 'inventory.csv')).toMatchObject({ format: 'csv', recordsTotal: 2, recordsOk: 0, recordsQuarantined: 2 });
    const broken = report.files.find((f) => f.path === 'broken.csv')!;
    expect(broken).toMatchObject({ recordsOk: 1, recordsQuarantined: 1 });
    const [q] = await store.read<{ reason: string; message: string; byte_offset: number; line: number }>(
      `SELECT reason, message, byte_offset, line FROM quarantine q JOIN evidence v USING (evidence_id) WHERE v.path_in_bundle = 'broken.csv'`,
    );
    expect(q!.message).toMatch(/not valid CSV from here on/);
    expect(q!.line).toBe(3);
    expect(q!.byte_offset).toBe('message,datetime,timestamp_desc\nok,2026-02-14T00:00:00Z,Event Time\n'.length);
  });
});

describe('sniffCsv', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ','],
    ['a\tb\n1\t2\n', '\t'],
    ['"x y";z\n1;2\n', ';'],
  ])('finds the delimiter of %j', (text, delimiter) => {
    expect(sniffCsv(Buffer.from(text))).toBe(delimiter);
  });

  it.each([['just some prose, with a comma here and there.\nand more prose\n'], ['one column\nvalue\n'], ['1,2,3\n4,5,6\n']])('does not take %j for CSV', (text) => {
    expect(sniffCsv(Buffer.from(text))).toBeNull();
  });
});
