import type { HeaderList } from '../http/headers';
import type { CacheControl } from './rules/cache-control';
import type { ResponseTiming } from './rules/freshness';

/**
 * One stored response. Bodies are kept as the Buffers they were collected into (never strings);
 * `headers` is immutable once stored (a 304 replaces the entry's list, never edits it), so hits
 * can hand it out without copying.
 */
export interface CacheEntry {
  /** host + path (or path alone when the host is not part of the key). */
  readonly primaryKey: string;
  /** Normalised values of the fields Vary names ('' without Vary). */
  readonly secondaryKey: string;
  /** Vary field names, lower-cased and sorted. */
  readonly varyNames: readonly string[];
  readonly status: number;
  readonly reason: string;
  headers: HeaderList;
  readonly body: readonly Buffer[];
  readonly bodyBytes: number;
  responseCc: CacheControl;
  timing: ResponseTiming;
  /** corrected_initial_age (RFC 9111 4.2.3), seconds. */
  initialAge: number;
  /** freshness_lifetime (RFC 9111 4.2.1), seconds. */
  lifetime: number;
  /** Bytes charged to the cache: body capacity, fields, keys and bookkeeping. */
  size: number;
  /** A background revalidation (stale-while-revalidate) is in flight. */
  revalidating: boolean;
}
