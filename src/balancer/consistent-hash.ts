import type { HashConfig } from '../config/types';
import { totalWeight, type Backend, type BackendSet } from './backend';
import type { BackendFilter, PickContext } from './balancer';
import { hash32 } from './hash';
import { hashKeyOf } from './hash-key';
import { RoundRobinBalancer } from './round-robin';
import { BackendSetStrategy } from './set-strategy';

/**
 * Ring points per unit of weight. ketama uses 160 per server; more points make the shares more
 * even (a backend's share varies by about 1/(n*sqrt(points)): +-1 % at 1,000 against +-2.6 % at
 * 160), which is what decides how many keys move when one backend leaves.
 */
export const POINTS_PER_WEIGHT = 1_000;
/** Bound on the ring's size, so a large fleet does not make every update slow. */
export const MAX_RING_POINTS = 100_000;

/**
 * Consistent hashing on a ring (Karger et al.; ketama): every backend owns POINTS_PER_WEIGHT x
 * weight points (fewer in a very large fleet) placed by hashing `id#i`, and a key goes to the owner of the first point at or
 * after its hash. A backend joining or leaving only moves the keys of the arcs it gains or loses
 * (about 1/n of them); an ineligible owner (ejected, tried) hands its keys to the next point's
 * owner, so they come back when it does. Requests without a key are balanced round robin.
 */
export class ConsistentHashBalancer extends BackendSetStrategy {
  readonly strategy = 'consistent-hash';
  private points = new Uint32Array(0);
  private owners: Backend[] = [];
  private readonly fallback = new RoundRobinBalancer();

  constructor(private readonly opts: HashConfig) {
    super();
  }

  override update(set: BackendSet): void {
    super.update(set);
    this.fallback.update(set);
    const entries: { point: number; owner: Backend }[] = [];
    const total = totalWeight(set.backends);
    const perWeight = Math.max(
      1,
      Math.min(POINTS_PER_WEIGHT, Math.floor(MAX_RING_POINTS / Math.max(1, total))),
    );
    for (const b of set.backends) {
      const n = perWeight * b.weight;
      for (let i = 0; i < n; i++) entries.push({ point: hash32(`${b.id}#${i}`), owner: b });
    }
    // Ties (rare) are broken by id so every replica of the proxy builds the same ring.
    entries.sort((x, y) => x.point - y.point || (x.owner.id < y.owner.id ? -1 : 1));
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = entries.map((e) => e.owner);
  }

  override select(accept: BackendFilter, context?: PickContext): Backend | undefined {
    const key = hashKeyOf(context?.headers, this.opts);
    if (key === undefined) return this.fallback.select(accept);
    return this.lookup(hash32(key), accept);
  }

  /** The first eligible owner clockwise from `h`. */
  lookup(h: number, accept: BackendFilter): Backend | undefined {
    const points = this.points;
    const n = points.length;
    if (n === 0) return undefined;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    const first = this.owners[lo % n]!;
    if (accept(first)) return first;
    // Rare path (the owner is ejected or was tried): walk on to the next distinct owners.
    const seen = new Set<Backend>([first]);
    for (let k = 1; k < n && seen.size < this.set.size; k++) {
      const owner = this.owners[(lo + k) % n]!;
      if (seen.has(owner)) continue;
      seen.add(owner);
      if (accept(owner)) return owner;
    }
    return undefined;
  }
}
