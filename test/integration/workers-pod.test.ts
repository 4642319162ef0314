/**
 * `--workers 2` in front of three real nginx backends: the primary owns the admin port and
 * answers for the pod, the two workers serve. Requests are served by both workers and still
 * spread evenly; /readyz, /metrics and /backends on the primary cover both workers (counters add
 * up); a killed worker is restarted in its slot and the pod is ready again.
 */
import http from 'node:http';
import { pollUntil } from '../support/cleanup';
import { startNginx, type NginxBackends } from '../support/nginx';
import { parsePrometheusText, type PrometheusText } from '../support/prometheus-text';
import { startProxy, type LogLine, type ProxyProcess } from '../support/proxy-process';
import { RawClient, rawGet, requestBytes } from '../support/raw-http';

jest.setTimeout(90_000);

let ngx: NginxBackends;
let proxy: ProxyProcess;

beforeAll(async () => {
  ngx = await startNginx();
  proxy = await startProxy({
    backends: ngx.addresses,
    extraArgs: ['--workers', '2'],
    readyTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  await proxy?.stop();
  await ngx?.stop();
});

function adminGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: proxy.adminPort, path, agent: false, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      )
      .on('error', reject);
  });
}

interface PodBackends {
  workers: Array<{ worker: number; pid: number | null; ready: boolean; backends?: string[] }>;
  backends: Array<{ id: string; totals: { requests: number } }>;
}

async function podBackends(): Promise<PodBackends> {
  const { status, body } = await adminGet('/backends');
  expect(status).toBe(200);
  return JSON.parse(body) as PodBackends;
}

async function metrics(): Promise<PrometheusText> {
  const { status, body } = await adminGet('/metrics');
  expect(status).toBe(200);
  return parsePrometheusText(body);
}

function total(text: PrometheusText, name: string, labels: Record<string, string> = {}): number {
  return text.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function tally(names: Array<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[String(n)] = (out[String(n)] ?? 0) + 1;
  return out;
}

/** Access lines of this test's requests (by request id prefix). */
function linesOf(prefix: string): LogLine[] {
  return proxy.accessLogs().filter((l) => String(l['reqId']).startsWith(prefix));
}

/** Requests this file sent through the proxy, for the pod-wide counters. */
let sent = 0;

test('the primary answers the admin port for the pod; the workers log with their slot', async () => {
  expect((await adminGet('/healthz')).status).toBe(200);
  expect(await adminGet('/readyz')).toEqual({
    status: 200,
    body: JSON.stringify({ ready: true, reason: 'ok' }) + '\n',
  });
  const pod = await podBackends();
  expect(pod.workers.map((w) => [w.worker, w.ready, w.backends?.length])).toEqual([
    [1, true, 3],
    [2, true, 3],
  ]);
  expect(new Set(pod.workers.map((w) => w.pid)).size).toBe(2);
  expect(pod.workers.map((w) => w.pid)).not.toContain(proxy.pid);
  // Log lines are written in batches (pino): wait for them rather than expect them at once.
  const listening = (): unknown[] =>
    proxy
      .logs()
      .filter((l) => l['msg'] === 'rrproxy listening')
      .map((l) => l['worker'] ?? l['role'])
      .sort();
  await pollUntil('every process to log "rrproxy listening"', () => listening().length >= 3);
  expect(listening()).toEqual([1, 2, 'primary']);
});

test('30 GETs on one keep-alive connection (one worker) go 10/10/10, in rotation', async () => {
  const c = await RawClient.connect(proxy.port);
  const seen: Array<string | undefined> = [];
  try {
    for (let i = 0; i < 30; i++) {
      await c.write(
        requestBytes('GET', `/?ka=${i}`, [
          ['Host', 'test'],
          ['X-Request-Id', `ka-${i}`],
        ]),
      );
      const res = await c.readResponse();
      expect(res.status).toBe(200);
      seen.push(res.headers.get('x-backend'));
      sent++;
    }
  } finally {
    c.destroy();
  }
  expect(tally(seen)).toEqual({ b1: 10, b2: 10, b3: 10 });
  for (let i = 0; i + 3 <= seen.length; i++) expect(new Set(seen.slice(i, i + 3)).size).toBe(3);
  await pollUntil('30 access lines', () => linesOf('ka-').length === 30, 10_000);
  expect(new Set(linesOf('ka-').map((l) => l['worker'])).size).toBe(1);
});

test('60 GETs on fresh connections: both workers serve, the backends share evenly', async () => {
  const seen: Array<string | undefined> = [];
  for (let i = 0; i < 60; i++) {
    const res = await rawGet(proxy.port, `/?fresh=${i}`, [
      ['Host', 'test'],
      ['X-Request-Id', `fresh-${i}`],
    ]);
    expect(res.status).toBe(200);
    seen.push(res.headers.get('x-backend'));
    sent++;
  }
  const counts = tally(seen);
  expect(Object.keys(counts).sort()).toEqual(['b1', 'b2', 'b3']);
  // Each worker rotates over the three on its own: each share is within one of a third of that
  // worker's requests, so the pod's shares differ by at most two.
  const values = Object.values(counts);
  expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(2);
  await pollUntil('60 access lines', () => linesOf('fresh-').length === 60, 10_000);
  const byWorker = tally(linesOf('fresh-').map((l) => String(l['worker'])));
  expect(Object.keys(byWorker).sort()).toEqual(['1', '2']);
});

test('/metrics and /backends of the primary add up both workers', async () => {
  const text = await metrics();
  // Every request this file sent, whichever worker served it, with no double counting.
  const answered = total(text, 'rrproxy_requests_total', { status_class: '2xx' });
  expect(answered).toBe(sent);
  const perBackend = ngx.addresses.map((id) =>
    total(text, 'rrproxy_requests_total', { backend: id, status_class: '2xx' }),
  );
  expect(perBackend.reduce((a, b) => a + b, 0)).toBe(sent);
  expect(total(text, 'rrproxy_request_duration_seconds_count')).toBe(sent);
  // The backend set is the pod's, not once per worker.
  expect(total(text, 'rrproxy_backends')).toBe(3);
  expect(total(text, 'rrproxy_cluster_workers', { state: 'listening' })).toBe(2);
  // Both workers' shares are in it: each served some of the requests counted above.
  const byWorker = tally([...linesOf('ka-'), ...linesOf('fresh-')].map((l) => String(l['worker'])));
  expect(byWorker['1']! + byWorker['2']!).toBe(sent);
  expect(Math.min(byWorker['1']!, byWorker['2']!)).toBeGreaterThan(0);

  const pod = await podBackends();
  expect(pod.backends.map((b) => b.id).sort()).toEqual([...ngx.addresses].sort());
  expect(pod.backends.reduce((s, b) => s + b.totals.requests, 0)).toBe(sent);
});

test('a killed worker is restarted in its slot, and the pod is ready and serving again', async () => {
  const before = await podBackends();
  const victim = before.workers.find((w) => w.worker === 2)!;
  const survivor = before.workers.find((w) => w.worker === 1)!;
  process.kill(victim.pid!, 'SIGKILL');

  await pollUntil(
    'the primary to log the crash',
    () =>
      proxy
        .logs()
        .some(
          (l) =>
            l['msg'] === 'worker exited unexpectedly: restarting' &&
            l['worker'] === 2 &&
            l['signal'] === 'SIGKILL',
        ),
    10_000,
  );
  await pollUntil(
    'worker 2 to be back with a new pid',
    async () => {
      const w = (await podBackends()).workers.find((x) => x.worker === 2)!;
      return w.ready && w.pid !== victim.pid && w.backends?.length === 3;
    },
    30_000,
    100,
  );
  await pollUntil('the pod to be ready', async () => (await adminGet('/readyz')).status === 200);
  const after = await podBackends();
  expect(after.workers.find((w) => w.worker === 1)!.pid).toBe(survivor.pid);
  expect(proxy.logs().some((l) => l['msg'] === 'worker restarted' && l['worker'] === 2)).toBe(true);
  expect(total(await metrics(), 'rrproxy_cluster_worker_restarts_total')).toBe(1);

  // Both workers serve again (the new one too).
  for (let i = 0; i < 40 && new Set(linesOf('again-').map((l) => l['worker'])).size < 2; i++) {
    const res = await rawGet(proxy.port, `/?again=${i}`, [
      ['Host', 'test'],
      ['X-Request-Id', `again-${i}`],
    ]);
    expect(res.status).toBe(200);
    await pollUntil('its access line', () => linesOf(`again-${i}`).length === 1, 10_000);
  }
  expect(new Set(linesOf('again-').map((l) => l['worker']))).toEqual(new Set([1, 2]));
});
