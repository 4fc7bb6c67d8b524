import { caseInfo } from '../case-store/case-info';
import { caseStorage } from '../case-store/case-storage';
import { EXIT } from './exit-codes';
import { bytes, table, tail } from './format';
import { type ParsedArgs, positiveNumber, requireCase, withCase } from './args';

export async function runInfo(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const top = positiveNumber(args, 'top') ?? 10;
  const [info, storage] = await withCase(casePath, { readOnly: true }, async (store) => [await caseInfo(store, top), await caseStorage(store)] as const);
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify({ ...info, storage }, null, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [];
  out.push(`Case ${info.path} (id ${info.caseId}, schema v${info.schemaVersion}, created ${info.createdAt})`);
  out.push(
    `Evidence: ${info.evidence.files.toLocaleString('en-US')} files in ${info.evidence.archives.toLocaleString('en-US')} archives, ${bytes(info.evidence.bytes)} imported in ${info.imports} import(s)` +
      (info.evidence.incomplete > 0 ? `, ${info.evidence.incomplete} archive(s) whose import was interrupted` : ''),
  );
  const g = info.integrity;
  out.push(
    `Time range (UTC): ${info.timeRange.first ?? '—'} → ${info.timeRange.last ?? '—'}` +
      (g.implausibleTimes > 0 ? `   (${g.implausibleTimes.toLocaleString('en-US')} events with implausible times left out: before the floor or after their import)` : ''),
  );
  out.push(`Events: ${info.events.toLocaleString('en-US')}   Quarantined: ${info.quarantined.toLocaleString('en-US')}   Duplicates skipped: ${g.duplicates.toLocaleString('en-US')}`);
  const warnings = [
    g.idCollisions > 0 ? `${g.idCollisions} record(s) claim an event id that another record with other content has (both kept; see the finding "Two records claim one event id")` : '',
    g.notRead > 0 ? `${g.notRead} input(s) not read: links, pipes, devices or unreadable files (see the quarantine)` : '',
    g.failedImports > 0 ? `${g.failedImports} import(s) failed` : '',
    g.interruptedImports > 0 ? `${g.interruptedImports} import(s) were interrupted (killed): import the same inputs again to finish` : '',
  ].filter(Boolean);
  for (const w of warnings) out.push(`Attention: ${w}`);
  const ids = info.identities;
  out.push(`Identities: ${ids.total.toLocaleString('en-US')} (${ids.machines.toLocaleString('en-US')} machines, ${ids.humans.toLocaleString('en-US')} humans${ids.unclassified > 0 ? `, ${ids.unclassified} unclassified` : ''})${ids.principals > 0 ? `; ${ids.principals.toLocaleString('en-US')} principals known through linked accounts` : ''}`);
  out.push('', table(['source', 'events', 'files', 'first (UTC)', 'last (UTC)'], info.sources.map((s) => [s.source, s.events, s.files, s.first ?? '', s.last ?? ''])));
  if (info.quarantineByReason.length > 0) {
    out.push('', table(['quarantine reason', 'records'], info.quarantineByReason.map((q) => [q.reason, q.count])));
  }
  out.push(
    '',
    table(
      ['top actor', 'nhi', 'type', 'events', 'failures'],
      info.topActors.map((a) => [tail(a.actorUid, 70), a.isNhi === null ? '?' : a.isNhi ? 'machine' : 'human', a.actorType ?? '', a.events, a.failures]),
    ),
  );
  // Where the file's bytes go; the evidence's own size gives the ratio issue 16 tracks.
  out.push(
    '',
    `Case file: ${bytes(storage.fileBytes)}${info.evidence.bytes > 0 ? ` (${(storage.fileBytes / info.evidence.bytes).toFixed(1)}× the imported evidence)` : ''}`,
    table(
      ['table', 'rows', 'stored', 'text compression'],
      storage.tables.filter((t) => t.bytes > 0 || t.rows > 0).map((t) => [t.table, t.rows, bytes(t.bytes), t.compression.join(', ')]),
    ),
  );
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
