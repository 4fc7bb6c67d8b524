import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { API_REQUESTS, type ApiError, type ApiMethod, type ApiRequest, type ApiResponses, type ApiResult, isApiMethod } from '../../shared/api';
import { caseInfo } from '../case-store/case-info';
import { CaseError, CaseStore } from '../case-store/case-store';
import { identityProfile } from '../analytics/profile';
import { eventDetail, queryEvents } from './events-service';
import { SqlError, runAnalystSql } from './sql-console';

/**
 * The API's implementations, in plain Node: Electron's IPC handlers and web mode both call
 * `handleApiCall`, which validates the request against the shared contract and turns every
 * failure into a typed error instead of a thrown exception.
 */

export const APP_VERSION = '0.1.0';

export interface ServiceContext {
  /** The Electron version when running inside Electron. */
  electronVersion?: string | null;
  /** Case files the user named (command line, dialogs); when set, no other path is opened. */
  allowedCases?: Set<string>;
}

type Handlers = { [M in ApiMethod]: (request: ApiRequest<M>, context: ServiceContext) => Promise<ApiResponses[M]> };

class Forbidden extends Error {}

/** The absolute path of a case the user opened, or Forbidden. */
function allowed(path: string, context: ServiceContext): string {
  const absolute = resolve(path);
  if (context.allowedCases && !context.allowedCases.has(absolute)) throw new Forbidden(`${absolute} was not opened by the user`);
  return absolute;
}

async function withReadOnlyCase<T>(path: string, context: ServiceContext, fn: (store: CaseStore) => Promise<T>): Promise<T> {
  const absolute = allowed(path, context);
  if (!existsSync(absolute)) throw new CaseError('case_not_found', `no case file at ${absolute}`);
  const store = await CaseStore.open(absolute, { readOnly: true });
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

const HANDLERS: Handlers = {
  'app.version': async (_request, context) => ({ version: APP_VERSION, electron: context.electronVersion ?? null, node: process.versions.node }),
  'case.info': (request, context) => withReadOnlyCase(request.casePath, context, (store) => caseInfo(store)),
  'identities.list': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => {
      const rows = await store.read<{ uid: string; display: string | null; type: string; is_nhi: boolean | null; confidence: number; reason: string | null; events: number; last_seen: string }>(
        `SELECT uid, display, type, is_nhi, confidence, reasons[1].detail AS reason, events, last_seen FROM identities
         ${request.nhi === undefined ? '' : 'WHERE is_nhi = $nhi'} ORDER BY events DESC, uid`,
        request.nhi === undefined ? {} : { nhi: request.nhi },
      );
      return rows.map((r) => ({ uid: r.uid, display: r.display, type: r.type, isNhi: r.is_nhi, confidence: r.confidence, reason: r.reason, events: r.events, lastSeen: r.last_seen }));
    }),
  'sql.query': async (request, context) => runAnalystSql(allowed(request.casePath, context), request.sql, request.limit),
  'events.query': (request, context) => withReadOnlyCase(request.casePath, context, (store) => queryEvents(store, request)),
  'identity.profile': (request, context) =>
    withReadOnlyCase(request.casePath, context, async (store) => {
      const profile = await identityProfile(store, request.uid);
      if (!profile) throw new CaseError('case_not_found', `no identity ${request.uid} in this case`);
      return profile;
    }),
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
    if (err instanceof SqlError) return failure('sql_error', err.message);
    if (err instanceof CaseError) return failure(err.code === 'case_not_found' ? 'case_not_found' : 'case_error', err.message);
    return failure('internal', err instanceof Error ? err.message : String(err));
  }
}
