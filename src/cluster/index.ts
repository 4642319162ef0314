import cluster from 'node:cluster';
import type { Config } from '../config/types';
import { WORKER_SLOT_ENV } from './slot';

/**
 * `--workers N` (limits.workers > 1): this process is either the primary, which supervises N
 * workers and answers the admin port for the pod, or one of the workers, which serve the
 * traffic. node:cluster starts each worker as this same program with the same arguments, so a
 * worker loads the same config. Resolves with the exit code. main.ts loads this module only
 * when workers > 1, so a single process never loads any cluster code; and each role loads only
 * its own half (the primary never loads the data path).
 */
export async function runCluster(config: Config): Promise<number> {
  if (cluster.isPrimary) return (await import('./primary')).runPrimary(config);
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? cluster.worker?.id ?? 0);
  return (await import('./worker')).runWorker(config, slot);
}
