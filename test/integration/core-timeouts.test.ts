/**
 * Idle timeouts measure inactivity, not total time (issue 2 section 8): a slow but steady
 * transfer outlives every timeout, a transfer that stops is cut. Timeouts are set to 1 s here;
 * the steady transfers take ~2.5 s with 100 ms gaps, so no assertion depends on timing margins
 * finer than 10x.
 */
import { randomBytes } from 'node:crypto';
import { parseEcho, startEchoBackend } from '../support/echo-backend';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  IncompleteMessageError,
  RawClient,
  requestBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PIECE = 16 * 1024;
const PIECES = 25;
const STEADY_BODY = randomBytes(PIECE * PIECES);
/** Large enough to overflow every socket buffer between the backend and a paused client. */
const FLOOD_BYTES = 256 * 1024 * 1024;

let raw: RawServer;
let echo: RawServer;
let proxy: ProxyProcess;
let echoProxy: ProxyProcess;

beforeAll(async () => {
  raw = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      if (req.target === '/steady') {
        await conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${STEADY_BODY.length}\r\n\r\n`);
        for (let i = 0; i < PIECES; i++) {
          await conn.write(STEADY_BODY.subarray(i * PIECE, (i + 1) * PIECE));
          await sleep(100);
        }
        continue;
      }
      if (req.target === '/stops') {
        // Half the body, then silence (the socket stays open).
        await conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${2 * PIECE}\r\n\r\n`);
        await conn.write(randomBytes(PIECE));
        return;
      }
      if (req.target === '/flood') {
        await conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${FLOOD_BYTES}\r\n\r\n`);
        const block = randomBytes(1024 * 1024);
        for (let sent = 0; sent < FLOOD_BYTES && !conn.socket.destroyed; sent += block.length) {
          await conn.write(block);
        }
        return;
      }
      throw new Error(`unexpected ${req.target}`);
    }
  });
  echo = await startEchoBackend('echo');
  const env = {
    RRPROXY_TIMEOUTS_RESPONSE_HEADER: '1s',
    RRPROXY_TIMEOUTS_UPSTREAM_IDLE: '1s',
    RRPROXY_TIMEOUTS_CLIENT_BODY_IDLE: '1s',
    RRPROXY_TIMEOUTS_CLIENT_SEND: '1s',
  };
  [proxy, echoProxy] = await Promise.all([
    startProxy({ backends: [raw.address], env }),
    startProxy({ backends: [echo.address], env }),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.stop('SIGKILL'), echoProxy?.stop('SIGKILL')]);
  await Promise.all([raw?.stop(), echo?.stop()]);
});

test('a slow but steady response outlives the 1 s upstream idle timeout', async () => {
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(requestBytes('GET', '/steady', [['Host', 'test']]));
    const res = await c.readResponse({ timeoutMs: 20_000 });
    expect(res.status).toBe(200);
    expect(res.bodySha256).toBe(sha256(STEADY_BODY));
  } finally {
    c.destroy();
  }
});

test('a response that stops mid-body is cut after the upstream idle timeout', async () => {
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(requestBytes('GET', '/stops', [['Host', 'test']]));
    const outcome = await c.readResponse({ timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(IncompleteMessageError);
  } finally {
    c.destroy();
  }
});

test('a slow but steady upload outlives the 1 s client body idle timeout', async () => {
  const c = await RawClient.connect(echoProxy.port);
  try {
    await c.write(
      requestBytes('POST', '/upload', [
        ['Host', 'test'],
        ['Content-Length', String(STEADY_BODY.length)],
      ]),
    );
    for (let i = 0; i < PIECES; i++) {
      await c.write(STEADY_BODY.subarray(i * PIECE, (i + 1) * PIECE));
      await sleep(100);
    }
    const res = await c.readResponse({ timeoutMs: 20_000 });
    expect(res.status).toBe(200);
    expect(parseEcho(res.body).bodySha256).toBe(sha256(STEADY_BODY));
  } finally {
    c.destroy();
  }
});

test('an upload that stops mid-body gets 408 (or a cut) and a close; the backend never gets it whole', async () => {
  const c = await RawClient.connect(echoProxy.port);
  try {
    await c.write(
      requestBytes(
        'POST',
        '/stalled-upload',
        [
          ['Host', 'test'],
          ['Content-Length', String(2 * PIECE)],
        ],
        randomBytes(PIECE),
      ),
    );
    const res = await c.readResponseOrClose({ timeoutMs: 15_000 });
    if (res !== 'closed') expect(res.status).toBe(408);
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
  expect(echo.receivedText()).not.toMatch(/"target":"\/stalled-upload"/);
});

test('a client that stops reading is cut after the client send timeout', async () => {
  const c = await RawClient.connect(proxy.port);
  try {
    await c.write(requestBytes('GET', '/flood', [['Host', 'test']]));
    // Read the head and some body, then stop reading long enough for the send timeout to fire.
    await new Promise<void>((resolve) => c.socket.once('data', () => resolve()));
    c.socket.pause();
    await sleep(3_000);
    c.socket.resume();
    const outcome = await c
      .readResponse({ timeoutMs: 30_000, keepBody: false })
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(IncompleteMessageError);
  } finally {
    c.destroy();
  }
});
