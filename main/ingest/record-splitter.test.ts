import { describe, expect, it } from 'vitest';
import { JsonRecordSplitter, type SplitProblem, type SplitRecord } from './record-splitter';

interface Collected {
  records: { recordNo: number; offset: number; line: number; text: string }[];
  problems: (Omit<SplitProblem, 'snippet'> & { snippet: string })[];
}

function split(input: string | Buffer, chunkSizes: number[] = [], maxRecordBytes = 1 << 20): Collected {
  const out: Collected = { records: [], problems: [] };
  const splitter = new JsonRecordSplitter(
    {
      record: (r: SplitRecord) =>
        out.records.push({ recordNo: r.recordNo, offset: r.offset, line: r.line, text: Buffer.from(r.bytes).toString('utf8') }),
      problem: (p) => out.problems.push({ ...p, snippet: Buffer.from(p.snippet).toString('utf8') }),
    },
    { maxRecordBytes },
  );
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const size = chunkSizes.length ? chunkSizes[k++ % chunkSizes.length]! : bytes.length;
    splitter.push(bytes.subarray(at, at + size));
    at += size;
  }
  splitter.end();
  return out;
}

/** Every input must give the same result whole, byte by byte and in odd chunk sizes. */
function splitEveryWay(input: string, maxRecordBytes?: number): Collected {
  const whole = split(input, [], maxRecordBytes);
  for (const sizes of [[1], [2, 3], [7], [64, 1, 5]]) {
    expect(split(input, sizes, maxRecordBytes)).toEqual(whole);
  }
  return whole;
}

const texts = (c: Collected) => c.records.map((r) => r.text);

describe('JsonRecordSplitter', () => {
  it('splits JSON lines into verbatim records with offsets and line numbers', () => {
    const input = '{"a":1}\r\n\n{"b": "x y"}\n  {"c":[1,2]}  \n';
    const out = splitEveryWay(input);
    expect(texts(out)).toEqual(['{"a":1}', '{"b": "x y"}', '{"c":[1,2]}']);
    expect(out.records.map((r) => r.line)).toEqual([1, 3, 4]);
    for (const r of out.records) expect(input.slice(r.offset, r.offset + r.text.length)).toBe(r.text);
    expect(out.problems).toEqual([]);
  });

  it('takes the records out of an S3 delivery envelope written on one line', () => {
    const input = '{"Records":[{"eventID":"1","x":{"y":[1]}},{"eventID":"2"}]}';
    const out = splitEveryWay(input);
    expect(texts(out)).toEqual(['{"eventID":"1","x":{"y":[1]}}', '{"eventID":"2"}']);
    expect(out.records.map((r) => r.recordNo)).toEqual([1, 2]);
    expect(out.records[1]!.offset).toBe(input.indexOf('{"eventID":"2"}'));
  });

  it('takes the records out of lookup-events output and ignores the envelope fields after them', () => {
    const input = '{\n  "Events": [\n    {"EventId": "a", "CloudTrailEvent": "{\\"eventID\\":\\"a\\"}"},\n    {"EventId": "b"}\n  ],\n  "NextToken": "tok"\n}\n';
    const out = splitEveryWay(input);
    expect(texts(out)).toEqual(['{"EventId": "a", "CloudTrailEvent": "{\\"eventID\\":\\"a\\"}"}', '{"EventId": "b"}']);
    expect(out.records.map((r) => r.line)).toEqual([3, 4]);
  });

  it('splits a pretty-printed top-level array and keeps each element verbatim', () => {
    const input = '[\n  {\n    "a": "}{][",\n    "b": "quote \\" and backslash \\\\"\n  },\n  {"c": null}\n]\n';
    const out = splitEveryWay(input);
    expect(texts(out)).toEqual(['{\n    "a": "}{][",\n    "b": "quote \\" and backslash \\\\"\n  }', '{"c": null}']);
    expect(JSON.parse(out.records[0]!.text)).toEqual({ a: '}{][', b: 'quote " and backslash \\' });
  });

  it('splits pretty-printed objects that follow one another', () => {
    const out = splitEveryWay('{\n "kind": "Event"\n}\n{\n "kind": "Event",\n "n": 2\n}\n');
    expect(out.records.map((r) => JSON.parse(r.text))).toEqual([{ kind: 'Event' }, { kind: 'Event', n: 2 }]);
  });

  it('keeps going after a broken line in JSON lines, so one bad record loses nothing else', () => {
    const out = splitEveryWay('{"a":1\n{"b":2}\n{"c":3}\n');
    expect(texts(out)).toEqual(['{"a":1', '{"b":2}', '{"c":3}']);
  });

  it('reports text that is not JSON with its line and still imports what follows', () => {
    const out = splitEveryWay('this is not a log\n{"a":1}\n');
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({ reason: 'unexpected_data', line: 1, offset: 0, snippet: 'this is not a log' });
    expect(texts(out)).toEqual(['{"a":1}']);
  });

  it('reports a file truncated inside a record after keeping the complete records', () => {
    const out = splitEveryWay('{"Records":[{"eventID":"1"},{"eventID":"2","userIdent');
    expect(texts(out)).toEqual(['{"eventID":"1"}']);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({ reason: 'truncated', recordNo: 2, offset: 28 });
    expect(out.problems[0]!.snippet).toBe('{"eventID":"2","userIdent');
  });

  it('reports a record over the size limit without buffering it and keeps the next ones', () => {
    const big = `{"big":"${'x'.repeat(5000)}"}`;
    const lines = splitEveryWay(`{"a":1}\n${big}\n{"b":2}\n`, 1000);
    expect(texts(lines)).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines.problems).toHaveLength(1);
    expect(lines.problems[0]).toMatchObject({ reason: 'record_too_large', recordNo: 2, line: 2 });
    const envelope = splitEveryWay(`{"Records":[{"a":1},${big},{"b":{"c":"]"}}]}`, 1000);
    expect(texts(envelope)).toEqual(['{"a":1}', '{"b":{"c":"]"}}']);
    expect(envelope.problems.map((p) => p.reason)).toEqual(['record_too_large']);
    expect(envelope.records.map((r) => r.recordNo)).toEqual([1, 3]);
  });

  it('emits scalars inside an array as records, so that they are quarantined and not lost', () => {
    const out = splitEveryWay('[{"a":1}, 42, "str\\"ing", true]');
    expect(texts(out)).toEqual(['{"a":1}', '42', '"str\\"ing"', 'true']);
  });

  it('skips a UTF-8 byte order mark but counts its bytes in offsets', () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]);
    const out = split(input, [1]);
    expect(texts(out)).toEqual(['{"a":1}', '{"b":2}']);
    expect(out.records[0]!.offset).toBe(3);
  });

  it('keeps multi-byte UTF-8 characters split across chunks intact', () => {
    const out = splitEveryWay('{"name":"Zoë 東京 🚀"}\n{"x":"é"}\n');
    expect(out.records.map((r) => JSON.parse(r.text))).toEqual([{ name: 'Zoë 東京 🚀' }, { x: 'é' }]);
  });

  it('returns nothing and no problem for an empty or blank file', () => {
    expect(splitEveryWay('')).toEqual({ records: [], problems: [] });
    expect(splitEveryWay(' \n\n\t')).toEqual({ records: [], problems: [] });
  });
});
