/**
 * Expect: 100-continue (RFC 9110 10.1.1, 15.2.1): the backend's 100 is relayed and the body
 * follows; when the backend answers finally before reading the body (413, 417), the rest of the
 * client's body is never forwarded and neither connection is reused in a way that would make the
 * body bytes be read as a request.
 */
import { randomBytes } from 'node:crypto';
import { startNginx, type NginxBackends } from '../support/nginx';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  RawClient,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawRequest,
  type RawServer,
} from '../support/raw-http';
import { sha256 } from '../support/sample-files';

let ngx: NginxBackends;
let proxy: ProxyProcess;
let raw: RawServer;
let rawProxy: ProxyProcess;

const MARK = 'SMUGGLED-BODY-MARK';
const headComplete = (t: string): boolean => t.includes('\r\n\r\n');

beforeAll(async () => {
  ngx = await startNginx();
  // /continue: sends 100 once the head is in, then reads the body and answers with its hash.
  // /early: answers 417 as soon as the head is in and keeps the connection open, reading nothing.
  // anything else: 200 "ok".
  raw = await startRawServer(async (conn) => {
    for (;;) {
      const before = conn.receivedBytes;
      await conn.waitForReceived((t) => t.length > before && headComplete(t.slice(before)), 60_000);
      const head = conn.received().toString('latin1').slice(before);
      if (head.includes(' /early ')) {
        await conn.write(responseBytes(417, [['X-Backend', 'raw']], '', 'Expectation Failed'));
        return; // keep the socket open; whatever arrives is recorded
      }
      if (head.includes(' /continue ')) await conn.write('HTTP/1.1 100 Continue\r\n\r\n');
      let req: RawRequest;
      try {
        req = await conn.readRequest({ keepBody: false });
      } catch {
        conn.socket.destroy();
        return;
      }
      await conn.write(responseBytes(200, [['X-Body-Sha256', req.bodySha256]], 'ok'));
    }
  });
  [proxy, rawProxy] = await Promise.all([
    startProxy({ backends: ngx.addresses }),
    startProxy({ backends: [raw.address] }),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), rawProxy?.stop()]);
  await Promise.all([ngx?.stop(), raw?.stop()]);
});

/** Writes, ignoring a connection the proxy already closed. */
async function writeQuietly(c: RawClient, data: Buffer | string): Promise<void> {
  await c.write(data).catch(() => undefined);
}

test("the backend's 100 Continue is relayed, then the body, then the final response", async () => {
  const body = randomBytes(200_000);
  const c = await RawClient.connect(rawProxy.port);
  try {
    await c.write(
      requestBytes('POST', '/continue', [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
        ['Expect', '100-continue'],
      ]),
    );
    // The body is held back until the 100 arrives: a proxy that swallowed it would time out here.
    const interim = await c.readMessage();
    expect(interim.status).toBe(100);
    await c.write(body);
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-body-sha256')).toBe(sha256(body));
  } finally {
    c.destroy();
  }
});

test('nginx WebDAV PUT with Expect: 100-continue stores the body', async () => {
  const body = randomBytes(100_000);
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(
      requestBytes('PUT', '/dav/expect.bin', [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
        ['Expect', '100-continue'],
      ]),
    );
    expect((await c.readMessage()).status).toBe(100);
    await c.write(body);
    expect([201, 204]).toContain((await c.readResponse()).status);
    await c.write(requestBytes('GET', '/dav/expect.bin', [['Host', 'test']]));
    expect((await c.readResponse()).bodySha256).toBe(sha256(body));
  } finally {
    c.destroy();
  }
});

test('early 417 from the backend: the body is not forwarded, the upstream connection is not reused', async () => {
  const head = requestBytes('POST', '/early', [
    ['Host', 'test'],
    ['Content-Length', String(MARK.length + 40)],
    ['Expect', '100-continue'],
  ]);
  const c = await RawClient.connect(rawProxy.port);
  try {
    await c.write(head);
    const res = await c.readResponse();
    expect(res.status).toBe(417);
    // Relayed, not invented: the backend sent no 100, so neither may the proxy (else the client
    // would start sending a body nobody will read).
    expect(res.interim).toEqual([]);
    // A client may send the body anyway; it must be discarded (or the connection closed), never
    // forwarded and never parsed as a request. A valid request follows it.
    const bodyBytes = (MARK + ' GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n').padEnd(
      MARK.length + 40,
      '.',
    );
    await writeQuietly(c, bodyBytes + 'GET /after HTTP/1.1\r\nHost: test\r\n\r\n');
    const after = await c.readResponseOrClose();
    if (after !== 'closed') {
      expect(after.status).toBe(200);
      expect(after.body.toString()).toBe('ok');
    }
  } finally {
    c.destroy();
  }
  const carriers = raw.connections.filter((conn) =>
    conn.received().toString('latin1').includes('POST /early '),
  );
  expect(carriers).toHaveLength(1);
  // The upstream connection that carried /early saw nothing after its head: neither the body nor
  // a later request (it was not reused).
  const text = carriers[0]!.received().toString('latin1');
  expect(text.slice(text.indexOf('POST /early ')).endsWith('\r\n\r\n')).toBe(true);
  expect(text).not.toContain(MARK);
  expect(text).not.toContain('/after');
  expect(raw.receivedText()).not.toContain(MARK);
  expect(raw.receivedText()).not.toContain('/smuggled');
});

test('early 413 from nginx: the body is discarded or the connection closed, never read as a request', async () => {
  const size = 100_000;
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(
      requestBytes('PUT', '/small/too-big.bin', [
        ['Host', 'test'],
        ['Content-Length', String(size)],
        ['Expect', '100-continue'],
      ]),
    );
    const res = await c.readResponse();
    expect(res.status).toBe(413);
    expect(res.interim).toEqual([]);
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const body = smuggled.repeat(Math.ceil(size / smuggled.length)).slice(0, size);
    await writeQuietly(c, body + 'GET /files/1b.bin HTTP/1.1\r\nHost: test\r\n\r\n');
    const after = await c.readResponseOrClose();
    if (after !== 'closed') {
      expect(after.status).toBe(200);
      expect(after.bodySha256).toBe(ngx.files.find((f) => f.name === '1b.bin')!.sha256);
    }
  } finally {
    c.destroy();
  }
  // Give nginx a moment to log anything it might have been sent, then check.
  await new Promise((r) => setTimeout(r, 100));
  expect(ngx.accessLog().some((e) => e.uri.includes('smuggled'))).toBe(false);
});
