import type { NativeDialogs } from '../api/services';

/** The slice of Electron's `dialog` the app uses, so tests can stand in for it. */
export interface DialogLike {
  showOpenDialog(options: {
    title: string;
    properties: ('openFile' | 'openDirectory' | 'multiSelections')[];
    filters?: { name: string; extensions: string[] }[];
  }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(options: { title: string; defaultPath?: string; filters?: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePath?: string }>;
}

const CASE_FILTER = [{ name: 'NHI case', extensions: ['duckdb'] }];
const EVIDENCE_FILTER = [
  { name: 'Log bundles and files', extensions: ['zip', 'tar', 'tgz', 'gz', 'json', 'jsonl', 'ndjson', 'log', 'csv', 'tsv', 'parquet', 'txt'] },
  { name: 'All files', extensions: ['*'] },
];

/** Native open/save dialogs for the API: the paths they answer are ones the user named. */
export function nativeDialogs(dialog: DialogLike): NativeDialogs {
  return {
    async openCase() {
      const r = await dialog.showOpenDialog({ title: 'Open case', properties: ['openFile'], filters: CASE_FILTER });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async newCase() {
      const r = await dialog.showSaveDialog({ title: 'New case', defaultPath: 'case.duckdb', filters: CASE_FILTER });
      if (r.canceled || !r.filePath) return null;
      return r.filePath.endsWith('.duckdb') ? r.filePath : `${r.filePath}.duckdb`;
    },
    async pickEvidence(folders) {
      const r = await dialog.showOpenDialog({
        title: folders ? 'Import evidence folders' : 'Import evidence files',
        properties: [folders ? 'openDirectory' : 'openFile', 'multiSelections'],
        ...(folders ? {} : { filters: EVIDENCE_FILTER }),
      });
      return r.canceled ? [] : r.filePaths;
    },
  };
}
