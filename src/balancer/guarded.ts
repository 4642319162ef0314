import type { Backend, BackendSet } from './backend';
import {
  notIn,
  type Balancer,
  type BackendFilter,
  type PickContext,
  type SelectionStrategy,
} from './balancer';
import type { BackendHealth } from './health/backend-health';

/**
 * A strategy behind the health and capacity guards: a pick returns a backend not yet tried by
 * this request, admitted by BackendHealth (not ejected, passing active checks) and below its
 * in-flight limit. When no backend of the set is admitted at all (every check failing), the guard
 * is lifted and all are balanced over (Envoy's panic mode): a misconfigured check path must not
 * turn into a total outage. The in-flight limit is never lifted.
 */
export class GuardedBalancer implements Balancer {
  /** The current pick's exclusions, read by the filters (picks are synchronous, never nested). */
  private exclude: readonly Backend[] | undefined = undefined;
  /** Filters allocated once, not per pick: this is the hot path of every request. */
  private readonly strict: BackendFilter;
  private readonly relaxed: BackendFilter;

  constructor(
    readonly inner: SelectionStrategy,
    private readonly health: BackendHealth | null,
    /** Whether a backend is below its in-flight limit; null when there is no limit. */
    private readonly hasCapacity: BackendFilter | null,
  ) {
    const cap = hasCapacity;
    this.relaxed = (b) => {
      const ex = this.exclude;
      return (ex === undefined || !ex.includes(b)) && (cap === null || cap(b));
    };
    this.strict = (b) => (health === null || health.admits(b)) && this.relaxed(b);
  }

  get strategy(): string {
    return this.inner.strategy;
  }

  get size(): number {
    return this.inner.size;
  }

  update(set: BackendSet): void {
    this.health?.update(set);
    this.inner.update(set);
  }

  pick(exclude?: readonly Backend[], context?: PickContext): Backend | undefined {
    this.exclude = exclude !== undefined && exclude.length > 0 ? exclude : undefined;
    try {
      const found = this.inner.select(this.strict, context);
      const health = this.health;
      if (found !== undefined || health === null || health.anyAdmitted()) return found;
      return this.inner.select(this.relaxed, context);
    } finally {
      this.exclude = undefined;
    }
  }

  /** Whether a pick found nothing only because eligible backends are at their in-flight limit. */
  saturated(exclude?: readonly Backend[]): boolean {
    const cap = this.hasCapacity;
    if (cap === null) return false;
    const notTried = notIn(exclude);
    const health = this.health;
    const panic = health !== null && !health.anyAdmitted();
    return this.inner.backends.some(
      (b) => notTried(b) && (panic || health === null || health.admits(b)) && !cap(b),
    );
  }
}
