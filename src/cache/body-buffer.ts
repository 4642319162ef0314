/**
 * Collects a response body for storage while it streams to the client. The decoder hands out
 * subarrays of socket buffers; keeping those would pin whole socket reads, so bytes are copied
 * into buffers the cache owns: one exact-size buffer when the length is known (a hit then writes
 * a single Buffer), growing slabs otherwise. Stops (and frees) once over `limit`.
 */
const FIRST_SLAB = 16 * 1024;
const MAX_SLAB = 1024 * 1024;

export class BodyBuffer {
  private readonly done: Buffer[] = [];
  private current: Buffer | null = null;
  private used = 0;
  private total = 0;
  private capacity = 0;
  /** True once the body went over the limit; everything collected was dropped. */
  overflowed = false;

  constructor(
    private readonly limit: number,
    /** Content-Length when known, -1 otherwise. */
    private readonly expected: number,
  ) {
    if (expected > limit) this.overflowed = true;
  }

  get bytes(): number {
    return this.total;
  }

  /** Bytes allocated (what the cache is charged for the body). */
  get allocated(): number {
    return this.capacity;
  }

  /** Appends a copy of `chunk`; returns false once the body is over the limit. */
  push(chunk: Buffer): boolean {
    if (this.overflowed) return false;
    const n = chunk.length;
    if (this.total + n > this.limit) {
      this.drop();
      return false;
    }
    let off = 0;
    while (off < n) {
      let cur = this.current;
      if (cur === null || this.used === cur.length) {
        if (cur !== null) this.done.push(cur);
        cur = this.current = this.allocate(n - off);
        this.used = 0;
      }
      const take = Math.min(n - off, cur.length - this.used);
      chunk.copy(cur, this.used, off, off + take);
      this.used += take;
      off += take;
    }
    this.total += n;
    return true;
  }

  private allocate(need: number): Buffer {
    let size: number;
    if (this.expected >= 0 && this.total < this.expected) {
      size = this.expected - this.total;
    } else {
      // Unknown length: slabs double (16 KiB .. 1 MiB) so a large body is few buffers.
      size = Math.min(MAX_SLAB, Math.max(FIRST_SLAB, this.capacity));
    }
    size = Math.max(size, Math.min(need, MAX_SLAB));
    size = Math.min(size, this.limit - this.total);
    // allocUnsafeSlow: never a slice of Node's shared pool, so storing it pins nothing else.
    const b = Buffer.allocUnsafeSlow(Math.max(1, size));
    this.capacity += b.length;
    return b;
  }

  private drop(): void {
    this.overflowed = true;
    this.done.length = 0;
    this.current = null;
    this.total = this.used = this.capacity = 0;
  }

  /** The collected body as buffers holding exactly its bytes. */
  finish(): Buffer[] {
    const out = this.done;
    const cur = this.current;
    if (cur !== null && this.used > 0)
      out.push(this.used === cur.length ? cur : cur.subarray(0, this.used));
    this.current = null;
    return out;
  }
}
