import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS, type ApiResult, channelOf } from '../../shared/api';
import { tempDir } from '../../test/helpers/builders';
import { CaseStore } from '../case-store/case-store';
import { SCHEMA_VERSION } from '../case-store/migrations';
import { type IpcEventLike, type IpcMainLike, registerHandlers } from './register-handlers';
import { CONTENT_SECURITY_POLICY, type PreventableEvent, type SessionLike, type WebContentsLike, guardWebContents, secureSession } from './security';
import { windowOptions } from './window-options';

const APP = 'file:///opt/nhi/out/renderer/';

/** A stand-in for Electron's ipcMain that records handlers and lets the test invoke them. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  invoke(channel: string, request: unknown, from = `${APP}index.html`): Promise<ApiResult<unknown>> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: { url: from } }, request) as Promise<ApiResult<unknown>>;
  }
}

describe('the Electron shell', () => {
  it('opens windows isolated, sandboxed and without Node', () => {
    const prefs = windowOptions('/opt/nhi/out/preload/index.cjs').webPreferences;
    expect(prefs).toMatchObject({
      preload: '/opt/nhi/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('sends a CSP with no remote origin, inline script or eval on every response, and denies every permission', () => {
    let onHeaders: Parameters<SessionLike['webRequest']['onHeadersReceived']>[0] | null = null;
    let requestHandler: Parameters<SessionLike['setPermissionRequestHandler']>[0] | null = null;
    let checkHandler: Parameters<SessionLike['setPermissionCheckHandler']>[0] | null = null;
    secureSession({
      webRequest: { onHeadersReceived: (l) => (onHeaders = l) },
      setPermissionRequestHandler: (h) => (requestHandler = h),
      setPermissionCheckHandler: (h) => (checkHandler = h),
    });
    let headers: Record<string, string[] | string> = {};
    onHeaders!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Type']).toEqual(['text/html']);
    const csp = (headers['Content-Security-Policy'] as string[])[0]!;
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
    const granted: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) requestHandler!({}, permission, (g) => granted.push(g));
    expect(granted).toEqual([false, false, false, false, false]);
    expect(checkHandler!({}, 'media')).toBe(false);
  });

  it('keeps the window on the app: navigation elsewhere, new windows and webviews are refused', () => {
    const listeners = new Map<string, (event: PreventableEvent, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const contents: WebContentsLike = {
      on: (event: string, listener: (event: PreventableEvent, url: string) => void) => void listeners.set(event, listener as never),
      setWindowOpenHandler: (h) => (openHandler = h),
    } as WebContentsLike;
    guardWebContents(contents, APP);
    const attempt = (event: string, url?: string) => {
      let prevented = false;
      listeners.get(event)!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true);
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(attempt('will-redirect', 'http://127.0.0.1:9999/')).toBe(true);
    expect(attempt('will-navigate', `${APP}index.html#/events`)).toBe(false);
    expect(attempt('will-attach-webview')).toBe(true);
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('validates every IPC request, refuses foreign frames and never throws across IPC', async () => {
    const ipc = new FakeIpcMain();
    const casePath = join(tempDir(), 'c.duckdb');
    (await CaseStore.open(casePath, { create: true })).close();
    registerHandlers(ipc, APP, {});
    expect([...ipc.handlers.keys()].sort()).toEqual(API_METHODS.map(channelOf).sort());

    expect(await ipc.invoke(channelOf('app.version'), {})).toMatchObject({ ok: true, value: { version: expect.any(String) } });
    const info = await ipc.invoke(channelOf('case.info'), { casePath });
    expect(info).toMatchObject({ ok: true, value: { events: 0, schemaVersion: SCHEMA_VERSION } });

    const bad = await ipc.invoke(channelOf('case.info'), { casePath: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const extra = await ipc.invoke(channelOf('case.info'), { casePath, sql: 'DROP TABLE events' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const missing = await ipc.invoke(channelOf('case.info'), { casePath: join(tempDir(), 'none.duckdb') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'case_not_found' } });
    const foreign = await ipc.invoke(channelOf('case.info'), { casePath }, 'https://evil.example/');
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('turns a failing service into a typed error, and opens only the cases the user named', async () => {
    const ipc = new FakeIpcMain();
    registerHandlers(ipc, APP, {}, async () => {
      throw new Error('disk on fire');
    });
    expect(await ipc.invoke(channelOf('app.version'), {})).toEqual({ ok: false, error: { code: 'internal', message: 'disk on fire' } });

    const limited = new FakeIpcMain();
    const allowed = join(tempDir(), 'allowed.duckdb');
    const other = join(tempDir(), 'other.duckdb');
    for (const p of [allowed, other]) (await CaseStore.open(p, { create: true })).close();
    registerHandlers(limited, APP, { allowedCases: new Set([allowed]) });
    expect(await limited.invoke(channelOf('case.info'), { casePath: allowed })).toMatchObject({ ok: true });
    expect(await limited.invoke(channelOf('case.info'), { casePath: other })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
