import { accessOverview, identityAccess } from '../access/identity-access';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { type ParsedArgs, requireCase, withCase } from './args';

/** `nhi access --case FILE IDENTITY [--json]`: granted beside used, and the blast radius with its paths. */
export async function runAccess(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [name] = args.positionals;
  if (!name) return overview(casePath, args.values.json === true);
  const report = await withCase(casePath, { readOnly: true }, (store) => identityAccess(store, name));
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  const p = report.principal;
  out.push(`Access of ${report.uid}`);
  if (!p) {
    out.push(`No permissions known: ${report.missing}`);
    if (report.didReach.length) out.push('', table(['did reach', 'calls'], report.didReach.map((d) => [tail(d.resource, 90), d.calls])));
    process.stdout.write(`${out.join('\n')}\n`);
    return EXIT.ok;
  }
  out.push(
    `${p.provider} ${p.kind} ${p.name}${p.scope ? ` in ${p.scope}` : ''}${p.isAdmin ? ' — ADMINISTRATOR' : p.wildcard ? ' — holds wildcard permissions' : ''}`,
    `From ${p.cite.path ?? `evidence ${p.cite.evidenceId}`} record ${p.cite.recordNo} (sha256 ${p.cite.sha256.slice(0, 16)}…)${report.catalog ? `; actions from ${report.catalog.name} ${report.catalog.version} (${report.catalog.updatedAt})` : ''}`,
    '',
    report.summary,
    '',
    `Granted ${p.granted} action(s)${p.conditional ? ` and ${p.conditional} under conditions` : ''}; used ${p.used} in the case; unused ${report.unused.length}.`,
  );
  if (report.services.length) out.push('', table(['service', 'granted', 'used', 'sensitive granted', 'sensitive used'], report.services.slice(0, 25).map((s) => [s.service, s.granted, s.used, s.sensitiveGranted, s.sensitiveUsed])));
  const sensitiveUnused = report.grantedActions.filter((a) => a.sensitive && !a.used).map((a) => a.action);
  if (sensitiveUnused.length) out.push('', `Sensitive and never used: ${sensitiveUnused.slice(0, 30).join(', ')}${sensitiveUnused.length > 30 ? ` and ${sensitiveUnused.length - 30} more` : ''}`);
  if (report.usedNotGranted.length) out.push('', `Used but granted by no policy in the snapshot (changed since, or granted elsewhere): ${report.usedNotGranted.join(', ')}`);
  if (report.keys.length) {
    out.push('', table(['key', 'active', 'last rotated', 'age (days)', 'last used', 'service'], report.keys.map((k) => [k.keyId ?? k.slot ?? '', k.active === null ? '?' : k.active ? 'yes' : 'no', k.lastRotated ?? '', k.ageDays ?? '', k.lastUsedAt ?? 'never', k.lastUsedService ?? ''])));
  }
  out.push('', 'Blast radius: who it can become');
  for (const r of report.reach.slice(1)) {
    out.push(`  ${r.isAdmin ? '[admin] ' : ''}${r.name}`);
    r.path.forEach((s, i) => out.push(`      ${i + 1}. ${s.explanation}${s.conditional ? ' (under a condition)' : ''}  [${s.method}; record ${s.cite.evidenceId}:${s.cite.recordNo}]`));
  }
  if (report.reach.length <= 1) out.push('  nobody else');
  if (report.couldReach.length) out.push('', table(['could reach', 'through', 'actions', 'did'], report.couldReach.slice(0, 40).map((c) => [tail(c.resource, 80), c.via, c.actions.slice(0, 4).join(' '), report.didReach.some((d) => d.resource === c.resource) ? 'yes' : ''])));
  const didOnly = report.didReach.filter((d) => !report.couldReach.some((c) => c.resource === d.resource));
  if (didOnly.length) out.push('', table(['did reach (not explained by its own grants)', 'calls'], didOnly.slice(0, 20).map((d) => [tail(d.resource, 90), d.calls])));
  if (report.findings.length) out.push('', table(['severity', 'finding'], report.findings.map((f) => [f.severity, f.title])));
  out.push('', 'Suggested least-privilege policy (from the use the case saw):', JSON.stringify(report.suggestedPolicy, null, 2));
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

/** Without an identity: the snapshots, what they hold, and the findings by rule. */
async function overview(casePath: string, json: boolean): Promise<number> {
  const o = await withCase(casePath, { readOnly: true }, accessOverview);
  if (json) {
    process.stdout.write(`${JSON.stringify(o, null, 2)}\n`);
    return EXIT.ok;
  }
  if (!o.snapshots.length) {
    process.stdout.write('No permission snapshot in this case. Import `aws iam get-account-authorization-details`, the IAM credential report or Kubernetes RBAC (kubectl get roles,clusterroles,rolebindings,clusterrolebindings,serviceaccounts -A -o json) beside the logs.\n');
    return EXIT.ok;
  }
  const c = o.counts;
  const out = [
    table(['snapshot', 'kind', 'account/cluster', 'principals/rows', 'problems'], o.snapshots.map((s) => [tail(s.path, 60), s.kind, s.scope ?? '', s.principals, s.problems.length])),
    '',
    `${c.principals} principals: ${c.admins} administrators, ${c.wildcard} more with wildcard permissions; ${c.edges} trust and escalation edges, ${c.escalations} of them escalations.`,
    '',
    table(['severity', 'rule', 'findings', 'e.g.'], o.findings.map((f) => [f.severity, f.rule, f.n, tail(f.example, 70)])),
    '',
    'nhi access --case FILE IDENTITY shows one identity: granted, used, unused, keys, blast radius.',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
