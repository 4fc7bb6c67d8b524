import { describe, expect, it } from 'vitest';
import { shortenMiddle } from './event-columns';

describe('shortening a value in the middle', () => {
  it('keeps the bucket and the object name of a long object ARN', () => {
    const arn = 'arn:aws:s3:::exfil-drop-7731/exports/customers/2026-02/part-0001.parquet';
    const short = shortenMiddle(arn, 52);
    expect(short.length).toBe(52);
    expect(short.startsWith('arn:aws:s3:::exfil-drop-7731/')).toBe(true);
    expect(short.endsWith('/part-0001.parquet')).toBe(true);
    expect(short).toContain('…');
    // Narrower: the bucket stays whole, the name's end fills the rest.
    const narrow = shortenMiddle(arn, 40);
    expect(narrow).toBe('arn:aws:s3:::exfil-drop-7731/…01.parquet');
  });
  it('cuts plain text with more of its end kept, and leaves short text alone', () => {
    expect(shortenMiddle('short', 10)).toBe('short');
    const ua = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off command/s3.cp';
    const cut = shortenMiddle(ua, 30);
    expect(cut.length).toBe(30);
    expect(cut.startsWith('aws-cli/')).toBe(true);
    expect(cut.endsWith('command/s3.cp')).toBe(true);
    expect(shortenMiddle('abcdefghijklmnopqrstuvwxyz', 11)).toBe('abcd…uvwxyz');
  });
});
