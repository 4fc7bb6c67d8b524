import type { ApiResult } from '../../shared/api';
import type { Channel, FromHost, HostInit, ToHost } from './protocol';

/**
 * The main process's end of the service host: forwards API calls and answers the host's
 * requests for what only the main process can do (printing to PDF through a browser window).
 */
export class ServiceClient {
  private nextId = 0;
  private readonly pending = new Map<number, (result: ApiResult<unknown>) => void>();
  private readonly ready: Promise<void>;
  private closed: (() => void) | null = null;
  /** Why calls cannot be answered any more: the host's process has ended. */
  private stopped: ApiResult<unknown> | null = null;

  constructor(
    private readonly channel: Channel<FromHost, ToHost>,
    init: HostInit,
    printPdf?: (html: string) => Promise<Buffer>,
  ) {
    let markReady!: () => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    channel.onMessage((message) => {
      switch (message.kind) {
        case 'ready':
          markReady();
          return;
        case 'result': {
          const done = this.pending.get(message.id);
          this.pending.delete(message.id);
          done?.(message.result);
          return;
        }
        case 'pdf':
          if (!printPdf) {
            channel.post({ kind: 'pdf-result', id: message.id, ok: false, message: 'printing to PDF is not available here' });
            return;
          }
          printPdf(message.html).then(
            (pdf) => channel.post({ kind: 'pdf-result', id: message.id, ok: true, base64: pdf.toString('base64') }),
            (err: unknown) => channel.post({ kind: 'pdf-result', id: message.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
          );
          return;
        case 'closed':
          this.closed?.();
          return;
      }
    });
    // A host that dies answers nothing: every waiting call gets a clear error instead of hanging,
    // and so does every later one. Imports commit whole batches, so the cases stay consistent.
    channel.onExit?.((code) => {
      this.stopped = {
        ok: false,
        error: { code: 'internal', message: `the case service stopped (exit code ${code ?? 'none'}): restart the app to go on; cases keep every committed batch` },
      };
      for (const done of this.pending.values()) done(this.stopped);
      this.pending.clear();
      markReady();
      this.closed?.();
    });
    channel.post({ kind: 'init', init });
  }

  async call(method: string, request: unknown): Promise<ApiResult<unknown>> {
    await this.ready;
    if (this.stopped) return this.stopped;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.channel.post({ kind: 'call', id, method, request });
    });
  }

  /** The user named a case in the main process (a dialog, a recent-cases menu item). */
  grant(path: string): void {
    this.channel.post({ kind: 'grant', path });
  }

  /** Cancels imports at a batch boundary and closes every case; resolves when the host has. */
  shutdown(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.closed = resolve;
      this.channel.post({ kind: 'shutdown' });
    });
  }
}
