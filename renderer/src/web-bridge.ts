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
    upload(casePath, file, onProgress) {
      // XMLHttpRequest, not fetch: only it reports upload progress for the progress bar.
      return new Promise((done) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', `/upload?case=${encodeURIComponent(casePath)}&name=${encodeURIComponent(file.name)}`);
        xhr.setRequestHeader('X-NHI-Token', token);
        xhr.upload.onprogress = (e) => onProgress(e.loaded);
        xhr.onload = () => {
          try {
            done(JSON.parse(xhr.responseText) as ApiResult<{ path: string }>);
          } catch {
            done({ ok: false, error: { code: 'internal', message: `the upload of ${file.name} failed (HTTP ${xhr.status})` } });
          }
        };
        xhr.onerror = () => done({ ok: false, error: { code: 'internal', message: `the upload of ${file.name} did not reach the local server` } });
        xhr.send(file);
      });
    },
  };
  window.nhi = bridge;
}
