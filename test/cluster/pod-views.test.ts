import { BackendSet, makeBackend } from '../../src/balancer/backend';
import { mergeBackendViews, podReadiness, type WorkerAnswer } from '../../src/cluster/pod-views';

describe('podReadiness', () => {
  const up = { listening: true, appliedVersion: 1 };
  test('ready only when not draining, synced, and every worker listens with a set', () => {
    const workers = [
      { worker: 1, ...up },
      { worker: 2, ...up },
    ];
    expect(podReadiness({ draining: false, discoverySynced: true, workers })).toEqual({
      ready: true,
      reason: 'ok',
    });
    expect(podReadiness({ draining: true, discoverySynced: true, workers }).reason).toBe(
      'draining',
    );
    expect(podReadiness({ draining: false, discoverySynced: false, workers }).reason).toBe(
      'discovery not synced',
    );
    expect(
      podReadiness({
        draining: false,
        discoverySynced: true,
        workers: [
          { worker: 1, ...up },
          { worker: 2, listening: false, appliedVersion: null },
        ],
      }),
    ).toEqual({ ready: false, reason: 'worker 2 not listening' });
    expect(
      podReadiness({
        draining: false,
        discoverySynced: true,
        workers: [{ worker: 1, listening: true, appliedVersion: null }],
      }),
    ).toEqual({ ready: false, reason: 'worker 1 has no backend set yet' });
  });
});

describe('mergeBackendViews', () => {
  const a = makeBackend({ host: '10.0.0.1', port: 80, pod: 'web-1' });
  const b = makeBackend({ host: '10.0.0.2', port: 80 });
  const set = new BackendSet([a, b], 3);
  const healthy = { healthy: true, activeHealthy: true, ejections: 0 };
  const ejected = { healthy: false, activeHealthy: true, ejections: 1 };

  function view(entries: Array<[string, number, number, object, number]>, queued: number): unknown {
    return {
      ready: { ready: true, reason: 'ok' },
      backends: {
        strategy: 'round-robin',
        retryBudget: { active: 1, limit: 3, denied: 2 },
        queued,
        backends: entries.map(([id, inFlight, idle, health, requests]) => ({
          id,
          inFlight,
          idleConnections: idle,
          health,
          totals: { requests, responses5xx: 1, upstreamErrors: 0 },
        })),
      },
    };
  }

  test('sums the workers, shows the least healthy view, and names a worker that failed', () => {
    const answers: WorkerAnswer<unknown>[] = [
      {
        worker: 1,
        pid: 11,
        result: {
          ok: true,
          value: view(
            [
              [a.id, 1, 2, healthy, 10],
              [b.id, 0, 1, healthy, 5],
            ],
            1,
          ),
        },
      },
      {
        worker: 2,
        pid: 12,
        result: {
          ok: true,
          value: view(
            [
              [a.id, 2, 0, ejected, 7],
              [b.id, 1, 1, healthy, 6],
            ],
            2,
          ),
        },
      },
      { worker: 3, pid: null, result: { ok: false, error: 'not running' } },
    ];
    const merged = mergeBackendViews(set, 'round-robin', answers) as {
      retryBudget: object;
      queued: number;
      workers: unknown[];
      backends: Array<Record<string, unknown>>;
    };
    expect(merged.retryBudget).toEqual({ active: 2, limit: 6, denied: 4 });
    expect(merged.queued).toBe(3);
    expect(merged.workers).toEqual([
      { worker: 1, pid: 11, ready: true, reason: 'ok', backends: [a.id, b.id] },
      { worker: 2, pid: 12, ready: true, reason: 'ok', backends: [a.id, b.id] },
      { worker: 3, pid: null, ready: false, error: 'not running' },
    ]);
    expect(merged.backends.map((x) => x['id'])).toEqual([a.id, b.id]);
    expect(merged.backends[0]).toMatchObject({
      pod: 'web-1',
      state: 'serving',
      inFlight: 3,
      idleConnections: 2,
      health: ejected,
      totals: { requests: 17, responses5xx: 2, upstreamErrors: 0 },
    });
    expect(merged.backends[0]!['workers']).toEqual([
      { worker: 1, inFlight: 1, idleConnections: 2, health: healthy },
      { worker: 2, inFlight: 2, idleConnections: 0, health: ejected },
    ]);
    expect(merged.backends[1]).toMatchObject({ inFlight: 1, health: healthy });
  });

  test('the set is the primary’s: a backend no worker has yet is listed with zeros', () => {
    const merged = mergeBackendViews(set, 'least-request', []) as {
      strategy: string;
      backends: Array<Record<string, unknown>>;
    };
    expect(merged.strategy).toBe('least-request');
    expect(merged.backends.map((x) => [x['id'], x['inFlight'], x['health']])).toEqual([
      [a.id, 0, null],
      [b.id, 0, null],
    ]);
  });
});
