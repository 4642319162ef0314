import type { HeaderList } from '../../http/headers';
import { splitList } from '../../http/headers';
import { parseHttpDate } from './http-date';

/**
 * Validators and conditional requests: the fields a cache sends to revalidate a stored response
 * (RFC 9111 4.3.1), and the evaluation of a client's own conditional GET/HEAD against a fresh
 * stored response (RFC 9111 4.3.2, RFC 9110 13.1 and 13.2.2).
 */

/** If-None-Match / If-Modified-Since pairs to validate a stored response; [] without validators. */
export function validationFields(stored: HeaderList): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  // 4.3.1: send the entity tag when there is one; Last-Modified as well (servers ignore IMS when
  // INM is present, RFC 9110 13.1.3, and older servers understand only IMS).
  const etag = stored.get('etag');
  if (etag !== undefined) out.push(['If-None-Match', etag.trim()]);
  const lm = stored.get('last-modified');
  if (lm !== undefined) out.push(['If-Modified-Since', lm.trim()]);
  return out;
}

/** The opaque-tag of an entity-tag, without the weakness indicator: W/"x" -> "x" (RFC 9110 8.8.3). */
function opaqueTag(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/** Weak comparison (RFC 9110 8.8.3.2): opaque-tags equal, weakness ignored. */
export function weakMatch(a: string, b: string): boolean {
  return opaqueTag(a) === opaqueTag(b);
}

/** Strong comparison (RFC 9110 8.8.3.2): both strong and opaque-tags equal. */
export function strongMatch(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  return !x.startsWith('W/') && !y.startsWith('W/') && x === y;
}

/** Fields a conditional request may carry that this cache does not evaluate itself. */
const OTHER_CONDITIONALS = ['if-match', 'if-unmodified-since', 'if-range'];

/** True when the request has preconditions the cache leaves to the origin (If-Match, ...). */
export function hasUnevaluatedPreconditions(request: HeaderList): boolean {
  for (const n of OTHER_CONDITIONALS) if (request.has(n)) return true;
  return false;
}

/**
 * Whether a GET/HEAD may be answered 304 from a stored response (RFC 9110 13.2.2 order):
 * If-None-Match decides when present (weak comparison, "*" matches any stored representation);
 * otherwise If-Modified-Since against Last-Modified, falling back to Date (RFC 9111 4.3.2).
 */
export function clientConditionMatches(request: HeaderList, stored: HeaderList): boolean {
  if (request.has('if-none-match')) {
    const etag = stored.get('etag');
    for (const line of request.getAll('if-none-match')) {
      for (const item of splitList(line)) {
        if (item === '*') return true;
        if (etag !== undefined && weakMatch(item, etag)) return true;
      }
    }
    return false;
  }
  const ims = request.get('if-modified-since');
  if (ims === undefined) return false;
  const since = parseHttpDate(ims);
  // RFC 9110 13.1.3: an invalid date means the field is ignored.
  if (Number.isNaN(since)) return false;
  const lm = parseHttpDate(stored.get('last-modified') ?? stored.get('date'));
  if (Number.isNaN(lm)) return false;
  return lm <= since;
}

/** True when the request is conditional in a way this cache can answer itself. */
export function isClientConditional(request: HeaderList): boolean {
  return request.has('if-none-match') || request.has('if-modified-since');
}
