import { startProxy, type RunningProxy } from '../app';
import { reportStartupFailure } from '../cli-exit';
import type { Config } from '../config/types';
import { createLogger } from '../observability/logger';
import { ClusterDiscovery } from './cluster-discovery';
import { processPort } from './ipc';
import { toWorker, type RequestMessage } from './messages';
import { answerQuestion, type WorkerState } from './worker-answers';

/**
 * One --workers worker: the proxy data path (its own pools, cache, balancer and health state),
 * no admin port, backends from the primary. Its log lines carry `worker` (the slot, 1..N, kept
 * by a restarted worker). Resolves with the exit code, as main() does.
 *
 * Shutdown comes from the primary (rrp:shutdown) or a SIGTERM sent to this process; either
 * drains exactly as a single process does. SIGINT is ignored: a terminal's Ctrl-C reaches the
 * whole process group and the primary turns its own into a shutdown of every worker. When the
 * primary dies, Node's cluster exits the worker at once (its IPC channel closed).
 */
export async function runWorker(config: Config, slot: number): Promise<number> {
  const port = processPort();
  if (port === null) {
    process.stderr.write('rrproxy: a cluster worker needs an IPC channel to its primary\n');
    return 1;
  }
  const logger = createLogger(config.log).child({ worker: slot });
  const discovery = new ClusterDiscovery(port);
  let running: RunningProxy | null = null;
  let stopping: Promise<number> | null = null;

  const answer = (req: RequestMessage, proxy: RunningProxy | null): void => {
    if (proxy === null) {
      port.send({ t: 'rrp:res', id: req.id, ok: false, error: 'worker starting' });
      return;
    }
    const state: WorkerState = {
      ready: () => proxy.adminSource.ready(),
      backends: () => proxy.adminSource.backends(),
      metricsJson: () => proxy.metrics.registry.getMetricsAsJSON(),
      cache: proxy.ctx.cache,
    };
    answerQuestion(req, state).then(
      (value) => port.send({ t: 'rrp:res', id: req.id, ok: true, value }),
      (err: unknown) => port.send({ t: 'rrp:res', id: req.id, ok: false, error: String(err) }),
    );
  };

  let shutdownRequested = false;
  let onShutdown = (): void => {
    shutdownRequested = true;
  };
  port.on('message', (raw) => {
    const msg = toWorker(raw);
    if (msg?.t === 'rrp:req') answer(msg, running);
    else if (msg?.t === 'rrp:shutdown') onShutdown();
  });
  process.on('SIGTERM', () => onShutdown());
  process.on('SIGINT', () => undefined);

  try {
    running = await startProxy(config, logger, discovery, { serveAdmin: false });
  } catch (err) {
    return reportStartupFailure(err, logger, `worker ${slot}`);
  }

  const proxy = running;
  return new Promise<number>((resolve) => {
    onShutdown = () => {
      stopping ??= proxy.shutdown().then(
        () => 0,
        (err: unknown) => {
          logger.error({ err: String(err) }, 'shutdown failed');
          return 1;
        },
      );
      void stopping.then(resolve);
    };
    if (shutdownRequested) onShutdown();
  });
}
