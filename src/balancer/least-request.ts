import type { Backend } from './backend';
import type { BackendFilter, PickContext } from './balancer';
import { BackendSetStrategy } from './set-strategy';

/** Requests in flight to a backend right now. */
export type LoadOf = (b: Backend) => number;

/**
 * Least request with the power of two choices (Mitzenmacher; Envoy's LEAST_REQUEST): two distinct
 * eligible backends drawn at random, the one with fewer requests in flight per unit of weight
 * wins. Almost as good as scanning for the minimum, without herding every proxy replica onto the
 * same "least loaded" backend at once.
 */
export class LeastRequestBalancer extends BackendSetStrategy {
  readonly strategy = 'least-request';
  /** Scratch list of eligible indexes, reused across picks. */
  private readonly eligible: number[] = [];

  constructor(
    private readonly load: LoadOf,
    private readonly random: () => number = Math.random,
  ) {
    super();
  }

  override select(accept: BackendFilter, _context?: PickContext): Backend | undefined {
    const list = this.set.backends;
    const idx = this.eligible;
    idx.length = 0;
    for (let i = 0; i < list.length; i++) if (accept(list[i]!)) idx.push(i);
    const n = idx.length;
    if (n === 0) return undefined;
    if (n === 1) return list[idx[0]!];
    const i = Math.floor(this.random() * n);
    // A second draw among the other n - 1, so the two choices are distinct.
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j++;
    const a = list[idx[i]!]!;
    const b = list[idx[j]!]!;
    const la = this.load(a) / a.weight;
    const lb = this.load(b) / b.weight;
    return lb < la ? b : a;
  }
}
