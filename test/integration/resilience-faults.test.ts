/**
 * Faults through the real proxy process in front of three real backends, with bounded load from
 * inside the test: a backend killed mid-run, a backend answering 503, a backend that accepts and
 * never answers, and active health checks taking a backend out and back.
 */
import { pollUntil } from '../support/cleanup';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  adminBackends,
  CHECK_PATH,
  runLoad,
  startBackends,
  startProcessBackend,
  viewOf,
  type ProcessBackend,
} from './resilience-harness';

const stops: ProxyProcess[] = [];
afterAll(async () => {
  for (const p of stops) await p.stop();
});

async function proxyWith(backends: string[], yaml: string): Promise<ProxyProcess> {
  // The config decides about active checks here (some cases turn them on, some off).
  const p = await startProxy({
    backends,
    configYaml: yaml,
    activeHealthChecks: !/enabled: off/.test(yaml),
    extraArgs: ['--log-level', 'warn'],
  });
  stops.push(p);
  return p;
}

test('a backend SIGKILLed in the middle of 2,000 GETs: zero failed client requests', async () => {
  const backends: ProcessBackend[] = [];
  for (const name of ['k1', 'k2', 'k3']) backends.push(await startProcessBackend(name));
  try {
    const proxy = await proxyWith(
      backends.map((b) => b.address),
      // Defaults, except the active checks, which would also notice the death but more slowly.
      `strategy:\n  healthCheck:\n    path: ${CHECK_PATH}\n`,
    );
    let killed = false;
    const result = await runLoad({
      port: proxy.port,
      requests: 2_000,
      concurrency: 8,
      onProgress: async (done) => {
        if (done >= 600 && !killed) {
          killed = true;
          await backends[1]!.kill();
        }
      },
    });
    expect(killed).toBe(true);
    expect(result.errors).toEqual([]);
    expect(Object.fromEntries(result.statuses)).toEqual({ 200: 2_000 });
    // The dead backend served only before its death; the others took the rest.
    const k2 = result.byBackend.get('k2') ?? 0;
    expect(k2).toBeGreaterThan(100);
    expect(k2).toBeLessThan(700);
    expect((result.byBackend.get('k1') ?? 0) + (result.byBackend.get('k3') ?? 0)).toBe(2_000 - k2);
    // Ejected (connect failures in a row), visible in /backends.
    const view = viewOf(await adminBackends(proxy.adminPort), backends[1]!);
    expect(view.health.healthy).toBe(false);
  } finally {
    for (const b of backends) await b.kill();
  }
});

test('a backend answering 503 is ejected, and comes back once it recovers', async () => {
  const backends = await startBackends(3);
  const [, sick] = backends;
  const proxy = await proxyWith(
    backends.map((b) => b.address),
    [
      'strategy:',
      '  healthCheck:',
      '    enabled: off',
      '  outlier:',
      '    consecutive5xx: 3',
      '    baseEjectionTime: 1s',
    ].join('\n'),
  );
  sick!.mode = '503';
  // Sequential, so the count at the sick backend is exact: three 503s, then ejection.
  const first = await runLoad({ port: proxy.port, requests: 60, concurrency: 1 });
  // Every 503 was retried on a healthy backend (idempotent GET, nothing forwarded yet).
  expect(Object.fromEntries(first.statuses)).toEqual({ 200: 60 });
  expect(sick!.hits.GET).toBe(3);
  const view = viewOf(await adminBackends(proxy.adminPort), sick!);
  expect(view.health).toMatchObject({ healthy: false, ejections: 1 });
  expect(view.health.ejectedUntil).toBeGreaterThan(Date.now() - 5_000);
  // Operators see it in the log.
  await pollUntil('the ejection log line', () =>
    proxy.logs().some((l) => l['msg'] === 'backend ejected'),
  );
  expect(proxy.logs().find((l) => l['msg'] === 'backend ejected')).toMatchObject({
    backend: sick!.address,
    reason: '3 5xx responses in a row',
  });

  sick!.mode = 'ok';
  await pollUntil(
    'the ejection to end',
    async () => viewOf(await adminBackends(proxy.adminPort), sick!).health.healthy,
    10_000,
    100,
  );
  sick!.resetCounts();
  const after = await runLoad({ port: proxy.port, requests: 30, concurrency: 1 });
  expect(Object.fromEntries(after.statuses)).toEqual({ 200: 30 });
  expect(sick!.hits.GET).toBe(10);
});

test('a backend that accepts and never answers: timeouts, then ejection, no pile-up of sockets', async () => {
  const backends = await startBackends(3);
  const stalled = backends[2]!;
  stalled.mode = 'stall';
  const proxy = await proxyWith(
    backends.map((b) => b.address),
    [
      'timeouts:',
      '  responseHeader: 300ms',
      'strategy:',
      '  healthCheck:',
      '    enabled: off',
      '  outlier:',
      '    consecutiveFailures: 2',
      '    baseEjectionTime: 1m',
    ].join('\n'),
  );
  const result = await runLoad({ port: proxy.port, requests: 60, concurrency: 3 });
  // A request that reached the stalled backend is never sent twice (a timeout is not retried):
  // its client gets 504. Two in a row eject it; after that nothing goes there.
  const timedOut = result.statuses.get(504) ?? 0;
  expect(timedOut).toBeGreaterThanOrEqual(2);
  expect(timedOut).toBeLessThanOrEqual(4);
  expect(result.statuses.get(200)).toBe(60 - timedOut);
  expect(stalled.hits.GET).toBe(timedOut);
  expect(viewOf(await adminBackends(proxy.adminPort), stalled).health.healthy).toBe(false);
  // The proxy closed every socket it had opened to the stalled backend.
  expect(stalled.acceptedSockets()).toBeLessThanOrEqual(timedOut);
  await pollUntil('the stalled sockets to be closed', () => stalled.openSockets() === 0, 5_000);
  const more = await runLoad({ port: proxy.port, requests: 30, concurrency: 3 });
  expect(Object.fromEntries(more.statuses)).toEqual({ 200: 30 });
  expect(stalled.hits.GET).toBe(timedOut);
});

test('active checks take a failing backend out and bring it back after healthy checks', async () => {
  const backends = await startBackends(3);
  const flaky = backends[0]!;
  const proxy = await proxyWith(
    backends.map((b) => b.address),
    [
      'strategy:',
      '  healthCheck:',
      `    path: ${CHECK_PATH}`,
      '    interval: 150ms',
      '    timeout: 500ms',
      '    healthyThreshold: 2',
      '    unhealthyThreshold: 2',
    ].join('\n'),
  );
  await pollUntil('every backend to be checked', () => backends.every((b) => b.checks > 0), 5_000);
  flaky.checkStatus = 500;
  await pollUntil(
    'the failing checks to take the backend out',
    async () => !viewOf(await adminBackends(proxy.adminPort), flaky).health.activeHealthy,
    5_000,
    50,
  );
  const view = viewOf(await adminBackends(proxy.adminPort), flaky);
  expect(view.health.lastCheck).toMatchObject({ ok: false, status: 500 });
  flaky.resetCounts();
  const out = await runLoad({ port: proxy.port, requests: 30, concurrency: 2 });
  expect(Object.fromEntries(out.statuses)).toEqual({ 200: 30 });
  expect(flaky.hits.GET).toBe(0);

  flaky.checkStatus = 204;
  await pollUntil(
    'the passing checks to bring it back',
    async () => viewOf(await adminBackends(proxy.adminPort), flaky).health.activeHealthy,
    5_000,
    50,
  );
  const back = await runLoad({ port: proxy.port, requests: 30, concurrency: 1 });
  expect(Object.fromEntries(back.statuses)).toEqual({ 200: 30 });
  expect(flaky.hits.GET).toBe(10);
});
