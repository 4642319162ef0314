/**
 * Request smuggling, proven at the upstream (after httpxy's test/request-smuggling.test.ts): each
 * ambiguous request is sent with a second request hidden where a lenient parser would find it.
 * The client must get 400 (or 501 for a transfer coding we do not implement) and a closed
 * connection, and the upstream, which records every byte it receives, must never see the hidden
 * request. RFC 9112 6.1, 6.3, 7.1, 5.1-5.2; RFC 9110 5.5.
 */
import { pollUntil } from '../support/cleanup';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { RawClient, responseBytes, startRawServer, type RawServer } from '../support/raw-http';

let upstream: RawServer;
let proxy: ProxyProcess;

const HIDDEN = 'GET /smuggled HTTP/1.1\r\nHost: test\r\n\r\n';

/** Request lines anywhere in the bytes: what a lenient upstream could take for requests. */
function requestLines(text: string): string[] {
  return text.match(/^[A-Z]+ \S+ HTTP\/1\.\d\r?$/gm) ?? [];
}

beforeAll(async () => {
  // Records everything (RawServerConnection does); answers only /control, so nothing it is sent
  // by a smuggling attempt can produce a response the test could mistake for the proxy's.
  upstream = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      if (!req.target.startsWith('/control')) return;
      await conn.write(responseBytes(200, [], 'control'));
    }
  });
  proxy = await startProxy({ backends: [upstream.address] });
});

afterAll(async () => {
  // An exchange may still be waiting on the silent upstream: do not wait for a drain.
  await proxy?.stop('SIGKILL');
  await upstream?.stop();
});

const CASES: Array<[string, string, number[]]> = [
  [
    'CL then TE',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'TE then CL',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'TE with whitespace before the colon',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'TE: xchunked with CL',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400, 501],
  ],
  [
    'TE: xchunked alone',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400, 501],
  ],
  [
    'TE: chunked, identity',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400, 501],
  ],
  [
    'TE: identity, chunked with CL',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: identity, chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400, 501],
  ],
  [
    'two TE fields',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400, 501],
  ],
  [
    'TE in an HTTP/1.0 request',
    `POST /a HTTP/1.0\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'duplicate differing Content-Length',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'Content-Length list with differing values',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 0, ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'Content-Length with a sign',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: +0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'Content-Length with whitespace before the colon',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length : ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'bare LF in a chunk line',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'bare LF after chunk data',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'chunk size beyond 2^53-1',
    `POST /a HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n100000000000000000000000000\r\n${HIDDEN}`,
    [400],
  ],
  [
    'obs-fold hiding a Transfer-Encoding',
    `POST /a HTTP/1.1\r\nHost: test\r\nX-Folded: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'obs-fold on Content-Length',
    `POST /a HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'bare CR in a field',
    `POST /a HTTP/1.1\r\nHost: test\r\nX-A: b\rTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${HIDDEN}`,
    [400],
  ],
  [
    'NUL in a field value',
    `POST /a HTTP/1.1\r\nHost: test\r\nX-A: b\0c\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    [400],
  ],
  ['no Host in HTTP/1.1', `GET /a HTTP/1.1\r\nX-A: b\r\n\r\n${HIDDEN}`, [400]],
  ['two Host fields', `GET /a HTTP/1.1\r\nHost: test\r\nHost: other\r\n\r\n${HIDDEN}`, [400]],
];

test.each(CASES)(
  '%s -> rejected with close; the upstream never sees the hidden request',
  async (_name, payload, statuses) => {
    const c = await RawClient.connect(proxy.port);
    try {
      await c.write(payload).catch(() => undefined);
      const res = await c.readResponseOrClose();
      expect(res).not.toBe('closed');
      if (res === 'closed') return;
      expect(statuses).toContain(res.status);
      // Exactly one response, then the connection is closed (RFC 9112 6.3: the framing is unknown).
      expect(await c.waitForClose(5_000)).toBe(true);
      expect(c.unreadBytes).toBe(0);
    } finally {
      c.destroy();
    }
    // The upstream connection of an attempt may be accepted after the client's 400, so every
    // connection is checked again once all cases have run, below.
    expect(upstream.receivedText()).not.toContain('/smuggled');
    for (const conn of upstream.connections) {
      expect(requestLines(conn.received().toString('latin1')).length).toBeLessThanOrEqual(1);
    }
  },
);

test('after every case: no upstream connection ever carried a second request', async () => {
  // Let the last attempt's bytes (if any were forwarded) arrive.
  let seen = -1;
  await pollUntil(
    'upstream bytes to settle',
    async () => {
      const now = upstream.receivedText().length;
      const stable = now === seen;
      seen = now;
      await new Promise((r) => setTimeout(r, 100));
      return stable;
    },
    5_000,
  );
  expect(upstream.receivedText()).not.toContain('/smuggled');
  for (const conn of upstream.connections) {
    expect(requestLines(conn.received().toString('latin1')).length).toBeLessThanOrEqual(1);
  }
});

describe('controls (the detector can fail)', () => {
  test('the request-line detector finds the hidden request in a raw payload', () => {
    expect(requestLines(CASES[0]![1])).toHaveLength(2);
  });

  test('a valid pipelined pair reaches the upstream as two requests', async () => {
    const before = upstream.connections.map((c) => c.receivedBytes);
    const c = await RawClient.connect(proxy.port);
    try {
      await c.write(
        'POST /control-1 HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
          'GET /control-2 HTTP/1.1\r\nHost: test\r\n\r\n',
      );
      const [a, b] = await c.readResponses(['POST', 'GET']);
      expect(a!.status).toBe(200);
      expect(b!.status).toBe(200);
    } finally {
      c.destroy();
    }
    const fresh = upstream.connections
      .map((conn, i) =>
        conn
          .received()
          .toString('latin1')
          .slice(before[i] ?? 0),
      )
      .join('');
    expect(requestLines(fresh)).toHaveLength(2);
  });
});
