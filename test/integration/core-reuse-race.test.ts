/**
 * The keep-alive reuse race (RFC 9112 9.3.1, 9.4): a backend may close an idle connection just as
 * the proxy reuses it. The client must never see that: an idempotent request is sent again on a
 * fresh connection. A non-idempotent request whose bytes were sent is never sent twice.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../support/sample-files';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  rawExchange,
  type RawResponse,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';

/** Answers one request per connection, without Connection: close, then closes at once. */
let closer: RawServer;
let closerProxy: ProxyProcess;
/** Answers the first request of each connection; on a second one, closes without answering. */
let dropper: RawServer;
let dropperProxy: ProxyProcess;
/** Advertises Keep-Alive: timeout=2 and keeps every connection open (it never closes itself). */
let advertiser: RawServer;
let advertiserProxy: ProxyProcess;

beforeAll(async () => {
  closer = await startRawServer(async (conn) => {
    const req = await conn.readRequest();
    await conn.write(responseBytes(200, [['X-Conn', String(conn.id)]], `ok ${req.target}`));
    conn.socket.end();
  });
  dropper = await startRawServer(async (conn) => {
    const req = await conn.readRequest();
    await conn.write(
      responseBytes(
        200,
        [
          ['X-Conn', String(conn.id)],
          ['X-Body-Sha256', req.bodySha256],
        ],
        `ok ${req.target}`,
      ),
    );
    // The next request arrives on a connection this backend has decided to close: it is read
    // (so the proxy's write succeeds) and dropped without a byte of response.
    await conn.readRequest().catch(() => undefined);
    conn.socket.destroy();
  });
  advertiser = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      await conn.write(
        responseBytes(
          200,
          [
            ['Keep-Alive', 'timeout=2'],
            ['X-Conn', String(conn.id)],
          ],
          `ok ${req.target}`,
        ),
      );
    }
  });
  [closerProxy, dropperProxy, advertiserProxy] = await Promise.all([
    startProxy({ backends: [closer.address] }),
    startProxy({ backends: [dropper.address] }),
    startProxy({ backends: [advertiser.address] }),
  ]);
});

afterAll(async () => {
  await Promise.all([closerProxy?.stop(), dropperProxy?.stop(), advertiserProxy?.stop()]);
  await Promise.all([closer?.stop(), dropper?.stop(), advertiser?.stop()]);
});

const get = (target: string): Buffer => requestBytes('GET', target, [['Host', 'test']]);

test('backend closes right after each response: sequential GETs after a short pause all succeed', async () => {
  for (let i = 0; i < 5; i++) {
    const [res] = await rawExchange(closerProxy.port, get(`/seq-${i}`));
    expect(res!.status).toBe(200);
    expect(res!.body.toString()).toBe(`ok /seq-${i}`);
    await new Promise((r) => setTimeout(r, 20));
  }
});

test('backend closes right after each response: back-to-back GETs on one client connection succeed', async () => {
  const targets = ['/b2b-1', '/b2b-2', '/b2b-3', '/b2b-4'];
  const responses = await rawExchange(
    closerProxy.port,
    Buffer.concat(targets.map(get)),
    targets.map(() => 'GET'),
  );
  responses.forEach((res, i) => {
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`ok ${targets[i]}`);
  });
});

test('a reused connection dropped without a response byte: the GET is retried and succeeds', async () => {
  for (let i = 0; i < 6; i++) {
    const [res] = await rawExchange(dropperProxy.port, get(`/race-${i}`));
    expect(res!.status).toBe(200);
    expect(res!.body.toString()).toBe(`ok /race-${i}`);
  }
  // The race really happened: some GET reached a connection that then dropped it.
  const dropped = dropper.receivedText().match(/GET \/race-\d+/g) ?? [];
  expect(dropped.length).toBeGreaterThan(6);
});

test('an idempotent PUT with a small body is replayed intact on a fresh connection', async () => {
  const body = randomBytes(4_000);
  for (let i = 0; i < 3; i++) {
    const [res] = await rawExchange(
      dropperProxy.port,
      requestBytes(
        'PUT',
        `/replay-${i}`,
        [
          ['Host', 'test'],
          ['Content-Length', String(body.length)],
        ],
        body,
      ),
      ['PUT'],
    );
    expect(res!.status).toBe(200);
    expect(res!.headers.get('x-body-sha256')).toBe(sha256(body));
  }
  // At least one PUT was dropped on a reused connection and sent again.
  const sent = dropper.receivedText().match(/PUT \/replay-\d/g) ?? [];
  expect(sent.length).toBeGreaterThan(3);
});

test('a non-idempotent POST is never sent twice', async () => {
  // Warm a pooled connection, so the POST may land on a connection the backend drops.
  await rawExchange(dropperProxy.port, get('/warm'));
  const [res] = await rawExchange(
    dropperProxy.port,
    requestBytes(
      'POST',
      '/once',
      [
        ['Host', 'test'],
        ['Content-Length', '5'],
      ],
      'hello',
    ),
  );
  // 200 (sent on a fresh connection) or 502 (sent on the dropped one, not replayed); never twice.
  expect([200, 502]).toContain(res!.status);
  const sent = dropper.receivedText().match(/POST \/once /g) ?? [];
  expect(sent).toHaveLength(1);
});

test("the backend's Keep-Alive timeout caps how long its idle connection is reused", async () => {
  // Reused right away (a control: a stalled machine may delay one pair, so a few tries)...
  let first: RawResponse | undefined;
  let reused = false;
  for (let i = 0; i < 5 && !reused; i++) {
    [first] = await rawExchange(advertiserProxy.port, get(`/ka-1-${i}`));
    const [soon] = await rawExchange(advertiserProxy.port, get(`/ka-2-${i}`));
    reused = soon!.headers.get('x-conn') === first!.headers.get('x-conn');
  }
  expect(reused).toBe(true);
  // ...but not once it has been idle for most of the backend's 2 s (it would close at 2 s and
  // the request would race with its FIN). The backend never closes, so no retry can hide a reuse.
  await new Promise((r) => setTimeout(r, 1_600));
  const [late] = await rawExchange(advertiserProxy.port, get('/ka-3'));
  expect(late!.status).toBe(200);
  expect(late!.headers.get('x-conn')).not.toBe(first!.headers.get('x-conn'));
});
