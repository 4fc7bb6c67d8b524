import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, dialog, ipcMain, session, utilityProcess } from 'electron';
import { MENU_CHANNEL } from '../../shared/menu-actions';
import { readRecentCases } from '../api/recent-cases';
import { ServiceClient } from '../service-host/client';
import type { FromHost } from '../service-host/protocol';
import { type MenuItemSpec, appMenuTemplate } from './app-menu';
import { type DialogLike, nativeDialogs } from './dialogs';
import { electronPdfPrinter } from './print-pdf';
import { registerHandlers } from './register-handlers';
import { guardWebContents, secureSession } from './security';
import { serviceRouter } from './service-router';
import { windowOptions } from './window-options';

/**
 * The Electron entry: one window, secured, loading the renderer. The case service (DuckDB,
 * imports, detections, reports) runs in a utility process of its own (main/service-host), so
 * nothing it does can stall this process's event loop, which draws the windows and menus; it
 * answers the same typed API as web mode and the CLI. Everything lives in plain-Node modules
 * that tests run without Electron.
 */

const rendererFile = join(__dirname, '../renderer/index.html');
const devServer = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const appOrigin = devServer ?? pathToFileURL(join(__dirname, '../renderer/')).href;

if (!app.requestSingleInstanceLock()) app.quit();

app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appOrigin));

function createWindow(casePath?: string): BrowserWindow {
  const window = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.cjs')));
  window.once('ready-to-show', () => window.show());
  const query = casePath ? { case: casePath } : undefined;
  if (devServer) void window.loadURL(casePath ? `${devServer}?case=${encodeURIComponent(casePath)}` : devServer);
  else void window.loadFile(rendererFile, query ? { query } : {});
  return window;
}

let services: ServiceClient | null = null;

void app.whenReady().then(() => {
  secureSession(session.defaultSession);
  // Case files named on the command line, in dialogs or opened from the page are the ones the window may open.
  const cases = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a.endsWith('.duckdb')).map((a) => resolve(a));
  const allowedCases = new Set(cases);
  const recentFile = join(app.getPath('userData'), 'recent-cases.json');
  // Dialogs are modal to whichever window is in front.
  const modal: DialogLike = {
    showOpenDialog: (options) => {
      const parent = BrowserWindow.getFocusedWindow();
      return parent ? dialog.showOpenDialog(parent, options) : dialog.showOpenDialog(options);
    },
    showSaveDialog: (options) => {
      const parent = BrowserWindow.getFocusedWindow();
      return parent ? dialog.showSaveDialog(parent, options) : dialog.showSaveDialog(options);
    },
  };
  const pdf = electronPdfPrinter((options) => new BrowserWindow(options));
  const electronVersion = process.versions.electron ?? null;
  const host = utilityProcess.fork(join(__dirname, 'service-host.js'), [], { serviceName: 'nhi case service', stdio: 'inherit' });
  const client = new ServiceClient(
    {
      post: (message) => host.postMessage(message),
      onMessage: (listener) => host.on('message', (message: FromHost) => listener(message)),
      onExit: (listener) => host.on('exit', (code: number) => listener(code)),
    },
    { allowedCases: cases, recentFile, electronVersion },
    pdf,
  );
  services = client;
  // What stays here: the dialogs (they belong to the windows) and the list of cases the user named.
  const context = { electronVersion, allowedCases, recentFile, dialogs: nativeDialogs(modal) };
  const route = serviceRouter(client, context);
  const refreshMenu = () => {
    const template = appMenuTemplate(
      (action) => BrowserWindow.getFocusedWindow()?.webContents.send(MENU_CHANNEL, action),
      readRecentCases(recentFile),
      (path) => {
        allowedCases.add(path);
        client.grant(path);
        const target = BrowserWindow.getFocusedWindow() ?? window;
        void target.loadFile(rendererFile, { query: { case: path } });
      },
    );
    Menu.setApplicationMenu(Menu.buildFromTemplate(template as MenuItemSpec[] as Electron.MenuItemConstructorOptions[]));
  };
  // Opening or creating a case changes the recent list: rebuild the menu after those calls.
  registerHandlers(ipcMain, appOrigin, context, async (method, request) => {
    const result = await route(String(method), request);
    if (method === 'case.open' || method === 'case.create' || method === 'dialog.openCase') refreshMenu();
    return result;
  });
  let window = createWindow(cases[0]);
  refreshMenu();
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
});

let quitting = false;
app.on('before-quit', (event) => {
  // Let a running import stop at a batch boundary and the cases close with an empty WAL.
  if (!services || quitting) return;
  quitting = true;
  event.preventDefault();
  void services.shutdown().finally(() => app.exit(0));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
