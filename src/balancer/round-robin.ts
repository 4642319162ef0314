import { BackendSet, type Backend } from './backend';
import type { Balancer } from './balancer';

/**
 * Plain round robin over the current set. The cursor is an index that survives set updates
 * (taken modulo the new size), so swapping in a new set neither resets the rotation nor sends a
 * burst to one backend.
 */
export class RoundRobinBalancer implements Balancer {
  readonly strategy = 'round-robin';
  private set: BackendSet = BackendSet.EMPTY;
  private cursor = 0;

  update(set: BackendSet): void {
    this.set = set;
    if (set.size > 0) this.cursor %= set.size;
    else this.cursor = 0;
  }

  get size(): number {
    return this.set.size;
  }

  pick(exclude?: readonly Backend[]): Backend | undefined {
    const list = this.set.backends;
    const n = list.length;
    for (let k = 0; k < n; k++) {
      const b = list[this.cursor]!;
      this.cursor = this.cursor + 1 === n ? 0 : this.cursor + 1;
      if (exclude === undefined || exclude.length === 0 || !exclude.includes(b)) return b;
    }
    return undefined;
  }
}
