import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import yazl from 'yazl';

export function tempDir(prefix = 'nhi-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A plausible CloudTrail record; `n` makes its eventID and time unique. */
export function ctRecord(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const time = new Date(Date.UTC(2026, 2, 16, 12, 0, 0) + n * 1000).toISOString().replace('.000Z', 'Z');
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:i-0abc',
      arn: 'arn:aws:sts::111111111111:assumed-role/backend-svc/i-0abc',
      accountId: '111111111111',
      accessKeyId: 'ASIAEXAMPLE0001',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111111111111:role/backend-svc', accountId: '111111111111', userName: 'backend-svc' },
        attributes: { creationDate: '2026-03-16T11:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: time,
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.3.7',
    userAgent: 'aws-sdk-go/1.44.0 (go1.20; linux; amd64)',
    requestParameters: { bucketName: 'acme-prod-data', key: `exports/part-${n}.parquet` },
    responseElements: null,
    additionalEventData: { bytesTransferredIn: 0, bytesTransferredOut: 1000 + n },
    requestID: `REQ${n}`,
    eventID: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    readOnly: true,
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::acme-prod-data/exports/part-${n}.parquet` },
      { accountId: '111111111111', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-prod-data' },
    ],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111111111111',
    eventCategory: 'Data',
    ...overrides,
  };
}

export const records = (from: number, count: number) => Array.from({ length: count }, (_, i) => ctRecord(from + i));
export const envelope = (recs: object[]) => JSON.stringify({ Records: recs });
export const jsonLines = (recs: object[]) => `${recs.map((r) => JSON.stringify(r)).join('\n')}\n`;
export const gz = (text: string | Buffer) => gzipSync(typeof text === 'string' ? Buffer.from(text) : text);

export function zip(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    z.addBuffer(typeof content === 'string' ? Buffer.from(content) : content, name, { mtime: new Date(Date.UTC(2026, 0, 1)) });
  }
  z.end();
  return streamToBuffer(z.outputStream);
}

/**
 * A zip whose member names are set byte for byte after building, since zip writers rightly
 * refuse names such as `../evil.json`. Each fake name must have the same length as its real one.
 */
export async function zipWithRawNames(entries: Record<string, string>, rename: Record<string, string>): Promise<Buffer> {
  let bytes = await zip(entries);
  for (const [from, to] of Object.entries(rename)) {
    if (from.length !== to.length) throw new Error('a renamed entry must keep its length');
    const needle = Buffer.from(from);
    let at = bytes.indexOf(needle);
    if (at < 0) throw new Error(`no entry named ${from}`);
    bytes = Buffer.from(bytes);
    while (at >= 0) {
      bytes.write(to, at, 'latin1');
      at = bytes.indexOf(needle, at + 1);
    }
  }
  return bytes;
}

export async function tarball(entries: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(entries)) pack.entry({ name }, typeof content === 'string' ? Buffer.from(content) : content);
  pack.finalize();
  return streamToBuffer(pack);
}

async function streamToBuffer(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Content hash and mtime of a file: both must be unchanged by an import. */
export function fingerprint(path: string): { sha256: string; mtimeMs: number; size: number } {
  const s = statSync(path);
  return { sha256: sha256File(path), mtimeMs: s.mtimeMs, size: s.size };
}
