import net from 'node:net';

/** What a raw test server saw of one request: its head, and the socket to answer on. */
export interface RawRequest {
  readonly head: string;
  /** Bytes after the head that arrived with it (start of a body). */
  readonly rest: Buffer;
  readonly socket: net.Socket;
}

/**
 * A TCP server on 127.0.0.1 that answers with bytes chosen by the test: for responses no real
 * server would send (malformed, truncated, split at odd places). `onRequest` runs for each request
 * head received on a connection (keep-alive: several per connection).
 */
export async function startRawServer(
  onRequest: (req: RawRequest) => void,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buf.subarray(0, end + 4).toString('latin1');
        const rest = buf.subarray(end + 4);
        buf = Buffer.alloc(0);
        onRequest({ head, rest, socket });
        // Bodies are consumed by the handler (it reads `rest` and later data itself when it cares).
        if (/\r\ncontent-length: *[1-9]/i.test(head)) return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes `data` one piece at a time with a pause between, so the client sees odd splits. */
export async function writeInPieces(
  socket: net.Socket,
  data: Buffer | string,
  size: number,
): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let i = 0; i < buf.length; i += size) {
    socket.write(buf.subarray(i, i + size));
    await new Promise((r) => setImmediate(r));
  }
}
