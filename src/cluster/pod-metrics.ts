import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * /metrics of a --workers pod: prom-client's AggregatorRegistry over the JSON of every worker's
 * registry (each worker counts its own requests, connections, pools and cache) and of the
 * primary's. Each metric is combined by its own `aggregator` (sum unless it says otherwise:
 * prom-client's event-loop lag is averaged, its version info taken once), so counters and
 * histograms add up across workers, and process_* figures become the pod's.
 *
 * Not everything adds up:
 * - discovery and the cluster itself are the primary's alone (it runs discovery; the workers
 *   have no such series, or, for the count of sets received, copies of the primary's);
 * - the backend set by state is every worker's view of the same backends (each has its own
 *   passive health): summed it would count each backend N times, so the largest per label set
 *   is kept: a backend ejected by any worker shows as ejected;
 * - the primary's own request-path series are all zero and are dropped.
 */
export type PodMetricSource = 'primary' | 'workers-max' | 'workers-sum';

export function podMetricSource(name: string): PodMetricSource {
  if (name.startsWith('rrproxy_discovery_') || name.startsWith('rrproxy_cluster_'))
    return 'primary';
  if (name === 'rrproxy_backends' || name === 'rrproxy_backend_state') return 'workers-max';
  return 'workers-sum';
}

function nameOf(metric: unknown): string {
  const name =
    typeof metric === 'object' && metric !== null
      ? (metric as Record<string, unknown>)['name']
      : undefined;
  return typeof name === 'string' ? name : '';
}

function metricList(json: unknown): object[] {
  return Array.isArray(json)
    ? json.filter((m): m is object => typeof m === 'object' && m !== null && nameOf(m) !== '')
    : [];
}

/** The pod's registry from the primary's getMetricsAsJSON() and each worker's. */
export function aggregatePodMetrics(primary: unknown, workers: readonly unknown[]): Registry {
  const own = metricList(primary).filter((m) => {
    const name = nameOf(m);
    // Its process_* and nodejs_* figures are part of the pod's; its rrproxy_* request series
    // are zero.
    return podMetricSource(name) === 'primary' || !name.startsWith('rrproxy_');
  });
  const theirs = workers.map((w) =>
    metricList(w).flatMap((m) => {
      const source = podMetricSource(nameOf(m));
      if (source === 'primary') return [];
      return source === 'workers-max' ? [{ ...m, aggregator: 'max' }] : [m];
    }),
  );
  return AggregatorRegistry.aggregate([own, ...theirs]);
}
