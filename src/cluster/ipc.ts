/**
 * One end of the IPC channel between a --workers primary and a worker: `process` in a worker, a
 * cluster Worker in the primary. The cluster modules talk through this so their logic is tested
 * over an in-memory pair (test/cluster) without forking.
 */
export interface IpcPort {
  /** Fire and forget: a message to a process that is gone is dropped, never thrown. */
  send(msg: unknown): void;
  on(event: 'message', listener: (msg: unknown) => void): unknown;
  off(event: 'message', listener: (msg: unknown) => void): unknown;
}

/** The worker's end: its own process. Null when the process has no IPC channel. */
export function processPort(): IpcPort | null {
  const send = process.send?.bind(process);
  if (send === undefined) return null;
  return {
    // The callback turns a closed channel (the primary is gone) into a no-op instead of an
    // 'error' event; the worker exits on 'disconnect' anyway.
    send: (msg) => void send(msg, undefined, {}, () => undefined),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  };
}
