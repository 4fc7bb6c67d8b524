import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ctRecord, tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { importBundles } from '../importer';
import { suggestMapping, suggestionYaml } from '../suggest-mapping';
import { MappingError, loadMapping } from './mapped';

const CLI = resolve(__dirname, '../../../bin/nhi.mjs');

const GATEWAY_CSV = [
  'requestId,requestTime,ip,caller,httpMethod,resourcePath,status,responseLength,userAgent',
  'r-1,14/Feb/2026:03:14:00 +0100,198.51.100.23,svc-reporting,GET,/v1/customers/export,200,1048576,python-requests/2.31',
  'r-2,14/Feb/2026:03:14:05 +0100,198.51.100.23,svc-reporting,DELETE,/v1/customers/42,403,0,python-requests/2.31',
  'r-3,14/Feb/2026:03:15:00 +0100,10.0.0.8,alice,GET,/v1/health,200,12,Mozilla/5.0',
].join('\n');

const GATEWAY_YAML = `
name: api-gateway
time: { field: requestTime, format: "%d/%b/%Y:%H:%M:%S %z" }
fields:
  event_uid: requestId
  actor_uid: caller
  operation: httpMethod
  resource_uid: resourcePath
  src_ip: ip
  user_agent: userAgent
  bytes_out: responseLength
  service: { value: apigateway }
  boundary: { value: "aws-account:111111111111" }
status: { field: status, success: "^[23]" }
category: [["^GET$", read], ["^DELETE$", delete]]
`;

const open: CaseStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function importWith(files: Record<string, string>, mappingText?: string, mappingName = 'mapping.yaml') {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const mappingDir = tempDir();
  const mapping = mappingText === undefined ? undefined : (writeFileSync(join(mappingDir, mappingName), mappingText), loadMapping(join(mappingDir, mappingName)));
  const store = await CaseStore.open(join(tempDir(), 'm.duckdb'), { create: true });
  open.push(store);
  const report = await importBundles(store, [dir], mapping ? { mapping } : {});
  return { store, report, dir };
}

describe('mapped CSV and JSON lines', () => {
  it('maps an API gateway CSV: columns, constants, time format with offset, status and category rules', async () => {
    const { store, report } = await importWith({ 'gateway.csv': GATEWAY_CSV, 'trail.json': JSON.stringify({ Records: [ctRecord(1)] }) }, GATEWAY_YAML);
    expect(report.totals).toMatchObject({ eventsImported: 4, quarantined: 0 });
    const rows = await store.read(
      `SELECT event_uid, time, actor_uid, operation, service, category, resource_uid, boundary, src_ip, user_agent, status, bytes_out
       FROM events WHERE source = 'mapped' ORDER BY time`,
    );
    expect(rows).toEqual([
      { event_uid: 'r-1', time: '2026-02-14T02:14:00.000000Z', actor_uid: 'svc-reporting', operation: 'GET', service: 'apigateway', category: 'read', resource_uid: '/v1/customers/export', boundary: 'aws-account:111111111111', src_ip: '198.51.100.23', user_agent: 'python-requests/2.31', status: 'success', bytes_out: 1048576 },
      { event_uid: 'r-2', time: '2026-02-14T02:14:05.000000Z', actor_uid: 'svc-reporting', operation: 'DELETE', service: 'apigateway', category: 'delete', resource_uid: '/v1/customers/42', boundary: 'aws-account:111111111111', src_ip: '198.51.100.23', user_agent: 'python-requests/2.31', status: 'failure', bytes_out: 0 },
      { event_uid: 'r-3', time: '2026-02-14T02:15:00.000000Z', actor_uid: 'alice', operation: 'GET', service: 'apigateway', category: 'read', resource_uid: '/v1/health', boundary: 'aws-account:111111111111', src_ip: '10.0.0.8', user_agent: 'Mozilla/5.0', status: 'success', bytes_out: 12 },
    ]);
    // The CloudTrail record beside it is still CloudTrail's: a mapping only takes what no parser knows.
    expect((await store.read<{ source: string }>(`SELECT source FROM events WHERE source <> 'mapped'`)).map((r) => r.source)).toEqual(['aws.cloudtrail']);
    const [evidence] = await store.read<{ parser_version: string }>(`SELECT parser_version FROM evidence WHERE path_in_bundle = 'gateway.csv'`);
    expect(evidence!.parser_version).toBe('mapped@1.0.0+api-gateway');
  });

  it('maps nested JSON lines with epoch milliseconds and a zone-less time in a named zone', async () => {
    const lines = [
      { ts: 1771035240123, db: { user: 'etl_loader', client: { ip: '10.1.2.3' } }, statement: 'SELECT', object: 'customers', rows: 5000 },
      { ts: 1771035300000, db: { user: 'etl_loader', client: { ip: '10.1.2.3' } }, statement: 'COPY', object: 'customers', rows: 250000 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const text = JSON.stringify({ name: 'pg-audit', time: 'ts', fields: { actor_uid: 'db.user', src_ip: 'db.client.ip', operation: 'statement', resource_uid: 'object' }, is_nhi: true });
    const { store } = await importWith({ 'audit.jsonl': lines, 'local.csv': 'when,who,what\n2026-02-14 03:14:00,bob,login\n' }, text, 'm.json');
    const rows = await store.read(`SELECT time, actor_uid, src_ip, operation, is_nhi FROM events WHERE source = 'mapped' AND operation <> 'login' ORDER BY time`);
    expect(rows).toEqual([
      { time: '2026-02-14T02:14:00.123000Z', actor_uid: 'etl_loader', src_ip: '10.1.2.3', operation: 'SELECT', is_nhi: true },
      { time: '2026-02-14T02:15:00.000000Z', actor_uid: 'etl_loader', src_ip: '10.1.2.3', operation: 'COPY', is_nhi: true },
    ]);
    const zoned = join(tempDir(), 'z.yaml');
    writeFileSync(zoned, 'name: local\ntime: { field: when, timezone: Europe/Berlin }\nfields: { actor_uid: who, operation: what }\n');
    const store2 = await CaseStore.open(join(tempDir(), 'z.duckdb'), { create: true });
    open.push(store2);
    const dir = tempDir();
    writeFileSync(join(dir, 'local.csv'), 'when,who,what\n2026-02-14 03:14:00,bob,login\n');
    await importBundles(store2, [dir], { mapping: loadMapping(zoned) });
    expect(await store2.read(`SELECT time, actor_uid FROM events`)).toEqual([{ time: '2026-02-14T02:14:00.000000Z', actor_uid: 'bob' }]);
  });

  it('quarantines a mapped record without a usable time, naming the column and value', async () => {
    const { store, report } = await importWith({ 'g.csv': `${GATEWAY_CSV}\nr-4,yesterday,1.2.3.4,x,GET,/,200,1,curl` }, GATEWAY_YAML);
    expect(report.totals).toMatchObject({ eventsImported: 3, quarantined: 1 });
    const [q] = await store.read<{ reason: string; message: string; line: number }>(`SELECT reason, message, line FROM quarantine`);
    expect(q).toMatchObject({ reason: 'no_time', line: 5 });
    expect(q!.message).toContain('requestTime: "yesterday"');
  });

  it('rejects a bad mapping with every problem named by its place in the file', () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: "has space"\ntime: {}\nfields: { actor: caller }\ncategory: [["(", read]]\n');
    expect(() => loadMapping(bad)).toThrow(MappingError);
    try {
      loadMapping(bad);
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/name: use letters/);
      expect(message).toMatch(/time:/);
      expect(message).toMatch(/fields/);
    }
    writeFileSync(bad, 'name: x\ntime: t\nfields: { operation: op }\ncategory: [["(", read]]\n');
    expect(() => loadMapping(bad)).toThrow(/"\(" is not a regular expression/);
    writeFileSync(bad, 'name: [unclosed');
    expect(() => loadMapping(bad)).toThrow(/not valid JSON or YAML/);
  });
});

describe('suggest-mapping', () => {
  it('proposes the fields of an API gateway CSV, and its suggestion imports the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'gateway-access.csv');
    writeFileSync(path, GATEWAY_CSV);
    const suggestion = await suggestMapping(path);
    expect(suggestion.format).toBe('csv');
    expect(suggestion.mapping).toMatchObject({
      name: 'gateway-access',
      time: { field: 'requestTime', format: '%d/%b/%Y:%H:%M:%S %z' },
      fields: { event_uid: 'requestId', actor_uid: 'caller', operation: 'httpMethod', resource_uid: 'resourcePath', src_ip: 'ip', user_agent: 'userAgent', bytes_out: 'responseLength' },
      status: { field: 'status' },
    });
    const yamlPath = join(dir, 'suggested.yaml');
    writeFileSync(yamlPath, suggestionYaml(suggestion, path));
    const store = await CaseStore.open(join(tempDir(), 's.duckdb'), { create: true });
    open.push(store);
    const report = await importBundles(store, [path], { mapping: loadMapping(yamlPath) });
    expect(report.totals).toMatchObject({ eventsImported: 3, quarantined: 0 });
    expect(await store.read(`SELECT status, count(*)::INTEGER AS n FROM events GROUP BY status ORDER BY status`)).toEqual([
      { status: 'failure', n: 1 },
      { status: 'success', n: 2 },
    ]);
  });

  it('runs from the CLI: prints YAML, refuses to overwrite, and import --mapping rejects a bad file with exit 2', () => {
    const dir = tempDir();
    const path = join(dir, 'db.jsonl');
    writeFileSync(path, `${JSON.stringify({ '@timestamp': '2026-02-14T02:14:00Z', user: { name: 'etl' }, action: 'query', table: 'customers', client_ip: '10.1.2.3' })}\n`);
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const printed = run('suggest-mapping', path);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain('field: "@timestamp"');
    expect(printed.stdout).toMatch(/actor_uid: user\.name/);
    expect(printed.stdout).toMatch(/operation: action/);
    const out = join(dir, 'm.yaml');
    expect(run('suggest-mapping', path, '--out', out).status).toBe(0);
    expect(run('suggest-mapping', path, '--out', out).status).toBe(2);
    const imported = run('import', path, '--mapping', out, '--case', join(dir, 'c.duckdb'), '--json');
    expect(imported.status).toBe(0);
    expect(JSON.parse(imported.stdout).totals.eventsImported).toBe(1);
    writeFileSync(join(dir, 'bad.yaml'), 'name: x\n');
    const rejected = run('import', path, '--mapping', join(dir, 'bad.yaml'), '--case', join(dir, 'c.duckdb'));
    expect(rejected.status).toBe(2);
    expect(rejected.stderr).toMatch(/is not valid:\n {2}time:/);
  });
});
