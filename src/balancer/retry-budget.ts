/**
 * Envoy's retry budget: retries in progress may be at most `percent` of the active requests, and
 * `minConcurrency` retries are always allowed (Envoy's min_retry_concurrency), so a quiet proxy
 * can still retry while a failing fleet under load is not hammered by a retry storm.
 */
export class RetryBudget {
  /** Retry attempts currently held by requests (released when each request finishes). */
  active = 0;
  /** Retries refused since start, for the admin view. */
  denied = 0;

  constructor(
    private readonly percent: number,
    private readonly minConcurrency: number,
  ) {}

  /** How many retries may be in progress alongside `activeRequests` active requests. */
  limit(activeRequests: number): number {
    return Math.max(this.minConcurrency, Math.floor((activeRequests * this.percent) / 100));
  }

  /** Takes one retry token if the budget has room. */
  tryAcquire(activeRequests: number): boolean {
    if (this.active >= this.limit(activeRequests)) {
      this.denied++;
      return false;
    }
    this.active++;
    return true;
  }

  release(n: number): void {
    this.active = Math.max(0, this.active - n);
  }
}
