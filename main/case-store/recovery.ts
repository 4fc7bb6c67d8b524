import { existsSync, rmSync } from 'node:fs';
import { importManifest } from '../integrity/manifest';
import { appendJournal } from '../journal/journal';
import type { CaseStore } from './case-store';

/**
 * An import killed outright (kill -9, a crash, a power cut) leaves its `imports` row `running`
 * and DuckDB's spill files in `<case>.tmp/`. The next time the case is opened for writing (this
 * process then holds DuckDB's lock, so no import is running anywhere) the row is closed as
 * `interrupted`, journaled with the manifest of what it had committed, and the spill files go.
 * Opening read-only changes nothing.
 */
export async function closeInterruptedImports(store: CaseStore): Promise<number> {
  const running = await store.read<{ import_id: number }>(`SELECT import_id FROM imports WHERE status = 'running' ORDER BY import_id`);
  for (const { import_id: importId } of running) {
    await store.transaction(async () => {
      const failure = 'the process stopped before the import finished (killed or crashed); every batch it committed is in the case, import the same inputs again to finish';
      await store.run(`UPDATE imports SET status = 'interrupted', failure = $f, finished_at = now()::TIMESTAMP WHERE import_id = $id`, { f: failure, id: importId });
      const manifest = await importManifest(store, importId);
      await appendJournal(
        store,
        {
          author: 'nhi',
          action: 'import',
          targetKind: 'case',
          targetId: `import-${importId}`,
          body: { importId, status: 'interrupted', failure, evidence: manifest.evidence, files: manifest.files, records: manifest.records, manifestSha256: manifest.sha256 },
        },
        { inTransaction: true },
      );
    });
  }
  const spill = `${store.path}.tmp`;
  if (existsSync(spill)) rmSync(spill, { recursive: true, force: true });
  return running.length;
}
