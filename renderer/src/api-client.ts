import { formatBytes } from '../../shared/format';
import type { ApiMethod, ApiRequest, ApiResponses, ApiResult } from '../../shared/api';

/** One call to the main side; a missing bridge is an error result like any other. */
export function call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResult<ApiResponses[M]>> {
  if (!window.nhi) return Promise.resolve({ ok: false, error: { code: 'internal', message: 'No connection to the app: open it through Electron or the URL `npm run web` prints.' } });
  return window.nhi.call(method, request);
}

/** Arrow IPC (base64) from the main side, decoded once here. */
export function base64Bytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export const number = (n: number) => n.toLocaleString('en-US');

/** Bytes for a table cell: blank when there are none to speak of. */
export function bytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : formatBytes(n);
}
