import { contextBridge, ipcRenderer } from 'electron';
import type { NhiBridge } from '../../shared/api';
import { channelOf, isApiMethod } from '../../shared/api-methods';

/**
 * The only thing the renderer gets: `window.nhi.call(method, request)`, limited to the API's
 * methods. No ipcRenderer, no Node.
 */
const bridge: NhiBridge = {
  call: (method, request) => {
    if (!isApiMethod(method)) return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `no API method ${String(method)}` } });
    return ipcRenderer.invoke(channelOf(method), request);
  },
};

contextBridge.exposeInMainWorld('nhi', bridge);
