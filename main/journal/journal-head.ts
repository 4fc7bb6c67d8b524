import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The journal's head kept outside the case: `<case>.journal-head.json`, rewritten after every
 * entry. A journal truncated or rewritten inside the case (entries deleted, the chain recomputed)
 * no longer contains this head, and `verify` says so. The same head is printed in every report
 * and export; `verify --expect-head` checks one an auditor kept.
 */

export interface JournalHead {
  entries: number;
  head: string;
}

const HeadFile = z.object({ entries: z.number().int().min(0), head: z.string().regex(/^[0-9a-f]{64}$/), written_at: z.string().optional() });

export const headFilePath = (casePath: string) => `${casePath}.journal-head.json`;

export function writeHeadFile(casePath: string, head: JournalHead): void {
  const path = headFilePath(casePath);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify({ entries: head.entries, head: head.head, written_at: new Date().toISOString() }, null, 2)}\n`);
    renameSync(temp, path);
  } catch {
    // A read-only folder (a case on write-protected media) has no head file; reports still carry it.
  }
}

export function readHeadFile(casePath: string): JournalHead | { error: string } | null {
  const path = headFilePath(casePath);
  if (!existsSync(path)) return null;
  try {
    const parsed = HeadFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) return { error: `${path} is not a journal head file` };
    return { entries: parsed.data.entries, head: parsed.data.head };
  } catch (err) {
    return { error: `${path} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** `N:HASH` or `HASH`, as `verify --expect-head` takes it and reports print it. */
export function parseExpectedHead(text: string): { entries: number | null; head: string } | null {
  const m = /^(?:(\d+):)?([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!m) return null;
  return { entries: m[1] ? Number(m[1]) : null, head: m[2]!.toLowerCase() };
}

export const formatHead = (head: JournalHead) => `${head.entries}:${head.head}`;
