import { verifyCase } from '../integrity/verify';
import { verifyJournal } from '../journal/journal';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { type ParsedArgs, requireCase, withCase } from './main';

export async function runVerify(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const { report, journal } = await withCase(casePath, { readOnly: true }, async (store) => ({ report: await verifyCase(store), journal: await verifyJournal(store) }));
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify({ case: casePath, ...report, journal }, null, 2)}\n`);
  } else {
    const bad = report.evidence.filter((v) => v.check !== 'ok');
    const ok = report.evidence.length - bad.length;
    if (bad.length > 0) {
      process.stdout.write(
        `${table(
          ['evidence', 'path', 'check', 'detail'],
          bad.slice(0, 100).map((v) => [`#${v.evidenceId}`, tail(v.path, 50), v.check, v.detail ?? '']),
        )}\n`,
      );
    }
    if (report.orphans.events > 0 || report.orphans.quarantine > 0) {
      process.stdout.write(`Rows pointing at no evidence: ${report.orphans.events} events, ${report.orphans.quarantine} quarantine rows.\n`);
    }
    const verdict = !report.isValid ? 'FAILED' : report.isComplete ? 'OK' : 'INCOMPLETE';
    process.stdout.write(`Verify ${verdict}: ${ok} of ${report.evidence.length} evidence rows match their source files and record counts.\n`);
    process.stdout.write(
      journal.ok
        ? `Journal OK: ${journal.entries} entries, head ${journal.head}\n`
        : `Journal BROKEN at entry #${journal.broken!.seq} (${journal.broken!.problem}): ${journal.broken!.detail}\n`,
    );
  }
  if (!report.isValid || !journal.ok) return EXIT.verifyFailed;
  if (!report.isComplete) return EXIT.verifyIncomplete;
  return EXIT.ok;
}
