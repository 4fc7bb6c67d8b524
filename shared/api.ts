import { z } from 'zod';
import { type ApiMethod, API_METHODS, channelOf, isApiMethod } from './api-methods';
import type { CaseInfo } from './case-summary';
import type { CaseIntegrity } from './integrity';
import type { DetectRunSummary, Incident, RuleCatalogEntry, StoredFinding } from './findings';
import { type GraphPath, type GraphWire, GRAPH_LAYERS, type ResourceToucher, type TimelineData } from './graph';
import type { MenuAction } from './menu-actions';
import type { IdentityProfile } from './identity-profile';
import type { IdentityAccess } from './access';
import { EVENT_SORT_COLUMNS, RAW_FIELD, VALUE_FIELDS } from './event-columns';

export { API_METHODS, type ApiMethod, channelOf, isApiMethod };

/**
 * The one contract between the renderer and the main side: every method the UI may call, the
 * schema its request must pass (checked on the main side, never trusted from the renderer) and
 * the type of its answer. Electron IPC and web mode both serve exactly this.
 */

export { EVENT_PAGE_COLUMNS, EVENT_SORT_COLUMNS, VALUE_FIELDS } from './event-columns';

const casePath = z.string().min(1, 'a case path is required').max(4096);
const identitySort = z.object({ key: z.enum(['display', 'isNhi', 'type', 'confidence', 'events', 'lastSeen']), descending: z.boolean() }).strict();
export type IdentitySort = z.infer<typeof identitySort>;
const valueField = z.union([z.enum(VALUE_FIELDS), z.string().regex(RAW_FIELD, 'a raw field is raw:/json/pointer')]);
const valueMatch = z.object({ field: valueField, value: z.string().max(4096).nullable(), not: z.boolean() }).strict();
export type ValueMatch = z.infer<typeof valueMatch>;
const eventFilter = z
  .object({
    from: z.string().max(40).optional(),
    to: z.string().max(40).optional(),
    source: z.string().max(64).optional(),
    actor: z.string().max(512).optional(),
    nhi: z.boolean().optional(),
    operation: z.string().max(256).optional(),
    resource: z.string().max(1024).optional(),
    status: z.enum(['success', 'failure']).optional(),
    text: z.string().max(512).optional(),
    /** Only the evidence events of this finding. */
    finding: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    /** Exact service (s3, iam, kubernetes…) and operation category (read, write, auth…). */
    service: z.string().max(128).optional(),
    category: z.string().max(64).optional(),
    /** Exact values, in or out: a normalized field, or a field of the raw record by JSON pointer. */
    match: z.array(valueMatch).max(16).optional(),
    /** Events the analyst bookmarked, tagged, or tagged with this tag. */
    marked: z.enum(['bookmarked', 'tagged']).optional(),
    tag: z.string().regex(/^[\w.:-]{1,64}$/).optional(),
  })
  .strict();
/** A saved view: the URL hash (view, filters, window, selection, sort) and the replay clock. */
const savedViewState = z.object({ hash: z.string().max(8192).regex(/^#[a-z]+/, 'a view hash starts with #view'), replayAt: z.number().nullable() }).strict();
const jobId = z.string().regex(/^[0-9a-f]{16}$/, 'not an import job id');

export const API_REQUESTS = {
  'app.version': z.object({}).strict(),
  'case.info': z.object({ casePath }).strict(),
  'case.open': z.object({ casePath }).strict(),
  /** Imports and their outcomes, the journal head, CloudTrail digest validation, coverage and gaps. */
  'case.integrity': z.object({ casePath }).strict(),
  /** Migrates a case made by an older build: a backup copy first, then the migration, journaled. */
  'case.upgrade': z.object({ casePath }).strict(),
  'case.create': z.object({ casePath: casePath.refine((p) => p.endsWith('.duckdb'), 'a new case file name ends in .duckdb') }).strict(),
  'cases.recent': z.object({}).strict(),
  'evidence.list': z.object({ casePath }).strict(),
  'quarantine.list': z.object({ casePath, limit: z.number().int().min(1).max(10_000).optional() }).strict(),
  'import.start': z.object({ casePath, inputs: z.array(z.string().min(1).max(4096)).min(1, 'name at least one file or folder to import').max(1000) }).strict(),
  'import.status': z.object({ jobId }).strict(),
  'import.cancel': z.object({ jobId }).strict(),
  'dialog.openCase': z.object({}).strict(),
  'dialog.newCase': z.object({}).strict(),
  'dialog.pickEvidence': z.object({ folders: z.boolean().optional() }).strict(),
  'findings.list': z.object({ casePath }).strict(),
  'incidents.list': z.object({ casePath }).strict(),
  /** `sigmaDir`: a Sigma folder to use and remember for this case; `null` for built-in rules only; absent: as last time. */
  'detect.run': z.object({ casePath, sigmaDir: z.string().min(1).max(4096).nullable().optional() }).strict(),
  'detect.rules': z.object({}).strict(),
  'journal.add': z
    .object({
      casePath,
      action: z.enum(['note', 'tag', 'untag', 'bookmark', 'finding_status', 'rule_muted', 'rule_unmuted']),
      targetKind: z.enum(['event', 'identity', 'finding', 'rule']),
      targetId: z.string().min(1).max(1024),
      text: z.string().max(10_000).optional(),
      tag: z.string().regex(/^[\w.:-]{1,64}$/, 'a tag is a word of letters, digits, . : - _').optional(),
      status: z.enum(['new', 'confirmed', 'false_positive', 'resolved']).optional(),
    })
    .strict(),
  'journal.list': z.object({ casePath, targetKind: z.enum(['event', 'identity', 'finding', 'case', 'view', 'rule']).optional(), targetId: z.string().max(1024).optional() }).strict(),
  /** `out` relative to the case's folder unless absolute; `zone` (IANA) for the report's times (UTC by default). */
  'report.save': z
    .object({
      casePath,
      out: z.string().min(1).max(4096).refine((p) => /\.(html|pdf)$/.test(p), 'a report path ends in .html or .pdf'),
      force: z.boolean().optional(),
      zone: z.string().max(64).optional(),
    })
    .strict(),
  'events.export': z
    .object({ casePath, filter: eventFilter, format: z.enum(['csv', 'jsonl', 'parquet', 'timesketch']), out: z.string().min(1).max(4096), force: z.boolean().optional(), rawCells: z.boolean().optional() })
    .strict(),
  'graph.query': z
    .object({ casePath, filter: eventFilter, maxNodes: z.number().int().min(10).max(5000).optional(), minEvents: z.number().int().min(1).optional(), layers: z.array(z.enum(GRAPH_LAYERS)).max(GRAPH_LAYERS.length).optional() })
    .strict(),
  'graph.path': z.object({ casePath, from: z.string().min(1).max(1024), to: z.string().min(1).max(1024) }).strict(),
  'graph.touchers': z.object({ casePath, resource: z.string().min(1).max(1024), filter: eventFilter.optional() }).strict(),
  'timeline.histogram': z.object({ casePath, filter: eventFilter, buckets: z.number().int().min(10).max(2000).optional(), stackBy: z.enum(['nhi', 'source', 'category']).optional() }).strict(),
  'views.save': z.object({ casePath, name: z.string().trim().min(1, 'a view needs a name').max(120), state: savedViewState }).strict(),
  'views.list': z.object({ casePath }).strict(),
  /** One page of the identities list, filtered and sorted by the database. */
  'identities.page': z
    .object({
      casePath,
      nhi: z.boolean().optional(),
      type: z.string().max(64).optional(),
      text: z.string().max(512).optional(),
      sort: identitySort,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000),
    })
    .strict(),
  'events.query': z
    .object({
      casePath,
      filter: eventFilter,
      sort: z.object({ column: z.enum(EVENT_SORT_COLUMNS), descending: z.boolean() }).strict().optional(),
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000),
      /** Count every match too (default); later pages of the same query can skip it. */
      withTotal: z.boolean().optional(),
      /**
       * Keyset paging when sorted by time: the page starts after this event (the last one of the
       * page before) instead of skipping \`offset\` rows, which costs the same deep in a long
       * list as at its top. \`offset\` then only says where the page goes.
       */
      after: z.object({ time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/), uid: z.string().min(1).max(512) }).strict().optional(),
    })
    .strict(),
  'events.count': z.object({ casePath, filter: eventFilter }).strict(),
  /** The commonest values of one field among the filtered events, with their counts. */
  'events.values': z.object({ casePath, filter: eventFilter, field: valueField, limit: z.number().int().min(1).max(500).optional() }).strict(),
  'event.detail': z.object({ casePath, eventUid: z.string().min(1).max(512) }).strict(),
  /** `sessions`/`credentials`: how many to list (20 and 100 by default; the totals always come). */
  'identity.access': z.object({ casePath, identity: z.string().min(1).max(1024) }).strict(),
  'identity.profile': z.object({ casePath, uid: z.string().min(1).max(1024), sessions: z.number().int().min(1).max(100_000).optional(), credentials: z.number().int().min(1).max(100_000).optional() }).strict(),
  'identity.override': z
    .object({ casePath, uid: z.string().min(1).max(1024), isNhi: z.boolean().nullable(), type: z.string().max(64).optional(), reason: z.string().trim().min(3, 'say why').max(2000) })
    .strict(),
  /** Says an account is one of the names of a principal (`person:…`, a workload), or undoes that with `principal: null`. */
  'identity.alias': z
    .object({
      casePath,
      uid: z.string().min(1).max(1024),
      principal: z.string().trim().min(3).max(1024).nullable(),
      reason: z.string().trim().min(3, 'say why').max(2000),
    })
    .strict(),
  'sql.query': z.object({ casePath, sql: z.string().min(1).max(100_000), limit: z.number().int().min(1).max(100_000).optional() }).strict(),
} as const satisfies Record<ApiMethod, z.ZodType>;

export type ApiRequest<M extends ApiMethod> = z.infer<(typeof API_REQUESTS)[M]>;

export interface IdentitySummary {
  uid: string;
  display: string | null;
  type: string;
  isNhi: boolean | null;
  confidence: number;
  reason: string | null;
  events: number;
  lastSeen: string;
}

/** A page of identities: `total` match the filter; with the first page, `all` in the case and their types. */
export interface IdentityPage {
  total: number;
  all: number | null;
  offset: number;
  rows: IdentitySummary[];
  types: string[] | null;
}

/** A SQL console result: the rows as an Arrow IPC stream (base64), decoded in the renderer. */
export interface SqlResult {
  columns: { name: string; type: string }[];
  rowCount: number;
  truncated: boolean;
  /** Which cap stopped the result: the row cap, or the byte cap (large raw records). */
  truncatedBy: 'rows' | 'bytes' | null;
  arrow: string;
  elapsedMs: number;
}

export type EventFilter = z.infer<(typeof API_REQUESTS)['events.query']>['filter'];

/** One page of events: the rows as Arrow IPC (base64), and how many match in all. */
export interface EventPage {
  /** Null when the request asked not to count. */
  total: number | null;
  offset: number;
  arrow: string;
}

/** The commonest values of a field, and how many distinct values it has in all. */
export interface ValueCounts {
  field: string;
  distinct: number;
  values: { value: string | null; events: number }[];
}

export interface EventDetail {
  event: Record<string, unknown>;
  raw: string;
  provenance: { evidenceId: number; path: string; bundle: string; sourcePath: string; sha256: string; recordNo: number; byteOffset: number; importedAt: string };
  resources: { resource_uid: string; resource_type: string | null; boundary: string | null; role: string }[];
  chain: { summary: string; links: { identity: string; session: string | null; credential: string | null; via: string | null; by: string | null; at: string | null; isNhi: boolean | null; type: string | null }[] } | null;
}

export interface SavedView {
  name: string;
  state: { hash: string; replayAt: number | null };
  updatedAt: string;
  journalSeq: number;
}

/** One journal entry as the app shows it. */
export interface JournalEntryView {
  seq: number;
  createdAt: string;
  author: string;
  action: string;
  targetKind: string;
  targetId: string;
  body: Record<string, unknown>;
  hash: string;
}

/** A case the user opened before, newest first. */
export interface RecentCase {
  path: string;
  openedAt: string;
  exists: boolean;
}

/** One evidence file of the case manifest. */
export interface EvidenceFile {
  evidenceId: number;
  parentId: number | null;
  kind: string;
  bundle: string;
  pathInBundle: string;
  sizeBytes: number;
  sha256: string;
  parser: string | null;
  recordsTotal: number;
  recordsOk: number;
  recordsDuplicate: number;
  recordsQuarantined: number;
  status: string;
  importedAt: string;
}

export interface QuarantinedRecord {
  quarantineId: number;
  file: string;
  recordNo: number | null;
  line: number | null;
  reason: string;
  message: string;
  rawPreview: string | null;
}

export type ImportJobState = 'running' | 'complete' | 'cancelled' | 'failed';

/** One file or folder the user asked to import, and how far it got. */
export interface ImportInput {
  path: string;
  sizeBytes: number;
  state: 'waiting' | 'importing' | 'complete' | 'cancelled' | 'failed';
  bytesRead: number;
  recordsRead: number;
  eventsImported: number;
  duplicates: number;
  quarantined: number;
  /** Evidence files found in it (members of archives included), when done. */
  files: { path: string; status: string; sha256: string | null; parsers: string[]; recordsTotal: number; recordsOk: number; recordsDuplicate: number; recordsQuarantined: number; message: string | null }[];
  problems: { path: string; code: string; message: string }[];
  message: string | null;
}

/** An import running in the app: polled by the renderer for its progress bars. */
export interface ImportJob {
  jobId: string;
  casePath: string;
  inputs: ImportInput[];
  state: ImportJobState;
  startedAt: string;
  elapsedMs: number;
  /** The file being read now (inside an archive: its path there). */
  currentFile: string;
  bytesRead: number;
  bytesTotal: number;
  recordsRead: number;
  eventsImported: number;
  recordsPerSecond: number;
  error: string | null;
}

export interface ApiResponses {
  'app.version': { version: string; electron: string | null; node: string };
  'case.info': CaseInfo;
  'case.open': CaseInfo;
  'case.create': CaseInfo;
  'case.integrity': CaseIntegrity;
  'case.upgrade': { from: number; to: number; backup: string | null; backupSha256: string | null; info: CaseInfo };
  'cases.recent': RecentCase[];
  'evidence.list': EvidenceFile[];
  'quarantine.list': QuarantinedRecord[];
  'import.start': ImportJob;
  'import.status': ImportJob;
  'import.cancel': ImportJob;
  /** The path the user picked, or null when the dialog was cancelled. */
  'dialog.openCase': string | null;
  'dialog.newCase': string | null;
  'dialog.pickEvidence': string[];
  'findings.list': StoredFinding[];
  'incidents.list': Incident[];
  'detect.run': DetectRunSummary;
  'detect.rules': RuleCatalogEntry[];
  'journal.add': JournalEntryView;
  'journal.list': JournalEntryView[];
  /** `download`: in web mode, where the browser fetches the file (`/download/<id>`). */
  'report.save': { path: string; sha256: string; bytes: number; download?: string };
  'events.export': { path: string; format: string; rows: number; sha256: string };
  'graph.query': GraphWire;
  'graph.path': GraphPath;
  'graph.touchers': ResourceToucher[];
  'timeline.histogram': TimelineData;
  'views.save': SavedView;
  'views.list': SavedView[];
  'identities.page': IdentityPage;
  'sql.query': SqlResult;
  'events.query': EventPage;
  'events.count': { total: number };
  'events.values': ValueCounts;
  'event.detail': EventDetail;
  'identity.profile': IdentityProfile;
  'identity.access': IdentityAccess;
  'identity.override': IdentityProfile;
  'identity.alias': IdentityProfile;
}

export type ApiErrorCode =
  | 'bad_request'
  | 'unknown_method'
  | 'forbidden'
  | 'case_not_found'
  | 'case_busy'
  /** The case was made by an older build: `case.upgrade` migrates it (opening never does). */
  | 'case_needs_upgrade'
  | 'case_error'
  /** A file the call would write exists: call again with `force` to replace it. */
  | 'file_exists'
  /** The folder to write into does not exist. */
  | 'folder_missing'
  | 'sql_error'
  | 'unsupported'
  | 'internal';

export interface ApiError {
  code: ApiErrorCode;
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };


/** What the preload script puts on `window.nhi`. */
export interface NhiBridge {
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResult<ApiResponses[M]>>;
  /** Electron only: the path of a file dropped on the window (web mode uploads it instead). */
  pathForFile?(file: File): string;
  /** Web mode only: copies a picked or dropped file next to the case, answers its path there. */
  upload?(casePath: string, file: File, onProgress: (sent: number) => void): Promise<ApiResult<{ path: string }>>;
  /** Electron only: the app menu's commands. */
  onMenu?(listener: (action: MenuAction) => void): void;
}
