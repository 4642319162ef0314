/**
 * SIGTERM drain (issue 2, lifecycle): readiness goes false, a slow request in flight completes
 * with 200 and `Connection: close`, idle keep-alive connections are closed, the process exits 0.
 */
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { pollUntil } from '../support/cleanup';
import {
  RawClient,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';

let slow: RawServer;
let proxy: ProxyProcess;
/** Resolves the slow backend's pending answer; set per slow request. */
let release: (() => void) | null = null;

beforeAll(async () => {
  slow = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      if (req.target === '/slow') {
        // Answer when the test says so (bounded: after 5 s anyway).
        await new Promise<void>((resolve) => {
          release = resolve;
          setTimeout(resolve, 5_000).unref();
        });
      }
      await conn.write(responseBytes(200, [], `done ${req.target}`));
    }
  });
  proxy = await startProxy({ backends: [slow.address] });
});

afterAll(async () => {
  await proxy?.stop('SIGKILL');
  await slow?.stop();
});

test('SIGTERM: readyz 503, the in-flight slow request completes, idle connections close, exit 0', async () => {
  expect(await proxy.adminStatus('/readyz')).toBe(200);

  // An idle keep-alive client connection.
  const idle = await RawClient.connect(proxy.port);
  await idle.write(requestBytes('GET', '/fast', [['Host', 'test']]));
  expect((await idle.readResponse()).status).toBe(200);

  // A busy one: the slow request is at the backend.
  const busy = await RawClient.connect(proxy.port);
  await busy.write(requestBytes('GET', '/slow', [['Host', 'test']]));
  await pollUntil('the slow request to reach the backend', () => release !== null, 5_000);

  process.kill(proxy.pid, 'SIGTERM');
  await pollUntil(
    'readyz to report 503 while draining',
    async () => (await proxy.adminStatus('/readyz').catch(() => 0)) === 503,
    5_000,
  );
  expect(await idle.waitForClose(5_000)).toBe(true);

  release!();
  const res = await busy.readResponse();
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('done /slow');
  expect(res.headers.get('connection')?.toLowerCase()).toBe('close');
  expect(await busy.waitForClose(5_000)).toBe(true);

  expect(await proxy.exited).toBe(0);
  idle.destroy();
  busy.destroy();
});

describe('drain variants', () => {
  let held: RawServer;
  beforeAll(async () => {
    // Answers /hold never, anything else at once.
    held = await startRawServer(async (conn) => {
      for (;;) {
        const req = await conn.readRequest();
        if (req.target === '/hold') return;
        await conn.write(responseBytes(200, [], `done ${req.target}`));
      }
    });
  });
  afterAll(async () => {
    await held?.stop();
  });

  test('timeouts.shutdownDelay: still accepting and serving while readyz says 503', async () => {
    const p = await startProxy({
      backends: [held.address],
      env: { RRPROXY_TIMEOUTS_SHUTDOWN_DELAY: '3s' },
    });
    try {
      process.kill(p.pid, 'SIGTERM');
      await pollUntil(
        'readyz 503',
        async () => (await p.adminStatus('/readyz').catch(() => 0)) === 503,
        2_000,
      );
      // Endpoints may still route new connections here during the delay: they are served.
      const c = await RawClient.connect(p.port);
      try {
        await c.write(requestBytes('GET', '/during-delay', [['Host', 'test']]));
        const res = await c.readResponse();
        expect(res.status).toBe(200);
      } finally {
        c.destroy();
      }
      expect(await p.exited).toBe(0);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  test('timeouts.drain bounds the wait for a request that never finishes', async () => {
    const p = await startProxy({ backends: [held.address], env: { RRPROXY_TIMEOUTS_DRAIN: '1s' } });
    const c = await RawClient.connect(p.port);
    try {
      await c.write(requestBytes('GET', '/hold', [['Host', 'test']]));
      await pollUntil('the request to reach the backend', () =>
        held.receivedText().includes('GET /hold '),
      );
      process.kill(p.pid, 'SIGTERM');
      const code = await Promise.race([
        p.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 10_000).unref()),
      ]);
      expect(code).not.toBe('still running');
      // The stuck exchange is cut, not left looking complete.
      expect(await c.waitForClose(5_000)).toBe(true);
    } finally {
      c.destroy();
      await p.stop('SIGKILL');
    }
  });
});
