export * from './http-cache';
export { cachePurgeRoute, type PurgeRouteOptions, type Purgeable } from './purge-route';
export { cacheStatsRoute, type CacheStatsSource } from './stats-route';
export type { CacheEntry } from './entry';
