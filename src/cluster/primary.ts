import cluster, { type Worker } from 'node:cluster';
import { Counter, Gauge } from 'prom-client';
import { BackendSet } from '../balancer/backend';
import { cachePurgeRoute } from '../cache/purge-route';
import { reportStartupFailure } from '../cli-exit';
import type { Config } from '../config/types';
import { createDiscovery, KubernetesDiscovery } from '../discovery';
import { AdminServer, adminPath, sendJson } from '../observability/admin-server';
import { createLogger } from '../observability/logger';
import { ProxyMetrics } from '../observability/metrics';
import { metricsRoute } from '../observability/metrics-route';
import type { Question } from './messages';
import { aggregatePodMetrics } from './pod-metrics';
import { mergeBackendViews, podReadiness } from './pod-views';
import { schedulingPolicy } from './scheduling';
import { WORKER_SLOT_ENV } from './slot';
import { WorkerSupervisor, type WorkerHandle } from './supervisor';

/** The admin port answers within the default probe timeout (1 s) even with a stuck worker. */
const STATUS_TIMEOUT_MS = 800;
/** Prometheus' default scrape timeout is 10 s. */
const METRICS_TIMEOUT_MS = 5_000;
const PURGE_TIMEOUT_MS = 5_000;
/** Beyond shutdownDelay + drain: time for a drained worker to exit. */
const EXIT_GRACE_MS = 5_000;

/**
 * The primary of a --workers pod. It owns what there is one of per pod: the admin port,
 * discovery (every BackendSet goes to every worker), readiness, the merged /backends and the
 * aggregated /metrics, and cache purges (sent to every worker's cache). It serves no client
 * traffic itself. Resolves with the exit code, as main() does.
 */
export async function runPrimary(config: Config): Promise<number> {
  const logger = createLogger(config.log).child({ role: 'primary' });
  const policy = schedulingPolicy(cluster, process.env);
  const discovery = createDiscovery(config, logger);
  const supervisor = new WorkerSupervisor({
    count: config.limits.workers,
    fork: forkWorker,
    logger,
  });

  // The primary's own metrics: the backend set and discovery (pod-level), its process figures,
  // and the cluster's; the workers' request metrics are added at scrape (pod-metrics.ts).
  const metrics = new ProxyMetrics(
    {
      stats: { clientConnections: 0, activeRequests: 0 },
      pools: () => [],
      discovery: discovery instanceof KubernetesDiscovery ? () => discovery.status() : null,
      cache: () => null,
    },
    { processMetrics: true },
  );
  registerClusterMetrics(metrics, supervisor, config.limits.workers);

  let draining = false;
  let backendSet = BackendSet.EMPTY;
  const ready = (): { ready: boolean; reason: string } =>
    podReadiness({
      draining,
      discoverySynced: discovery.synced,
      workers: supervisor.workersState(),
    });
  const admin = new AdminServer({
    live: () => true,
    ready,
    // Answered by the /backends route below (it asks the workers); this is never reached.
    backends: () => mergeBackendViews(backendSet, config.strategy.name, []),
  });
  admin.addRoute(async (req, res) => {
    if (adminPath(req) !== '/backends' || req.method !== 'GET') return false;
    const answers = await supervisor.ask({ op: 'status' }, STATUS_TIMEOUT_MS);
    sendJson(res, 200, mergeBackendViews(backendSet, config.strategy.name, answers));
    return true;
  });
  admin.addRoute(
    metricsRoute({
      contentType: metrics.contentType,
      render: async () => {
        const [own, answers] = await Promise.all([
          metrics.registry.getMetricsAsJSON(),
          supervisor.ask({ op: 'metrics' }, METRICS_TIMEOUT_MS),
        ]);
        const fromWorkers = answers.flatMap((a) => (a.result.ok ? [a.result.value] : []));
        return aggregatePodMetrics(own, fromWorkers).metrics();
      },
    }),
  );
  if (
    config.cache.enabled &&
    (config.cache.purgeToken !== '' || config.cache.purgeTokenFile !== '')
  )
    admin.addRoute(
      cachePurgeRoute(
        {
          purge: (target) => purgeAll(supervisor, { op: 'purge', all: false, target }),
          purgeAll: () => purgeAll(supervisor, { op: 'purge', all: true }),
        },
        { token: config.cache.purgeToken, tokenFile: config.cache.purgeTokenFile },
      ),
    );

  const onUpdate = (set: BackendSet): void => {
    backendSet = set;
    metrics.onBackendSet(set);
    supervisor.broadcast(set);
    logger.info({ backends: set.backends.map((b) => b.id) }, 'backend set updated');
  };

  try {
    const adminAddr = await admin.listen(config.admin.host, config.admin.port);
    await discovery.start(onUpdate);
    await supervisor.start();
    logger.info(
      {
        listen: `${config.listen.host}:${config.listen.port}`,
        admin: `${adminAddr.address}:${adminAddr.port}`,
        workers: config.limits.workers,
        scheduling: policy,
      },
      'rrproxy listening',
    );
  } catch (err) {
    await discovery.stop().catch(() => undefined);
    await admin.close();
    return reportStartupFailure(err, logger);
  }

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (++signals > 1) {
        logger.warn({ signal: sig }, 'second signal: stopping the workers now');
        void supervisor.stop(0).then(() => resolve(1));
        return;
      }
      // Unready at once; each worker keeps serving for shutdownDelay, then drains.
      draining = true;
      logger.info(
        { signal: sig, delayMs: config.timeouts.shutdownDelay, drainMs: config.timeouts.drain },
        'shutting down: draining the workers',
      );
      const deadline = config.timeouts.shutdownDelay + config.timeouts.drain + EXIT_GRACE_MS;
      void supervisor.stop(deadline).then(async (inTime) => {
        await discovery.stop().catch(() => undefined);
        await admin.close();
        logger.info({ inTime }, 'stopped');
        resolve(inTime ? 0 : 1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** A purge is done only when every worker's cache did it: the sum of what they removed. */
async function purgeAll(supervisor: WorkerSupervisor, question: Question): Promise<number> {
  const answers = await supervisor.ask(question, PURGE_TIMEOUT_MS);
  let purged = 0;
  for (const a of answers) {
    if (!a.result.ok) throw new Error(`worker ${a.worker}: ${a.result.error}`);
    purged += typeof a.result.value === 'number' ? a.result.value : 0;
  }
  return purged;
}

function forkWorker(slot: number): WorkerHandle {
  const w: Worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
  return {
    pid: w.process.pid ?? null,
    // A worker gone between the check and the send is not an error: its exit is handled.
    send: (msg) => {
      if (w.isConnected()) w.send(msg as object, undefined, undefined, () => undefined);
    },
    on: (event, listener) => w.on(event, listener),
    off: (event, listener) => w.off(event, listener),
    onListening: (listener) => void w.on('listening', listener),
    onExit: (listener) => void w.on('exit', listener),
    kill: (signal) => {
      // process.kill, not worker.kill(): that one disconnects first, which closes the worker's
      // listener under Node's control instead of letting it drain its own way.
      if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill(signal);
    },
  };
}

function registerClusterMetrics(
  metrics: ProxyMetrics,
  supervisor: WorkerSupervisor,
  count: number,
): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'rrproxy_cluster_workers',
    help: 'Proxy worker processes (--workers), by state.',
    labelNames: ['state'],
    registers,
    collect() {
      this.set({ state: 'configured' }, count);
      this.set({ state: 'listening' }, supervisor.listeningCount);
    },
  });
  new Counter({
    name: 'rrproxy_cluster_worker_restarts_total',
    help: 'Workers restarted after exiting unexpectedly.',
    registers,
    collect() {
      this.reset();
      this.inc(supervisor.restarts);
    },
  });
}
