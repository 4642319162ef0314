/**
 * adoptWithSharedReads: accepted sockets re-wrapped to read through net's `onread` into one
 * buffer for all of them, or left alone when net does not look as expected.
 */
import net from 'node:net';
import { once } from 'node:events';
import { adoptWithSharedReads } from '../../src/proxy/shared-reads';

test('reads of two accepted sockets arrive in the same buffer, through the reader only', async () => {
  const seen: Array<{ text: string; buf: Buffer }> = [];
  const originals: net.Socket[] = [];
  const adopted: net.Socket[] = [];
  let dataEvents = 0;
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (accepted) => {
    originals.push(accepted);
    const s = adoptWithSharedReads(accepted, (n, buf) => {
      seen.push({ text: buf.toString('latin1', 0, n), buf });
      return true;
    });
    expect(s).not.toBeNull();
    s!.on('data', () => dataEvents++);
    adopted.push(s!);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const clients = [net.connect(port, '127.0.0.1'), net.connect(port, '127.0.0.1')];
  try {
    await Promise.all(clients.map((c) => once(c, 'connect')));
    clients[0]!.write('first');
    await new Promise((r) => setTimeout(r, 50));
    clients[1]!.write('second');
    const deadline = Date.now() + 5_000;
    while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen.map((s) => s.text).sort()).toEqual(['first', 'second']);
    expect(seen[0]!.buf).toBe(seen[1]!.buf); // one buffer for every socket
    expect(dataEvents).toBe(0);
    expect(originals.every((o) => o.destroyed)).toBe(true);
    expect(adopted.every((s) => s.allowHalfOpen)).toBe(true); // the server's setting carried over
    // The adopted socket writes and sees the peer's FIN like any socket.
    adopted[0]!.write('pong');
    const [reply] = (await once(clients[0]!, 'data')) as [Buffer];
    expect(reply.toString()).toBe('pong');
    clients[1]!.end();
    const ended = adopted.find((s) => s.remotePort === clients[1]!.localPort)!;
    await once(ended, 'end');
  } finally {
    for (const c of clients) c.destroy();
    for (const s of adopted) s.destroy();
    server.close();
  }
});

test('a socket without the expected handle is left as it was', () => {
  const socket = new net.Socket(); // not connected: no handle
  expect(adoptWithSharedReads(socket, () => true)).toBeNull();
  expect(socket.destroyed).toBe(false);
  socket.destroy();
});
