/**
 * The BrowserWindow settings. The renderer shows log content written by whoever produced the
 * evidence, so it gets no Node, no Electron, an isolated world and the OS sandbox; it reaches
 * the main side only through the preload's typed bridge.
 */
export function windowOptions(preloadPath: string) {
  return {
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#0f1115',
    title: 'NHI Forensics',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  } as const;
}
