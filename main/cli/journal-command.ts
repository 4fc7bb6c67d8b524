import { JOURNAL_ACTIONS, type TargetKind, appendJournal, readJournal, verifyJournal } from '../journal/journal';
import { EXIT } from './exit-codes';
import { table, tail } from './format';
import { type ParsedArgs, UsageError, requireCase, withCase } from './args';

const STATUSES = ['new', 'confirmed', 'false_positive', 'resolved'] as const;

function target(args: ParsedArgs): { kind: TargetKind; id: string } {
  const picked = (['event', 'identity', 'finding'] as const).filter((k) => typeof args.values[k] === 'string');
  if (picked.length !== 1) throw new UsageError('name exactly one of --event ID, --identity UID, --finding ID');
  return { kind: picked[0]!, id: args.values[picked[0]!] as string };
}

const author = (args: ParsedArgs) => (typeof args.values.author === 'string' ? args.values.author : undefined);

/** `nhi note|tag|untag|bookmark …`: one journal entry on an event, identity or finding. */
export async function runAnnotate(action: 'note' | 'tag' | 'untag' | 'bookmark', args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const on = target(args);
  const text = args.values.text;
  const tag = args.values.tag;
  if (action === 'note' && (typeof text !== 'string' || !text.trim())) throw new UsageError('a note needs --text');
  if ((action === 'tag' || action === 'untag') && (typeof tag !== 'string' || !/^[\w.:-]{1,64}$/.test(tag))) throw new UsageError('--tag takes a word of letters, digits, . : - _');
  const body = action === 'note' ? { text } : action === 'bookmark' ? (typeof text === 'string' ? { text } : {}) : { tag };
  const entry = await withCase(casePath, {}, (store) => appendJournal(store, { author: author(args), action, targetKind: on.kind, targetId: on.id, body }));
  process.stdout.write(`journal #${entry.seq} ${action} on ${on.kind} ${on.id}: ${entry.hash}\n`);
  return EXIT.ok;
}

/** `nhi finding-status --case FILE FINDING_ID STATUS [--note T]`. */
export async function runFindingStatus(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const [findingId, status] = args.positionals;
  if (!findingId || !status || !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`finding-status takes FINDING_ID and one of ${STATUSES.join(', ')}`);
  const entry = await withCase(casePath, {}, async (store) => {
    const [known] = await store.read(`SELECT 1 FROM findings WHERE finding_id = $id`, { id: findingId });
    if (!known) throw new UsageError(`no finding ${findingId} in this case (run nhi detect first)`);
    const note = typeof args.values.note === 'string' ? args.values.note : undefined;
    return appendJournal(store, { author: author(args), action: 'finding_status', targetKind: 'finding', targetId: findingId, body: { status, ...(note ? { note } : {}) } });
  });
  process.stdout.write(`journal #${entry.seq}: finding ${findingId} is ${status}\n`);
  return EXIT.ok;
}

/** `nhi journal --case FILE [--json]`: every entry, and whether the chain holds. */
export async function runJournal(args: ParsedArgs): Promise<number> {
  const casePath = requireCase(args);
  const { entries, verdict } = await withCase(casePath, { readOnly: true }, async (store) => ({ entries: await readJournal(store), verdict: await verifyJournal(store) }));
  if (args.values.json === true) {
    process.stdout.write(`${JSON.stringify({ entries, verdict }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${table(
        ['#', 'time (UTC)', 'author', 'action', 'on', 'body', 'hash'],
        entries.map((e) => [e.seq, e.createdAt.slice(0, 19), e.author, e.action, `${e.targetKind} ${tail(e.targetId, 40)}`, tail(JSON.stringify(e.body), 50), e.hash.slice(0, 16)]),
      )}\n`,
    );
    process.stdout.write(verdict.ok ? `Chain OK, head ${verdict.head}\n` : `Chain BROKEN at #${verdict.broken!.seq} (${verdict.broken!.problem}): ${verdict.broken!.detail}\n`);
  }
  return verdict.ok ? EXIT.ok : EXIT.verifyFailed;
}

export { JOURNAL_ACTIONS };
