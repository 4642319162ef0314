export interface BackoffPolicy {
  /** First delay before jitter; the first retry lands in [baseMs, 2 * baseMs). */
  readonly baseMs: number;
  /** Upper bound of any delay, jitter included. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

/**
 * Exponential backoff with jitter: attempt n waits base * 2^n * (1 + r), r in [0, 1), capped.
 * The jitter keeps a fleet of proxy replicas from hammering a recovering API server in lockstep.
 * `random` is passed in so the policy is testable.
 */
export function backoffDelay(attempt: number, random: number, policy = DEFAULT_BACKOFF): number {
  const exp = policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  return Math.min(policy.capMs, Math.round(exp * (1 + random)));
}

/** A period spread by +-spread (0..1): the periodic relist of many replicas must not align. */
export function jittered(periodMs: number, random: number, spread = 0.2): number {
  return Math.round(periodMs * (1 - spread + 2 * spread * random));
}
