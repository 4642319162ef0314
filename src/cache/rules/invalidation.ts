import type { HeaderList } from '../../http/headers';

/** Methods defined as safe (RFC 9110 9.2.1); every other method invalidates (RFC 9111 4.4). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/** A cache address: the authority (lower-cased) and the path with query. */
export interface UriRef {
  readonly host: string;
  readonly path: string;
}

function resolve(base: URL, ref: string): URL | null {
  try {
    return new URL(ref.trim(), base);
  } catch {
    return null;
  }
}

/**
 * The URIs a response to an unsafe request invalidates (RFC 9111 4.4): for a non-error status
 * (2xx, 3xx) to a method not known to be safe, the target URI, and the URIs in Location and
 * Content-Location when they have the same host (invalidating another origin's entries would let
 * one origin purge another's, 4.4). Relative references resolve against the target URI. The
 * scheme is not compared: the key has none, and invalidating more is always safe.
 */
export function invalidationTargets(
  method: string,
  status: number,
  target: UriRef,
  response: HeaderList,
): UriRef[] {
  if (isSafeMethod(method) || status < 200 || status >= 400) return [];
  const out: UriRef[] = [target];
  let base: URL;
  try {
    base = new URL(`http://${target.host}${target.path.startsWith('/') ? target.path : '/'}`);
  } catch {
    return out;
  }
  for (const name of ['location', 'content-location']) {
    const v = response.get(name);
    if (v === undefined) continue;
    const u = resolve(base, v);
    if (u === null || (u.protocol !== 'http:' && u.protocol !== 'https:')) continue;
    if (u.host !== base.host) continue;
    const path = u.pathname + u.search;
    if (!out.some((t) => t.path === path)) out.push({ host: target.host, path });
  }
  return out;
}
