import { type ChildProcess, fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { channelOf } from '../../shared/api';
import { tempDir } from '../../test/helpers/builders';

/**
 * The Electron entry (main.ts) loaded against a stand-in `electron` module: the one Electron
 * cannot be downloaded here. Its utility process is the real service host, forked under Node.
 */

type Listener = (...args: unknown[]) => unknown;
const appListeners = new Map<string, Listener[]>();
const handlers = new Map<string, Listener>();
const forks: { path: string; options: unknown; child: ChildProcess }[] = [];
let exited: number | null = null;

vi.mock('electron', () => {
  class BrowserWindow {
    static windows: BrowserWindow[] = [];
    static getFocusedWindow = () => BrowserWindow.windows[0] ?? null;
    static getAllWindows = () => BrowserWindow.windows;
    webContents = { send: () => undefined };
    constructor(readonly options: unknown) {
      BrowserWindow.windows.push(this);
    }
    once() {}
    show() {}
    loadURL = async () => undefined;
    loadFile = async () => undefined;
    isMinimized = () => false;
    restore() {}
    focus() {}
  }
  return {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => true,
      quit: () => undefined,
      exit: (code: number) => (exited = code),
      getPath: () => tempDir('electron-user-'),
      whenReady: () => Promise.resolve(),
      on: (event: string, fn: Listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), fn]),
    },
    BrowserWindow,
    Menu: { setApplicationMenu: () => undefined, buildFromTemplate: (t: unknown) => t },
    dialog: {},
    ipcMain: { handle: (channel: string, fn: Listener) => handlers.set(channel, fn) },
    session: { defaultSession: { webRequest: { onHeadersReceived: () => undefined }, setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined } },
    utilityProcess: {
      fork: (path: string, _args: string[], options: unknown) => {
        const child = fork(resolve(__dirname, '../service-host/entry.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        forks.push({ path, options, child });
        return { postMessage: (m: unknown) => child.send(m as object), on: (event: string, fn: Listener) => child.on(event, fn) };
      },
    },
  };
});

afterAll(() => {
  for (const f of forks) f.child.kill();
});

const APP_PAGE = pathToFileURL(join(__dirname, '../renderer/index.html')).href;
const invoke = (method: string, request: unknown) => handlers.get(channelOf(method as never))!({ senderFrame: { url: APP_PAGE } }, request) as Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;

describe("the desktop app's main process", () => {
  it('starts the case service in a utility process and sends it every call but the dialogs', async () => {
    await import('./main');
    await vi.waitFor(() => expect(handlers.size).toBeGreaterThan(30));
    expect(forks).toHaveLength(1);
    expect(forks[0]!.path.endsWith('service-host.js')).toBe(true);
    expect(forks[0]!.child.pid).not.toBe(process.pid);

    const casePath = join(tempDir(), 'case.duckdb');
    // Not named by the user yet: the service refuses it.
    expect(await invoke('case.info', { casePath })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await invoke('case.create', { casePath })).toMatchObject({ ok: true });
    expect(await invoke('case.info', { casePath })).toMatchObject({ ok: true });
    // Dialogs stay here; this stand-in has no native dialogs, so the call says so.
    expect(await invoke('dialog.pickEvidence', { folders: false })).toMatchObject({ ok: false });
    // A frame that is not the app's is refused before anything is forwarded.
    const foreign = await handlers.get(channelOf('case.info' as never))!({ senderFrame: { url: 'https://example.com/' } }, { casePath });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  }, 60_000);

  it('lets the service close its cases before the app quits', async () => {
    let prevented = false;
    for (const fn of appListeners.get('before-quit') ?? []) fn({ preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    await vi.waitFor(() => expect(exited).toBe(0), { timeout: 20_000 });
  }, 30_000);
});
