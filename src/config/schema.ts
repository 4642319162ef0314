/**
 * The schema of the Config shape: one row per leaf key, with its kind, its environment variable
 * (derived from the key, never spelled by hand), its flag when it has one, and what it is for.
 * The loader, the env mapping, the help text and the README table all read this one table.
 */
import { DEFAULT_CONFIG } from './defaults';
import {
  backendList,
  boolean,
  checkAuthority,
  checkDnsLabel,
  checkHttpUrl,
  checkNonEmpty,
  checkOriginPath,
  checkPathPrefix,
  checkToken,
  cidrList,
  statusList,
  duration,
  hostPort,
  integer,
  oneOf,
  ratio,
  size,
  text,
  type Kind,
} from './kinds';
import type { DiscoveryConfig, DiscoveryMode, HealthCheckMode, LogLevel, Strategy } from './types';

export const STRATEGIES = [
  'round-robin',
  'weighted-round-robin',
  'least-request',
  'consistent-hash',
] as const satisfies readonly Strategy[];
export const HEALTH_CHECK_MODES = [
  'auto',
  'on',
  'off',
] as const satisfies readonly HealthCheckMode[];
export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LogLevel[];
export const DISCOVERY_MODES = [
  'static',
  'endpointslices',
  'endpoints',
] as const satisfies readonly DiscoveryMode[];
export const KUBERNETES_MODES: readonly DiscoveryMode[] = ['endpointslices', 'endpoints'];
export const ADDRESS_FAMILIES = [
  'auto',
  'IPv4',
  'IPv6',
] as const satisfies readonly DiscoveryConfig['addressFamily'][];

// Compile-time proof that the lists above name every member of their union types: adding a
// strategy to types.ts without listing it here fails the build.
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
type AssertTrue<T extends true> = T;
export type EnumListsAreComplete = [
  AssertTrue<Covers<Strategy, (typeof STRATEGIES)[number]>>,
  AssertTrue<Covers<HealthCheckMode, (typeof HEALTH_CHECK_MODES)[number]>>,
  AssertTrue<Covers<LogLevel, (typeof LOG_LEVELS)[number]>>,
  AssertTrue<Covers<DiscoveryMode, (typeof DISCOVERY_MODES)[number]>>,
  AssertTrue<Covers<DiscoveryConfig['addressFamily'], (typeof ADDRESS_FAMILIES)[number]>>,
];

export interface FieldSpec {
  /** Dotted path in Config, e.g. "timeouts.responseHeader". */
  readonly key: string;
  /** RRPROXY_ + the path in UPPER_SNAKE, e.g. RRPROXY_TIMEOUTS_RESPONSE_HEADER. */
  readonly env: string;
  readonly kind: Kind<unknown>;
  readonly description: string;
}

/** timeouts.responseHeader -> RRPROXY_TIMEOUTS_RESPONSE_HEADER */
export function envNameOf(key: string): string {
  const snake = key
    .split('.')
    .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');
  return `RRPROXY_${snake}`;
}

function field<T>(key: string, kind: Kind<T>, description: string): FieldSpec {
  const erased: Kind<unknown> = {
    type: kind.type,
    fromValue: (v) => kind.fromValue(v),
    fromText: (t) => kind.fromText(t),
    format: (v) => kind.format(v as T),
  };
  return { key, env: envNameOf(key), kind: erased, description };
}

const LISTEN_RULES = { minPort: 0, anyHost: '0.0.0.0' } as const;

export const FIELDS: readonly FieldSpec[] = Object.freeze([
  field(
    'listen',
    hostPort(LISTEN_RULES),
    'Address clients connect to (":8080" = all IPv4, "[::]:8080" = all).',
  ),
  field('admin', hostPort(LISTEN_RULES), 'Admin listener: /healthz, /readyz, metrics.'),
  field(
    'backends',
    backendList(),
    'Static backends: "host:port" (hostnames resolved once at start) or { host, port, weight }.',
  ),
  field(
    'strategy.name',
    oneOf(STRATEGIES),
    'How a backend is picked (`strategy: NAME` is short for this). round-robin is smooth ' +
      'weighted round robin; weighted-round-robin is its alias.',
  ),
  field(
    'strategy.hash.header',
    text((v) => (v === '' ? undefined : checkToken(v))),
    'consistent-hash: request header hashed ("" = none); checked before the cookie.',
  ),
  field(
    'strategy.hash.cookie',
    text((v) => (v === '' ? undefined : checkToken(v))),
    'consistent-hash: cookie hashed ("" = none). Requests with neither go round robin.',
  ),
  field(
    'strategy.healthCheck.enabled',
    oneOf(HEALTH_CHECK_MODES),
    'Active health checks; auto = on for static backends, off in Kubernetes modes.',
  ),
  field(
    'strategy.healthCheck.path',
    text(checkOriginPath),
    'Path of the health check GET; 2xx/3xx is healthy.',
  ),
  field(
    'strategy.healthCheck.interval',
    duration(100),
    'Time between checks of one backend (jittered +-10 %).',
  ),
  field('strategy.healthCheck.timeout', duration(1), 'A check unanswered this long failed.'),
  field(
    'strategy.healthCheck.healthyThreshold',
    integer(1, 100),
    'Successes in a row that bring a backend back.',
  ),
  field(
    'strategy.healthCheck.unhealthyThreshold',
    integer(1, 100),
    'Failures in a row that take a backend out.',
  ),
  field(
    'strategy.outlier.consecutiveFailures',
    integer(0, 1_000_000),
    'Connect failures, timeouts and resets in a row that eject a backend (0 = never).',
  ),
  field(
    'strategy.outlier.consecutive5xx',
    integer(0, 1_000_000),
    '5xx responses in a row that eject a backend (0 = never).',
  ),
  field(
    'strategy.outlier.baseEjectionTime',
    duration(1),
    'First ejection time; the n-th ejection in a row lasts n times this.',
  ),
  field('strategy.outlier.maxEjectionTime', duration(1), 'Cap of one ejection.'),
  field(
    'strategy.outlier.maxEjectedPercent',
    integer(0, 100),
    'Share of backends ejected at once (at least one of two; never all).',
  ),

  field('timeouts.connect', duration(1), 'TCP connect to a backend.'),
  field(
    'timeouts.responseHeader',
    duration(1),
    'Request sent until the backend response head arrives (504).',
  ),
  field(
    'timeouts.upstreamIdle',
    duration(1),
    'Inactivity while exchanging body bytes with a backend.',
  ),
  field(
    'timeouts.upstreamKeepAlive',
    duration(1),
    'Idle pooled backend connection lifetime (capped by the backend Keep-Alive).',
  ),
  field(
    'timeouts.clientHeader',
    duration(1),
    'Time a client may take to send a request head (408).',
  ),
  field(
    'timeouts.clientBodyIdle',
    duration(1),
    'Inactivity while a client sends a request body (408).',
  ),
  field('timeouts.clientSend', duration(1), 'Inactivity while writing to a slow client (abort).'),
  field('timeouts.clientKeepAlive', duration(1), 'Idle keep-alive client connection lifetime.'),
  field('timeouts.drain', duration(0), 'After SIGTERM: time in-flight requests get to finish.'),
  field(
    'timeouts.shutdownDelay',
    duration(0),
    'After SIGTERM: keep accepting while unready, so endpoints update.',
  ),
  field(
    'timeouts.backendQueue',
    duration(0),
    'Wait for a backend below limits.maxInFlightPerBackend, then 503 + Retry-After.',
  ),

  field('limits.maxRequestLineBytes', size(1), 'Request line bound (414).'),
  field('limits.maxHeaderBytes', size(1), 'Header block bound (431).'),
  field('limits.maxHeaderCount', integer(1, 100_000), 'Header field count bound (431).'),
  field('limits.maxRequestBodyBytes', size(0), 'Request body bound (413).'),
  field('limits.maxClientConnections', integer(1, 10_000_000), 'Concurrent client connections.'),
  field('limits.maxChunkLineBytes', size(1), 'One chunk-size line including extensions.'),
  field('limits.maxTrailerBytes', size(0), 'Chunked trailer section bound.'),
  field('limits.maxTries', integer(1, 100), 'Backends tried per request when connects fail.'),
  field(
    'limits.retryBudgetPercent',
    integer(0, 100),
    'Retries in progress at most this percentage of active requests.',
  ),
  field(
    'limits.retryBudgetMinConcurrency',
    integer(0, 1_000_000),
    'Concurrent retries always allowed whatever the budget.',
  ),
  field(
    'limits.retryGatewayErrors',
    boolean(),
    'Retry idempotent requests answered 502/503/504 on another backend.',
  ),
  field(
    'limits.maxInFlightPerBackend',
    integer(0, 10_000_000),
    'Requests in flight per backend (0 = unlimited); excess waits timeouts.backendQueue.',
  ),
  field(
    'limits.replayBufferBytes',
    size(0),
    'Request body kept so an idempotent request can be replayed.',
  ),
  field(
    'limits.maxIdlePerBackend',
    integer(0, 1_000_000),
    'Idle keep-alive sockets kept per backend.',
  ),
  field(
    'limits.maxPipelineBytes',
    size(1),
    'Unread pipelined bytes buffered per client before pausing it.',
  ),
  field(
    'limits.workers',
    integer(1, 64),
    'Proxy processes sharing the listen port (node:cluster); 1 = a single process.',
  ),

  field('headers.trustedProxies', cidrList(), 'CIDRs or IPs whose X-Forwarded-* are believed.'),
  field(
    'headers.viaName',
    text(checkToken),
    'Name added to Via; a request already carrying it is a loop (508).',
  ),
  field(
    'headers.requestIdHeader',
    text(checkToken),
    'Request id header: kept when valid, else generated; echoed.',
  ),
  field(
    'headers.stripPathPrefix',
    text(checkPathPrefix),
    'Raw path prefix removed before forwarding ("" = none).',
  ),
  field(
    'headers.addPathPrefix',
    text(checkPathPrefix),
    'Raw path prefix added before forwarding ("" = none).',
  ),
  field('headers.hostRewrite', text(checkAuthority), 'Host sent to backends ("" = the client\'s).'),

  field('log.level', oneOf(LOG_LEVELS), 'Log level.'),
  field('log.pretty', boolean(), 'Human-readable logs instead of JSON lines.'),
  field('log.access', boolean(), 'One access log line per request.'),

  field('cache.enabled', boolean(), 'RFC 9111 response cache.'),
  field('cache.maxBytes', size(1), 'Cache size bound.'),
  field('cache.maxObjectBytes', size(1), 'Largest cacheable response.'),
  field(
    'cache.heuristic',
    boolean(),
    'Heuristic freshness for responses without explicit freshness.',
  ),
  field(
    'cache.heuristicPercent',
    integer(0, 100),
    'Heuristic lifetime, percent of the time since Last-Modified.',
  ),
  field('cache.storeSetCookie', boolean(), 'Store responses that carry Set-Cookie.'),
  field(
    'cache.statuses',
    statusList(),
    'Status codes that may be stored (empty: any final status RFC 9111 allows).',
  ),
  field('cache.hostInKey', boolean(), 'Include the Host in the cache key.'),
  field('cache.honorClientNoCache', boolean(), 'Client no-cache / max-age=0 force revalidation.'),
  field('cache.staleIfError', duration(0), 'Default stale-if-error window (RFC 5861).'),
  field(
    'cache.staleWhileRevalidate',
    duration(0),
    'Default stale-while-revalidate window (RFC 5861).',
  ),
  field(
    'cache.statusHeaderName',
    text((v) => (v === '' ? undefined : checkToken(v))),
    'Response field with HIT/MISS/STALE/REVALIDATED/BYPASS ("" = none).',
  ),
  field(
    'cache.coalesceWait',
    duration(0),
    'Wait for a concurrent fetch of the same URL before going upstream.',
  ),
  field('cache.purgeToken', text(), 'Bearer token of the admin purge endpoint ("" = disabled).'),
  field('cache.purgeTokenFile', text(), 'File holding the purge token (a mounted Secret).'),

  field(
    'discovery.mode',
    oneOf(DISCOVERY_MODES),
    'Where backends come from: the static list or a Kubernetes watch.',
  ),
  field('discovery.namespace', text(checkDnsLabel), 'Namespace watched ("" = the pod\'s own).'),
  field(
    'discovery.service',
    text(checkDnsLabel),
    'Service whose endpoints are the backends (Kubernetes modes).',
  ),
  field('discovery.portName', text(checkDnsLabel), 'Service port name ("" = the only port).'),
  field('discovery.kubeconfig', text(), 'Kubeconfig path ("" = KUBECONFIG, else in-cluster).'),
  field(
    'discovery.addressFamily',
    oneOf(ADDRESS_FAMILIES),
    'Address family kept per pod in dual-stack.',
  ),

  field(
    'tracing.endpoint',
    text(checkHttpUrl),
    'OTLP/HTTP endpoint ("" = OTEL_EXPORTER_OTLP_ENDPOINT; off when both empty).',
  ),
  field('tracing.serviceName', text(checkNonEmpty), 'service.name of spans.'),
  field('tracing.sampleRatio', ratio(), 'Parent-based ratio sampler, 0..1.'),
]);

/** Not a Config key: names the YAML file when --config is not given. */
export const CONFIG_FILE_ENV = 'RRPROXY_CONFIG';

const BY_KEY: ReadonlyMap<string, FieldSpec> = new Map(FIELDS.map((f) => [f.key, f]));

export function fieldOf(key: string): FieldSpec | undefined {
  return BY_KEY.get(key);
}

/** Keys that group leaves ("timeouts", "strategy", "strategy.hash", ...), at any depth. */
export const GROUPS: ReadonlySet<string> = new Set(
  FIELDS.flatMap((f) => {
    const segments = f.key.split('.');
    return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('.'));
  }),
);

/**
 * A group whose main setting is its `name` leaf may be written as a scalar: `strategy: NAME`
 * (YAML) and RRPROXY_STRATEGY (env) mean strategy.name. Returns that leaf's key, if any.
 */
export function shorthandOf(group: string): string | undefined {
  return GROUPS.has(group) && BY_KEY.has(`${group}.name`) ? `${group}.name` : undefined;
}

/** Keys directly under `parent` ('' = top level): for "did you mean" suggestions. */
export function childKeys(parent: string): string[] {
  const prefix = parent === '' ? '' : `${parent}.`;
  const names = new Set<string>();
  for (const f of FIELDS) {
    if (!f.key.startsWith(prefix)) continue;
    const rest = f.key.slice(prefix.length);
    names.add(rest.split('.')[0]!);
  }
  return [...names];
}

/** Reads the value at a dotted key of a Config-shaped object. */
export function getPath(root: unknown, key: string): unknown {
  let node: unknown = root;
  for (const segment of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** Sets the value at a dotted key of a Config-shaped object (parents must exist). */
export function setPath(root: object, key: string, value: unknown): void {
  const segments = key.split('.');
  let node = root as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) node = node[segment] as Record<string, unknown>;
  node[segments[segments.length - 1]!] = value;
}

/** The default of a key, formatted as a user would write it. */
export function formattedDefault(f: FieldSpec): string {
  return f.kind.format(getPath(DEFAULT_CONFIG, f.key));
}

/** Levenshtein distance, for typo suggestions of keys and env names. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate to a mistyped name, if one is close enough to be a likely typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    // response_header, Response-Header and responseheader all mean responseHeader.
    const d = norm(c) === norm(name) ? 0 : editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.min(3, Math.floor(name.length / 4)))
    ? best
    : undefined;
}
