/**
 * Retries and limits through the real proxy: the retry budget caps upstream attempts when every
 * backend fails (counted at the backends), a POST whose body was sent is never sent again, and
 * the per-backend in-flight limit queues briefly, then answers 503 with Retry-After.
 */
import http from 'node:http';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { adminBackends, runLoad, startBackends, type TestBackend } from './resilience-harness';

const stops: ProxyProcess[] = [];
afterAll(async () => {
  for (const p of stops) await p.stop();
});

async function proxyWith(backends: TestBackend[], yaml: string): Promise<ProxyProcess> {
  const p = await startProxy({
    backends: backends.map((b) => b.address),
    configYaml: yaml,
    extraArgs: ['--log-level', 'warn'],
  });
  stops.push(p);
  return p;
}

const hitsOf = (backends: TestBackend[], method: 'GET' | 'POST' | 'total' = 'total'): number =>
  backends.reduce((n, b) => n + b.hits[method], 0);

/** Health checks and ejection off: only retries decide how often a backend is asked. */
const NO_HEALTH = [
  'strategy:',
  '  healthCheck:',
  '    enabled: off',
  '  outlier:',
  '    consecutive5xx: 0',
  '    consecutiveFailures: 0',
];

describe('every backend failing', () => {
  test('the retry budget caps upstream attempts; without it each request is tried maxTries times', async () => {
    const backends = await startBackends(3);
    for (const b of backends) {
      b.mode = '503';
      b.delayMs = 40;
    }
    const budgeted = await proxyWith(
      backends,
      [
        ...NO_HEALTH,
        'limits:',
        '  maxTries: 3',
        '  retryBudgetPercent: 0',
        '  retryBudgetMinConcurrency: 3',
      ].join('\n'),
    );
    const r = await runLoad({ port: budgeted.port, requests: 300, concurrency: 30 });
    expect(r.errors).toEqual([]);
    expect(Object.fromEntries(r.statuses)).toEqual({ 503: 300 });
    const attempts = hitsOf(backends);
    // Some retries (the minimum concurrency), far fewer than 2 per request.
    expect(attempts).toBeGreaterThan(300);
    expect(attempts).toBeLessThanOrEqual(375);
    const view = await adminBackends(budgeted.adminPort);
    expect(view.retryBudget.denied).toBeGreaterThan(0);
    expect(view.retryBudget.active).toBe(0);

    // The control: an unbounded budget retries every request on all three backends.
    for (const b of backends) b.resetCounts();
    const unbounded = await proxyWith(
      backends,
      [
        ...NO_HEALTH,
        'limits:',
        '  maxTries: 3',
        '  retryBudgetPercent: 100',
        '  retryBudgetMinConcurrency: 100000',
      ].join('\n'),
    );
    const u = await runLoad({ port: unbounded.port, requests: 300, concurrency: 30 });
    expect(Object.fromEntries(u.statuses)).toEqual({ 503: 300 });
    expect(hitsOf(backends)).toBe(900);
  });
});

describe('the one retry rule', () => {
  let backends: TestBackend[];
  let proxy: ProxyProcess;
  beforeAll(async () => {
    backends = await startBackends(3);
    proxy = await proxyWith(backends, NO_HEALTH.join('\n'));
  });
  beforeEach(() => {
    for (const b of backends) {
      b.resetCounts();
      b.mode = 'ok';
    }
  });

  const send = (method: string, body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          method,
          path: '/retry-rule',
          agent: false,
          timeout: 10_000,
          headers: { 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
      req.end(body);
    });

  test('a POST whose body reached a backend that then reset is not sent again (502)', async () => {
    for (const b of backends) b.mode = 'reset';
    expect(await send('POST', 'x'.repeat(1_000))).toBe(502);
    expect(hitsOf(backends, 'POST')).toBe(1);
  });

  test('the same failure on an idempotent PUT is retried on the other backends', async () => {
    for (const b of backends) b.mode = 'reset';
    expect(await send('PUT', 'x'.repeat(1_000))).toBe(502);
    expect(hitsOf(backends)).toBe(3);
    expect(backends.every((b) => b.hits.other === 1)).toBe(true);
  });

  test('a 503 to a POST is forwarded, never retried; a GET goes on to a healthy backend', async () => {
    backends[0]!.mode = '503';
    backends[1]!.mode = '503';
    backends[2]!.mode = '503';
    expect(await send('POST', 'form=1')).toBe(503);
    expect(hitsOf(backends, 'POST')).toBe(1);
    backends[2]!.mode = 'ok';
    for (let i = 0; i < 6; i++) expect(await send('GET', '')).toBe(200);
    expect(backends[2]!.hits.GET).toBe(6);
  });
});

describe('max in-flight per backend', () => {
  const get = (port: number): Promise<{ status: number; retryAfter: string | undefined }> =>
    new Promise((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port, path: '/limited', agent: false, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
    });

  test('excess requests wait briefly, then get 503 with Retry-After', async () => {
    const [slow] = await startBackends(1);
    slow!.delayMs = 1_500;
    const proxy = await proxyWith(
      [slow!],
      [
        ...NO_HEALTH,
        'limits:',
        '  maxInFlightPerBackend: 1',
        'timeouts:',
        '  backendQueue: 200ms',
      ].join('\n'),
    );
    const results = await Promise.all([get(proxy.port), get(proxy.port), get(proxy.port)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 503, 503]);
    for (const r of results.filter((x) => x.status === 503)) expect(r.retryAfter).toBe('1');
    expect(slow!.hits.GET).toBe(1);
    expect(slow!.maxConcurrent).toBe(1);
  });

  test('a queued request goes as soon as a slot frees: all answered, never two at once', async () => {
    const [slow] = await startBackends(1);
    slow!.delayMs = 100;
    const proxy = await proxyWith(
      [slow!],
      [
        ...NO_HEALTH,
        'limits:',
        '  maxInFlightPerBackend: 1',
        'timeouts:',
        '  backendQueue: 5s',
      ].join('\n'),
    );
    const results = await Promise.all(Array.from({ length: 4 }, () => get(proxy.port)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(slow!.hits.GET).toBe(4);
    expect(slow!.maxConcurrent).toBe(1);
    expect((await adminBackends(proxy.adminPort)).queued).toBe(0);
  });
});

test('a dead backend costs no client errors even with no retry budget: connect failures are not budgeted', async () => {
  const backends = await startBackends(3);
  await backends[1]!.close(); // connections to it are refused
  const proxy = await proxyWith(
    backends,
    [...NO_HEALTH, 'limits:', '  retryBudgetPercent: 0', '  retryBudgetMinConcurrency: 0'].join(
      '\n',
    ),
  );
  const r = await runLoad({ port: proxy.port, requests: 300, concurrency: 30 });
  expect(r.errors).toEqual([]);
  expect(Object.fromEntries(r.statuses)).toEqual({ 200: 300 });
  const view = await adminBackends(proxy.adminPort);
  expect(view.retryBudget.denied).toBe(0);
});
