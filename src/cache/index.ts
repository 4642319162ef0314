export * from './http-cache';
export { cachePurgeRoute, type PurgeRouteOptions, type Purgeable } from './purge-route';
export type { CacheEntry } from './entry';
