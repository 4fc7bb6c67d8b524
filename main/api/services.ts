import { identityAccess } from '../access/identity-access';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { API_REQUESTS, type ApiError, type ApiMethod, type ApiRequest, type ApiResponses, type ApiResult, isApiMethod } from '../../shared/api';
import { caseInfo } from '../case-store/case-info';
import { CaseError, type CaseStore } from '../case-store/case-store';
import { upgradeCase } from '../case-store/upgrade';
import { caseIntegrity } from '../integrity/case-integrity';
import { deriveIdentities } from '../analytics/derive';
import { identityProfile, overrideIdentity } from '../analytics/profile';
import { aliasIdentity } from '../analytics/links';
import { defaultAuthor } from '../journal/journal';
import { listFindings } from '../detect/engine';
import { detectWithRuleSets } from '../detect/rule-sets';
import { ruleCatalog } from '../detect/rule-catalog';
import { listIncidents } from '../detect/incidents';
import { exportEvents } from '../export/export-events';
import { appendJournal, readJournal } from '../journal/journal';
import { saveReport } from '../report/save-report';
import { CasePool } from './case-pool';
import { graphQuery, graphWire, timelineHistogram } from './graph-service';
import { graphPath, resourceTouchers } from './session-paths';
import { evidenceList, quarantineList } from './evidence-service';
import { countEvents, eventDetail, eventValues, queryEvents } from './events-service';
import { identityPage } from './identities-service';
import { cancelImportJob, importJobStatus, startImportJob } from './import-jobs';
import { defaultRecentFile, readRecentCases, rememberCase } from './recent-cases';
import { SqlError, runAnalystSql } from './sql-console';

/**
 * The API's implementations, in plain Node: Electron's IPC handlers and web mode both call
 * `handleApiCall`, which validates the request against the shared contract and turns every
 * failure into a typed error instead of a thrown exception.
 */

export const APP_VERSION = '0.1.0';

/** Native dialogs, present in Electron only (web mode names paths in the page instead). */
export interface NativeDialogs {
  openCase(): Promise<string | null>;
  newCase(): Promise<string | null>;
  pickEvidence(folders: boolean): Promise<string[]>;
}

export interface ServiceContext {
  /** The Electron version when running inside Electron. */
  electronVersion?: string | null;
  /**
   * Case files the user named (command line, dialogs, the open/create fields of the page); when
   * set, no other case is opened. case.open and case.create add to it.
   */
  allowedCases?: Set<string>;
  /** The open cases of this app (one database per case); a shared default when absent. */
  pool?: CasePool;
  /** Cases the user tried to open that need an upgrade first: `case.upgrade` may migrate them. */
  pendingUpgrades?: Set<string>;
  /** Where recent cases are remembered. */
  recentFile?: string;
  dialogs?: NativeDialogs;
  /** Web mode: files offered for download by id (the browser cannot read the server's paths). */
  downloads?: Map<string, string>;
  /** How to print HTML to PDF (Electron's printToPDF in the desktop app; headless Chromium otherwise). */
  pdf?: (html: string) => Promise<Buffer>;
}

const defaultPool = new CasePool();
const poolOf = (context: ServiceContext) => context.pool ?? defaultPool;

type Handlers = { [M in ApiMethod]: (request: ApiRequest<M>, context: ServiceContext) => Promise<ApiResponses[M]> };

class Forbidden extends Error {}
class Unsupported extends Error {}
class BadRequest extends Error {}
class FolderMissing extends Error {}

/** Web mode: a file the user asked for, fetched by the browser at `/download/<id>` (only files offered so). */
function offerDownload(downloads: Map<string, string>, path: string): string {
  const id = randomBytes(12).toString('hex');
  downloads.set(id, path);
  return id;
}

/** The absolute path of a case the user opened, or Forbidden. */
function allowed(path: string, context: ServiceContext): string {
  const absolute = resolve(path);
  if (context.allowedCases && !context.allowedCases.has(absolute)) throw new Forbidden(`${absolute} was not opened by the user`);
  return absolute;
}

function withReadOnlyCase<T>(path: string, context: ServiceContext, fn: (store: CaseStore) => Promise<T>): Promise<T> {
  return poolOf(context).read(allowed(path, context), fn);
}

/** The user named this case in the page or a dialog: it may be opened from now on. */
function grant(path: string, context: ServiceContext): string {
  const absolute = resolve(path);
  context.allowedCases?.add(absolute);
  rememberCase(context.recentFile ?? defaultRecentFile(), absolute);
  return absolute;
}

function dialogs(context: ServiceContext): NativeDialogs {
  if (!context.dialogs) throw new Unsupported('native dialogs exist in the desktop app only: type a path or pick files in the page');
  return context.dialogs;
}

const HANDLERS: Handlers = {
  'app.version': async (_request, context) => ({ version: APP_VERSION, electron: context.electronVersion ?? null, node: process.versions.node }),
  'case.info': (request, context) => withReadOnlyCase(request.casePath, context, (store) => caseInfo(store)),
  'case.open': async (request, context) => {
    const absolute = resolve(request.casePath);
    if (!existsSync(absolute)) throw new CaseError('case_not_found', `no case file at ${absolute}`);
    // Refuse a file that is not a case before the user may name it again.
    const info = await poolOf(context)
      .read(absolute, (store) => caseInfo(store))
      .catch((err: unknown) => {
        if (err instanceof CaseError && err.code === 'case_needs_upgrade') (context.pendingUpgrades ??= new Set()).add(absolute);
        throw err;
      });
    grant(absolute, context);
    return info;
  },
  'case.create': async (request, context) => {
    const absolute = resolve(request.casePath);
    if (existsSync(absolute)) throw new CaseError('case_exists', `${absolute} already exists: open it instead`);
    const info = await poolOf(context).write(absolute, (store) => caseInfo(store), { create: true });
    grant(absolute, context);
    return info;
  },
  'case.integrity': (request, context) => withReadOnlyCase(request.casePath, context, (store) => caseIntegrity(store)),
  'case.upgrade': async (request, context) => {
    const absolute = resolve(request.casePath);
    if (!existsSync(absolute)) throw new CaseError('case_not_found', `no case file at ${absolute}`);
    // The user named it to open it and was told it needs an upgrade: the same permission as opening.
    if (context.allowedCases && !context.allowedCases.has(absolute) && !context.pendingUpgrades?.has(absolute)) throw new Forbidden(`${absolute} was not opened by the user`);
    const result = await poolOf(context).exclusively(absolute, () => upgradeCase(absolute));
    const info = await poolOf(context).read(absolute, (store) => caseInfo(store));
    grant(absolute, context);
    return { from: result.from, to: result.to, backup: result.backup, backupSha256: result.backupSha256, info };
  },
  'cases.recent': async (_request, context) => readRecentCases(context.recentFile ?? defaultRecentFile()),
  'evidence.list': (request, context) => withReadOnlyCase(request.casePath, context, (store) => evidenceList(store)),
  'quarantine.list': (request, context) => withReadOnlyCase(request.casePath, context, (store) => quarantineList(store, request.limit ?? 500)),
  'import.start': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    if (!existsSync(absolute)) throw new CaseError('case_not_found', `no case file at ${absolute}: create it first`);
    return startImportJob(poolOf(context), absolute, request.inputs.map((i) => resolve(i)));
  },
  'import.status': async (request) => importJobStatus(request.jobId),
  'import.cancel': async (request) => cancelImportJob(request.jobId),
  'dialog.openCase': async (_request, context) => {
    const picked = await dialogs(context).openCase();
    if (picked) grant(picked, context);
    return picked;
  },
  'dialog.newCase': async (_request, context) => dialogs(context).newCase(),
  'dialog.pickEvidence': async (request, context) => dialogs(context).pickEvidence(request.folders === true),
  'findings.list': (request, context) => withReadOnlyCase(request.casePath, context, (store) => listFindings(store)),
  'incidents.list': (request, context) => withReadOnlyCase(request.casePath, context, (store) => listIncidents(store)),
  'detect.rules': async () => ruleCatalog(),
  'detect.run': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    const report = await poolOf(context).write(absolute, (store) => detectWithRuleSets(store, request.sigmaDir === undefined ? {} : { sigmaDir: request.sigmaDir }));
    return { rules: report.rules, findings: report.findings, incidents: report.incidents, elapsedMs: report.elapsedMs, sigmaDir: report.sigmaDir, sigmaProblem: report.sigmaProblem };
  },
  'journal.add': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    const { action, targetKind, targetId, text, tag, status } = request;
    if (action === 'note' && !text?.trim()) throw new BadRequest('a note needs text');
    if ((action === 'tag' || action === 'untag') && !tag) throw new BadRequest(`${action} needs a tag`);
    if (action === 'finding_status' && (targetKind !== 'finding' || !status)) throw new BadRequest('a finding status needs a finding and a status');
    if ((action === 'rule_muted' || action === 'rule_unmuted') !== (targetKind === 'rule')) throw new BadRequest('rules are muted and unmuted, and only rules');
    if (action === 'rule_muted' && !text?.trim()) throw new BadRequest('say why the rule is muted: the report shows it');
    const body = action === 'finding_status' ? { status, ...(text ? { note: text } : {}) } : action === 'tag' || action === 'untag' ? { tag } : text ? { text } : {};
    const entry = await poolOf(context).write(absolute, (store) => appendJournal(store, { action, targetKind, targetId, body }));
    return { seq: entry.seq, createdAt: entry.createdAt, author: entry.author, action: entry.action, targetKind: entry.targetKind, targetId: entry.targetId, body: entry.body, hash: entry.hash };
  },
  'journal.list': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => {
      const where = request.targetId !== undefined ? 'WHERE target_kind = $kind AND target_id = $id' : request.targetKind ? 'WHERE target_kind = $kind' : '';
      const params: Record<string, string> = {};
      if (request.targetKind) params.kind = request.targetKind;
      if (request.targetId !== undefined) params.id = request.targetId;
      if (request.targetId !== undefined && !request.targetKind) throw new BadRequest('targetId needs targetKind');
      return (await readJournal(store, where, params)).map(({ prevHash: _prev, ...e }) => e);
    }),
  'report.save': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    // A bare name lands beside the case, not in whatever folder the server was started from.
    const out = isAbsolute(request.out) ? request.out : resolve(dirname(absolute), request.out);
    if (!existsSync(dirname(out))) throw new FolderMissing(`the folder ${dirname(out)} does not exist: create it, or name a file in an existing folder`);
    const saved = await poolOf(context).write(absolute, (store) =>
      saveReport(store, out, { force: request.force === true, ...(request.zone ? { zone: request.zone } : {}), ...(context.pdf ? { pdf: context.pdf } : {}) }),
    );
    return { ...saved, ...(context.downloads ? { download: offerDownload(context.downloads, saved.path) } : {}) };
  },
  'events.export': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    return poolOf(context).write(absolute, (store) => exportEvents(store, { filter: request.filter, format: request.format, out: resolve(request.out), force: request.force === true, rawCells: request.rawCells === true }));
  },
  'graph.query': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => graphWire(await graphQuery(store, request.filter, { ...(request.maxNodes ? { maxNodes: request.maxNodes } : {}), ...(request.minEvents ? { minEvents: request.minEvents } : {}), ...(request.layers ? { layers: request.layers } : {}) }))),
  'graph.path': (request, context) => withReadOnlyCase(request.casePath, context, (store) => graphPath(store, request.from, request.to)),
  'graph.touchers': (request, context) => withReadOnlyCase(request.casePath, context, (store) => resourceTouchers(store, request.resource, request.filter ?? {})),
  'timeline.histogram': (request, context) => withReadOnlyCase(request.casePath, context, (store) => timelineHistogram(store, request.filter, request.buckets, request.stackBy)),
  'views.save': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    return poolOf(context).write(absolute, (store) =>
      store.transaction(async () => {
        const entry = await appendJournal(store, { action: 'view_saved', targetKind: 'view', targetId: request.name, body: { state: request.state } }, { inTransaction: true });
        await store.run(`DELETE FROM saved_views WHERE name = $name`, { name: request.name });
        await store.run(`INSERT INTO saved_views VALUES ($name, $state::JSON, now()::TIMESTAMP, $seq)`, { name: request.name, state: JSON.stringify(request.state), seq: entry.seq });
        return { name: request.name, state: request.state, updatedAt: entry.createdAt, journalSeq: entry.seq };
      }),
    );
  },
  'views.list': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) =>
      (await store.read<{ name: string; state: string; updated_at: string; journal_seq: number }>(`SELECT name, state::VARCHAR AS state, updated_at, journal_seq FROM saved_views ORDER BY name`)).map((r) => ({
        name: r.name,
        state: JSON.parse(r.state) as { hash: string; replayAt: number | null },
        updatedAt: r.updated_at,
        journalSeq: r.journal_seq,
      })),
    ),
  'identities.page': (request, context) =>
    withReadOnlyCase(request.casePath, context, (store) => identityPage(store, { nhi: request.nhi, type: request.type, text: request.text, sort: request.sort, offset: request.offset, limit: request.limit })),
  'sql.query': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    if (poolOf(context).isWriting(absolute)) throw new CaseError('case_busy', 'an import is writing this case; the read-only SQL console opens it when the import has finished');
    return runAnalystSql(absolute, request.sql, request.limit);
  },
  'events.query': (request, context) => withReadOnlyCase(request.casePath, context, (store) => queryEvents(store, request)),
  'identity.access': (request, context) => withReadOnlyCase(request.casePath, context, (store) => identityAccess(store, request.identity)),
  'identity.profile': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => {
      const profile = await identityProfile(store, request.uid, { ...(request.sessions ? { sessions: request.sessions } : {}), ...(request.credentials ? { credentials: request.credentials } : {}) });
      if (!profile) throw new CaseError('case_not_found', `no identity ${request.uid} in this case`);
      return profile;
    }),
  'events.count': (request, context) => withReadOnlyCase(request.casePath, context, (store) => countEvents(store, request.filter)),
  'events.values': (request, context) => withReadOnlyCase(request.casePath, context, (store) => eventValues(store, request.filter, request.field, request.limit)),
  'identity.override': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    return poolOf(context).write(absolute, async (store) => {
      const [known] = await store.read(`SELECT 1 FROM identities WHERE uid = $uid`, { uid: request.uid });
      if (!known) throw new CaseError('case_not_found', `no identity ${request.uid} in this case`);
      // Recorded (and journaled), then applied by rebuilding the identity tables, as the CLI does.
      await overrideIdentity(store, { uid: request.uid, isNhi: request.isNhi, ...(request.type ? { type: request.type } : {}), reason: request.reason, analyst: defaultAuthor() });
      await deriveIdentities(store);
      return (await identityProfile(store, request.uid))!;
    });
  },
  'identity.alias': async (request, context) => {
    const absolute = allowed(request.casePath, context);
    return poolOf(context).write(absolute, async (store) => {
      const [known] = await store.read(`SELECT 1 FROM identities WHERE uid = $uid AND observed`, { uid: request.uid });
      if (!known) throw new CaseError('case_not_found', `no observed account ${request.uid} in this case`);
      if (request.principal === request.uid) throw new BadRequest('an account cannot be its own principal');
      await aliasIdentity(store, { uid: request.uid, principal: request.principal, reason: request.reason, analyst: defaultAuthor() });
      await deriveIdentities(store);
      return (await identityProfile(store, request.uid))!;
    });
  },
  'event.detail': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => {
      const detail = await eventDetail(store, request.eventUid);
      if (!detail) throw new CaseError('case_not_found', `no event ${request.eventUid} in this case`);
      return detail;
    }),
};

function failure(code: ApiError['code'], message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

export async function handleApiCall(method: unknown, request: unknown, context: ServiceContext = {}): Promise<ApiResult<unknown>> {
  if (!isApiMethod(method)) return failure('unknown_method', `no API method ${JSON.stringify(method)}`);
  const parsed = API_REQUESTS[method].safeParse(request ?? {});
  if (!parsed.success) return failure('bad_request', z.prettifyError(parsed.error));
  try {
    const handler = HANDLERS[method] as (r: unknown, c: ServiceContext) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, context) };
  } catch (err) {
    if (err instanceof Forbidden) return failure('forbidden', err.message);
    if (err instanceof Unsupported) return failure('unsupported', err.message);
    if (err instanceof BadRequest) return failure('bad_request', err.message);
    if (err instanceof FolderMissing) return failure('folder_missing', err.message);
    if (err instanceof SqlError) return failure('sql_error', err.message);
    if (err instanceof CaseError) {
      if (err.code === 'case_exists') return failure('file_exists', err.message);
      return failure(err.code === 'case_not_found' || err.code === 'case_busy' || err.code === 'case_needs_upgrade' ? err.code : 'case_error', err.message);
    }
    return failure('internal', err instanceof Error ? err.message : String(err));
  }
}
