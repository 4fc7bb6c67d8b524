import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { RecentCase } from '../../shared/api';

/**
 * The cases the user opened, newest first, in a small JSON file of the user's own config
 * (Electron: its userData folder; web mode: $NHI_CONFIG_DIR, else $XDG_CONFIG_HOME or ~/.config).
 * A broken file is ignored rather than blocking the app: it only ever holds convenience data.
 */

const MAX_RECENT = 12;
const RecentFile = z.array(z.object({ path: z.string(), openedAt: z.string() }));

export function defaultRecentFile(): string {
  const base = process.env.NHI_CONFIG_DIR ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'nhi-forensics');
  return join(base, 'recent-cases.json');
}

export function readRecentCases(file: string): RecentCase[] {
  try {
    const parsed = RecentFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) return [];
    return parsed.data.map((r) => ({ ...r, exists: existsSync(r.path) }));
  } catch {
    return [];
  }
}

export function rememberCase(file: string, path: string): void {
  const entries = readRecentCases(file)
    .filter((r) => r.path !== path)
    .map(({ path: p, openedAt }) => ({ path: p, openedAt }));
  entries.unshift({ path, openedAt: new Date().toISOString() });
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(entries.slice(0, MAX_RECENT), null, 2));
    renameSync(temp, file);
  } catch {
    // A read-only home or config folder: the app works, it just cannot remember.
  }
}
