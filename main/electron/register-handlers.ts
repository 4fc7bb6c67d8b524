import { API_METHODS, type ApiResult, channelOf } from '../../shared/api';
import { type ServiceContext, handleApiCall } from '../api/services';
import { isAppUrl } from './security';

export interface IpcEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void;
}

/**
 * One `ipcMain.handle` per API method. A call from any frame but the app's own is refused, the
 * request is validated against the shared schema, and the answer is always an ApiResult: no
 * exception, stack or internal object crosses to the renderer.
 */
export function registerHandlers(ipcMain: IpcMainLike, appOrigin: string, context: ServiceContext, handle = handleApiCall): void {
  for (const method of API_METHODS) {
    ipcMain.handle(channelOf(method), async (event, request): Promise<ApiResult<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isAppUrl(url, appOrigin)) {
        return { ok: false, error: { code: 'forbidden', message: `calls from ${url || 'an unknown frame'} are refused` } };
      }
      try {
        return await handle(method, request, context);
      } catch (err) {
        return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
      }
    });
  }
}
