import type { Config } from './types';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The one place defaults live. The README's configuration table is checked against this object
 * by a test, so a default changed here must be changed there.
 */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  listen: { host: '0.0.0.0', port: 8080 },
  admin: { host: '127.0.0.1', port: 9901 },
  backends: [],
  strategy: {
    name: 'round-robin',
    hash: { header: '', cookie: '' },
    healthCheck: {
      enabled: 'auto',
      path: '/',
      interval: 5_000,
      timeout: 2_000,
      // HAProxy's rise/fall spirit with a shorter fall: two misses are enough to stop sending.
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    },
    outlier: {
      consecutiveFailures: 3,
      consecutive5xx: 5,
      // Envoy's outlier detection defaults (30 s base, 300 s cap).
      baseEjectionTime: 30_000,
      maxEjectionTime: 300_000,
      maxEjectedPercent: 50,
    },
  },
  timeouts: {
    connect: 5_000,
    responseHeader: 30_000,
    upstreamIdle: 60_000,
    // Below nginx's keepalive_timeout (75 s) so we close idle sockets before the backend does.
    upstreamKeepAlive: 30_000,
    clientHeader: 10_000,
    clientBodyIdle: 30_000,
    clientSend: 60_000,
    clientKeepAlive: 60_000,
    drain: 25_000,
    shutdownDelay: 0,
    backendQueue: 1_000,
  },
  limits: {
    maxRequestLineBytes: 8 * KiB,
    maxHeaderBytes: 64 * KiB,
    maxHeaderCount: 100,
    maxRequestBodyBytes: 100 * MiB,
    maxClientConnections: 16_384,
    maxChunkLineBytes: 4 * KiB,
    maxTrailerBytes: 16 * KiB,
    maxTries: 3,
    // Envoy's budget shape (3 concurrent retries always, as min_retry_concurrency) with a wider
    // share than its 20 %: one backend of three dying resets a third of the requests in flight
    // at once, and those must all be retried; a fleet-wide failure is still capped at 1.5
    // attempts per request instead of limits.maxTries.
    retryBudgetPercent: 50,
    retryBudgetMinConcurrency: 3,
    retryGatewayErrors: true,
    maxInFlightPerBackend: 0,
    replayBufferBytes: 64 * KiB,
    maxIdlePerBackend: 128,
    maxPipelineBytes: 64 * KiB,
    // One process per pod: in Kubernetes, scale with replicas (README, "Workers").
    workers: 1,
  },
  headers: {
    trustedProxies: [],
    viaName: 'rrproxy',
    requestIdHeader: 'x-request-id',
    stripPathPrefix: '',
    addPathPrefix: '',
    hostRewrite: '',
  },
  log: { level: 'info', pretty: false, access: true },
  cache: {
    enabled: false,
    maxBytes: 64 * MiB,
    maxObjectBytes: 8 * MiB,
    // RFC 9111 4.2.2 allows heuristics; off so only responses that ask to be cached are.
    heuristic: false,
    heuristicPercent: 10,
    storeSetCookie: false,
    statuses: [],
    hostInKey: true,
    // Browsers' reloads send no-cache / max-age=0 and expect a fresh answer.
    honorClientNoCache: true,
    // No stale responses unless the response's own stale-* directives allow them.
    staleIfError: 0,
    staleWhileRevalidate: 0,
    statusHeaderName: 'X-Cache',
    coalesceWait: 5_000,
    purgeToken: '',
    purgeTokenFile: '',
  },
  discovery: {
    mode: 'static',
    namespace: '',
    service: '',
    portName: '',
    kubeconfig: '',
    addressFamily: 'auto',
  },
  tracing: { endpoint: '', serviceName: 'rrproxy', sampleRatio: 1 },
} satisfies Config);
