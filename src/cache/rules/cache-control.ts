import { splitList } from '../../http/headers';

/**
 * Parsed Cache-Control directives (RFC 9111 5.2), request and response in one shape: a request
 * uses max-age/max-stale/min-fresh/no-cache/no-store/only-if-cached, a response the rest.
 * Absent numeric directives are undefined.
 */
export interface CacheControl {
  readonly noStore: boolean;
  /** Unqualified no-cache (RFC 9111 5.2.1.4 / 5.2.2.4). */
  readonly noCache: boolean;
  /** Field names of a qualified response `no-cache="a, b"`, lower-cased; null when none. */
  readonly noCacheFields: readonly string[] | null;
  /** Unqualified private (5.2.2.7): a shared cache must not store the response. */
  readonly private: boolean;
  /** Field names of a qualified `private="a"`, lower-cased; null when none. */
  readonly privateFields: readonly string[] | null;
  readonly public: boolean;
  readonly mustRevalidate: boolean;
  readonly proxyRevalidate: boolean;
  readonly mustUnderstand: boolean;
  readonly noTransform: boolean;
  readonly onlyIfCached: boolean;
  /** Seconds. 0 when the directive was invalid or repeated with different values (4.2.1). */
  readonly maxAge: number | undefined;
  readonly sMaxage: number | undefined;
  /** Seconds; Infinity for a bare `max-stale` (5.2.1.2). */
  readonly maxStale: number | undefined;
  readonly minFresh: number | undefined;
  /** RFC 5861 3 and 4. */
  readonly staleWhileRevalidate: number | undefined;
  readonly staleIfError: number | undefined;
}

/** Directives of a message without Cache-Control: shared, never allocated per request. */
export const NO_DIRECTIVES: CacheControl = Object.freeze({
  noStore: false,
  noCache: false,
  noCacheFields: null,
  private: false,
  privateFields: null,
  public: false,
  mustRevalidate: false,
  proxyRevalidate: false,
  mustUnderstand: false,
  noTransform: false,
  onlyIfCached: false,
  maxAge: undefined,
  sMaxage: undefined,
  maxStale: undefined,
  minFresh: undefined,
  staleWhileRevalidate: undefined,
  staleIfError: undefined,
});

/** RFC 9111 1.2.2: larger delta-seconds are capped at 2^31. */
const DELTA_MAX = 2147483648;

/** delta-seconds = 1*DIGIT (RFC 9111 1.2.2); NaN when invalid. */
export function parseDeltaSeconds(v: string): number {
  const n = v.length;
  if (n === 0) return NaN;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return NaN;
  }
  const x = n > 10 ? DELTA_MAX : Number(v);
  return x > DELTA_MAX ? DELTA_MAX : x;
}

/** Removes the quotes and backslash escapes of a quoted-string (RFC 9110 5.6.4). */
function unquote(v: string): string {
  if (v.length < 2 || v.charCodeAt(0) !== 0x22 || v.charCodeAt(v.length - 1) !== 0x22) return v;
  const inner = v.slice(1, -1);
  return inner.indexOf('\\') === -1 ? inner : inner.replace(/\\(.)/g, '$1');
}

function fieldNames(v: string): string[] {
  return splitList(v).map((s) => s.toLowerCase());
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type NumericKey =
  'maxAge' | 'sMaxage' | 'maxStale' | 'minFresh' | 'staleWhileRevalidate' | 'staleIfError';

/**
 * Sets a delta-seconds directive. A repeated directive with a different value, or an invalid
 * value, makes freshness directives mean "stale" (RFC 9111 4.2.1, 5.2: "caches are encouraged
 * to consider responses that have invalid freshness information to be stale"); for the other
 * numeric directives the first valid occurrence wins (and invalid ones grant nothing).
 */
function setNumber(cc: Mutable<CacheControl>, key: NumericKey, raw: string | null): void {
  const value = raw === null ? NaN : parseDeltaSeconds(unquote(raw));
  const prev = cc[key];
  const freshness = key === 'maxAge' || key === 'sMaxage';
  if (Number.isNaN(value)) {
    if (freshness) cc[key] = 0;
    return;
  }
  if (prev === undefined) cc[key] = value;
  else if (freshness && prev !== value) cc[key] = 0;
}

/**
 * Parses every Cache-Control field line of a message (a list field, RFC 9110 5.6.1: several lines
 * mean the same as one joined with commas). Directive names are case-insensitive; arguments may
 * be tokens or quoted strings (RFC 9111 5.2). Unknown directives are ignored (5.2.3).
 */
export function parseCacheControl(values: readonly string[]): CacheControl {
  if (values.length === 0) return NO_DIRECTIVES;
  const cc: Mutable<CacheControl> = { ...NO_DIRECTIVES };
  for (const line of values) {
    for (const item of splitList(line)) {
      const eq = item.indexOf('=');
      const name = (eq === -1 ? item : item.slice(0, eq)).trim().toLowerCase();
      const arg = eq === -1 ? null : item.slice(eq + 1).trim();
      switch (name) {
        case 'no-store':
          cc.noStore = true;
          break;
        case 'no-cache':
          if (arg === null) cc.noCache = true;
          else cc.noCacheFields = [...(cc.noCacheFields ?? []), ...fieldNames(unquote(arg))];
          break;
        case 'private':
          if (arg === null) cc.private = true;
          else cc.privateFields = [...(cc.privateFields ?? []), ...fieldNames(unquote(arg))];
          break;
        case 'public':
          cc.public = true;
          break;
        case 'must-revalidate':
          cc.mustRevalidate = true;
          break;
        case 'proxy-revalidate':
          cc.proxyRevalidate = true;
          break;
        case 'must-understand':
          cc.mustUnderstand = true;
          break;
        case 'no-transform':
          cc.noTransform = true;
          break;
        case 'only-if-cached':
          cc.onlyIfCached = true;
          break;
        case 'max-age':
          setNumber(cc, 'maxAge', arg);
          break;
        case 's-maxage':
          setNumber(cc, 'sMaxage', arg);
          break;
        case 'max-stale':
          // A bare max-stale accepts a response of any staleness (5.2.1.2).
          if (arg === null) cc.maxStale = Infinity;
          else setNumber(cc, 'maxStale', arg);
          break;
        case 'min-fresh':
          setNumber(cc, 'minFresh', arg);
          break;
        case 'stale-while-revalidate':
          setNumber(cc, 'staleWhileRevalidate', arg);
          break;
        case 'stale-if-error':
          setNumber(cc, 'staleIfError', arg);
          break;
        default:
          break;
      }
    }
  }
  return cc;
}
