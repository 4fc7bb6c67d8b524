/**
 * Streaming splitter that cuts decompressed JSON log text into verbatim records.
 *
 * It finds record boundaries from the bytes alone (no JSON.parse): DuckDB parses and
 * normalizes the records later, many times faster than V8 could, and the raw record we keep
 * is the exact byte slice of the evidence file, not a re-serialization. Shapes handled:
 * - JSON lines (one record per line; a broken line never swallows the next one),
 * - a top-level array of records,
 * - an envelope whose key holds the records (`{"Records":[…]}` from S3 delivery,
 *   `{"Events":[…]}` from `aws cloudtrail lookup-events`, `{"records":[…]}` from Azure
 *   diagnostic exports, `{"value":[…]}` from Graph-style APIs),
 * - pretty-printed objects one after another.
 * Memory stays bounded by `maxRecordBytes` whatever the file size: a longer record is reported
 * and skipped without being buffered.
 */

export interface SplitRecord {
  /** 1-based sequence number of the record candidate inside the file. */
  recordNo: number;
  /** Byte offset of the record's first byte in the decompressed stream. */
  offset: number;
  /** 1-based line of the record's first byte. */
  line: number;
  /** A view into the splitter's buffer: valid only during the callback, copy it to keep it. */
  bytes: Uint8Array;
}

export type SplitProblemReason = 'record_too_large' | 'truncated' | 'unexpected_data' | 'unbalanced';

export interface SplitProblem {
  recordNo: number;
  offset: number;
  line: number;
  reason: SplitProblemReason;
  message: string;
  /** The first bytes of the offending data, for the quarantine row. */
  snippet: Uint8Array;
}

export interface SplitterSink {
  record(rec: SplitRecord): void;
  problem(p: SplitProblem): void;
}

export interface SplitterOptions {
  maxRecordBytes: number;
  /** How many bytes of a bad record to keep in its quarantine row. */
  snippetBytes?: number;
}

// `items`: Kubernetes lists (`kubectl get … -o json`), whose items are the records.
const WRAPPER_KEYS = new Set(['Records', 'records', 'Events', 'value', 'items']);

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

type Mode = 'detect' | 'lines' | 'structural';

export class JsonRecordSplitter {
  private buf: Buffer = Buffer.allocUnsafe(1 << 20);
  private len = 0;
  /** Absolute stream offset of buf[0]. */
  private base = 0;
  private pos = 0;
  private line = 1;
  private recordNo = 0;
  private mode: Mode = 'detect';

  private depth = 0;
  private inString = false;
  /** Depth at which values are records: 0 top level, 1 array elements, 2 envelope elements. */
  private recordDepth = 0;
  private recStart = -1;
  private recLine = 0;
  private recHasNewline = false;
  private recIsScalar = false;
  private topIsObject = false;
  private topIsEnvelope = false;
  private keyStart = -1;
  private lastKey = '';
  /** Inside a record that was too large: its structure is followed but its bytes are not kept. */
  private isSkippingRecord = false;
  /** After garbage at top level: drop bytes up to the end of the line, then resync. */
  private isSkippingLine = false;

  private readonly maxRecordBytes: number;
  private readonly snippetBytes: number;
  private hasEnvelope = false;
  private hasArray = false;

  /** The layout the file turned out to have, recorded on its evidence row. */
  get shape(): 'json-lines' | 'json-envelope' | 'json-array' | 'json-objects' | 'empty' {
    if (this.recordNo === 0) return 'empty';
    if (this.mode === 'lines') return 'json-lines';
    if (this.hasEnvelope) return 'json-envelope';
    if (this.hasArray) return 'json-array';
    return 'json-objects';
  }

  get recordCount(): number {
    return this.recordNo;
  }

  constructor(
    private readonly sink: SplitterSink,
    options: SplitterOptions,
  ) {
    this.maxRecordBytes = options.maxRecordBytes;
    this.snippetBytes = options.snippetBytes ?? 512;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.append(chunk);
    this.scan();
  }

  end(): void {
    this.scan(true);
    if (this.garbageAt >= 0) {
      this.reportAt('unexpected_data', this.garbageAt, this.garbageLine, 'text that is not JSON where a record should start');
      this.garbageAt = -1;
    }
    if (this.mode === 'lines') {
      if (!this.isSkippingRecord && this.pos < this.len) this.emitLine(this.pos, this.len);
    } else if (this.recStart >= 0 && this.recIsScalar && this.depth === this.recordDepth && !this.inString) {
      this.emitRecord(this.recStart, this.len);
      if (this.depth > 0) this.report('truncated', this.len, this.line, 'the file ends inside an open array or object (truncated file?)');
    } else if (this.recStart >= 0) {
      this.reportAt('truncated', this.recStart, this.recLine, 'the file ends inside a record (truncated file?)');
    } else if (this.depth > 0 && !this.isSkippingRecord) {
      this.report('truncated', this.pos, this.line, 'the file ends inside an open array or object (truncated file?)');
    }
    this.recStart = -1;
    this.pos = this.len;
  }

  private append(chunk: Uint8Array): void {
    let keep = this.pos;
    if (this.recStart >= 0 && this.recStart < keep) keep = this.recStart;
    if (this.keyStart >= 0 && this.keyStart < keep) keep = this.keyStart;
    if (this.garbageAt >= 0 && this.garbageAt < keep) keep = this.garbageAt;
    if (keep > 0) {
      this.buf.copyWithin(0, keep, this.len);
      this.len -= keep;
      this.pos -= keep;
      if (this.recStart >= 0) this.recStart -= keep;
      if (this.keyStart >= 0) this.keyStart -= keep;
      if (this.garbageAt >= 0) this.garbageAt -= keep;
      this.base += keep;
    }
    if (this.len + chunk.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + chunk.length) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
  }

  private scan(isEnd = false): void {
    for (;;) {
      const mode = this.mode;
      if (mode === 'detect') {
        if (!this.detect(isEnd)) return;
      } else if (mode === 'lines') {
        this.scanLines();
        return;
      } else {
        this.scanStructural();
        if (this.mode === 'structural') return;
      }
    }
  }

  /**
   * Skips leading whitespace, then picks the splitter: JSON lines when one of the first lines
   * is a whole object on its own, structural otherwise. Waits for up to 64 KiB to decide.
   */
  private detect(isEnd: boolean): boolean {
    const buf = this.buf;
    if (this.base + this.pos === 0) {
      if (this.len < 3 && !isEnd) return false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3;
    }
    while (this.pos < this.len && isSpace(buf[this.pos]!)) {
      if (buf[this.pos] === LF) this.line++;
      this.pos++;
    }
    if (this.pos >= this.len) return false;
    if (buf[this.pos] !== OPEN_BRACE) {
      this.mode = 'structural';
      return true;
    }
    let start = this.pos;
    let wholeLines = 0;
    for (let n = 0; n < 5; n++) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0 || nl >= this.len) {
        if (!isEnd && this.len - this.pos < 65_536) return false;
        break;
      }
      if (isWholeObjectLine(buf, start, nl)) wholeLines++;
      if (wholeLines === 2) {
        this.mode = 'lines';
        return true;
      }
      start = nl + 1;
    }
    this.mode = 'structural';
    return true;
  }

  private scanLines(): void {
    const buf = this.buf;
    for (;;) {
      const nl = buf.indexOf(LF, this.pos);
      if (nl < 0 || nl >= this.len) {
        if (!this.isSkippingRecord && this.len - this.pos > this.maxRecordBytes) {
          this.recordNo++;
          this.reportAt('record_too_large', this.pos, this.line, this.tooLargeMessage());
          this.isSkippingRecord = true;
        }
        if (this.isSkippingRecord) this.pos = this.len;
        return;
      }
      if (this.isSkippingRecord) this.isSkippingRecord = false;
      else this.emitLine(this.pos, nl);
      this.pos = nl + 1;
      this.line++;
    }
  }

  private emitLine(start: number, end: number): void {
    const buf = this.buf;
    let s = start;
    let e = end;
    while (s < e && isSpace(buf[s]!)) s++;
    while (e > s && isSpace(buf[e - 1]!)) e--;
    if (s === e) return;
    this.recordNo++;
    if (e - s > this.maxRecordBytes) {
      this.reportAt('record_too_large', s, this.line, this.tooLargeMessage());
      return;
    }
    this.sink.record({ recordNo: this.recordNo, offset: this.base + s, line: this.line, bytes: buf.subarray(s, e) });
  }

  private scanStructural(): void {
    const buf = this.buf;
    const len = this.len;
    let i = this.pos;
    while (i < len) {
      if (this.isSkippingLine) {
        const nl = buf.indexOf(LF, i);
        const end = nl < 0 || nl >= len ? len : nl;
        if (this.garbageAt >= 0 && (end < len || end - this.garbageAt >= this.snippetBytes)) {
          this.reportAt('unexpected_data', this.garbageAt, this.garbageLine, 'text that is not JSON where a record should start', end);
          this.garbageAt = -1;
        }
        if (end === len) {
          i = len;
          break;
        }
        this.isSkippingLine = false;
        i = nl;
      }
      if (this.inString) {
        i = this.scanString(i);
        if (i < 0) {
          i = this.resumeAt;
          break;
        }
      } else {
        const b = buf[i]!;
        switch (b) {
          case QUOTE:
            this.inString = true;
            if (this.depth === 1 && this.topIsObject && !this.topIsEnvelope) this.keyStart = i;
            if (this.isRecordPosition()) {
              if (this.depth === 0) {
                this.inString = false;
                this.garbage(i);
              } else this.startRecord(i, true);
            }
            break;
          case OPEN_BRACE:
          case OPEN_BRACKET:
            if (this.recIsScalar && this.recStart >= 0) this.recIsScalar = false;
            if (this.depth === 0) {
              this.topIsObject = b === OPEN_BRACE;
              this.topIsEnvelope = false;
              this.recordDepth = b === OPEN_BRACE ? 0 : 1;
              if (b === OPEN_BRACKET) this.hasArray = true;
            }
            if (this.isRecordPosition()) {
              this.startRecord(i, false);
            } else if (b === OPEN_BRACKET && this.depth === 1 && this.topIsObject && !this.topIsEnvelope && WRAPPER_KEYS.has(this.lastKey)) {
              // The top-level object is an envelope: the elements of this array are the records.
              this.topIsEnvelope = true;
              this.hasEnvelope = true;
              this.recordDepth = 2;
              if (this.recStart >= 0) this.recordNo--;
              this.recStart = -1;
              this.isSkippingRecord = false;
            }
            this.depth++;
            break;
          case CLOSE_BRACE:
          case CLOSE_BRACKET:
            if (this.depth === 0) {
              this.garbage(i);
              break;
            }
            if (this.recIsScalar && this.recStart >= 0 && this.depth === this.recordDepth) this.endScalar(i);
            this.depth--;
            if (this.depth === this.recordDepth && (this.recStart >= 0 || this.isSkippingRecord)) {
              if (this.recStart >= 0) this.emitRecord(this.recStart, i + 1);
              this.recStart = -1;
              this.isSkippingRecord = false;
            }
            if (this.depth === 1 && this.topIsEnvelope) this.recordDepth = 0;
            if (this.depth === 0) {
              this.recordDepth = 0;
              this.topIsEnvelope = false;
            }
            break;
          case COMMA:
            if (this.recIsScalar && this.recStart >= 0 && this.depth === this.recordDepth) this.endScalar(i);
            break;
          case LF:
            this.line++;
            if (this.recStart >= 0) this.recHasNewline = true;
            break;
          case SPACE:
          case TAB:
          case CR:
          case COLON:
            break;
          default:
            if (this.isRecordPosition()) {
              if (this.depth === 0) this.garbage(i);
              else this.startRecord(i, true);
            }
        }
        i++;
      }
      if (this.recStart >= 0 && i - this.recStart > this.maxRecordBytes) {
        this.reportAt('record_too_large', this.recStart, this.recLine, this.tooLargeMessage());
        this.recStart = -1;
        this.isSkippingRecord = true;
      }
      if (this.mode !== 'structural') {
        this.pos = i;
        return;
      }
    }
    this.pos = i;
  }

  /**
   * Returns the index after the closing quote, or -1 when the string goes on past the buffer;
   * then `resumeAt` is where to look again, before any trailing backslashes, so that an escape
   * split across two chunks is still counted.
   */
  private scanString(from: number): number {
    const buf = this.buf;
    const len = this.len;
    let i = from;
    for (;;) {
      // Jump to the next quote natively: strings are most of a log's bytes.
      const q = buf.indexOf(QUOTE, i);
      if (q < 0 || q >= len) {
        let k = len;
        while (k > i && buf[k - 1] === BACKSLASH) k--;
        this.resumeAt = k;
        return -1;
      }
      let k = q - 1;
      while (k >= from && buf[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 1) {
        i = q + 1;
        continue;
      }
      this.inString = false;
      if (this.keyStart >= 0) {
        this.lastKey = q - this.keyStart <= 17 ? buf.toString('latin1', this.keyStart + 1, q) : '';
        this.keyStart = -1;
      }
      if (this.recIsScalar && this.recStart >= 0 && this.depth === this.recordDepth) this.endScalar(q + 1);
      else if (this.isSkippingRecord && this.recIsScalar && this.depth === this.recordDepth) this.isSkippingRecord = false;
      return q + 1;
    }
  }

  private resumeAt = 0;

  private isRecordPosition(): boolean {
    return this.depth === this.recordDepth && this.recStart < 0 && !this.isSkippingRecord;
  }

  private startRecord(i: number, isScalar: boolean): void {
    this.recStart = i;
    this.recLine = this.line;
    this.recHasNewline = false;
    this.recIsScalar = isScalar;
    this.recordNo++;
  }

  private endScalar(end: number): void {
    const start = this.recStart;
    this.recStart = -1;
    this.recIsScalar = false;
    this.emitRecord(start, end);
  }

  /**
   * Something that is not JSON at top level: it is reported (with up to a snippet of its line)
   * once its line ends, and scanning resyncs after it.
   */
  private garbage(i: number): void {
    this.recordNo++;
    this.garbageAt = i;
    this.garbageLine = this.line;
    this.isSkippingLine = true;
  }

  private garbageAt = -1;
  private garbageLine = 0;

  private emitRecord(start: number, end: number): void {
    const buf = this.buf;
    let e = end;
    while (e > start && isSpace(buf[e - 1]!)) e--;
    this.sink.record({ recordNo: this.recordNo, offset: this.base + start, line: this.recLine, bytes: buf.subarray(start, e) });
    // A first record that sits alone on one line means JSON lines: the line splitter is faster
    // and a broken line cannot swallow the lines after it.
    if (this.recordNo === 1 && this.depth === 0 && !this.recHasNewline && !this.topIsEnvelope && this.topIsObject) {
      let k = end;
      while (k < this.len && buf[k] !== LF && isSpace(buf[k]!)) k++;
      if (k === this.len || buf[k] === LF) this.mode = 'lines';
    }
  }

  private report(reason: SplitProblemReason, at: number, line: number, message: string): void {
    this.recordNo++;
    this.reportAt(reason, at, line, message);
  }

  private reportAt(reason: SplitProblemReason, at: number, line: number, message: string, end?: number): void {
    const stop = Math.max(at, Math.min(end ?? this.len, at + this.snippetBytes, this.len));
    this.sink.problem({
      recordNo: this.recordNo,
      offset: this.base + at,
      line,
      reason,
      message,
      snippet: Uint8Array.prototype.slice.call(this.buf, at, stop),
    });
  }

  private tooLargeMessage(): string {
    return `record larger than the ${this.maxRecordBytes.toLocaleString('en-US')}-byte limit (raise --max-record-bytes to import it)`;
  }
}

function isWholeObjectLine(buf: Uint8Array, start: number, end: number): boolean {
  let s = start;
  let e = end;
  while (s < e && isSpace(buf[s]!)) s++;
  while (e > s && isSpace(buf[e - 1]!)) e--;
  if (e - s < 2 || buf[s] !== OPEN_BRACE || buf[e - 1] !== CLOSE_BRACE) return false;
  return !startsWithEnvelopeKey(buf, s + 1, e);
}

/** True for `{"Records": [` and the like: such a line holds many records, not one. */
function startsWithEnvelopeKey(buf: Uint8Array, from: number, end: number): boolean {
  let i = from;
  while (i < end && isSpace(buf[i]!)) i++;
  if (buf[i] !== QUOTE) return false;
  const close = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).indexOf(QUOTE, i + 1);
  if (close < 0 || close >= end || close - i > 17) return false;
  const key = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', i + 1, close);
  i = close + 1;
  while (i < end && (isSpace(buf[i]!) || buf[i] === COLON)) i++;
  return WRAPPER_KEYS.has(key) && buf[i] === OPEN_BRACKET;
}

function isSpace(b: number): boolean {
  return b === SPACE || b === TAB || b === CR || b === LF;
}
