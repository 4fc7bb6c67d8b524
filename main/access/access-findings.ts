import type { CaseStore } from '../case-store/case-store';
import { type AccessFindingRow, type AccessModel, type PrincipalRow, latest } from './access-model';
import { accountOfArn } from './aws-estate';
import { ReachIndex, isAdminNode } from './reach';

/**
 * Least-privilege findings over the access model: machine identities with administrator or
 * wildcard access, sensitive permissions they never used, old and unused keys, keys and
 * service accounts nobody is seen using, one credential reaching several accounts, and paths
 * from a machine identity to administrator. Ages are measured at the case's date (the later of
 * the newest snapshot date and the last event), never at the clock of the machine reading it.
 */

export const KEY_AGE_DAYS = 90;
export const KEY_IDLE_DAYS = 90;

interface Known {
  is_nhi: boolean | null;
}

export async function accessFindings(store: CaseStore, model: AccessModel): Promise<AccessFindingRow[]> {
  const identities = new Map(
    (await store.read<{ uid: string; is_nhi: boolean | null }>(`SELECT uid, is_nhi FROM identities WHERE observed`)).map((r) => [r.uid, { is_nhi: r.is_nhi } as Known]),
  );
  const coveredAccounts = new Set(
    (await store.read<{ b: string }>(`SELECT DISTINCT unnest(boundaries) AS b FROM identities WHERE observed`)).map((r) => r.b.replace(/^aws:\/\//, '').replace(/^aws:/, '')),
  );
  const hasKube = (await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM events WHERE source = 'k8s.audit'`))[0]?.n ?? 0;
  const [last] = await store.read<{ t: string | null }>(`SELECT strftime(max(time), '%Y-%m-%dT%H:%M:%SZ') AS t FROM events WHERE time_flag IS NULL`);
  const asOf = latest([last?.t ?? null, ...model.snapshots.map((s) => s.notBefore)]) ?? new Date(0).toISOString();
  const credentialRows = await store.read<{ credential_uid: string; last_seen: string; shared: boolean; src_ips: string[] }>(
    `SELECT credential_uid, strftime(last_seen, '%Y-%m-%dT%H:%M:%SZ') AS last_seen, shared, src_ips FROM credentials WHERE kind = 'long_term'`,
  );
  const keysSeen = new Map(credentialRows.map((r) => [r.credential_uid, r.last_seen]));
  const sharedKeys = new Map(credentialRows.filter((r) => r.shared).map((r) => [r.credential_uid, r]));
  const findings: AccessFindingRow[] = [];
  const add = (f: Omit<AccessFindingRow, 'id'>) => findings.push({ ...f, id: `access:${f.rule}:${f.principal ?? ''}:${findings.length}` });

  const samlRoles = new Set(model.edges.filter((e) => e.method === 'sts:AssumeRoleWithSAML').map((e) => e.to));
  const keyHolders = new Set(model.keys.map((k) => k.principal));
  const signsIn = passwordUsers(model);
  const admins = new Set(model.principals.filter((q) => q.isAdmin).map((q) => q.uid));
  const byUid = new Map(model.principals.map((q) => [q.uid, q]));
  const index = new ReachIndex(model.edges);
  const isMachine = (p: PrincipalRow): boolean => {
    const known = identities.get(p.uid);
    if (known && known.is_nhi !== null) return known.is_nhi;
    if (p.provider === 'k8s' || p.provider === 'gcp') return p.kind === 'service-account';
    if (p.provider === 'azure') return p.kind === 'service-principal';
    if (p.provider === 'aws') {
      if (p.kind === 'role') return !/\/aws-reserved\/sso\.amazonaws\.com\//.test(p.uid) && !samlRoles.has(p.uid);
      // A user holding a key and never signing in with a password.
      if (p.kind === 'user') return keyHolders.has(p.uid) && !signsIn.has(p.uid);
    }
    return false;
  };
  const covered = (p: PrincipalRow) => (p.provider === 'k8s' ? hasKube > 0 : p.provider === 'aws' ? coveredAccounts.has(p.scope ?? '') : false);
  const days = (from: string | null) => (from ? (Date.parse(asOf) - Date.parse(from)) / 86_400_000 : Infinity);

  for (const p of model.principals) {
    if (p.kind === 'group') continue;
    const machine = isMachine(p);
    if (machine && (p.isAdmin || p.wildcard)) {
      add({
        rule: 'machine-admin',
        severity: p.isAdmin ? 'high' : 'medium',
        principal: p.uid,
        title: p.isAdmin ? `Machine identity ${p.name} is an administrator` : `Machine identity ${p.name} holds wildcard permissions`,
        detail: p.isAdmin ? `${p.name} may call every action on every resource.` : `${p.name} holds an Allow with a wildcard action on every resource (${p.granted} actions granted).`,
        facts: { granted: p.granted, used: p.used },
        ref: p.ref,
      });
    }
    if (machine && covered(p) && p.unusedSensitive.length) {
      add({
        rule: 'unused-sensitive',
        severity: 'medium',
        principal: p.uid,
        title: `${p.name} holds ${p.unusedSensitive.length} sensitive permission${p.unusedSensitive.length === 1 ? '' : 's'} it never used`,
        detail: `Granted but not used in the case: ${p.unusedSensitive.slice(0, 12).join(', ')}${p.unusedSensitive.length > 12 ? ` and ${p.unusedSensitive.length - 12} more` : ''}.`,
        facts: { unused: p.unusedSensitive },
        ref: p.ref,
      });
    }
    // A machine identity nobody uses: in the logs that cover its account or cluster it never acts,
    // and the snapshot saw no use for 90 days either.
    if (machine && !identities.has(p.uid) && covered(p) && days(p.lastUsedAt) > KEY_IDLE_DAYS) {
      add({
        rule: 'orphaned-identity',
        severity: 'low',
        principal: p.uid,
        title: `${p.provider === 'k8s' ? 'Service account' : p.kind === 'role' ? 'Role' : p.kind === 'user' ? 'User' : 'Identity'} ${p.name} is never seen acting`,
        detail: `${p.name} holds ${p.granted} permissions, does not act in the case's logs${p.lastUsedAt ? ` and was last used ${p.lastUsedAt.slice(0, 10)}` : ' and has no recorded use'}: remove it, or find who depends on it.`,
        facts: { last_used: p.lastUsedAt },
        ref: p.ref,
      });
    }
    // One credential, several accounts: where it can go by trust and escalation.
    const reach = index.from(p.uid);
    const accounts = new Set(reach.map((r) => accountOfArn(r.uid)).filter((a): a is string => !!a));
    if (p.provider === 'aws' && accounts.size > 1) {
      add({
        rule: 'multi-account-reach',
        severity: machine ? 'high' : 'medium',
        principal: p.uid,
        title: `${p.name} reaches ${accounts.size} accounts`,
        detail: `Through trust and escalation ${p.name} can act in accounts ${[...accounts].sort().join(', ')}.`,
        facts: { accounts: [...accounts].sort() },
        ref: p.ref,
      });
    }
    const admin = !p.isAdmin ? reach.find((r) => r.path.length && (isAdminNode(r.uid) || admins.has(r.uid))) : undefined;
    // Every identity with a path counts; a machine's (unwatched, its key in a pipeline) ranks higher.
    if (admin && admin.path.length) {
      const sure = admin.path.every((e) => !e.conditional);
      add({
        rule: 'escalation-to-admin',
        severity: machine ? (sure ? 'critical' : 'high') : sure ? 'high' : 'medium',
        principal: p.uid,
        title: `${machine ? 'Machine identity ' : ''}${p.name} can escalate to administrator`,
        detail: admin.path.map((e, i) => `${i + 1}. ${e.explanation}`).join(' '),
        facts: { path: admin.path.map((e) => ({ from: e.from, to: e.to, method: e.method, conditional: e.conditional })) },
        ref: p.ref,
      });
    }
  }

  for (const k of model.keys) {
    if (!k.active) continue;
    const name = k.keyId ?? `${k.principal} (${k.slot ?? 'key'})`;
    const age = days(k.lastRotated);
    if (age > KEY_AGE_DAYS) {
      add({ rule: 'old-key', severity: 'medium', principal: k.principal, title: `Key ${name} is ${Math.floor(age)} days old`, detail: `Active, last rotated ${k.lastRotated?.slice(0, 10) ?? 'never'} (more than ${KEY_AGE_DAYS} days before ${asOf.slice(0, 10)}).`, facts: { key: k.keyId, age_days: Math.floor(age) }, ref: k.ref });
    }
    const seen = k.keyId ? keysSeen.get(k.keyId) : undefined;
    const lastUse = latest([k.lastUsedAt, seen ?? null]);
    if (days(lastUse) > KEY_IDLE_DAYS && days(k.lastRotated) > KEY_IDLE_DAYS) {
      add({ rule: 'unused-key', severity: 'medium', principal: k.principal, title: `Key ${name} unused for ${lastUse ? `${Math.floor(days(lastUse))} days` : 'ever'}`, detail: `Active but ${lastUse ? `last used ${lastUse.slice(0, 10)}` : 'never used'}: delete it or find who holds it.`, facts: { key: k.keyId, last_used: lastUse }, ref: k.ref });
    }
    const shared = k.keyId ? sharedKeys.get(k.keyId) : undefined;
    if (shared) {
      add({ rule: 'shared-key', severity: 'high', principal: k.principal, title: `Key ${name} is used from several places`, detail: `The logs show it used from ${shared.src_ips.length} addresses (${shared.src_ips.slice(0, 4).join(', ')}${shared.src_ips.length > 4 ? '…' : ''}), user agents or boundaries: one credential, several holders.`, facts: { key: k.keyId, addresses: shared.src_ips }, ref: k.ref });
    }
    const owner = byUid.get(k.principal);
    const ownerActs = identities.has(k.principal);
    if (owner && covered(owner) && !ownerActs && !seen) {
      add({ rule: 'orphaned-key', severity: 'medium', principal: k.principal, title: `Key ${name} of ${owner.name}, who is never seen acting`, detail: `${owner.name} holds an active key but does not act in the case's logs.`, facts: { key: k.keyId }, ref: k.ref });
    }
    if (!owner && model.snapshots.some((s) => s.kind === 'aws.iam-authorization-details' && s.scope === accountOfArn(k.principal))) {
      add({ rule: 'orphaned-key', severity: 'high', principal: k.principal, title: `Key ${name} belongs to no user in the snapshot`, detail: `${k.principal} is not among the snapshot's users: its owner was deleted.`, facts: { key: k.keyId }, ref: k.ref });
    }
  }
  return findings;
}

function passwordUsers(model: AccessModel): Set<string> {
  // Users seen signing in (a last use of the password): filled from the principal rows' last use.
  return new Set(model.principals.filter((p) => p.kind === 'user' && p.lastUsedAt).map((p) => p.uid));
}
