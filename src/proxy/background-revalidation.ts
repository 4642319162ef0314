import type { Balancer } from '../balancer/balancer';
import {
  applyValidators,
  type BackgroundFetch,
  type BodyCollector,
  type CacheRequest,
  type CacheTicket,
} from '../cache/http-cache';
import type { Config } from '../config/types';
import {
  HeaderList,
  NO_BODY,
  serializeRequestHead,
  type BodyFraming,
  type ResponseHead,
} from '../http';
import type { ProxyError } from '../errors';
import type { UpstreamConnection, UpstreamHandler } from '../upstream/connection';
import type { PoolRegistry } from '../upstream/pool';
import { connectionOptions, HOP_BY_HOP } from '../http/hop-by-hop';
import { rewritePath } from './request-target';

/** Not copied from the original request: hop-by-hop, plus what this GET sets itself. */
const NOT_COPIED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
]);

interface Deps {
  readonly config: Config;
  readonly balancer: Balancer;
  readonly pools: PoolRegistry;
}

/**
 * stale-while-revalidate (RFC 5861 3): the client got the stale response; this sends the
 * conditional GET on its own, with no client attached, and drives the cache ticket exactly as an
 * exchange would. One attempt, no retries: the next request will try again.
 */
class BackgroundRevalidation implements UpstreamHandler {
  private collector: BodyCollector | null = null;
  private upstream: UpstreamConnection | null = null;
  private done = false;

  constructor(
    private readonly deps: Deps,
    private readonly request: CacheRequest,
    private readonly ticket: CacheTicket,
  ) {}

  start(): void {
    const backend = this.deps.balancer.pick();
    if (backend === undefined) {
      this.end(true);
      return;
    }
    const up = (this.upstream = this.deps.pools.get(backend).acquire());
    up.attach(this, 'GET');
    if (!up.connecting) this.onConnected(up);
  }

  onConnected(up: UpstreamConnection): void {
    const cfg = this.deps.config;
    const src = this.request.headers;
    const named = connectionOptions(src);
    const headers = new HeaderList();
    headers.add('Host', cfg.headers.hostRewrite || this.request.host || up.backend.id, 'host');
    for (let i = 0; i < src.length; i++) {
      const l = src.lower[i]!;
      if (NOT_COPIED.has(l) || (named !== null && named.has(l))) continue;
      headers.add(src.names[i]!, src.values[i]!, l);
    }
    applyValidators(headers, this.ticket);
    headers.add('Via', '1.1 ' + cfg.headers.viaName, 'via');
    const path = rewritePath(
      this.request.path,
      cfg.headers.stripPathPrefix,
      cfg.headers.addPathPrefix,
    );
    up.write(serializeRequestHead('GET', path, headers, NO_BODY));
    up.awaitResponse(cfg.timeouts.responseHeader);
  }

  onInterimResponse(): void {}

  onUpstreamDrain(): void {}

  beginOutputBatch(): void {}

  /** Nothing goes to a client: the read buffer is never held (the collector copies). */
  endOutputBatch(): boolean {
    return false;
  }

  onResponseHead(head: ResponseHead, _framing: BodyFraming): void {
    const action = this.ticket.onResponseHead(head.status, head.reason, head.headers);
    if (action.kind === 'collect') this.collector = action.collector;
  }

  onBodyData(chunk: Buffer): void {
    this.collector?.push(chunk);
  }

  onResponseEnd(): void {
    this.collector?.complete();
    this.collector = null;
    const up = this.upstream;
    this.upstream = null;
    up?.finish(true);
    this.end(false);
  }

  onUpstreamError(_err: ProxyError): void {
    this.upstream = null;
    this.end(true);
  }

  private end(failed: boolean): void {
    if (this.done) return;
    this.done = true;
    if (failed) this.ticket.onError();
    this.ticket.close();
  }
}

export function backgroundFetcher(deps: Deps): BackgroundFetch {
  return (request, ticket) => new BackgroundRevalidation(deps, request, ticket).start();
}
