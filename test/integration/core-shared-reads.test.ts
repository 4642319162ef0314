/**
 * Client sockets read into one buffer shared by every connection of the process
 * (src/proxy/shared-reads.ts): each read overwrites the last. Bytes that outlive their read must
 * have been copied out: a pipelined request waiting for the one before it, a body chunk queued on
 * a backend socket that does not read. Here a second client's read lands in the buffer while the
 * first client's bytes wait, and what finally reaches the backend must be what was sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { pollUntil } from '../support/cleanup';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  RawClient,
  rawExchange,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawServer,
  type RawServerConnection,
} from '../support/raw-http';

jest.setTimeout(60_000);

let backend: RawServer;
let proxy: ProxyProcess;
/** The first backend connection (the held client's) waits for this before it reads or answers. */
let release: () => void = () => undefined;
let held: Promise<void>;
let onHeld: (conn: RawServerConnection) => Promise<void>;

beforeEach(async () => {
  held = new Promise((resolve) => (release = resolve));
  backend = await startRawServer(async (conn) => {
    if (conn.id === 1) {
      await onHeld(conn);
      return;
    }
    // Every other connection: answer each request with its target, after its whole body.
    for (;;) {
      const req = await conn.readRequest({ keepBody: false });
      await conn.write(responseBytes(200, [], req.target.slice(0, 64)));
    }
  });
  proxy = await startProxy({ backends: [backend.address] });
});

afterEach(async () => {
  release();
  await proxy?.stop();
  await backend?.stop();
});

/** Another client's request with a 256 KiB body: its reads fill the shared buffer from 0. */
async function overwriteSharedBuffer(): Promise<void> {
  const body = Buffer.alloc(256 * 1024, 0x42);
  const [res] = await rawExchange(
    proxy.port,
    requestBytes(
      'POST',
      `/other-${'b'.repeat(2000)}`,
      [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
      ],
      body,
    ),
    ['POST'],
  );
  expect(res!.status).toBe(200);
}

test('a pipelined request waiting for the one before it is not overwritten by another read', async () => {
  onHeld = async (conn) => {
    const first = await conn.readRequest();
    expect(first.target).toBe('/hold');
    await held;
    await conn.write(responseBytes(200, [], 'held'));
    for (;;) {
      const req = await conn.readRequest();
      await conn.write(responseBytes(200, [], req.target));
    }
  };
  const a = await RawClient.connect(proxy.port);
  try {
    // One write, so one read: the second request stays in the shared buffer's bytes.
    await a.write(
      Buffer.concat([
        requestBytes('GET', '/hold'),
        requestBytes('GET', '/second-0123456789abcdef'),
      ]),
    );
    await pollUntil('the first request at the backend', () => backend.connections.length > 0);
    await backend.connections[0]!.waitForReceived((t) => t.includes('/hold'));
    await overwriteSharedBuffer();
    release();
    const [r1, r2] = await a.readResponses(['GET', 'GET']);
    expect(r1!.body.toString()).toBe('held');
    expect(r2!.status).toBe(200);
    expect(r2!.body.toString()).toBe('/second-0123456789abcdef');
  } finally {
    a.destroy();
  }
});

test('a body chunk queued on a backend that does not read is not overwritten by another read', async () => {
  const body = randomBytes(48 * 1024 * 1024);
  const sent = createHash('sha256').update(body).digest('hex');
  onHeld = async (conn) => {
    conn.socket.pause(); // nothing is read until released: the proxy's writes back up
    await held;
    conn.socket.resume();
    const req = await conn.readRequest({ keepBody: false });
    await conn.write(responseBytes(200, [], req.bodySha256));
  };
  const a = net.connect(proxy.port, '127.0.0.1');
  a.on('error', () => undefined);
  let response = '';
  a.on('data', (d: Buffer) => (response += d.toString('latin1')));
  try {
    a.write(
      requestBytes('POST', '/upload', [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
      ]),
    );
    a.write(body);
    // Stalled: the proxy has paused this client because the backend socket's queue is full, so
    // its last chunks sit in that queue.
    let last = -1;
    await pollUntil(
      'the upload to stall',
      async () => {
        const now = a.bytesWritten;
        const stalled = now === last && a.writableLength > 0;
        last = now;
        await new Promise((r) => setTimeout(r, 150));
        return stalled;
      },
      30_000,
    );
    await overwriteSharedBuffer();
    release();
    await pollUntil('the upload response', () => /\r\n\r\n[0-9a-f]{64}$/.test(response), 30_000);
    expect(response.startsWith('HTTP/1.1 200 ')).toBe(true);
    expect(response.slice(-64)).toBe(sent);
  } finally {
    a.destroy();
  }
});
