import type { Channel, FromHost, ToHost } from './protocol';
import { startServiceHost } from './host';

/**
 * The service host's process entry. In the desktop app Electron starts it as a utility process
 * (messages on `process.parentPort`); under plain Node (tests) it is a forked child with an IPC
 * channel. Either way the host is the same.
 */

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;

function channel(): Channel<ToHost, FromHost> {
  if (parentPort) {
    return {
      post: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as ToHost)),
    };
  }
  if (process.send) {
    const send = process.send.bind(process);
    // Forked by a parent that has gone: nothing is left to answer.
    process.on('disconnect', () => process.exit(0));
    return {
      post: (message) => void send(message),
      onMessage: (listener) => process.on('message', (message) => listener(message as ToHost)),
    };
  }
  throw new Error('the service host must be started by the app (a utility process) or forked with an IPC channel');
}

startServiceHost(channel());
