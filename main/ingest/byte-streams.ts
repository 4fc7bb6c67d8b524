import { createHash, type Hash } from 'node:crypto';

export type ByteStream = AsyncIterable<Uint8Array>;

/** Reads at least `n` bytes (fewer at the end) and returns them with a stream that replays them. */
export async function peek(stream: ByteStream, n: number): Promise<{ head: Uint8Array; stream: ByteStream }> {
  const iterator = stream[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let isDone = false;
  while (size < n) {
    const next = await iterator.next();
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
    if (isDone) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, stream: replay() };
}

/** Passes bytes through while hashing and counting them; `digest()` is valid once drained. */
export class HashingCounter {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private hex: string | null = null;

  async *tap(stream: ByteStream): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      yield chunk;
    }
  }

  digest(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
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
