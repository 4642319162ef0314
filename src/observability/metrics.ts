import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Backend, BackendSet } from '../balancer/backend';
import type {
  ExchangeObserver,
  Outcome,
  RequestEndEvent,
  RequestObservation,
} from '../proxy/observer';
import { PlainHistogram, type HistogramCell } from './plain-histogram';

/**
 * Prometheus metrics of the proxy, served as text on the admin port's /metrics.
 *
 * prom-client, not OTel metrics: Prometheus text is what /metrics must serve and prom-client is
 * the standard producer of it; the OTel Prometheus exporter would start a second HTTP server
 * beside the admin one.
 *
 * Hot path: per request the exchange only bumps plain numbers in a per-backend record and
 * observes histogram cells bound per backend (PlainHistogram: no label hashing per observe);
 * counters and gauges are turned into series when
 * Prometheus scrapes (collect callbacks), reading the pools, discovery and the cache then.
 * Series labelled by a backend exist only while that backend is in the BackendSet: pod IPs churn
 * and the label set must not grow without bound.
 */

/** What the scrape reads; every source is read at scrape time only. */
export interface MetricsSources {
  /** Client connections and requests in flight (ProxyStats). */
  readonly stats: { readonly clientConnections: number; readonly activeRequests: number };
  /** Upstream pools (PoolRegistry.all()). */
  pools(): Iterable<PoolView>;
  /** Kubernetes discovery status; null for static discovery (no such series then). */
  readonly discovery: (() => DiscoveryView) | null;
  /** Cache counters (HttpCache.snapshot()), or null when the cache is disabled. */
  cache(): CacheView | null;
  /** Health of a backend (src/balancer resilience); absent: every backend counts as healthy. */
  readonly health?: ((b: Backend) => HealthView) | null;
  /** Retry budget and in-flight queue counters (src/balancer resilience), when present. */
  readonly resilience?: (() => ResilienceView) | null;
  /** Span export counters when tracing is on; null when off (no such series then). */
  readonly traceExport?: (() => TraceExportView) | null;
}

export interface HealthView {
  /** Passing active checks (or not checked). */
  readonly activeHealthy: boolean;
  /** Epoch ms the current passive ejection ends, or null. */
  readonly ejectedUntil: number | null;
}

export type BackendState = 'healthy' | 'ejected' | 'unhealthy' | 'terminating';

/** One state per backend; the first that applies: terminating, ejected, unhealthy, healthy. */
export function backendState(
  b: Backend,
  health: ((b: Backend) => HealthView) | null,
): BackendState {
  if (b.terminating === true) return 'terminating';
  if (health === null) return 'healthy';
  const h = health(b);
  if (h.ejectedUntil !== null) return 'ejected';
  return h.activeHealthy ? 'healthy' : 'unhealthy';
}

export interface ResilienceView {
  /** Retries refused by the retry budget since start. */
  readonly retriesDenied: number;
  /** Requests waiting for a backend below limits.maxInFlightPerBackend. */
  readonly queued: number;
}

export interface TraceExportView {
  readonly failures: number;
  readonly droppedSpans: number;
}

export interface PoolView {
  readonly backend: Backend;
  readonly active: number;
  readonly idleCount: number;
  readonly created: number;
}

export interface DiscoveryView {
  readonly state: string;
  readonly synced: boolean;
  /** Epoch ms of the last watch event or list; 0 when never. */
  readonly lastEventAt: number;
  readonly errors: number;
}

export interface CacheView {
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly revalidated: number;
  readonly bypass: number;
  readonly stores: number;
  readonly evictions: number;
  readonly bytes: number;
  readonly entries: number;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag, GC); off in unit tests. */
  readonly processMetrics?: boolean;
  readonly now?: () => number;
}

/** Totals of one backend for the /backends admin view. */
export interface BackendTotals {
  readonly requests: number;
  readonly responses5xx: number;
  readonly upstreamErrors: number;
}

const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** Classes always exported per backend, so ratios have a denominator before the first error. */
const ALWAYS_EXPORTED = new Set([2, 3, 4, 5]);
const NO_BACKEND = 'none';

/** Seconds; the proxy adds well under a millisecond, backends take what they take. */
const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/** Seconds; a loopback or same-node connect takes ~100 µs, a cross-zone one a few ms. */
const CONNECT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

interface Observe {
  observe(value: number): void;
}

const DISCARD: Observe = { observe: () => undefined };

/** Hot-path accumulators of one backend (plain numbers), turned into series at scrape. */
class BackendSeries {
  /** Responses by status class, indexed by STATUS_CLASSES. */
  readonly requests = [0, 0, 0, 0, 0, 0];
  /** Failed upstream attempts by error code. */
  readonly errors = new Map<string, number>();

  constructor(
    readonly id: string,
    readonly backend: Backend | null,
    readonly connect: Observe,
    readonly response: Observe,
  ) {}

  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  totals(): BackendTotals {
    let requests = 0;
    for (const n of this.requests) requests += n;
    let upstreamErrors = 0;
    for (const n of this.errors.values()) upstreamErrors += n;
    return { requests, responses5xx: this.requests[5]!, upstreamErrors };
  }
}

function statusClassIndex(status: number): number {
  const c = (status / 100) | 0;
  return c >= 1 && c <= 5 ? c : 0;
}

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, BackendSeries>();
  private readonly noBackend = new BackendSeries(NO_BACKEND, null, DISCARD, DISCARD);
  private readonly requestDuration: HistogramCell;
  private readonly connectTime: PlainHistogram;
  private readonly responseTime: PlainHistogram;
  private readonly now: () => number;
  private backendSet: BackendSet | null = null;
  private setUpdates = 0;
  private retries = 0;
  /** The exchange hooks that feed these metrics. */
  readonly observer: ExchangeObserver;

  constructor(
    private readonly sources: MetricsSources,
    opts: MetricsOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    const registers = [this.registry];
    if (opts.processMetrics === true) collectDefaultMetrics({ register: this.registry });

    // ---- requests ------------------------------------------------------------------------
    const series = (): Iterable<BackendSeries> => this.allSeries();
    new Counter({
      name: 'rrproxy_requests_total',
      help: 'Requests answered, by backend ("none": cache or proxy answered) and status class.',
      labelNames: ['backend', 'status_class'],
      registers,
      collect() {
        this.reset();
        for (const s of series()) {
          for (let i = 0; i < STATUS_CLASSES.length; i++) {
            const n = s.requests[i]!;
            if (n > 0 || (s.backend !== null && ALWAYS_EXPORTED.has(i)))
              this.inc({ backend: s.id, status_class: STATUS_CLASSES[i]! }, n);
          }
        }
      },
    });
    this.requestDuration = new PlainHistogram(
      'rrproxy_request_duration_seconds',
      'Time from the request head to the end of the response, as seen by the proxy.',
      [],
      DURATION_BUCKETS,
      this.registry,
    ).cell();
    new Gauge({
      name: 'rrproxy_requests_in_flight',
      help: 'Requests being served.',
      registers,
      collect() {
        this.set(sources.stats.activeRequests);
      },
    });
    new Gauge({
      name: 'rrproxy_client_connections',
      help: 'Open client connections.',
      registers,
      collect() {
        this.set(sources.stats.clientConnections);
      },
    });

    // ---- upstream ------------------------------------------------------------------------
    this.connectTime = new PlainHistogram(
      'rrproxy_upstream_connect_seconds',
      'TCP connect time of new upstream connections.',
      ['backend'],
      CONNECT_BUCKETS,
      this.registry,
    );
    this.responseTime = new PlainHistogram(
      'rrproxy_upstream_response_seconds',
      'Time from an upstream attempt start to its response head (time to first byte).',
      ['backend'],
      DURATION_BUCKETS,
      this.registry,
    );
    new Counter({
      name: 'rrproxy_upstream_errors_total',
      help: 'Failed upstream attempts, by backend and error code (retried or not).',
      labelNames: ['backend', 'code'],
      registers,
      collect() {
        this.reset();
        for (const s of series())
          for (const [code, n] of s.errors) this.inc({ backend: s.id, code }, n);
      },
    });
    const retries = (): number => this.retries;
    new Counter({
      name: 'rrproxy_upstream_retries_total',
      help: 'Upstream attempts beyond the first of their request (retries and replays).',
      registers,
      collect() {
        this.reset();
        this.inc(retries());
      },
    });
    const inSet = (id: string): boolean => this.series.has(id);
    new Gauge({
      name: 'rrproxy_upstream_connections',
      help: 'Upstream connections by backend and state (active: serving an exchange).',
      labelNames: ['backend', 'state'],
      registers,
      collect() {
        this.reset();
        for (const p of sources.pools()) {
          if (!inSet(p.backend.id)) continue;
          this.set({ backend: p.backend.id, state: 'active' }, p.active);
          this.set({ backend: p.backend.id, state: 'idle' }, p.idleCount);
        }
      },
    });
    new Counter({
      name: 'rrproxy_upstream_connections_opened_total',
      help: 'Upstream connections opened, by backend.',
      labelNames: ['backend'],
      registers,
      collect() {
        this.reset();
        for (const p of sources.pools())
          if (inSet(p.backend.id)) this.inc({ backend: p.backend.id }, p.created);
      },
    });

    // ---- backends and discovery ----------------------------------------------------------
    const current = (): readonly Backend[] => this.backendSet?.backends ?? [];
    const health = sources.health ?? null;
    const stateOf = (b: Backend): BackendState => backendState(b, health);
    new Gauge({
      name: 'rrproxy_backends',
      help: 'Backends in the current set by state: healthy, ejected (passive), unhealthy (active checks), terminating (fallback only).',
      labelNames: ['state'],
      registers,
      collect() {
        const counts: Record<BackendState, number> = {
          healthy: 0,
          ejected: 0,
          unhealthy: 0,
          terminating: 0,
        };
        for (const b of current()) counts[stateOf(b)]++;
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'rrproxy_backend_state',
      help: 'One series per backend in the set, valued 1, with its pod and state (see rrproxy_backends).',
      labelNames: ['backend', 'pod', 'state'],
      registers,
      collect() {
        this.reset();
        for (const b of current())
          this.set({ backend: b.id, pod: b.pod ?? '', state: stateOf(b) }, 1);
      },
    });
    const updates = (): number => this.setUpdates;
    new Counter({
      name: 'rrproxy_discovery_updates_total',
      help: 'Backend sets pushed by discovery.',
      registers,
      collect() {
        this.reset();
        this.inc(updates());
      },
    });
    if (sources.discovery !== null) this.registerDiscoveryMetrics(sources.discovery);

    // ---- cache ---------------------------------------------------------------------------
    if (sources.cache() !== null) this.registerCacheMetrics();
    const resilience = sources.resilience ?? null;
    if (resilience !== null) {
      new Counter({
        name: 'rrproxy_retries_denied_total',
        help: 'Retries refused by the retry budget.',
        registers,
        collect() {
          this.reset();
          this.inc(resilience().retriesDenied);
        },
      });
      new Gauge({
        name: 'rrproxy_backend_queue_waiting',
        help: 'Requests waiting for a backend below limits.maxInFlightPerBackend.',
        registers,
        collect() {
          this.set(resilience().queued);
        },
      });
    }
    const traceExport = sources.traceExport ?? null;
    if (traceExport !== null) {
      new Counter({
        name: 'rrproxy_trace_export_failures_total',
        help: 'Span batches the collector did not accept (unreachable, or an error status).',
        registers,
        collect() {
          this.reset();
          this.inc(traceExport().failures);
        },
      });
      new Counter({
        name: 'rrproxy_trace_spans_dropped_total',
        help: 'Spans lost in failed exports.',
        registers,
        collect() {
          this.reset();
          this.inc(traceExport().droppedSpans);
        },
      });
    }

    this.observer = new MetricsObserver(this);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** A new BackendSet: series of backends that left are deleted, new ones get bound children. */
  onBackendSet(set: BackendSet): void {
    this.setUpdates++;
    this.backendSet = set;
    for (const id of this.series.keys()) {
      if (set.has(id)) continue;
      this.series.delete(id);
      this.connectTime.remove([id]);
      this.responseTime.remove([id]);
    }
    for (const b of set.backends) {
      if (this.series.has(b.id)) continue;
      this.series.set(
        b.id,
        new BackendSeries(b.id, b, this.connectTime.cell([b.id]), this.responseTime.cell([b.id])),
      );
    }
  }

  /** Request totals of a backend in the current set (for /backends), or null. */
  backendTotals(id: string): BackendTotals | null {
    return this.series.get(id)?.totals() ?? null;
  }

  // ---- fed by MetricsObservation ---------------------------------------------------------

  /** The series of a backend in the set; null for one that already left (its counts drop). */
  seriesOf(id: string): BackendSeries | null {
    return this.series.get(id) ?? null;
  }

  /** A request refused before it became an exchange: counted under backend "none". */
  requestRejected(status: number): void {
    this.noBackend.requests[statusClassIndex(status)]!++;
  }

  requestEnded(ev: RequestEndEvent): void {
    const s = ev.backend === null ? this.noBackend : this.seriesOf(ev.backend.id);
    if (s !== null) s.requests[statusClassIndex(ev.status)]!++;
    if (ev.attempts > 1) this.retries += ev.attempts - 1;
    this.requestDuration.observe(ev.durationMs / 1000);
  }

  private *allSeries(): Iterable<BackendSeries> {
    yield this.noBackend;
    yield* this.series.values();
  }

  private registerDiscoveryMetrics(status: () => DiscoveryView): void {
    const registers = [this.registry];
    const now = this.now;
    const startedAt = now();
    new Counter({
      name: 'rrproxy_discovery_errors_total',
      help: 'Failed lists and watches of the API server.',
      registers,
      collect() {
        this.reset();
        this.inc(status().errors);
      },
    });
    new Gauge({
      name: 'rrproxy_discovery_last_event_age_seconds',
      help: 'Seconds since the last watch event or list (since start when none yet).',
      registers,
      collect() {
        const at = status().lastEventAt;
        this.set(Math.max(0, now() - (at > 0 ? at : startedAt)) / 1000);
      },
    });
    new Gauge({
      name: 'rrproxy_discovery_synced',
      help: '1 once the first list succeeded.',
      registers,
      collect() {
        this.set(status().synced ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rrproxy_discovery_state',
      help: 'Discovery state (syncing, watching, backoff, forbidden), 1 for the current one.',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        this.set({ state: status().state }, 1);
      },
    });
  }

  private registerCacheMetrics(): void {
    const registers = [this.registry];
    const cache = this.sources.cache;
    const counters: ReadonlyArray<[string, string, (c: CacheView) => number]> = [
      ['rrproxy_cache_hits_total', 'Requests answered from the cache.', (c) => c.hits],
      ['rrproxy_cache_misses_total', 'Cacheable requests not found in the cache.', (c) => c.misses],
      ['rrproxy_cache_stale_total', 'Stale responses served (RFC 5861).', (c) => c.stale],
      [
        'rrproxy_cache_revalidated_total',
        'Stored responses revalidated with the origin (RFC 9111 4.3).',
        (c) => c.revalidated,
      ],
      ['rrproxy_cache_bypass_total', 'Requests the cache did not take part in.', (c) => c.bypass],
      ['rrproxy_cache_stores_total', 'Responses stored.', (c) => c.stores],
      [
        'rrproxy_cache_evictions_total',
        'Entries evicted to stay under maxBytes.',
        (c) => c.evictions,
      ],
    ];
    for (const [name, help, read] of counters) {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const c = cache();
          if (c !== null) this.inc(read(c));
        },
      });
    }
    const gauges: ReadonlyArray<[string, string, (c: CacheView) => number]> = [
      ['rrproxy_cache_bytes', 'Bytes held by stored responses.', (c) => c.bytes],
      ['rrproxy_cache_entries', 'Stored responses.', (c) => c.entries],
    ];
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const c = cache();
          this.set(c === null ? 0 : read(c));
        },
      });
    }
  }
}

/** Feeds ProxyMetrics from the exchange hooks; returns no upstream header lines. */
class MetricsObserver implements ExchangeObserver {
  constructor(private readonly metrics: ProxyMetrics) {}

  requestStart(): RequestObservation {
    return new MetricsObservation(this.metrics);
  }

  requestRejected(status: number): void {
    this.metrics.requestRejected(status);
  }
}

class MetricsObservation implements RequestObservation {
  private series: BackendSeries | null = null;
  private attemptAt = 0;
  private reused = true;

  constructor(private readonly metrics: ProxyMetrics) {}

  attemptStart(backend: Backend, reused: boolean): string | null {
    this.series = this.metrics.seriesOf(backend.id);
    this.reused = reused;
    this.attemptAt = performance.now();
    return null;
  }

  attemptConnected(): void {
    // Connect time of new connections only: a reused one is ready at once.
    if (!this.reused && this.series !== null)
      this.series.connect.observe((performance.now() - this.attemptAt) / 1000);
  }

  attemptResponse(): void {
    if (this.series !== null)
      this.series.response.observe((performance.now() - this.attemptAt) / 1000);
  }

  attemptEnd(outcome: Outcome): void {
    if (outcome !== 'ok' && this.series !== null) this.series.countError(outcome);
    this.series = null;
  }

  cacheStatus(): void {
    // Counted by the cache itself (snapshot at scrape).
  }

  requestEnd(ev: RequestEndEvent): void {
    this.metrics.requestEnded(ev);
  }
}
