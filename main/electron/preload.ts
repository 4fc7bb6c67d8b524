import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { NhiBridge } from '../../shared/api';
import { channelOf, isApiMethod } from '../../shared/api-methods';
import { MENU_CHANNEL, isMenuAction } from '../../shared/menu-actions';

/**
 * The only thing the renderer gets: `window.nhi.call(method, request)`, limited to the API's
 * methods. No ipcRenderer, no Node.
 */
const bridge: NhiBridge = {
  call: (method, request) => {
    if (!isApiMethod(method)) return Promise.resolve({ ok: false, error: { code: 'unknown_method', message: `no API method ${String(method)}` } });
    return ipcRenderer.invoke(channelOf(method), request);
  },
  // A dropped file's real path, so the app imports the original in place instead of a copy.
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenu: (listener) => {
    ipcRenderer.on(MENU_CHANNEL, (_event, action: unknown) => {
      if (isMenuAction(action)) listener(action);
    });
  },
};

contextBridge.exposeInMainWorld('nhi', bridge);
