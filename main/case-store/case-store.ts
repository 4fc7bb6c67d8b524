import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBAppender,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBStructValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { closeInterruptedImports } from './recovery';

export type SqlParams = Record<string, DuckDBValue> | DuckDBValue[];
/** A value `appendRows` takes: text, an integer, bytes, or NULL. */
export type Cell = string | number | bigint | Uint8Array | null;
export type Row = Record<string, unknown>;

export class CaseError extends Error {
  constructor(
    readonly code: 'case_not_found' | 'case_exists' | 'not_a_case' | 'case_damaged' | 'case_too_new' | 'case_needs_upgrade' | 'case_locked' | 'case_busy',
    message: string,
  ) {
    super(message);
    this.name = 'CaseError';
  }
}

export interface HeldTransaction {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface OpenOptions {
  /** Create the file when it does not exist (and refuse an existing non-case file). */
  create?: boolean;
  /** DuckDB memory limit, e.g. '1GB': keeps a huge import from taking the machine. */
  memoryLimit?: string;
  readOnly?: boolean;
  /**
   * Migrate a case made by an older build to this schema. Never implied: opening a case must
   * not change it, so only the explicit upgrade (which keeps a backup and journals it) sets this.
   */
  upgrade?: boolean;
}

/**
 * The one owner of a case's DuckDB database: typed reads, serialised writes, interrupt.
 *
 * Values come back as plain JS (BIGINT as number when safe, timestamps as ISO strings in UTC).
 */
export class CaseStore {
  private writeQueue: Promise<unknown> = Promise.resolve();
  private pendingAfterCommit: (() => void)[] = [];
  private inTransaction = false;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    /** A fork shares its parent's instance and closes only its own connection. */
    private readonly ownsInstance = true,
    readonly readOnly = false,
  ) {}

  /**
   * Another connection on the same open database, for a reader that must not wait behind this
   * store's writes: it sees every committed transaction (an import's finished batches) and
   * nothing uncommitted. Closing it leaves this store open.
   */
  async fork(): Promise<CaseStore> {
    const connection = await this.instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    return new CaseStore(this.path, this.instance, connection, false, this.readOnly);
  }

  static async open(path: string, options: OpenOptions = {}): Promise<CaseStore> {
    const exists = existsSync(path);
    if (!exists && !options.create) {
      throw new CaseError('case_not_found', `no case file at ${path} (import into it first, or pass the right --case path)`);
    }
    if (exists) refuseNonCaseFile(path);
    // A new case may name a folder that does not exist yet (`--case cases/x.duckdb`).
    if (!exists) mkdirSync(dirname(path), { recursive: true });
    const instance = await createInstance(path, {
      access_mode: options.readOnly ? 'READ_ONLY' : 'READ_WRITE',
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      // A new case is written in DuckDB's 1.2 storage format, the first that compresses text with
      // zstd: the verbatim records take a twentieth of their size instead of half (see schema-v1).
      // A case made before keeps its format; it opens and works as it did.
      ...(exists ? {} : { storage_compatibility_version: CASE_STORAGE_VERSION }),
    });
    const connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    const store = new CaseStore(path, instance, connection, true, options.readOnly === true);
    try {
      await store.migrate(exists, options);
      if (!options.readOnly) await closeInterruptedImports(store);
    } catch (err) {
      store.close();
      if (err instanceof CaseError) throw err;
      throw new CaseError('case_damaged', `${path} cannot be read as a case: ${firstLine(err instanceof Error ? err.message : String(err))}`);
    }
    return store;
  }

  /** The schema version of a case file, read without changing anything (not even a migration). */
  static async schemaVersionOf(path: string): Promise<number> {
    if (!existsSync(path)) throw new CaseError('case_not_found', `no case file at ${path}`);
    refuseNonCaseFile(path);
    const instance = await createInstance(path, { access_mode: 'READ_ONLY' });
    try {
      const connection = await instance.connect();
      try {
        const reader = await connection.runAndReadAll(`SELECT value FROM meta WHERE key = 'schema_version'`);
        return Number(reader.getRowObjects()[0]?.value ?? 0);
      } catch {
        throw new CaseError('not_a_case', `${path} is a DuckDB file but not a case file (no meta table)`);
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  }

  private async migrate(existed: boolean, options: OpenOptions): Promise<void> {
    const tables = await this.read<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'meta'`,
    );
    const hasMeta = (tables[0]?.n ?? 0) > 0;
    let version = 0;
    if (hasMeta) {
      const rows = await this.read<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema_version'`);
      version = Number(rows[0]?.value ?? 0);
    } else if (existed) {
      const any = await this.read<{ n: number }>(
        `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE database_name = current_database()`,
      );
      if ((any[0]?.n ?? 0) > 0) throw new CaseError('not_a_case', `${this.path} is a DuckDB file but not a case file (no meta table)`);
    }
    if (version > SCHEMA_VERSION) {
      throw new CaseError('case_too_new', `${this.path} has schema version ${version}; this build reads up to ${SCHEMA_VERSION}: open it with a newer build`);
    }
    if (version === SCHEMA_VERSION) return;
    const isNew = version === 0 && !hasMeta;
    if (!isNew && !options.upgrade) {
      throw new CaseError(
        'case_needs_upgrade',
        `${this.path} was made by an older build (schema v${version}; this build reads v${SCHEMA_VERSION}). Opening does not change a case: ` +
          `upgrade it with "nhi upgrade --case ${this.path}" or "Upgrade this case" in the app (a backup copy is kept and the upgrade is journaled)`,
      );
    }
    if (this.readOnly) throw new CaseError('case_needs_upgrade', `${this.path} needs a migration to version ${SCHEMA_VERSION} and was opened read-only`);
    await this.transaction(async () => {
      for (const m of MIGRATIONS) {
        if (m.version <= version) continue;
        await this.connection.run(m.sql);
        if (m.version === 1) {
          await this.connection.run(`INSERT INTO meta VALUES ('case_id', uuid()::VARCHAR), ('created_at', strftime(now()::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%fZ'))`);
        }
        await this.connection.run(`DELETE FROM meta WHERE key = 'schema_version'`);
        await this.connection.run(`INSERT INTO meta VALUES ('schema_version', $v)`, { v: String(m.version) });
      }
    });
  }

  async read<T extends object = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const started = performance.now();
    const reader = await this.connection.runAndReadAll(sql, params);
    traceSlow(sql, started);
    return reader.getRowObjects().map((row) => toPlain(row) as T);
  }

  /** Rows a chunk at a time (about 2,048), for scans too big to hold at once. */
  async *stream<T extends object = Row>(sql: string, params?: SqlParams): AsyncGenerator<T[]> {
    const result = await this.connection.stream(sql, params);
    const names = result.columnNames();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk.getRowObjects(names).map((row) => toPlain(row) as T);
    }
  }

  async run(sql: string, params?: SqlParams): Promise<void> {
    const started = performance.now();
    await this.connection.run(sql, params);
    traceSlow(sql, started);
  }

  /**
   * Runs `fn` inside one transaction, after every earlier write has finished: an import killed
   * half-way through a file leaves the case as it was before that file.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.run('BEGIN TRANSACTION');
      this.inTransaction = true;
      try {
        const value = await fn();
        await this.run('COMMIT');
        this.inTransaction = false;
        this.runAfterCommit();
        return value;
      } catch (err) {
        this.inTransaction = false;
        this.pendingAfterCommit = [];
        await this.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    };
    const next = this.writeQueue.then(run, run);
    this.writeQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * Opens a transaction that stays open across many statements and awaits, for a file too big
   * to stage at once; every other transaction waits until it commits or rolls back.
   */
  async begin(): Promise<HeldTransaction> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const earlier = this.writeQueue;
    this.writeQueue = earlier.then(() => held);
    await earlier;
    await this.run('BEGIN TRANSACTION');
    let open = true;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      open = false;
      try {
        await this.run(sql);
      } finally {
        release();
      }
    };
    return { commit: () => end('COMMIT'), rollback: () => end('ROLLBACK') };
  }

  /**
   * Runs `fn` once the current transaction commits (never if it rolls back); outside a
   * transaction, at once. For side effects that must only follow durable changes.
   */
  afterCommit(fn: () => void): void {
    if (this.inTransaction) this.pendingAfterCommit.push(fn);
    else fn();
  }

  private runAfterCommit(): void {
    const pending = this.pendingAfterCommit;
    this.pendingAfterCommit = [];
    for (const fn of pending) fn();
  }

  /**
   * Appends plain rows to a table (small side tables: the appender's fast path for big ones is
   * the typed calls). Numbers go in as BIGINT, so integer columns should be BIGINT.
   */
  async appendRows(table: string, rows: readonly (readonly Cell[])[]): Promise<void> {
    if (rows.length === 0) return;
    const a = await this.connection.createAppender(table);
    try {
      for (const row of rows) {
        for (const v of row) {
          if (v === null) a.appendNull();
          else if (typeof v === 'string') a.appendVarchar(v);
          else if (typeof v === 'number') a.appendBigInt(BigInt(v));
          else if (typeof v === 'bigint') a.appendBigInt(v);
          else a.appendBlob(v);
        }
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }

  async appender(table: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table);
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  async checkpoint(): Promise<void> {
    await this.connection.run('CHECKPOINT');
  }

  close(): void {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}

/** The storage format new cases are written in. */
export const CASE_STORAGE_VERSION = 'v1.2.0';

async function createInstance(path: string, config: Record<string, string>): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, config);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // DuckDB's own words for a file another process holds (the word "block" alone also
    // appears in checksum errors of a damaged file, which is not a lock).
    if (/Could not set lock|Conflicting lock|lock on file/i.test(message)) {
      throw new CaseError('case_locked', `the case ${path} is open in another process (close it there first): ${firstLine(message)}`);
    }
    throw new CaseError('case_damaged', `${path} cannot be opened as a case: it is damaged or not a DuckDB case file (${firstLine(message)})`);
  }
}

const firstLine = (message: string) => message.split('\n').find((l) => l.trim() !== '') ?? message;

/**
 * Refuses, before DuckDB touches it, a path that cannot be a case: a folder, a pipe (opening a
 * FIFO blocks forever), a device, or a file that is not a DuckDB database at all.
 */
function refuseNonCaseFile(path: string): void {
  const info = statSync(path);
  if (!info.isFile()) {
    const what = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a named pipe' : info.isSocket() ? 'a socket' : 'a device or special file';
    throw new CaseError('not_a_case', `${path} is ${what}, not a case file`);
  }
  if (info.size === 0) throw new CaseError('not_a_case', `${path} is an empty file, not a case file`);
  const head = Buffer.alloc(12);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  // Every DuckDB database file carries "DUCK" at byte 8 of its first header.
  if (head.subarray(8, 12).toString('latin1') !== 'DUCK') {
    throw new CaseError('not_a_case', `${path} is not a case file (not a DuckDB database: it starts with ${JSON.stringify(head.subarray(0, 12).toString('latin1').replace(/[^\x20-\x7e]/g, '.'))})`);
  }
}

/** NHI_TRACE_SQL=<ms> logs every statement slower than that to stderr. */
const TRACE_MS = Number(process.env.NHI_TRACE_SQL ?? 'NaN');

function traceSlow(sql: string, started: number): void {
  if (Number.isNaN(TRACE_MS)) return;
  const ms = performance.now() - started;
  if (ms >= TRACE_MS) process.stderr.write(`[sql ${ms.toFixed(1)} ms] ${sql.replace(/\s+/g, ' ').trim().slice(0, 140)}\n`);
}

/**
 * DuckDB values to JSON-friendly JS: BIGINTs as numbers when exact, timestamps as ISO strings
 * in UTC with their microseconds (a JS Date would drop them), lists and structs as plain values.
 */
function toPlain(row: Record<string, DuckDBValue>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = plainValue(value);
  return out;
}

export function plainValue(value: DuckDBValue): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') {
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
    }
    return value;
  }
  if (value instanceof DuckDBTimestampValue) return isoMicros(value.micros);
  if (value instanceof DuckDBListValue) return value.items.map(plainValue);
  if (value instanceof DuckDBStructValue) {
    const out: Row = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = plainValue(v);
    return out;
  }
  return value.toString();
}

/** `2026-03-17T02:14:05.123456Z`: always six fractional digits, so strings sort as times do. */
export function isoMicros(micros: bigint): string {
  let seconds = micros / 1_000_000n;
  let frac = micros % 1_000_000n;
  if (frac < 0n) {
    frac += 1_000_000n;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(6, '0')}Z`;
}
