/**
 * Bodies stream with backpressure both ways (issue 2 section 4): the proxy never buffers a body
 * whole. A client that stops reading stalls the backend's writes; a backend that stops reading
 * stalls the client's upload. 256 MiB is several times what the kernel's loopback socket buffers
 * can hold on both hops (tcp_rmem max is often 32 MiB), so a proxy that buffered in memory would let the stalled side finish.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { pollUntil } from '../support/cleanup';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { RawClient, requestBytes, startRawServer, type RawServer } from '../support/raw-http';

const TOTAL = 256 * 1024 * 1024;
const BLOCK = randomBytes(1024 * 1024);

let backend: RawServer;
let proxy: ProxyProcess;
/** Progress of the backend's response writes for /download. */
const download = { written: 0, finished: false };

beforeAll(async () => {
  backend = await startRawServer(async (conn) => {
    await conn.waitForReceived((t) => t.includes('\r\n\r\n'));
    if (conn.received().toString('latin1').startsWith('PUT /upload ')) {
      conn.socket.pause(); // never read the body
      return;
    }
    const req = await conn.readRequest({ keepBody: false }).catch(() => null);
    if (req === null) return;
    if (req.target === '/hold') {
      await new Promise<void>((resolve) => conn.socket.once('close', () => resolve()));
      return;
    }
    if (req.target === '/download') {
      await conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${TOTAL}\r\n\r\n`);
      while (download.written < TOTAL && !conn.socket.destroyed) {
        await conn.write(BLOCK);
        download.written += BLOCK.length;
      }
      download.finished = download.written >= TOTAL;
    }
  });
  proxy = await startProxy({ backends: [backend.address] });
});

afterAll(async () => {
  await proxy?.stop('SIGKILL');
  await backend?.stop();
});

/** Polls until `value()` stops changing for 500 ms; returns the settled value. */
async function settled(what: string, value: () => number): Promise<number> {
  let last = -1;
  let since = Date.now();
  await pollUntil(
    what,
    () => {
      const v = value();
      if (v !== last) {
        last = v;
        since = Date.now();
        return false;
      }
      return Date.now() - since >= 500;
    },
    20_000,
    50,
  );
  return last;
}

test('a client that stops reading stalls the backend instead of filling the proxy', async () => {
  const c = await RawClient.connect(proxy.port);
  try {
    c.socket.pause();
    await c.write(requestBytes('GET', '/download', [['Host', 'test']]));
    const written = await settled('the backend to stall', () => download.written);
    expect(download.finished).toBe(false);
    expect(written).toBeLessThan(TOTAL);
  } finally {
    c.destroy();
  }
});

test('a backend that stops reading stalls the client upload instead of filling the proxy', async () => {
  // The backend reads the head of /upload only and then stops reading.
  const c = await RawClient.connect(proxy.port);
  const upload = { sent: 0, done: false };
  try {
    await c.write(
      requestBytes('PUT', '/upload', [
        ['Host', 'test'],
        ['Content-Length', String(TOTAL)],
      ]),
    );
    void (async () => {
      while (upload.sent < TOTAL && !c.socket.destroyed) {
        if (!c.socket.write(BLOCK)) await once(c.socket, 'drain');
        upload.sent += BLOCK.length;
      }
      upload.done = upload.sent >= TOTAL;
    })().catch(() => undefined);
    const sent = await settled('the upload to stall', () => upload.sent);
    expect(upload.done).toBe(false);
    expect(sent).toBeLessThan(TOTAL);
  } finally {
    c.destroy();
  }
});

test('pipelined requests behind a slow response are not read ahead without bound', async () => {
  // The first request is held at the backend; the client keeps pipelining small requests. The
  // proxy reads only a bounded buffer ahead (limits.maxPipelineBytes), so the client stalls.
  const one = 'GET /next HTTP/1.1\r\nHost: test\r\n\r\n';
  const block = Buffer.from(one.repeat(Math.floor((1024 * 1024) / one.length)), 'latin1');
  const c = await RawClient.connect(proxy.port);
  const pipe = { sent: 0, done: false };
  try {
    c.socket.pause();
    await c.write(requestBytes('GET', '/hold', [['Host', 'test']]));
    void (async () => {
      while (pipe.sent < TOTAL && !c.socket.destroyed) {
        if (!c.socket.write(block)) await once(c.socket, 'drain');
        pipe.sent += block.length;
      }
      pipe.done = pipe.sent >= TOTAL;
    })().catch(() => undefined);
    const sent = await settled('the pipelining client to stall', () => pipe.sent);
    expect(pipe.done).toBe(false);
    expect(sent).toBeLessThan(TOTAL);
  } finally {
    c.destroy();
  }
});
