import { createGunzip, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fromBuffer } from './byte-streams';
import { GzipProblem, gunzip } from './gunzip';

const lines = (n: number, from = 0) => `${Array.from({ length: n }, (_, i) => JSON.stringify({ eventID: `e${from + i}`, pad: 'x'.repeat(60) })).join('\n')}\n`;

async function inflate(bytes: Buffer, chunk = 1 << 16): Promise<{ text: string; problem: GzipProblem | null }> {
  const out: Uint8Array[] = [];
  try {
    for await (const c of gunzip(fromBuffer(bytes, chunk))) out.push(c);
    return { text: Buffer.concat(out).toString(), problem: null };
  } catch (err) {
    if (!(err instanceof GzipProblem)) throw err;
    return { text: Buffer.concat(out).toString(), problem: err };
  }
}

describe('gzip decompression that loses nothing', () => {
  it('reads a plain gzip stream, in any chunking', async () => {
    const text = lines(5000);
    for (const chunk of [7, 512, 1 << 16]) expect((await inflate(gzipSync(text), chunk)).text).toBe(text);
  });

  it('keeps every byte before trailing data and says where the data starts (Node loses them)', async () => {
    for (const n of [10, 20_000]) {
      const gz = gzipSync(lines(n));
      const bytes = Buffer.concat([gz, Buffer.from('GARBAGE after the stream '.repeat(3))]);
      const { text, problem } = await inflate(bytes, 4096);
      expect(text).toBe(lines(n));
      expect(problem).toMatchObject({ code: 'trailing_data', storedOffset: gz.length, decompressedBytes: lines(n).length });
      expect(Buffer.from(problem!.snippet!).toString()).toMatch(/^GARBAGE/);
      // What Node's own gunzip makes of the same bytes: an error, and records missing.
      const node: Buffer[] = [];
      await expect(
        (async () => {
          for await (const c of Readable.from([bytes]).pipe(createGunzip())) node.push(c as Buffer);
        })(),
      ).rejects.toThrow();
      expect(Buffer.concat(node).length).toBeLessThan(lines(n).length);
    }
  });

  it('reads concatenated members as one stream, and ignores zero padding', async () => {
    const bytes = Buffer.concat([gzipSync(lines(3)), gzipSync(lines(4, 3)), Buffer.alloc(100)]);
    expect(await inflate(bytes, 50)).toEqual({ text: lines(3) + lines(4, 3), problem: null });
  });

  it('reports a truncated stream with everything decompressed before the cut', async () => {
    const full = gzipSync(lines(3000));
    const { text, problem } = await inflate(full.subarray(0, Math.floor(full.length / 2)));
    expect(problem?.code).toBe('truncated_compression');
    expect(text.length).toBeGreaterThan(0);
    expect(lines(3000).startsWith(text)).toBe(true);
    expect((await inflate(full.subarray(0, full.length - 3))).problem?.code).toBe('truncated_compression');
  });

  it('reports corrupt deflate data and a failed CRC check', async () => {
    const gz = Buffer.from(gzipSync(lines(2000)));
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 200, 260);
    expect((await inflate(corrupt)).problem?.code).toBe('corrupt_compression');
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 6]! ^= 0xff;
    const result = await inflate(badCrc);
    expect(result.problem?.code).toBe('checksum_mismatch');
    expect(result.text).toBe(lines(2000));
  });
});
