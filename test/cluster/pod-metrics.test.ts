import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { aggregatePodMetrics, podMetricSource } from '../../src/cluster/pod-metrics';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';

/** A registry shaped like a worker's (or the primary's) with the values given. */
function registry(v: { requests: number; seconds: number[]; healthy: number; ejected: number }) {
  const registers = [new Registry()];
  const r = registers[0]!;
  new Counter({ name: 'rrproxy_requests_total', help: 'h', labelNames: ['backend'], registers })
    .labels('10.0.0.1:80')
    .inc(v.requests);
  const h = new Histogram({
    name: 'rrproxy_request_duration_seconds',
    help: 'h',
    buckets: [0.1, 1],
    registers,
  });
  for (const s of v.seconds) h.observe(s);
  const g = new Gauge({ name: 'rrproxy_backends', help: 'h', labelNames: ['state'], registers });
  g.set({ state: 'healthy' }, v.healthy);
  g.set({ state: 'ejected' }, v.ejected);
  new Counter({ name: 'rrproxy_discovery_updates_total', help: 'h', registers }).inc(
    v.requests === 0 ? 4 : 1,
  );
  new Gauge({ name: 'process_resident_memory_bytes', help: 'h', registers }).set(100);
  return r;
}

test('counters and histograms add up across workers; pod-level series are not multiplied', async () => {
  const primary = registry({ requests: 0, seconds: [], healthy: 2, ejected: 0 });
  new Gauge({ name: 'rrproxy_cluster_workers', help: 'h', registers: [primary] }).set(2);
  const w1 = registry({ requests: 3, seconds: [0.05, 0.5], healthy: 2, ejected: 0 });
  const w2 = registry({ requests: 4, seconds: [2], healthy: 1, ejected: 1 });
  const pod = aggregatePodMetrics(await primary.getMetricsAsJSON(), [
    JSON.parse(JSON.stringify(await w1.getMetricsAsJSON())),
    await w2.getMetricsAsJSON(),
  ]);
  const text = parsePrometheusText(await pod.metrics());
  const value = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(text, name, labels);
  expect(value('rrproxy_requests_total', { backend: '10.0.0.1:80' })).toBe(7);
  expect(value('rrproxy_request_duration_seconds_count')).toBe(3);
  expect(value('rrproxy_request_duration_seconds_bucket', { le: '0.1' })).toBe(1);
  expect(value('rrproxy_request_duration_seconds_bucket', { le: '1' })).toBe(2);
  // The primary runs discovery: its count, not the workers' copies added to it.
  expect(value('rrproxy_discovery_updates_total')).toBe(4);
  expect(value('rrproxy_cluster_workers')).toBe(2);
  // Every worker holds the same two backends: the largest view per state, not the sum.
  expect(value('rrproxy_backends', { state: 'healthy' })).toBe(2);
  expect(value('rrproxy_backends', { state: 'ejected' })).toBe(1);
  // Process figures are the pod's: three processes.
  expect(value('process_resident_memory_bytes')).toBe(300);
});

test('where each metric of the pod comes from', () => {
  expect(podMetricSource('rrproxy_discovery_synced')).toBe('primary');
  expect(podMetricSource('rrproxy_cluster_worker_restarts_total')).toBe('primary');
  expect(podMetricSource('rrproxy_backend_state')).toBe('workers-max');
  expect(podMetricSource('rrproxy_cache_hits_total')).toBe('workers-sum');
  expect(podMetricSource('process_cpu_seconds_total')).toBe('workers-sum');
});
