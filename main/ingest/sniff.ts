/** What a byte stream is, from its first bytes, never from its name. */
export type ContentKind = 'zip' | 'gzip' | 'tar' | 'bzip2' | 'xz' | 'zstd' | '7z' | 'parquet' | 'utf16' | 'empty' | 'data';

/** How many leading bytes `sniff` wants (a tar header's magic sits at offset 257). */
export const SNIFF_BYTES = 512;

export function sniff(head: Uint8Array): ContentKind {
  if (head.length === 0) return 'empty';
  const at = (i: number, ...bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  if (at(0, 0x50, 0x4b, 0x03, 0x04) || at(0, 0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (at(0, 0x1f, 0x8b)) return 'gzip';
  if (at(0, 0x42, 0x5a, 0x68)) return 'bzip2';
  if (at(0, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (at(0, 0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (at(0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return '7z';
  if (at(0, 0x50, 0x41, 0x52, 0x31)) return 'parquet';
  if (at(0, 0xff, 0xfe) || at(0, 0xfe, 0xff) || isBomlessUtf16(head)) return 'utf16';
  // "ustar" at 257 covers POSIX and GNU tar; both start with a file name, never a JSON brace.
  if (head.length >= 262 && at(257, 0x75, 0x73, 0x74, 0x61, 0x72)) return 'tar';
  return 'data';
}

/** Archive and compression kinds this build can open. */
export function isUnsupportedContainer(kind: ContentKind): boolean {
  return kind === 'bzip2' || kind === 'xz' || kind === 'zstd' || kind === '7z';
}

/**
 * UTF-16 text without a byte-order mark (PowerShell's `Out-File` on Windows PowerShell 5 writes
 * it with one, some exporters without): JSON or CSV there is ASCII in every other byte with
 * zeros between, which no UTF-8 log has.
 */
function isBomlessUtf16(head: Uint8Array): boolean {
  const n = Math.min(head.length, 256) & ~1;
  if (n < 8) return false;
  for (const zeroAt of [1, 0]) {
    let ok = true;
    for (let i = 0; i < n && ok; i += 2) {
      const zero = head[i + zeroAt]!;
      const text = head[i + 1 - zeroAt]!;
      ok = zero === 0 && text >= 0x09 && text < 0x7f;
    }
    if (ok) return true;
  }
  return false;
}
