import { constants, crc32, createInflateRaw } from 'node:zlib';
import type { ByteStream } from './byte-streams';

/**
 * Gzip decompression that loses nothing: member by member (RFC 1952), so that every byte
 * decompressed before a problem reaches the reader, and the problem is named with its position.
 *
 * Node's own gunzip throws away the output still in flight when bytes that are not gzip follow a
 * member (a .json.gz with a few trailing bytes lost its last records, or all of them for a small
 * file, without a trace). Here each member's deflate stream goes through its own raw inflater,
 * whose count of consumed input tells where the member ends; the 8-byte trailer is then checked
 * (CRC-32 and length), and what follows is either another member (concatenated gzip, as `cat a.gz
 * b.gz` makes), zero padding, or trailing data, reported as such once everything before it has
 * been read.
 */

export type GzipProblemCode = 'corrupt_compression' | 'truncated_compression' | 'trailing_data' | 'checksum_mismatch';

export class GzipProblem extends Error {
  constructor(
    readonly code: GzipProblemCode,
    message: string,
    /** Offset in the compressed (stored) bytes where the problem starts. */
    readonly storedOffset: number,
    /** Bytes decompressed before it: every record in them was read. */
    readonly decompressedBytes: number,
    /** The first bytes of trailing data, for the quarantine row. */
    readonly snippet: Uint8Array | null = null,
  ) {
    super(message);
    this.name = 'GzipProblem';
  }
}

/** Pulls chunks from a byte stream, with put-back, counting the bytes taken. */
class PullReader {
  private readonly source: AsyncIterator<Uint8Array>;
  private readonly pending: Uint8Array[] = [];
  private isDone = false;
  /** Bytes handed out and not put back. */
  position = 0;

  constructor(stream: ByteStream) {
    this.source = stream[Symbol.asyncIterator]();
  }

  async read(): Promise<Uint8Array | null> {
    const chunk = this.pending.pop() ?? (this.isDone ? null : await this.pull());
    if (chunk) this.position += chunk.length;
    return chunk;
  }

  unread(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.position -= chunk.length;
  }

  /** Up to `n` bytes (fewer only at the end of the stream). */
  async take(n: number): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < n) {
      const chunk = await this.read();
      if (!chunk) break;
      const need = n - have;
      if (chunk.length > need) {
        parts.push(chunk.subarray(0, need));
        this.unread(chunk.subarray(need));
        have = n;
      } else {
        parts.push(chunk);
        have += chunk.length;
      }
    }
    return Buffer.concat(parts);
  }

  private async pull(): Promise<Uint8Array | null> {
    const next = await this.source.next();
    if (next.done) {
      this.isDone = true;
      return null;
    }
    return next.value;
  }
}

const FTEXT_MASK = 0x01;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const SNIPPET_BYTES = 256;

export async function* gunzip(input: ByteStream): AsyncGenerator<Uint8Array> {
  const reader = new PullReader(input);
  let produced = 0;
  for (let member = 0; ; member++) {
    const start = reader.position;
    const magic = await reader.take(3);
    if (magic.length === 0 && member > 0) return;
    if (magic.length < 3 || magic[0] !== 0x1f || magic[1] !== 0x8b || magic[2] !== 0x08) {
      if (member === 0) throw new GzipProblem('corrupt_compression', `not a gzip stream (no gzip header at byte 0)`, 0, 0);
      reader.unread(magic);
      await trailing(reader, start, produced);
      return;
    }
    await skipHeader(reader, start, produced);
    const out = inflateMember(reader, start, () => produced);
    let crc = 0;
    let size = 0;
    for (;;) {
      const next = await out.next();
      if (next.done) break;
      crc = crc32(next.value, crc);
      size += next.value.length;
      produced += next.value.length;
      yield next.value;
    }
    const trailer = await reader.take(8);
    if (trailer.length < 8) {
      throw new GzipProblem(
        'truncated_compression',
        `the gzip stream is cut short: member ${member + 1} ends without its 8-byte trailer at byte ${reader.position} of the stored file, after ${produced} decompressed bytes; every complete record before that was read`,
        reader.position,
        produced,
      );
    }
    if (trailer.readUInt32LE(0) !== crc >>> 0 || trailer.readUInt32LE(4) !== size % 2 ** 32) {
      throw new GzipProblem(
        'checksum_mismatch',
        `gzip member ${member + 1} fails its CRC-32 / length check (the content differs from what was compressed); its ${size} decompressed bytes were read anyway`,
        reader.position - 8,
        produced,
      );
    }
  }
}

async function skipHeader(reader: PullReader, start: number, produced: number): Promise<void> {
  const rest = await reader.take(7);
  if (rest.length < 7) throw truncatedHeader(reader, start, produced);
  const flags = rest[0]!;
  if ((flags & ~(FTEXT_MASK | FHCRC | FEXTRA | FNAME | FCOMMENT)) !== 0) {
    throw new GzipProblem('corrupt_compression', `gzip header at byte ${start} has reserved flag bits set`, start, produced);
  }
  if (flags & FEXTRA) {
    const len = await reader.take(2);
    if (len.length < 2) throw truncatedHeader(reader, start, produced);
    const extra = await reader.take(len.readUInt16LE(0));
    if (extra.length < len.readUInt16LE(0)) throw truncatedHeader(reader, start, produced);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    for (;;) {
      const b = await reader.take(1);
      if (b.length === 0) throw truncatedHeader(reader, start, produced);
      if (b[0] === 0) break;
    }
  }
  if (flags & FHCRC && (await reader.take(2)).length < 2) throw truncatedHeader(reader, start, produced);
}

function truncatedHeader(reader: PullReader, start: number, produced: number): GzipProblem {
  return new GzipProblem('truncated_compression', `the gzip stream is cut short inside the header of the member at byte ${start}`, reader.position, produced);
}

/**
 * One member's deflate data through a raw inflater. Input is fed a chunk at a time; once the
 * inflater has consumed less than it was given, the deflate stream is over and the rest is put
 * back for the trailer and what follows.
 */
async function* inflateMember(reader: PullReader, start: number, produced: () => number): AsyncGenerator<Uint8Array> {
  // Z_SYNC_FLUSH at the end: a truncated stream yields everything it can instead of an error.
  const inflate = createInflateRaw({ chunkSize: 1 << 18, finishFlush: constants.Z_SYNC_FLUSH });
  let fed = 0;
  let isComplete = false;
  const feeding = (async () => {
    for (;;) {
      const chunk = await reader.read();
      if (!chunk) {
        inflate.end();
        return;
      }
      fed += chunk.length;
      await new Promise<void>((resolve, reject) => inflate.write(chunk, (err) => (err ? reject(err) : resolve())));
      const unused = fed - inflate.bytesWritten;
      if (unused > 0) {
        reader.unread(chunk.subarray(chunk.length - unused));
        isComplete = true;
        inflate.end();
        return;
      }
    }
  })();
  feeding.catch(() => undefined);
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    throw new GzipProblem(
      'corrupt_compression',
      `the gzip data of the member at byte ${start} is corrupt after ${produced()} decompressed bytes: ${err instanceof Error ? err.message : String(err)}; every complete record before that was read`,
      start,
      produced(),
    );
  } finally {
    inflate.destroy();
  }
  await feeding;
  if (!isComplete) {
    throw new GzipProblem(
      'truncated_compression',
      `the gzip stream is cut short at byte ${reader.position} of the stored file, after ${produced()} decompressed bytes: every complete record before that was read`,
      reader.position,
      produced(),
    );
  }
}

/** What follows the last member: zero padding is fine, anything else is reported with its place. */
async function trailing(reader: PullReader, start: number, produced: number): Promise<void> {
  let length = 0;
  let isZeros = true;
  const head: Uint8Array[] = [];
  for (;;) {
    const chunk = await reader.read();
    if (!chunk) break;
    if (length < SNIPPET_BYTES) head.push(chunk.subarray(0, SNIPPET_BYTES - length));
    length += chunk.length;
    if (isZeros && chunk.some((b) => b !== 0)) isZeros = false;
  }
  if (isZeros) return;
  throw new GzipProblem(
    'trailing_data',
    `${length} bytes that are not gzip follow the gzip stream at byte ${start} of the stored file: every record before them was read; the trailing bytes were not`,
    start,
    produced,
    Buffer.concat(head),
  );
}
