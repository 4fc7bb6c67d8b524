import type { Answer, CoverageGroup, CoverageQuestion, CoverageReport, Effect, LoggingChange } from '../../shared/integrity';
import type { CaseStore } from '../case-store/case-store';

export type { CoverageReport };

/**
 * What the evidence covers, and so what the case can and cannot answer: events, files and
 * digests per source, account/project/cluster and region; the hours each of them fell silent;
 * the logging changes the logs themselves record (StopLogging, sink deletions, diagnostic
 * settings removed…); and a table of the questions an investigation asks, each answerable,
 * partly answerable or not with the evidence at hand, and the detections that depend on it.
 * A finding that is absent because its evidence is absent must not read as "nothing happened".
 */

/**
 * Operations that turn logging off, narrow it, or change it, per source. Matched on the
 * normalized operation (and, for a few, on the request in the raw record).
 */
const LOGGING_CHANGES: { source: string; match: string; effect: Effect }[] = [
  { source: 'aws.cloudtrail', match: `e.operation IN ('StopLogging', 'DeleteTrail', 'DeleteEventDataStore', 'StopEventDataStoreIngestion', 'DeleteFlowLogs', 'StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel', 'DeleteDetector')`, effect: 'stopped' },
  { source: 'aws.cloudtrail', match: `e.operation IN ('PutEventSelectors', 'PutAdvancedEventSelectors', 'UpdateTrail', 'PutBucketLogging', 'UpdateDetector', 'DisassociateFromMasterAccount', 'PutInsightSelectors')`, effect: 'changed' },
  { source: 'aws.cloudtrail', match: `e.operation IN ('StartLogging', 'CreateTrail', 'StartEventDataStoreIngestion', 'CreateFlowLogs', 'StartConfigurationRecorder')`, effect: 'started' },
  { source: 'gcp.audit', match: `(e.operation ILIKE '%ConfigServiceV2.DeleteSink' OR e.operation ILIKE '%ConfigServiceV2.DeleteBucket')`, effect: 'stopped' },
  { source: 'gcp.audit', match: `(e.operation ILIKE '%ConfigServiceV2.CreateExclusion' OR e.operation ILIKE '%ConfigServiceV2.UpdateExclusion' OR (e.operation ILIKE '%SetIamPolicy' AND e.raw ILIKE '%auditConfigs%'))`, effect: 'reduced' },
  { source: 'gcp.audit', match: `(e.operation ILIKE '%ConfigServiceV2.UpdateSink' OR e.operation ILIKE '%ConfigServiceV2.UpdateBucket' OR (e.operation ILIKE '%ClusterManager.UpdateCluster' AND e.raw ILIKE '%logging%'))`, effect: 'changed' },
  { source: 'azure.activity', match: `e.operation ILIKE 'microsoft.insights/diagnosticSettings/delete%'`, effect: 'stopped' },
  { source: 'azure.activity', match: `e.operation ILIKE 'microsoft.insights/diagnosticSettings/write%'`, effect: 'changed' },
  { source: 'github.audit', match: `e.operation IN ('audit_log_streaming.destroy', 'audit_log_streaming.disable')`, effect: 'stopped' },
  { source: 'github.audit', match: `e.operation IN ('audit_log_streaming.update')`, effect: 'changed' },
  { source: 'okta.system', match: `e.operation IN ('system.log_stream.lifecycle.deactivate', 'system.log_stream.lifecycle.delete')`, effect: 'stopped' },
  { source: 'k8s.audit', match: `(e.operation IN ('delete', 'update', 'patch') AND e.resource_uid ILIKE '%auditsink%')`, effect: 'changed' },
];

/** The logging boundary of an event: the cluster for Kubernetes, the caller's account for CloudTrail, else the resource's account or project. */
const BOUNDARY = `CASE WHEN source IN ('k8s.audit', 'aws.cloudtrail') THEN coalesce(actor_boundary, boundary) ELSE coalesce(boundary, actor_boundary) END`;

export async function coverage(store: CaseStore): Promise<CoverageReport> {
  const [span] = await store.read<{ first: string | null; last: string | null; days: number | null }>(`
    SELECT strftime(min(time), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(max(time), '%Y-%m-%dT%H:%M:%SZ') AS last,
      date_diff('hour', min(time), max(time)) / 24.0 AS days
    FROM events WHERE time_flag IS NULL`);
  const groups = await store.read<Omit<CoverageGroup, 'silences' | 'digests'> & { hours: string[] }>(`
    WITH e AS (SELECT source, ${BOUNDARY} AS boundary, region, evidence_id, time FROM events WHERE time_flag IS NULL)
    SELECT source, boundary, region, count(*)::BIGINT AS events, count(DISTINCT evidence_id)::BIGINT AS files,
      strftime(min(time), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(max(time), '%Y-%m-%dT%H:%M:%SZ') AS last,
      count(DISTINCT date_trunc('hour', time))::BIGINT AS "activeHours",
      (date_diff('hour', date_trunc('hour', min(time)), date_trunc('hour', max(time))) + 1)::BIGINT AS "spanHours",
      list(DISTINCT strftime(date_trunc('hour', time), '%Y-%m-%dT%H:%M:%SZ') ORDER BY strftime(date_trunc('hour', time), '%Y-%m-%dT%H:%M:%SZ')) AS hours
    FROM e GROUP BY ALL ORDER BY events DESC`);
  const digests = await store.read<{ account: string; region: string; n: number }>(`SELECT account, region, count(*)::BIGINT AS n FROM cloudtrail_digests GROUP BY ALL`);
  const digestCount = new Map(digests.map((d) => [`${d.account}|${d.region}`, d.n]));
  const out: CoverageGroup[] = groups.map(({ hours, ...g }) => ({
    ...g,
    digests: g.source === 'aws.cloudtrail' ? (digestCount.get(`${(g.boundary ?? '').replace(/^aws:/, '')}|${g.region}`) ?? 0) : 0,
    silences: silences(hours, g.activeHours / Math.max(1, g.spanHours)),
  }));

  const loggingChanges = await store.read<LoggingChange>(`
    SELECT * FROM (${LOGGING_CHANGES.map(
      (c) => `SELECT strftime(e.time, '%Y-%m-%dT%H:%M:%SZ') AS time, e.source, e.actor_uid AS actor, e.operation, e.resource_uid AS target, e.status,
        '${c.effect}' AS effect, e.event_uid AS "eventUid" FROM events e WHERE e.source = '${c.source}' AND ${c.match}`,
    ).join(' UNION ALL ')}) ORDER BY time, "eventUid"`);

  return { span: { first: span?.first ?? null, last: span?.last ?? null, days: Math.round((span?.days ?? 0) * 10) / 10 }, groups: out, loggingChanges, questions: await questions(store, span?.days ?? 0) };
}

/**
 * Runs of hours without an event. A source that logs nearly every hour (CloudTrail management
 * events) going quiet for an hour is news; one that logs a few times a day is not, so the
 * shortest silence worth reporting grows as the group's hours get sparser.
 */
function silences(hours: readonly string[], activeRatio: number): CoverageGroup['silences'] {
  const minimum = activeRatio >= 0.8 ? 1 : activeRatio >= 0.3 ? 6 : 24;
  const out: CoverageGroup['silences'] = [];
  for (let i = 1; i < hours.length; i++) {
    const gap = (Date.parse(hours[i]!) - Date.parse(hours[i - 1]!)) / 3_600_000 - 1;
    if (gap >= minimum) out.push({ from: new Date(Date.parse(hours[i - 1]!) + 3_600_000).toISOString().replace('.000Z', 'Z'), to: hours[i]!, hours: gap });
  }
  return out.sort((a, b) => b.hours - a.hours).slice(0, 20).sort((a, b) => (a.from < b.from ? -1 : 1));
}

interface Facts {
  cloudtrail: number;
  management: number;
  s3Data: number;
  s3List: number;
  bytes: number;
  k8s: number;
  k8sBodies: number;
  gcp: number;
  gcpData: number;
  signins: number;
  github: number;
  okta: number;
  digests: number;
  baselines: number;
  identities: number;
}

async function questions(store: CaseStore, days: number): Promise<CoverageQuestion[]> {
  const [f] = await store.read<Facts>(`
    SELECT
      count(*) FILTER (source = 'aws.cloudtrail')::BIGINT AS cloudtrail,
      count(*) FILTER (source = 'aws.cloudtrail' AND NOT (service = 's3' AND operation IN ('GetObject', 'PutObject', 'CopyObject', 'DeleteObject', 'HeadObject', 'UploadPart', 'CompleteMultipartUpload', 'ListObjects', 'ListObjectsV2', 'ListObjectVersions')))::BIGINT AS management,
      count(*) FILTER (source = 'aws.cloudtrail' AND service = 's3' AND operation IN ('GetObject', 'PutObject', 'CopyObject', 'DeleteObject', 'HeadObject', 'UploadPart', 'CompleteMultipartUpload'))::BIGINT AS "s3Data",
      count(*) FILTER (source = 'aws.cloudtrail' AND service = 's3' AND operation IN ('ListObjects', 'ListObjectsV2', 'ListObjectVersions'))::BIGINT AS "s3List",
      count(*) FILTER (coalesce(bytes_out, 0) + coalesce(bytes_in, 0) > 0)::BIGINT AS bytes,
      count(*) FILTER (source = 'k8s.audit')::BIGINT AS k8s,
      -- The raw record is read only where the source says it can matter: inside the scan of every
      -- event it was read and searched for all of them (10 M CloudTrail events: 27 s, now 0.5 s).
      (SELECT count(*) FROM events WHERE time_flag IS NULL AND source = 'k8s.audit' AND (raw LIKE '%"requestObject"%' OR raw LIKE '%"responseObject"%'))::BIGINT AS "k8sBodies",
      count(*) FILTER (source = 'gcp.audit')::BIGINT AS gcp,
      (SELECT count(*) FROM events WHERE time_flag IS NULL AND source = 'gcp.audit' AND raw LIKE '%data_access%')::BIGINT AS "gcpData",
      count(*) FILTER (source IN ('azure.signin', 'okta.system') OR operation IN ('ConsoleLogin', 'user.session.start'))::BIGINT AS signins,
      count(*) FILTER (source = 'github.audit')::BIGINT AS github,
      count(*) FILTER (source = 'okta.system')::BIGINT AS okta,
      (SELECT count(*) FROM cloudtrail_digests)::BIGINT AS digests,
      (SELECT count(*) FROM identity_baselines WHERE active_days >= 7)::BIGINT AS baselines,
      (SELECT count(*) FROM identities)::BIGINT AS identities
    FROM events WHERE time_flag IS NULL`);
  const x = f!;
  const q = (id: string, question: string, answer: Answer, why: string, detections: string[] = []): CoverageQuestion => ({ id, question, answer, why, detections });
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    x.cloudtrail === 0
      ? q('aws-control', 'Who changed what in AWS (management events)?', 'no', 'no CloudTrail in the case', ['privilege-change', 'first-seen-operation', 'dormant-key-used', 'denied-burst'])
      : q('aws-control', 'Who changed what in AWS (management events)?', x.management > 0 ? 'yes' : 'partly', `${n(x.management)} CloudTrail management events`, ['privilege-change', 'first-seen-operation', 'dormant-key-used', 'denied-burst']),
    x.cloudtrail === 0
      ? q('aws-s3-data', 'Which S3 objects were read or written?', 'no', 'no CloudTrail in the case', ['external-boundary-write', 'large-transfer'])
      : x.s3Data > 0
        ? q('aws-s3-data', 'Which S3 objects were read or written?', 'yes', `${n(x.s3Data)} S3 data events`, ['external-boundary-write', 'large-transfer'])
        : x.s3List > 0
          ? q('aws-s3-data', 'Which S3 objects were read or written?', 'partly', `${n(x.s3List)} S3 listings but no object reads or writes: the trail's data-event selectors leave GetObject and PutObject out, so exfiltration through S3 cannot be seen`, ['external-boundary-write', 'large-transfer'])
          : q('aws-s3-data', 'Which S3 objects were read or written?', 'no', 'no S3 data events: object reads and writes are invisible (the trail logs management events only); exfiltration through S3 cannot be seen', ['external-boundary-write', 'large-transfer']),
    q('bytes', 'How much data moved?', x.bytes > 0 ? 'yes' : 'no', x.bytes > 0 ? `${n(x.bytes)} events carry byte counts` : 'no event carries a byte count: transfer sizes are unknown', ['large-transfer']),
    q('k8s-api', 'Who did what in Kubernetes?', x.k8s > 0 ? 'yes' : 'no', x.k8s > 0 ? `${n(x.k8s)} audit events` : 'no Kubernetes audit log', ['secret-read', 'privilege-change']),
    x.k8s === 0
      ? q('k8s-bodies', 'What did Kubernetes requests contain (pod specs, role rules)?', 'no', 'no Kubernetes audit log')
      : q('k8s-bodies', 'What did Kubernetes requests contain (pod specs, role rules)?', x.k8sBodies > 0 ? 'partly' : 'no', x.k8sBodies > 0 ? `${n(x.k8sBodies)} events at Request/RequestResponse level` : 'the audit policy logs Metadata only: request bodies are not recorded'),
    x.gcp === 0
      ? q('gcp-data', 'Which GCP data was read (Data Access logs)?', 'no', 'no GCP audit log')
      : q('gcp-data', 'Which GCP data was read (Data Access logs)?', x.gcpData > 0 ? 'yes' : 'no', x.gcpData > 0 ? `${n(x.gcpData)} Data Access entries` : 'Admin Activity only: Data Access logs are off or not exported, so reads of GCS objects and BigQuery tables are invisible', ['secret-read']),
    q('signins', 'Who signed in, from where?', x.signins > 0 ? 'yes' : 'no', x.signins > 0 ? `${n(x.signins)} sign-in events` : 'no sign-in log (Entra, Okta, console sign-ins)', ['machine-acting-human']),
    q('code', 'What happened in source control and CI?', x.github > 0 ? 'yes' : 'no', x.github > 0 ? `${n(x.github)} GitHub audit events` : 'no GitHub audit log: workflow changes and token creation are invisible'),
    q('log-integrity', 'Were the CloudTrail logs altered after delivery?', x.digests > 0 ? 'yes' : x.cloudtrail > 0 ? 'no' : 'no', x.digests > 0 ? `${n(x.digests)} CloudTrail digest files` : x.cloudtrail > 0 ? 'no CloudTrail digest files in the bundle: log files cannot be proven unmodified' : 'no CloudTrail in the case', ['cloudtrail-log-integrity']),
    q('baselines', "Is this identity's behaviour unusual for it?", x.baselines > 0 ? (x.baselines < x.identities ? 'partly' : 'yes') : 'no', x.baselines > 0 ? `${n(x.baselines)} of ${n(x.identities)} identities have a baseline of 7 active days or more` : `no identity has 7 active days before the case's last day (the case spans ${days.toFixed(1)} days): usual hours and operations are unknown`, ['off-hours', 'first-seen-operation', 'large-transfer', 'secret-read']),
    q('dormancy', 'Was a long-unused credential used again?', days >= 21 ? 'yes' : 'no', days >= 21 ? `the case spans ${days.toFixed(1)} days` : `the case spans ${days.toFixed(1)} days, less than the 21 days of silence that makes a key dormant`, ['dormant-key-used']),
    q('network', 'Did data leave over the network, outside cloud APIs?', 'no', 'no network flow logs (VPC flow logs, firewall logs): this app reads API audit logs only'),
  ];
}
