/**
 * `npm run web -- [case.duckdb ...]`: serves the built renderer and the API on 127.0.0.1 and
 * prints the URL to open. Only the case files named here can be opened from the page.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CasePool } from '../api/case-pool';
import { settleImportJobs } from '../api/import-jobs';
import { startWebServer } from './server';

const root = resolve(import.meta.dirname, '../..');
const rendererDir = resolve(root, 'out/renderer');
if (!existsSync(resolve(rendererDir, 'index.html'))) {
  console.error(`nhi web: ${rendererDir} is missing: run npm run build first (npm run web does)`);
  process.exit(2);
}
const args = process.argv.slice(2);
const capAt = args.indexOf('--max-upload-bytes');
const maxUploadBytes = capAt >= 0 ? Number(args[capAt + 1]) : undefined;
if (maxUploadBytes !== undefined && !(Number.isFinite(maxUploadBytes) && maxUploadBytes > 0)) {
  console.error('nhi web: --max-upload-bytes takes a positive number of bytes');
  process.exit(2);
}
const cases = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '--max-upload-bytes').map((a) => resolve(a));
const missing = cases.filter((c) => !existsSync(c));
if (missing.length > 0) {
  console.error(`nhi web: no case file at ${missing.join(', ')}`);
  process.exit(3);
}
const pool = new CasePool();
const server = await startWebServer({ rendererDir, context: { allowedCases: new Set(cases), pool }, ...(maxUploadBytes ? { maxUploadBytes } : {}) });
const query = cases.length > 0 ? `&case=${encodeURIComponent(cases[0]!)}` : '';
console.log(`NHI Forensics web mode on 127.0.0.1 only. Open:\n\n  ${server.url}${query}\n\n(Ctrl-C stops it.)`);
// An import in flight commits its current batch or rolls it back; then the cases close cleanly.
process.on('SIGINT', () => void server.close().then(() => settleImportJobs({ cancel: true })).then(() => pool.closeAll()).then(() => process.exit(0)));
