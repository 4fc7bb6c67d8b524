import { settleImportJobs } from '../api/import-jobs';
import { CasePool } from '../api/case-pool';
import { type ServiceContext, handleApiCall } from '../api/services';
import type { Channel, FromHost, ToHost } from './protocol';

/**
 * The service host: the same typed API as web mode and the in-process calls (handleApiCall),
 * answered in a process of its own so that DuckDB work, import parsing and detections never
 * run in the process that draws the windows. Calls are answered concurrently, as before; the
 * case pool serialises writes to each case.
 */
export function startServiceHost(channel: Channel<ToHost, FromHost>): void {
  let context: ServiceContext | null = null;
  const pool = new CasePool();
  const printing = new Map<number, { resolve: (pdf: Buffer) => void; reject: (err: Error) => void }>();
  let nextPrint = 0;
  const pdf = (html: string) =>
    new Promise<Buffer>((resolve, reject) => {
      const id = nextPrint++;
      printing.set(id, { resolve, reject });
      channel.post({ kind: 'pdf', id, html });
    });

  channel.onMessage((message) => {
    switch (message.kind) {
      case 'init':
        context = {
          electronVersion: message.init.electronVersion,
          allowedCases: new Set(message.init.allowedCases),
          pool,
          recentFile: message.init.recentFile,
          pdf,
        };
        channel.post({ kind: 'ready' });
        return;
      case 'grant':
        context?.allowedCases?.add(message.path);
        return;
      case 'call': {
        const { id, method, request } = message;
        if (!context) {
          channel.post({ kind: 'result', id, result: { ok: false, error: { code: 'internal', message: 'the service host has not been started' } } });
          return;
        }
        void handleApiCall(method, request, context).then((result) => channel.post({ kind: 'result', id, result }));
        return;
      }
      case 'pdf-result': {
        const waiting = printing.get(message.id);
        printing.delete(message.id);
        if (message.ok) waiting?.resolve(Buffer.from(message.base64, 'base64'));
        else waiting?.reject(new Error(message.message));
        return;
      }
      case 'shutdown':
        void settleImportJobs({ cancel: true })
          .then(() => pool.closeAll())
          .finally(() => channel.post({ kind: 'closed' }));
        return;
    }
  });
}
