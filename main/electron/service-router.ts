import type { ApiResult } from '../../shared/api';
import { type ServiceContext, handleApiCall } from '../api/services';
import type { ServiceClient } from '../service-host/client';

/** Methods that need the main process itself: native dialogs belong to its windows. */
export const MAIN_PROCESS_METHODS: ReadonlySet<string> = new Set(['dialog.openCase', 'dialog.newCase', 'dialog.pickEvidence']);

/**
 * Where each API call is answered: the dialogs here, everything else (DuckDB, imports,
 * detections, reports) in the service host. A case the user picks in the open dialog is granted
 * to the host too, as typing its path in the page would.
 */
export function serviceRouter(client: Pick<ServiceClient, 'call' | 'grant'>, mainContext: ServiceContext) {
  return async (method: string, request: unknown): Promise<ApiResult<unknown>> => {
    if (!MAIN_PROCESS_METHODS.has(method)) return client.call(method, request);
    const result = await handleApiCall(method, request, mainContext);
    if (method === 'dialog.openCase' && result.ok && typeof result.value === 'string') client.grant(result.value);
    return result;
  };
}
