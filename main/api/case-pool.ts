import { existsSync } from 'node:fs';
import { CaseError, CaseStore } from '../case-store/case-store';

/**
 * One open DuckDB database per case for the whole app, instead of one per request.
 *
 * Readers share a read-only instance and get a connection each. A writer (an import, a journal
 * entry) needs the file read-write, and DuckDB must not have the same file open twice in one
 * process with different modes: so the read-only instance is closed once its readers finish,
 * the writable one opens, and while it is open every reader forks a connection from it. Readers
 * then see each committed batch of a running import, never half of one.
 */

interface Entry {
  store: CaseStore;
  mode: 'read' | 'write';
  users: number;
  idle: (() => void)[];
}

export interface WriteOptions {
  create?: boolean;
  /** Refuse when another exclusive writer (an import) holds the case. */
  exclusive?: boolean;
}

/**
 * How long an unused read-only instance stays open. DuckDB lets one process write a file only when
 * no other holds it, so an app that kept its cases open would lock the CLI out (`nhi detect`,
 * `nhi note` on the case the app shows): idle cases are let go after this, reopened on demand.
 */
const IDLE_CLOSE_MS = 2_000;

export class CasePool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly transitions = new Map<string, Promise<unknown>>();
  private readonly exclusive = new Set<string>();

  /** Runs `fn` on a connection of its own; it sees committed data only. */
  async read<T>(path: string, fn: (store: CaseStore) => Promise<T>): Promise<T> {
    const entry = await this.serial(path, async () => {
      let found = this.entries.get(path);
      if (!found) {
        if (!existsSync(path)) throw new CaseError('case_not_found', `no case file at ${path}`);
        found = { store: await openReadOnly(path), mode: 'read', users: 0, idle: [] };
        this.entries.set(path, found);
      }
      found.users += 1;
      return found;
    });
    try {
      const fork = await entry.store.fork();
      try {
        return await fn(fork);
      } finally {
        fork.close();
      }
    } finally {
      release(entry);
      if (entry.mode === 'read' && entry.users === 0) this.closeWhenIdle(path, entry);
    }
  }

  /** Closes a read-only instance nobody used for IDLE_CLOSE_MS. */
  private closeWhenIdle(path: string, entry: Entry): void {
    clearTimeout(this.idleTimers.get(path));
    const timer = setTimeout(() => {
      this.idleTimers.delete(path);
      void this.serial(path, async () => {
        if (this.entries.get(path) !== entry || entry.users > 0) return;
        entry.store.close();
        this.entries.delete(path);
      });
    }, IDLE_CLOSE_MS);
    // An idle case must not keep a CLI or a test process alive.
    timer.unref?.();
    this.idleTimers.set(path, timer);
  }

  /**
   * Runs `fn` with the case open read-write. A second writer while one runs shares its database
   * on a connection of its own (small writes such as a journal entry); an `exclusive` writer
   * (an import) is refused while another exclusive writer runs.
   */
  async write<T>(path: string, fn: (store: CaseStore) => Promise<T>, options: WriteOptions = {}): Promise<T> {
    if (options.exclusive) {
      if (this.exclusive.has(path)) throw new CaseError('case_busy', `an import is already running on ${path}`);
      this.exclusive.add(path);
    }
    try {
      const { entry, owner } = await this.serial(path, async () => {
        const found = this.entries.get(path);
        if (found?.mode === 'write') {
          found.users += 1;
          return { entry: found, owner: false };
        }
        if (found) {
          await whenIdle(found);
          found.store.close();
          this.entries.delete(path);
        }
        const store = await CaseStore.open(path, { create: options.create === true });
        const opened: Entry = { store, mode: 'write', users: 1, idle: [] };
        this.entries.set(path, opened);
        return { entry: opened, owner: true };
      });
      try {
        if (!owner) {
          const fork = await entry.store.fork();
          try {
            return await fn(fork);
          } finally {
            fork.close();
          }
        }
        return await fn(entry.store);
      } finally {
        release(entry);
        if (owner) {
          await this.serial(path, async () => {
            await whenIdle(entry);
            entry.store.close();
            if (this.entries.get(path) === entry) this.entries.delete(path);
          });
        }
      }
    } finally {
      if (options.exclusive) this.exclusive.delete(path);
    }
  }

  /**
   * Runs `fn` with no store of this pool open on the case (an upgrade replaces the file's
   * schema under everyone): waits for the case's users to finish, refuses during an import.
   */
  async exclusively<T>(path: string, fn: () => Promise<T>): Promise<T> {
    if (this.exclusive.has(path)) throw new CaseError('case_busy', `an import is running on ${path}`);
    this.exclusive.add(path);
    try {
      return await this.serial(path, async () => {
        const entry = this.entries.get(path);
        if (entry) {
          await whenIdle(entry);
          entry.store.close();
          this.entries.delete(path);
        }
        return fn();
      });
    } finally {
      this.exclusive.delete(path);
    }
  }

  /** True while an import holds the case read-write. */
  isWriting(path: string): boolean {
    return this.entries.get(path)?.mode === 'write';
  }

  /** True when no case is open. */
  isIdle(): boolean {
    return this.entries.size === 0;
  }

  /** Closes every open case once its users finish (app quit, server close). */
  async closeAll(): Promise<void> {
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    for (const path of [...this.entries.keys()]) {
      await this.serial(path, async () => {
        const entry = this.entries.get(path);
        if (!entry) return;
        await whenIdle(entry);
        entry.store.close();
        this.entries.delete(path);
      });
    }
  }

  /** Entry changes for one case happen one at a time, in order. */
  private serial<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.transitions.get(path) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    this.transitions.set(path, next.catch(() => undefined));
    return next;
  }
}

/** Read-only, and never migrated: a case from an older build is refused with case_needs_upgrade. */
function openReadOnly(path: string): Promise<CaseStore> {
  return CaseStore.open(path, { readOnly: true });
}

function release(entry: Entry): void {
  entry.users -= 1;
  if (entry.users === 0) for (const resolve of entry.idle.splice(0)) resolve();
}

function whenIdle(entry: Entry): Promise<void> {
  return entry.users === 0 ? Promise.resolve() : new Promise((resolve) => entry.idle.push(resolve));
}
