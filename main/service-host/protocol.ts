import type { ApiResult } from '../../shared/api';

/**
 * The messages between the app's main process and the service host (the process that owns
 * DuckDB, imports and detections). Plain data only: they cross a process boundary.
 */

export interface HostInit {
  /** Cases the user named on the command line: the only ones open to calls until more are named. */
  allowedCases: string[];
  recentFile: string;
  electronVersion: string | null;
}

export type ToHost =
  | { kind: 'init'; init: HostInit }
  | { kind: 'call'; id: number; method: string; request: unknown }
  /** The user named this case in a dialog or a menu of the main process. */
  | { kind: 'grant'; path: string }
  | { kind: 'pdf-result'; id: number; ok: true; base64: string }
  | { kind: 'pdf-result'; id: number; ok: false; message: string }
  /** The app is quitting: cancel imports at a batch boundary, close every case. */
  | { kind: 'shutdown' };

export type FromHost =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; result: ApiResult<unknown> }
  /** Printing to PDF needs a browser window, which only the main process has. */
  | { kind: 'pdf'; id: number; html: string }
  | { kind: 'closed' };

/** One end of the link: Electron's utility process port, Node's IPC channel, or a test's pair. */
export interface Channel<In, Out> {
  post(message: Out): void;
  onMessage(listener: (message: In) => void): void;
  /** The other end's process ended (the host crashed or was killed); not needed inside the host. */
  onExit?(listener: (code: number | null) => void): void;
}
