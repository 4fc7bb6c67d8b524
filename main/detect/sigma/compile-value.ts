import { sqlString } from '../../ingest/sources/source-parser';
import { joinParts } from './join-parts';

/**
 * One Sigma field condition (`field|mod1|mod2: value(s)`) as a DuckDB boolean expression.
 * Matching is case-insensitive like Sigma's default, except `re`, which is case-sensitive
 * unless it carries `i`. Every literal goes through sqlString.
 */

export class Unsupported extends Error {}

const STRING_MODIFIERS = new Set(['contains', 'startswith', 'endswith']);
const KNOWN = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'exists', 'base64', 'cased']);

export type SigmaScalar = string | number | boolean | null;

/** Sigma wildcards (`*`, `?`, `\\*` for a literal star) as a LIKE pattern with `\\` as escape. */
export function likePattern(value: string, prefix: string, suffix: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) {
      out += escapeLike(value[i + 1]!);
      i++;
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else out += escapeLike(c);
  }
  return `${prefix}${out}${suffix}`;
}

const escapeLike = (c: string) => (c === '%' || c === '_' || c === '\\' ? `\\${c}` : c);
const hasWildcard = (value: string) => /(^|[^\\])[*?]/.test(value);

/** An IPv4 address in SQL text as a number, for CIDR ranges. */
const ipv4Number = (expr: string) =>
  `(CASE WHEN regexp_full_match(${expr}, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN ` +
  `(split_part(${expr}, '.', 1)::BIGINT * 16777216 + split_part(${expr}, '.', 2)::BIGINT * 65536 + split_part(${expr}, '.', 3)::BIGINT * 256 + split_part(${expr}, '.', 4)::BIGINT) END)`;

function cidr(field: string, value: string): string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) throw new Unsupported(`cidr value ${JSON.stringify(value)} (only IPv4 ranges are supported)`);
  const [a, b, c, d, bits] = match.slice(1).map(Number) as [number, number, number, number, number];
  if ([a, b, c, d].some((x) => x > 255) || bits > 32) throw new Unsupported(`cidr value ${value} is not a valid IPv4 range`);
  const base = ((a * 16777216 + b * 65536 + c * 256 + d) >>> 0) - (((a * 16777216 + b * 65536 + c * 256 + d) >>> 0) % 2 ** (32 - bits));
  return `${ipv4Number(field)} BETWEEN ${base} AND ${base + 2 ** (32 - bits) - 1}`;
}

function one(field: string, value: SigmaScalar, modifiers: string[]): string {
  if (modifiers.includes('exists')) {
    if (typeof value !== 'boolean') throw new Unsupported('exists takes true or false');
    return value ? `${field} IS NOT NULL` : `${field} IS NULL`;
  }
  if (value === null) return `${field} IS NULL`;
  let text = typeof value === 'string' ? value : String(value);
  if (modifiers.includes('cidr')) return cidr(field, text);
  if (modifiers.includes('re')) {
    const flags = (modifiers.includes('i') ? 'i' : '') + (modifiers.includes('s') ? 's' : '') + (modifiers.includes('m') ? 'm' : '');
    return `regexp_matches(${field}, ${sqlString(text)}${flags ? `, ${sqlString(flags)}` : ''})`;
  }
  if (modifiers.includes('base64')) text = Buffer.from(text, 'utf8').toString('base64');
  const cased = modifiers.includes('cased');
  const lhs = cased ? field : `lower(${field})`;
  const lit = (s: string) => sqlString(cased ? s : s.toLowerCase());
  const stringMod = modifiers.find((m) => STRING_MODIFIERS.has(m));
  if (!stringMod && !hasWildcard(text)) return `${lhs} = ${lit(text.replace(/\\([*?\\])/g, '$1'))}`;
  const pattern = likePattern(text, stringMod === 'contains' || stringMod === 'endswith' ? '%' : '', stringMod === 'contains' || stringMod === 'startswith' ? '%' : '');
  return `${lhs} LIKE ${lit(pattern)} ESCAPE '\\'`;
}

/** `field|modifiers: value or list`: a list is OR, or AND with `all`. */
export function compileFieldCondition(field: string, modifiers: string[], values: SigmaScalar | SigmaScalar[]): string {
  for (const m of modifiers) if (!KNOWN.has(m)) throw new Unsupported(`modifier |${m}`);
  if (modifiers.includes('base64') && modifiers.includes('re')) throw new Unsupported('modifier |base64 with |re');
  const list = Array.isArray(values) ? values : [values];
  if (list.length === 0) throw new Unsupported('an empty value list');
  for (const v of list) if (v !== null && typeof v === 'object') throw new Unsupported('a nested value');
  const parts = list.map((v) => one(field, v, modifiers));
  return joinParts(parts, modifiers.includes('all') ? 'AND' : 'OR');
}

/** Keywords (values without a field): a case-insensitive search of the whole raw record. */
export function compileKeywords(values: SigmaScalar[], all: boolean): string {
  const parts = values.map((v) => {
    if (v === null || typeof v === 'object') throw new Unsupported('a keyword that is not text');
    return `lower(e.raw) LIKE ${sqlString(likePattern(String(v), '%', '%').toLowerCase())} ESCAPE '\\'`;
  });
  return joinParts(parts, all ? 'AND' : 'OR');
}
