import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CATEGORIES } from '../../../shared/schema';
import type { JsonStructure, SourceParser } from './source-parser';
import { sqlString } from './source-parser';
import { timeSql } from './time-sql';

/**
 * Any other CSV or JSON-lines log (API gateway access logs, database audit, CI logs) through a
 * mapping file, JSON or YAML, that names the column behind each field of the normalized schema:
 *
 *     name: api-gateway
 *     time: { field: requestTime, format: "%d/%b/%Y:%H:%M:%S %z", timezone: UTC }
 *     fields:
 *       event_uid: requestId
 *       actor_uid: caller            # a column; nested JSON with dots: identity.user
 *       operation: httpMethod
 *       resource_uid: path
 *       src_ip: ip
 *       service: { value: apigateway }   # a constant
 *     status: { field: status, success: "^[23]" }
 *
 * The mapped parser comes after every built-in one, so it only claims records no parser knows,
 * and only those that have the time column and every column listed in `match` (by default the
 * time column and the operation column).
 */

const column = z.string().min(1, 'a column name cannot be empty');
const fieldSource = z.union([column, z.object({ value: z.string() }).strict()]);

const MAPPABLE = [
  'event_uid',
  'actor_uid',
  'actor_type',
  'actor_display',
  'credential_uid',
  'session_uid',
  'origin_uid',
  'operation',
  'service',
  'resource_uid',
  'resource_type',
  'boundary',
  'actor_boundary',
  'region',
  'src_ip',
  'user_agent',
  'error_code',
  'bytes_out',
  'bytes_in',
] as const;
type Mappable = (typeof MAPPABLE)[number];

export const MappingSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash and underscore'),
    description: z.string().optional(),
    time: z.union([
      column,
      z
        .object({
          field: column,
          format: z.string().optional(),
          timezone: z.string().optional(),
          unit: z.enum(['s', 'ms', 'us', 'ns', 'filetime']).optional(),
        })
        .strict(),
    ]),
    fields: z.partialRecord(z.enum(MAPPABLE), fieldSource).refine((f) => f.operation !== undefined, { message: 'fields.operation is required' }),
    status: z
      .object({ field: column, success: z.string().optional(), failure: z.string().optional() })
      .strict()
      .optional(),
    category: z.union([z.enum(CATEGORIES), z.array(z.tuple([z.string(), z.enum(CATEGORIES)]))]).optional(),
    is_nhi: z.boolean().optional(),
    match: z.array(column).optional(),
  })
  .strict();

export type Mapping = z.infer<typeof MappingSchema>;

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** Reads and validates a mapping file; every problem is named with its path in the file. */
export function loadMapping(path: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MappingError(`cannot read the mapping file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new MappingError(`the mapping file ${path} is not valid JSON or YAML: ${(err as Error).message}`);
  }
  const parsed = MappingSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new MappingError(`the mapping file ${path} is not valid:\n  ${problems.join('\n  ')}`);
  }
  for (const [pattern] of Array.isArray(parsed.data.category) ? parsed.data.category : []) {
    try {
      new RegExp(pattern);
    } catch {
      throw new MappingError(`the mapping file ${path} is not valid:\n  category: ${JSON.stringify(pattern)} is not a regular expression`);
    }
  }
  return parsed.data;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The columns a mapping reads, as a json_transform structure (dots nest). */
function structureOf(columns: readonly string[]): { [key: string]: JsonStructure } {
  const root: { [key: string]: JsonStructure } = {};
  for (const path of columns) {
    const parts = path.split('.');
    let node = root;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        if (!(part in node)) node[part] = 'VARCHAR';
      } else {
        if (typeof node[part] !== 'object') node[part] = {};
        node = node[part] as { [key: string]: JsonStructure };
      }
    });
  }
  return root;
}

const access = (root: string, path: string) => `${root}.${path.split('.').map(quote).join('.')}`;

export function mappedParser(mapping: Mapping): SourceParser {
  const time = typeof mapping.time === 'string' ? { field: mapping.time } : mapping.time;
  const fields = mapping.fields as Partial<Record<Mappable, string | { value: string }>>;
  const columns = [
    time.field,
    ...Object.values(fields).filter((v): v is string => typeof v === 'string'),
    ...(mapping.status ? [mapping.status.field] : []),
  ];
  const operationColumn = typeof fields.operation === 'string' ? fields.operation : undefined;
  const match = mapping.match ?? [time.field, ...(operationColumn ? [operationColumn] : [])];
  const value = (name: Mappable) => {
    const source = fields[name];
    if (source === undefined) return 'NULL';
    if (typeof source !== 'string') return sqlString(source.value);
    return `nullif(${access('j', source)}, '')`;
  };
  const timeExpr = timeSql(access('j', time.field), {
    ...(time.format ? { format: time.format } : {}),
    ...(time.timezone ? { zone: time.timezone } : {}),
    ...(time.unit ? { unit: time.unit } : {}),
  });
  const status = mapping.status
    ? (() => {
        const v = access('j', mapping.status.field);
        if (mapping.status.success) return `CASE WHEN regexp_matches(${v}, ${sqlString(mapping.status.success)}) THEN 'success' ELSE 'failure' END`;
        if (mapping.status.failure) return `CASE WHEN regexp_matches(${v}, ${sqlString(mapping.status.failure)}) THEN 'failure' ELSE 'success' END`;
        return `CASE WHEN regexp_matches(lower(${v}), '^(fail|failure|error|denied|deny|false|[45][0-9][0-9])') THEN 'failure' ELSE 'success' END`;
      })()
    : `'success'`;
  const category = Array.isArray(mapping.category)
    ? `CASE ${mapping.category.map(([pattern, c]) => `WHEN regexp_matches(${value('operation')}, ${sqlString(pattern)}) THEN ${sqlString(c)}`).join(' ')} ELSE 'other' END`
    : sqlString(mapping.category ?? 'other');
  const actor = value('actor_uid');
  const resource = value('resource_uid');

  return {
    id: 'mapped',
    version: `1.0.0+${mapping.name}`,
    probe: structureOf(match),
    detect: (p) => `(${match.map((c) => `${access(p, c)} IS NOT NULL`).join(' AND ')})`,
    structure: structureOf(columns),
    normalizeSql(from, _structure, passThrough) {
      const carry = passThrough.map((c) => `${c}, `).join('');
      return `
SELECT ${carry}
  coalesce(${value('event_uid')}, 'sha256:' || sha256(raw)) AS event_uid,
  line,
  ${timeExpr} AS time,
  'mapped' AS source,
  record_no,
  byte_offset,
  ${actor} AS actor_uid,
  coalesce(${value('actor_type')}, CASE WHEN ${actor} IS NOT NULL THEN 'unknown' END) AS actor_type,
  coalesce(${value('actor_display')}, ${actor}) AS actor_display,
  ${mapping.is_nhi === undefined ? 'NULL::BOOLEAN' : String(mapping.is_nhi)} AS is_nhi,
  ${value('credential_uid')} AS credential_uid,
  ${value('session_uid')} AS session_uid,
  ${value('origin_uid')} AS origin_uid,
  coalesce(${value('operation')}, '(none)') AS operation,
  coalesce(${value('service')}, ${sqlString(mapping.name)}) AS service,
  ${category} AS category,
  ${resource} AS resource_uid,
  ${value('resource_type')} AS resource_type,
  ${value('boundary')} AS boundary,
  ${value('actor_boundary')} AS actor_boundary,
  ${value('region')} AS region,
  ${value('src_ip')} AS src_ip,
  ${value('user_agent')} AS user_agent,
  ${status} AS status,
  ${value('error_code')} AS error_code,
  TRY_CAST(${value('bytes_out')} AS BIGINT) AS bytes_out,
  TRY_CAST(${value('bytes_in')} AS BIGINT) AS bytes_in,
  raw,
  CASE WHEN ${timeExpr} IS NULL THEN 'no_time' END AS problem,
  CASE WHEN ${timeExpr} IS NULL THEN 'no usable time in column ' || ${sqlString(time.field)} || ': ' || coalesce('"' || ${access('j', time.field)} || '"', 'missing') END AS problem_message,
  CASE WHEN ${resource} IS NOT NULL
    THEN [{'resource_uid': ${resource}, 'resource_type': ${value('resource_type')}, 'boundary': ${value('boundary')}, 'role': 'primary'}]
    ELSE [] END AS resources
FROM ${from}`;
    },
  };
}
