import type { HeaderList } from '../../http/headers';

/**
 * The request fields the cache looks at, found in one pass over the field list (the lookup runs
 * for every GET; several `has()` scans would walk the list once each).
 */
export const RANGE = 1;
export const CACHE_CONTROL = 2;
export const PRAGMA = 4;
/** If-None-Match or If-Modified-Since: a condition the cache evaluates (RFC 9111 4.3.2). */
export const CONDITIONAL = 8;
/** If-Match, If-Unmodified-Since, If-Range: left to the origin (RFC 9110 13.2.2). */
export const OTHER_PRECONDITION = 16;
export const AUTHORIZATION = 32;

export function requestFacts(headers: HeaderList): number {
  let flags = 0;
  const lower = headers.lower;
  for (let i = 0; i < lower.length; i++) {
    switch (lower[i]) {
      case 'range':
        flags |= RANGE;
        break;
      case 'cache-control':
        flags |= CACHE_CONTROL;
        break;
      case 'pragma':
        flags |= PRAGMA;
        break;
      case 'if-none-match':
      case 'if-modified-since':
        flags |= CONDITIONAL;
        break;
      case 'if-match':
      case 'if-unmodified-since':
      case 'if-range':
        flags |= OTHER_PRECONDITION;
        break;
      case 'authorization':
        flags |= AUTHORIZATION;
        break;
      default:
        break;
    }
  }
  return flags;
}
