/**
 * Failure handling through the real proxy: a stalled backend becomes 504; a malformed backend
 * response becomes 502, never bytes passed through; a backend closing mid-body aborts the client
 * connection (no complete-looking response); a client aborting mid-response leaves the proxy
 * serving.
 */
import { randomBytes } from 'node:crypto';
import { startNginx, type NginxBackends } from '../support/nginx';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  IncompleteMessageError,
  RawClient,
  rawGet,
  requestBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';

let ngx: NginxBackends;
let proxy: ProxyProcess;
let bad: RawServer;
let badProxy: ProxyProcess;

/** Responses a misbehaving backend sends, by request path. */
const BAD_RESPONSES: Record<string, string> = {
  '/garbage-status': 'HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok',
  '/not-http': 'hello there, this is not HTTP at all\r\n\r\n',
  '/nul-in-field': 'HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 2\r\n\r\nok',
  '/bare-cr-in-field': 'HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\n\r\nok',
  '/conflicting-length': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!',
  '/cl-and-te':
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  '/obs-fold': 'HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok',
  '/huge-head': `HTTP/1.1 200 OK\r\nX-Huge: ${'h'.repeat(70_000)}\r\nContent-Length: 2\r\n\r\nok`,
  '/space-before-colon': 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok',
  '/unsolicited-101':
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
};

const MID_BODY_LENGTH = 200_000;

beforeAll(async () => {
  ngx = await startNginx();
  bad = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      const path = req.target.split('?')[0]!;
      if (path === '/stall') return; // never answer; the socket stays open
      if (path === '/close-mid-length') {
        await conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${MID_BODY_LENGTH}\r\n\r\n`);
        await conn.write(randomBytes(MID_BODY_LENGTH / 2));
        conn.socket.destroy();
        return;
      }
      if (path === '/close-mid-chunked') {
        await conn.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        await conn.write(`${(50_000).toString(16)}\r\n`);
        await conn.write(randomBytes(50_000));
        await conn.write('\r\n');
        conn.socket.destroy();
        return;
      }
      if (path === '/bad-chunk') {
        // A valid head, then an invalid chunk size.
        await conn.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        await conn.write('5\r\nhello\r\nzz\r\nok\r\n0\r\n\r\n');
        return;
      }
      if (path === '/ok') {
        await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        continue;
      }
      const bytes = BAD_RESPONSES[path];
      if (bytes === undefined) throw new Error(`unexpected path ${path}`);
      await conn.write(bytes);
      await new Promise((r) => setTimeout(r, 50));
      conn.socket.destroy();
      return;
    }
  });
  [proxy, badProxy] = await Promise.all([
    startProxy({ backends: ngx.addresses }),
    startProxy({
      backends: [bad.address],
      env: { RRPROXY_TIMEOUTS_RESPONSE_HEADER: '1s' },
    }),
  ]);
});

afterAll(async () => {
  // The stalled exchange must not hold the drain up: kill.
  await Promise.all([proxy?.stop(), badProxy?.stop('SIGKILL')]);
  await Promise.all([ngx?.stop(), bad?.stop()]);
});

test('a backend that accepts and never answers -> 504 (response-header timeout)', async () => {
  const res = await rawGet(badProxy.port, '/stall', [['Host', 'test']], { timeoutMs: 15_000 });
  expect(res.status).toBe(504);
});

test.each(Object.keys(BAD_RESPONSES))('malformed backend response %s -> 502', async (path) => {
  const c = await RawClient.connect(badProxy.port);
  try {
    await c.write(requestBytes('GET', path, [['Host', 'test']]));
    const res = await c.readResponse();
    expect(res.status).toBe(502);
    // Nothing of the bad response leaks to the client.
    const text = c.received().toString('latin1');
    expect(text).not.toContain('X-Bad');
    expect(text).not.toContain('X-Folded');
    expect(text).not.toContain('not HTTP at all');
    expect(text).not.toContain('101 Switching');
    expect(text).not.toContain('hhhhhhhh');
  } finally {
    c.destroy();
  }
});

test.each(['/close-mid-length', '/close-mid-chunked', '/bad-chunk'])(
  'backend failing mid-body (%s) aborts the client connection: no complete-looking response',
  async (path) => {
    const c = await RawClient.connect(badProxy.port);
    try {
      await c.write(requestBytes('GET', path, [['Host', 'test']]));
      let outcome: unknown;
      try {
        outcome = await c.readResponse();
      } catch (err) {
        outcome = err;
      }
      // Either the connection is aborted before the body completed (with or without the head
      // relayed), or (had nothing been sent yet) a 502: never a response that parses complete.
      if (!(outcome instanceof IncompleteMessageError)) {
        expect(outcome).toMatchObject({ status: 502 });
      }
      expect(await c.waitForClose(5_000)).toBe(true);
    } finally {
      c.destroy();
    }
  },
);

test('after backend failures the proxy still serves a good request to the same backend', async () => {
  const res = await rawGet(badProxy.port, '/ok');
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('ok');
});

test('a client aborting mid-response (10 MiB) does not disturb the proxy', async () => {
  for (let round = 0; round < 3; round++) {
    const c = await RawClient.connect(proxy.port);
    await c.write(requestBytes('GET', `/files/10m.bin?abort=${round}`, [['Host', 'test']]));
    // Wait for part of the body, then vanish.
    await new Promise<void>((resolve, reject) => {
      let got = 0;
      const timer = setTimeout(() => reject(new Error('no response bytes')), 10_000);
      c.socket.on('data', (d: Buffer) => {
        got += d.length;
        if (got > 256 * 1024) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    c.destroy();
  }
  // Every backend (including those whose upstream connection was cut) keeps answering.
  const tenMiB = ngx.files.find((f) => f.name === '10m.bin')!;
  for (let i = 0; i < 6; i++) {
    const res = await rawGet(proxy.port, `/files/10m.bin?after=${i}`, [['Host', 'test']], {
      timeoutMs: 20_000,
    });
    expect(res.status).toBe(200);
    expect(res.bodySha256).toBe(tenMiB.sha256);
  }
  expect(await proxy.adminStatus('/healthz')).toBe(200);
});
