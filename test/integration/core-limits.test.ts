/**
 * Limits and protocol refusals through the real proxy (issue 2 section 3): each is answered with
 * its status and the connection closed, and nothing of the refused request reaches the backend.
 * Request line 8 KiB -> 414, header section 64 KiB or 100 fields -> 431, body over
 * limits.maxRequestBodyBytes -> 413, unknown Expect -> 417, HTTP/2.0 on the HTTP/1 port -> 505,
 * a client too slow to send its head -> 408.
 */
import { randomBytes } from 'node:crypto';
import { startEchoBackend } from '../support/echo-backend';
import { pollUntil } from '../support/cleanup';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { RawClient, chunkedBody, requestBytes, type RawServer } from '../support/raw-http';

let echo: RawServer;
let proxy: ProxyProcess;

const BODY_LIMIT = 64 * 1024;

beforeAll(async () => {
  echo = await startEchoBackend('echo');
  proxy = await startProxy({
    backends: [echo.address],
    env: {
      RRPROXY_LIMITS_MAX_REQUEST_BODY_BYTES: String(BODY_LIMIT),
      RRPROXY_TIMEOUTS_CLIENT_HEADER: '1s',
    },
  });
});

afterAll(async () => {
  await proxy?.stop();
  await echo?.stop();
});

/** Sends `data`, expects one response with `status` and then a closed connection. */
async function refused(data: Buffer | string, statuses: number[], marker: string): Promise<void> {
  const before = echo.receivedText().length;
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(data).catch(() => undefined);
    const res = await c.readResponseOrClose({ timeoutMs: 10_000 });
    expect(res).not.toBe('closed');
    if (res === 'closed') return;
    expect(statuses).toContain(res.status);
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
  expect(echo.receivedText().slice(before)).not.toContain(marker);
}

test('request line over 8 KiB -> 414', async () => {
  await refused(
    requestBytes('GET', `/long-line?${'a'.repeat(9 * 1024)}`, [['Host', 'test']]),
    [414],
    '/long-line',
  );
});

test('header section over 64 KiB -> 431', async () => {
  const big: Array<[string, string]> = [];
  for (let i = 0; i < 20; i++) big.push([`X-Big-${i}`, 'b'.repeat(4000)]);
  await refused(requestBytes('GET', '/big-head', [['Host', 'test'], ...big]), [431], '/big-head');
});

test('more than 100 header fields -> 431', async () => {
  const many: Array<[string, string]> = [];
  for (let i = 0; i < 120; i++) many.push([`X-F${i}`, 'v']);
  await refused(
    requestBytes('GET', '/many-fields', [['Host', 'test'], ...many]),
    [431],
    '/many-fields',
  );
});

test('Content-Length over the body limit -> 413 before any byte is forwarded', async () => {
  const body = randomBytes(BODY_LIMIT + 1);
  await refused(
    requestBytes(
      'POST',
      '/too-big',
      [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
      ],
      body,
    ),
    [413],
    '/too-big',
  );
});

test('a chunked body growing over the limit is refused (413, or the connection cut)', async () => {
  const body = randomBytes(BODY_LIMIT * 2);
  const c = await RawClient.connect(proxy.port);
  try {
    await c
      .write(
        requestBytes(
          'POST',
          '/too-big-chunked',
          [
            ['Host', 'test'],
            ['Transfer-Encoding', 'chunked'],
          ],
          chunkedBody(body, 16 * 1024),
        ),
      )
      .catch(() => undefined);
    const res = await c.readResponseOrClose().catch((err: unknown) => err);
    // The head may have been forwarded already (bodies stream): then the exchange is cut.
    // Never a 200 for a body the proxy was told to refuse.
    if (res !== 'closed' && !(res instanceof Error)) expect(res).toMatchObject({ status: 413 });
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
  // If the head reached the echo backend, it never got the whole body.
  expect(echo.receivedText()).not.toContain('"bodyBytes":' + String(BODY_LIMIT * 2));
});

test('unknown Expect -> 417', async () => {
  await refused(
    requestBytes('GET', '/expect-odd', [
      ['Host', 'test'],
      ['Expect', 'something-else'],
    ]),
    [417],
    '/expect-odd',
  );
});

test('HTTP/2.0 request line -> 505', async () => {
  await refused('GET /h2 HTTP/2.0\r\nHost: test\r\n\r\n', [505], '/h2');
});

test('a client that never finishes its head gets 408 and a close', async () => {
  await refused('GET /slow-head HTTP/1.1\r\nHost: test\r\nX-Partial: ', [408], '/slow-head');
});

test('the proxy still serves after all of the above', async () => {
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(requestBytes('GET', '/fine', [['Host', 'test']]));
    expect((await c.readResponse()).status).toBe(200);
  } finally {
    c.destroy();
  }
});

test('limits.maxClientConnections: connections beyond the limit are refused, then accepted again', async () => {
  const p = await startProxy({
    backends: [echo.address],
    env: { RRPROXY_LIMITS_MAX_CLIENT_CONNECTIONS: '3' },
  });
  const open: RawClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(p.port);
      open.push(c);
      await c.write(requestBytes('GET', `/held-${i}`, [['Host', 'test']]));
      expect((await c.readResponse()).status).toBe(200);
    }
    // The fourth is accepted by the kernel and closed by the proxy without being served.
    const extra = await RawClient.connect(p.port);
    try {
      await extra
        .write(requestBytes('GET', '/over-limit', [['Host', 'test']]))
        .catch(() => undefined);
      const res = await extra.readResponseOrClose();
      if (res !== 'closed') expect(res.status).toBe(503);
    } finally {
      extra.destroy();
    }
    expect(echo.receivedText()).not.toContain('/over-limit');
    // One leaves: a new connection is served.
    open.shift()!.destroy();
    await pollUntil('a new connection to be served', async () => {
      const c = await RawClient.connect(p.port);
      try {
        await c
          .write(requestBytes('GET', '/after-limit', [['Host', 'test']]))
          .catch(() => undefined);
        const res = await c.readResponseOrClose();
        return res !== 'closed' && res.status === 200;
      } finally {
        c.destroy();
      }
    });
  } finally {
    for (const c of open) c.destroy();
    await p.stop();
  }
});
