import type { Config } from '../config/types';
import { KUBERNETES_MODES } from '../config/schema';
import type { Backend, BackendSet } from './backend';
import type { SelectionStrategy } from './balancer';
import { CapacityQueue } from './capacity-queue';
import { ConsistentHashBalancer } from './consistent-hash';
import { GuardedBalancer } from './guarded';
import { ActiveHealthChecker } from './health/active-checker';
import { BackendHealth, type HealthEvent, type HealthSnapshot } from './health/backend-health';
import type { Probe } from './health/http-probe';
import { LeastRequestBalancer, type LoadOf } from './least-request';
import { RetryBudget } from './retry-budget';
import { RoundRobinBalancer } from './round-robin';

/** The strategy named by config.strategy.name. */
export function createStrategy(config: Config, load: LoadOf): SelectionStrategy {
  const s = config.strategy;
  switch (s.name) {
    case 'round-robin':
    case 'weighted-round-robin':
      // Round robin is weight-aware (smooth WRR), so the two names are one strategy.
      return new RoundRobinBalancer(s.name);
    case 'least-request':
      return new LeastRequestBalancer(load);
    case 'consistent-hash':
      return new ConsistentHashBalancer(s.hash);
  }
}

/** Whether active health checks run: `auto` means on for static backends only. */
export function activeChecksEnabled(config: Config): boolean {
  const mode = config.strategy.healthCheck.enabled;
  if (mode !== 'auto') return mode === 'on';
  // In Kubernetes modes the kubelet's readiness probes already feed the EndpointSlices.
  return !KUBERNETES_MODES.includes(config.discovery.mode);
}

export interface ResilienceDeps {
  /** Requests in flight per backend (the pool's active connections). */
  load: LoadOf;
  /** Active check transport; node:http GET by default. */
  probe?: Probe;
  /** Told when a backend is ejected or returns, or active checks flip it (for the log). */
  onHealthEvent?: (e: HealthEvent) => void;
}

/**
 * Everything that keeps the proxy up when backends are not: the guarded balancer (strategy +
 * health + in-flight limit), passive and active health, the retry budget and the queue of
 * requests waiting for a backend slot. Wired once by app.ts; the exchange reports to it.
 */
export class Resilience {
  readonly health: BackendHealth;
  readonly checker: ActiveHealthChecker | null;
  readonly budget: RetryBudget;
  readonly queue = new CapacityQueue();
  readonly balancer: GuardedBalancer;
  readonly maxInFlight: number;

  constructor(
    config: Config,
    private readonly deps: ResilienceDeps,
  ) {
    const { outlier, healthCheck } = config.strategy;
    this.health = new BackendHealth(
      {
        consecutiveFailures: outlier.consecutiveFailures,
        consecutive5xx: outlier.consecutive5xx,
        baseEjectionTime: outlier.baseEjectionTime,
        maxEjectionTime: outlier.maxEjectionTime,
        maxEjectedPercent: outlier.maxEjectedPercent,
        healthyThreshold: healthCheck.healthyThreshold,
        unhealthyThreshold: healthCheck.unhealthyThreshold,
      },
      Date.now,
      deps.onHealthEvent ?? null,
    );
    this.checker = activeChecksEnabled(config)
      ? new ActiveHealthChecker(healthCheck, this.health, deps.probe)
      : null;
    this.budget = new RetryBudget(
      config.limits.retryBudgetPercent,
      config.limits.retryBudgetMinConcurrency,
    );
    const max = (this.maxInFlight = config.limits.maxInFlightPerBackend);
    const load = deps.load;
    this.balancer = new GuardedBalancer(
      createStrategy(config, load),
      this.health,
      max > 0 ? (b) => load(b) < max : null,
    );
  }

  update(set: BackendSet): void {
    this.balancer.update(set);
    this.checker?.update(set);
  }

  /** A connection slot to some backend was released: a queued request may pick again. */
  slotReleased(): void {
    this.queue.notify();
  }

  stop(): void {
    this.checker?.stop();
  }

  /** The admin view of one backend. */
  stateOf(b: Backend): HealthSnapshot & { inFlight: number } {
    const h = this.health.snapshot(b) ?? {
      healthy: true,
      activeHealthy: true,
      ejectedUntil: null,
      ejections: 0,
      consecutiveFailures: 0,
      consecutive5xx: 0,
      lastCheck: null,
    };
    return { ...h, inFlight: this.deps.load(b) };
  }
}
