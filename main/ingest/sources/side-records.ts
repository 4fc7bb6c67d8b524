import type { JsonStructure } from './source-parser';

/**
 * Records that are evidence about the evidence rather than events: CloudTrail digest files
 * (hourly, signed lists of the log files CloudTrail delivered, with their SHA-256) and the S3
 * metadata of a digest that holds its signature (exported beside it as `<digest>.metadata.json`,
 * either as the metadata object itself or as `aws s3api head-object` output). They are detected
 * by content like any record, counted as imported records of their file, and kept in their own
 * tables for log-file integrity validation (main/integrity/cloudtrail-digests.ts).
 */
export interface SideRecordKind {
  id: 'cloudtrail.digest' | 'cloudtrail.digest-signature';
  version: string;
  probe: { readonly [key: string]: JsonStructure };
  /** SQL predicate over `p` (the record against the merged probes) and `doc` (its JSON text). */
  detect(p: string, doc: string): string;
}

export const SIDE_RECORDS: readonly SideRecordKind[] = [
  {
    id: 'cloudtrail.digest',
    version: '1',
    probe: { digestStartTime: 'VARCHAR', digestEndTime: 'VARCHAR', digestS3Object: 'VARCHAR', digestPublicKeyFingerprint: 'VARCHAR' },
    detect: (p) => `(${p}.digestEndTime IS NOT NULL AND ${p}.digestS3Object IS NOT NULL AND ${p}.digestPublicKeyFingerprint IS NOT NULL)`,
  },
  {
    id: 'cloudtrail.digest-signature',
    version: '1',
    // DuckDB's struct keys ignore case, and OCSF's `metadata` is probed already: head-object's
    // `Metadata` is read from the text, and only for records that carry an S3 `ETag`.
    probe: { signature: 'VARCHAR', 'signature-algorithm': 'VARCHAR', ETag: 'VARCHAR' },
    detect: (p, doc) =>
      `((${p}.signature IS NOT NULL AND ${p}."signature-algorithm" IS NOT NULL) OR (${p}.ETag IS NOT NULL AND json_extract_string(${doc}, '$.Metadata.signature') IS NOT NULL))`,
  },
];

export const SIDE_RECORD_IDS = SIDE_RECORDS.map((s) => s.id);

/** The digest's fields, read from its raw JSON (`r`). */
export const DIGEST_COLUMNS = (r: string) => `
  ${r}->>'awsAccountId', regexp_extract(${r}->>'digestS3Object', 'CloudTrail-Digest/([^/]+)/', 1),
  try_cast(${r}->>'digestStartTime' AS TIMESTAMPTZ)::TIMESTAMP, try_cast(${r}->>'digestEndTime' AS TIMESTAMPTZ)::TIMESTAMP,
  ${r}->>'digestS3Bucket', ${r}->>'digestS3Object', ${r}->>'previousDigestS3Bucket', ${r}->>'previousDigestS3Object',
  ${r}->>'previousDigestHashValue', ${r}->>'previousDigestHashAlgorithm', ${r}->>'previousDigestSignature',
  ${r}->>'digestPublicKeyFingerprint', ${r}->>'digestSignatureAlgorithm',
  try_cast(${r}->>'oldestEventTime' AS TIMESTAMPTZ)::TIMESTAMP, try_cast(${r}->>'newestEventTime' AS TIMESTAMPTZ)::TIMESTAMP,
  coalesce([{'s3_bucket': x.s3Bucket, 's3_object': x.s3Object, 'hash_value': x.hashValue, 'hash_algorithm': x.hashAlgorithm,
      'oldest_event_time': x.oldestEventTime, 'newest_event_time': x.newestEventTime}
    FOR x IN json_transform(${r}->'logFiles', '[{"s3Bucket":"VARCHAR","s3Object":"VARCHAR","hashValue":"VARCHAR","hashAlgorithm":"VARCHAR","oldestEventTime":"VARCHAR","newestEventTime":"VARCHAR"}]')], []),
  ${r}`;
