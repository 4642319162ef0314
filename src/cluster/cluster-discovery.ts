import type { BackendSet } from '../balancer/backend';
import type { Discovery } from '../discovery/discovery';
import type { IpcPort } from './ipc';
import { backendSetOf, toWorker } from './messages';

/**
 * The discovery of a --workers worker: the primary runs the real one (static list or Kubernetes
 * watch) and forwards every BackendSet over IPC; this source pushes them into the worker's
 * balancer and pools like any other Discovery.
 *
 * start() says hello and resolves once the primary has answered: with the current set, so a
 * worker (also a restarted one) never listens without its backends, or with "unsynced" while
 * the primary's discovery has not synced yet, so the worker listens unready, as a single process
 * would. Every applied set is acknowledged; the primary's readiness counts the workers that have
 * one.
 */
export class ClusterDiscovery implements Discovery {
  readonly kind = 'cluster';
  private isSynced = false;
  private listener: ((raw: unknown) => void) | null = null;

  constructor(private readonly port: IpcPort) {}

  get synced(): boolean {
    return this.isSynced;
  }

  start(onUpdate: (set: BackendSet) => void): Promise<void> {
    if (this.listener !== null) throw new Error('ClusterDiscovery already started');
    return new Promise((resolve) => {
      this.listener = (raw) => {
        const msg = toWorker(raw);
        if (msg === null) return;
        if (msg.t === 'rrp:unsynced') resolve();
        if (msg.t !== 'rrp:set') return;
        const set = backendSetOf(msg);
        // Push first: readiness (which reads synced) must never see a sync without its backends.
        onUpdate(set);
        this.isSynced = true;
        this.port.send({ t: 'rrp:applied', version: set.version });
        resolve();
      };
      this.port.on('message', this.listener);
      this.port.send({ t: 'rrp:hello' });
    });
  }

  async stop(): Promise<void> {
    if (this.listener !== null) this.port.off('message', this.listener);
    this.listener = null;
  }
}
