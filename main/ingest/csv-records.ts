import { type Parser, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { SplitProblem, SplitRecord } from './record-splitter';

/**
 * CSV and TSV logs (GitHub's audit-log CSV export, Timesketch/plaso timelines, anything with a
 * mapping file): csv-parse reads the fields, we keep the verbatim bytes of each record for the
 * case and hand SQL the record as a JSON object keyed by the header, so every parser reads CSV
 * and JSON alike.
 */

const DELIMITERS = [',', '\t', ';', '|'] as const;

/**
 * The delimiter of a CSV file from its first bytes, or null when it does not look like one:
 * a header of at least two distinct, non-numeric names, and rows that mostly have as many fields.
 */
export function sniffCsv(head: Uint8Array): string | null {
  let text = Buffer.from(head).toString('utf8').replace(/^\uFEFF/, '');
  if (head.length >= 4096) text = text.slice(0, Math.max(text.lastIndexOf('\n'), 0));
  if (!text.includes('\n') && head.length >= 4096) return null;
  let best: { delimiter: string; columns: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const rows = firstRows(text, delimiter);
    if (!rows) continue;
    const header = rows[0];
    if (!header || header.length < 2) continue;
    const names = header.map((h) => h.trim());
    if (names.some((n) => n === '' || /^[-+]?\d+(\.\d+)?$/.test(n)) || new Set(names).size !== names.length) continue;
    const body = rows.slice(1);
    const matching = body.filter((r) => r.length === header.length).length;
    if (body.length > 0 && matching < body.length * 0.8) continue;
    if (!best || header.length > best.columns) best = { delimiter, columns: header.length };
  }
  return best?.delimiter ?? null;
}

/** Up to 20 rows of `text`; a broken tail (an unclosed quote) is dropped line by line, up to 5 lines. */
function firstRows(text: string, delimiter: string): string[][] | null {
  let sample = text;
  for (let attempt = 0; attempt < 6 && sample.length > 0; attempt++) {
    try {
      return parseSync(sample, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, to: 20 }) as string[][];
    } catch {
      sample = sample.slice(0, Math.max(sample.trimEnd().lastIndexOf('\n'), 0));
    }
  }
  return null;
}

export interface CsvSink {
  /** One data record: its verbatim bytes (without the line break) and the JSON object SQL parses. */
  record(rec: SplitRecord, json: string): void;
  problem(p: SplitProblem): void;
}

interface ParsedRecord {
  record: string[];
  info: { bytes: number };
}

/** Splits a CSV byte stream into records, tracking each record's byte offset and line. */
export class CsvRecordSplitter {
  private readonly parser: Parser;
  private readonly done: Promise<void>;
  /** Bytes received and not yet handed out as a record; `base` is the offset of its first byte. */
  private pending = Buffer.alloc(0);
  private base = 0;
  private line = 1;
  private header: string[] | null = null;
  private recordNo = 0;
  private failure: Error | null = null;

  constructor(
    delimiter: string,
    private readonly sink: CsvSink,
    private readonly maxRecordBytes: number,
  ) {
    this.parser = parse({
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      max_record_size: maxRecordBytes,
    });
    this.parser.on('data', (r: ParsedRecord) => this.take(r));
    this.done = new Promise((resolve) => {
      this.parser.on('end', resolve);
      this.parser.on('error', (err) => {
        this.failure = err;
        resolve();
      });
    });
  }

  get recordCount(): number {
    return this.recordNo;
  }

  async push(chunk: Uint8Array): Promise<void> {
    if (this.failure) return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    if (!this.parser.write(chunk)) await new Promise((resolve) => this.parser.once('drain', resolve));
  }

  async end(): Promise<void> {
    this.parser.end();
    await this.done;
    if (!this.failure) return;
    // What the parser could not read stays in the evidence file; the quarantine row says where.
    const rest = this.pending;
    this.recordNo++;
    this.sink.problem({
      recordNo: this.recordNo,
      offset: this.base,
      line: this.line,
      reason: 'unexpected_data',
      message: `not valid CSV from here on: ${this.failure.message.replace(/^.*?: /, '')}`,
      snippet: rest.subarray(0, 1024),
    });
  }

  private take(parsed: ParsedRecord): void {
    const end = parsed.info.bytes;
    let bytes = this.pending.subarray(0, end - this.base);
    let offset = this.base;
    let line = this.line;
    this.line += countLineBreaks(bytes);
    this.pending = this.pending.subarray(end - this.base);
    this.base = end;
    // The slice may start with skipped blank lines or a BOM and ends with the line break.
    let start = 0;
    if (offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    while (start < bytes.length && (bytes[start] === 0x0a || bytes[start] === 0x0d)) {
      if (bytes[start] === 0x0a) line++;
      start++;
    }
    let stop = bytes.length;
    while (stop > start && (bytes[stop - 1] === 0x0a || bytes[stop - 1] === 0x0d)) stop--;
    offset += start;
    bytes = bytes.subarray(start, stop);
    if (!this.header) {
      this.header = uniqueNames(parsed.record);
      return;
    }
    this.recordNo++;
    const object: Record<string, string> = {};
    parsed.record.forEach((value, i) => {
      object[this.header![i] ?? `column_${i + 1}`] = value;
    });
    this.sink.record({ recordNo: this.recordNo, offset, line, bytes }, JSON.stringify(object));
  }
}

function countLineBreaks(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Header names, trimmed, with repeats numbered so no column is lost. */
function uniqueNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const name = raw.trim() || `column_${i + 1}`;
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}
