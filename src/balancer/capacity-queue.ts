/** A request waiting for a backend below its in-flight limit. */
export interface CapacityWaiter {
  /** Leaves the queue (the client went away); neither callback is called afterwards. */
  cancel(): void;
}

interface Entry extends CapacityWaiter {
  onSlot: () => void;
  timer: NodeJS.Timeout | null;
  queued: boolean;
}

/**
 * Requests that found every eligible backend at limits.maxInFlightPerBackend wait here briefly,
 * first come first served: each released slot wakes the oldest waiter, which picks again. A
 * waiter not woken in time gets its timeout callback (the exchange answers 503 + Retry-After), so
 * overload turns into fast errors, never into unbounded memory (at most one waiter per client
 * connection, itself bounded by limits.maxClientConnections).
 */
export class CapacityQueue {
  private readonly entries: Entry[] = [];
  private wakeScheduled = false;
  private pendingWakes = 0;

  get length(): number {
    return this.entries.length;
  }

  wait(onSlot: () => void, onTimeout: () => void, timeoutMs: number): CapacityWaiter {
    const entry: Entry = {
      onSlot,
      timer: null,
      queued: true,
      cancel: () => this.remove(entry),
    };
    entry.timer = setTimeout(() => {
      if (!entry.queued) return;
      this.remove(entry);
      onTimeout();
    }, timeoutMs);
    this.entries.push(entry);
    return entry;
  }

  /**
   * A slot was released. Waiters are woken on a microtask, never inside the release: the caller
   * is deep in a connection's read loop, and a waiter's pick may reuse that very connection.
   */
  notify(): void {
    if (this.entries.length === 0) return;
    this.pendingWakes++;
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    queueMicrotask(() => {
      this.wakeScheduled = false;
      let n = this.pendingWakes;
      this.pendingWakes = 0;
      while (n-- > 0 && this.entries.length > 0) {
        const e = this.entries.shift()!;
        e.queued = false;
        if (e.timer !== null) clearTimeout(e.timer);
        e.onSlot();
      }
    });
  }

  private remove(e: Entry): void {
    if (!e.queued) return;
    e.queued = false;
    if (e.timer !== null) clearTimeout(e.timer);
    const i = this.entries.indexOf(e);
    if (i !== -1) this.entries.splice(i, 1);
  }
}
