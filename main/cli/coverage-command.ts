import { coverage } from '../integrity/coverage';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { type ParsedArgs, requireCase, withCase } from './args';

/** `nhi coverage --case FILE [--json]`: what the evidence covers, its silences, and what it cannot answer. */
export async function runCoverage(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const report = await withCase(casePath, { readOnly: true }, (store) => coverage(store));
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify({ case: casePath, ...report }, null, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  out.push(`Evidence from ${report.span.first ?? '—'} to ${report.span.last ?? '—'} (UTC, ${report.span.days} days).`);
  out.push(
    table(
      ['source', 'account / project / cluster', 'region', 'events', 'files', 'digests', 'first (UTC)', 'last (UTC)', 'active hours', 'silent periods'],
      report.groups.map((g) => [
        g.source,
        tail(g.boundary ?? '—', 40),
        g.region ?? '—',
        g.events,
        g.files,
        g.source === 'aws.cloudtrail' ? g.digests : '',
        g.first,
        g.last,
        `${g.activeHours}/${g.spanHours}`,
        g.silences.length === 0 ? '' : g.silences.map((s) => `${s.from} → ${s.to} (${s.hours} h)`).slice(0, 3).join('; ') + (g.silences.length > 3 ? ` +${g.silences.length - 3}` : ''),
      ]),
    ),
  );
  if (report.loggingChanges.length > 0) {
    out.push('', 'Logging changes recorded in the logs:');
    out.push(table(['time (UTC)', 'effect', 'operation', 'by', 'on', 'status'], report.loggingChanges.map((c) => [c.time, c.effect, c.operation, tail(c.actor ?? '?', 48), tail(c.target ?? '', 40), c.status])));
  }
  out.push('', 'What the evidence can answer:');
  out.push(table(['question', 'answer', 'why', 'detections that need it'], report.questions.map((q) => [q.question, q.answer.toUpperCase(), q.why, q.detections.join(', ')])));
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
