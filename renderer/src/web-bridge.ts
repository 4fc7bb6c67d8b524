import type { ApiMethod, ApiRequest, ApiResponses, ApiResult, NhiBridge } from '../../shared/api';

/**
 * In a browser (web mode) there is no preload: this bridge sends the same API calls over HTTP to
 * the local server, with the session token in a header. The token comes in the page URL once;
 * it is kept in sessionStorage and taken out of the address bar.
 */
export function installWebBridge(): void {
  if (window.nhi) return;
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token') ?? window.sessionStorage.getItem('nhi-token');
  if (!token) return;
  window.sessionStorage.setItem('nhi-token', token);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
  }
  const bridge: NhiBridge = {
    async call<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResult<ApiResponses[M]>> {
      try {
        const response = await fetch(`/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-NHI-Token': token },
          body: JSON.stringify(request),
        });
        return (await response.json()) as ApiResult<ApiResponses[M]>;
      } catch (err) {
        return { ok: false, error: { code: 'internal', message: `the local server did not answer: ${(err as Error).message}` } };
      }
    },
  };
  window.nhi = bridge;
}
