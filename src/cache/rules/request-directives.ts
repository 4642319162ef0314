import type { HeaderList } from '../../http/headers';
import { listHasToken } from '../../http/headers';
import { NO_DIRECTIVES, parseCacheControl, type CacheControl } from './cache-control';

/**
 * The request's cache directives (RFC 9111 5.2.1). `Pragma: no-cache` counts as `no-cache` only
 * when the request has no Cache-Control (5.4: Pragma is deprecated, kept for HTTP/1.0 clients).
 */
export function requestDirectives(headers: HeaderList): CacheControl {
  const cc = headers.getAll('cache-control');
  if (cc.length > 0) return parseCacheControl(cc);
  if (headers.has('pragma') && listHasToken(headers.getAll('pragma'), 'no-cache')) {
    return PRAGMA_NO_CACHE;
  }
  return NO_DIRECTIVES;
}

const PRAGMA_NO_CACHE: CacheControl = Object.freeze({ ...NO_DIRECTIVES, noCache: true });

/**
 * The request's directives as this shared cache applies them. Client `no-cache` and `max-age`
 * are advisory for a shared cache (RFC 9111 5.2.1: a cache "MAY" ignore them in some
 * configurations); with `honorClientNoCache` off they are dropped, keeping the rest.
 */
export function effectiveRequestDirectives(
  cc: CacheControl,
  honorClientNoCache: boolean,
): CacheControl {
  if (honorClientNoCache || (!cc.noCache && cc.maxAge === undefined)) return cc;
  return { ...cc, noCache: false, maxAge: undefined };
}
