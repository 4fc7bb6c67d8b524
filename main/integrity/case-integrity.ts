import type { CaseIntegrity } from '../../shared/integrity';
import type { CaseStore } from '../case-store/case-store';
import { verifyJournal } from '../journal/journal';
import { formatHead } from '../journal/journal-head';
import { validateCloudTrailDigests } from './cloudtrail-digests';
import { coverage } from './coverage';

/** Everything the integrity panel shows, read-only (digest signatures need keys: see verify). */
export async function caseIntegrity(store: CaseStore): Promise<CaseIntegrity> {
  const journal = await verifyJournal(store);
  const imports = await store.read<{ import_id: number; status: string; failure: string | null; started_at: string; finished_at: string | null; inputs: string }>(
    `SELECT import_id, status, failure, started_at, finished_at, inputs FROM imports ORDER BY import_id`,
  );
  return {
    journalHead: formatHead({ entries: journal.entries, head: journal.head }),
    journalOk: journal.ok,
    imports: imports.map((i) => ({ importId: i.import_id, status: i.status, failure: i.failure, startedAt: i.started_at, finishedAt: i.finished_at, inputs: parseInputs(i.inputs) })),
    digests: await validateCloudTrailDigests(store, null),
    coverage: await coverage(store),
  };
}

function parseInputs(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}
