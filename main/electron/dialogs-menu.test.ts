import { describe, expect, it } from 'vitest';
import { MENU_ACTIONS, type MenuAction } from '../../shared/menu-actions';
import { type MenuItemSpec, appMenuTemplate } from './app-menu';
import { type DialogLike, nativeDialogs } from './dialogs';
import { type PrintWindow, electronPdfPrinter } from './print-pdf';

/** A stand-in for Electron's dialog module that answers what the test tells it and records what it was asked. */
function fakeDialog(answers: { open?: string[] | null; save?: string | null }): DialogLike & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    showOpenDialog: async (options) => {
      asked.push(options);
      return answers.open ? { canceled: false, filePaths: answers.open } : { canceled: true, filePaths: [] };
    },
    showSaveDialog: async (options) => {
      asked.push(options);
      return answers.save ? { canceled: false, filePath: answers.save } : { canceled: true };
    },
  };
}

const flatten = (items: MenuItemSpec[]): MenuItemSpec[] => items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);

describe('native dialogs', () => {
  it('answers the picked case, or null when cancelled', async () => {
    expect(await nativeDialogs(fakeDialog({ open: ['/cases/a.duckdb'] })).openCase()).toBe('/cases/a.duckdb');
    expect(await nativeDialogs(fakeDialog({ open: null })).openCase()).toBeNull();
  });

  it('names a new case file .duckdb even when the user typed no extension', async () => {
    expect(await nativeDialogs(fakeDialog({ save: '/cases/incident' })).newCase()).toBe('/cases/incident.duckdb');
    expect(await nativeDialogs(fakeDialog({ save: '/cases/b.duckdb' })).newCase()).toBe('/cases/b.duckdb');
    expect(await nativeDialogs(fakeDialog({ save: null })).newCase()).toBeNull();
  });

  it('picks several evidence files, or folders, and nothing when cancelled', async () => {
    const dialog = fakeDialog({ open: ['/e/a.zip', '/e/b.json.gz'] });
    expect(await nativeDialogs(dialog).pickEvidence(false)).toEqual(['/e/a.zip', '/e/b.json.gz']);
    expect(dialog.asked[0]).toMatchObject({ properties: ['openFile', 'multiSelections'] });
    const folders = fakeDialog({ open: ['/e'] });
    await nativeDialogs(folders).pickEvidence(true);
    expect(folders.asked[0]).toMatchObject({ properties: ['openDirectory', 'multiSelections'] });
    expect(await nativeDialogs(fakeDialog({ open: null })).pickEvidence(false)).toEqual([]);
  });
});

describe('the app menu', () => {
  it('has the usual shortcuts, each sending its action to the renderer', () => {
    const sent: MenuAction[] = [];
    const items = flatten(appMenuTemplate((a) => sent.push(a), [], () => undefined, 'linux'));
    const byAccelerator = new Map(items.filter((i) => i.accelerator).map((i) => [i.accelerator!, i]));
    for (const key of ['CmdOrCtrl+N', 'CmdOrCtrl+O', 'CmdOrCtrl+I', 'CmdOrCtrl+F', 'CmdOrCtrl+1', 'CmdOrCtrl+2']) expect(byAccelerator.has(key), key).toBe(true);
    for (const item of items) item.click?.();
    expect(new Set(sent)).toEqual(new Set(MENU_ACTIONS));
    expect(items.some((i) => i.role === 'quit')).toBe(true);
    expect(items.some((i) => i.role === 'editMenu')).toBe(true);
  });

  it('lists recent cases, greys out missing ones, and reopens the one clicked', () => {
    const opened: string[] = [];
    const items = flatten(
      appMenuTemplate(() => undefined, [{ path: '/c/a.duckdb', openedAt: '2026-11-24T10:00:00Z', exists: true }, { path: '/c/gone.duckdb', openedAt: '2026-11-20T10:00:00Z', exists: false }], (p) => opened.push(p), 'linux'),
    );
    const recent = items.find((i) => i.label === 'Open Recent')!.submenu!;
    expect(recent.map((r) => [r.label, r.enabled])).toEqual([['/c/a.duckdb', true], ['/c/gone.duckdb', false]]);
    recent[0]!.click!();
    expect(opened).toEqual(['/c/a.duckdb']);
  });
});

describe('printing the report in the desktop app', () => {
  it('prints from a hidden, script-less, sandboxed window loaded from data:, and always destroys it', async () => {
    const made: { options: unknown; url: string; destroyed: boolean }[] = [];
    const factory = (fail: boolean) => (options: unknown): PrintWindow => {
      const record = { options, url: '', destroyed: false };
      made.push(record);
      return {
        loadURL: async (url) => {
          record.url = url;
        },
        webContents: {
          printToPDF: async () => {
            if (fail) throw new Error('printer on fire');
            return new Uint8Array(Buffer.from('%PDF-1.7 test'));
          },
        },
        destroy: () => {
          record.destroyed = true;
        },
      };
    };
    const pdf = await electronPdfPrinter(factory(false))('<h1>r&d <b>x</b></h1>');
    expect(pdf.toString()).toBe('%PDF-1.7 test');
    expect(made[0]!.options).toEqual({ show: false, webPreferences: { sandbox: true, contextIsolation: true, javascript: false, nodeIntegration: false } });
    expect(made[0]!.url.startsWith('data:text/html;charset=utf-8,')).toBe(true);
    expect(decodeURIComponent(made[0]!.url.slice('data:text/html;charset=utf-8,'.length))).toBe('<h1>r&d <b>x</b></h1>');
    expect(made[0]!.destroyed).toBe(true);
    await expect(electronPdfPrinter(factory(true))('<p>x</p>')).rejects.toThrow('printer on fire');
    expect(made[1]!.destroyed).toBe(true);
  });
});
