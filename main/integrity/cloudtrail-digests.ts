import { type KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DigestProblem, DigestProblemKind, DigestReport, TrailSummary } from '../../shared/integrity';
import type { CaseStore } from '../case-store/case-store';

export type { DigestProblem, DigestProblemKind, DigestReport };

/**
 * Offline CloudTrail log-file integrity validation, as `aws cloudtrail validate-logs` does it and
 * as AWS's "custom implementations of log file integrity validation" page describes, over the
 * digest files and log files found in the case's bundles:
 *
 * - a digest is signed (SHA256withRSA) over `digestEndTime \n bucket/object \n hex SHA-256 of the
 *   uncompressed digest \n previousDigestSignature` (the literal `null` for a chain's first
 *   digest); its signature is the S3 object's metadata, exported beside it as
 *   `<digest>.metadata.json`; the public key comes from `--trust-keys` (the JSON of
 *   `aws cloudtrail list-public-keys`, matched by fingerprint, or PEM files);
 * - each log file a digest lists must be in the bundle with the SHA-256 of its uncompressed
 *   content; each digest names the previous one by object, hash and signature;
 * - a digest whose previous fields are null starts a chain (validation enabled, or logging
 *   restarted after StopLogging): the time between chains has no digest at all.
 *
 * It reports, by account and region and file name, log files modified, missing (deleted), added
 * (in the bundle, in a digested hour, listed by no digest), or not covered by any digest;
 * digests missing, modified, moved or with a bad signature; and chain gaps.
 */

/** Kinds that mean the evidence was altered, not merely incomplete. */
export const TAMPERING: ReadonlySet<DigestProblemKind> = new Set(['log_modified', 'log_missing', 'log_added', 'digest_missing', 'digest_modified', 'digest_moved', 'signature_invalid']);

const SEVERITY: Record<DigestProblemKind, 'critical' | 'high' | 'medium' | 'low'> = {
  log_modified: 'critical',
  log_missing: 'critical',
  log_added: 'critical',
  digest_missing: 'high',
  digest_modified: 'critical',
  digest_moved: 'high',
  signature_invalid: 'critical',
  log_not_covered: 'medium',
  chain_gap: 'medium',
  signature_missing: 'low',
};

export interface TrustedKeys {
  byFingerprint: Map<string, KeyObject>;
  /** Keys without a fingerprint (PEM files): each is tried. */
  unnamed: KeyObject[];
  source: string;
}

/** `aws cloudtrail list-public-keys` JSON, or one or more PEM public keys. */
export function loadTrustedKeys(path: string): TrustedKeys {
  const text = readFileSync(path, 'utf8');
  const keys: TrustedKeys = { byFingerprint: new Map(), unnamed: [], source: path };
  if (text.trimStart().startsWith('{')) {
    const parsed = JSON.parse(text) as { PublicKeyList?: { Value?: string; Fingerprint?: string }[] };
    for (const k of parsed.PublicKeyList ?? []) {
      if (!k.Value) continue;
      const key = createPublicKey({ key: Buffer.from(k.Value, 'base64'), format: 'der', type: 'pkcs1' });
      if (k.Fingerprint) keys.byFingerprint.set(k.Fingerprint, key);
      else keys.unnamed.push(key);
    }
  } else {
    for (const pem of text.match(/-----BEGIN [A-Z ]*PUBLIC KEY-----[\s\S]*?-----END [A-Z ]*PUBLIC KEY-----/g) ?? []) keys.unnamed.push(createPublicKey(pem));
  }
  if (keys.byFingerprint.size + keys.unnamed.length === 0) throw new Error(`${path} holds no public key (expected the JSON of aws cloudtrail list-public-keys, or PEM keys)`);
  return keys;
}

interface DigestRow {
  evidence_id: number;
  path: string;
  content_sha256: string | null;
  account: string | null;
  region: string | null;
  digest_start: string | null;
  digest_end: string | null;
  s3_object: string | null;
  previous_s3_object: string | null;
  previous_hash: string | null;
  previous_signature: string | null;
  public_key_fingerprint: string | null;
  raw: string;
  log_files: { s3_object: string | null; hash_value: string | null }[];
}

interface FileRow {
  evidence_id: number;
  path: string;
  content_sha256: string | null;
  status: string;
}

const DELIVERY_NAME = /(?:^|\/)(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$/;
const SIGNATURE_SUFFIXES = ['.metadata.json', '.signature.json', '.meta.json'];
/** How far a file's name stamp may sit outside a digest's hour and still belong to it (delivery lag). */
const DELIVERY_SLACK_MS = 15 * 60_000;

export async function validateCloudTrailDigests(store: CaseStore, keys: TrustedKeys | null = null): Promise<DigestReport> {
  const digests = await store.read<DigestRow>(`
    SELECT d.evidence_id, v.path_in_bundle AS path, v.content_sha256, d.account, d.region,
      strftime(d.digest_start, '%Y-%m-%dT%H:%M:%SZ') AS digest_start, strftime(d.digest_end, '%Y-%m-%dT%H:%M:%SZ') AS digest_end,
      d.s3_object, d.previous_s3_object, d.previous_hash, d.previous_signature, d.public_key_fingerprint, d.raw,
      [{'s3_object': l.s3_object, 'hash_value': l.hash_value} FOR l IN d.log_files] AS log_files
    FROM cloudtrail_digests d JOIN evidence v USING (evidence_id) ORDER BY d.account, d.region, d.digest_end, d.evidence_id`);
  const report: DigestReport = { isValid: true, signaturesChecked: keys !== null, trails: [], problems: [] };
  if (digests.length === 0) return report;
  const signatures = await store.read<{ path: string; signature: string }>(
    `SELECT v.path_in_bundle AS path, s.signature FROM digest_signatures s JOIN evidence v USING (evidence_id)`,
  );
  const signatureOf = new Map<string, string>();
  for (const s of signatures) {
    const suffix = SIGNATURE_SUFFIXES.find((x) => s.path.endsWith(x));
    if (suffix) signatureOf.set(s.path.slice(0, -suffix.length), s.signature.toLowerCase());
  }
  const files = await store.read<FileRow>(`SELECT evidence_id, path_in_bundle AS path, content_sha256, status FROM evidence WHERE kind = 'file'`);
  const byName = new Map<string, FileRow[]>();
  for (const f of files) {
    const name = f.path.split('/').pop()!;
    byName.set(name, [...(byName.get(name) ?? []), f]);
  }
  const located = (s3Object: string) => (byName.get(s3Object.split('/').pop()!) ?? []).filter((f) => f.path === s3Object || f.path.endsWith(`/${s3Object}`));
  const problem = (p: Omit<DigestProblem, 'severity'>) => report.problems.push({ ...p, severity: SEVERITY[p.kind] });

  const trails = new Map<string, DigestRow[]>();
  for (const d of digests) {
    const key = `${d.account ?? '?'}|${d.region ?? '?'}`;
    trails.set(key, [...(trails.get(key) ?? []), d]);
  }
  const listedAnywhere = new Set<number>();
  for (const [key, chain] of trails) {
    const [account, region] = key.split('|') as [string, string];
    const summary: TrailSummary = {
      account,
      region,
      digests: chain.length,
      chains: 0,
      firstStart: chain[0]?.digest_start ?? null,
      lastEnd: chain[chain.length - 1]?.digest_end ?? null,
      signatures: { valid: 0, invalid: 0, unchecked: 0, missing: 0 },
      logFiles: { listed: 0, ok: 0, modified: 0, missing: 0, added: 0, notCovered: 0 },
    };
    const byObject = new Map(chain.filter((d) => d.s3_object).map((d) => [d.s3_object!, d]));
    const base = { account, region };
    for (const [i, d] of chain.entries()) {
      const at = { ...base, s3Object: d.s3_object, evidenceId: d.evidence_id, windowStart: d.digest_start, windowEnd: d.digest_end };
      // Where it was found must be where CloudTrail put it (its key is part of what is signed).
      if (d.s3_object && d.path !== d.s3_object && !d.path.endsWith(`/${d.s3_object}`)) {
        problem({ ...at, kind: 'digest_moved', detail: `digest ${d.path} says it was delivered as ${d.s3_object}` });
      }
      const signature = signatureOf.get(d.path) ?? null;
      if (!signature) {
        summary.signatures.missing++;
        if (keys) problem({ ...at, kind: 'signature_missing', detail: `no signature exported for digest ${name(d.s3_object ?? d.path)} (expected ${name(d.path)}.metadata.json from aws s3api head-object)` });
      } else if (!keys) summary.signatures.unchecked++;
      else if (checkSignature(d, signature, keys)) summary.signatures.valid++;
      else {
        summary.signatures.invalid++;
        problem({ ...at, kind: 'signature_invalid', detail: `digest ${name(d.s3_object ?? d.path)} does not match its signature: it was modified, or signed by a key not among the trusted keys` });
      }
      // The chain: each digest names its predecessor by object, hash and signature.
      if (!d.previous_s3_object) {
        summary.chains++;
        const before = chain[i - 1];
        if (before?.digest_end && d.digest_start && Date.parse(d.digest_start) - Date.parse(before.digest_end) > DELIVERY_SLACK_MS) {
          problem({
            ...at,
            kind: 'chain_gap',
            windowStart: before.digest_end,
            windowEnd: d.digest_start,
            detail: `no digest from ${before.digest_end} to ${d.digest_start}, and a new chain starts after it: logging (or log-file validation) was off, or the trail was deleted and re-created`,
          });
        }
      } else {
        const previous = byObject.get(d.previous_s3_object);
        if (!previous) {
          problem({ ...at, kind: 'digest_missing', detail: `digest ${name(d.previous_s3_object)}, named as the previous digest by ${name(d.s3_object ?? d.path)}, is not in the bundle: it was deleted or not exported` });
        } else {
          if (d.previous_hash && previous.content_sha256 && d.previous_hash !== previous.content_sha256) {
            problem({ ...at, s3Object: previous.s3_object, evidenceId: previous.evidence_id, kind: 'digest_modified', detail: `digest ${name(previous.s3_object ?? previous.path)} hashes to ${previous.content_sha256.slice(0, 16)}…; the next digest recorded ${d.previous_hash.slice(0, 16)}…` });
          }
          const previousSignature = signatureOf.get(previous.path);
          if (d.previous_signature && previousSignature && d.previous_signature.toLowerCase() !== previousSignature) {
            problem({ ...at, s3Object: previous.s3_object, evidenceId: previous.evidence_id, kind: 'signature_invalid', detail: `the exported signature of ${name(previous.s3_object ?? previous.path)} is not the one the next digest chained to` });
          }
        }
      }
      for (const lf of d.log_files) {
        if (!lf.s3_object) continue;
        summary.logFiles.listed++;
        const found = located(lf.s3_object);
        for (const f of found) listedAnywhere.add(f.evidence_id);
        const where = { ...at, s3Object: lf.s3_object };
        if (found.length === 0) {
          summary.logFiles.missing++;
          problem({ ...where, evidenceId: null, kind: 'log_missing', detail: `log file ${name(lf.s3_object)}, listed by digest ${name(d.s3_object ?? d.path)}, is not in the bundle: deleted after delivery, or not exported` });
        } else if (found.some((f) => f.content_sha256 === lf.hash_value)) {
          summary.logFiles.ok++;
        } else {
          summary.logFiles.modified++;
          const f = found[0]!;
          problem({ ...where, evidenceId: f.evidence_id, kind: 'log_modified', detail: `log file ${name(lf.s3_object)} (evidence #${f.evidence_id}) hashes to ${f.content_sha256?.slice(0, 16) ?? '?'}… uncompressed; its digest recorded ${lf.hash_value?.slice(0, 16) ?? '?'}…: modified after delivery` });
        }
      }
    }
    // Log files of this account and region that no digest lists.
    const covered = chain.filter((d) => d.digest_start && d.digest_end).map((d) => [Date.parse(d.digest_start!), Date.parse(d.digest_end!)] as const);
    const span = covered.length > 0 ? [Math.min(...covered.map((c) => c[0])), Math.max(...covered.map((c) => c[1]))] : null;
    for (const f of files) {
      if (listedAnywhere.has(f.evidence_id)) continue;
      const m = DELIVERY_NAME.exec(f.path);
      if (!m || m[1] !== account || m[2] !== region || !span) continue;
      const stamp = Date.parse(`${m[3]!.slice(0, 4)}-${m[3]!.slice(4, 6)}-${m[3]!.slice(6, 8)}T${m[3]!.slice(9, 11)}:${m[3]!.slice(11, 13)}:00Z`);
      if (stamp < span[0]! - DELIVERY_SLACK_MS || stamp > span[1]! + DELIVERY_SLACK_MS) continue;
      const inDigestedHour = covered.some(([s, e]) => stamp >= s - DELIVERY_SLACK_MS && stamp <= e + DELIVERY_SLACK_MS);
      const where = { ...base, s3Object: f.path, evidenceId: f.evidence_id, windowStart: new Date(stamp).toISOString(), windowEnd: new Date(stamp).toISOString() };
      if (inDigestedHour) {
        summary.logFiles.added++;
        problem({ ...where, kind: 'log_added', detail: `log file ${name(f.path)} is in the bundle for an hour whose digest does not list it: CloudTrail did not deliver it` });
      } else {
        summary.logFiles.notCovered++;
        problem({ ...where, kind: 'log_not_covered', detail: `log file ${name(f.path)} was delivered in an hour no digest covers: its integrity cannot be checked` });
      }
    }
    report.trails.push(summary);
  }
  report.isValid = !report.problems.some((p) => TAMPERING.has(p.kind));
  return report;
}

function checkSignature(d: DigestRow, signatureHex: string, keys: TrustedKeys): boolean {
  if (!d.content_sha256) return false;
  let fields: { digestEndTime?: string; digestS3Bucket?: string; digestS3Object?: string; previousDigestSignature?: string | null };
  try {
    fields = JSON.parse(d.raw) as typeof fields;
  } catch {
    return false;
  }
  const toSign = Buffer.from(`${fields.digestEndTime}\n${fields.digestS3Bucket}/${fields.digestS3Object}\n${d.content_sha256}\n${fields.previousDigestSignature ?? 'null'}`);
  const signature = Buffer.from(signatureHex, 'hex');
  const named = d.public_key_fingerprint ? keys.byFingerprint.get(d.public_key_fingerprint) : undefined;
  const candidates = named ? [named] : keys.unnamed;
  return candidates.some((key) => {
    try {
      return verify('sha256', toSign, key, signature);
    } catch {
      return false;
    }
  });
}

const name = (path: string) => path.split('/').pop() ?? path;

/** The fingerprint CloudTrail gives a public key (MD5 of its DER form), for PEM keys in reports. */
export const keyFingerprint = (key: KeyObject) => createHash('md5').update(key.export({ format: 'der', type: 'pkcs1' })).digest('hex');

/** Rewrites `digest_validation` (derived): what the case's digests say now. */
export async function refreshDigestValidation(store: CaseStore, keys: TrustedKeys | null = null): Promise<DigestReport> {
  const report = await validateCloudTrailDigests(store, keys);
  await store.transaction(async () => {
    await store.run(`DELETE FROM digest_validation`);
    for (const p of report.problems) {
      await store.run(`INSERT INTO digest_validation VALUES ($k, $s, $a, $r, $o, $e, $ws::TIMESTAMPTZ::TIMESTAMP, $we::TIMESTAMPTZ::TIMESTAMP, $d, now()::TIMESTAMP)`, {
        k: p.kind,
        s: p.severity,
        a: p.account,
        r: p.region,
        o: p.s3Object,
        e: p.evidenceId,
        ws: p.windowStart,
        we: p.windowEnd,
        d: p.detail,
      });
    }
  });
  return report;
}
