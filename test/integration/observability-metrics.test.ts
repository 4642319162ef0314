/**
 * /metrics and the admin API of the real proxy process: the Prometheus text parses, counters move
 * as requests go through, backend series leave with their backend (Kubernetes discovery against
 * the fake API server), and the startup log shows the effective config with secrets redacted.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pollUntil } from '../support/cleanup';
import { parseEcho, startEchoBackend } from '../support/echo-backend';
import { endpointSlice, FakeApiServer } from '../support/fake-apiserver';
import { freePorts } from '../support/ports';
import { parsePrometheusText, sampleValue, type PrometheusText } from '../support/prometheus-text';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { RawClient, rawGet, requestBytes, type RawServer } from '../support/raw-http';

jest.setTimeout(90_000);

interface AdminAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function admin(port: number, pathname: string, method = 'GET'): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathname, method, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function scrape(p: ProxyProcess): Promise<PrometheusText> {
  const res = await admin(p.adminPort, '/metrics');
  expect(res.status).toBe(200);
  return parsePrometheusText(res.body);
}

function requestsOf(m: PrometheusText, backend: string, statusClass = '2xx'): number {
  return sampleValue(m, 'rrproxy_requests_total', { backend, status_class: statusClass }) ?? -1;
}

describe('static backends', () => {
  let a: RawServer;
  let b: RawServer;
  let proxy: ProxyProcess;

  beforeAll(async () => {
    a = await startEchoBackend('a');
    b = await startEchoBackend('b');
    proxy = await startProxy({
      backends: [a.address, b.address],
      configYaml: ['cache:', '  enabled: true', '  purgeToken: sekrit-purge-123', ''].join('\n'),
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await a?.stop();
    await b?.stop();
  });

  test('GET /metrics serves Prometheus text that parses, with typed families', async () => {
    const res = await admin(proxy.adminPort, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheusText(res.body);
    expect(m.types.get('rrproxy_requests_total')).toBe('counter');
    expect(m.types.get('rrproxy_request_duration_seconds')).toBe('histogram');
    expect(m.types.get('rrproxy_upstream_connect_seconds')).toBe('histogram');
    expect(m.types.get('rrproxy_client_connections')).toBe('gauge');
    expect(m.types.get('rrproxy_cache_hits_total')).toBe('counter');
    // Node process metrics too.
    expect(m.types.get('process_cpu_user_seconds_total')).toBe('counter');
    // Both backends are listed before any traffic, at zero.
    expect(requestsOf(m, a.address)).toBe(0);
    expect(requestsOf(m, b.address)).toBe(0);
    expect(sampleValue(m, 'rrproxy_backends', { state: 'healthy' })).toBe(2);

    // Tracing is off (no endpoint): no exporter, so no export series and no "tracing on" line.
    expect(m.types.has('rrproxy_trace_export_failures_total')).toBe(false);
    expect(proxy.logs().some((l) => String(l['msg']).startsWith('tracing'))).toBe(false);

    expect((await admin(proxy.adminPort, '/metrics', 'HEAD')).body).toBe('');
    expect((await admin(proxy.adminPort, '/metrics', 'POST')).status).toBe(405);
  });

  test('counters and histograms move as requests go through', async () => {
    const before = await scrape(proxy);
    const durBefore = sampleValue(before, 'rrproxy_request_duration_seconds_count', {}) ?? 0;
    const n = 6;
    for (let i = 0; i < n; i++) expect((await rawGet(proxy.port, `/move/${i}`)).status).toBe(200);
    await pollUntil(
      'the requests to be counted',
      async () => {
        const m = await scrape(proxy);
        return requestsOf(m, a.address) + requestsOf(m, b.address) >= n;
      },
      10_000,
      50,
    );
    const m = await scrape(proxy);
    // Round robin over the two: each got some, none is lost or double counted.
    expect(requestsOf(m, a.address)).toBeGreaterThan(0);
    expect(requestsOf(m, b.address)).toBeGreaterThan(0);
    expect(requestsOf(m, a.address) + requestsOf(m, b.address)).toBe(n);
    expect(sampleValue(m, 'rrproxy_request_duration_seconds_count', {})).toBe(durBefore + n);
    for (const backend of [a.address, b.address]) {
      expect(
        sampleValue(m, 'rrproxy_upstream_connect_seconds_count', { backend }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sampleValue(m, 'rrproxy_upstream_response_seconds_count', { backend }),
      ).toBeGreaterThanOrEqual(1);
      // Keep-alive: the connection went back to the pool.
      expect(
        sampleValue(m, 'rrproxy_upstream_connections', { backend, state: 'idle' }),
      ).toBeGreaterThanOrEqual(1);
    }
    // The cache took part (MISS/BYPASS), and its gauges are exported.
    expect(sampleValue(m, 'rrproxy_cache_entries', {})).toBeGreaterThanOrEqual(0);

    // /backends carries the same totals.
    const backends = JSON.parse((await admin(proxy.adminPort, '/backends')).body) as {
      backends: Array<{ id: string; totals: { requests: number } }>;
    };
    const total = backends.backends.reduce((s, x) => s + x.totals.requests, 0);
    expect(total).toBe(n);
  });

  test('active client connections are a gauge', async () => {
    const c = await RawClient.connect(proxy.port);
    try {
      // One request makes sure the proxy has accepted and counted this connection.
      await c.write(requestBytes('GET', '/held', [['Host', 'test']]));
      await c.readResponses(['GET']);
      const m = await scrape(proxy);
      expect(sampleValue(m, 'rrproxy_client_connections', {})).toBeGreaterThanOrEqual(1);
    } finally {
      c.destroy();
    }
    await pollUntil(
      'the closed connection to leave the gauge',
      async () => sampleValue(await scrape(proxy), 'rrproxy_client_connections', {}) === 0,
      10_000,
      50,
    );
  });

  test('the public port does not serve /metrics: the request goes to a backend', async () => {
    const res = await rawGet(proxy.port, '/metrics');
    expect(res.status).toBe(200);
    expect(parseEcho(res.body).target).toBe('/metrics');
  });

  test('the effective config is logged once at startup, the purge token redacted', async () => {
    const lines = proxy.logs().filter((l) => l['msg'] === 'effective config');
    expect(lines).toHaveLength(1);
    const config = lines[0]!['config'] as { cache: { purgeToken: string; enabled: boolean } };
    expect(config.cache.purgeToken).toBe('[redacted]');
    expect(config.cache.enabled).toBe(true);
    expect(proxy.stdout()).not.toContain('sekrit-purge-123');
    expect(proxy.stderr()).not.toContain('sekrit-purge-123');
  });
});

describe('Kubernetes discovery', () => {
  const NS = 'shop';
  let dir: string;
  let fake: FakeApiServer;
  let pods: http.Server[] = [];
  let proxy: ProxyProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rrp-obs-k8s-'));
    fake = await FakeApiServer.start();
  });

  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
    await Promise.all(
      pods.map(
        (s) =>
          new Promise((r) => {
            s.close(r);
            s.closeAllConnections();
          }),
      ),
    );
    pods = [];
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    fake.assertNoProblems();
  });

  /** Pods on distinct loopback addresses sharing one port, as pods share a container port. */
  async function startPods(addresses: string[]): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [port] = (await freePorts(1, addresses[0])) as [number];
      const servers: http.Server[] = [];
      try {
        for (const address of addresses) {
          const server = http.createServer((_req, res) => res.end(address));
          server.keepAliveTimeout = 120_000;
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(port, address, () => resolve());
          });
          servers.push(server);
        }
        pods = servers;
        return port;
      } catch {
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      }
    }
    throw new Error('no common free port on the pod addresses');
  }

  test('series of a pod that left the EndpointSlice are deleted; discovery metrics are exported', async () => {
    const port = await startPods(['127.0.0.2', '127.0.0.3']);
    const apply = (endpoints: Array<{ ip: string; pod: string }>): void => {
      fake.apply(
        'endpointslices',
        endpointSlice({
          name: 'web-a',
          service: 'web',
          namespace: NS,
          ports: [{ name: 'http', port }],
          endpoints,
        }),
      );
    };
    apply([
      { ip: '127.0.0.2', pod: 'web-2' },
      { ip: '127.0.0.3', pod: 'web-3' },
    ]);
    const kubeconfig = fake.writeKubeconfig(path.join(dir, 'kubeconfig'), 'elsewhere');
    proxy = await startProxy({
      backends: [],
      readyTimeoutMs: 20_000,
      configYaml: [
        'discovery:',
        '  mode: endpointslices',
        `  namespace: ${NS}`,
        '  service: web',
        `  kubeconfig: ${kubeconfig}`,
        'log:',
        '  access: false',
        '',
      ].join('\n'),
    });
    const gone = `127.0.0.3:${port}`;
    const kept = `127.0.0.2:${port}`;
    for (let i = 0; i < 4; i++) expect((await rawGet(proxy.port, `/k/${i}`)).status).toBe(200);

    let m = await scrape(proxy);
    expect(requestsOf(m, gone)).toBeGreaterThan(0);
    expect(
      sampleValue(m, 'rrproxy_backend_state', { backend: gone, pod: 'web-3', state: 'healthy' }),
    ).toBe(1);
    expect(
      sampleValue(m, 'rrproxy_upstream_connect_seconds_count', { backend: gone }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'rrproxy_discovery_state', { state: 'watching' })).toBe(1);
    expect(sampleValue(m, 'rrproxy_discovery_synced', {})).toBe(1);
    expect(sampleValue(m, 'rrproxy_discovery_errors_total', {})).toBe(0);
    expect(sampleValue(m, 'rrproxy_discovery_last_event_age_seconds', {})).toBeGreaterThanOrEqual(
      0,
    );
    const updatesBefore = sampleValue(m, 'rrproxy_discovery_updates_total', {}) ?? 0;
    expect(updatesBefore).toBeGreaterThanOrEqual(1);

    apply([{ ip: '127.0.0.2', pod: 'web-2' }]);
    await pollUntil(
      'the removed pod to leave /metrics',
      async () => {
        m = await scrape(proxy!);
        return !m.samples.some((s) => Object.values(s.labels).includes(gone));
      },
      20_000,
      100,
    );
    expect(requestsOf(m, kept)).toBeGreaterThan(0);
    expect(sampleValue(m, 'rrproxy_discovery_updates_total', {})).toBe(updatesBefore + 1);
    expect(sampleValue(m, 'rrproxy_backends', { state: 'healthy' })).toBe(1);
  });
});
