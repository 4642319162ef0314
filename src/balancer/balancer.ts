import type { HeaderList } from '../http';
import type { Backend, BackendSet } from './backend';

/** What a strategy may look at besides its own state: the request, for hashing strategies. */
export interface PickContext {
  /** The client's request fields (consistent hashing reads a header or a cookie). */
  readonly headers?: HeaderList;
}

/** Which backends a pick may return (not yet tried, healthy, below its in-flight limit...). */
export type BackendFilter = (b: Backend) => boolean;

/**
 * Picks a backend for each attempt. Implementations hold their own position state and must keep
 * it across `update` so that a new BackendSet does not send a burst to one backend.
 */
export interface Balancer {
  readonly strategy: string;
  /** Replaces the set balanced over; called by discovery pushes, never mid-pick. */
  update(set: BackendSet): void;
  /**
   * Returns the next backend, skipping those in `exclude` (already tried by this request), or
   * undefined when none is left. `context` carries what hashing strategies need.
   */
  pick(exclude?: readonly Backend[], context?: PickContext): Backend | undefined;
  readonly size: number;
}

/** A strategy: a Balancer that can also pick among the backends an arbitrary filter accepts. */
export interface SelectionStrategy extends Balancer {
  /** The current set (for health bookkeeping and the admin view). */
  readonly backends: readonly Backend[];
  select(accept: BackendFilter, context?: PickContext): Backend | undefined;
}

/** The filter of a plain `pick(exclude)`: every backend not yet tried. */
export function notIn(exclude: readonly Backend[] | undefined): BackendFilter {
  if (exclude === undefined || exclude.length === 0) return acceptAll;
  return (b) => !exclude.includes(b);
}

const acceptAll: BackendFilter = () => true;
