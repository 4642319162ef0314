/**
 * Connection timeouts without a timer per socket. Node's `socket.setTimeout` allocates a Timeout
 * and a bound function on every call, and a proxy re-arms timers several times per request; here
 * each connection just stores a deadline, and one unref'd interval per process sweeps them. The
 * resolution is the sweep interval (a 10 s timeout fires between 10 and 10.25 s), which is what
 * second-scale protocol timeouts need.
 */
export interface DeadlineTarget {
  /** performance.now() value at which onDeadline fires; 0 for none. */
  deadline: number;
  onDeadline(now: number): void;
}

export class DeadlineSweeper {
  private readonly targets = new Set<DeadlineTarget>();
  private timer: NodeJS.Timeout | null = null;
  /**
   * performance.now() as of the last sweep (or add): a clock good to one interval, so that
   * refreshing a sliding deadline on every read and write costs a field read, not a clock call.
   */
  coarseNow = performance.now();

  constructor(private readonly intervalMs: number) {}

  add(t: DeadlineTarget): void {
    this.coarseNow = performance.now();
    this.targets.add(t);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(t: DeadlineTarget): void {
    this.targets.delete(t);
    if (this.targets.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.targets.size;
  }

  private sweep(): void {
    const now = (this.coarseNow = performance.now());
    for (const t of this.targets) {
      const d = t.deadline;
      if (d !== 0 && now >= d) {
        t.deadline = 0;
        t.onDeadline(now);
      }
    }
  }
}

/** The process-wide sweeper used by client and upstream connections. */
export const deadlines = new DeadlineSweeper(250);
