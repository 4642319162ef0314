import type { Purgeable } from '../cache/purge-route';
import type { Question } from './messages';

/** What a worker answers from: its admin views, its metrics registry and its cache. */
export interface WorkerState {
  ready(): { ready: boolean; reason: string };
  backends(): unknown;
  /** prom-client's Registry.getMetricsAsJSON(): plain objects the primary aggregates. */
  metricsJson(): Promise<unknown>;
  /** null when the cache is disabled: a purge then removes nothing. */
  readonly cache: Purgeable | null;
}

/** A worker's status: its own readiness and its /backends view. */
export interface WorkerStatus {
  readonly ready: { ready: boolean; reason: string };
  readonly backends: unknown;
}

/** The answer to one question of the primary (a plain, JSON-safe value). */
export async function answerQuestion(q: Question, state: WorkerState): Promise<unknown> {
  switch (q.op) {
    case 'status':
      return { ready: state.ready(), backends: state.backends() } satisfies WorkerStatus;
    case 'metrics':
      return state.metricsJson();
    case 'purge':
      if (state.cache === null) return 0;
      return q.all ? state.cache.purgeAll() : state.cache.purge(q.target);
  }
}
