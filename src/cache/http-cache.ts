/**
 * The RFC 9111 shared cache as the proxy's exchange sees it: one object per process, three call
 * points per request. The rules live in ./rules (pure), storage in ./store, coalescing in
 * ./coalescer; this module only sequences them.
 *
 * The sequence an exchange follows (GET shown; every method goes through the same calls):
 *
 *   1. d = cache.lookup({ method, host, path, headers })        before anything goes upstream
 *        'hit'             -> write d.response (see CachedResponse), done: no backend is touched.
 *        'gateway-timeout' -> answer 504 (only-if-cached and nothing usable, RFC 9111 5.2.1.7).
 *        'wait'            -> d.promise resolves to another decision ('hit' or 'forward'); the
 *                             exchange must check it was not aborted meanwhile.
 *        'forward'         -> go upstream with d.ticket:
 *   2. applyValidators(upstreamHeaders, ticket): when ticket.conditional is not null, removes the
 *      client's If-None-Match / If-Modified-Since and adds the stale entry's validators
 *      (RFC 9111 4.3.1).
 *   3. On the final response head (not 1xx): a = ticket.onResponseHead(status, reason, headers)
 *        'pass'    -> forward the response as usual.
 *        'collect' -> forward as usual, and tee every body chunk into a.collector.push(chunk);
 *                     a.collector.complete() once the body ended properly (a truncated body is
 *                     never completed, 3.3). Over maxObjectBytes it stops collecting by itself.
 *        'serve'   -> do NOT forward the upstream response; write a.response instead (a 304
 *                     refreshed the stored one, or stale-if-error replaces a 5xx). Any upstream
 *                     body must be discarded (destroying that upstream connection is fine).
 *      Add `ticket.cacheStatus` to the forwarded response as `cache.statusHeader` (when not '').
 *   4. On an upstream failure before a response head (connect error, reset, timeout, no backends):
 *      e = ticket.onError(): 'serve' -> write e.response; 'gateway-timeout' -> answer 504
 *      (a stale entry exists but may not be served, RFC 9111 5.2.2.2 / 4.2.4); null -> the
 *      exchange's usual error.
 *   5. Always, when the exchange ends (finish): ticket.close(). It releases coalesced waiters and
 *      aborts a collector whose body did not complete. Idempotent.
 *
 * Writing a CachedResponse: status and reason; `headers` (shared and read-only: copy, never
 * mutate) through the usual client header building; `Age: response.age` (RFC 9111 4.2.3: on every
 * response served from cache) and the status header; framing `Content-Length: bodyBytes` (also for
 * HEAD, without the body), none for 304; then the `body` buffers in order.
 *
 * Unsafe methods (POST, PUT, PATCH, DELETE, unknown) get a ticket too: its onResponseHead
 * invalidates the target URI and same-host Location/Content-Location on a 2xx/3xx (4.4).
 *
 * Allocation per request: a hit allocates the primary key string and one CachedResponse; a
 * request without Cache-Control parses nothing; bypassed requests share one frozen decision.
 */
import type { CacheConfig } from '../config/types';
import { HeaderList, trimOws } from '../http/headers';
import { parseContentLength } from '../http/framing';
import { httpDate } from '../http/date';
import { BodyBuffer } from './body-buffer';
import { Coalescer, type Flight } from './coalescer';
import type { CacheEntry } from './entry';
import { entrySize, CacheStore } from './store';
import { NO_DIRECTIVES, parseCacheControl, type CacheControl } from './rules/cache-control';
import {
  ageHeaderValue,
  correctedInitialAge,
  currentAge,
  freshnessLifetime,
  responseTiming,
  type HeuristicOptions,
} from './rules/freshness';
import { invalidationTargets, isSafeMethod } from './rules/invalidation';
import { effectiveRequestDirectives, requestDirectives } from './rules/request-directives';
import { decideReuse, staleIfErrorAllowed } from './rules/reuse';
import { whyNotStorable, type StorageOptions } from './rules/storability';
import { notModifiedFields, storedFields, updateStoredFields } from './rules/stored-headers';
import {
  CACHE_CONTROL,
  CONDITIONAL,
  OTHER_PRECONDITION,
  PRAGMA,
  RANGE,
  requestFacts,
} from './rules/request-facts';
import {
  clientConditionMatches,
  isClientConditional,
  strongMatch,
  validationFields,
  weakMatch,
} from './rules/validators';
import { secondaryKey, varyFieldNames } from './rules/vary';

export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED' | 'BYPASS';

/** What the cache needs to know about a request. */
export interface CacheRequest {
  readonly method: string;
  /** The authority the client asked for (Host, or the absolute-form target's); '' when none. */
  readonly host: string;
  /** Origin-form path and query. */
  readonly path: string;
  /** The client's request fields. */
  readonly headers: HeaderList;
}

/** A response served from the cache. */
export interface CachedResponse {
  readonly status: number;
  readonly reason: string;
  /** Stored fields (no framing, no Age, no hop-by-hop). Shared: never mutate. */
  readonly headers: HeaderList;
  /** Body buffers, in order; empty for a 304. Shared: never mutate. */
  readonly body: readonly Buffer[];
  /** Content-Length to send (for HEAD too); 0 for a 304, which has no framing. */
  readonly bodyBytes: number;
  /** Age field value in seconds (RFC 9111 4.2.3). */
  readonly age: number;
  readonly cacheStatus: CacheStatus;
}

export type CacheDecision =
  | { readonly kind: 'hit'; readonly response: CachedResponse }
  | { readonly kind: 'forward'; readonly ticket: CacheTicket }
  | { readonly kind: 'wait'; readonly promise: Promise<CacheDecision> }
  | { readonly kind: 'gateway-timeout'; readonly cacheStatus: CacheStatus };

/** Tee of a response body into the cache. */
export interface BodyCollector {
  push(chunk: Buffer): void;
  /** The body ended properly (all of Content-Length, or the last chunk). */
  complete(): void;
  /** The body did not end properly; nothing is stored. */
  abort(): void;
}

export type ResponseAction =
  | { readonly kind: 'pass' }
  | { readonly kind: 'collect'; readonly collector: BodyCollector }
  | { readonly kind: 'serve'; readonly response: CachedResponse };

export type ErrorAction =
  | { readonly kind: 'serve'; readonly response: CachedResponse }
  | { readonly kind: 'gateway-timeout' };

/** The cache's part in one forwarded request. */
export interface CacheTicket {
  /** Status to report for this response (updated by onResponseHead). */
  readonly cacheStatus: CacheStatus;
  /** Fields to set on the upstream request (validators of a stale entry), or null. */
  readonly conditional: ReadonlyArray<readonly [string, string]> | null;
  onResponseHead(status: number, reason: string, headers: HeaderList): ResponseAction;
  onError(): ErrorAction | null;
  close(): void;
}

/**
 * Puts a ticket's validators on the upstream request (RFC 9111 4.3.1): the client's own
 * If-None-Match / If-Modified-Since are removed first, so a 304 can only refer to the stored
 * response (a client condition left beside ours could make the origin answer 304 for it).
 */
export function applyValidators(upstream: HeaderList, ticket: CacheTicket): void {
  const fields = ticket.conditional;
  if (fields === null) return;
  upstream.remove('if-none-match');
  upstream.remove('if-modified-since');
  for (const [name, value] of fields) upstream.add(name, value);
}

/**
 * Sends a background revalidation (stale-while-revalidate) upstream: a GET of `path` with
 * `headers` and applyValidators(headers, ticket), driving `ticket` exactly as an exchange does (steps 3-5).
 * Supplied by the proxy; without one, stale-while-revalidate revalidates in the foreground.
 */
export type BackgroundFetch = (request: CacheRequest, ticket: CacheTicket) => void;

export interface CacheCounters {
  hits: number;
  misses: number;
  stale: number;
  revalidated: number;
  bypass: number;
  stores: number;
  invalidations: number;
  backgroundRevalidations: number;
}

export interface HttpCacheOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
  readonly backgroundFetch?: BackgroundFetch;
}

const PASS: ResponseAction = Object.freeze({ kind: 'pass' });
const GATEWAY_TIMEOUT: ErrorAction = Object.freeze({ kind: 'gateway-timeout' });

/** A ticket that does nothing: requests the cache does not take part in. */
class PassTicket implements CacheTicket {
  readonly conditional = null;
  constructor(readonly cacheStatus: CacheStatus) {}
  onResponseHead(): ResponseAction {
    return PASS;
  }
  onError(): ErrorAction | null {
    return null;
  }
  close(): void {}
}

const BYPASS_DECISION: CacheDecision = Object.freeze({
  kind: 'forward',
  ticket: Object.freeze(new PassTicket('BYPASS')),
});
const MISS_PASS_DECISION: CacheDecision = Object.freeze({
  kind: 'forward',
  ticket: Object.freeze(new PassTicket('MISS')),
});

function isGateway5xx(status: number): boolean {
  // RFC 5861 4: "an error is any situation that would result in a 500, 502, 503, or 504".
  return status === 500 || status === 502 || status === 503 || status === 504;
}

/** The response's one Content-Length (the codec's parser), or -1 when absent, repeated or bad. */
function contentLength(headers: HeaderList): number {
  const v = headers.get('content-length');
  if (v === undefined || headers.count('content-length') !== 1) return -1;
  return parseContentLength(trimOws(v));
}

export class HttpCache {
  readonly store: CacheStore;
  readonly coalescer: Coalescer;
  readonly counters: CacheCounters = {
    hits: 0,
    misses: 0,
    stale: 0,
    revalidated: 0,
    bypass: 0,
    stores: 0,
    invalidations: 0,
    backgroundRevalidations: 0,
  };
  /** The response field naming the cache status, or '' for none. */
  readonly statusHeader: string;
  readonly now: () => number;
  private readonly heuristic: HeuristicOptions;
  private readonly storage: StorageOptions;
  private readonly backgroundFetch: BackgroundFetch | null;

  constructor(
    readonly config: CacheConfig,
    opts: HttpCacheOptions = {},
  ) {
    this.store = new CacheStore({
      maxBytes: config.maxBytes,
      maxObjectBytes: Math.min(config.maxObjectBytes, config.maxBytes),
    });
    this.coalescer = new Coalescer(config.coalesceWait);
    this.statusHeader = config.statusHeaderName;
    this.now = opts.now ?? Date.now;
    this.heuristic = { enabled: config.heuristic, percent: config.heuristicPercent };
    this.storage = {
      heuristic: config.heuristic,
      storeSetCookie: config.storeSetCookie,
      statuses: config.statuses.length > 0 ? new Set(config.statuses) : null,
    };
    this.backgroundFetch = opts.backgroundFetch ?? null;
  }

  /** Gauges and counters for the metrics endpoint. */
  snapshot(): CacheCounters & {
    evictions: number;
    bytes: number;
    entries: number;
    coalesced: number;
  } {
    return {
      ...this.counters,
      evictions: this.store.evictions,
      bytes: this.store.bytes,
      entries: this.store.entries,
      coalesced: this.coalescer.coalesced,
    };
  }

  /** The primary cache key: the target URI without scheme (RFC 9111 4), host optional. */
  primaryKey(host: string, path: string): string {
    return this.config.hostInKey ? host.toLowerCase() + path : path;
  }

  // ---- step 1 ----------------------------------------------------------------------------

  lookup(req: CacheRequest): CacheDecision {
    return this.decide(req, true);
  }

  private decide(req: CacheRequest, mayWait: boolean): CacheDecision {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      this.counters.bypass++;
      if (isSafeMethod(method)) return BYPASS_DECISION;
      return { kind: 'forward', ticket: new InvalidatingTicket(this, req) };
    }
    const h = req.headers;
    const facts = requestFacts(h);
    // Range requests bypass the cache: 206 is never stored, and no stored 200 is sliced.
    if ((facts & RANGE) !== 0) {
      this.counters.bypass++;
      return BYPASS_DECISION;
    }
    const reqCc =
      (facts & (CACHE_CONTROL | PRAGMA)) === 0
        ? NO_DIRECTIVES
        : effectiveRequestDirectives(requestDirectives(h), this.config.honorClientNoCache);
    const key = this.primaryKey(req.host, req.path);
    const entry = this.store.find(key, h);
    if (entry === undefined) return this.miss(req, key, reqCc, null, mayWait);
    if ((facts & OTHER_PRECONDITION) !== 0) {
      // If-Match / If-Unmodified-Since are the origin's to evaluate (RFC 9110 13.2.2).
      this.counters.bypass++;
      return method === 'GET'
        ? this.forward(req, key, reqCc, null, null, 'BYPASS')
        : BYPASS_DECISION;
    }
    const now = this.now();
    const age = currentAge(entry.timing, entry.initialAge, now);
    const reuse = decideReuse({
      lifetime: entry.lifetime,
      age,
      responseCc: entry.responseCc,
      requestCc: reqCc,
      defaultStaleWhileRevalidate: this.config.staleWhileRevalidate / 1000,
    });
    switch (reuse) {
      case 'fresh':
        this.counters.hits++;
        return { kind: 'hit', response: this.reply(entry, age, 'HIT', h, facts) };
      case 'stale-ok':
        this.counters.stale++;
        return { kind: 'hit', response: this.reply(entry, age, 'STALE', h, facts) };
      case 'stale-while-revalidate':
        if (this.backgroundFetch !== null) {
          this.counters.stale++;
          this.revalidateInBackground(req, key, entry);
          return { kind: 'hit', response: this.reply(entry, age, 'STALE', h, facts) };
        }
        break;
      case 'revalidate':
        break;
    }
    if (reqCc.onlyIfCached) return { kind: 'gateway-timeout', cacheStatus: 'MISS' };
    return this.miss(req, key, reqCc, entry, mayWait);
  }

  /** Nothing usable is stored: forward, led or coalesced. `stale` is the entry to revalidate. */
  private miss(
    req: CacheRequest,
    key: string,
    reqCc: CacheControl,
    stale: CacheEntry | null,
    mayWait: boolean,
  ): CacheDecision {
    // 5.2.1.7: only-if-cached and nothing stored -> 504.
    if (reqCc.onlyIfCached) return { kind: 'gateway-timeout', cacheStatus: 'MISS' };
    if (req.method === 'HEAD') {
      // HEAD is answered from a stored GET but never stored itself.
      this.counters.misses++;
      return MISS_PASS_DECISION;
    }
    if (reqCc.noStore) {
      this.counters.bypass++;
      return { kind: 'forward', ticket: new PassTicket('BYPASS') };
    }
    if (mayWait && this.coalescer.inFlight(key)) {
      const promise = this.coalescer.wait(key).then((outcome): CacheDecision => {
        if (outcome.kind === 'ready') {
          const e = outcome.entry;
          // The flight fetched this for us just now: serve it even if its lifetime is zero, when
          // it is the variant this request selects.
          if (e.secondaryKey === secondaryKey(e.varyNames, req.headers)) {
            this.counters.hits++;
            const age = currentAge(e.timing, e.initialAge, this.now());
            return { kind: 'hit', response: this.respond(e, age, 'HIT', req.headers) };
          }
        }
        return this.decide(req, false);
      });
      return { kind: 'wait', promise };
    }
    this.counters.misses++;
    const flight = mayWait ? this.coalescer.lead(key) : null;
    return this.forward(req, key, reqCc, stale, flight, 'MISS');
  }

  private forward(
    req: CacheRequest,
    key: string,
    reqCc: CacheControl,
    stale: CacheEntry | null,
    flight: Flight | null,
    status: CacheStatus,
  ): CacheDecision {
    return {
      kind: 'forward',
      ticket: new StoringTicket(this, req, key, reqCc, stale, flight, status),
    };
  }

  private revalidateInBackground(req: CacheRequest, key: string, entry: CacheEntry): void {
    if (entry.revalidating || this.coalescer.inFlight(key)) return;
    entry.revalidating = true;
    this.counters.backgroundRevalidations++;
    const flight = this.coalescer.lead(key);
    const bg: CacheRequest = {
      method: 'GET',
      host: req.host,
      path: req.path,
      headers: req.headers,
    };
    const ticket = new StoringTicket(this, bg, key, NO_DIRECTIVES, entry, flight, 'STALE');
    ticket.background = true;
    ticket.onClose = () => (entry.revalidating = false);
    this.backgroundFetch!(bg, ticket);
  }

  /** A CachedResponse for `entry`: the stored one, or 304 when the client's condition holds. */
  respond(
    entry: CacheEntry,
    age: number,
    status: CacheStatus,
    request: HeaderList,
  ): CachedResponse {
    // RFC 9110 13.2.1: preconditions apply to 2xx responses only.
    if (
      entry.status >= 200 &&
      entry.status < 300 &&
      isClientConditional(request) &&
      clientConditionMatches(request, entry.headers)
    ) {
      return {
        status: 304,
        reason: 'Not Modified',
        headers: notModifiedFields(entry.headers),
        body: [],
        bodyBytes: 0,
        age: ageHeaderValue(age),
        cacheStatus: status,
      };
    }
    return this.stored(entry, age, status);
  }

  /** respond(), skipping the condition fields' lookup when requestFacts found none. */
  private reply(
    entry: CacheEntry,
    age: number,
    status: CacheStatus,
    request: HeaderList,
    facts: number,
  ): CachedResponse {
    return (facts & CONDITIONAL) === 0
      ? this.stored(entry, age, status)
      : this.respond(entry, age, status, request);
  }

  /** The stored response itself (no condition to evaluate). */
  private stored(entry: CacheEntry, age: number, status: CacheStatus): CachedResponse {
    return {
      status: entry.status,
      reason: entry.reason,
      headers: entry.headers,
      body: entry.body,
      bodyBytes: entry.bodyBytes,
      age: ageHeaderValue(age),
      cacheStatus: status,
    };
  }

  // ---- storage (called by tickets) -------------------------------------------------------

  /** Builds and stores an entry; returns it, or null when it did not fit. */
  storeEntry(
    key: string,
    request: HeaderList,
    status: number,
    reason: string,
    headers: HeaderList,
    cc: CacheControl,
    requestTimeMs: number,
    responseTimeMs: number,
    body: BodyBuffer,
  ): CacheEntry | null {
    const names = varyFieldNames(headers);
    if (names === '*') return null;
    const stored = storedFields(headers, cc);
    const timing = responseTiming(headers, requestTimeMs, responseTimeMs);
    const secondary = secondaryKey(names, request);
    const chunks = body.finish();
    const entry: CacheEntry = {
      primaryKey: key,
      secondaryKey: secondary,
      varyNames: names,
      status,
      reason,
      headers: stored,
      body: chunks,
      bodyBytes: body.bytes,
      responseCc: cc,
      timing,
      initialAge: correctedInitialAge(timing),
      lifetime: freshnessLifetime(status, cc, headers, timing, this.heuristic),
      size: entrySize(key, secondary, stored, body.allocated),
      revalidating: false,
    };
    if (!this.store.put(entry)) return null;
    this.counters.stores++;
    return entry;
  }

  /** Freshens a stored entry with a 304 (RFC 9111 4.3.4, 3.2). */
  refresh(
    entry: CacheEntry,
    notModified: HeaderList,
    requestTimeMs: number,
    responseTimeMs: number,
  ): void {
    let headers = updateStoredFields(entry.headers, notModified);
    if (!notModified.has('date')) {
      // A 304 without Date: the stored Date is from the first fetch and would make the refreshed
      // entry look old (4.2.3 apparent_age); its receipt time stands in (RFC 9110 6.6.1).
      if (headers === entry.headers) headers = headers.clone();
      headers.set('Date', httpDate(responseTimeMs), 'date');
    }
    const cc = parseCacheControl(headers.getAll('cache-control'));
    const timing = responseTiming(headers, requestTimeMs, responseTimeMs);
    // Age comes from the 304 only: the stored response's Age described the earlier fetch.
    const t = {
      ...timing,
      ageValue: responseTiming(notModified, requestTimeMs, responseTimeMs).ageValue,
    };
    entry.headers = headers;
    entry.responseCc = cc;
    entry.timing = t;
    entry.initialAge = correctedInitialAge(t);
    entry.lifetime = freshnessLifetime(entry.status, cc, headers, t, this.heuristic);
    const size = entrySize(entry.primaryKey, entry.secondaryKey, headers, bodyCapacity(entry));
    // Evicted or replaced while it was being revalidated: the validated response goes back in.
    if (!this.store.resize(entry, size)) this.store.put(entry);
  }

  whyNotStorable(
    req: CacheRequest,
    reqCc: CacheControl,
    status: number,
    cc: CacheControl,
    headers: HeaderList,
  ): string | null {
    return whyNotStorable(
      {
        method: req.method,
        authorization: req.headers.has('authorization'),
        requestCc: reqCc,
        status,
        responseCc: cc,
        headers,
      },
      this.storage,
    );
  }

  // ---- invalidation and purge -------------------------------------------------------------

  /** Removes every variant stored for a URI; returns how many entries went. */
  invalidate(host: string, path: string): number {
    const n = this.store.deletePrimary(this.primaryKey(host, path));
    if (n > 0) this.counters.invalidations += n;
    return n;
  }

  /**
   * Admin purge: an absolute URL removes that URI (its host ignored when the host is not part of
   * the key); a path alone removes it under every host. Returns the entries removed.
   */
  purge(target: string): number {
    if (target.startsWith('/')) {
      return this.store.deleteWhere((k) => k.slice(k.indexOf('/')) === target);
    }
    const u = new URL(target);
    return this.invalidate(u.host, u.pathname + u.search);
  }

  purgeAll(): number {
    return this.store.clear();
  }
}

/**
 * Whether a 304 selects the stored response for update (RFC 9111 4.3.4): its strong validator
 * must equal the stored one, a weak one must match weakly; without an ETag in the 304 (or in the
 * stored response) the single stored response we validated is the one it refers to.
 */
function notModifiedSelects(stored: HeaderList, notModified: HeaderList): boolean {
  const tag = notModified.get('etag');
  const mine = stored.get('etag');
  if (tag === undefined || mine === undefined) return true;
  return tag.trim().startsWith('W/') ? weakMatch(tag, mine) : strongMatch(tag, mine);
}

/** Bytes of memory an entry's body holds (whole allocations, not just the bytes used). */
function bodyCapacity(entry: CacheEntry): number {
  let n = 0;
  for (const b of entry.body) n += b.buffer.byteLength;
  return n;
}

/** An unsafe request: invalidates on a non-error response (RFC 9111 4.4). */
class InvalidatingTicket implements CacheTicket {
  readonly cacheStatus: CacheStatus = 'BYPASS';
  readonly conditional = null;
  constructor(
    private readonly cache: HttpCache,
    private readonly req: CacheRequest,
  ) {}

  onResponseHead(status: number, _reason: string, headers: HeaderList): ResponseAction {
    const targets = invalidationTargets(
      this.req.method,
      status,
      { host: this.req.host, path: this.req.path },
      headers,
    );
    for (const t of targets) this.cache.invalidate(t.host, t.path);
    return PASS;
  }

  onError(): ErrorAction | null {
    return null;
  }

  close(): void {}
}

/** A GET forwarded upstream whose response may be stored, or which revalidates `stale`. */
class StoringTicket implements CacheTicket, BodyCollector {
  readonly conditional: ReadonlyArray<readonly [string, string]> | null;
  private readonly requestTime: number;
  private responseTime = 0;
  private closed = false;
  private collecting: BodyBuffer | null = null;
  private resStatus = 0;
  private resReason = '';
  private resHeaders: HeaderList | null = null;
  private resCc: CacheControl = NO_DIRECTIVES;
  private expectedLength = -1;
  /** Called once when the ticket closes (background revalidation bookkeeping). */
  onClose: (() => void) | null = null;
  /** Drives a stale-while-revalidate fetch with no client attached. */
  background = false;

  constructor(
    private readonly cache: HttpCache,
    private readonly req: CacheRequest,
    private readonly key: string,
    private readonly reqCc: CacheControl,
    private readonly stale: CacheEntry | null,
    private flight: Flight | null,
    public cacheStatus: CacheStatus,
  ) {
    this.requestTime = cache.now();
    if (stale !== null) {
      const fields = validationFields(stale.headers);
      this.conditional = fields.length > 0 ? fields : null;
    } else {
      this.conditional = null;
    }
  }

  private settle(entry: CacheEntry | null): void {
    const f = this.flight;
    if (f === null) return;
    this.flight = null;
    this.cache.coalescer.settle(f, entry === null ? { kind: 'go' } : { kind: 'ready', entry });
  }

  onResponseHead(status: number, reason: string, headers: HeaderList): ResponseAction {
    const cache = this.cache;
    const now = cache.now();
    this.responseTime = now;
    // A 304 validates the stored response only when it answers our own validators; otherwise it
    // answers the client's conditional request and goes to the client as is.
    const stale = this.stale;
    if (status === 304 && this.conditional === null) {
      this.settle(null);
      return PASS;
    }
    if (stale !== null) {
      if (status === 304) {
        if (!notModifiedSelects(stale.headers, headers)) {
          // 4.3.4: a 304 naming another representation must not update this one. We asked about
          // exactly this one, so the origin contradicts itself: drop the entry, and serve what
          // we have once, marked stale (the client asked for no condition a 304 could answer).
          cache.store.delete(stale);
          this.settle(null);
          this.cacheStatus = 'STALE';
          const age = currentAge(stale.timing, stale.initialAge, now);
          return { kind: 'serve', response: cache.respond(stale, age, 'STALE', this.req.headers) };
        }
        // 4.3.3/4.3.4: the stored response is still valid: freshen it and serve it.
        cache.refresh(stale, headers, this.requestTime, now);
        cache.counters.revalidated++;
        this.cacheStatus = 'REVALIDATED';
        this.settle(stale);
        const age = currentAge(stale.timing, stale.initialAge, now);
        return {
          kind: 'serve',
          response: cache.respond(stale, age, 'REVALIDATED', this.req.headers),
        };
      }
      if (isGateway5xx(status)) {
        const sie = this.staleIfError(now);
        if (sie !== null) return sie;
      }
    }
    const cc = parseCacheControl(headers.getAll('cache-control'));
    const why = cache.whyNotStorable(this.req, this.reqCc, status, cc, headers);
    if (why !== null) {
      // A new full answer replaced what was stored: the old entry is outdated (unless the
      // origin merely failed, when it may still serve stale-if-error later).
      if (stale !== null && status !== 304 && status < 500) cache.store.delete(stale);
      this.settle(null);
      return PASS;
    }
    const length = contentLength(headers);
    const limit = cache.store.limits.maxObjectBytes;
    if (length > limit) {
      this.settle(null);
      return PASS;
    }
    this.expectedLength = length;
    this.resStatus = status;
    this.resReason = reason;
    this.resHeaders = headers;
    this.resCc = cc;
    this.collecting = new BodyBuffer(limit, length);
    return { kind: 'collect', collector: this };
  }

  /** Stale-if-error for a failed revalidation: the stale response, or null. */
  private staleIfError(now: number): ResponseAction | null {
    const stale = this.stale!;
    const age = currentAge(stale.timing, stale.initialAge, now);
    if (
      !staleIfErrorAllowed(
        stale.responseCc,
        this.reqCc,
        age - stale.lifetime,
        this.cache.config.staleIfError / 1000,
      )
    ) {
      return null;
    }
    // A background revalidation has no client: nothing stale was served.
    if (!this.background) this.cache.counters.stale++;
    this.cacheStatus = 'STALE';
    this.settle(null);
    return { kind: 'serve', response: this.cache.respond(stale, age, 'STALE', this.req.headers) };
  }

  onError(): ErrorAction | null {
    const stale = this.stale;
    this.settle(null);
    if (stale === null) return null;
    const action = this.staleIfError(this.cache.now());
    if (action !== null && action.kind === 'serve') return action;
    // RFC 9111 4.2.4 / 5.2.2.2: it may not be served stale and could not be validated.
    return GATEWAY_TIMEOUT;
  }

  // ---- BodyCollector ---------------------------------------------------------------------

  push(chunk: Buffer): void {
    const b = this.collecting;
    if (b === null) return;
    if (!b.push(chunk)) {
      // Over maxObjectBytes: stream on uncached, and let the waiters go now.
      this.collecting = null;
      this.settle(null);
    }
  }

  complete(): void {
    const b = this.collecting;
    this.collecting = null;
    if (b === null || this.resHeaders === null) return;
    // 3.3: a body shorter than its Content-Length is incomplete and never stored as complete.
    if (this.expectedLength >= 0 && b.bytes !== this.expectedLength) {
      this.settle(null);
      return;
    }
    const entry = this.cache.storeEntry(
      this.key,
      this.req.headers,
      this.resStatus,
      this.resReason,
      this.resHeaders,
      this.resCc,
      this.requestTime,
      this.responseTime,
      b,
    );
    this.settle(entry);
  }

  abort(): void {
    this.collecting = null;
    this.settle(null);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort();
    const cb = this.onClose;
    this.onClose = null;
    cb?.();
  }
}
