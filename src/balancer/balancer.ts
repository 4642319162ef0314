import type { Backend, BackendSet } from './backend';

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
   * undefined when none is left.
   */
  pick(exclude?: readonly Backend[]): Backend | undefined;
  readonly size: number;
}
