import type { HeaderList } from '../../http/headers';
import type { CacheControl } from './cache-control';
import { HEURISTIC_STATUSES, hasExplicitFreshness } from './freshness';
import { varyFieldNames } from './vary';

export interface StorageOptions {
  /** Heuristic freshness enabled: only then are responses without explicit freshness stored. */
  readonly heuristic: boolean;
  /** Store responses carrying Set-Cookie (off by default: one user's cookie must not reach another). */
  readonly storeSetCookie: boolean;
  /** Status codes that may be stored (cache.statuses); null or empty: no restriction. */
  readonly statuses?: ReadonlySet<number> | null;
}

export interface StorageFacts {
  readonly method: string;
  /** The request carried Authorization. */
  readonly authorization: boolean;
  readonly requestCc: CacheControl;
  readonly status: number;
  readonly responseCc: CacheControl;
  readonly headers: HeaderList;
}

/** Why a response is not stored; null when it may be. Reasons are log/test labels. */
export type NotStorable =
  | 'method'
  | 'status'
  | 'partial'
  | 'no-store'
  | 'private'
  | 'authorization'
  | 'set-cookie'
  | 'vary-star'
  | 'no-freshness';

/** Status codes whose meaning this cache understands (for must-understand, RFC 9111 5.2.2.3). */
function understoodStatus(status: number): boolean {
  return (
    (status >= 200 && status <= 208) ||
    (status >= 300 && status <= 308) ||
    (status >= 400 && status <= 431) ||
    (status >= 500 && status <= 511)
  );
}

/**
 * Whether a shared cache may store a response (RFC 9111 section 3), with this proxy's stricter
 * defaults: Set-Cookie responses only when configured, and responses without explicit freshness
 * only when heuristic freshness is enabled.
 */
export function whyNotStorable(f: StorageFacts, opts: StorageOptions): NotStorable | null {
  // 3: the request method is understood and cacheable; only GET is stored (HEAD is answered from
  // a stored GET, never stored itself).
  if (f.method !== 'GET') return 'method';
  const status = f.status;
  // 3: a final response; 206 and 304 are never stored as if complete (3.3, 3.4 not implemented).
  if (status < 200) return 'status';
  if (status === 206) return 'partial';
  if (status === 304) return 'status';
  if (opts.statuses && opts.statuses.size > 0 && !opts.statuses.has(status)) return 'status';
  const cc = f.responseCc;
  // 5.2.2.3: must-understand overrides no-store for understood statuses, and forbids storing others.
  if (cc.mustUnderstand) {
    if (!understoodStatus(status)) return 'status';
  } else if (cc.noStore) {
    return 'no-store';
  }
  // 5.2.1.5: no-store in the request forbids storing the response too.
  if (f.requestCc.noStore) return 'no-store';
  // 5.2.2.7: a shared cache never stores a private response (qualified private strips fields).
  if (cc.private) return 'private';
  // 3.5: Authorization requests only with an explicit permission for shared caches.
  if (f.authorization && !cc.public && cc.sMaxage === undefined && !cc.mustRevalidate) {
    return 'authorization';
  }
  if (!opts.storeSetCookie && f.headers.has('set-cookie')) return 'set-cookie';
  // 4.1: Vary: * never matches a later request, so storing it is useless.
  const vary = varyFieldNames(f.headers);
  if (vary === '*') return 'vary-star';
  // 3: explicit freshness, public, or (with heuristics enabled) a heuristically cacheable status.
  if (hasExplicitFreshness(cc, f.headers) || cc.public) return null;
  if (opts.heuristic && HEURISTIC_STATUSES.has(status)) return null;
  return 'no-freshness';
}
