import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CompiledSigmaRule, Severity, SkippedSigmaRule } from '../rule';
import { compileCondition } from './compile-condition';
import { type SigmaScalar, Unsupported, compileFieldCondition, compileKeywords } from './compile-value';
import { joinParts } from './join-parts';

/**
 * SigmaHQ rules for the cloud log sources, compiled to DuckDB predicates over `events e`.
 * Sigma field names are the vendor's JSON field names, so a field reads the verbatim record
 * (`e.raw`) at that path. A rule with anything this compiler does not support is skipped whole,
 * with the reason naming the construct.
 */

/** logsource (product/service) → our events.source values. */
const LOG_SOURCES: { product: string; service: string; sources: string[] }[] = [
  { product: 'aws', service: 'cloudtrail', sources: ['aws.cloudtrail'] },
  { product: 'gcp', service: 'gcp.audit', sources: ['gcp.audit'] },
  { product: 'azure', service: 'activitylogs', sources: ['azure.activity'] },
  { product: 'azure', service: 'auditlogs', sources: ['azure.audit'] },
  { product: 'azure', service: 'signinlogs', sources: ['azure.signin'] },
  { product: 'github', service: 'audit', sources: ['github.audit'] },
  { product: 'okta', service: 'okta', sources: ['okta.system'] },
  { product: 'kubernetes', service: 'audit', sources: ['k8s.audit'] },
];

const LEVELS: Record<string, Severity> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low', informational: 'informational' };

const RuleShape = z.object({
  title: z.string().min(1),
  id: z.string().optional(),
  description: z.string().optional(),
  level: z.string().optional(),
  logsource: z.object({ product: z.string().optional(), service: z.string().optional(), category: z.string().optional() }),
  detection: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()).optional(),
  falsepositives: z.array(z.unknown()).optional(),
});

/** A JSON path for json_extract_string with every key quoted, so odd keys cannot break out. */
const jsonPath = (segments: string[], arraysBefore = segments.length - 1) =>
  `'$${segments.map((s, i) => `."${s.replaceAll("'", "''").replaceAll('"', '\\"')}"${i < arraysBefore && isArrayKey(s) ? '[*]' : ''}`).join('')}'`;

/**
 * The record Sigma means, not a wrapper around it: CloudTrail from `lookup-events` or CloudTrail Lake
 * carries the event as a JSON string in `CloudTrailEvent`; AKS diagnostic records carry the audit
 * Event in `properties.log`. A field is read from the record as it is and, only when it is not
 * there, from inside the wrapper (the wrapper's own keys are not Sigma's: `EventSource`, not
 * `eventSource`). Testing every record for a wrapper first cost 60-300 % on a million events.
 */
function readSql(sources: string[], path: string): string {
  const direct = `json_extract_string(e.raw, ${path})`;
  if (sources.length === 1 && sources[0] === 'aws.cloudtrail') return `coalesce(${direct}, json_extract_string(e.raw->>'$.CloudTrailEvent', ${path}))`;
  if (sources.length === 1 && sources[0] === 'k8s.audit') {
    return `coalesce(${direct}, json_extract_string(CASE WHEN json_type(e.raw, '$.properties.log') = 'VARCHAR' THEN (e.raw->>'$.properties.log') ELSE (e.raw->'$.properties.log')::VARCHAR END, ${path}))`;
  }
  return direct;
}

/**
 * SigmaHQ's GCP rules name fields as Elastic's ECS mapping does (`gcp.audit.method_name`) or under
 * `data.` (the LogEntry as a pub/sub message): where they are in a LogEntry.
 */
const GCP_FIELDS: Record<string, string> = {
  'gcp.audit.method_name': 'protoPayload.methodName',
  'gcp.audit.service_name': 'protoPayload.serviceName',
  'gcp.audit.resource_name': 'protoPayload.resourceName',
  'gcp.audit.authentication_info.principal_email': 'protoPayload.authenticationInfo.principalEmail',
  'gcp.audit.status.code': 'protoPayload.status.code',
};

/** Keys that hold arrays in the vendors' records: a field under one matches when any element does. */
const ARRAY_KEYS = new Set(['authorizationinfo', 'resources', 'targetresources', 'serviceaccountdelegationinfo', 'target', 'modifiedproperties']);
const isArrayKey = (key: string) => ARRAY_KEYS.has(key.toLowerCase());

/** A field's value in the record: one value, or a list when its path crosses an array. */
export interface FieldValue {
  sql: string;
  list: boolean;
}

/**
 * Where a Sigma field lives in the record. Azure exports differ: diagnostic settings put fields at
 * the top level or under `properties`, the az CLI wraps names as `{ value, localizedValue }`, and
 * SigmaHQ uses Sentinel's spellings (`ResultType`) where exports write `resultType`: the Azure
 * mapping tries each shape and both initial cases in turn.
 */
function fieldSql(field: string, sources: string[]): FieldValue {
  if (!/^[\w.@$-]+$/.test(field)) throw new Unsupported(`field name ${JSON.stringify(field)}`);
  // The CloudTrail parser stores eventName verbatim as operation (a test holds it to that): a
  // column DuckDB filters on first and fast, instead of parsing every raw record.
  if (field === 'eventName' && sources.length === 1 && sources[0] === 'aws.cloudtrail') return { sql: 'e.operation', list: false };
  let path = field;
  if (sources.includes('gcp.audit')) path = GCP_FIELDS[field] ?? (field.startsWith('data.') ? field.slice(5) : field);
  const segments = path.split('.');
  const list = segments.slice(0, -1).some(isArrayKey);
  // Arrays are only ever crossed before the field's own last name (a `.value` wrapper added after it is not one).
  const at = (s: string[], arraysBefore = s.length - 1) => readSql(sources, jsonPath(s, arraysBefore));
  if (sources.some((s) => s.startsWith('azure.'))) {
    const cased = (s: string[], upper: boolean) => s.map((x, i) => (i === 0 ? (upper ? x[0]!.toUpperCase() : x[0]!.toLowerCase()) + x.slice(1) : x));
    const variants = [...new Set([segments, cased(segments, false), cased(segments, true)].map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v) as string[]);
    const tries = variants.flatMap((v) => [at([...v, 'value'], v.length - 1), at(v), at(['properties', ...v])]);
    return { sql: `coalesce(${tries.join(', ')})`, list };
  }
  return { sql: at(segments), list };
}

/** `a|fieldref: b` — the value of field a equals (or contains, starts or ends with) the value of field b. */
function fieldref(a: FieldValue, modifiers: string[], value: unknown, sources: string[]): string {
  const names = Array.isArray(value) ? value : [value];
  if (names.some((n) => typeof n !== 'string')) throw new Unsupported('fieldref takes field names');
  if (a.list || modifiers.some((m) => !['contains', 'startswith', 'endswith', 'cased'].includes(m))) throw new Unsupported(`fieldref with |${modifiers.join('|')} or on a list`);
  const parts = (names as string[]).map((n) => {
    const b = fieldSql(n, sources);
    if (b.list) throw new Unsupported('fieldref to a list');
    const [x, y] = modifiers.includes('cased') ? [a.sql, b.sql] : [`lower(${a.sql})`, `lower(${b.sql})`];
    if (modifiers.includes('contains')) return `contains(${x}, ${y})`;
    if (modifiers.includes('startswith')) return `starts_with(${x}, ${y})`;
    if (modifiers.includes('endswith')) return `ends_with(${x}, ${y})`;
    return `${x} = ${y}`;
  });
  return joinParts(parts, 'OR');
}

function compileSearch(name: string, body: unknown, sources: string[]): string {
  const maps = (value: unknown): Record<string, unknown> | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
  const compileMap = (map: Record<string, unknown>) => {
    const parts = Object.entries(map).map(([key, value]) => {
      const [field, ...modifiers] = key.split('|');
      if (!field) return compileKeywords(Array.isArray(value) ? (value as SigmaScalar[]) : [value as SigmaScalar], modifiers.includes('all'));
      const target = fieldSql(field, sources);
      if (modifiers.includes('fieldref')) return fieldref(target, modifiers.filter((m) => m !== 'fieldref'), value, sources);
      if (!target.list) return compileFieldCondition(target.sql, modifiers, value as SigmaScalar | SigmaScalar[]);
      // Any element of the list: exists means a non-empty list.
      if (modifiers.includes('exists')) return value === true ? `coalesce(len(${target.sql}) > 0, false)` : `coalesce(len(${target.sql}) = 0, true)`;
      return `coalesce(len(list_filter(${target.sql}, v -> ${compileFieldCondition('v', modifiers, value as SigmaScalar | SigmaScalar[])})) > 0, false)`;
    });
    if (parts.length === 0) throw new Unsupported(`an empty search "${name}"`);
    return joinParts(parts, 'AND');
  };
  const single = maps(body);
  if (single) return compileMap(single);
  if (Array.isArray(body)) {
    if (body.every((b) => maps(b))) {
      const parts = body.map((b) => compileMap(b as Record<string, unknown>));
      return joinParts(parts, 'OR');
    }
    if (body.every((b) => b === null || typeof b !== 'object')) return compileKeywords(body as SigmaScalar[], false);
  }
  if (typeof body === 'string' || typeof body === 'number') return compileKeywords([body], false);
  throw new Unsupported(`the shape of search "${name}"`);
}

export function compileSigmaRule(text: string, file: string): CompiledSigmaRule | SkippedSigmaRule {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { file, title: null, reason: `not YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const parsed = RuleShape.safeParse(doc);
  if (!parsed.success) return { file, title: null, reason: `not a Sigma rule: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  const rule = parsed.data;
  try {
    const { product, service } = rule.logsource;
    const target = LOG_SOURCES.find((l) => l.product === product && l.service === service);
    if (!target) throw new Unsupported(`log source ${product ?? '?'}/${service ?? '?'}`);
    const { condition, timeframe, ...searches } = rule.detection;
    if (timeframe !== undefined) throw new Unsupported('timeframe (a correlation)');
    if (Array.isArray(condition) && condition.length !== 1) throw new Unsupported('several conditions');
    const conditionText = Array.isArray(condition) ? condition[0] : condition;
    if (typeof conditionText !== 'string') throw new Unsupported('a missing condition');
    const where = compileCondition(conditionText, new Map(Object.entries(searches).map(([name, body]) => [name, compileSearch(name, body, target.sources)])));
    return {
      id: rule.id ?? createHash('sha256').update(text).digest('hex').slice(0, 32),
      title: rule.title,
      level: LEVELS[rule.level ?? ''] ?? 'medium',
      description: (rule.description ?? '').trim(),
      file,
      logsource: rule.logsource,
      sources: target.sources,
      where,
      tags: rule.tags ?? [],
      falsepositives: (rule.falsepositives ?? []).map(String),
    };
  } catch (err) {
    if (err instanceof Unsupported) return { file, title: rule.title, reason: `unsupported: ${err.message}` };
    throw err;
  }
}

export const isCompiled = (r: CompiledSigmaRule | SkippedSigmaRule): r is CompiledSigmaRule => 'where' in r;

/** Every .yml/.yaml under a folder the user picked. */
export async function loadSigmaRules(dir: string): Promise<{ rules: CompiledSigmaRule[]; skipped: SkippedSigmaRule[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((d) => d.isFile() && /\.ya?ml$/i.test(d.name)).map((d) => join(d.parentPath, d.name)).sort();
  const rules: CompiledSigmaRule[] = [];
  const skipped: SkippedSigmaRule[] = [];
  for (const path of files) {
    const result = compileSigmaRule(await readFile(path, 'utf8'), relative(dir, path));
    if (isCompiled(result)) rules.push(result);
    else skipped.push(result);
  }
  return { rules, skipped };
}
