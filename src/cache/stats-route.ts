import { adminPath, sendJson, type AdminRoute } from '../observability/admin-server';

/** Anything that reports cache counters (HttpCache.snapshot). */
export interface CacheStatsSource {
  snapshot(): object;
}

/**
 * `GET /cache/stats` on the admin port: this process's cache counters and gauges as JSON (hits,
 * misses, stale, revalidated, bypass, stores, evictions, bytes, entries, coalesced, ...). The
 * metrics endpoint exports the same numbers; this one needs no scraper to read.
 */
export function cacheStatsRoute(cache: CacheStatsSource): AdminRoute {
  return (req, res) => {
    if (req.method !== 'GET' || adminPath(req) !== '/cache/stats') return false;
    sendJson(res, 200, cache.snapshot());
    return true;
  };
}
