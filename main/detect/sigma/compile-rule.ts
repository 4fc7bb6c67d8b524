import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CompiledSigmaRule, Severity, SkippedSigmaRule } from '../rule';
import { compileCondition } from './compile-condition';
import { type SigmaScalar, Unsupported, compileFieldCondition, compileKeywords } from './compile-value';

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
const jsonPath = (segments: string[]) => `'$${segments.map((s) => `."${s.replaceAll("'", "''").replaceAll('"', '\\"')}"`).join('')}'`;

/**
 * Where a Sigma field lives in the raw record. Azure exports differ: diagnostic settings put
 * fields at the top level or under `properties`, the az CLI wraps names as `{ value, localizedValue }`;
 * the Azure mapping tries each shape in turn.
 */
function fieldSql(field: string, sources: string[]): string {
  if (!/^[\w.@$-]+$/.test(field)) throw new Unsupported(`field name ${JSON.stringify(field)}`);
  // The CloudTrail parser stores eventName verbatim as operation (a test holds it to that): a
  // column DuckDB filters on first and fast, instead of parsing every raw record.
  if (field === 'eventName' && sources.length === 1 && sources[0] === 'aws.cloudtrail') return 'e.operation';
  const segments = field.split('.');
  const at = (s: string[]) => `json_extract_string(e.raw, ${jsonPath(s)})`;
  if (sources.some((s) => s.startsWith('azure.'))) {
    return `coalesce(${at([...segments, 'value'])}, ${at(segments)}, ${at(['properties', ...segments])})`;
  }
  return at(segments);
}

function compileSearch(name: string, body: unknown, sources: string[]): string {
  const maps = (value: unknown): Record<string, unknown> | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
  const compileMap = (map: Record<string, unknown>) => {
    const parts = Object.entries(map).map(([key, value]) => {
      const [field, ...modifiers] = key.split('|');
      if (!field) return compileKeywords(Array.isArray(value) ? (value as SigmaScalar[]) : [value as SigmaScalar], modifiers.includes('all'));
      return compileFieldCondition(fieldSql(field, sources), modifiers, value as SigmaScalar | SigmaScalar[]);
    });
    if (parts.length === 0) throw new Unsupported(`an empty search "${name}"`);
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  };
  const single = maps(body);
  if (single) return compileMap(single);
  if (Array.isArray(body)) {
    if (body.every((b) => maps(b))) {
      const parts = body.map((b) => compileMap(b as Record<string, unknown>));
      return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
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
    const compiled = new Map(Object.entries(searches).map(([name, body]) => [name, compileSearch(name, body, target.sources)]));
    return {
      id: rule.id ?? createHash('sha256').update(text).digest('hex').slice(0, 32),
      title: rule.title,
      level: LEVELS[rule.level ?? ''] ?? 'medium',
      description: (rule.description ?? '').trim(),
      file,
      logsource: rule.logsource,
      sources: target.sources,
      where: compileCondition(conditionText, compiled),
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
