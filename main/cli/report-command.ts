import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { appendJournal } from '../journal/journal';
import { renderReportHtml } from '../report/report-html';
import { htmlToPdf } from '../report/report-pdf';
import { EXIT } from './exit-codes';
import { type ParsedArgs, UsageError, requireCase, withCase } from './main';

/** `nhi report --case FILE --out report.html|report.pdf [--force]`: the auditor's report, journaled with its SHA-256. */
export async function runReport(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const out = typeof args.values.out === 'string' ? resolve(args.values.out) : null;
  if (!out || !['.html', '.pdf'].includes(extname(out))) throw new UsageError('--out takes a path ending in .html or .pdf');
  if (existsSync(out) && args.values.force !== true) throw new UsageError(`${out} exists: pass --force to replace it`);
  const { sha256, bytes } = await withCase(casePath, {}, async (store) => {
    const html = await renderReportHtml(store);
    const content = extname(out) === '.pdf' ? await htmlToPdf(html) : Buffer.from(html);
    // Written beside the target, then renamed: a reader never sees half a report.
    const temp = `${out}.${process.pid}.tmp`;
    writeFileSync(temp, content);
    renameSync(temp, out);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await appendJournal(store, { action: 'report', targetKind: 'case', targetId: 'report', body: { path: out, sha256, bytes: content.length } });
    return { sha256, bytes: content.length };
  });
  process.stdout.write(`wrote ${out} (${bytes.toLocaleString('en-US')} bytes, SHA-256 ${sha256}); recorded in the journal\n`);
  return EXIT.ok;
}
