/**
 * Runs a KubernetesDiscovery in its own node process (see register.js for why) and reports on
 * stdout, one JSON line each: {t:'push'} for every BackendSet pushed, {t:'log'} for every log
 * call, {t:'status'} when asked with a "status" line on stdin, {t:'started'} / {t:'startError'}.
 * A "stop" line on stdin stops discovery and exits 0.
 */
import { createInterface } from 'node:readline';
import type { DiscoveryConfig } from '../../../src/config/types';
import {
  KubernetesDiscovery,
  type KubernetesDiscoveryTuning,
} from '../../../src/discovery/kubernetes';

interface ChildOptions {
  config: DiscoveryConfig;
  tuning?: Omit<KubernetesDiscoveryTuning, 'random' | 'library'>;
}

function send(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const log =
  (level: string) =>
  (obj: object, msg: string): void =>
    send({ t: 'log', level, msg, obj });
const logger = { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') };
const discovery = new KubernetesDiscovery(options.config, logger, options.tuning ?? {});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'status') send({ t: 'status', ...discovery.status() });
  if (line === 'stop') {
    void discovery.stop().then(() => {
      send({ t: 'stopped' });
      process.exit(0);
    });
  }
});

discovery
  .start((set) => {
    send({
      t: 'push',
      version: set.version,
      backends: set.backends.map((b) => ({
        id: b.id,
        host: b.host,
        port: b.port,
        ...(b.pod !== undefined ? { pod: b.pod } : {}),
        ...(b.zone !== undefined ? { zone: b.zone } : {}),
        ...(b.terminating ? { terminating: true } : {}),
      })),
    });
  })
  .then(
    () => send({ t: 'started' }),
    (err: unknown) => {
      const e = err as Error;
      send({ t: 'startError', name: e.name, message: e.message });
    },
  );
