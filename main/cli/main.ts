import { CaseError } from '../case-store/case-store';
import { UsageError, parse } from './args';
import { runDetect, runIncidents, runRules } from './detect-command';
import { EXPORT_OPTIONS, runExport } from './export-command';
import { runImport } from './import-command';
import { runReport } from './report-command';
import { runAnnotate, runFindingStatus, runJournal } from './journal-command';
import { runAlias, runChain, runClassify, runDerive, runIdentities, runIdentity } from './identities-command';
import { runInfo } from './info-command';
import { runAccess } from './access-command';
import { runSuggestMapping } from './suggest-mapping-command';
import { VERIFY_OPTIONS, runVerify } from './verify-command';
import { EXIT } from './exit-codes';
import { oneLine } from '../ingest/importer';
import { runUpgrade } from './upgrade-command';
import { runCoverage } from './coverage-command';

export const USAGE = `nhi — forensic case files for non-human identities

Usage:
  nhi import <bundle...> --case FILE [--mapping FILE] [--json] [--progress bar|jsonl|none]
             [--max-record-bytes N] [--max-entry-bytes N] [--max-total-bytes N] [--max-ratio N] [--max-depth N]
             [--memory-limit 384MB] [--trust-keys KEYS] [--plausible-from 2000-01-01] [--plausible-ahead-hours 24]
      Import folders, .zip, .tar, .tar.gz/.tgz, .gz or single log files (nested archives too)
      into the case FILE, created if needed. Formats are detected from content; --mapping
      (JSON or YAML) maps the columns of CSV / JSON-lines logs no built-in parser knows.
      CloudTrail digest files in the bundle are checked against the log files (and their
      signatures, exported as <digest>.metadata.json, against --trust-keys: the JSON of
      aws cloudtrail list-public-keys, or PEM keys). Events dated before --plausible-from or more
      than --plausible-ahead-hours after the import are kept, flagged, and left out of baselines.
  nhi identities --case FILE [--nhi|--human] [--json]
      Every actor, human or machine, with type, confidence and the main reason.
  nhi identity --case FILE UID [--json]
      One identity's profile: classification and reasons, baseline and hours outside it,
      credentials, sessions and who assumed them, top resources.
  nhi chain --case FILE EVENT_UID [--json]
      The chain of sessions and identities behind one event.
  nhi derive --case FILE [--baseline-days N] [--baseline-end DATE] [--stale-days N] [--json]
      Rebuild identities, sessions, credentials and baselines with another baseline window or
      staleness threshold (imports rebuild them on their own with the defaults: 30 and 30 days).
  nhi classify --case FILE UID --machine|--human --why TEXT [--type TYPE] [--analyst NAME]
      Record an analyst's classification (kept in the case's journal, applied on every rebuild).
  nhi alias --case FILE UID --as PRINCIPAL|--remove --why TEXT [--analyst NAME]
      Say an account is one of the names of a principal (person:EMAIL, a workload, a workflow)
      the logs do not link on their own, or undo it. Journaled, applied on every rebuild.
  nhi incidents --case FILE [--json]
      Findings linked into incidents (same identity, one principal, a session one opened for the
      other, within a day): each with its story in the order of an intrusion, origin, credentials,
      networks, resources, data moved and one score on the findings' scale.
  nhi rules [--markdown|--json]
      The built-in rules with their MITRE ATT&CK techniques and the log sources each needs.
  nhi detect --case FILE [--rules SIGMA_DIR | --no-rules] [--threshold RULE.KEY=N ...] [--json]
      Run every built-in rule (nhi rules lists them) and list the incidents, then the findings,
      most important first, each with its evidence events. A run replaces every finding.
      --rules adds SigmaHQ-format YAML rules for the cloud log sources (compiled to SQL; a rule
      using something unsupported is skipped whole and listed with the reason); the folder is
      remembered for the case, so later runs (and the app's Run detections) use it too, until
      --no-rules.
  nhi note|bookmark --case FILE --event ID|--identity UID|--finding ID [--text T] [--author A]
  nhi tag|untag --case FILE --event ID|--identity UID|--finding ID --tag WORD [--author A]
  nhi finding-status --case FILE FINDING_ID new|confirmed|false_positive|resolved [--note T]
      Add to the case's journal: append-only, each entry hash-chained to the one before.
  nhi journal --case FILE [--json]
      The journal's entries and whether its hash chain holds (verify checks it too).
  nhi export --case FILE --format csv|jsonl|parquet|timesketch --out PATH [--force] [--raw-cells]
             [--from T] [--to T] [--source S] [--actor A] [--nhi|--human] [--operation O]
             [--resource R] [--status success|failure] [--text T] [--finding ID]
      Export the events a filter selects (the events view's filters), each row with its
      evidence file's SHA-256 and record number; timesketch writes message, datetime,
      timestamp_desc (CSV, or JSON lines when PATH ends in .jsonl). Journaled with its SHA-256.
      CSV cells that a spreadsheet would run as a formula (= + - @ tab CR first) get a leading
      apostrophe; --raw-cells writes them verbatim.
  nhi report --case FILE --out report.html|report.pdf [--force]
      A self-contained offline report for auditors: summary, findings with their evidence
      (file, SHA-256, record), identities and reasons, timeline, top flows, notes, the evidence
      manifest and the journal's head hash. PDF through headless Chromium.
  nhi suggest-mapping FILE [--out MAPPING] [--name NAME]
      Propose a mapping file for a CSV or JSON-lines log from the columns it sees.
  nhi verify --case FILE [--deep] [--expect-head N:HASH] [--trust-keys KEYS] [--json]
      Prove the case: recompute every evidence file's SHA-256, content hash and record Merkle
      root from the original bundles (naming edited, deleted, added or reordered records), every
      record's hash, count and fields from the case, each import's manifest against the journal,
      the journal's hash chain and its head (the head file beside the case, or --expect-head from
      a report or export); --deep also reads every block of the case. Exit ${EXIT.verifyFailed} on any mismatch.
      CloudTrail digests are validated offline as aws cloudtrail validate-logs does (log files
      modified, deleted or added, digests missing or modified, chain gaps; signatures with
      --trust-keys); exit ${EXIT.sourceLogsTampered} when the source logs fail them.
  nhi coverage --case FILE [--json]
      What the evidence covers: events, files and CloudTrail digests per source, account and
      region, the hours each fell silent, the logging changes the logs record (StopLogging,
      sink or diagnostic-setting deletions…), and which questions and detections the evidence
      can and cannot answer ("no S3 data events: object reads and writes are invisible").
  nhi upgrade --case FILE [--json]
      Migrate a case made by an older build to this build's schema. Opening a case never
      changes it; this keeps a byte-for-byte backup beside it and journals the upgrade.
  nhi access --case FILE [IDENTITY] [--json]
      Granted beside used, from the permission snapshots imported into the case (IAM
      authorization details, credential report, Kubernetes RBAC): actions granted, used and
      unused, sensitive ones never used, keys with their age, a least-privilege policy from the
      use the case saw, and the blast radius: every identity it can become (trust, privilege
      escalation), step by step with the snapshot record of each step, what that could have
      reached and what it did reach. IDENTITY is a uid, a snapshot name or an access key id;
      without one, the snapshots, their principals and the least-privilege findings by rule.
  nhi info --case FILE [--json] [--top N]
      Sources, time range, counts by source, quarantine and top actors.

Exit codes: ${EXIT.ok} ok, ${EXIT.verifyFailed} verify mismatch, ${EXIT.usage} usage, ${EXIT.inputError} unreadable input, ${EXIT.caseError} case error,
            ${EXIT.importedWithProblems} imported with quarantined records or skipped members, ${EXIT.verifyIncomplete} verify could not find some sources,
            ${EXIT.importFailed} import failed, ${EXIT.sourceLogsTampered} source logs fail their CloudTrail digests, ${EXIT.internal} internal error, ${EXIT.cancelled} cancelled.`;


/** Runs one CLI command and returns its exit code; never calls process.exit itself. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'import':
        return await runImport(parse(rest, IMPORT_OPTIONS, true));
      case 'verify':
        return await runVerify(parse(rest, VERIFY_OPTIONS, false));
      case 'coverage':
        return await runCoverage(parse(rest, COMMON_OPTIONS, false));
      case 'upgrade':
        return await runUpgrade(parse(rest, COMMON_OPTIONS, false));
      case 'info':
        return await runInfo(parse(rest, { ...COMMON_OPTIONS, top: { type: 'string' } }, false));
      case 'identities':
        return await runIdentities(parse(rest, { ...COMMON_OPTIONS, nhi: { type: 'boolean' }, human: { type: 'boolean' } }, false));
      case 'identity':
        return await runIdentity(parse(rest, COMMON_OPTIONS, true));
      case 'access':
        return await runAccess(parse(rest, COMMON_OPTIONS, true));
      case 'chain':
        return await runChain(parse(rest, COMMON_OPTIONS, true));
      case 'derive':
        return await runDerive(parse(rest, { ...COMMON_OPTIONS, 'baseline-days': { type: 'string' }, 'baseline-end': { type: 'string' }, 'stale-days': { type: 'string' } }, false));
      case 'classify':
        return await runClassify(
          parse(rest, { case: { type: 'string' }, machine: { type: 'boolean' }, human: { type: 'boolean' }, why: { type: 'string' }, type: { type: 'string' }, analyst: { type: 'string' } }, true),
        );
      case 'alias':
        return await runAlias(
          parse(rest, { case: { type: 'string' }, as: { type: 'string' }, remove: { type: 'boolean' }, why: { type: 'string' }, analyst: { type: 'string' } }, true),
        );
      case 'incidents':
        return await runIncidents(parse(rest, COMMON_OPTIONS, false));
      case 'rules':
        return runRules(parse(rest, { markdown: { type: 'boolean' }, json: { type: 'boolean' } }, false));
      case 'detect':
        return await runDetect(parse(rest, { ...COMMON_OPTIONS, threshold: { type: 'string', multiple: true }, rules: { type: 'string' }, 'no-rules': { type: 'boolean' } }, false));
      case 'note':
      case 'tag':
      case 'untag':
      case 'bookmark':
        return await runAnnotate(command, parse(rest, ANNOTATE_OPTIONS, false));
      case 'finding-status':
        return await runFindingStatus(parse(rest, { case: { type: 'string' }, note: { type: 'string' }, author: { type: 'string' } }, true));
      case 'export':
        return await runExport(parse(rest, EXPORT_OPTIONS, false));
      case 'report':
        return await runReport(parse(rest, { case: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean', default: false } }, false));
      case 'journal':
        return await runJournal(parse(rest, COMMON_OPTIONS, false));
      case 'suggest-mapping':
        return await runSuggestMapping(parse(rest, { out: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean', default: false } }, true));
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`nhi: ${err.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof CaseError) {
      process.stderr.write(`nhi: ${err.message}\n`);
      return EXIT.caseError;
    }
    process.stderr.write(`nhi: ${oneLine(err)}\n`);
    if (process.env.NHI_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    else process.stderr.write('(NHI_DEBUG=1 prints the stack)\n');
    return EXIT.internal;
  }
}

const COMMON_OPTIONS = {
  case: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

const ANNOTATE_OPTIONS = {
  case: { type: 'string' },
  event: { type: 'string' },
  identity: { type: 'string' },
  finding: { type: 'string' },
  text: { type: 'string' },
  tag: { type: 'string' },
  author: { type: 'string' },
} as const;

const IMPORT_OPTIONS = {
  ...COMMON_OPTIONS,
  progress: { type: 'string' },
  mapping: { type: 'string' },
  'max-record-bytes': { type: 'string' },
  'max-entry-bytes': { type: 'string' },
  'max-total-bytes': { type: 'string' },
  'max-ratio': { type: 'string' },
  'max-depth': { type: 'string' },
  'memory-limit': { type: 'string' },
  'trust-keys': { type: 'string' },
  'plausible-from': { type: 'string' },
  'plausible-ahead-hours': { type: 'string' },
} as const;




