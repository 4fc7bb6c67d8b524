import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteStream } from './byte-streams';

/**
 * A private copy of a stream in a fresh temporary folder (mode 0600), for readers that need a
 * file (DuckDB's read_parquet), with the SHA-256 of what was written. The folder is removed when
 * `use` returns or throws.
 */
export async function withTempCopy<T>(content: ByteStream, name: string, use: (path: string, sha256: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'nhi-copy-'));
  const path = join(dir, name);
  const hash = createHash('sha256');
  try {
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.from(content), tap, createWriteStream(path, { mode: 0o600 }));
    return await use(path, hash.digest('hex'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
