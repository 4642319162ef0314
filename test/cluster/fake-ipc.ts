import { EventEmitter } from 'node:events';
import type { IpcPort } from '../../src/cluster/ipc';

/**
 * Two connected in-memory IPC ends. Delivery is asynchronous (a microtask later), as on a real
 * channel, and goes through JSON like the cluster channel, so what arrives is plain data.
 */
export function ipcPair(): { a: IpcPort & { sent: unknown[] }; b: IpcPort & { sent: unknown[] } } {
  const ea = new EventEmitter();
  const eb = new EventEmitter();
  const end = (self: EventEmitter, peer: EventEmitter): IpcPort & { sent: unknown[] } => {
    const sent: unknown[] = [];
    return {
      sent,
      send: (msg) => {
        const copy: unknown = JSON.parse(JSON.stringify(msg));
        sent.push(copy);
        queueMicrotask(() => peer.emit('message', copy));
      },
      on: (event, listener) => self.on(event, listener),
      off: (event, listener) => self.off(event, listener),
    };
  };
  return { a: end(ea, eb), b: end(eb, ea) };
}

/** Lets queued IPC deliveries (microtasks) and their follow-ups run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
