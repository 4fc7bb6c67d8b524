import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, Menu, app, ipcMain, session } from 'electron';
import { registerHandlers } from './register-handlers';
import { guardWebContents, secureSession } from './security';
import { windowOptions } from './window-options';

/**
 * The Electron entry: one window, secured, loading the renderer; everything else lives in
 * plain-Node modules (main/api, main/case-store, main/ingest) that tests run without Electron.
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

void app.whenReady().then(() => {
  secureSession(session.defaultSession);
  // Case files named on the command line are the ones the window may open.
  const cases = process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a.endsWith('.duckdb')).map((a) => resolve(a));
  registerHandlers(ipcMain, appOrigin, { electronVersion: process.versions.electron ?? null, allowedCases: new Set(cases) });
  Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }].filter((m) => m.role !== 'appMenu' || process.platform === 'darwin') as Electron.MenuItemConstructorOptions[]));
  let window = createWindow(cases[0]);
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
