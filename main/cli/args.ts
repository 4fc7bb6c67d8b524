import { parseArgs } from 'node:util';
import { CaseError, CaseStore, type OpenOptions } from '../case-store/case-store';

/**
 * What every command shares: parsed arguments, usage errors, and opening the case it names.
 * Commands import these from here, never from main.ts (which imports every command).
 */

export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; default?: boolean; multiple?: boolean }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses one command's arguments strictly: an unknown option is a usage error, not ignored. */
export function parse(args: readonly string[], options: OptionSpec, allowPositionals: boolean): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function requireCase(args: ParsedArgs): string {
  const path = args.values.case;
  if (typeof path !== 'string' || path === '') throw new UsageError('--case FILE is required');
  return path;
}

export function positiveNumber(args: ParsedArgs, name: string): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} takes a positive number, not ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Opens a case, waiting up to 10 s while another process (the app) holds it: the app lets an idle
 * case go within seconds (main/api/case-pool.ts), so `nhi detect` beside an open app just waits.
 */
async function openWaiting(path: string, options: OpenOptions): Promise<CaseStore> {
  const deadline = Date.now() + 10_000;
  let told = false;
  for (;;) {
    try {
      return await CaseStore.open(path, options);
    } catch (err) {
      if (!(err instanceof CaseError) || err.code !== 'case_locked' || Date.now() > deadline) throw err;
      if (!told) process.stderr.write(`nhi: ${path} is open in another process; waiting for it to let go…\n`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export async function withCase<T>(path: string, options: OpenOptions, fn: (store: CaseStore) => Promise<T>): Promise<T> {
  const store = await openWaiting(path, options);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
