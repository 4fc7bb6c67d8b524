import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseStore } from '../../main/case-store/case-store';
import { importBundles, type ImportReport } from '../../main/ingest/importer';
import { verifyCase } from '../../main/integrity/verify';
import { tempDir } from '../helpers/builders';
import { zipContents } from '../helpers/unzip';

const SAMPLES = resolve(__dirname, '../../../shared/samples');
const CLOUDTRAIL = join(SAMPLES, 'aws_cloudtrail');
const hasSamples = existsSync(CLOUDTRAIL);
if (!hasSamples) console.log(`skipped: real-sample tests need ${SAMPLES} (present in CI, absent in a fresh clone)`);

/** Event counts from ../shared/samples/PROVENANCE.md (taken there with jq). */
const PROVENANCE_COUNTS: Record<string, number> = {
  'DataDog__stratus-red-team': 143,
  'OTRF__Security-Datasets': 103,
  log2timeline__plaso: 6,
  'matanolabs__logtest/examples/aws_cloudtrail/test/pipeline/test-108-fields-json.log': 2,
  'matanolabs__logtest/examples/aws_cloudtrail/test/pipeline/test-assume-role-json.log': 1,
};

/** Counts records with JSON.parse, independently of the importer's byte splitter. */
function countRecords(text: string): number {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return (JSON.parse(trimmed) as unknown[]).length;
  try {
    const whole = JSON.parse(trimmed) as { Records?: unknown[] };
    return Array.isArray(whole.Records) ? whole.Records.length : 1;
  } catch {
    return trimmed.split('\n').filter((l) => l.trim() !== '').length;
  }
}

/** The fields of a raw CloudTrail record the per-field check reads. */
interface SampleRecord {
  eventID: string;
  eventTime?: string;
  '@timestamp'?: string;
  eventName: string;
  eventSource: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  awsRegion?: string;
  userIdentity?: { type?: string; arn?: string; accessKeyId?: string; sessionContext?: { sessionIssuer?: { arn?: string } } };
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

describe.skipIf(!hasSamples)('the real CloudTrail samples in ../shared/samples', () => {
  let store: CaseStore;
  let report: ImportReport;

  beforeAll(async () => {
    store = await CaseStore.open(join(tempDir('samples-'), 'case.duckdb'), { create: true });
    report = await importBundles(store, [CLOUDTRAIL]);
  });
  afterAll(() => store?.close());

  it('imports every record, matching an independent count of each file', async () => {
    const byFile = new Map(report.files.filter((f) => f.kind === 'file').map((f) => [f.path, f]));
    let expectedTotal = 0;
    for (const path of files(CLOUDTRAIL)) {
      const rel = relative(CLOUDTRAIL, path);
      if (path.endsWith('.zip')) {
        const texts = [...(await zipContents(readFileSync(path))).values()];
        const expected = texts.reduce((n, t) => n + countRecords(t), 0);
        const imported = [...byFile.values()].filter((f) => f.path.startsWith(`${rel}/`)).reduce((n, f) => n + f.recordsOk, 0);
        expect(imported, rel).toBe(expected);
        expectedTotal += expected;
      } else {
        const expected = countRecords(readFileSync(path, 'utf8'));
        expect(byFile.get(rel)?.recordsOk, rel).toBe(expected);
        expectedTotal += expected;
      }
    }
    expect(report.totals).toMatchObject({ eventsImported: expectedTotal, quarantined: 0 });
    expect(report.problems).toEqual([]);
    for (const [prefix, count] of Object.entries(PROVENANCE_COUNTS)) {
      const imported = report.files.filter((f) => f.path.startsWith(prefix)).reduce((n, f) => n + f.recordsOk, 0);
      expect(imported, prefix).toBe(count);
    }
  });

  it('maps every event consistently with its own raw record', async () => {
    const rows = await store.read<{
      event_uid: string;
      time: string;
      operation: string;
      service: string;
      credential_uid: string | null;
      src_ip: string | null;
      user_agent: string | null;
      error_code: string | null;
      region: string | null;
      actor_type: string;
      actor_uid: string | null;
      raw: string;
    }>(`SELECT event_uid, strftime(time, '%Y-%m-%dT%H:%M:%S') AS time, operation, service, credential_uid, src_ip, user_agent, error_code,
          region, actor_type, actor_uid, raw FROM events`);
    expect(rows.length).toBe(255);
    for (const row of rows) {
      const outer = JSON.parse(row.raw) as Record<string, unknown>;
      const ct = (typeof outer.CloudTrailEvent === 'string' ? JSON.parse(outer.CloudTrailEvent) : outer) as SampleRecord;
      const time = (ct.eventTime ?? ct['@timestamp']) as string;
      expect(row.event_uid).toBe(ct.eventID);
      expect(`${row.time}Z`).toBe(new Date(time).toISOString().replace(/\.\d+Z$/, 'Z'));
      expect(row.operation).toBe(ct.eventName);
      expect(row.service).toBe(String(ct.eventSource).replace('.amazonaws.com', ''));
      expect(row.credential_uid).toBe(ct.userIdentity?.accessKeyId || null);
      expect(row.src_ip).toBe(ct.sourceIPAddress ?? null);
      expect(row.user_agent).toBe(ct.userAgent ?? null);
      expect(row.error_code).toBe(ct.errorCode ?? null);
      expect(row.region).toBe(ct.awsRegion ?? null);
      if (ct.userIdentity?.type === 'IAMUser') expect(row.actor_uid).toBe(ct.userIdentity.arn);
      if (ct.userIdentity?.type === 'AssumedRole') expect(row.actor_uid).toBe(ct.userIdentity.sessionContext?.sessionIssuer?.arn);
    }
  });

  it('classifies the identity types the samples contain', async () => {
    const types = await store.read<{ actor_type: string; n: number }>(
      `SELECT actor_type, count(*)::INTEGER AS n FROM events GROUP BY actor_type ORDER BY actor_type`,
    );
    // PROVENANCE: stratus has 139 IAMUser, 3 AssumedRole, 1 FederatedUser; OTRF adds pedro and the stolen role session.
    expect(Object.fromEntries(types.map((t) => [t.actor_type, t.n]))).toMatchObject({ federated_user: 1 });
    const [federated] = await store.read<{ actor_uid: string; origin_uid: string; session_uid: string }>(
      `SELECT actor_uid, origin_uid, session_uid FROM events WHERE actor_type = 'federated_user'`,
    );
    expect(federated!.actor_uid).toMatch(/^arn:aws:sts::\d{12}:federated-user\//);
    expect(federated!.origin_uid).toMatch(/^arn:aws:iam::\d{12}:user\//);
    const [exfil] = await store.read<{ n: number; bytes: number }>(
      `SELECT count(*)::INTEGER AS n, sum(bytes_out)::BIGINT AS bytes FROM events
       WHERE actor_uid LIKE 'arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole%' AND operation = 'GetObject'`,
    );
    expect(exfil!.n).toBeGreaterThan(0);
  });

  it('verifies: every evidence hash recomputed from the sample files matches', async () => {
    const verdict = await verifyCase(store);
    expect(verdict.isValid).toBe(true);
    expect(verdict.isComplete).toBe(true);
  });
});

describe.skipIf(!hasSamples)('identity classification over every real sample', () => {
  it('tells machines from people as the hand labels do (precision and recall of is_nhi)', async () => {
    const store = await CaseStore.open(join(tempDir('all-samples-'), 'case.duckdb'), { create: true });
    try {
      await importBundles(store, [SAMPLES]);
      const labels = (JSON.parse(readFileSync(join(__dirname, 'real-samples-identities.json'), 'utf8')) as { identities: { uid: string; is_nhi: boolean }[] }).identities;
      const rows = await store.read<{ uid: string; is_nhi: boolean | null }>(`SELECT uid, is_nhi FROM identities WHERE observed`);
      // Every actor (and every role only ever assumed) in the samples is labelled, and nothing else is.
      expect(rows.map((r) => r.uid).sort()).toEqual(labels.map((l) => l.uid).sort());
      const predicted = new Map(rows.map((r) => [r.uid, r.is_nhi === true]));
      const tp = labels.filter((l) => l.is_nhi && predicted.get(l.uid)).length;
      const fp = labels.filter((l) => !l.is_nhi && predicted.get(l.uid)).length;
      const fn = labels.filter((l) => l.is_nhi && !predicted.get(l.uid)).length;
      const precision = tp / (tp + fp);
      const recall = tp / (tp + fn);
      console.log(`NHI classification on all real samples: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${tp} of ${tp + fn} machines found, ${fp} people called machines, ${labels.length} identities)`);
      expect(precision).toBeGreaterThanOrEqual(0.97);
      expect(recall).toBeGreaterThanOrEqual(0.97);
    } finally {
      store.close();
    }
  });
});
