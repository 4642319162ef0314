import { BackendSet, type Backend } from './backend';
import { notIn, type BackendFilter, type PickContext, type SelectionStrategy } from './balancer';

/**
 * What every strategy does the same way: it holds the current BackendSet, reports its size and
 * backends, and answers a plain `pick(exclude)` as a `select` with the not-yet-tried filter.
 * Subclasses decide only how to choose (`select`) and what state to rebuild on `update`.
 */
export abstract class BackendSetStrategy implements SelectionStrategy {
  abstract readonly strategy: string;
  protected set: BackendSet = BackendSet.EMPTY;

  update(set: BackendSet): void {
    this.set = set;
  }

  get size(): number {
    return this.set.size;
  }

  get backends(): readonly Backend[] {
    return this.set.backends;
  }

  pick(exclude?: readonly Backend[], context?: PickContext): Backend | undefined {
    return this.select(notIn(exclude), context);
  }

  abstract select(accept: BackendFilter, context?: PickContext): Backend | undefined;
}
