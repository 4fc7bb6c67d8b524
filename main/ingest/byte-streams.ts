import { createHash, type Hash } from 'node:crypto';

export type ByteStream = AsyncIterable<Uint8Array>;

/**
 * Reads at least `n` bytes (fewer at the end) and returns them with a stream that replays them.
 * An error met while reading the head is not thrown here: the replay yields every byte read
 * before it and then throws it, so a reader still gets the records in front of a broken tail.
 */
export async function peek(stream: ByteStream, n: number): Promise<{ head: Uint8Array; stream: ByteStream }> {
  const iterator = stream[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let isDone = false;
  let failure: { error: unknown } | null = null;
  while (size < n) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await iterator.next();
    } catch (error) {
      failure = { error };
      break;
    }
    if (next.done) {
      isDone = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks).subarray(0, n);
  async function* replay(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield chunk;
    if (failure) throw failure.error;
    if (isDone) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: replay() };
}

/**
 * Passes bytes through while hashing and counting them. `finish()` reads whatever the consumer
 * left unread (a gzip that broke half-way, a non-log file skipped early), so the digest is
 * always that of the whole stored file.
 */
export class HashingCounter {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private hex: string | null = null;
  private source: AsyncIterator<Uint8Array> | null = null;
  private isDrained = false;

  async *tap(stream: ByteStream): AsyncGenerator<Uint8Array> {
    // Iterated by hand: when the consumer stops early, returning this generator must not close
    // the source, which finish() still has to read.
    const source = stream[Symbol.asyncIterator]();
    this.source = source;
    for (;;) {
      const next = await source.next();
      if (next.done) {
        this.isDrained = true;
        return;
      }
      this.update(next.value);
      yield next.value;
    }
  }

  async finish(): Promise<string> {
    if (this.source && !this.isDrained) {
      for (;;) {
        const next = await this.source.next();
        if (next.done) break;
        this.update(next.value);
      }
      this.isDrained = true;
    }
    return this.digest();
  }

  digest(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }

  private update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
}

export async function* fromBuffer(buffer: Uint8Array, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < buffer.length; at += chunkSize) yield buffer.subarray(at, at + chunkSize);
}

export async function collect(stream: ByteStream, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > maxBytes) throw new LimitError('nested_zip_too_large', `${what} is larger than ${maxBytes} bytes, the limit for a zip inside another archive`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type LimitCode = 'archive_bomb' | 'entry_too_large' | 'total_too_large' | 'nested_zip_too_large' | 'too_deep';

/** A guard tripped: the member is abandoned and reported, the rest of the import goes on. */
export class LimitError extends Error {
  constructor(
    readonly code: LimitCode,
    message: string,
  ) {
    super(message);
    this.name = 'LimitError';
  }
}
