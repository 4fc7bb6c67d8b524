import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentGroundTruth } from '../../../fixtures/generate/incident-bundle';
import { ctRecord, envelope, tempDir } from '../../../test/helpers/builders';
import { CaseStore } from '../../case-store/case-store';
import { importBundles } from '../../ingest/importer';
import { listFindings, runDetections } from '../engine';
import type { CompiledSigmaRule, SkippedSigmaRule } from '../rule';
import { compileSigmaRule, isCompiled, loadSigmaRules } from '.';

const ROOT = resolve(__dirname, '../../..');
const SIGMA = join(ROOT, 'fixtures/sigma');
const SAMPLES = resolve(ROOT, '../shared/samples');

const rule = (detection: string, logsource = 'product: aws\n  service: cloudtrail') =>
  `title: test\nid: 00000000-0000-4000-8000-000000000001\nlevel: high\nlogsource:\n  ${logsource}\ndetection:\n${detection
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;

describe('Sigma rules compiled to SQL', () => {
  let store: CaseStore;
  const ids = (n: number) => ctRecord(n).eventID as string;

  beforeAll(async () => {
    const dir = tempDir();
    const recs = [
      ctRecord(1, { userAgent: "O'Brien tool/1.0", sourceIPAddress: '10.1.2.3' }),
      ctRecord(2, { eventName: 'PutObject', sourceIPAddress: '192.168.5.9', requestParameters: { bucketName: 'exfil-drop-7731', key: 'a' } }),
      ctRecord(3, { eventName: 'ListBuckets', userAgent: 'star*agent', sourceIPAddress: '10.200.0.1', errorCode: 'AccessDenied', errorMessage: 'no' }),
      ctRecord(4, { eventName: 'ListBuckets', userAgent: 'starXagent', sourceIPAddress: '172.16.0.4' }),
    ];
    writeFileSync(join(dir, 'trail.json'), envelope(recs));
    store = await CaseStore.open(join(dir, 'case.duckdb'), { create: true });
    await importBundles(store, [join(dir, 'trail.json')]);
  });
  afterAll(() => store?.close());

  async function matches(detection: string): Promise<string[]> {
    const compiled = compileSigmaRule(rule(detection), 't.yml');
    if (!isCompiled(compiled)) throw new Error(compiled.reason);
    const rows = await store.read<{ event_uid: string }>(`SELECT e.event_uid FROM events e WHERE e.source IN ('aws.cloudtrail') AND (${compiled.where}) ORDER BY e.event_uid`);
    return rows.map((r) => r.event_uid);
  }
  const skipReason = (detection: string, logsource?: string) => (compileSigmaRule(rule(detection, logsource), 't.yml') as SkippedSigmaRule).reason;

  it('matches values case-insensitively, with wildcards and escaped wildcards, quotes included', async () => {
    expect(await matches(`sel:\n  eventName: getobject\ncondition: sel`)).toEqual([ids(1)]);
    expect(await matches(`sel:\n  userAgent|contains: "O'Brien"\ncondition: sel`)).toEqual([ids(1)]);
    expect(await matches(`sel:\n  eventName: '*Object'\ncondition: sel`)).toEqual([ids(1), ids(2)]);
    expect(await matches(`sel:\n  userAgent: 'star*agent'\ncondition: sel`)).toEqual([ids(3), ids(4)]);
    expect(await matches(`sel:\n  userAgent: 'star\\*agent'\ncondition: sel`)).toEqual([ids(3)]);
    expect(await matches(`sel:\n  userAgent: 'st?r?agent'\ncondition: sel`)).toEqual([ids(3), ids(4)]);
  });

  it('applies startswith, endswith, all, re, cidr, exists, null and base64', async () => {
    expect(await matches(`sel:\n  requestParameters.bucketName|startswith: EXFIL-\ncondition: sel`)).toEqual([ids(2)]);
    expect(await matches(`sel:\n  userAgent|endswith: '/1.0'\ncondition: sel`)).toEqual([ids(1)]);
    expect(await matches(`sel:\n  userAgent|contains|all: [star, agent, X]\ncondition: sel`)).toEqual([ids(4)]);
    expect(await matches(`sel:\n  userAgent|contains: [star, Brien]\ncondition: sel`)).toEqual([ids(1), ids(3), ids(4)]);
    expect(await matches(`sel:\n  eventName|re: '^(Get|Put)Object$'\ncondition: sel`)).toEqual([ids(1), ids(2)]);
    expect(await matches(`sel:\n  eventName|re: '^getobject$'\ncondition: sel`)).toEqual([]);
    expect(await matches(`sel:\n  eventName|re|i: '^getobject$'\ncondition: sel`)).toEqual([ids(1)]);
    expect(await matches(`sel:\n  sourceIPAddress|cidr: 10.0.0.0/8\ncondition: sel`)).toEqual([ids(1), ids(3)]);
    expect(await matches(`sel:\n  sourceIPAddress|cidr: [192.168.0.0/16, 172.16.0.0/12]\ncondition: sel`)).toEqual([ids(2), ids(4)]);
    expect(await matches(`sel:\n  errorCode|exists: true\ncondition: sel`)).toEqual([ids(3)]);
    expect(await matches(`sel:\n  errorCode: null\ncondition: sel`)).toEqual([ids(1), ids(2), ids(4)]);
    expect(await matches(`sel:\n  userAgent|base64: 'star*agent'\ncondition: sel`)).toEqual([]);
  });

  it('follows not > and > or, parentheses, 1 of / all of globs and them, and keyword searches', async () => {
    const searches = `sel_get:\n  eventName: GetObject\nsel_list:\n  eventName: ListBuckets\nsel_denied:\n  errorCode: AccessDenied\n`;
    expect(await matches(`${searches}condition: sel_get or sel_list and not sel_denied`)).toEqual([ids(1), ids(4)]);
    expect(await matches(`${searches}condition: (sel_get or sel_list) and not sel_denied`)).toEqual([ids(1), ids(4)]);
    expect(await matches(`${searches}condition: not (sel_get or sel_list)`)).toEqual([ids(2)]);
    expect(await matches(`${searches}condition: 1 of sel_*`)).toEqual([ids(1), ids(3), ids(4)]);
    expect(await matches(`${searches}condition: all of sel_l* and sel_denied`)).toEqual([ids(3)]);
    expect(await matches(`${searches}condition: all of them`)).toEqual([]);
    expect(await matches(`keywords:\n  - 'exfil-drop'\n  - "O'Brien"\ncondition: keywords`)).toEqual([ids(1), ids(2)]);
    expect(await matches(`sel:\n  - eventName: PutObject\n  - userAgent: starxagent\ncondition: sel`)).toEqual([ids(2), ids(4)]);
  });

  it('skips what it cannot do, naming it, and never half-applies a rule', () => {
    expect(skipReason(`sel:\n  eventName: x\ncondition: sel | count() by userIdentity.arn > 5`)).toMatch(/aggregation/);
    expect(skipReason(`sel:\n  eventName|windash: x\ncondition: sel`)).toMatch(/modifier \|windash/);
    expect(skipReason(`sel:\n  eventName: x\ncondition: sel`, 'product: windows\n  service: security')).toMatch(/log source windows\/security/);
    expect(skipReason(`sel:\n  eventName: x\ncondition: sel and other`)).toMatch(/does not define/);
    expect(skipReason(`sel:\n  sourceIPAddress|cidr: 'fe80::/10'\ncondition: sel`)).toMatch(/IPv4/);
    expect(skipReason(`sel:\n  eventName: x\ntimeframe: 5m\ncondition: sel`)).toMatch(/timeframe/);
  });
});

describe('SigmaHQ cloud rules on the fixtures and the real samples', () => {
  let loaded: { rules: CompiledSigmaRule[]; skipped: SkippedSigmaRule[] };
  let store: CaseStore;
  let casePath: string;

  beforeAll(async () => {
    loaded = await loadSigmaRules(SIGMA);
    casePath = join(tempDir(), 'incident.duckdb');
    store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(ROOT, 'fixtures/incident-0214/bundle.zip')]);
  });
  afterAll(() => store?.close());

  it('compiles the copied rules, lists each skipped one with its reason, and every predicate is valid SQL', async () => {
    const reasons = new Map<string, number>();
    for (const s of loaded.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    console.log(`Sigma: ${loaded.rules.length} compiled, ${loaded.skipped.length} skipped`, Object.fromEntries(reasons));
    expect(loaded.rules.length).toBeGreaterThanOrEqual(190);
    expect(loaded.skipped.every((s) => s.reason.startsWith('unsupported: '))).toBe(true);
    for (const r of loaded.rules) {
      const sql = `SELECT count(*) AS n FROM events e WHERE e.source IN (${r.sources.map((s) => `'${s}'`).join(', ')}) AND (${r.where})`;
      await expect(store.read(sql), r.file).resolves.toBeDefined();
    }
  });

  it('our rule for the exfil bucket matches exactly the ground truth’s copies, and runs as findings with the built-in rules', async () => {
    const truth = JSON.parse(readFileSync(join(ROOT, 'fixtures/incident-0214/ground-truth.json'), 'utf8')) as IncidentGroundTruth;
    // A test-only rule (it names the fixture's bucket), kept under test/: never among the rules the app runs.
    const custom = (await loadSigmaRules(join(ROOT, 'test/sigma-rules'))).rules.find((r) => r.file === 'exfil-external-bucket.yml')!;
    const rows = await store.read<{ event_uid: string }>(`SELECT e.event_uid FROM events e WHERE e.source = 'aws.cloudtrail' AND (${custom.where})`);
    expect(new Set(rows.map((r) => r.event_uid))).toEqual(new Set(truth.incident!.event_ids.exfiltration_put));
    const report = await runDetections(store, { sigma: [...loaded.rules, custom] });
    expect(report.rules.filter((r) => r.error)).toEqual([]);
    const findings = await listFindings(store);
    expect(findings[0]!.ruleId).toBe('external-boundary-write');
    expect(findings.some((f) => f.ruleId === `sigma:${custom.id}` && f.eventCount === 140)).toBe(true);
  });

  it('fires real SigmaHQ rules on the real samples (stratus-red-team CloudTrail, falco Kubernetes audit)', async (context) => {
    if (!existsSync(SAMPLES)) {
      console.log(`skipped: ${SAMPLES} not found`);
      context.skip();
    }
    const samples = await CaseStore.open(join(tempDir(), 'samples.duckdb'), { create: true });
    try {
      await importBundles(samples, [SAMPLES]);
      const count = async (file: string) => {
        const r = loaded.rules.find((x) => x.file.endsWith(file))!;
        const [row] = await samples.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events e WHERE e.source IN ('${r.sources.join("','")}') AND (${r.where})`);
        return row!.n;
      };
      expect(await count('aws_cloudtrail_disable_logging.yml')).toBeGreaterThan(0);
      expect(await count('aws_iam_backdoor_users_keys.yml')).toBeGreaterThan(0);
      expect(await count('kubernetes_audit_exec_into_container.yml')).toBeGreaterThan(0);
      expect(await count('github_new_org_member.yml')).toBeGreaterThan(0);
      // |fieldref (stratus-red-team's UpdateLoginProfile on another user); GCP rules written for
      // ECS field names (plaso's firewall inserts).
      expect(await count('aws_update_login_profile.yml')).toBe(1);
      expect(await count('gcp_firewall_rule_modified_or_deleted.yml')).toBe(2);
      // Fields read from the record inside its wrapper (lookup-events' CloudTrailEvent string, AKS's
      // properties.log) and Sentinel's spellings on diagnostic exports.
      const wrapped = await loadSigmaRules(join(ROOT, 'test/sigma-rules/wrapped'));
      expect(wrapped.skipped).toEqual([]);
      const hits = async (title: string) => {
        const r = wrapped.rules.find((x) => x.title.startsWith(title))!;
        return (await samples.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events e WHERE e.source IN ('${r.sources.join("','")}') AND (${r.where})`))[0]!.n;
      };
      expect(await hits('EC2 instance terminated')).toBe(1);
      expect(await hits('Lease updated by the AKS service')).toBe(1);
      expect(await hits('Service principal sign-in succeeded')).toBe(7);
    } finally {
      samples.close();
    }
  });

  it('runs from the CLI with --rules and lists the skipped rule', () => {
    store.close();
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/nhi.mjs'), 'detect', '--case', casePath, '--rules', SIGMA], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Sigma: \d+ rule\(s\) from .* compiled and run, \d+ skipped/);
    expect(run.stdout).toMatch(new RegExp(`Sigma: ${loaded.rules.length} rule\\(s\\) from .* compiled and run, 0 skipped`));
  });
});
