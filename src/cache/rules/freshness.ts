import type { HeaderList } from '../../http/headers';
import type { CacheControl } from './cache-control';
import { parseDeltaSeconds } from './cache-control';
import { parseHttpDate } from './http-date';

/** Statuses a cache may store without explicit freshness (RFC 9110 15.1 "heuristically cacheable"). */
export const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** Heuristic lifetimes are capped: a year-old Last-Modified must not mean a month of freshness. */
export const HEURISTIC_MAX_SECONDS = 86_400;

export interface HeuristicOptions {
  /** Heuristic freshness enabled (off by default: only explicit freshness counts). */
  readonly enabled: boolean;
  /** Fraction of the time since Last-Modified, in percent (RFC 9111 4.2.2 suggests 10). */
  readonly percent: number;
}

/** The timing facts of one stored response, in seconds since the epoch (RFC 9111 4.2.3). */
export interface ResponseTiming {
  /** Local clock when the request that produced the response was sent. */
  readonly requestTime: number;
  /** Local clock when the response head was received. */
  readonly responseTime: number;
  /** The Date field, or responseTime when absent or invalid (RFC 9110 6.6.1). */
  readonly dateValue: number;
  /** The Age field the response carried, 0 when absent. */
  readonly ageValue: number;
}

/**
 * age_value (RFC 9111 5.1): a non-negative delta-seconds. When the field is repeated or invalid
 * the first valid line counts; an invalid value is ignored (0): the Age only ever makes a
 * response older, and we add our own resident time anyway.
 */
export function ageValueOf(headers: HeaderList): number {
  const lines = headers.getAll('age');
  for (const l of lines) {
    const n = parseDeltaSeconds(l.trim());
    if (!Number.isNaN(n)) return n;
  }
  return 0;
}

/** Collects the timing facts of a response received at `responseTimeMs` for a request sent at `requestTimeMs`. */
export function responseTiming(
  headers: HeaderList,
  requestTimeMs: number,
  responseTimeMs: number,
): ResponseTiming {
  const responseTime = responseTimeMs / 1000;
  const date = parseHttpDate(headers.get('date'), responseTimeMs);
  return {
    requestTime: requestTimeMs / 1000,
    responseTime,
    dateValue: Number.isNaN(date) ? responseTime : date / 1000,
    ageValue: ageValueOf(headers),
  };
}

/**
 * corrected_initial_age (RFC 9111 4.2.3): the age the response had when it arrived, from the
 * larger of the clock-based estimate and the path-based one (Age plus our request's delay).
 */
export function correctedInitialAge(t: ResponseTiming): number {
  const apparentAge = Math.max(0, t.responseTime - t.dateValue);
  const responseDelay = Math.max(0, t.responseTime - t.requestTime);
  const correctedAgeValue = t.ageValue + responseDelay;
  return Math.max(apparentAge, correctedAgeValue);
}

/** current_age (RFC 9111 4.2.3) in seconds at `nowMs`: initial age plus resident time. */
export function currentAge(t: ResponseTiming, initialAge: number, nowMs: number): number {
  const residentTime = Math.max(0, nowMs / 1000 - t.responseTime);
  return initialAge + residentTime;
}

/** The Age field value to send: whole seconds, rounded down (RFC 9111 5.1 delta-seconds). */
export function ageHeaderValue(age: number): number {
  return Math.max(0, Math.floor(age));
}

/**
 * freshness_lifetime for a shared cache (RFC 9111 4.2.1), in seconds: s-maxage, else max-age,
 * else Expires minus Date, else a heuristic (4.2.2) when enabled: `percent` of the time since
 * Last-Modified, for heuristically cacheable statuses or responses marked public. 0 otherwise.
 */
export function freshnessLifetime(
  status: number,
  cc: CacheControl,
  headers: HeaderList,
  timing: ResponseTiming,
  heuristic: HeuristicOptions,
): number {
  if (cc.sMaxage !== undefined) return cc.sMaxage;
  if (cc.maxAge !== undefined) return cc.maxAge;
  const expiresLines = headers.getAll('expires');
  if (expiresLines.length > 0) {
    // Repeated or invalid Expires (e.g. "0") means already expired (RFC 9111 5.3, 4.2.1).
    if (expiresLines.length > 1) return 0;
    const expires = parseHttpDate(expiresLines[0], timing.responseTime * 1000);
    if (Number.isNaN(expires)) return 0;
    return Math.max(0, expires / 1000 - timing.dateValue);
  }
  if (!heuristic.enabled) return 0;
  if (!cc.public && !HEURISTIC_STATUSES.has(status)) return 0;
  const lastModified = parseHttpDate(headers.get('last-modified'), timing.responseTime * 1000);
  if (Number.isNaN(lastModified)) return 0;
  const since = timing.dateValue - lastModified / 1000;
  if (since <= 0) return 0;
  return Math.min(HEURISTIC_MAX_SECONDS, Math.floor((since * heuristic.percent) / 100));
}

/** True when the response declares its own freshness (RFC 9111 3: max-age, s-maxage, Expires). */
export function hasExplicitFreshness(cc: CacheControl, headers: HeaderList): boolean {
  return cc.maxAge !== undefined || cc.sMaxage !== undefined || headers.has('expires');
}
