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

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
