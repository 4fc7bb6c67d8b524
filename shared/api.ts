import { z } from 'zod';
import { type ApiMethod, API_METHODS, channelOf, isApiMethod } from './api-methods';
import type { CaseInfo } from './case-summary';

export { API_METHODS, type ApiMethod, channelOf, isApiMethod };

/**
 * The one contract between the renderer and the main side: every method the UI may call, the
 * schema its request must pass (checked on the main side, never trusted from the renderer) and
 * the type of its answer. Electron IPC and web mode both serve exactly this.
 */

const casePath = z.string().min(1, 'a case path is required').max(4096);

export const API_REQUESTS = {
  'app.version': z.object({}).strict(),
  'case.info': z.object({ casePath }).strict(),
  'identities.list': z.object({ casePath, nhi: z.boolean().optional() }).strict(),
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

/** A SQL console result: the rows as an Arrow IPC stream (base64), decoded in the renderer. */
export interface SqlResult {
  columns: { name: string; type: string }[];
  rowCount: number;
  truncated: boolean;
  arrow: string;
  elapsedMs: number;
}

export interface ApiResponses {
  'app.version': { version: string; electron: string | null; node: string };
  'case.info': CaseInfo;
  'identities.list': IdentitySummary[];
  'sql.query': SqlResult;
}

export type ApiErrorCode = 'bad_request' | 'unknown_method' | 'forbidden' | 'case_not_found' | 'case_error' | 'sql_error' | 'internal';

export interface ApiError {
  code: ApiErrorCode;
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };


/** What the preload script puts on `window.nhi`. */
export interface NhiBridge {
  call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResult<ApiResponses[M]>>;
}
