import { createHash } from 'node:crypto';
import type { CaseStore } from '../case-store/case-store';
import { writeHeadFile } from './journal-head';

/**
 * The investigation journal: everything an analyst adds to a case (notes, tags, bookmarks,
 * finding statuses, classification overrides, saved views, exports, reports), append-only.
 *
 * Each entry's hash is the SHA-256 of its canonical content (keys sorted, fixed field order)
 * including the previous entry's hash, so editing, deleting or reordering any entry breaks every
 * link after it, and `verify` names the first broken one. The head hash goes in reports: an
 * auditor holding it can tell the journal they see is the one the report was made from.
 */

export const GENESIS = '0'.repeat(64);

export const JOURNAL_ACTIONS = [
  'note',
  'tag',
  'untag',
  'bookmark',
  'finding_status',
  'classification_override',
  'identity_alias',
  'view_saved',
  'export',
  'report',
  'rule_muted',
  'rule_unmuted',
  // What happened to the evidence itself: each import with the digest of its manifest, and upgrades.
  'import',
  'case_upgraded',
  'digests_validated',
] as const;
export type JournalAction = (typeof JOURNAL_ACTIONS)[number];
export type TargetKind = 'event' | 'identity' | 'finding' | 'case' | 'view' | 'rule';

export interface JournalEntry {
  seq: number;
  createdAt: string;
  author: string;
  action: JournalAction;
  targetKind: TargetKind;
  targetId: string;
  body: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level: the same content always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function entryHash(e: Omit<JournalEntry, 'hash'>): string {
  const content = canonicalJson({ seq: e.seq, created_at: e.createdAt, author: e.author, action: e.action, target_kind: e.targetKind, target_id: e.targetId, body: e.body, prev_hash: e.prevHash });
  return createHash('sha256').update(content).digest('hex');
}

export const defaultAuthor = () => process.env.NHI_ANALYST ?? process.env.USER ?? process.env.USERNAME ?? 'analyst';

/**
 * Appends one entry. Call it inside the transaction of the change it records (it joins the
 * store's current transaction when `inTransaction`), so the journal and the case never disagree.
 */
export async function appendJournal(
  store: CaseStore,
  entry: { author?: string; action: JournalAction; targetKind: TargetKind; targetId: string; body?: Record<string, unknown> },
  options: { inTransaction?: boolean } = {},
): Promise<JournalEntry> {
  const write = async () => {
    const [head] = await store.read<{ seq: number; hash: string }>(`SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1`);
    const unhashed: Omit<JournalEntry, 'hash'> = {
      seq: (head?.seq ?? 0) + 1,
      createdAt: new Date().toISOString(),
      author: entry.author ?? defaultAuthor(),
      action: entry.action,
      targetKind: entry.targetKind,
      targetId: entry.targetId,
      body: JSON.parse(canonicalJson(entry.body ?? {})) as Record<string, unknown>,
      prevHash: head?.hash ?? GENESIS,
    };
    const full: JournalEntry = { ...unhashed, hash: entryHash(unhashed) };
    // Once committed, the new head is also written beside the case (journal-head.ts).
    store.afterCommit(() => writeHeadFile(store.path, { entries: full.seq, head: full.hash }));
    await store.run(`INSERT INTO journal VALUES ($seq, $at::TIMESTAMP, $author, $action, $kind, $target, $body::JSON, $prev, $hash)`, {
      seq: full.seq,
      at: full.createdAt.replace('T', ' ').replace('Z', ''),
      author: full.author,
      action: full.action,
      kind: full.targetKind,
      target: full.targetId,
      body: canonicalJson(full.body),
      prev: full.prevHash,
      hash: full.hash,
    });
    return full;
  };
  return options.inTransaction ? write() : store.transaction(write);
}

interface JournalRow {
  seq: number;
  created_at: string;
  author: string;
  action: JournalAction;
  target_kind: TargetKind;
  target_id: string;
  body: string;
  prev_hash: string;
  hash: string;
}

export async function readJournal(store: CaseStore, where = '', params: Record<string, string> = {}): Promise<JournalEntry[]> {
  const rows = await store.read<JournalRow>(
    `SELECT seq, created_at, author, action, target_kind, target_id, body::VARCHAR AS body, prev_hash, hash FROM journal ${where} ORDER BY seq`,
    params,
  );
  return rows.map((r) => ({
    seq: r.seq,
    // Stored at microsecond precision; the hash was taken over the millisecond ISO text.
    createdAt: `${r.created_at.slice(0, 23)}Z`,
    author: r.author,
    action: r.action,
    targetKind: r.target_kind,
    targetId: r.target_id,
    body: JSON.parse(r.body) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

export interface JournalVerdict {
  ok: boolean;
  entries: number;
  head: string;
  /** The first entry that does not hold, and why. */
  broken: { seq: number; problem: 'edited' | 'missing' | 'reordered' | 'bad_link'; detail: string } | null;
}

export async function verifyJournal(store: CaseStore): Promise<JournalVerdict> {
  const entries = await readJournal(store);
  let prev = GENESIS;
  for (const [i, e] of entries.entries()) {
    const expectedSeq = i + 1;
    if (e.seq !== expectedSeq) {
      const problem = e.seq > expectedSeq ? 'missing' : 'reordered';
      return { ok: false, entries: entries.length, head: prev, broken: { seq: expectedSeq, problem, detail: `expected entry #${expectedSeq}, found #${e.seq}` } };
    }
    if (e.prevHash !== prev) {
      return { ok: false, entries: entries.length, head: prev, broken: { seq: e.seq, problem: 'bad_link', detail: `links to ${e.prevHash.slice(0, 12)}…, the entry before it hashes to ${prev.slice(0, 12)}…` } };
    }
    const recomputed = entryHash(e);
    if (recomputed !== e.hash) {
      return { ok: false, entries: entries.length, head: prev, broken: { seq: e.seq, problem: 'edited', detail: `its content hashes to ${recomputed.slice(0, 12)}…, it records ${e.hash.slice(0, 12)}…` } };
    }
    prev = e.hash;
  }
  return { ok: true, entries: entries.length, head: prev, broken: null };
}

/** The status of each finding the analyst has set (the latest entry wins); others are 'new'. */
export async function findingStatuses(store: CaseStore): Promise<Map<string, string>> {
  const rows = await store.read<{ target_id: string; status: string }>(
    `SELECT target_id, arg_max(body->>'status', seq) AS status FROM journal WHERE action = 'finding_status' GROUP BY target_id`,
  );
  return new Map(rows.map((r) => [r.target_id, r.status]));
}

/**
 * Rules the analyst muted (the latest mute or unmute per rule wins), with who, when and why.
 * Their findings stay in the case, hidden by default, and the report lists what was muted.
 */
export async function mutedRules(store: CaseStore): Promise<Map<string, { author: string; at: string; reason: string }>> {
  const rows = await store.read<{ target_id: string; action: string; author: string; at: string; reason: string | null }>(
    `SELECT target_id, arg_max(action, seq) AS action, arg_max(author, seq) AS author, strftime(max(created_at), '%Y-%m-%dT%H:%M:%SZ') AS at,
       arg_max(body->>'text', seq) AS reason
     FROM journal WHERE action IN ('rule_muted', 'rule_unmuted') GROUP BY target_id`,
  );
  return new Map(rows.filter((r) => r.action === 'rule_muted').map((r) => [r.target_id, { author: r.author, at: r.at, reason: r.reason ?? '' }]));
}
