/** The slice of BrowserWindow the report printer uses, so tests can stand in for it. */
export interface PrintWindow {
  loadURL(url: string): Promise<void>;
  webContents: { printToPDF(options: { pageSize: 'A4'; printBackground: boolean }): Promise<Buffer | Uint8Array> };
  destroy(): void;
}

export type PrintWindowFactory = (options: { show: false; webPreferences: { sandbox: true; contextIsolation: true; javascript: false; nodeIntegration: false } }) => PrintWindow;

/**
 * Reports print in a hidden window with scripts off (the report has none and needs none), from a
 * data: URL so nothing is written to disk or fetched; the window is destroyed whatever happens.
 */
export function electronPdfPrinter(createWindow: PrintWindowFactory): (html: string) => Promise<Buffer> {
  return async (html) => {
    const hidden = createWindow({ show: false, webPreferences: { sandbox: true, contextIsolation: true, javascript: false, nodeIntegration: false } });
    try {
      await hidden.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
      return Buffer.from(await hidden.webContents.printToPDF({ pageSize: 'A4', printBackground: true }));
    } finally {
      hidden.destroy();
    }
  };
}
