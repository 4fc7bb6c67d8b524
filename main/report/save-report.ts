import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CaseError, type CaseStore } from '../case-store/case-store';
import { appendJournal } from '../journal/journal';
import { renderReportHtml } from './report-html';
import { htmlToPdf } from './report-pdf';

/** Writes the report (HTML or PDF by extension) atomically, never over a file unless forced, and journals its SHA-256. */
export async function saveReport(
  store: CaseStore,
  out: string,
  options: { force?: boolean; author?: string; zone?: string; /** The desktop app prints with Electron's printToPDF instead. */ pdf?: (html: string) => Promise<Buffer> } = {},
): Promise<{ path: string; sha256: string; bytes: number }> {
  if (!['.html', '.pdf'].includes(extname(out))) throw new CaseError('case_exists', 'a report path ends in .html or .pdf');
  if (existsSync(out) && !options.force) throw new CaseError('case_exists', `${out} exists: choose another name or replace it`);
  const html = await renderReportHtml(store, options.zone ? { zone: options.zone } : {});
  const content = extname(out) === '.pdf' ? await (options.pdf ?? htmlToPdf)(html) : Buffer.from(html);
  // Written beside the target, then renamed: a reader never sees half a report.
  const temp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, content);
    renameSync(temp, out);
  } finally {
    rmSync(temp, { force: true });
  }
  const sha256 = createHash('sha256').update(content).digest('hex');
  await appendJournal(store, { author: options.author, action: 'report', targetKind: 'case', targetId: 'report', body: { path: out, sha256, bytes: content.length } });
  return { path: out, sha256, bytes: content.length };
}
