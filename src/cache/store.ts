import type { HeaderList } from '../http/headers';
import type { CacheEntry } from './entry';
import { headerBytes } from './rules/stored-headers';
import { secondaryKey } from './rules/vary';

/** Bookkeeping charged per entry beyond its bytes: keys, the entry object, map slots. */
export const ENTRY_OVERHEAD_BYTES = 256;

/** The bytes an entry is charged: body capacity + fields + keys + overhead. */
export function entrySize(
  primaryKey: string,
  secondary: string,
  headers: HeaderList,
  bodyCapacity: number,
): number {
  return (
    bodyCapacity +
    headerBytes(headers) +
    2 * (primaryKey.length + secondary.length) +
    ENTRY_OVERHEAD_BYTES
  );
}

/** The variants stored under one primary key, selected by the Vary fields of the newest one. */
interface Variants {
  varyNames: readonly string[];
  readonly byKey: Map<string, CacheEntry>;
}

export interface StoreLimits {
  /** Total bytes of all entries (bodies + fields + bookkeeping). */
  readonly maxBytes: number;
  /** Largest single entry. */
  readonly maxObjectBytes: number;
}

/**
 * The byte-bounded LRU store. Entries are found by primary key (RFC 9111 4: the target URI,
 * method-independent because only GET is stored) and then by the secondary key computed from the
 * request fields the stored Vary names (4.1). Recency is the insertion order of one Set of the
 * entries themselves (no derived key string to build per hit): a hit moves its entry to the end,
 * eviction takes from the front, both O(1).
 */
export class CacheStore {
  private readonly lru = new Set<CacheEntry>();
  private readonly primaries = new Map<string, Variants>();
  private totalBytes = 0;
  evictions = 0;

  constructor(readonly limits: StoreLimits) {}

  get bytes(): number {
    return this.totalBytes;
  }

  get entries(): number {
    return this.lru.size;
  }

  /** The stored variant matching the request's Vary'd fields, marked as recently used. */
  find(primaryKey: string, request: HeaderList): CacheEntry | undefined {
    const variants = this.primaries.get(primaryKey);
    if (variants === undefined) return undefined;
    const entry = variants.byKey.get(secondaryKey(variants.varyNames, request));
    if (entry !== undefined) this.touch(entry);
    return entry;
  }

  /** Whether anything is stored under a primary key. */
  hasPrimary(primaryKey: string): boolean {
    return this.primaries.has(primaryKey);
  }

  private touch(entry: CacheEntry): void {
    this.lru.delete(entry);
    this.lru.add(entry);
  }

  /**
   * Stores an entry, replacing the variant with the same keys, and evicts least recently used
   * entries until the total fits. Returns false (nothing stored) when the entry alone is over a
   * limit. A response whose Vary differs from the stored variants' replaces them all: they were
   * selected by fields that no longer decide (RFC 9111 4.1).
   */
  put(entry: CacheEntry): boolean {
    if (entry.size > this.limits.maxObjectBytes || entry.size > this.limits.maxBytes) return false;
    let variants = this.primaries.get(entry.primaryKey);
    if (variants !== undefined && !sameNames(variants.varyNames, entry.varyNames)) {
      this.deletePrimary(entry.primaryKey);
      variants = undefined;
    }
    if (variants === undefined) {
      variants = { varyNames: entry.varyNames, byKey: new Map() };
      this.primaries.set(entry.primaryKey, variants);
    }
    const old = variants.byKey.get(entry.secondaryKey);
    if (old !== undefined) this.unlink(old);
    variants.byKey.set(entry.secondaryKey, entry);
    this.lru.add(entry);
    this.totalBytes += entry.size;
    this.evictToFit(entry);
    return true;
  }

  /** Re-charges an entry whose headers changed (a 304 update); false when it is not stored. */
  resize(entry: CacheEntry, size: number): boolean {
    if (!this.lru.has(entry)) {
      entry.size = size;
      return false;
    }
    this.totalBytes += size - entry.size;
    entry.size = size;
    this.touch(entry);
    this.evictToFit(entry);
    return true;
  }

  private evictToFit(keep: CacheEntry): void {
    const max = this.limits.maxBytes;
    while (this.totalBytes > max) {
      const first = this.lru.values().next();
      if (first.done === true) break;
      const victim = first.value;
      if (victim === keep && this.lru.size === 1) break;
      this.delete(victim);
      this.evictions++;
    }
  }

  /** Removes one entry (a no-op when it is no longer stored). */
  delete(entry: CacheEntry): void {
    const variants = this.primaries.get(entry.primaryKey);
    if (variants === undefined || variants.byKey.get(entry.secondaryKey) !== entry) return;
    this.unlink(entry);
    variants.byKey.delete(entry.secondaryKey);
    if (variants.byKey.size === 0) this.primaries.delete(entry.primaryKey);
  }

  private unlink(entry: CacheEntry): void {
    if (this.lru.delete(entry)) this.totalBytes -= entry.size;
  }

  /** Removes every variant under a primary key; returns how many were removed. */
  deletePrimary(primaryKey: string): number {
    const variants = this.primaries.get(primaryKey);
    if (variants === undefined) return 0;
    for (const e of variants.byKey.values()) this.unlink(e);
    this.primaries.delete(primaryKey);
    return variants.byKey.size;
  }

  /** Removes the entries whose primary key satisfies `pred` (purges: rare, linear). */
  deleteWhere(pred: (primaryKey: string) => boolean): number {
    let n = 0;
    for (const k of [...this.primaries.keys()]) if (pred(k)) n += this.deletePrimary(k);
    return n;
  }

  clear(): number {
    const n = this.lru.size;
    this.lru.clear();
    this.primaries.clear();
    this.totalBytes = 0;
    return n;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
