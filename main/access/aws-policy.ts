/**
 * AWS IAM policy documents and their evaluation, after AWS's documented policy evaluation logic
 * (IAM User Guide, "Policy evaluation logic" and "Determining whether a request is allowed or
 * denied within an account"): an explicit Deny in any applicable policy wins; otherwise every
 * guard that applies (an Organizations SCP, a permissions boundary) must allow the request, and
 * an identity policy must allow it; otherwise the request is implicitly denied.
 *
 * Conditions are not guessed: a statement whose Condition cannot be decided from what the case
 * knows makes its effect "conditional", shown with the condition, never counted as a plain allow.
 */

export type Effect = 'Allow' | 'Deny';

/** One statement in normal form: every list an array, the negated forms kept apart. */
export interface Statement {
  sid: string | null;
  effect: Effect;
  actions: string[] | null;
  notActions: string[] | null;
  resources: string[] | null;
  notResources: string[] | null;
  /** The statement's Condition block as written, or null. */
  condition: Record<string, unknown> | null;
  /** Trust and resource policies only: principals by type ("AWS", "Service", "Federated", "*"). */
  principals: Record<string, string[]> | null;
  notPrincipals: Record<string, string[]> | null;
}

export interface PolicyDocument {
  version: string | null;
  statements: Statement[];
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** A policy document as exported: an object, or (inside some exports) its URL-encoded JSON text. */
export function parsePolicy(input: unknown): PolicyDocument {
  let doc = input;
  if (typeof doc === 'string') {
    const text = doc.trim().startsWith('{') ? doc : safeDecode(doc);
    try {
      doc = JSON.parse(text) as unknown;
    } catch {
      throw new PolicyError('the policy document is not valid JSON');
    }
  }
  if (!isObject(doc)) throw new PolicyError('the policy document is not a JSON object');
  const raw = doc.Statement;
  if (raw === undefined) throw new PolicyError('the policy document has no Statement');
  const list = Array.isArray(raw) ? raw : [raw];
  return { version: typeof doc.Version === 'string' ? doc.Version : null, statements: list.map((s, i) => parseStatement(s, i)) };
}

function parseStatement(s: unknown, index: number): Statement {
  if (!isObject(s)) throw new PolicyError(`statement ${index + 1} is not an object`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new PolicyError(`statement ${index + 1} has Effect ${JSON.stringify(s.Effect)}, not Allow or Deny`);
  const statement: Statement = {
    sid: typeof s.Sid === 'string' ? s.Sid : null,
    effect: s.Effect,
    actions: strings(s.Action, 'Action', index),
    notActions: strings(s.NotAction, 'NotAction', index),
    resources: strings(s.Resource, 'Resource', index),
    notResources: strings(s.NotResource, 'NotResource', index),
    condition: isObject(s.Condition) ? s.Condition : null,
    principals: principalsOf(s.Principal),
    notPrincipals: principalsOf(s.NotPrincipal),
  };
  if (!statement.actions && !statement.notActions) throw new PolicyError(`statement ${index + 1} has neither Action nor NotAction`);
  return statement;
}

function strings(v: unknown, field: string, index: number): string[] | null {
  if (v === undefined || v === null) return null;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new PolicyError(`statement ${index + 1}: ${field} must be a string or a list of strings`);
  return list as string[];
}

function principalsOf(v: unknown): Record<string, string[]> | null {
  if (v === undefined || v === null) return null;
  if (v === '*') return { '*': ['*'] };
  if (!isObject(v)) return null;
  const out: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(v)) out[type] = (Array.isArray(value) ? value : [value]).filter((x): x is string => typeof x === 'string');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const globCache = new Map<string, RegExp>();

/** IAM's wildcards: `*` any run of characters, `?` any one; actions ignore case, ARNs do not. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = (ignoreCase ? 'i' : 's') + pattern;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (globCache.size > 50_000) globCache.clear();
    globCache.set(key, re);
  }
  return re.test(value);
}

export function actionMatches(pattern: string, action: string): boolean {
  return globMatch(pattern, action, true);
}

/**
 * An ARN against a Resource pattern, segment by segment (partition, service, region, account,
 * resource): a wildcard in one segment does not reach into the next, as the IAM reference says.
 */
export function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  if (!p || !a) return globMatch(pattern, arn, false);
  for (let i = 0; i < 5; i++) if (!globMatch(p[i]!, a[i]!, i < 3)) return false;
  return true;
}

function splitArn(arn: string): string[] | null {
  if (!arn.startsWith('arn:')) return null;
  const parts = arn.split(':');
  if (parts.length < 6) return null;
  return [parts[1]!, parts[2]!, parts[3]!, parts[4]!, parts.slice(5).join(':')];
}

/** What a request is evaluated with: the action, the resource and the values of policy variables. */
export interface Request {
  action: string;
  resource: string;
  /** Known request context (aws:username, aws:PrincipalAccount…) for policy variables and simple conditions. */
  context?: Record<string, string>;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny' | 'conditional';

export interface StatementRef {
  policy: string;
  statement: Statement;
}

export interface Evaluation {
  decision: Decision;
  /** The statements that decided it: the Deny that won, the Allows that granted, or those left conditional. */
  because: StatementRef[];
  /** Which guard refused, when one did. */
  guard?: 'boundary' | 'scp';
}

/** A named policy and its document, as attached to a principal. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

export interface PolicySet {
  identity: NamedPolicy[];
  /** The permissions boundary, when the principal has one. */
  boundary?: NamedPolicy | null;
  /** Organizations SCPs on the principal's account (each level must allow), when known. */
  scps?: NamedPolicy[][] | null;
}

type Applies = 'yes' | 'no' | 'maybe';

/** Whether one statement applies to the request: maybe when it rests on a condition the case cannot decide. */
export function statementApplies(s: Statement, req: Request): Applies {
  const action = s.actions ? s.actions.some((p) => actionMatches(p, req.action)) : !s.notActions!.some((p) => actionMatches(p, req.action));
  if (!action) return 'no';
  const ctx = req.context ?? {};
  const resource = s.resources
    ? s.resources.some((p) => resourceMatches(substitute(p, ctx), req.resource))
    : s.notResources
      ? !s.notResources.some((p) => resourceMatches(substitute(p, ctx), req.resource))
      : true;
  if (!resource) return 'no';
  return conditionHolds(s.condition, ctx);
}

/** Policy variables (`${aws:username}`) replaced from the context; unknown ones stay, matching nothing literal. */
export function substitute(pattern: string, ctx: Record<string, string>): string {
  if (!pattern.includes('${')) return pattern;
  return pattern.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    // ${*}, ${?} and ${$} stand for the literal characters; a literal * or ? cannot be told from a wildcard here.
    if (name === '*' || name === '?' || name === '$') return name;
    const [key, fallback] = name.split(/\s*,\s*/) as [string, string | undefined];
    const value = lookup(ctx, key);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback.replace(/^'|'$/g, '');
    return whole;
  });
}

function lookup(ctx: Record<string, string>, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

const STRING_OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (v, p) => v === p,
  StringNotEquals: (v, p) => v !== p,
  StringEqualsIgnoreCase: (v, p) => v.toLowerCase() === p.toLowerCase(),
  StringNotEqualsIgnoreCase: (v, p) => v.toLowerCase() !== p.toLowerCase(),
  StringLike: (v, p) => globMatch(p, v, false),
  StringNotLike: (v, p) => !globMatch(p, v, false),
  ArnEquals: (v, p) => v === p,
  ArnLike: (v, p) => resourceMatches(p, v),
  ArnNotEquals: (v, p) => v !== p,
  ArnNotLike: (v, p) => !resourceMatches(p, v),
};

/**
 * A Condition block against the known context: yes when every key is known and holds, no when a
 * known key fails, maybe when any key is not known (most request context is not in a snapshot).
 * Only string and ARN operators are decided; the rest (dates, IPs, numbers, Bool) stay maybe.
 */
export function conditionHolds(condition: Record<string, unknown> | null, ctx: Record<string, string>): Applies {
  if (!condition) return 'yes';
  let result: Applies = 'yes';
  for (const [op, block] of Object.entries(condition)) {
    const ifExists = op.endsWith('IfExists');
    const base = op.replace(/^ForAllValues:|^ForAnyValue:/, '').replace(/IfExists$/, '');
    const test = STRING_OPERATORS[base];
    if (!isObject(block)) return 'maybe';
    for (const [key, expected] of Object.entries(block)) {
      const value = lookup(ctx, key);
      if (!test || op.startsWith('For')) {
        result = 'maybe';
        continue;
      }
      if (value === undefined) {
        if (!ifExists) result = 'maybe';
        continue;
      }
      const patterns = (Array.isArray(expected) ? expected : [expected]).map(String);
      const negated = base.includes('Not');
      const ok = negated ? patterns.every((p) => test(value, p)) : patterns.some((p) => test(value, p));
      if (!ok) return 'no';
    }
  }
  return result;
}

/** The statements of some policies that apply to a request, by effect. */
function matching(policies: NamedPolicy[], req: Request) {
  const deny: StatementRef[] = [];
  const maybeDeny: StatementRef[] = [];
  const allow: StatementRef[] = [];
  const maybeAllow: StatementRef[] = [];
  for (const policy of policies) {
    for (const statement of policy.document.statements) {
      const applies = statementApplies(statement, req);
      if (applies === 'no') continue;
      const ref = { policy: policy.name, statement };
      if (statement.effect === 'Deny') (applies === 'yes' ? deny : maybeDeny).push(ref);
      else (applies === 'yes' ? allow : maybeAllow).push(ref);
    }
  }
  return { deny, maybeDeny, allow, maybeAllow };
}

/**
 * One request against a principal's policies. Explicit deny anywhere first; then SCPs (every
 * level must allow), the boundary, then the identity policies. A Deny that rests on an unknown
 * condition makes an allow conditional (it might be refused), never a deny.
 */
export function evaluate(set: PolicySet, req: Request): Evaluation {
  const guards: { kind: 'boundary' | 'scp'; policies: NamedPolicy[] }[] = [];
  for (const level of set.scps ?? []) guards.push({ kind: 'scp', policies: level });
  if (set.boundary) guards.push({ kind: 'boundary', policies: [set.boundary] });
  const all = [...set.identity, ...guards.flatMap((g) => g.policies)];
  const m = matching(all, req);
  if (m.deny.length) return { decision: 'explicit-deny', because: m.deny };
  let conditional = m.maybeDeny.length > 0;
  const conditions: StatementRef[] = [...m.maybeDeny];
  for (const guard of guards) {
    const g = matching(guard.policies, req);
    if (!g.allow.length && !g.maybeAllow.length) return { decision: 'implicit-deny', because: [], guard: guard.kind };
    if (!g.allow.length) {
      conditional = true;
      conditions.push(...g.maybeAllow);
    }
  }
  const own = matching(set.identity, req);
  if (!own.allow.length && !own.maybeAllow.length) return { decision: 'implicit-deny', because: [] };
  if (!own.allow.length) {
    conditional = true;
    conditions.push(...own.maybeAllow);
  }
  if (conditional) return { decision: 'conditional', because: [...conditions, ...own.allow] };
  return { decision: 'allow', because: own.allow };
}
