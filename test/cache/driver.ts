/**
 * A reference driver of the HttpCache call sequence (the one documented at the top of
 * src/cache/http-cache.ts), with a scripted backend instead of sockets. The proxy's exchange
 * follows the same steps.
 */
import {
  applyValidators,
  HttpCache,
  type CachedResponse,
  type CacheStatus,
} from '../../src/cache/http-cache';
import { DEFAULT_CONFIG } from '../../src/config/defaults';
import type { CacheConfig } from '../../src/config/types';
import { HeaderList } from '../../src/http';
import { hl } from './helpers';

export interface UpstreamReply {
  status: number;
  headers?: string[];
  body?: string;
  /** The body stops early (the connection dropped). */
  truncate?: boolean;
  /** No response at all (connect error, timeout). */
  error?: boolean;
}

export interface ClientView {
  status: number;
  headers: HeaderList;
  body: string;
  /** Age sent (responses from cache only). */
  age: number | null;
  cacheStatus: CacheStatus | null;
  /** The response came from the upstream (forwarded), not from the cache. */
  fromUpstream: boolean;
}

export type Backend = (
  method: string,
  path: string,
  headers: HeaderList,
) => Promise<UpstreamReply> | UpstreamReply;

export class Harness {
  readonly cache: HttpCache;
  clock: number;
  /** Requests that reached the backend, with the fields they carried. */
  readonly seen: Array<{ method: string; path: string; headers: HeaderList }> = [];

  constructor(
    public backend: Backend,
    config: Partial<CacheConfig> = {},
    start = Date.UTC(2026, 0, 15, 12, 0, 0),
  ) {
    this.clock = start;
    this.cache = new HttpCache(
      { ...DEFAULT_CONFIG.cache, enabled: true, ...config },
      { now: () => this.clock },
    );
  }

  advance(ms: number): void {
    this.clock += ms;
  }

  private fromCache(r: CachedResponse): ClientView {
    return {
      status: r.status,
      headers: r.headers,
      body: Buffer.concat(r.body as Buffer[]).toString('latin1'),
      age: r.age,
      cacheStatus: r.cacheStatus,
      fromUpstream: false,
    };
  }

  async request(
    path: string,
    fields: string[] = [],
    method = 'GET',
    host = 'test',
  ): Promise<ClientView> {
    const headers = hl(...fields);
    let d = this.cache.lookup({ method, host, path, headers });
    while (d.kind === 'wait') d = await d.promise;
    if (d.kind === 'hit') return this.fromCache(d.response);
    if (d.kind === 'gateway-timeout') {
      return {
        status: 504,
        headers: hl(),
        body: '',
        age: null,
        cacheStatus: d.cacheStatus,
        fromUpstream: false,
      };
    }
    const ticket = d.ticket;
    try {
      const up = headers.clone();
      applyValidators(up, ticket);
      this.seen.push({ method, path, headers: up });
      const reply = await this.backend(method, path, up);
      if (reply.error === true) {
        const e = ticket.onError();
        if (e === null)
          return {
            status: 502,
            headers: hl(),
            body: '',
            age: null,
            cacheStatus: ticket.cacheStatus,
            fromUpstream: false,
          };
        if (e.kind === 'gateway-timeout')
          return {
            status: 504,
            headers: hl(),
            body: '',
            age: null,
            cacheStatus: ticket.cacheStatus,
            fromUpstream: false,
          };
        return this.fromCache(e.response);
      }
      const resHeaders = hl(...(reply.headers ?? []));
      const body = Buffer.from(reply.body ?? '', 'latin1');
      if (
        !reply.truncate &&
        !resHeaders.has('content-length') &&
        !resHeaders.has('transfer-encoding') &&
        reply.status !== 304
      ) {
        resHeaders.add('Content-Length', String(body.length));
      }
      const action = ticket.onResponseHead(reply.status, 'X', resHeaders);
      if (action.kind === 'serve') return this.fromCache(action.response);
      const sent = reply.truncate ? body.subarray(0, body.length >> 1) : body;
      if (action.kind === 'collect') {
        // Tee in three pieces, as a socket would deliver them.
        const third = Math.ceil(sent.length / 3);
        for (let i = 0; i < sent.length; i += third)
          action.collector.push(sent.subarray(i, i + third));
        if (reply.truncate) action.collector.abort();
        else action.collector.complete();
      }
      return {
        status: reply.status,
        headers: resHeaders,
        body: sent.toString('latin1'),
        age: null,
        cacheStatus: ticket.cacheStatus,
        fromUpstream: true,
      };
    } finally {
      ticket.close();
    }
  }
}
