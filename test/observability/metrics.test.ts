import { BackendSet, makeBackend, type Backend } from '../../src/balancer/backend';
import {
  ProxyMetrics,
  type CacheView,
  type DiscoveryView,
  type HealthView,
  type PoolView,
} from '../../src/observability/metrics';
import type { RequestEndEvent } from '../../src/proxy/observer';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';

/** ProxyMetrics fed through its observer hooks, read back by parsing its Prometheus text. */

const a = makeBackend({ host: '10.0.0.1', port: 80, pod: 'web-a' });
const b = makeBackend({ host: '10.0.0.2', port: 80, pod: 'web-b', terminating: true });

function setup(opts: { cache?: boolean; discovery?: DiscoveryView | null } = {}) {
  const stats = { clientConnections: 3, activeRequests: 1 };
  const pools: PoolView[] = [];
  let cache: CacheView | null =
    opts.cache === true
      ? {
          hits: 5,
          misses: 2,
          stale: 1,
          revalidated: 0,
          bypass: 4,
          stores: 2,
          evictions: 1,
          bytes: 1234,
          entries: 2,
        }
      : null;
  const now = 1_000_000;
  const m = new ProxyMetrics(
    {
      stats,
      pools: () => pools,
      discovery: opts.discovery ? () => opts.discovery! : null,
      cache: () => cache,
    },
    { now: () => now },
  );
  const scrape = async () => parsePrometheusText(await m.render());
  return { m, stats, pools, scrape, setCache: (c: CacheView | null) => (cache = c) };
}

function request(m: ProxyMetrics, backend: Backend | null, status: number, reused = true): void {
  const obs = m.observer.requestStart({} as never)!;
  if (backend !== null) {
    expect(obs.attemptStart(backend, reused)).toBeNull();
    obs.attemptConnected();
    obs.attemptResponse(status);
    obs.attemptEnd('ok');
  }
  const end: RequestEndEvent = {
    status,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 10,
    durationMs: 2,
    backend,
    attempts: backend === null ? 0 : 1,
  };
  obs.requestEnd(end);
}

test('requests by backend and status class; duration, connect and response histograms move', async () => {
  const { m, scrape } = setup();
  m.onBackendSet(new BackendSet([a, b]));
  request(m, a, 200, false);
  request(m, a, 200);
  request(m, a, 503);
  request(m, b, 404);
  request(m, null, 200); // a cache hit: no backend
  const s = await scrape();
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: a.id, status_class: '2xx' })).toBe(2);
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: a.id, status_class: '5xx' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: b.id, status_class: '4xx' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: b.id, status_class: '2xx' })).toBe(0);
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: 'none', status_class: '2xx' })).toBe(
    1,
  );
  expect(sampleValue(s, 'rrproxy_request_duration_seconds_count', {})).toBe(5);
  expect(sampleValue(s, 'rrproxy_request_duration_seconds_sum', {})).toBeCloseTo(0.01);
  // Connect time only for the one new connection; response time for every attempt.
  expect(sampleValue(s, 'rrproxy_upstream_connect_seconds_count', { backend: a.id })).toBe(1);
  expect(sampleValue(s, 'rrproxy_upstream_response_seconds_count', { backend: a.id })).toBe(3);
  expect(m.backendTotals(a.id)).toEqual({ requests: 3, responses5xx: 1, upstreamErrors: 0 });
  expect(s.types.get('rrproxy_requests_total')).toBe('counter');
  expect(s.types.get('rrproxy_request_duration_seconds')).toBe('histogram');
});

test('upstream errors by code, retries, connections and backend state', async () => {
  const { m, pools, stats, scrape } = setup();
  m.onBackendSet(new BackendSet([a, b]));
  const obs = m.observer.requestStart({} as never)!;
  obs.attemptStart(a, true);
  obs.attemptEnd('RRP_ERR_UPSTREAM_RESET');
  obs.attemptStart(b, false);
  obs.attemptEnd('ok');
  obs.requestEnd({
    status: 200,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 1,
    durationMs: 1,
    backend: b,
    attempts: 2,
  });
  pools.push({ backend: a, active: 2, idleCount: 5, created: 9 });
  stats.clientConnections = 7;
  const s = await scrape();
  expect(
    sampleValue(s, 'rrproxy_upstream_errors_total', {
      backend: a.id,
      code: 'RRP_ERR_UPSTREAM_RESET',
    }),
  ).toBe(1);
  expect(sampleValue(s, 'rrproxy_upstream_retries_total', {})).toBe(1);
  expect(sampleValue(s, 'rrproxy_upstream_connections', { backend: a.id, state: 'active' })).toBe(
    2,
  );
  expect(sampleValue(s, 'rrproxy_upstream_connections', { backend: a.id, state: 'idle' })).toBe(5);
  expect(sampleValue(s, 'rrproxy_upstream_connections_opened_total', { backend: a.id })).toBe(9);
  expect(sampleValue(s, 'rrproxy_client_connections', {})).toBe(7);
  expect(sampleValue(s, 'rrproxy_requests_in_flight', {})).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'healthy' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'ejected' })).toBe(0);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'terminating' })).toBe(1);
  expect(
    sampleValue(s, 'rrproxy_backend_state', { backend: b.id, pod: 'web-b', state: 'terminating' }),
  ).toBe(1);
  expect(sampleValue(s, 'rrproxy_discovery_updates_total', {})).toBe(1);
});

test('series of a backend that left the set are deleted, and its late requests are not resurrected', async () => {
  const { m, pools, scrape } = setup();
  m.onBackendSet(new BackendSet([a, b]));
  request(m, a, 200, false);
  request(m, b, 200, false);
  pools.push({ backend: b, active: 0, idleCount: 1, created: 1 });
  const before = await scrape();
  expect(before.samples.some((x) => x.labels['backend'] === b.id)).toBe(true);

  m.onBackendSet(new BackendSet([a])); // b's pod went away (the pool registry retires its pool)
  request(m, b, 200); // an in-flight request finishing on it afterwards
  const after = await scrape();
  const withB = after.samples.filter((x) => Object.values(x.labels).includes(b.id));
  expect(withB).toEqual([]);
  expect(after.samples.some((x) => x.labels['backend'] === a.id)).toBe(true);
  expect(sampleValue(after, 'rrproxy_discovery_updates_total', {})).toBe(2);
  expect(m.backendTotals(b.id)).toBeNull();
});

test('discovery status and cache snapshot are read at scrape time', async () => {
  const discovery: DiscoveryView = {
    state: 'watching',
    synced: true,
    lastEventAt: 1_000_000 - 2_500,
    errors: 3,
  };
  const { scrape, setCache } = setup({ cache: true, discovery });
  let s = await scrape();
  expect(sampleValue(s, 'rrproxy_discovery_errors_total', {})).toBe(3);
  expect(sampleValue(s, 'rrproxy_discovery_last_event_age_seconds', {})).toBe(2.5);
  expect(sampleValue(s, 'rrproxy_discovery_state', { state: 'watching' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_discovery_synced', {})).toBe(1);
  expect(sampleValue(s, 'rrproxy_cache_hits_total', {})).toBe(5);
  expect(sampleValue(s, 'rrproxy_cache_misses_total', {})).toBe(2);
  expect(sampleValue(s, 'rrproxy_cache_evictions_total', {})).toBe(1);
  expect(sampleValue(s, 'rrproxy_cache_bytes', {})).toBe(1234);
  expect(sampleValue(s, 'rrproxy_cache_entries', {})).toBe(2);
  setCache({
    hits: 6,
    misses: 2,
    stale: 1,
    revalidated: 0,
    bypass: 4,
    stores: 2,
    evictions: 1,
    bytes: 99,
    entries: 1,
  });
  s = await scrape();
  expect(sampleValue(s, 'rrproxy_cache_hits_total', {})).toBe(6);
  expect(sampleValue(s, 'rrproxy_cache_bytes', {})).toBe(99);
});

test('without a cache or Kubernetes discovery those series are absent', async () => {
  const { scrape } = setup();
  const s = await scrape();
  expect(s.types.has('rrproxy_cache_hits_total')).toBe(false);
  expect(s.types.has('rrproxy_discovery_last_event_age_seconds')).toBe(false);
  expect(s.types.has('rrproxy_discovery_state')).toBe(false);
  expect(sampleValue(s, 'rrproxy_discovery_updates_total', {})).toBe(0);
});

test('backend health state from the resilience layer', async () => {
  const c = makeBackend({ host: '10.0.0.3', port: 80 });
  const health = new Map<string, HealthView>([
    [a.id, { activeHealthy: true, ejectedUntil: 123 }],
    [c.id, { activeHealthy: false, ejectedUntil: null }],
  ]);
  const m = new ProxyMetrics({
    stats: { clientConnections: 0, activeRequests: 0 },
    pools: () => [],
    discovery: null,
    cache: () => null,
    health: (x) => health.get(x.id) ?? { activeHealthy: true, ejectedUntil: null },
    resilience: () => ({ retriesDenied: 4, queued: 2 }),
  });
  m.onBackendSet(new BackendSet([a, b, c]));
  const s = parsePrometheusText(await m.render());
  expect(
    sampleValue(s, 'rrproxy_backend_state', { backend: a.id, pod: 'web-a', state: 'ejected' }),
  ).toBe(1);
  expect(
    sampleValue(s, 'rrproxy_backend_state', { backend: c.id, pod: '', state: 'unhealthy' }),
  ).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'ejected' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'unhealthy' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'terminating' })).toBe(1);
  expect(sampleValue(s, 'rrproxy_backends', { state: 'healthy' })).toBe(0);
  expect(sampleValue(s, 'rrproxy_retries_denied_total', {})).toBe(4);
  expect(sampleValue(s, 'rrproxy_backend_queue_waiting', {})).toBe(2);
  // One state series per backend, never two.
  expect(s.samples.filter((x) => x.name === 'rrproxy_backend_state')).toHaveLength(3);
});

test('requests refused before an exchange count under backend "none" by status class', async () => {
  const { m, scrape } = setup();
  m.observer.requestRejected!(400, 'RRP_ERR_BAD_REQUEST');
  m.observer.requestRejected!(431, 'RRP_ERR_HEADERS_TOO_LARGE');
  m.observer.requestRejected!(505, 'RRP_ERR_VERSION_NOT_SUPPORTED');
  const s = await scrape();
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: 'none', status_class: '4xx' })).toBe(
    2,
  );
  expect(sampleValue(s, 'rrproxy_requests_total', { backend: 'none', status_class: '5xx' })).toBe(
    1,
  );
});
