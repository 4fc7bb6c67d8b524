import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { saveReport } from '../report/save-report';
import { EXIT } from './exit-codes';
import { type ParsedArgs, UsageError, requireCase, withCase } from './args';

/** `nhi report --case FILE --out report.html|report.pdf [--force]`: the auditor's report, journaled with its SHA-256. */
export async function runReport(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const out = typeof args.values.out === 'string' ? resolve(args.values.out) : null;
  if (!out || !['.html', '.pdf'].includes(extname(out))) throw new UsageError('--out takes a path ending in .html or .pdf');
  if (existsSync(out) && args.values.force !== true) throw new UsageError(`${out} exists: pass --force to replace it`);
  const { sha256, bytes } = await withCase(casePath, {}, (store) => saveReport(store, out, { force: args.values.force === true }));
  process.stdout.write(`wrote ${out} (${bytes.toLocaleString('en-US')} bytes, SHA-256 ${sha256}); recorded in the journal\n`);
  return EXIT.ok;
}
