import { type VerifyReport, verifyCase } from '../integrity/verify';
import { digestText, trustKeysOption } from './digests-format';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { type ParsedArgs, withCase } from './args';
import { requireCase } from './args';

export const VERIFY_OPTIONS = {
  case: { type: 'string' },
  json: { type: 'boolean', default: false },
  deep: { type: 'boolean', default: false },
  'expect-head': { type: 'string' },
  'trust-keys': { type: 'string' },
} as const;

export async function runVerify(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const isJson = args.values.json === true;
  const showProgress = !isJson && process.stderr.isTTY;
  const keys = trustKeysOption(args);
  const report = await withCase(casePath, { readOnly: true }, (store) =>
    verifyCase(store, {
      trustKeys: keys,
      deep: args.values.deep === true,
      ...(typeof args.values['expect-head'] === 'string' ? { expectHead: args.values['expect-head'] } : {}),
      ...(showProgress ? { onProgress: (step: string) => process.stderr.write(`\r\u001b[2Kverifying: ${step}`) } : {}),
    }),
  );
  if (showProgress) process.stderr.write('\r\u001b[2K');
  if (isJson) process.stdout.write(`${JSON.stringify({ case: casePath, ...report }, null, 2)}\n`);
  else process.stdout.write(verifyText(report));
  if (!report.isValid) return EXIT.verifyFailed;
  if (report.digests && !report.digests.isValid) return EXIT.sourceLogsTampered;
  if (!report.isComplete) return EXIT.verifyIncomplete;
  return EXIT.ok;
}

export function verifyText(report: VerifyReport): string {
  const lines: string[] = [];
  if (report.damaged) {
    lines.push(`Verify FAILED: the case file is damaged and cannot be read whole: ${report.damaged}`);
    for (const t of report.deep?.tables.filter((t) => t.error) ?? []) lines.push(`  table ${t.table}: ${t.error}`);
    return `${lines.join('\n')}\n`;
  }
  const bad = report.evidence.filter((v) => v.check !== 'ok' && v.check !== 'not_read');
  if (bad.length > 0) {
    lines.push(table(['evidence', 'path', 'check', 'detail'], bad.slice(0, 100).map((v) => [`#${v.evidenceId}`, tail(v.path, 50), v.check, v.detail ?? ''])));
    if (bad.length > 100) lines.push(`… and ${bad.length - 100} more evidence rows`);
  }
  if (report.records.length > 0) {
    lines.push(
      table(['evidence', 'path', 'record', 'problem', 'detail'], report.records.slice(0, 100).map((r) => [`#${r.evidenceId}`, tail(r.path, 40), r.recordNo, r.problem, r.detail])),
    );
    if (report.recordProblems > 100) lines.push(`… ${report.recordProblems.toLocaleString('en-US')} record problems in all (--json lists ${report.records.length})`);
  }
  const o = report.orphans;
  if (o.events + o.quarantine + o.duplicates > 0) lines.push(`Rows pointing at no evidence: ${o.events} events, ${o.quarantine} quarantine rows, ${o.duplicates} duplicates.`);
  for (const i of report.imports.filter((i) => i.check !== 'ok')) lines.push(`Import #${i.importId} (${i.status}): ${i.check.replaceAll('_', ' ')}${i.detail ? `: ${i.detail}` : ''}`);
  const ok = report.evidence.length - bad.length;
  const verdict = !report.isValid ? 'FAILED' : report.isComplete ? 'OK' : 'INCOMPLETE';
  const notRead = report.evidence.filter((v) => v.check === 'not_read').length;
  lines.push(
    `Verify ${verdict}: ${ok} of ${report.evidence.length} evidence rows match their source files, record roots and counts` +
      `${notRead > 0 ? ` (${notRead} inputs were not read at import: links, pipes or unreadable files, see the quarantine)` : ''}; ` +
      `${report.recordProblems.toLocaleString('en-US')} record problems; ${report.fields.checked.toLocaleString('en-US')} events re-derived from their raw records.`,
  );
  for (const s of report.fields.skipped) lines.push(`  fields not re-derived for ${s.events.toLocaleString('en-US')} events: ${s.reason}`);
  if (report.access.checked > 0) lines.push(`${report.access.checked.toLocaleString('en-US')} access rows (grants, edges, keys, findings) re-derived from their permission snapshots.`);
  if (report.access.skipped) lines.push(`  access model not re-derived: ${report.access.skipped}`);
  for (const p of report.access.problems) lines.push(`  ACCESS MODEL CHANGED: ${p}`);
  const j = report.journal;
  lines.push(j.ok ? `Journal OK: ${j.entries} entries, head ${j.entries}:${j.head}` : `Journal BROKEN at entry #${j.broken!.seq} (${j.broken!.problem}): ${j.broken!.detail}`);
  for (const h of report.heads) lines.push(`  ${h.from === 'expected' ? 'Expected head' : 'Head file'}: ${h.check === 'ok' ? 'OK' : h.check.replaceAll('_', ' ').toUpperCase()}: ${h.detail}`);
  if (report.digests && report.digests.trails.length > 0) lines.push(digestText(report.digests));
  if (report.deep) {
    const broken = report.deep.tables.filter((t) => t.error);
    lines.push(
      broken.length === 0
        ? `Deep read OK: every row of ${report.deep.tables.length} tables read back (${report.deep.tables.reduce((n, t) => n + (t.rows ?? 0), 0).toLocaleString('en-US')} rows).`
        : `Deep read FAILED: ${broken.map((t) => `${t.table}: ${t.error}`).join('; ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
