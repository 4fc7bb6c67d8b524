/** Caps that keep hostile or broken bundles from exhausting memory or disk. All configurable. */
export interface ImportLimits {
  /** A single record (one JSON line or array element) longer than this is quarantined. */
  maxRecordBytes: number;
  /** Expanded size of any one archive member or gzip stream. */
  maxEntryBytes: number;
  /** Expanded bytes over all members of one import. */
  maxTotalBytes: number;
  /** Expanded / compressed ratio above which a member is treated as a decompression bomb. */
  maxRatio: number;
  /** Archives inside archives deeper than this are not opened. */
  maxDepth: number;
  /** A nested zip must be held in memory to be read (zip needs random access): up to this size. */
  maxNestedZipBytes: number;
}

export const DEFAULT_LIMITS: ImportLimits = {
  maxRecordBytes: 64 * 1024 * 1024,
  maxEntryBytes: 64 * 1024 ** 3,
  maxTotalBytes: 1024 ** 4,
  // Real CloudTrail gzip compresses 10-30x; a bomb reaches ~1000x.
  maxRatio: 250,
  maxDepth: 8,
  maxNestedZipBytes: 1024 ** 3,
};

/** Ratios are only judged once this much has been expanded: tiny files compress oddly. */
export const RATIO_GRACE_BYTES = 4 * 1024 * 1024;
