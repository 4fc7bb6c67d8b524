import { BUILTIN_RULES } from '../detect/all-rules';
import type { Thresholds } from '../detect/builtin-rules';
import { listFindings } from '../detect/engine';
import { detectWithRuleSets } from '../detect/rule-sets';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { formatBytes, formatMoved } from '../../shared/format';
import type { Incident } from '../../shared/findings';
import { listIncidents } from '../detect/incidents';
import { catalogMarkdown, ruleCatalog } from '../detect/rule-catalog';
import { type ParsedArgs, UsageError, requireCase, withCase } from './args';

/** `--threshold large-transfer.absolute_bytes=5e8` (repeatable) → overrides per rule. */
export function parseThresholds(values: readonly string[]): Record<string, Thresholds> {
  const out: Record<string, Thresholds> = {};
  for (const spec of values) {
    const match = /^([a-z0-9-]+)\.([a-z_]+)=(.+)$/.exec(spec);
    const rule = match && BUILTIN_RULES.find((r) => r.id === match[1]);
    if (!match || !rule) throw new UsageError(`--threshold takes RULE.KEY=NUMBER with a built-in rule (${BUILTIN_RULES.map((r) => r.id).join(', ')}), not ${JSON.stringify(spec)}`);
    if (!(match[2]! in rule.thresholds)) throw new UsageError(`${rule.id} has no threshold ${match[2]} (it has: ${Object.keys(rule.thresholds).join(', ') || 'none'})`);
    const value = Number(match[3]);
    if (!Number.isFinite(value)) throw new UsageError(`--threshold ${spec}: ${match[3]} is not a number`);
    (out[rule.id] ??= {})[match[2]!] = value;
  }
  return out;
}

export async function runDetect(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const raw = args.values.threshold;
  const thresholds = parseThresholds(Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []);
  // --rules DIR is remembered for the case (the app runs the same), --no-rules forgets it.
  const chosen = typeof args.values.rules === 'string' ? args.values.rules : args.values['no-rules'] === true ? null : undefined;
  const { report, findings, incidents } = await withCase(casePath, {}, async (store) => {
    const report = await detectWithRuleSets(store, { thresholds, ...(chosen === undefined ? {} : { sigmaDir: chosen }) });
    return { report, findings: await listFindings(store, 10_000), incidents: await listIncidents(store) };
  });
  const rulesDir = report.sigmaDir;
  const sigma = { rules: report.rules.filter((r) => r.kind === 'sigma'), skipped: report.sigmaSkipped };
  if (report.sigmaProblem) process.stderr.write(`nhi: ${report.sigmaProblem}\n`);
  const hidden = findings.filter((f) => f.muted).length;
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify({ rules: report.rules, sigmaSkipped: sigma.skipped, incidents, findings }, null, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [...incidentLines(incidents)];
  const listed = findings.filter((f) => !f.muted);
  out.push(
    `${findings.length} finding(s) from ${report.rules.length} rules in ${(report.elapsedMs / 1000).toFixed(2)} s${hidden ? ` (${hidden} of muted rules not listed)` : ''}, most important first:`,
    '',
  );
  out.push(
    table(
      ['#', 'severity', 'rule', 'identity', 'window (UTC)', 'events', 'data'],
      listed.slice(0, 50).map((f, i) => [i + 1, f.severity, f.ruleKind === 'sigma' ? tail(`sigma: ${f.title}`, 44) : f.ruleId, tail(f.identityUid ?? '', 48), `${f.windowStart.slice(0, 19)} → ${f.windowEnd.slice(11, 19)}`, f.eventCount, formatMoved(f)]),
    ),
  );
  for (const [i, f] of listed.slice(0, 10).entries()) out.push(`${i + 1}. ${f.title}: ${f.explanation}`);
  if (listed.length > 50) out.push('', `… and ${listed.length - 50} more (--json for all).`);
  if (rulesDir) {
    out.push('', `Sigma: ${sigma.rules.length} rule(s) from ${rulesDir} compiled and run, ${sigma.skipped.length} skipped:`);
    for (const s of sigma.skipped) out.push(`  ${s.file}${s.title ? ` (${s.title})` : ''}: ${s.reason}`);
  }
  const limited = report.rules.filter((r) => r.coverage && (r.coverage.note || r.coverage.byPeers > 0));
  if (limited.length > 0) {
    out.push('', 'Rules the evidence limits:');
    for (const r of limited) {
      const c = r.coverage!;
      out.push(`  ${r.id}: judged ${c.judged} of ${c.total}${c.byPeers ? ` (${c.byPeers} by their peers' baseline)` : ''}${c.note ? `; ${c.note}` : ''}`);
    }
  }
  const failed = report.rules.filter((r) => r.error);
  if (failed.length > 0) out.push('', 'Rules that failed:', ...failed.map((r) => `  ${r.id}: ${r.error}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

/** `nhi rules [--markdown] [--json]`: the built-in rules, their ATT&CK techniques and the logs they need. */
export function runRules(args: ParsedArgs): number {
  if (args.values.markdown === true) {
    process.stdout.write(`${catalogMarkdown()}\n`);
    return EXIT.ok;
  }
  const catalog = ruleCatalog();
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
    return EXIT.ok;
  }
  process.stdout.write(
    `${table(
      ['rule', 'severity', 'ATT&CK', 'needs'],
      catalog.map((r) => [r.id, r.severity, r.attack.map((a) => `${a.technique} ${a.tactic}`).join('\n') || '—', r.sources.join(', ') || 'any']),
    )}\n`,
  );
  return EXIT.ok;
}

/** An incident as text: its score, story and what it touched. */
export function incidentLines(incidents: Incident[]): string[] {
  if (incidents.length === 0) return [];
  const out = [`${incidents.length} incident(s), highest score first:`, ''];
  for (const [i, inc] of incidents.entries()) {
    out.push(`Incident ${i + 1} (${inc.incidentId}) · ${inc.severity} · score ${inc.score.toFixed(0)} · ${inc.windowStart} → ${inc.windowEnd}`);
    out.push(`  ${inc.title}`);
    out.push(`  origin: ${inc.origin ?? 'unknown'}; identities: ${inc.identities.join(', ')}`);
    if (inc.credentials.length) out.push(`  credentials: ${inc.credentials.join(', ')}`);
    if (inc.networks.length) out.push(`  networks: ${inc.networks.join(', ')}`);
    if (inc.resources.length) out.push(`  resources: ${inc.resources.join(', ')}`);
    if (inc.bytes) out.push(`  data moved: ${formatBytes(inc.bytes)}`);
    for (const step of inc.story) out.push(`  ${step.stage.padEnd(13)} ${step.at} ${step.severity.padEnd(8)} ${step.title} (${step.identity})`);
    out.push('');
  }
  return out;
}

/** `nhi incidents --case FILE [--json]`: the incidents of the last detection run. */
export async function runIncidents(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const incidents = await withCase(casePath, { readOnly: true }, (store) => listIncidents(store));
  process.stdout.write(args.values.json === true ? `${JSON.stringify(incidents, null, 2)}\n` : `${incidentLines(incidents).join('\n') || 'No incidents: run nhi detect first, or nothing at medium or above was found.'}\n`);
  return EXIT.ok;
}
