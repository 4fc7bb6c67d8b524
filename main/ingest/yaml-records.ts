import { isMap, isSeq, parseAllDocuments, type Node } from 'yaml';
import type { SplitProblem, SplitRecord } from './record-splitter';

/**
 * Kubernetes objects exported as YAML (`kubectl get … -o yaml`, manifests separated by `---`):
 * each document is a record, and a List's items are records of their own, as in its JSON form.
 * A record's bytes are its verbatim text in the file (what is hashed and kept); its JSON is the
 * same object as JSON, for detection and parsing (like a CSV row's).
 */

/** Kubernetes-shaped YAML: its first line that is not a comment or `---` starts `apiVersion:` or `kind:`. */
export function looksLikeKubernetesYaml(head: string): boolean {
  for (const raw of head.split('\n')) {
    const line = raw.trimEnd();
    if (!line || line.startsWith('#') || line === '---') continue;
    return /^(apiVersion|kind):\s*\S/.test(line);
  }
  return false;
}

export interface YamlSink {
  record(rec: SplitRecord, json: string): void;
  problem(p: SplitProblem): void;
}

export class YamlRecordSplitter {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  recordCount = 0;

  constructor(
    private readonly sink: YamlSink,
    private readonly maxBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    this.size += chunk.length;
    // A YAML file is parsed whole: past the limit it is not read (one problem, nothing lost silently).
    if (this.size <= this.maxBytes) this.chunks.push(Buffer.from(chunk));
  }

  end(): void {
    const bytes = Buffer.concat(this.chunks);
    if (this.size > this.maxBytes) {
      this.recordCount = 1;
      this.sink.problem({ recordNo: 1, offset: 0, line: 1, reason: 'record_too_large', message: `the YAML file is ${this.size} bytes, over the ${this.maxBytes}-byte limit for one record`, snippet: bytes.subarray(0, 256) });
      return;
    }
    const text = bytes.toString('utf8');
    const lineAt = lineIndex(text);
    const emit = (node: Node | null, fallbackStart: number) => {
      const [start, , end] = node?.range ?? [fallbackStart, fallbackStart, fallbackStart];
      const recordNo = ++this.recordCount;
      const offset = Buffer.byteLength(text.slice(0, start));
      const raw = Buffer.from(text.slice(start, end).trimEnd());
      this.sink.record({ recordNo, offset, line: lineAt(start), bytes: raw }, JSON.stringify(node?.toJSON() ?? null));
    };
    for (const doc of parseAllDocuments(text)) {
      if (!('contents' in doc)) continue;
      const [start, , end] = doc.range;
      if (doc.errors.length) {
        const recordNo = ++this.recordCount;
        const e = doc.errors[0]!;
        this.sink.problem({ recordNo, offset: Buffer.byteLength(text.slice(0, start)), line: lineAt(e.pos[0]), reason: 'unexpected_data', message: `not valid YAML: ${e.message.split('\n')[0]}`, snippet: Buffer.from(text.slice(start, Math.min(end, start + 256))) });
        continue;
      }
      const root = doc.contents;
      if (!root) continue;
      const items = isMap(root) ? root.get('items', true) : null;
      if (isMap(root) && isSeq(items) && String(root.get('kind') ?? '').endsWith('List')) {
        for (const item of items.items) emit(item as Node, start);
      } else emit(root as Node, start);
    }
  }
}

function lineIndex(text: string): (pos: number) => number {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return (pos) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}
