import { totalWeight, type Backend, type BackendSet } from './backend';
import type { BackendFilter, PickContext } from './balancer';
import { BackendSetStrategy } from './set-strategy';

/**
 * Smooth weighted round robin, as nginx does it (ngx_http_upstream_get_peer): on each pick every
 * eligible backend's current weight grows by its weight, the largest wins and pays back the total.
 * Weights 3:2:1 give a b a c a b, never a burst of a's; equal weights give plain rotation.
 *
 * Current weights are kept by backend id across set updates, so a new set neither resets the
 * rotation nor sends a burst to one backend; a new backend starts at 0 (the running average).
 * Backends a filter rejects (tried, ejected, full) take no part in that pick, as in nginx.
 */
export class RoundRobinBalancer extends BackendSetStrategy {
  readonly strategy: string;
  /** Current weight per index of `set.backends`. */
  private current: number[] = [];

  constructor(name = 'round-robin') {
    super();
    this.strategy = name;
  }

  override update(set: BackendSet): void {
    const old = new Map<string, number>();
    this.set.backends.forEach((b, i) => old.set(b.id, this.current[i]!));
    const next = set.backends.map((b) => old.get(b.id) ?? 0);
    // Current weights are credit earned against the old total weight. Re-centred (a removed
    // backend leaves the sum off zero) and rescaled to the new total, each backend keeps its
    // place in the rotation without a credit that would win it several picks in a row.
    const mean = next.length === 0 ? 0 : next.reduce((a, c) => a + c, 0) / next.length;
    const oldTotal = totalWeight(this.set.backends);
    const scale = oldTotal === 0 ? 0 : totalWeight(set.backends) / oldTotal;
    this.current = next.map((c) => Math.round((c - mean) * scale));
    super.update(set);
  }

  override select(accept: BackendFilter, _context?: PickContext): Backend | undefined {
    const list = this.set.backends;
    const cur = this.current;
    let best = -1;
    let total = 0;
    for (let i = 0; i < list.length; i++) {
      const b = list[i]!;
      if (!accept(b)) continue;
      cur[i]! += b.weight;
      total += b.weight;
      if (best === -1 || cur[i]! > cur[best]!) best = i;
    }
    if (best === -1) return undefined;
    cur[best]! -= total;
    return list[best];
  }
}
