import { type DigestReport, type TrustedKeys, loadTrustedKeys } from '../integrity/cloudtrail-digests';
import { type ParsedArgs, UsageError } from './args';

/** `--trust-keys FILE`, loaded, or null when not given; a file with no usable key is a usage error. */
export function trustKeysOption(args: ParsedArgs): TrustedKeys | null {
  const path = args.values['trust-keys'];
  if (typeof path !== 'string') return null;
  try {
    return loadTrustedKeys(path);
  } catch (err) {
    throw new UsageError(`--trust-keys: ${err instanceof Error ? err.message : String(err)}`);
  }
}
import { table, tail } from './format';

/** The CloudTrail digest verdict as the CLI prints it (import and verify). */
export function digestText(report: DigestReport): string {
  const lines: string[] = [];
  lines.push(
    table(
      ['account', 'region', 'digests', 'chains', 'signatures', 'log files listed', 'ok', 'modified', 'missing', 'added', 'not covered'],
      report.trails.map((t) => [
        t.account,
        t.region,
        t.digests,
        t.chains,
        report.signaturesChecked ? `${t.signatures.valid} valid, ${t.signatures.invalid} invalid, ${t.signatures.missing} unsigned` : `not checked (${t.signatures.unchecked} signed)`,
        t.logFiles.listed,
        t.logFiles.ok,
        t.logFiles.modified,
        t.logFiles.missing,
        t.logFiles.added,
        t.logFiles.notCovered,
      ]),
    ),
  );
  if (report.problems.length > 0) {
    lines.push(table(['problem', 'file', 'window (UTC)', 'detail'], report.problems.slice(0, 50).map((p) => [p.kind, tail(p.s3Object ?? '', 48), `${p.windowStart ?? ''} → ${p.windowEnd ?? ''}`, p.detail])));
    if (report.problems.length > 50) lines.push(`… and ${report.problems.length - 50} more`);
  }
  lines.push(
    report.isValid
      ? `CloudTrail digests: log files and digests match${report.signaturesChecked ? ', signatures valid' : ' (signatures not checked: pass --trust-keys with the JSON of aws cloudtrail list-public-keys)'}.`
      : 'CloudTrail digests: FAILED — log files or digests were modified, deleted or added after delivery (see above).',
  );
  return lines.join('\n');
}
