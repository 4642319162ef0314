import * as net from 'node:net';

/** Bytes per read from a client socket (Node's own reads are 64 KiB too). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * The one buffer every client socket of the process reads into. net reads into it, calls the
 * socket's callback, and only then reads again (any socket: they all run on this thread), so a
 * reader that copies whatever it keeps past its callback can share it with every other socket.
 * Idle connections then hold no read memory at all.
 */
const sharedReadBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

/**
 * Receives one read: `buf[0, nread)` is valid during the call only. Returns false to pause the
 * socket (net's `onread` contract).
 */
export type BorrowedReader = (nread: number, buf: Buffer) => boolean;

/** The part of net's stream handle this module relies on. */
interface StreamHandle {
  readStart(): number;
  readStop(): number;
}

type SocketWithHandle = net.Socket & { _handle: StreamHandle | null };

function handleOf(socket: net.Socket): StreamHandle | null {
  const h = (socket as SocketWithHandle)._handle;
  return h !== null &&
    typeof h === 'object' &&
    typeof h.readStart === 'function' &&
    typeof h.readStop === 'function'
    ? h
    : null;
}

/**
 * Moves an accepted socket's handle into a socket that reads through net's `onread` into the
 * shared buffer: no ArrayBuffer per read and no Readable queue on the way in. net.Server has no
 * option for this (only net.connect takes `onread`), so the handle is taken from the socket the
 * server made, which must have been accepted paused (`pauseOnConnect`, nothing read yet); that
 * socket is then destroyed without its handle. Returns null, and leaves the socket as it was,
 * when it does not have the expected shape (a runtime whose net differs): the caller reads it
 * the ordinary way.
 *
 * The server no longer counts the connection (its `maxConnections` and close-when-drained see
 * only the sockets it still owns), so the caller enforces its own connection limit.
 */
export function adoptWithSharedReads(
  accepted: net.Socket,
  reader: BorrowedReader,
): net.Socket | null {
  const handle = handleOf(accepted);
  if (handle === null) return null;
  (accepted as SocketWithHandle)._handle = null;
  accepted.destroy();
  // `handle` and `onread` are net.Socket constructor options (the latter untyped there).
  const options = {
    handle,
    allowHalfOpen: accepted.allowHalfOpen, // the server's setting, as net gave it
    readable: true,
    writable: true,
    onread: { buffer: sharedReadBuffer, callback: reader },
  } as net.SocketConstructorOpts;
  return new net.Socket(options);
}
