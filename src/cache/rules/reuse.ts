import type { CacheControl } from './cache-control';

/**
 * How a stored response may be used for a request (RFC 9111 4.2, 4.2.4, 5.2; RFC 5861):
 * - 'fresh': serve it.
 * - 'stale-ok': stale, but the client's max-stale accepts it (5.2.1.2); serve it.
 * - 'stale-while-revalidate': stale within the stale-while-revalidate window (RFC 5861 3):
 *   serve it and revalidate in the background.
 * - 'revalidate': it must be validated with the origin (4.3) before it is used.
 */
export type Reuse = 'fresh' | 'stale-ok' | 'stale-while-revalidate' | 'revalidate';

export interface ReuseFacts {
  /** freshness_lifetime in seconds (4.2.1). */
  readonly lifetime: number;
  /** current_age in seconds (4.2.3). */
  readonly age: number;
  readonly responseCc: CacheControl;
  /** Already filtered by the honour-client-no-cache switch. */
  readonly requestCc: CacheControl;
  /** Configured stale-while-revalidate window (seconds) when the response names none. */
  readonly defaultStaleWhileRevalidate: number;
}

/**
 * True when a stale response must never be served without revalidation (RFC 9111 4.2.4):
 * must-revalidate (5.2.2.2), proxy-revalidate and s-maxage (5.2.2.8, 5.2.2.10: both bind shared
 * caches), and no-cache (5.2.2.4). RFC 5861 windows do not override these.
 */
export function staleForbidden(cc: CacheControl): boolean {
  return cc.mustRevalidate || cc.proxyRevalidate || cc.sMaxage !== undefined || cc.noCache;
}

export function decideReuse(f: ReuseFacts): Reuse {
  const res = f.responseCc;
  const req = f.requestCc;
  // 5.2.2.4: no-cache responses are validated on every use.
  if (res.noCache) return 'revalidate';
  // 5.2.1.4: the client asks for validation. 5.2.1.1: max-age bounds the acceptable age; max-age=0
  // is a reload and always revalidates, as browsers expect.
  if (req.noCache) return 'revalidate';
  if (req.maxAge !== undefined && (req.maxAge === 0 || f.age > req.maxAge)) return 'revalidate';

  const remaining = f.lifetime - f.age;
  if (remaining > 0) {
    // 5.2.1.3: min-fresh asks for at least that much freshness left.
    if (req.minFresh === undefined || remaining >= req.minFresh) return 'fresh';
    return 'revalidate';
  }
  const staleness = -remaining;
  if (staleForbidden(res)) return 'revalidate';
  // 5.2.1.2: the client accepts a stale response up to max-stale seconds.
  if (req.maxStale !== undefined && staleness <= req.maxStale) return 'stale-ok';
  const swr = res.staleWhileRevalidate ?? f.defaultStaleWhileRevalidate;
  // A zero window grants nothing: a response at exactly its lifetime is stale (4.2).
  if (swr > 0 && staleness <= swr) return 'stale-while-revalidate';
  return 'revalidate';
}

/**
 * Whether a stale response may be served because validation failed (RFC 5861 4): within the
 * response's stale-if-error window (or the configured default), or the request's own
 * stale-if-error, and never when 4.2.4 forbids serving stale. `staleness` is age - lifetime.
 */
export function staleIfErrorAllowed(
  responseCc: CacheControl,
  requestCc: CacheControl,
  staleness: number,
  defaultWindow: number,
): boolean {
  if (staleForbidden(responseCc)) return false;
  if (staleness <= 0) return true;
  const window = responseCc.staleIfError ?? defaultWindow;
  if (staleness <= window) return true;
  return requestCc.staleIfError !== undefined && staleness <= requestCc.staleIfError;
}
