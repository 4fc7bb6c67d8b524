import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { stringify as toYaml } from 'yaml';
import { peek } from './byte-streams';
import { CsvRecordSplitter, sniffCsv } from './csv-records';
import { JsonRecordSplitter } from './record-splitter';
import type { Mapping } from './sources/mapped';

/**
 * Proposes a mapping file for a CSV or JSON-lines log from the columns and values it sees in
 * the first records: a starting point the analyst edits, never applied on its own.
 */

export interface ColumnSample {
  name: string;
  /** How many of the sampled records have a non-empty value. */
  present: number;
  examples: string[];
}

export interface Suggestion {
  format: 'csv' | 'tsv' | 'json';
  records: number;
  columns: ColumnSample[];
  mapping: Mapping;
  /** Why each field was chosen, for the comments of the YAML. */
  reasons: Record<string, string>;
}

const SAMPLE_RECORDS = 200;

/** Name patterns per field, best first; a column must also pass the value check when there is one. */
const RULES: { field: string; names: RegExp[]; values?: (v: string) => boolean }[] = [
  { field: 'event_uid', names: [/^(event_?id|request_?id|uuid|insert_?id|log_?id|_?id|document_?id|audit_?id)$/i] },
  { field: 'actor_uid', names: [/^(user_?name|username|user|actor|principal|caller|login|identity|subject|client_?id|user_?id|account|db_?user|sub)$/i, /(user|actor|principal|caller)/i] },
  { field: 'operation', names: [/^(action|method|http_?method|operation|event_?name|event_?type|verb|command|query_?type|activity|event)$/i, /(action|method|operation|command)/i] },
  { field: 'resource_uid', names: [/^(resource|path|uri|url|object|table|target|repo|repository|bucket|endpoint|resource_?path|request_?uri|database|key)$/i, /(resource|path|uri|url|table|object)/i] },
  { field: 'src_ip', names: [/^(ip|ip_?address|client_?ip|remote_?addr(ess)?|source_?ip|src_?ip|caller_?ip|client_?address|host_?ip)$/i, /ip/i], values: (v) => /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i.test(v) },
  { field: 'user_agent', names: [/^(user_?agent|ua|http_?user_?agent|client_?agent)$/i, /agent/i] },
  { field: 'error_code', names: [/^(error_?code|error|err|reason|failure_?reason)$/i] },
  { field: 'bytes_out', names: [/^(bytes|bytes_?sent|bytes_?out|response_?length|response_?size|body_?bytes_?sent|size)$/i], values: (v) => /^\d+$/.test(v) },
  { field: 'bytes_in', names: [/^(bytes_?received|bytes_?in|request_?length|request_?size)$/i], values: (v) => /^\d+$/.test(v) },
  { field: 'session_uid', names: [/^(session|session_?id|sid)$/i] },
  { field: 'credential_uid', names: [/^(access_?key|access_?key_?id|token_?id|api_?key_?id|key_?id|credential)$/i] },
];

const TIME_NAMES = [/^(@?timestamp|time|datetime|date|ts|event_?time|created_?at|published|request_?time|log_?time|time_?generated)$/i, /(time|date)/i];
const STATUS_NAMES = [/^(status|status_?code|response_?code|outcome|result|http_?status)$/i, /(status|outcome|result)/i];

function looksLikeTime(v: string): boolean {
  if (/^\d{9,19}(\.\d+)?$/.test(v)) return true;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v)) return true;
  if (/^\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2}/.test(v)) return true;
  return !Number.isNaN(Date.parse(v)) && /[a-z]{3}|\d{4}/i.test(v);
}

/** The strptime format for Apache-style times, and whether ISO values carry a zone. */
function timeDetails(examples: string[]): { format?: string; timezone?: string; note: string } {
  const v = examples[0] ?? '';
  if (/^\d{2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/.test(v)) return { format: '%d/%b/%Y:%H:%M:%S %z', note: 'Apache/NGINX access-log time' };
  if (/^\d{9,19}(\.\d+)?$/.test(v)) return { note: 'epoch number: unit read from its magnitude (set time.unit to force it)' };
  if (/(Z|[+-]\d{2}:?\d{2})$/.test(v)) return { note: 'ISO 8601 with a zone' };
  return { timezone: 'UTC', note: 'no zone in the values: check time.timezone' };
}

export async function suggestMapping(path: string, name?: string): Promise<Suggestion> {
  const { format, records } = await sampleRecords(path);
  const columns = new Map<string, ColumnSample>();
  for (const record of records) {
    for (const [key, value] of flatten(record)) {
      let c = columns.get(key);
      if (!c) columns.set(key, (c = { name: key, present: 0, examples: [] }));
      if (value === '') continue;
      c.present++;
      if (c.examples.length < 3 && !c.examples.includes(value)) c.examples.push(value);
    }
  }
  const candidates = [...columns.values()].filter((c) => c.present > 0);
  const used = new Set<string>();
  const reasons: Record<string, string> = {};
  const pick = (names: RegExp[], check?: (v: string) => boolean): ColumnSample | undefined => {
    for (const pattern of names) {
      // `user.name` is tried as `user_name` and as `name`.
      const found = candidates.find(
        (c) => !used.has(c.name) && [c.name.replaceAll('.', '_'), c.name.split('.').pop()!].some((n) => pattern.test(n)) && (!check || c.examples.every(check)),
      );
      if (found) return found;
    }
    return undefined;
  };

  const timeColumn = pick(TIME_NAMES, looksLikeTime) ?? candidates.find((c) => !used.has(c.name) && c.examples.length > 0 && c.examples.every(looksLikeTime));
  if (!timeColumn) throw new Error(`no column of ${path} looks like a time: name one in the mapping's time.field (columns: ${candidates.map((c) => c.name).join(', ')})`);
  used.add(timeColumn.name);
  const details = timeDetails(timeColumn.examples);
  reasons.time = `${timeColumn.name}: ${details.note} (e.g. ${timeColumn.examples[0]})`;

  const fields: Record<string, string> = {};
  for (const rule of RULES) {
    const c = pick(rule.names, rule.values);
    if (!c) continue;
    if (rule.field === 'event_uid' && c.present < records.length) continue;
    used.add(c.name);
    fields[rule.field] = c.name;
    reasons[rule.field] = `${c.name} (e.g. ${c.examples[0]})`;
  }
  if (!fields.operation) {
    fields.operation = 'CHANGE_ME';
    reasons.operation = 'no column looks like an operation: name one';
  }
  const statusColumn = pick(STATUS_NAMES);
  const mapping: Mapping = {
    name: name ?? (baseName(path) || 'log'),
    time: { field: timeColumn.name, ...(details.format ? { format: details.format } : {}), ...(details.timezone ? { timezone: details.timezone } : {}) },
    fields: fields as Mapping['fields'],
    ...(statusColumn ? { status: { field: statusColumn.name } } : {}),
  };
  if (statusColumn) reasons.status = `${statusColumn.name} (e.g. ${statusColumn.examples[0]}): failure when it reads fail/error/denied/4xx/5xx`;
  return { format, records: records.length, columns: [...columns.values()], mapping, reasons };
}

/** The suggestion as a commented YAML file. */
export function suggestionYaml(s: Suggestion, path: string): string {
  const header = [
    `# Mapping suggested by \`nhi suggest-mapping\` for ${path}`,
    `# from ${s.records} ${s.format.toUpperCase()} records. Check every field, then: nhi import ${path} --mapping THIS_FILE --case CASE`,
    '#',
    ...Object.entries(s.reasons).map(([field, why]) => `# ${field}: ${why}`),
    '#',
    '# Columns seen (present in N of the sampled records):',
    ...s.columns.map((c) => `#   ${c.name} (${c.present})${c.examples[0] ? `: ${JSON.stringify(c.examples[0]).slice(0, 60)}` : ''}`),
  ];
  return `${header.join('\n')}\n${toYaml(s.mapping)}`;
}

async function sampleRecords(path: string): Promise<{ format: Suggestion['format']; records: Record<string, unknown>[] }> {
  let { head, stream: rest } = await peek(createReadStream(path), 4096);
  if (head[0] === 0x1f && head[1] === 0x8b) ({ head, stream: rest } = await peek(createReadStream(path).pipe(createGunzip()), 4096));
  const records: Record<string, unknown>[] = [];
  const delimiter = head[0] === 0x7b || head[0] === 0x5b ? null : sniffCsv(head);
  if (delimiter) {
    const csv = new CsvRecordSplitter(delimiter, { record: (_r, json) => void (records.length < SAMPLE_RECORDS && records.push(JSON.parse(json) as Record<string, unknown>)), problem: () => undefined }, 64 * 1024 * 1024);
    for await (const chunk of rest) {
      await csv.push(chunk);
      if (records.length >= SAMPLE_RECORDS) break;
    }
    await csv.end();
    return { format: delimiter === '\t' ? 'tsv' : 'csv', records };
  }
  const json = new JsonRecordSplitter(
    {
      record: (r) => {
        if (records.length >= SAMPLE_RECORDS) return;
        try {
          const value = JSON.parse(Buffer.from(r.bytes).toString('utf8')) as unknown;
          if (value && typeof value === 'object' && !Array.isArray(value)) records.push(value as Record<string, unknown>);
        } catch {
          // A malformed record tells nothing about the columns.
        }
      },
      problem: () => undefined,
    },
    { maxRecordBytes: 64 * 1024 * 1024 },
  );
  for await (const chunk of rest) {
    json.push(chunk);
    if (records.length >= SAMPLE_RECORDS) break;
  }
  json.end();
  if (records.length === 0) throw new Error(`${path} holds neither CSV with a header nor JSON records`);
  return { format: 'json', records };
}

function baseName(path: string): string {
  const file = path.split('/').pop() ?? '';
  return file.replace(/(\.(csv|tsv|jsonl?|log|txt|gz))+$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
}

/** `{a: {b: 1}}` → `a.b = "1"`; arrays and deep nesting stay whole as JSON text. */
function flatten(record: Record<string, unknown>, prefix = '', depth = 0): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value) && depth < 2) out.push(...flatten(value as Record<string, unknown>, name, depth + 1));
    else out.push([name, value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)]);
  }
  return out;
}
