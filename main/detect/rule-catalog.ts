import type { RuleCatalogEntry } from '../../shared/findings';
import { BUILTIN_RULES } from './all-rules';

/** Every built-in rule with what it looks for, its ATT&CK techniques and the logs it needs. */
export function ruleCatalog(): RuleCatalogEntry[] {
  return BUILTIN_RULES.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    description: r.description,
    attack: r.attack ?? [],
    sources: r.sources ?? [],
    thresholds: r.thresholds,
  }));
}

/** The coverage table as Markdown (README): technique → rule → the log sources it needs. */
export function catalogMarkdown(): string {
  const rows = ruleCatalog().flatMap((r) =>
    (r.attack.length ? r.attack : [{ tactic: '—', technique: '—', name: 'integrity of the evidence' }]).map(
      (a) => `| ${a.tactic} | ${a.technique} ${a.name} | \`${r.id}\` | ${r.severity} | ${r.sources.length ? r.sources.join(', ') : 'any'} |`,
    ),
  );
  return ['| Tactic | Technique | Rule | Severity | Needs |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
