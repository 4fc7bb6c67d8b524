import type { CaseStore } from '../case-store/case-store';
import type { ByteStream, HashingCounter } from '../ingest/byte-streams';
import { type ContainerInfo, type EntryInfo, type LeafInfo, type WalkVisitor, walkInput } from '../ingest/bundle-walker';
import { parquetRecordsSql } from '../ingest/file-importer';
import type { ImportLimits } from '../ingest/limits';
import { splitRecords } from '../ingest/record-source';
import { withTempCopy } from '../ingest/temp-copy';
import { MerkleAccumulator } from './merkle';

/**
 * Re-reads an original input the way the import read it (same walker, same record cutting, same
 * hashes) without writing anything: for each log file its stored and content SHA-256, the Merkle
 * root of its records and every record's hash by number; for each archive its SHA-256.
 */

export interface SourceFile {
  pathInBundle: string;
  sha256: string;
  contentSha256: string;
  recordsRoot: string;
  /** Record numbers, in order, and their SHA-256 (32 bytes each, in `hashes`). */
  recordNos: number[];
  hashes: Buffer;
}

export interface SourceVisitor {
  file(file: SourceFile): Promise<void>;
  archive(pathInBundle: string, sha256: string): void;
}

export async function readSource(
  store: CaseStore,
  sourcePath: string,
  entry: { pathInBundle: string; bundleName: string },
  limits: ImportLimits,
  visit: SourceVisitor,
): Promise<void> {
  const containerPaths = new Map<number, string>();
  let nextId = 1;
  const visitor: WalkVisitor = {
    async openContainer(info: ContainerInfo) {
      if (info.sha256) visit.archive(info.pathInBundle, info.sha256);
      const id = nextId++;
      containerPaths.set(id, info.pathInBundle);
      return id;
    },
    async closeContainer(id, stored) {
      const path = containerPaths.get(id);
      if (path !== undefined && stored.sha256) visit.archive(path, stored.sha256);
    },
    async leaf(info: LeafInfo, content: ByteStream, stored: HashingCounter) {
      const recordNos: number[] = [];
      const parts: Buffer[] = [];
      let contentSha256: string;
      let recordsRoot: string;
      if (info.kind === 'parquet') {
        ({ contentSha256, recordsRoot } = await parquetRecords(store, content, recordNos, parts));
      } else {
        const split = await splitRecords(info, content, limits.maxRecordBytes, {
          record: (rec, _json, h) => {
            recordNos.push(rec.recordNo);
            parts.push(h);
          },
          problem: () => undefined,
        });
        contentSha256 = split.contentSha256;
        recordsRoot = split.recordsRoot;
      }
      const sha256 = await stored.finish();
      await visit.file({ pathInBundle: info.pathInBundle, sha256, contentSha256, recordsRoot, recordNos, hashes: Buffer.concat(parts) });
    },
    async problem(_info: EntryInfo) {},
  };
  await walkInput(sourcePath, visitor, limits, entry);
}

/** A Parquet file's rows hashed as the import hashed them (their JSON rendering), through DuckDB. */
async function parquetRecords(store: CaseStore, content: ByteStream, recordNos: number[], parts: Buffer[]): Promise<{ contentSha256: string; recordsRoot: string }> {
  return withTempCopy(content, 'member.parquet', async (path, contentSha256) => {
    const merkle = new MerkleAccumulator();
    try {
      for await (const rows of store.stream<{ n: number; h: string }>(`SELECT file_row_number + 1 AS n, sha256(raw_blob) AS h FROM (${parquetRecordsSql(path)}) ORDER BY n`)) {
        for (const r of rows) {
          const h = Buffer.from(r.h, 'hex');
          recordNos.push(r.n);
          parts.push(h);
          merkle.push(h);
        }
      }
    } catch {
      // Unreadable Parquet: no records, as at import.
    }
    return { contentSha256, recordsRoot: merkle.root() };
  });
}
