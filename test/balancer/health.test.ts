import { BackendSet, makeBackend, type Backend } from '../../src/balancer/backend';
import { CapacityQueue } from '../../src/balancer/capacity-queue';
import { GuardedBalancer } from '../../src/balancer/guarded';
import { ActiveHealthChecker, jitteredInterval } from '../../src/balancer/health/active-checker';
import { BackendHealth, type CheckResult } from '../../src/balancer/health/backend-health';
import { RetryBudget } from '../../src/balancer/retry-budget';
import { RoundRobinBalancer } from '../../src/balancer/round-robin';

const b = (port: number, pod?: string): Backend =>
  makeBackend({ host: '127.0.0.1', port, ...(pod === undefined ? {} : { pod }) });

const OPTS = {
  consecutiveFailures: 3,
  consecutive5xx: 5,
  baseEjectionTime: 1_000,
  maxEjectionTime: 10_000,
  maxEjectedPercent: 50,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
};

function setup(n = 3, opts = OPTS) {
  let now = 1_000_000;
  const health = new BackendHealth(opts, () => now);
  const set = new BackendSet(Array.from({ length: n }, (_, i) => b(i + 1)));
  health.update(set);
  return {
    health,
    set,
    list: set.backends,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('outlier ejection', () => {
  test('consecutive connect failures eject for the base time, then the backend returns', () => {
    const { health, list, advance, now } = setup();
    const x = list[0]!;
    health.recordFailure(x, 'connect');
    health.recordFailure(x, 'timeout');
    expect(health.admits(x)).toBe(true);
    health.recordFailure(x, 'reset');
    expect(health.admits(x)).toBe(false);
    expect(health.snapshot(x)!.ejectedUntil).toBe(now() + 1_000);
    advance(999);
    expect(health.admits(x)).toBe(false);
    advance(1);
    expect(health.admits(x)).toBe(true);
    expect(health.snapshot(x)).toMatchObject({ healthy: true, ejectedUntil: null, ejections: 1 });
  });

  test('a response in between resets the failure count', () => {
    const { health, list } = setup();
    const x = list[0]!;
    health.recordFailure(x, 'connect');
    health.recordFailure(x, 'connect');
    health.recordStatus(x, 503);
    health.recordFailure(x, 'connect');
    expect(health.admits(x)).toBe(true);
  });

  test('consecutive 5xx eject; a non-5xx resets the count', () => {
    const { health, list } = setup();
    const x = list[1]!;
    for (let i = 0; i < 4; i++) health.recordStatus(x, 503);
    health.recordStatus(x, 404);
    for (let i = 0; i < 4; i++) health.recordStatus(x, 500);
    expect(health.admits(x)).toBe(true);
    health.recordStatus(x, 502);
    expect(health.admits(x)).toBe(false);
  });

  test('ejection, return and active verdict changes are reported as events', () => {
    let now = 0;
    const events: string[] = [];
    const health = new BackendHealth(
      OPTS,
      () => now,
      (e) =>
        events.push(`${e.kind} ${e.backend.port}${e.kind === 'ejected' ? ` ${e.reason}` : ''}`),
    );
    const set = new BackendSet([b(1), b(2), b(3)]);
    health.update(set);
    const x = set.backends[0]!;
    for (let i = 0; i < 3; i++) health.recordFailure(x, 'connect');
    now += 1_000;
    health.admits(x);
    health.recordCheck(x, { at: now, ok: false });
    health.recordCheck(x, { at: now, ok: false });
    health.recordCheck(x, { at: now, ok: true });
    health.recordCheck(x, { at: now, ok: true });
    expect(events).toEqual([
      'ejected 1 3 connect failures in a row',
      'returned 1',
      'unhealthy 1',
      'healthy 1',
    ]);
  });

  test('0 turns a detector off', () => {
    const { health, list } = setup(3, { ...OPTS, consecutive5xx: 0, consecutiveFailures: 0 });
    for (let i = 0; i < 50; i++) {
      health.recordStatus(list[0]!, 503);
      health.recordFailure(list[1]!, 'connect');
    }
    expect(health.admits(list[0]!)).toBe(true);
    expect(health.admits(list[1]!)).toBe(true);
  });

  test('repeated ejections last longer, up to the cap; a long good spell forgives', () => {
    const { health, list, advance, now } = setup();
    const x = list[0]!;
    const ejectNow = (): number => {
      for (let i = 0; i < 3; i++) health.recordFailure(x, 'connect');
      return health.snapshot(x)!.ejectedUntil! - now();
    };
    const durations: number[] = [];
    for (let i = 0; i < 12; i++) {
      durations.push(ejectNow());
      advance(durations[durations.length - 1]!);
    }
    expect(durations.slice(0, 4)).toEqual([1_000, 2_000, 3_000, 4_000]);
    expect(Math.max(...durations)).toBe(10_000);
    advance(10_000);
    expect(ejectNow()).toBe(1_000);
  });

  test('never more than the allowed share ejected, and never all', () => {
    const { health, list } = setup(3);
    expect(health.maxEjectable(3)).toBe(1);
    expect(health.maxEjectable(1)).toBe(0);
    expect(health.maxEjectable(2)).toBe(1);
    expect(health.maxEjectable(10)).toBe(5);
    for (const x of list) for (let i = 0; i < 3; i++) health.recordFailure(x, 'connect');
    expect(list.filter((x) => !health.admits(x))).toHaveLength(1);
    const single = setup(1);
    for (let i = 0; i < 10; i++) single.health.recordFailure(single.list[0]!, 'connect');
    expect(single.health.admits(single.list[0]!)).toBe(true);
    const fullShare = setup(2, { ...OPTS, maxEjectedPercent: 100 });
    for (const x of fullShare.list)
      for (let i = 0; i < 3; i++) fullShare.health.recordFailure(x, 'connect');
    expect(fullShare.list.filter((x) => fullShare.health.admits(x))).toHaveLength(1);
  });

  test('state is kept per pod across a set update and dropped when the pod leaves', () => {
    let now = 0;
    const health = new BackendHealth(OPTS, () => now);
    const a = b(1, 'web-a');
    health.update(new BackendSet([a, b(2, 'web-b'), b(3, 'web-c')]));
    for (let i = 0; i < 3; i++) health.recordFailure(a, 'connect');
    const a2 = b(1, 'web-a'); // a new object from a re-list
    health.update(new BackendSet([a2, b(2, 'web-b'), b(3, 'web-c')]));
    expect(health.admits(a2)).toBe(false);
    health.update(new BackendSet([b(2, 'web-b'), b(3, 'web-c')]));
    health.update(new BackendSet([a2, b(2, 'web-b'), b(3, 'web-c')]));
    expect(health.admits(a2)).toBe(true);
    now += 1;
  });
});

describe('active check verdicts', () => {
  const ok: CheckResult = { at: 0, ok: true, status: 200 };
  const bad: CheckResult = { at: 0, ok: false, error: 'ECONNREFUSED' };

  test('backends start healthy; thresholds flip the verdict both ways', () => {
    const { health, list } = setup();
    const x = list[0]!;
    expect(health.admits(x)).toBe(true);
    health.recordCheck(x, bad);
    expect(health.admits(x)).toBe(true);
    health.recordCheck(x, bad);
    expect(health.admits(x)).toBe(false);
    health.recordCheck(x, ok);
    expect(health.admits(x)).toBe(false);
    health.recordCheck(x, bad);
    health.recordCheck(x, ok);
    health.recordCheck(x, ok);
    expect(health.admits(x)).toBe(true);
    expect(health.snapshot(x)!.lastCheck).toEqual(ok);
  });

  test('the checker probes each backend every jittered interval and stops on removal', async () => {
    jest.useFakeTimers();
    try {
      const { health, set } = setup();
      const probed: number[] = [];
      const checker = new ActiveHealthChecker(
        { path: '/health', interval: 1_000, timeout: 100 },
        health,
        (x, path) => {
          expect(path).toBe('/health');
          probed.push(x.port);
          return Promise.resolve(x.port === 3 ? bad : ok);
        },
        () => 0.5,
      );
      checker.update(set);
      await jest.advanceTimersByTimeAsync(500); // first checks at random * interval
      expect(probed.sort()).toEqual([1, 2, 3]);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(probed).toHaveLength(6);
      expect(health.admits(set.backends[2]!)).toBe(false);
      checker.update(new BackendSet([set.backends[0]!]));
      await jest.advanceTimersByTimeAsync(3_000);
      expect(probed.filter((p) => p !== 1)).toHaveLength(4);
      checker.stop();
      const before = probed.length;
      await jest.advanceTimersByTimeAsync(3_000);
      expect(probed).toHaveLength(before);
    } finally {
      jest.useRealTimers();
    }
  });

  test('jitter stays within +-10 % of the interval', () => {
    expect(jitteredInterval(5_000, 0)).toBe(4_500);
    expect(jitteredInterval(5_000, 1)).toBe(5_500);
    expect(jitteredInterval(5_000, 0.5)).toBe(5_000);
  });
});

describe('retry budget', () => {
  test('min concurrency is always allowed; beyond it, a share of active requests', () => {
    const budget = new RetryBudget(20, 3);
    expect(budget.limit(0)).toBe(3);
    expect(budget.limit(10)).toBe(3);
    expect(budget.limit(100)).toBe(20);
    expect(budget.limit(1_000)).toBe(200);
    for (let i = 0; i < 3; i++) expect(budget.tryAcquire(1)).toBe(true);
    expect(budget.tryAcquire(1)).toBe(false);
    expect(budget.denied).toBe(1);
    expect(budget.tryAcquire(50)).toBe(true); // 20 % of 50 = 10 > 3
    budget.release(4);
    expect(budget.active).toBe(0);
    budget.release(1);
    expect(budget.active).toBe(0);
  });

  test('a zero budget with no minimum allows no retry', () => {
    expect(new RetryBudget(0, 0).tryAcquire(1_000)).toBe(false);
  });
});

describe('the guarded balancer', () => {
  function guarded(capacity: ((x: Backend) => boolean) | null = null) {
    const s = setup();
    const g = new GuardedBalancer(new RoundRobinBalancer(), s.health, capacity);
    g.update(s.set);
    return { ...s, g };
  }

  test('skips ejected backends', () => {
    const { g, health, list } = guarded();
    for (let i = 0; i < 3; i++) health.recordFailure(list[0]!, 'connect');
    const picked = Array.from({ length: 20 }, () => g.pick()!.port);
    expect(picked).not.toContain(1);
  });

  test('panic mode: when no backend is admitted, all are balanced over', () => {
    const { g, health, list } = guarded();
    const bad: CheckResult = { at: 0, ok: false };
    for (const x of list) for (let i = 0; i < 2; i++) health.recordCheck(x, bad);
    expect(new Set(Array.from({ length: 6 }, () => g.pick()!.port)).size).toBe(3);
  });

  test('tried backends are not picked again even in panic mode', () => {
    const { g, list } = guarded();
    expect(g.pick([...list])).toBeUndefined();
  });

  test('saturated: only the in-flight limit blocks the pick', () => {
    const full = new Set<number>([1, 2]);
    const { g, list } = guarded((x) => !full.has(x.port));
    expect(g.pick()!.port).toBe(3);
    expect(g.saturated()).toBe(true);
    full.add(3);
    expect(g.pick()).toBeUndefined();
    expect(g.saturated()).toBe(true);
    expect(g.saturated([...list])).toBe(false);
  });
});

describe('capacity queue', () => {
  test('wakes waiters first come first served, one per released slot', async () => {
    const q = new CapacityQueue();
    const woken: string[] = [];
    const timeouts: string[] = [];
    for (const name of ['a', 'b', 'c'])
      q.wait(
        () => woken.push(name),
        () => timeouts.push(name),
        10_000,
      );
    q.notify();
    expect(woken).toEqual([]); // never inside the releasing call
    await Promise.resolve();
    expect(woken).toEqual(['a']);
    q.notify();
    q.notify();
    await Promise.resolve();
    expect(woken).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
    expect(timeouts).toEqual([]);
  });

  test('a waiter not woken in time gets its timeout; a cancelled one gets nothing', async () => {
    const q = new CapacityQueue();
    const events: string[] = [];
    q.wait(
      () => events.push('slot-a'),
      () => events.push('timeout-a'),
      20,
    );
    const bWaiter = q.wait(
      () => events.push('slot-b'),
      () => events.push('timeout-b'),
      20,
    );
    bWaiter.cancel();
    await new Promise((r) => setTimeout(r, 60));
    expect(events).toEqual(['timeout-a']);
    q.notify();
    await Promise.resolve();
    expect(events).toEqual(['timeout-a']);
  });
});
