import type { BackendSet } from '../balancer/backend';
import { backendIdentityView } from '../balancer/backend-view';

/**
 * The admin views of a --workers pod, merged from its workers' own (pure functions over data).
 * A worker's /backends view is the single-process one (src/app.ts); it arrives as unknown JSON
 * and only the fields merged here are read from it.
 */

export interface WorkerAnswer<T> {
  /** The slot, 1..N (the `worker` field of the logs). */
  readonly worker: number;
  readonly pid: number | null;
  readonly result: { ok: true; value: T } | { ok: false; error: string };
}

export interface ReadinessInput {
  readonly draining: boolean;
  readonly discoverySynced: boolean;
  readonly workers: ReadonlyArray<{
    readonly worker: number;
    readonly listening: boolean;
    /** Version of the last BackendSet the worker applied; null before its first. */
    readonly appliedVersion: number | null;
  }>;
}

/** The pod is ready when it is not draining, discovery synced, and every worker listens with a
 * backend set in use. The reason names the first thing missing. */
export function podReadiness(input: ReadinessInput): { ready: boolean; reason: string } {
  if (input.draining) return { ready: false, reason: 'draining' };
  if (!input.discoverySynced) return { ready: false, reason: 'discovery not synced' };
  for (const w of input.workers) {
    if (!w.listening) return { ready: false, reason: `worker ${w.worker} not listening` };
    if (w.appliedVersion === null)
      return { ready: false, reason: `worker ${w.worker} has no backend set yet` };
  }
  return { ready: true, reason: 'ok' };
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The status a worker answers (src/cluster/worker-answers.ts), read defensively. */
interface WorkerView {
  readonly worker: number;
  readonly pid: number | null;
  readonly ready: { ready: boolean; reason: string };
  readonly view: Record<string, unknown>;
  readonly byId: ReadonlyMap<string, Record<string, unknown>>;
}

function workerView(a: WorkerAnswer<unknown> & { result: { ok: true } }): WorkerView {
  const value = record(a.result.value);
  const r = record(value['ready']);
  const view = record(value['backends']);
  const byId = new Map<string, Record<string, unknown>>();
  const list = Array.isArray(view['backends']) ? (view['backends'] as unknown[]) : [];
  for (const entry of list) {
    const b = record(entry);
    if (typeof b['id'] === 'string') byId.set(b['id'], b);
  }
  return {
    worker: a.worker,
    pid: a.pid,
    ready: {
      ready: r['ready'] === true,
      reason: typeof r['reason'] === 'string' ? r['reason'] : '',
    },
    view,
    byId,
  };
}

/** The least healthy of the workers' views of one backend: an ejection anywhere shows. */
function worstHealth(healths: unknown[]): unknown {
  const rs = healths.map(record);
  return (
    healths[rs.findIndex((h) => h['healthy'] === false)] ??
    healths[rs.findIndex((h) => h['activeHealthy'] === false)] ??
    healths[0] ??
    null
  );
}

/**
 * The pod's /backends: the primary's BackendSet (it owns discovery), each backend with the sums
 * of the workers' in-flight requests, idle connections and totals, `health` the least healthy
 * worker's view and `workers` each worker's; the retry budget and queue summed; and a `workers`
 * list saying which worker answered and how it stands.
 */
export function mergeBackendViews(
  set: BackendSet,
  strategy: string,
  answers: ReadonlyArray<WorkerAnswer<unknown>>,
): unknown {
  const views: WorkerView[] = [];
  const workers: unknown[] = [];
  for (const a of answers) {
    if (!a.result.ok) {
      workers.push({ worker: a.worker, pid: a.pid, ready: false, error: a.result.error });
      continue;
    }
    const v = workerView(a as WorkerAnswer<unknown> & { result: { ok: true } });
    views.push(v);
    workers.push({
      worker: v.worker,
      pid: v.pid,
      ready: v.ready.ready,
      reason: v.ready.reason,
      backends: [...v.byId.keys()],
    });
  }
  const sumOf = (read: (v: Record<string, unknown>) => unknown): number =>
    views.reduce((s, v) => s + num(read(v.view)), 0);
  return {
    strategy: views.length > 0 ? (views[0]!.view['strategy'] ?? strategy) : strategy,
    retryBudget: {
      active: sumOf((v) => record(v['retryBudget'])['active']),
      limit: sumOf((v) => record(v['retryBudget'])['limit']),
      denied: sumOf((v) => record(v['retryBudget'])['denied']),
    },
    queued: sumOf((v) => v['queued']),
    workers,
    backends: set.backends.map((b) => {
      const seen = views
        .map((v) => ({ worker: v.worker, entry: v.byId.get(b.id) }))
        .filter((x): x is { worker: number; entry: Record<string, unknown> } => !!x.entry);
      const sum = (read: (e: Record<string, unknown>) => unknown): number =>
        seen.reduce((s, x) => s + num(read(x.entry)), 0);
      const totals = (key: string): number => sum((e) => record(e['totals'])[key]);
      return {
        ...backendIdentityView(b),
        inFlight: sum((e) => e['inFlight']),
        idleConnections: sum((e) => e['idleConnections']),
        health: worstHealth(seen.map((x) => x.entry['health'])),
        totals: {
          requests: totals('requests'),
          responses5xx: totals('responses5xx'),
          upstreamErrors: totals('upstreamErrors'),
        },
        workers: seen.map((x) => ({
          worker: x.worker,
          inFlight: num(x.entry['inFlight']),
          idleConnections: num(x.entry['idleConnections']),
          health: x.entry['health'] ?? null,
        })),
      };
    }),
  };
}
