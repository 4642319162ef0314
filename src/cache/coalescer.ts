import type { CacheEntry } from './entry';

/**
 * Request coalescing ("collapsed forwarding"): while one request for a key is upstream, the others
 * for that key wait for its outcome instead of stampeding the backends. The leader settles the
 * flight with the entry it stored ('ready') or without one ('go': not cacheable, truncated,
 * failed); waiters then use the entry or go upstream themselves. A flight ends by itself after
 * `waitMs`, releasing its waiters to go upstream: a slow leader bounds the wait, never the result.
 */
export type FlightOutcome =
  { readonly kind: 'ready'; readonly entry: CacheEntry } | { readonly kind: 'go' };

const GO: FlightOutcome = Object.freeze({ kind: 'go' });

/** A leader's handle on its flight: settling someone else's later flight is impossible. */
export interface Flight {
  readonly key: string;
  readonly waiters: Array<(o: FlightOutcome) => void>;
  timer: NodeJS.Timeout | null;
}

export class Coalescer {
  private readonly flights = new Map<string, Flight>();
  /** Requests that waited for another's fetch instead of going upstream. */
  coalesced = 0;

  constructor(private readonly waitMs: number) {}

  /** True while a fetch for `key` is in flight. */
  inFlight(key: string): boolean {
    return this.flights.has(key);
  }

  /** Starts a flight for `key`; the caller is its leader and must settle it. */
  lead(key: string): Flight {
    const f: Flight = { key, waiters: [], timer: null };
    const previous = this.flights.get(key);
    if (previous !== undefined) this.settle(previous, GO);
    f.timer = setTimeout(() => this.settle(f, GO), this.waitMs);
    f.timer.unref();
    this.flights.set(key, f);
    return f;
  }

  /** Waits for the flight of `key`; resolves 'go' at once when there is none. */
  wait(key: string): Promise<FlightOutcome> {
    const f = this.flights.get(key);
    if (f === undefined) return Promise.resolve(GO);
    this.coalesced++;
    return new Promise((resolve) => f.waiters.push(resolve));
  }

  /** Ends a flight, resolving every waiter. Settling an ended flight is a no-op. */
  settle(f: Flight, outcome: FlightOutcome): void {
    if (this.flights.get(f.key) !== f) return;
    this.flights.delete(f.key);
    if (f.timer !== null) clearTimeout(f.timer);
    const waiters = f.waiters.splice(0);
    for (const w of waiters) w(outcome);
  }
}
