import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IncidentGroundTruth, buildIncidentBundle } from '../../fixtures/generate/incident-bundle';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { importBundles } from '../ingest/importer';
import { chainForEvent } from './chain';
import { deriveIdentities } from './derive';
import { identityProfile, overrideIdentity } from './profile';

const FIXTURE = resolve(__dirname, '../../fixtures/incident-0214');
const truth = JSON.parse(readFileSync(join(FIXTURE, 'ground-truth.json'), 'utf8')) as IncidentGroundTruth;
const incident = truth.incident!;
const CLI = resolve(__dirname, '../../bin/nhi.mjs');

/** A checksum of every derived table, to compare two derivations. */
const derivedState = (store: CaseStore) =>
  store.read(`SELECT
    (SELECT sum(hash(uid, type, is_nhi, confidence, reasons::VARCHAR, events, last_success)) FROM identities)::VARCHAR AS identities,
    (SELECT sum(hash(session_uid, credential_uid, assumed_by, via, assumed_at, events)) FROM sessions)::VARCHAR AS sessions,
    (SELECT sum(hash(credential_uid, kind, owner_uid, events, src_ips::VARCHAR)) FROM credentials)::VARCHAR AS credentials,
    (SELECT sum(hash(uid, hours::VARCHAR, operations::VARCHAR, daily_events_median)) FROM identity_baselines)::VARCHAR AS baselines,
    (SELECT sum(hash(uid, weekday, hour, events)) FROM identity_hours)::VARCHAR AS hours,
    (SELECT sum(hash(uid, stale, display, boundaries::VARCHAR)) FROM identities)::VARCHAR AS flags,
    (SELECT sum(hash(credential_uid, shared, orphaned, last_seen)) FROM credentials)::VARCHAR AS credential_flags,
    (SELECT sum(hash(session_uid, role_uid, first_used, last_used, source)) FROM sessions)::VARCHAR AS usage`);


describe('identity analytics on the 02:14 incident', () => {
  let store: CaseStore;
  let casePath: string;
  let closed = false;

  beforeAll(async () => {
    casePath = join(tempDir(), 'incident.duckdb');
    store = await CaseStore.open(casePath, { create: true });
    await importBundles(store, [join(FIXTURE, 'bundle.zip')]);
  });
  afterAll(() => {
    if (!closed) store.close();
  });

  it('classifies every identity as the ground truth does, with its type and reasons', async () => {
    const rows = await store.read<{ uid: string; is_nhi: boolean | null; type: string; confidence: number; reasons: { rule: string; detail: string }[] }>(
      `SELECT uid, is_nhi, type, confidence, reasons FROM identities WHERE observed`,
    );
    expect(rows.map((r) => r.uid).sort()).toEqual(truth.identities.map((i) => i.uid).sort());
    const byUid = new Map(rows.map((r) => [r.uid, r]));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const expected of truth.identities) {
      const got = byUid.get(expected.uid)!;
      expect({ uid: got.uid, is_nhi: got.is_nhi, type: got.type }).toEqual({ uid: expected.uid, is_nhi: expected.is_nhi, type: expected.kind });
      expect(got.reasons.length).toBeGreaterThan(0);
      expect(got.confidence).toBeGreaterThan(0.5);
      if (got.is_nhi && expected.is_nhi) tp++;
      if (got.is_nhi && !expected.is_nhi) fp++;
      if (!got.is_nhi && expected.is_nhi) fn++;
    }
    console.log(`NHI classification on incident-0214: precision ${(tp / (tp + fp)).toFixed(3)}, recall ${(tp / (tp + fn)).toFixed(3)} (${tp} machines)`);
    expect(byUid.get(incident.key_owner_uid)!.reasons[0]!.rule).toBe('long_term_key_from_scripts');
  });

  it('stores every session of the ground truth with who assumed it, how and when', async () => {
    const sessions = await store.read<{ assume_event_uid: string; session_uid: string; role_uid: string; credential_uid: string; assumed_by: string; via: string; assumed_at: string }>(
      `SELECT assume_event_uid, session_uid, role_uid, credential_uid, assumed_by, via, assumed_at FROM sessions`,
    );
    const byEvent = new Map(sessions.map((s) => [s.assume_event_uid, s]));
    for (const s of truth.sessions) {
      const got = byEvent.get(s.assume_event_id);
      expect(got, s.assume_event_id).toBeDefined();
      expect(got).toMatchObject({ session_uid: s.session_uid, role_uid: s.role_uid, credential_uid: s.credential, assumed_by: s.assumed_by, via: s.via });
      expect(got!.assumed_at.replace('.000000Z', 'Z')).toBe(s.assumed_at);
    }
    // Routine instance and function sessions, issued by the services themselves.
    for (const [role, n] of Object.entries(truth.routine_sessions)) {
      const [row] = await store.read<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM sessions WHERE role_uid = $r AND assumed_by LIKE 'aws-service:%'`, { r: role });
      expect(row!.n, role).toBe(n);
    }
  });

  it('returns the full chain behind an exfiltration event: session, role, assumer, key', async () => {
    const chain = (await chainForEvent(store, incident.event_ids.exfiltration_get[10]!))!;
    expect(chain.links).toHaveLength(2);
    expect(chain.links[0]).toMatchObject({
      identity: incident.role_uid,
      session: incident.session_uid,
      credential: incident.session_credential,
      isNhi: true,
      assumed: { via: 'AssumeRole', by: incident.key_owner_uid, byCredential: incident.access_key, srcIp: incident.source_ip, eventUid: incident.event_ids.assume_role },
    });
    expect(chain.links[1]).toMatchObject({ identity: incident.key_owner_uid, credential: incident.access_key, assumed: null, type: 'service_account' });
    expect(chain.summary).toContain(`issued by AssumeRole at ${truth.sessions.find((s) => s.session_uid === incident.session_uid)!.assumed_at.replace('Z', '.000000Z')}`);
  });

  it('traces a deploy session back to the GitHub workflow that assumed it', async () => {
    const deploy = truth.sessions.find((s) => s.via === 'AssumeRoleWithWebIdentity')!;
    const [event] = await store.read<{ event_uid: string }>(`SELECT event_uid FROM events WHERE credential_uid = $c LIMIT 1`, { c: deploy.credential });
    const chain = (await chainForEvent(store, event!.event_uid))!;
    // …and on to the workflow itself, one identity whatever account its token reached.
    expect(chain.links.map((l) => l.identity)).toEqual([deploy.role_uid, deploy.assumed_by, 'github-workflow:acme/platform@refs/heads/main']);
    expect(chain.links[0]!.assumed).toMatchObject({ via: 'AssumeRoleWithWebIdentity', subject: 'repo:acme/platform:ref:refs/heads/main' });
    expect(chain.links[1]).toMatchObject({ type: 'ci_pipeline', isNhi: true });
    expect(chain.links[2]).toMatchObject({ type: 'ci_pipeline', isNhi: true, linked: { kind: 'same_workflow', from: deploy.assumed_by } });
  });

  it('knows backend-svc never works at 02:00 and shows the incident hour outside its baseline', async () => {
    const profile = (await identityProfile(store, incident.role_uid))!;
    expect(profile.baseline!.usualHours).not.toContain(2);
    expect(profile.baseline!.usualHours).toContain(12);
    const attackEvents = incident.event_ids.staging.length + incident.event_ids.exfiltration_get.length + incident.event_ids.exfiltration_put.length;
    expect(profile.unusualHours).toEqual([{ day: '2026-02-14', hour: 2, events: attackEvents, bytes_out: incident.bytes_copied + 2048 }]);
    expect(profile.baseline!.srcIps).toEqual(['10.0.12.34']);
    // What the identity did for the first time after its baseline is marked; its usual address is not.
    expect(profile.srcIps.find((i) => i.src_ip === '10.0.12.34')!.newSinceBaseline).toBe(false);
    expect(profile.srcIps.find((i) => i.src_ip === incident.source_ip)?.newSinceBaseline ?? true).toBe(true);
    expect(profile.topResources.find((r) => r.resource_uid === `arn:aws:s3:::${incident.destination_bucket}`)!.newSinceBaseline).toBe(true);
  });

  it('counts the dormant key owner per day, with its month of silence as missing days, and pages its credentials', async () => {
    const profile = (await identityProfile(store, incident.key_owner_uid, { credentials: 1 }))!;
    const days = profile.daily.map((d) => d.day);
    expect(days.at(-1)).toBe('2026-02-14');
    const gap = (Date.parse(days.at(-1)!) - Date.parse(days.at(-2)!)) / 86_400_000;
    expect(gap).toBeGreaterThanOrEqual(28);
    const [row] = await store.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM events WHERE actor_uid = $a AND time_flag IS NULL`, { a: incident.key_owner_uid });
    expect(profile.daily.reduce((s, d) => s + d.events, 0)).toBe(row!.n);
    expect(profile.credentials.length).toBeLessThanOrEqual(1);
    expect(profile.credentialCount).toBeGreaterThanOrEqual(profile.credentials.length);
  });

  it('profiles top resources by bucket, the outside one first, with totals equal to SQL over the case', async () => {
    const profile = (await identityProfile(store, incident.role_uid))!;
    const [first] = profile.topResources;
    expect(first).toMatchObject({ resource_uid: `arn:aws:s3:::${incident.destination_bucket}`, outside: true, events: incident.objects_copied, bytes_in: incident.bytes_copied, bytes_out: 0 });
    const sql = await store.read<{ resource_uid: string; events: number; bytes_out: number; bytes_in: number }>(
      // Objects roll up to their bucket; a call on the bucket itself counts for it too.
      `SELECT coalesce(c.resource_uid, e.resource_uid) AS resource_uid, count(*)::BIGINT AS events, coalesce(sum(e.bytes_out), 0)::BIGINT AS bytes_out, coalesce(sum(e.bytes_in), 0)::BIGINT AS bytes_in
       FROM events e LEFT JOIN event_resources c ON c.event_uid = e.event_uid AND c.source = e.source AND c.role = 'container'
       WHERE e.actor_uid = $a GROUP BY ALL`,
      { a: incident.role_uid },
    );
    for (const r of profile.topResources.filter((t) => t.resource_uid.startsWith('arn:aws:s3:::'))) {
      expect(r).toMatchObject(sql.find((x) => x.resource_uid === r.resource_uid)!);
    }
    const [totals] = await store.read<{ o: number; i: number }>(`SELECT sum(bytes_out)::BIGINT AS o, sum(bytes_in)::BIGINT AS i FROM events WHERE actor_uid = $a`, { a: incident.role_uid });
    expect([profile.bytesOut, profile.bytesIn]).toEqual([totals!.o, totals!.i]);
  });

  it('links the dormant key to its owner and flags it shared: two addresses, two user agents', async () => {
    const [key] = await store.read<{ owner_uid: string; kind: string; src_ips: string[]; last_seen: string; shared: boolean; orphaned: boolean }>(
      `SELECT owner_uid, kind, src_ips, last_seen, shared, orphaned FROM credentials WHERE credential_uid = $k`,
      { k: incident.access_key },
    );
    expect(key).toMatchObject({ owner_uid: incident.key_owner_uid, kind: 'long_term', shared: true, orphaned: false });
    const shared = await store.read<{ credential_uid: string }>(`SELECT credential_uid FROM credentials WHERE shared AND kind = 'long_term'`);
    expect(shared.map((c) => c.credential_uid)).toEqual([incident.access_key]);
    expect(key!.src_ips).toContain(incident.source_ip);
    expect(key!.src_ips).toHaveLength(2);
  });

  it('keeps an analyst override across rebuilds, and a rebuild from scratch gives the same tables', async () => {
    const before = await derivedState(store);
    await deriveIdentities(store);
    expect(await derivedState(store)).toEqual(before);

    const alice = truth.identities.find((i) => i.display === 'alice')!.uid;
    await overrideIdentity(store, { uid: alice, isNhi: true, type: 'service_account', reason: 'shared console login used by a reporting script', analyst: 'kim' });
    await deriveIdentities(store);
    const [row] = await store.read<{ is_nhi: boolean; type: string; overridden: boolean; reasons: { rule: string; detail: string }[] }>(
      `SELECT is_nhi, type, overridden, reasons FROM identities WHERE uid = $u`,
      { u: alice },
    );
    expect(row).toMatchObject({ is_nhi: true, type: 'service_account', overridden: true });
    expect(row!.reasons[0]).toMatchObject({ rule: 'analyst_override' });
    expect(row!.reasons[0]!.detail).toMatch(/^kim on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: shared console login/);
    expect(row!.reasons[1]!.rule).toBe('console_sign_in_with_mfa');
    await expect(overrideIdentity(store, { uid: alice, isNhi: false, reason: '  ', analyst: 'kim' })).rejects.toThrow(/needs a reason/);
  });

  it('after each import recomputes only what the new evidence touched, with the same result as a full rebuild', async () => {
    const other = await CaseStore.open(join(tempDir(), 'incremental.duckdb'), { create: true });
    try {
      const first = await importBundles(other, [resolve(__dirname, '../../fixtures/mixed-story/bundle.tar.gz')]);
      expect(first.analytics?.mode).toBe('full');
      const second = await importBundles(other, [join(FIXTURE, 'bundle.zip')]);
      expect(second.analytics?.mode).toBe('incremental');
      const incremental = await derivedState(other);
      const again = await importBundles(other, [join(FIXTURE, 'bundle.zip')]);
      expect(again.analytics?.mode).toBe('unchanged');
      expect(await derivedState(other)).toEqual(incremental);
      const full = await deriveIdentities(other);
      expect(full.mode).toBe('full');
      expect(await derivedState(other)).toEqual(incremental);
      const [{ n } = { n: 0 }] = await other.read<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM identities WHERE observed`);
      expect(n).toBe(truth.identities.length + 9);
    } finally {
      other.close();
    }
  });

  it('calls an identity stale when it has no success in the last N days of the case', async () => {
    // Without the attack, the backup user's key was last used four weeks before the case ends.
    const { zip } = await buildIncidentBundle({ attack: false });
    const dir = tempDir();
    writeFileSync(join(dir, 'quiet.zip'), zip);
    const quiet = await CaseStore.open(join(tempDir(), 'quiet.duckdb'), { create: true });
    try {
      await importBundles(quiet, [dir], { deriveAnalytics: false });
      await deriveIdentities(quiet, { staleDays: 20 });
      const stale = await quiet.read<{ uid: string }>(`SELECT uid FROM identities WHERE stale ORDER BY uid`);
      expect(stale.map((r) => r.uid)).toEqual([incident.key_owner_uid]);
      await deriveIdentities(quiet, { staleDays: 40 });
      expect(await quiet.read(`SELECT uid FROM identities WHERE stale`)).toEqual([]);
    } finally {
      quiet.close();
    }
  });

  // Last: the CLI needs the case file to itself.
  it('prints the profile, the chain and refuses an override without a reason, from the CLI', () => {
    store.close();
    closed = true;
    {
      const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--case', casePath], { encoding: 'utf8' });
      const profile = run('identity', 'backend-svc');
      expect(profile.status).toBe(0);
      expect(profile.stdout).toContain('MACHINE · workload');
      expect(profile.stdout).toMatch(/usual hours \(UTC\): 07:00–23:59/);
      expect(profile.stdout).toMatch(/2026-02-14 02:00–02:59 UTC {2}282 events, 1[34]\.\d GB out/);
      const chain = run('chain', incident.event_ids.exfiltration_put[0]!);
      expect(chain.stdout).toContain(`to ${incident.key_owner_uid} from ${incident.source_ip}`);
      expect(run('classify', incident.role_uid, '--human').status).toBe(2);
      const derived = run('derive', '--baseline-days', '7', '--stale-days', '10');
      expect(derived.status).toBe(0);
      expect(derived.stdout).toMatch(/baseline 2026-02-07 00:00:00\.0+ → 2026-02-14 00:00:00/);
      expect(run('derive', '--stale-days', 'soon').status).toBe(2);
      expect(run('identities', '--nhi', '--json').stdout).toContain(incident.role_uid);
    }
  });
});
