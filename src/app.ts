import { BackendSet } from './balancer/backend';
import { backendIdentityView } from './balancer/backend-view';
import { Resilience } from './balancer/resilience';
import { cachePurgeRoute, cacheStatsRoute, HttpCache } from './cache';
import { CidrSet } from './config/cidr';
import { packageVersion } from './config/load';
import type { Config } from './config/types';
import type { Discovery } from './discovery/discovery';
import { KubernetesDiscovery } from './discovery/kubernetes';
import type { CodecLimits } from './http';
import { AccessLog } from './observability/access-log';
import { AdminServer, type AdminSource } from './observability/admin-server';
import { combineObservers } from './observability/composite-observer';
import { redactConfig } from './observability/effective-config';
import type { Logger } from './observability/logger';
import { ProxyMetrics } from './observability/metrics';
import { metricsRoute } from './observability/metrics-route';
import { setupTracing } from './observability/tracing';
import type { ProxyContext, ProxyStats } from './proxy/context';
import { backgroundFetcher } from './proxy/background-revalidation';
import { ProxyServer } from './proxy/server';
import { PoolRegistry } from './upstream/pool';

export interface RunningProxy {
  readonly ctx: ProxyContext;
  readonly address: { host: string; port: number };
  /** In a cluster worker: the primary's, which answers for the pod (src/cluster). */
  readonly adminAddress: { host: string; port: number };
  /** What the admin endpoints report; a cluster primary asks each worker for it. */
  readonly adminSource: AdminSource;
  readonly metrics: ProxyMetrics;
  /** SIGTERM path: unready, optional delay, stop accepting, drain, close. Resolves when done. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  /** false in a cluster worker: no admin listener, the primary serves the pod's (src/cluster). */
  readonly serveAdmin?: boolean;
}

export function codecLimitsOf(config: Config): CodecLimits {
  const l = config.limits;
  return {
    maxStartLineBytes: l.maxRequestLineBytes,
    maxHeaderBytes: l.maxHeaderBytes,
    maxHeaderCount: l.maxHeaderCount,
    maxChunkLineBytes: l.maxChunkLineBytes,
    maxTrailerBytes: l.maxTrailerBytes,
  };
}

/**
 * Wires the parts: discovery pushes BackendSets into the balancer and the pool registry; the
 * proxy server serves the public port; the admin server reports health and readiness.
 */
export async function startProxy(
  config: Config,
  logger: Logger,
  discovery: Discovery,
  opts: StartOptions = {},
): Promise<RunningProxy> {
  logger.info({ config: redactConfig(config) }, 'effective config');
  const codecLimits = codecLimitsOf(config);
  const pools: PoolRegistry = new PoolRegistry({
    // A released slot may let a request waiting for limits.maxInFlightPerBackend go.
    onRelease: () => resilience.slotReleased(),
    connectTimeoutMs: config.timeouts.connect,
    keepAliveMs: config.timeouts.upstreamKeepAlive,
    activeIdleMs: config.timeouts.upstreamIdle,
    maxIdle: config.limits.maxIdlePerBackend,
    limits: codecLimits,
  });
  // Strategy, passive/active health, in-flight limit and retry budget (src/balancer).
  const resilience = new Resilience(config, {
    load: (b) => pools.activeOf(b.id),
    onHealthEvent: (e) => {
      const { backend, ...rest } = e;
      const level = e.kind === 'ejected' || e.kind === 'unhealthy' ? 'warn' : 'info';
      logger[level]({ ...rest, backend: backend.id, pod: backend.pod }, `backend ${e.kind}`);
    },
  });
  const balancer = resilience.balancer;
  const cache = config.cache.enabled
    ? new HttpCache(config.cache, {
        backgroundFetch: backgroundFetcher({ config, balancer, pools }),
      })
    : null;
  // Off (null, nothing loaded) unless tracing.endpoint or OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await setupTracing(config.tracing, process.env, logger, {
    serviceVersion: packageVersion(),
  });
  const stats: ProxyStats = { requests: 0, activeRequests: 0, clientConnections: 0, errors: 0 };
  const metrics = new ProxyMetrics(
    {
      stats,
      pools: () => pools.all(),
      discovery: discovery instanceof KubernetesDiscovery ? () => discovery.status() : null,
      cache: () => cache?.snapshot() ?? null,
      health: (b) => resilience.stateOf(b),
      resilience: () => ({
        retriesDenied: resilience.budget.denied,
        queued: resilience.queue.length,
      }),
      traceExport: tracing === null ? null : () => tracing.exportStats(),
    },
    { processMetrics: true },
  );
  const ctx: ProxyContext = {
    config,
    codecLimits,
    balancer,
    pools,
    resilience,
    logger,
    accessLog: AccessLog.create(logger, config.log.access, config.log.pretty),
    trusted:
      config.headers.trustedProxies.length > 0 ? new CidrSet(config.headers.trustedProxies) : null,
    stats,
    observer:
      tracing === null ? metrics.observer : combineObservers(metrics.observer, tracing.observer),
    cache,
    draining: false,
  };

  let backendSet = BackendSet.EMPTY;
  const onUpdate = (set: BackendSet): void => {
    backendSet = set;
    resilience.update(set);
    pools.sync(set);
    metrics.onBackendSet(set);
    logger.info({ backends: set.backends.map((b) => b.id) }, 'backend set updated');
  };

  const server = new ProxyServer(ctx);
  const admin = new AdminServer({
    live: () => true,
    ready: () => {
      if (ctx.draining) return { ready: false, reason: 'draining' };
      if (!listening) return { ready: false, reason: 'not listening' };
      if (!discovery.synced) return { ready: false, reason: 'discovery not synced' };
      return { ready: true, reason: 'ok' };
    },
    backends: () => ({
      strategy: balancer.strategy,
      retryBudget: {
        active: resilience.budget.active,
        limit: resilience.budget.limit(ctx.stats.activeRequests),
        denied: resilience.budget.denied,
      },
      queued: resilience.queue.length,
      backends: backendSet.backends.map((b) => {
        let active = 0;
        let idle = 0;
        for (const p of pools.all()) {
          if (p.backend.id === b.id) {
            active = p.active;
            idle = p.idleCount;
          }
        }
        return {
          ...backendIdentityView(b),
          inFlight: active,
          idleConnections: idle,
          health: resilience.stateOf(b),
          totals: metrics.backendTotals(b.id),
        };
      }),
    }),
  });

  admin.addRoute(metricsRoute(metrics));
  if (cache !== null) {
    // The purge route answers 404 by itself while no token is configured.
    admin.addRoute(
      cachePurgeRoute(cache, {
        token: config.cache.purgeToken,
        tokenFile: config.cache.purgeTokenFile,
      }),
    );
    admin.addRoute(cacheStatsRoute(cache));
  }

  let listening = false;
  const adminAddr =
    opts.serveAdmin === false
      ? { address: config.admin.host, port: config.admin.port }
      : await admin.listen(config.admin.host, config.admin.port);
  await discovery.start(onUpdate);
  const addr = await server.listen(config.listen.host, config.listen.port);
  listening = true;
  logger.info(
    { listen: `${addr.address}:${addr.port}`, admin: `${adminAddr.address}:${adminAddr.port}` },
    'rrproxy listening',
  );

  let shuttingDown: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (shuttingDown ??= (async () => {
      ctx.draining = true;
      logger.info(
        { delayMs: config.timeouts.shutdownDelay, drainMs: config.timeouts.drain },
        'draining',
      );
      if (config.timeouts.shutdownDelay > 0) await sleep(config.timeouts.shutdownDelay);
      await server.stopAccepting();
      server.drainConnections();
      const deadline = Date.now() + config.timeouts.drain;
      while (server.connectionCount > 0 && Date.now() < deadline) await sleep(50);
      if (server.connectionCount > 0) {
        logger.warn(
          { connections: server.connectionCount },
          'drain timeout: closing remaining connections',
        );
        server.destroyAll();
      }
      resilience.stop();
      pools.closeAll();
      await tracing?.shutdown();
      await discovery.stop();
      await admin.close();
      logger.info('stopped');
    })());

  return {
    ctx,
    address: { host: addr.address, port: addr.port },
    adminAddress: { host: adminAddr.address, port: adminAddr.port },
    adminSource: admin.source,
    metrics,
    shutdown,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
