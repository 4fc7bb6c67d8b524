import { createHash } from 'node:crypto';
import type { ByteStream } from './byte-streams';
import { LimitError, peek } from './byte-streams';
import { type LeafInfo, StreamError } from './bundle-walker';
import { CsvRecordSplitter, sniffCsv } from './csv-records';
import { GzipProblem } from './gunzip';
import { JsonRecordSplitter, type SplitProblem, type SplitRecord } from './record-splitter';
import { YamlRecordSplitter, looksLikeKubernetesYaml } from './yaml-records';
import { MerkleAccumulator, sha256 } from '../integrity/merkle';

/**
 * From a log file's decompressed bytes to its records: the one place that decides what a record
 * is, so that the importer and `verify` (which re-reads the source files) cut the same records,
 * number them alike and hash them alike.
 *
 * Every record gets the SHA-256 of its verbatim bytes; the file gets the SHA-256 of its whole
 * decompressed content (what CloudTrail digests sign) and the Merkle root of its record hashes
 * in order (main/integrity/merkle.ts), which fixes every record, their count and their order.
 */

export interface RecordCallbacks {
  /** One record: its verbatim bytes (valid only during the call), CSV's JSON rendering, its SHA-256. */
  record(rec: SplitRecord, jsonText: string | null, recordSha256: Buffer): void;
  problem(p: SplitProblem): void;
  /** After each chunk of content: progress, cancellation, writing a big file in parts. */
  chunk?(): Promise<void> | void;
}

export interface FileNote {
  code: string;
  message: string;
  snippet?: Uint8Array | null;
}

export interface SplitOutcome {
  /** Record candidates seen, good or bad (problems included). */
  recordsTotal: number;
  format: string;
  decompressedBytes: number;
  contentSha256: string;
  recordsRoot: string;
  /** Why the file holds no records to read (empty, binary, not a log format). */
  fileNote: FileNote | null;
  /** The content stream broke: everything before it was read. */
  streamFailure: FileNote | null;
}

export async function splitRecords(info: LeafInfo, content: ByteStream, maxRecordBytes: number, callbacks: RecordCallbacks): Promise<SplitOutcome> {
  const contentHash = createHash('sha256');
  let decompressed = 0;
  const tapped = (async function* () {
    for await (const chunk of content) {
      contentHash.update(chunk);
      decompressed += chunk.length;
      yield chunk;
    }
  })();
  const merkle = new MerkleAccumulator();
  const onRecord = (rec: SplitRecord, json: string | null) => {
    const h = sha256(rec.bytes);
    merkle.push(h);
    callbacks.record(rec, json, h);
  };
  let recordsTotal = 0;
  let format = 'unrecognized';
  let fileNote: FileNote | null = null;
  let streamFailure: FileNote | null = null;
  try {
    const text = await textContent(info, tapped);
    fileNote = text.note;
    if (text.yaml) {
      format = 'yaml';
      // Parsed whole: a Kubernetes export is small; the limit is that of sixteen records.
      const yaml = new YamlRecordSplitter({ record: onRecord, problem: (p) => callbacks.problem(p) }, maxRecordBytes * 16);
      for await (const chunk of text.stream) {
        yaml.push(chunk);
        await callbacks.chunk?.();
      }
      yaml.end();
      recordsTotal = yaml.recordCount;
    } else if (text.csvDelimiter) {
      format = text.csvDelimiter === '\t' ? 'tsv' : 'csv';
      const csv = new CsvRecordSplitter(text.csvDelimiter, { record: onRecord, problem: (p) => callbacks.problem(p) }, maxRecordBytes);
      try {
        for await (const chunk of text.stream) {
          await csv.push(chunk);
          await callbacks.chunk?.();
        }
      } finally {
        await csv.end();
        recordsTotal = csv.recordCount;
      }
    } else {
      const json = new JsonRecordSplitter({ record: (rec) => onRecord(rec, null), problem: (p) => callbacks.problem(p) }, { maxRecordBytes });
      try {
        for await (const chunk of text.stream) {
          json.push(chunk);
          await callbacks.chunk?.();
        }
      } finally {
        json.end();
        recordsTotal = json.recordCount;
        format = fileNote?.code === 'unrecognized_format' ? 'unrecognized' : json.shape;
      }
    }
  } catch (err) {
    if (err instanceof GzipProblem) streamFailure = { code: err.code, message: err.message, snippet: err.snippet };
    else if (err instanceof StreamError || err instanceof LimitError) streamFailure = { code: err.code, message: err.message };
    else throw err;
  }
  // Whatever the reader left unread still counts for the content hash.
  try {
    for await (const _ of tapped) void _;
  } catch {
    // The failure was recorded above.
  }
  return { recordsTotal, format, decompressedBytes: decompressed, contentSha256: contentHash.digest('hex'), recordsRoot: merkle.root(), fileNote, streamFailure };
}

/**
 * The text to split, or a note on why there is none: binary and non-JSON files are recorded
 * as evidence (hashed) with one quarantine row instead of a row per line.
 */
interface TextContent {
  stream: ByteStream;
  note: FileNote | null;
  /** Set when the text is CSV or TSV rather than JSON. */
  csvDelimiter?: string;
  /** Kubernetes objects as YAML. */
  yaml?: boolean;
}

async function textContent(info: LeafInfo, content: ByteStream): Promise<TextContent> {
  switch (info.kind) {
    case 'empty':
      return { stream: content, note: { code: 'empty_file', message: 'the file is empty: no records' } };
    case 'utf16':
      return { stream: transcodeUtf16(content), note: null };
    case 'data':
      return firstSignificantByte(content);
    default:
      return { stream: emptyStream(), note: { code: 'unrecognized_format', message: `unexpected ${info.kind} content` } };
  }
}

async function firstSignificantByte(content: ByteStream): Promise<TextContent> {
  const { head, stream } = await peek(content, 4096);
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i >= head.length) return { stream, note: null };
  const b = head[i];
  if (b === 0x7b || b === 0x5b) return { stream, note: null };
  const isBinary = head.subarray(0, 4096).includes(0);
  if (!isBinary && looksLikeKubernetesYaml(Buffer.from(head.subarray(i)).toString('utf8'))) return { stream, note: null, yaml: true };
  const csvDelimiter = isBinary ? null : sniffCsv(head);
  if (csvDelimiter) return { stream, note: null, csvDelimiter };
  const preview = Buffer.from(head.subarray(i, i + 60)).toString(isBinary ? 'hex' : 'utf8');
  return {
    stream: emptyStream(),
    note: {
      code: 'unrecognized_format',
      message: isBinary
        ? `not a log file: binary content (starts with ${preview.slice(0, 32)}…)`
        : `not a recognized log format: the text is neither JSON, CSV with a header nor Kubernetes YAML (starts with ${JSON.stringify(preview)})`,
    },
  };
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}

/** UTF-16 to UTF-8: big-endian when it says so (FE FF) or starts with a zero byte, else little-endian. */
async function* transcodeUtf16(content: ByteStream): AsyncGenerator<Uint8Array> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of content) {
    decoder ??= new TextDecoder(chunk[0] === 0xfe || (chunk[0] === 0x00 && chunk[1] !== 0x00) ? 'utf-16be' : 'utf-16le');
    yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
  }
  if (decoder) yield Buffer.from(decoder.decode(), 'utf8');
}
