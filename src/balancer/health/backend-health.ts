import type { HealthCheckConfig, OutlierConfig } from '../../config/types';
import type { Backend, BackendSet } from '../backend';

/** What went wrong on an attempt, as far as the backend's health is concerned. */
export type AttemptFailure = 'connect' | 'timeout' | 'reset';

/** The last active check of a backend, for the admin view. */
export interface CheckResult {
  readonly at: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
}

/** The admin view of one backend's health. */
export interface HealthSnapshot {
  /** Eligible now: not ejected, and passing active checks (or not checked). */
  readonly healthy: boolean;
  readonly activeHealthy: boolean;
  /** Epoch ms the current ejection ends, or null when not ejected. */
  readonly ejectedUntil: number | null;
  /** Ejections in a row (the next one lasts this + 1 times the base). */
  readonly ejections: number;
  readonly consecutiveFailures: number;
  readonly consecutive5xx: number;
  readonly lastCheck: CheckResult | null;
}

/** A change of a backend's eligibility, for the log. */
export type HealthEvent =
  | { kind: 'ejected'; backend: Backend; until: number; ejections: number; reason: string }
  | { kind: 'returned'; backend: Backend }
  | { kind: 'unhealthy'; backend: Backend; check: CheckResult }
  | { kind: 'healthy'; backend: Backend };

/** Per backend (per pod when discovery knows it) health state. */
class BackendState {
  constructor(public backend: Backend) {}
  ejectedUntil = 0;
  /** When the last ejection ended, for the decay of `ejections`. */
  returnedAt = 0;
  ejections = 0;
  consecutiveFailures = 0;
  consecutive5xx = 0;
  /** Backends start healthy, as in nginx and Envoy: no check has failed yet. */
  activeHealthy = true;
  checkSuccesses = 0;
  checkFailures = 0;
  lastCheck: CheckResult | null = null;
}

export type HealthOptions = Pick<
  OutlierConfig,
  | 'consecutiveFailures'
  | 'consecutive5xx'
  | 'baseEjectionTime'
  | 'maxEjectionTime'
  | 'maxEjectedPercent'
> &
  Pick<HealthCheckConfig, 'healthyThreshold' | 'unhealthyThreshold'>;

/** State is kept per pod when discovery knows it, so a pod keeps its record across re-lists. */
export function healthKeyOf(b: Backend): string {
  return b.pod !== undefined ? `pod/${b.pod}/${b.id}` : b.id;
}

/**
 * Passive health (outlier ejection, after Envoy's outlier detection) and the verdicts of active
 * checks, for the backends of the current set. Pure bookkeeping over an injected clock: the
 * exchange reports attempt outcomes, the active checker reports check results, and balancers ask
 * `admits`.
 */
export class BackendHealth {
  private readonly states = new Map<string, BackendState>();
  /** The same states by Backend object, for the hot path (no key string per lookup). */
  private byBackend = new Map<Backend, BackendState>();
  private backends: readonly Backend[] = [];

  constructor(
    private readonly opts: HealthOptions,
    private readonly now: () => number = Date.now,
    private readonly onEvent: ((e: HealthEvent) => void) | null = null,
  ) {}

  /** Follows a new set: state of backends that stay is kept, state of those gone is dropped. */
  update(set: BackendSet): void {
    const keep = new Set<string>();
    const byBackend = new Map<Backend, BackendState>();
    for (const b of set.backends) {
      const key = healthKeyOf(b);
      keep.add(key);
      let s = this.states.get(key);
      if (s === undefined) this.states.set(key, (s = new BackendState(b)));
      else s.backend = b;
      byBackend.set(b, s);
    }
    this.byBackend = byBackend;
    for (const key of this.states.keys()) if (!keep.has(key)) this.states.delete(key);
    this.backends = set.backends;
  }

  /** Whether a pick may return `b` now. Unknown backends (mid-update) are admitted. */
  admits(b: Backend): boolean {
    const s = this.stateOf(b);
    if (s === undefined) return true;
    return s.activeHealthy && !this.ejected(s, this.now());
  }

  /** Whether any backend of the set is admitted (else balancers fall back to all: panic mode). */
  anyAdmitted(): boolean {
    for (const b of this.backends) if (this.admits(b)) return true;
    return false;
  }

  // ---- passive: outcomes of real requests ---------------------------------------------------

  /** A connect failure, timeout or reset of an attempt (not the reuse race, which is ours). */
  recordFailure(b: Backend, kind: AttemptFailure): void {
    const s = this.stateOf(b);
    if (s === undefined) return;
    s.consecutiveFailures++;
    const limit = this.opts.consecutiveFailures;
    if (limit > 0 && s.consecutiveFailures >= limit)
      this.eject(s, `${limit} ${kind} failures in a row`);
  }

  /** A response head from the backend: it is reachable; a 5xx counts toward ejection. */
  recordStatus(b: Backend, status: number): void {
    const s = this.stateOf(b);
    if (s === undefined) return;
    s.consecutiveFailures = 0;
    if (status < 500) {
      s.consecutive5xx = 0;
      return;
    }
    s.consecutive5xx++;
    const limit = this.opts.consecutive5xx;
    if (limit > 0 && s.consecutive5xx >= limit) this.eject(s, `${limit} 5xx responses in a row`);
  }

  // ---- active checks --------------------------------------------------------------------------

  /** The result of one active check; thresholds decide when the verdict flips. */
  recordCheck(b: Backend, result: CheckResult): void {
    const s = this.stateOf(b);
    if (s === undefined) return;
    s.lastCheck = result;
    if (result.ok) {
      s.checkFailures = 0;
      s.checkSuccesses++;
      if (!s.activeHealthy && s.checkSuccesses >= this.opts.healthyThreshold) {
        s.activeHealthy = true;
        // A backend that passes its checks again starts with a clean passive record.
        s.consecutiveFailures = 0;
        s.consecutive5xx = 0;
        this.onEvent?.({ kind: 'healthy', backend: s.backend });
      }
    } else {
      s.checkSuccesses = 0;
      s.checkFailures++;
      if (s.activeHealthy && s.checkFailures >= this.opts.unhealthyThreshold) {
        s.activeHealthy = false;
        this.onEvent?.({ kind: 'unhealthy', backend: s.backend, check: result });
      }
    }
  }

  snapshot(b: Backend): HealthSnapshot | undefined {
    const s = this.stateOf(b);
    if (s === undefined) return undefined;
    const now = this.now();
    const ejected = this.ejected(s, now);
    return {
      healthy: s.activeHealthy && !ejected,
      activeHealthy: s.activeHealthy,
      ejectedUntil: ejected ? s.ejectedUntil : null,
      ejections: s.ejections,
      consecutiveFailures: s.consecutiveFailures,
      consecutive5xx: s.consecutive5xx,
      lastCheck: s.lastCheck,
    };
  }

  /** Backends that may be ejected at once: a share of the set, at least one of two, never all. */
  maxEjectable(n: number): number {
    const pct = this.opts.maxEjectedPercent;
    if (n <= 1 || pct === 0) return 0;
    return Math.min(n - 1, Math.max(1, Math.floor((n * pct) / 100)));
  }

  /** The state of `b`: by object for the current set (no key string), by key for any other. */
  private stateOf(b: Backend): BackendState | undefined {
    return this.byBackend.get(b) ?? this.states.get(healthKeyOf(b));
  }

  private ejected(s: BackendState, now: number): boolean {
    if (s.ejectedUntil === 0) return false;
    if (now < s.ejectedUntil) return true;
    // The ejection is over: the backend returns with a clean slate (as in Envoy).
    s.returnedAt = s.ejectedUntil;
    s.ejectedUntil = 0;
    s.consecutiveFailures = 0;
    s.consecutive5xx = 0;
    this.onEvent?.({ kind: 'returned', backend: s.backend });
    return false;
  }

  private eject(s: BackendState, reason: string): void {
    const now = this.now();
    if (this.ejected(s, now)) return;
    let ejectedNow = 0;
    for (const st of this.states.values()) if (this.ejected(st, now)) ejectedNow++;
    // At the cap the backend stays in; its counters keep counting and the next failure retries.
    if (ejectedNow >= this.maxEjectable(this.states.size)) return;
    const o = this.opts;
    // A backend that stayed well for the longest ejection time is forgiven its past ejections.
    if (s.ejections > 0 && now - s.returnedAt >= o.maxEjectionTime) s.ejections = 0;
    s.ejections++;
    s.ejectedUntil = now + Math.min(o.maxEjectionTime, o.baseEjectionTime * s.ejections);
    s.consecutiveFailures = 0;
    s.consecutive5xx = 0;
    this.onEvent?.({
      kind: 'ejected',
      backend: s.backend,
      until: s.ejectedUntil,
      ejections: s.ejections,
      reason,
    });
  }
}
