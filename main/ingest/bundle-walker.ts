import { createReadStream, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import yauzl from 'yauzl';
import { type ByteStream, HashingCounter, LimitError, collect, fromBuffer, peek } from './byte-streams';
import { GzipProblem, gunzip } from './gunzip';
import { type ImportLimits, RATIO_GRACE_BYTES } from './limits';
import { type ContentKind, SNIFF_BYTES, isUnsupportedContainer, sniff } from './sniff';

/**
 * Walks an input (folder, archive or single file) down to the files that hold log records,
 * opening zip, tar and gzip layers and archives nested in archives. Nothing is extracted to
 * disk: members are streamed, so a `../` path in an archive can never write anywhere.
 */

export interface EntryInfo {
  /** Absolute path on disk of the file this entry lives in (the top-level archive for members). */
  rootPath: string;
  /** Name of the input as the user gave it (folder or file name). */
  bundleName: string;
  /** Path inside the bundle, through nested archives: `export.zip/AWSLogs/…/x.json.gz`. */
  pathInBundle: string;
  depth: number;
  parentId: number | null;
}

/** 'gzip', or 'gzip+gzip' for a file compressed twice. */
export type Compression = 'none' | 'gzip' | `gzip+${string}`;

export interface ContainerInfo extends EntryInfo {
  format: 'zip' | 'tar';
  compression: Compression;
  /** Known up front for zips (read whole for random access); streamed tars learn it at the end. */
  sha256: string | null;
  size: number | null;
}

export interface LeafInfo extends EntryInfo {
  compression: Compression;
  /** First bytes of the (decompressed) content, already sniffed. */
  kind: ContentKind;
}

export type EntryProblemCode =
  | 'unsafe_path'
  | 'unsupported_archive'
  | 'corrupt_archive'
  | 'corrupt_compression'
  | 'unreadable'
  | 'not_a_file'
  | 'overlapping_entries'
  | LimitError['code'];

export interface WalkVisitor {
  /** Returns the container's evidence id, or null to skip it (already imported whole). */
  openContainer(info: ContainerInfo): Promise<number | null>;
  closeContainer(id: number, stored: { sha256: string; size: number }): Promise<void>;
  /**
   * Reads a log file. `content` is the decompressed text; `stored` hashes the bytes as stored
   * in the parent (the .gz itself for a gzip file) and is complete once `content` is drained.
   * An error thrown by `content` (truncated gzip, bomb) must be handled here: the records read
   * before it are good evidence.
   */
  leaf(info: LeafInfo, content: ByteStream, stored: HashingCounter): Promise<void>;
  /** A member that could not be read at all, attached to its parent container. */
  problem(info: EntryInfo, code: EntryProblemCode, message: string): Promise<void>;
}

/** Raised from a leaf's content stream when its compression layer is broken. */
export class StreamError extends Error {
  constructor(
    readonly code: 'corrupt_compression',
    message: string,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

interface Budget {
  totalExpanded: number;
  onDiskBytes: (n: number) => void;
}

export interface WalkOptions {
  /** The bundle path to give a single-file input (verify re-walks files under their recorded path). */
  pathInBundle?: string;
  bundleName?: string;
  /** Bytes read from disk, for progress: the compressed size of zip members as they finish. */
  onDiskBytes?: (n: number) => void;
  /** Absolute paths never to read, such as the case file itself when it sits in the input folder. */
  exclude?: ReadonlySet<string>;
}

export async function walkInput(inputPath: string, visitor: WalkVisitor, limits: ImportLimits, options: WalkOptions = {}): Promise<void> {
  // The input the user named is followed if it is a link; what is inside a folder never is.
  const info = await stat(inputPath);
  const budget: Budget = { totalExpanded: 0, onDiskBytes: options.onDiskBytes ?? (() => undefined) };
  if (info.isDirectory()) {
    const bundleName = basename(inputPath);
    for (const file of await listFiles(inputPath)) {
      if (options.exclude?.has(file.path)) continue;
      const entry: EntryInfo = {
        rootPath: file.path,
        bundleName,
        pathInBundle: relative(inputPath, file.path).split(sep).join('/'),
        depth: 0,
        parentId: null,
      };
      if (file.special) await visitor.problem(entry, 'not_a_file', file.special);
      else await walkFile(file.path, entry, visitor, limits, budget);
    }
    return;
  }
  const entry: EntryInfo = {
    rootPath: inputPath,
    bundleName: options.bundleName ?? basename(inputPath),
    pathInBundle: options.pathInBundle ?? basename(inputPath),
    depth: 0,
    parentId: null,
  };
  const special = specialFileReason(info);
  if (special) {
    await visitor.problem(entry, 'not_a_file', `${inputPath} is ${special}, not a regular file: not read`);
    return;
  }
  await walkFile(inputPath, entry, visitor, limits, budget);
}

/** What a non-regular file is, or null for a regular file. Reading a FIFO or a device would block or never end. */
export function specialFileReason(info: Stats): string | null {
  if (info.isFile()) return null;
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a folder';
  return 'not a regular file';
}

interface ListedFile {
  path: string;
  /** Why it is not read (a link, a pipe, a device), or null for a regular file. */
  special: string | null;
}

/**
 * Files under a folder, sorted so that imports and verification see the same order. Links, pipes,
 * sockets and devices are listed with the reason they are not read: a link could lead outside the
 * bundle (or back into it), a pipe would block the import forever, and either way the analyst is
 * told rather than the file silently skipped.
 */
async function listFiles(dir: string): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full)));
    else if (e.isFile()) out.push({ path: full, special: null });
    else if (e.isSymbolicLink()) {
      const target = await readlink(full).catch(() => '?');
      out.push({ path: full, special: `${full} is a symbolic link (to ${target}): links inside a bundle are not followed; import the target itself if it belongs to the evidence` });
    } else {
      const reason = specialFileReason(await lstat(full));
      out.push({ path: full, special: `${full} is ${reason}, not a regular file: not read` });
    }
  }
  return out;
}

async function walkFile(path: string, entry: EntryInfo, visitor: WalkVisitor, limits: ImportLimits, budget: Budget): Promise<void> {
  let head: Uint8Array;
  try {
    // An open error (EACCES, EISDIR) is named here; peek would only defer it.
    await (await open(path, 'r')).close();
    ({ head } = await peek(fileStream(path), SNIFF_BYTES));
  } catch (err) {
    await visitor.problem(entry, 'unreadable', `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (sniff(head) === 'zip') {
    // Zip needs random access: read it from disk rather than from a stream.
    const size = (await stat(path)).size;
    const counter = new HashingCounter();
    for await (const _ of counter.tap(fileStream(path))) void _;
    await walkZip(() => openZipFile(path), { ...entry, format: 'zip', compression: 'none', sha256: counter.digest(), size }, visitor, limits, budget);
    return;
  }
  await walkStream(countDiskBytes(fileStream(path), budget), entry, visitor, limits, budget, null);
}

async function* countDiskBytes(stream: ByteStream, budget: Budget): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    budget.onDiskBytes(chunk.length);
    yield chunk;
  }
}

/** Total size on disk of an input (file or folder), for a progress bar's 100%. */
export async function inputSize(inputPath: string): Promise<number> {
  const info = await stat(inputPath);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const file of await listFiles(inputPath)) if (!file.special) total += (await stat(file.path)).size;
  return total;
}

function fileStream(path: string): ByteStream {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * Any member whose kind is not known yet. `declared` is the compressed size a zip's directory
 * gives for the member, used for the bomb ratio.
 */
async function walkStream(
  raw: ByteStream,
  entry: EntryInfo,
  visitor: WalkVisitor,
  limits: ImportLimits,
  budget: Budget,
  declaredCompressed: number | null,
): Promise<void> {
  const stored = new HashingCounter();
  const tapped = stored.tap(raw);
  const first = await peek(tapped, SNIFF_BYTES);
  let kind = sniff(first.head);
  let content: ByteStream = first.stream;
  let compression: Compression = 'none';

  if (kind === 'gzip') {
    // Compressed twice (or more) happens when a tool gzips what S3 already delivered gzipped.
    content = first.stream;
    for (let layer = 1; kind === 'gzip'; layer++) {
      if (layer > MAX_GZIP_LAYERS) {
        await drain(content).catch(() => undefined);
        await visitor.problem(entry, 'too_deep', `${entry.pathInBundle} is gzip-compressed more than ${MAX_GZIP_LAYERS} times: not opened`);
        return;
      }
      compression = layer === 1 ? 'gzip' : `gzip+${compression}`;
      content = guardExpansion(gunzip(content), () => stored.bytes, entry, limits, budget);
      const inner = await peek(content, SNIFF_BYTES);
      content = inner.stream;
      kind = sniff(inner.head);
    }
  } else if (declaredCompressed !== null) {
    content = guardExpansion(first.stream, () => declaredCompressed, entry, limits, budget);
  }

  if (isUnsupportedContainer(kind)) {
    await drain(content).catch(() => undefined);
    await visitor.problem(entry, 'unsupported_archive', `${kind} archives are not supported: extract ${entry.pathInBundle} and import the result`);
    return;
  }
  if (kind === 'tar') {
    await walkTar(content, stored, { ...entry, format: 'tar', compression, sha256: null, size: null }, visitor, limits, budget);
    return;
  }
  if (kind === 'zip') {
    if (await isTooDeep(entry, visitor, limits, content)) return;
    let buffer: Buffer;
    try {
      buffer = await collect(content, limits.maxNestedZipBytes, entry.pathInBundle);
    } catch (err) {
      await reportStreamFailure(err, entry, visitor);
      return;
    }
    const info: ContainerInfo = { ...entry, format: 'zip', compression, sha256: await stored.finish(), size: stored.bytes };
    await walkZip(() => openZipBuffer(buffer), info, visitor, limits, budget);
    return;
  }
  await visitor.leaf({ ...entry, compression, kind }, content, stored);
}

async function reportStreamFailure(err: unknown, entry: EntryInfo, visitor: WalkVisitor): Promise<void> {
  if (err instanceof LimitError || err instanceof StreamError) await visitor.problem(entry, err.code, err.message);
  else if (err instanceof GzipProblem) await visitor.problem(entry, 'corrupt_compression', err.message);
  else throw err;
}

async function drain(stream: ByteStream): Promise<void> {
  for await (const _ of stream) void _;
}

const MAX_GZIP_LAYERS = 4;

/** Stops a member that expands past the per-member cap, the import-wide cap or the bomb ratio. */
async function* guardExpansion(
  content: ByteStream,
  compressedSoFar: () => number,
  entry: EntryInfo,
  limits: ImportLimits,
  budget: Budget,
): AsyncGenerator<Uint8Array> {
  let expanded = 0;
  for await (const chunk of content) {
    expanded += chunk.length;
    budget.totalExpanded += chunk.length;
    if (expanded > limits.maxEntryBytes) {
      throw new LimitError('entry_too_large', `${entry.pathInBundle} expands past ${limits.maxEntryBytes} bytes (--max-entry-bytes); the rest of it was not read`);
    }
    if (budget.totalExpanded > limits.maxTotalBytes) {
      throw new LimitError('total_too_large', `the import expands past ${limits.maxTotalBytes} bytes in all (--max-total-bytes); stopped at ${entry.pathInBundle}`);
    }
    const compressed = Math.max(1, compressedSoFar());
    if (expanded > RATIO_GRACE_BYTES && expanded / compressed > limits.maxRatio) {
      throw new LimitError(
        'archive_bomb',
        `${entry.pathInBundle} expands more than ${limits.maxRatio}:1 (${expanded} bytes from ${compressed}): treated as a decompression bomb (--max-ratio)`,
      );
    }
    yield chunk;
  }
}

/** Archives nested past the limit are reported and skipped (their bytes still drained for the hash). */
async function isTooDeep(info: EntryInfo, visitor: WalkVisitor, limits: ImportLimits, content: ByteStream | null): Promise<boolean> {
  if (info.depth + 1 <= limits.maxDepth) return false;
  if (content) await drain(content).catch(() => undefined);
  await visitor.problem(info, 'too_deep', `archive nesting deeper than ${limits.maxDepth} levels: ${info.pathInBundle} was not opened`);
  return true;
}

async function walkTar(
  content: ByteStream,
  stored: HashingCounter,
  info: ContainerInfo,
  visitor: WalkVisitor,
  limits: ImportLimits,
  budget: Budget,
): Promise<void> {
  if (await isTooDeep(info, visitor, limits, content)) return;
  const id = await visitor.openContainer(info);
  if (id === null) {
    await drain(content).catch(() => undefined);
    return;
  }
  const extract = tar.extract();
  const source = Readable.from(content, { objectMode: false });
  let failure: unknown = null;
  source.on('error', (err) => {
    failure = err;
    extract.destroy(err);
  });
  source.pipe(extract);
  try {
    for await (const member of extract) {
      const name = member.header.name;
      const child: EntryInfo = { ...info, pathInBundle: `${info.pathInBundle}/${name}`, depth: info.depth + 1, parentId: id };
      if (member.header.type !== 'file' && member.header.type !== 'contiguous-file') {
        if (member.header.type !== 'directory') {
          await visitor.problem(child, 'not_a_file', `tar member ${name} is a ${member.header.type}, not a regular file: not followed`);
        }
        member.resume();
        continue;
      }
      const unsafe = unsafePathReason(name);
      if (unsafe) {
        await visitor.problem(child, 'unsafe_path', `tar member path ${JSON.stringify(name)} ${unsafe}: not read`);
        member.resume();
        continue;
      }
      await walkStream(member as AsyncIterable<Uint8Array>, child, visitor, limits, budget, null);
    }
  } catch (err) {
    const cause = failure ?? err;
    if (cause instanceof LimitError || cause instanceof StreamError) await visitor.problem(info, cause.code, cause.message);
    else await visitor.problem(info, 'corrupt_archive', `tar archive ${info.pathInBundle} is broken: ${cause instanceof Error ? cause.message : String(cause)}`);
  } finally {
    source.destroy();
  }
  await drain(content).catch(() => undefined);
  await visitor.closeContainer(id, { sha256: await stored.finish(), size: stored.bytes });
}

async function walkZip(
  open: () => Promise<yauzl.ZipFile>,
  info: ContainerInfo,
  visitor: WalkVisitor,
  limits: ImportLimits,
  budget: Budget,
): Promise<void> {
  if (await isTooDeep(info, visitor, limits, null)) return;
  let zip: yauzl.ZipFile;
  try {
    zip = await open();
  } catch (err) {
    await visitor.problem(info, 'corrupt_archive', `zip archive ${info.pathInBundle} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  const id = await visitor.openContainer(info);
  if (id === null) {
    zip.close();
    return;
  }
  try {
    // The central directory first (it is small): overlapping members and the archive's total
    // expansion can only be judged over all of them.
    const members: yauzl.Entry[] = [];
    for await (const member of zipEntries(zip)) members.push(member);
    const overlapping = overlappingMembers(members);
    const archiveSize = Math.max(1, info.size ?? 0);
    let archiveExpanded = 0;
    for (const member of members) {
      const name = decodeZipName(member);
      const child: EntryInfo = { ...info, pathInBundle: `${info.pathInBundle}/${name}`, depth: info.depth + 1, parentId: id };
      if (name.endsWith('/')) continue;
      const unsafe = unsafePathReason(name);
      if (unsafe) {
        await visitor.problem(child, 'unsafe_path', `zip member path ${JSON.stringify(name)} ${unsafe}: not read, nothing was written`);
        continue;
      }
      if (overlapping.has(member)) {
        await visitor.problem(
          child,
          'overlapping_entries',
          `${child.pathInBundle} shares its compressed data with another member (overlapping zip entries, a decompression-bomb technique): not read`,
        );
        continue;
      }
      if (member.uncompressedSize > limits.maxEntryBytes) {
        await visitor.problem(child, 'entry_too_large', `${child.pathInBundle} declares ${member.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte limit: not read`);
        continue;
      }
      if (member.uncompressedSize > RATIO_GRACE_BYTES && member.uncompressedSize / Math.max(1, member.compressedSize) > limits.maxRatio) {
        await visitor.problem(
          child,
          'archive_bomb',
          `${child.pathInBundle} declares ${member.uncompressedSize} bytes from ${member.compressedSize} compressed, more than ${limits.maxRatio}:1: treated as a decompression bomb, not read`,
        );
        continue;
      }
      const archiveWouldBe = archiveExpanded + member.uncompressedSize;
      if (archiveWouldBe > RATIO_GRACE_BYTES && archiveWouldBe / archiveSize > limits.maxRatio) {
        await visitor.problem(
          child,
          'archive_bomb',
          `${info.pathInBundle} would expand to ${archiveWouldBe} bytes from ${archiveSize} with ${name}, more than ${limits.maxRatio}:1 for the whole archive: treated as a decompression bomb, ${name} not read`,
        );
        continue;
      }
      let stream: Readable;
      try {
        stream = await openZipEntry(zip, member);
      } catch (err) {
        await visitor.problem(child, 'corrupt_archive', `zip member ${name} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      try {
        const counted = countInto(wrapZipStream(stream, name), (n) => {
          archiveExpanded += n;
          if (archiveExpanded > RATIO_GRACE_BYTES && archiveExpanded / archiveSize > limits.maxRatio) {
            throw new LimitError('archive_bomb', `${info.pathInBundle} expands past ${limits.maxRatio}:1 of its ${archiveSize} bytes in all: treated as a decompression bomb; ${name} and the members after it were not read whole`);
          }
        });
        await walkStream(counted, child, visitor, limits, budget, member.compressedSize);
      } catch (err) {
        if (err instanceof LimitError || err instanceof StreamError) await visitor.problem(child, err.code, err.message);
        else throw err;
      } finally {
        stream.destroy();
        if (info.depth === 0) budget.onDiskBytes(member.compressedSize);
      }
    }
  } catch (err) {
    if (err instanceof LimitError || err instanceof StreamError) await visitor.problem(info, err.code, err.message);
    else await visitor.problem(info, 'corrupt_archive', `zip archive ${info.pathInBundle} is broken: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    zip.close();
  }
  await visitor.closeContainer(id, { sha256: info.sha256 ?? '', size: info.size ?? 0 });
}

async function* countInto(stream: ByteStream, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    add(chunk.length);
    yield chunk;
  }
}

/**
 * Members whose compressed data runs into another member's local header (or share one): the
 * overlapping-entries zip bomb (Fifield, 2019) makes hundreds of members read the same kernel.
 * A local header is at least 30 bytes plus the name, so that is a lower bound of each extent.
 */
export function overlappingMembers(members: readonly yauzl.Entry[]): Set<yauzl.Entry> {
  const sorted = [...members].filter((m) => !decodeZipName(m).endsWith('/')).sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
  const out = new Set<yauzl.Entry>();
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    const end = a.relativeOffsetOfLocalHeader + 30 + a.fileNameLength + a.compressedSize;
    if (end > b.relativeOffsetOfLocalHeader) {
      out.add(a);
      out.add(b);
    }
  }
  return out;
}

async function* wrapZipStream(stream: Readable, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    if (err instanceof LimitError || err instanceof StreamError) throw err;
    throw new StreamError('corrupt_compression', `zip member ${name} is broken: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Why a member path must not be trusted, or null. Backslashes count as separators (Windows zips). */
export function unsafePathReason(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL byte';
  const normalized = name.replaceAll('\\', '/');
  if (normalized.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(normalized)) return 'names a drive';
  if (normalized.split('/').some((part) => part === '..')) return 'climbs out of the archive with ..';
  return null;
}

function decodeZipName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  // Bit 11 marks UTF-8 names; older zips use CP437, which latin1 renders close enough for display.
  return raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

function openZipFile(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

function openZipBuffer(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, decodeStrings: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

function openZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

async function* zipEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const next = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (entry: yauzl.Entry) => {
        cleanup();
        resolve(entry);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (next === null) return;
    yield next;
  }
}

export { fromBuffer };
