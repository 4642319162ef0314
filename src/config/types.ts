/**
 * The one typed shape of rrproxy's configuration. Every capability extends this shape under its
 * own top-level key. Durations are milliseconds and sizes are bytes once loaded; the YAML file,
 * env vars and flags may spell them as "30s" or "64KiB" (see src/config/units.ts).
 */

export interface HostPort {
  /** IP address or hostname; IPv6 without brackets. */
  host: string;
  port: number;
}

export interface BackendConfig {
  host: string;
  port: number;
  weight: number;
}

/** 'weighted-round-robin' is an alias of 'round-robin', which honours weights (smooth WRR). */
export type Strategy = 'round-robin' | 'weighted-round-robin' | 'least-request' | 'consistent-hash';

export interface HashConfig {
  /** Request header whose value is hashed ('' = none). Checked first. */
  header: string;
  /** Cookie whose value is hashed ('' = none). Checked when the header is absent. */
  cookie: string;
}

/** 'auto': on for static backends, off in Kubernetes modes (readiness already feeds the slices). */
export type HealthCheckMode = 'auto' | 'on' | 'off';

export interface HealthCheckConfig {
  enabled: HealthCheckMode;
  /** Path of the HTTP GET; a 2xx or 3xx answer is healthy. */
  path: string;
  /** Time between checks of one backend (jittered by +-10 %). */
  interval: number;
  /** A check not answered within this is a failure. */
  timeout: number;
  /** Successes in a row that make an unhealthy backend healthy again. */
  healthyThreshold: number;
  /** Failures in a row that make a healthy backend unhealthy. */
  unhealthyThreshold: number;
}

export interface OutlierConfig {
  /** Connect failures, timeouts and resets in a row that eject a backend (0 = never). */
  consecutiveFailures: number;
  /** 5xx responses in a row that eject a backend (0 = never). */
  consecutive5xx: number;
  /** First ejection time; the n-th ejection in a row lasts n times this. */
  baseEjectionTime: number;
  /** Cap of one ejection's duration. */
  maxEjectionTime: number;
  /** At most this share of the backends is ejected at once (at least one of two or more). */
  maxEjectedPercent: number;
}

export interface StrategyConfig {
  name: Strategy;
  hash: HashConfig;
  healthCheck: HealthCheckConfig;
  outlier: OutlierConfig;
}

export interface TimeoutsConfig {
  /** TCP connect to a backend. */
  connect: number;
  /** From the request sent to the backend until its response head has arrived (-> 504). */
  responseHeader: number;
  /** Inactivity while exchanging body bytes with a backend (-> 504 or abort). */
  upstreamIdle: number;
  /** How long an idle pooled backend connection is kept (capped by the backend's Keep-Alive). */
  upstreamKeepAlive: number;
  /** Total time a client may take to send a request head, from its first byte (-> 408). */
  clientHeader: number;
  /** Inactivity while a client sends a request body (-> 408). */
  clientBodyIdle: number;
  /** Inactivity while writing a response to a slow client (-> abort). */
  clientSend: number;
  /** How long an idle keep-alive client connection is kept between requests. */
  clientKeepAlive: number;
  /** After SIGTERM: how long in-flight requests may take to finish before exit. */
  drain: number;
  /** After SIGTERM: keep accepting while readiness reports false, so endpoints can update. */
  shutdownDelay: number;
  /** How long a request waits for a backend below limits.maxInFlightPerBackend (then 503). */
  backendQueue: number;
}

export interface LimitsConfig {
  maxRequestLineBytes: number;
  maxHeaderBytes: number;
  maxHeaderCount: number;
  maxRequestBodyBytes: number;
  maxClientConnections: number;
  /** Bound on one chunk-size line including extensions. */
  maxChunkLineBytes: number;
  /** Bound on a chunked trailer section. */
  maxTrailerBytes: number;
  /** Backend tries per request (connect failures skip to the next backend). */
  maxTries: number;
  /** Retries in progress at most this percentage of active requests (Envoy retry budget). */
  retryBudgetPercent: number;
  /** Concurrent retries always allowed whatever the budget (Envoy min_retry_concurrency). */
  retryBudgetMinConcurrency: number;
  /** Retry idempotent requests answered 502, 503 or 504 on another backend. */
  retryGatewayErrors: boolean;
  /** Requests in flight per backend (0 = unlimited); the excess waits timeouts.backendQueue. */
  maxInFlightPerBackend: number;
  /** Bytes of request body kept so an idempotent request can be replayed safely. */
  replayBufferBytes: number;
  /** Idle keep-alive sockets kept per backend. */
  maxIdlePerBackend: number;
  /** Unread pipelined bytes buffered per client before its socket is paused. */
  maxPipelineBytes: number;
  /**
   * Proxy processes (node:cluster) sharing the listen socket; 1 = one process, no cluster. The
   * CPU a pod may use is a resource bound like the others here (src/cluster).
   */
  workers: number;
}

export interface HeadersConfig {
  /** CIDRs whose X-Forwarded-* we believe. */
  trustedProxies: string[];
  /** Name we add to Via, and detect loops by. */
  viaName: string;
  /** Header carrying the request id; kept when valid, generated otherwise, echoed back. */
  requestIdHeader: string;
  /** Raw path prefix removed before forwarding (segment boundary), or '' for none. */
  stripPathPrefix: string;
  /** Raw path prefix added before forwarding, or '' for none. */
  addPathPrefix: string;
  /** Host sent to backends instead of the client's, or '' to keep the client's. */
  hostRewrite: string;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogConfig {
  level: LogLevel;
  /** Human-readable output (demo); JSON lines otherwise. */
  pretty: boolean;
  /** One access line per request. */
  access: boolean;
}

export interface CacheConfig {
  enabled: boolean;
  /** Total bytes of stored responses: bodies, fields and bookkeeping (LRU eviction beyond). */
  maxBytes: number;
  /** Largest stored response; larger ones stream through uncached. */
  maxObjectBytes: number;
  /** Heuristic freshness (RFC 9111 4.2.2) for responses without max-age/s-maxage/Expires. */
  heuristic: boolean;
  /** Heuristic lifetime as a percentage of the time since Last-Modified. */
  heuristicPercent: number;
  /** Store responses that carry Set-Cookie (they would be replayed to every client). */
  storeSetCookie: boolean;
  /** Status codes that may be stored; empty: any final status RFC 9111 allows. */
  statuses: number[];
  /** Include the Host in the cache key (off: one cache for all virtual hosts). */
  hostInKey: boolean;
  /** Client no-cache / max-age force revalidation (RFC 9111 5.2.1: advisory for shared caches). */
  honorClientNoCache: boolean;
  /** Default stale-if-error window (RFC 5861) when the response names none. */
  staleIfError: number;
  /** Default stale-while-revalidate window (RFC 5861) when the response names none. */
  staleWhileRevalidate: number;
  /** Response field carrying HIT, MISS, STALE, REVALIDATED or BYPASS; "" for none. */
  statusHeaderName: string;
  /** How long a request waits for a concurrent fetch of the same URL before going upstream. */
  coalesceWait: number;
  /** Bearer token of the admin purge endpoint; "" (and no file) disables the endpoint. */
  purgeToken: string;
  /** File holding the purge token (a mounted Secret); read on each purge request. */
  purgeTokenFile: string;
}

export type DiscoveryMode = 'static' | 'endpointslices' | 'endpoints';

export interface DiscoveryConfig {
  mode: DiscoveryMode;
  /** Namespace watched; '' means the pod's own (service-account namespace file). */
  namespace: string;
  service: string;
  /** Service port name to pick from slices; '' means the only port. */
  portName: string;
  /** Kubeconfig path; '' means KUBECONFIG, else in-cluster. */
  kubeconfig: string;
  /** Keep one address family per pod in dual-stack; 'auto' = family of first slice seen. */
  addressFamily: 'auto' | 'IPv4' | 'IPv6';
}

export interface TracingConfig {
  /** OTLP/HTTP endpoint; '' means OTEL_EXPORTER_OTLP_ENDPOINT, and tracing off when both empty. */
  endpoint: string;
  serviceName: string;
  /** Parent-based ratio sampler, 0..1. */
  sampleRatio: number;
}

export interface Config {
  listen: HostPort;
  admin: HostPort;
  backends: BackendConfig[];
  /** In YAML, `strategy: NAME` is short for `strategy: { name: NAME }`. */
  strategy: StrategyConfig;
  timeouts: TimeoutsConfig;
  limits: LimitsConfig;
  headers: HeadersConfig;
  log: LogConfig;
  cache: CacheConfig;
  discovery: DiscoveryConfig;
  tracing: TracingConfig;
}
