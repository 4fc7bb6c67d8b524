import { type AccessModel, type RecordRef, isoDate, latest } from './access-model';
import { type ActionCatalog, type ActionSet, sensitiveSet, serviceOf } from './aws-actions';
import { type AwsGrant, adminOf, edgesOf, grantOf } from './aws-access';
import { type AwsPrincipal, readAuthorizationDetails } from './aws-estate';
import { type NamedPolicy, isObject, parsePolicy } from './aws-policy';

/**
 * The AWS part of the access model: authorization-details snapshots (principals, policies,
 * trust, escalation), credential reports and access-key lists (keys with their age and use),
 * joined to the actions each principal used in the case.
 */

export interface AwsRecord {
  ref: RecordRef;
  kind: string;
  doc: unknown;
}

/** Used actions per principal uid: catalog index to count of successful calls. */
export type UsedActions = Map<string, Map<number, number>>;

export function addAwsModel(model: AccessModel, catalog: ActionCatalog, records: AwsRecord[], used: UsedActions, federated: readonly string[] = []): void {
  const sensitive = sensitiveSet(catalog);
  const grants = new Map<string, { grant: AwsGrant; ref: RecordRef }>();
  const scps = readScps(model, records);
  // Several snapshots may coexist: the latest record of each principal wins (records come in import order).
  for (const r of records.filter((x) => x.kind === 'aws.iam-authorization-details')) {
    let estate;
    try {
      estate = readAuthorizationDetails(r.doc);
    } catch (err) {
      model.snapshots.push({ ref: r.ref, kind: r.kind, scope: null, notBefore: null, principals: 0, problems: [(err as Error).message] });
      continue;
    }
    model.snapshots.push({ ref: r.ref, kind: r.kind, scope: estate.account, notBefore: isoDate(estate.notBefore), principals: estate.principals.length, problems: estate.problems });
    for (const p of estate.principals) {
      const levels = [scps.root, scps.accounts.get(p.account) ?? []].filter((level) => level.length > 0);
      if (levels.length) p.scps = levels;
      grants.set(p.arn, { grant: grantOf(catalog, p), ref: r.ref });
    }
  }
  const all = [...grants.values()];
  for (const { grant, ref } of all) addPrincipal(model, catalog, sensitive, grant, ref, used.get(grant.principal.arn));
  const refOf = (arn: string) => grants.get(arn)?.ref;
  for (const e of edgesOf(
    catalog,
    all.map((g) => g.grant),
    federated,
  )) {
    const ref = refOf(e.kind === 'escalate' || e.kind === 'member' ? e.from : e.to) ?? refOf(e.from);
    if (ref) model.edges.push({ ...e, ref });
  }
  for (const account of new Set(all.map((g) => g.grant.principal.account))) {
    const anyRef = all.find((g) => g.grant.principal.account === account)!.ref;
    // Administrators of the account are where a self-escalation leads.
    for (const { grant } of all.filter((g) => g.grant.isAdmin && g.grant.principal.account === account)) {
      model.edges.push({ from: adminOf(account), to: grant.principal.arn, kind: 'member', method: 'administrator', conditional: false, explanation: `${grant.principal.name} is an administrator of ${account}`, ref: anyRef });
      model.edges.push({ from: grant.principal.arn, to: adminOf(account), kind: 'member', method: 'administrator', conditional: false, explanation: `${grant.principal.name} may call every action on every resource of ${account}`, ref: refOf(grant.principal.arn) ?? anyRef });
    }
  }
  addKeys(model, records);
}

function addPrincipal(model: AccessModel, catalog: ActionCatalog, sensitive: ActionSet, grant: AwsGrant, ref: RecordRef, used: Map<number, number> | undefined) {
  const p: AwsPrincipal = grant.principal;
  const perService = new Map<string, { granted: number; used: number; sensitiveGranted: number; sensitiveUsed: number }>();
  const row = (service: string) => {
    let r = perService.get(service);
    if (!r) perService.set(service, (r = { granted: 0, used: 0, sensitiveGranted: 0, sensitiveUsed: 0 }));
    return r;
  };
  const unusedSensitive: string[] = [];
  let usedCount = 0;
  const visit = (i: number) => {
    const r = row(serviceOf(catalog.actions[i]!));
    r.granted++;
    const isUsed = used?.has(i) ?? false;
    if (isUsed) r.used++;
    if (sensitive.has(i)) {
      r.sensitiveGranted++;
      if (isUsed) r.sensitiveUsed++;
      else unusedSensitive.push(catalog.actions[i]!);
    }
  };
  for (const i of grant.granted) visit(i);
  for (const i of grant.conditional) visit(i);
  for (const i of used?.keys() ?? []) {
    usedCount++;
    if (!grant.granted.has(i) && !grant.conditional.has(i)) row(serviceOf(catalog.actions[i]!)).used++;
  }
  if (p.kind !== 'group') {
    for (const [service, r] of perService) model.services.push({ principal: p.arn, service, ...r });
  }
  model.principals.push({
    uid: p.arn,
    provider: 'aws',
    kind: p.kind,
    name: p.name,
    scope: p.account,
    createdAt: isoDate(p.createdAt),
    lastUsedAt: isoDate(p.lastUsedAt),
    groups: p.groups,
    boundary: p.boundary?.name ?? null,
    isAdmin: grant.isAdmin,
    wildcard: grant.wildcard,
    granted: grant.granted.size,
    conditional: grant.conditional.size,
    used: usedCount,
    unusedSensitive: grant.isAdmin ? [] : unusedSensitive.sort(),
    ref,
  });
  for (const policy of [...p.policies, ...(p.boundary ? [p.boundary] : [])]) {
    model.policies.push({ principal: p.arn, policy: policy.name, via: policy.via, document: policy.raw, ref });
  }
  if (p.trust) model.policies.push({ principal: p.arn, policy: 'trust policy', via: 'trust', document: trustRaw(p), ref });
  (p.scps ?? []).forEach((level, i) => {
    for (const scp of level as ScpPolicy[]) model.policies.push({ principal: p.arn, policy: scp.name, via: `scp level ${i + 1}`, document: scp.raw, ref: scp.ref });
  });
}

function trustRaw(p: AwsPrincipal): unknown {
  return { Version: p.trust?.version ?? undefined, Statement: p.trust?.statements.map((s) => ({ Effect: s.effect, Principal: s.principals ?? undefined, Action: s.actions ?? undefined, Condition: s.condition ?? undefined })) };
}

/** Keys from credential reports (age, rotation, use per slot) and key lists (ids). */
function addKeys(model: AccessModel, records: AwsRecord[]) {
  // `list-access-keys` output, read once: key ids, status and creation day per user.
  const listed = records
    .filter((x) => x.kind === 'aws.iam-access-keys')
    .flatMap((r) => (isObject(r.doc) && Array.isArray(r.doc.AccessKeyMetadata) ? r.doc.AccessKeyMetadata.filter(isObject).map((k) => ({ k, ref: r.ref })) : []))
    .flatMap(({ k, ref }) => (typeof k.AccessKeyId === 'string' ? [{ user: typeof k.UserName === 'string' ? k.UserName : '', id: k.AccessKeyId, created: isoDate(k.CreateDate), active: k.Status === 'Active', ref }] : []));
  const ids = new Map<string, typeof listed>();
  for (const k of listed) ids.set(k.user, [...(ids.get(k.user) ?? []), k]);
  const reportRows = records.filter((x) => x.kind === 'aws.iam-credential-report' && isObject(x.doc));
  const reportDates = new Map<number, string[]>();
  for (const r of reportRows) {
    const row = r.doc as Record<string, unknown>;
    const arn = String(row.arn);
    const user = String(row.user);
    const dates: (string | null)[] = [];
    for (const slot of ['1', '2']) {
      const rotated = isoDate(row[`access_key_${slot}_last_rotated`]);
      const lastUsed = isoDate(row[`access_key_${slot}_last_used_date`]);
      dates.push(rotated, lastUsed);
      const active = row[`access_key_${slot}_active`] === 'true';
      if (!active && !rotated) continue;
      // The report has no key ids: a key list of the same user gives it, matched by creation day.
      const id = (ids.get(user) ?? []).find((k) => k.created && rotated && k.created.slice(0, 10) === rotated.slice(0, 10))?.id ?? null;
      model.keys.push({
        keyId: id,
        principal: arn,
        provider: 'aws',
        slot: `access_key_${slot}`,
        active,
        createdAt: rotated,
        lastRotated: rotated,
        lastUsedAt: lastUsed,
        lastUsedService: typeof row[`access_key_${slot}_last_used_service`] === 'string' && row[`access_key_${slot}_last_used_service`] !== 'N/A' ? String(row[`access_key_${slot}_last_used_service`]) : null,
        expiresAt: null,
        ref: r.ref,
      });
    }
    dates.push(isoDate(row.user_creation_time), isoDate(row.password_last_used));
    const list = reportDates.get(r.ref.evidenceId) ?? [];
    list.push(...dates.filter((d): d is string => !!d));
    reportDates.set(r.ref.evidenceId, list);
  }
  for (const [evidenceId, dates] of reportDates) {
    const first = reportRows.find((r) => r.ref.evidenceId === evidenceId)!;
    model.snapshots.push({ ref: first.ref, kind: 'aws.iam-credential-report', scope: null, notBefore: latest(dates), principals: reportRows.filter((r) => r.ref.evidenceId === evidenceId).length, problems: [] });
  }
  // Keys listed but absent from any report row, under their user's ARN when the snapshot has the user.
  const reported = new Set(model.keys.map((k) => k.keyId));
  const userArn = new Map(model.principals.filter((p) => p.provider === 'aws' && p.kind === 'user').map((p) => [p.name, p.uid]));
  for (const k of listed) {
    if (reported.has(k.id)) continue;
    model.keys.push({ keyId: k.id, principal: userArn.get(k.user) ?? `user:${k.user}`, provider: 'aws', slot: null, active: k.active, createdAt: k.created, lastRotated: k.created, lastUsedAt: null, lastUsedService: null, expiresAt: null, ref: k.ref });
  }
}

/**
 * Service control policies (`aws organizations describe-policy`, with the `Targets` of
 * `list-targets-for-policy` beside `Policy` in the same record): those on the root apply to
 * every account, those on an account to it. An SCP on an OU, or without targets, is not applied
 * (which accounts it governs is not in the evidence): the snapshot says so.
 */
interface ScpPolicy extends NamedPolicy {
  raw: unknown;
  ref: RecordRef;
}

function readScps(model: AccessModel, records: AwsRecord[]): { root: NamedPolicy[]; accounts: Map<string, NamedPolicy[]> } {
  const root: NamedPolicy[] = [];
  const accounts = new Map<string, NamedPolicy[]>();
  for (const r of records.filter((x) => x.kind === 'aws.organizations-policy')) {
    const doc = isObject(r.doc) ? r.doc : {};
    const policy = isObject(doc.Policy) ? doc.Policy : {};
    const summary = isObject(policy.PolicySummary) ? policy.PolicySummary : {};
    const name = typeof summary.Name === 'string' ? summary.Name : typeof summary.Id === 'string' ? summary.Id : 'SCP';
    const problems: string[] = [];
    let parsed: NamedPolicy | null = null;
    try {
      parsed = { name: `SCP ${name}`, document: parsePolicy(policy.Content), raw: JSON.parse(String(policy.Content)) as unknown, ref: r.ref } as ScpPolicy;
    } catch (err) {
      problems.push(`SCP ${name}: ${(err as Error).message}`);
    }
    const targets = Array.isArray(doc.Targets) ? doc.Targets.filter(isObject) : [];
    if (!targets.length) problems.push(`SCP ${name}: its targets are not in the record (add the Targets of list-targets-for-policy): not applied`);
    for (const t of targets) {
      if (!parsed) break;
      if (t.Type === 'ROOT') root.push(parsed);
      else if (t.Type === 'ACCOUNT' && typeof t.TargetId === 'string') accounts.set(t.TargetId, [...(accounts.get(t.TargetId) ?? []), parsed]);
      else problems.push(`SCP ${name}: attached to ${String(t.Type)} ${String(t.TargetId)}, whose accounts are not in the evidence: not applied there`);
    }
    model.snapshots.push({ ref: r.ref, kind: r.kind, scope: targets.map((t) => String(t.TargetId)).join(',') || null, notBefore: null, principals: targets.length, problems });
  }
  return { root, accounts };
}
