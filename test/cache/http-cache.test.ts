import { HttpCache, type CacheTicket } from '../../src/cache/http-cache';
import { DEFAULT_CONFIG } from '../../src/config/defaults';
import { hl } from './helpers';
import { Harness, type UpstreamReply } from './driver';

const ok = (fields: string[], body = 'hello'): UpstreamReply => ({
  status: 200,
  headers: fields,
  body,
});

/** A backend that answers every request the same way and counts. */
function fixed(reply: UpstreamReply): Harness {
  return new Harness(() => reply);
}

describe('miss -> store -> hit (RFC 9111 3, 4)', () => {
  test('second GET is a hit; the backend is not contacted; Age grows with resident time (4.2.3)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60', 'Content-Type: text/plain']));
    const first = await h.request('/a');
    expect(first).toMatchObject({
      status: 200,
      body: 'hello',
      cacheStatus: 'MISS',
      fromUpstream: true,
    });
    const second = await h.request('/a');
    expect(second).toMatchObject({
      status: 200,
      body: 'hello',
      cacheStatus: 'HIT',
      fromUpstream: false,
      age: 0,
    });
    expect(second.headers.get('content-type')).toBe('text/plain');
    // Framing is the serving side's: the stored fields carry no Content-Length.
    expect(second.headers.has('content-length')).toBe(false);
    h.advance(1100);
    expect((await h.request('/a')).age).toBe(1);
    expect(h.seen).toHaveLength(1);
    expect(h.cache.snapshot()).toMatchObject({ hits: 2, misses: 1, stores: 1, entries: 1 });
  });

  test("the backend's Age is added (4.2.3 age_value)", async () => {
    const h = fixed(ok(['Cache-Control: max-age=60', 'Age: 30']));
    await h.request('/a');
    h.advance(2000);
    expect((await h.request('/a')).age).toBe(32);
  });

  test('Date in the past counts (apparent_age)', async () => {
    const h: Harness = new Harness((): UpstreamReply =>
      ok(['Cache-Control: max-age=60', `Date: ${new Date(h.clock - 10_000).toUTCString()}`]),
    );
    await h.request('/a');
    expect((await h.request('/a')).age).toBe(10);
  });

  test('expiry: after max-age the entry is stale and goes upstream again', async () => {
    const h = fixed(ok(['Cache-Control: max-age=1']));
    await h.request('/a');
    h.advance(1000);
    expect((await h.request('/a')).cacheStatus).toBe('MISS');
    expect(h.seen).toHaveLength(2);
  });

  test('HEAD is answered from a stored GET, with the representation length', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    await h.request('/a');
    const head = h.cache.lookup({ method: 'HEAD', host: 'test', path: '/a', headers: hl() });
    expect(head.kind).toBe('hit');
    if (head.kind === 'hit') expect(head.response.bodyBytes).toBe(5);
  });

  test('HEAD on a miss is forwarded and not stored', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    expect((await h.request('/a', [], 'HEAD')).cacheStatus).toBe('MISS');
    expect((await h.request('/a', [], 'HEAD')).fromUpstream).toBe(true);
  });

  test('the host is part of the key by default, and can be left out', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    await h.request('/a', [], 'GET', 'one');
    expect((await h.request('/a', [], 'GET', 'ONE')).cacheStatus).toBe('HIT');
    expect((await h.request('/a', [], 'GET', 'two')).cacheStatus).toBe('MISS');
    const n = new Harness(() => ok(['Cache-Control: max-age=60']), { hostInKey: false });
    await n.request('/a', [], 'GET', 'one');
    expect((await n.request('/a', [], 'GET', 'two')).cacheStatus).toBe('HIT');
  });

  test('the query is part of the key', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    await h.request('/a?x=1');
    expect((await h.request('/a?x=2')).cacheStatus).toBe('MISS');
  });
});

describe('not stored (RFC 9111 3)', () => {
  test.each<[string, string[], string[]]>([
    ['no-store response', ['Cache-Control: no-store, max-age=60'], []],
    ['private response', ['Cache-Control: private, max-age=60'], []],
    ['Authorization without public', ['Cache-Control: max-age=60'], ['Authorization: Bearer x']],
    ['Set-Cookie', ['Cache-Control: max-age=60', 'Set-Cookie: s=1'], []],
    [
      'no explicit freshness (heuristics off)',
      ['Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT'],
      [],
    ],
    ['Vary: *', ['Cache-Control: max-age=60', 'Vary: *'], []],
  ])('%s', async (_n, resFields, reqFields) => {
    const h = fixed(ok(resFields));
    await h.request('/a', reqFields);
    const again = await h.request('/a', reqFields);
    expect(again.fromUpstream).toBe(true);
    expect(h.seen).toHaveLength(2);
    expect(h.cache.store.entries).toBe(0);
  });

  test('request no-store: forwarded as BYPASS and not stored (5.2.1.5)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    expect((await h.request('/a', ['Cache-Control: no-store'])).cacheStatus).toBe('BYPASS');
    expect(h.cache.store.entries).toBe(0);
  });

  test('Authorization with public is stored (3.5)', async () => {
    const h = fixed(ok(['Cache-Control: public, max-age=60']));
    await h.request('/a', ['Authorization: Bearer x']);
    expect((await h.request('/a')).cacheStatus).toBe('HIT');
  });

  test('Range requests bypass the cache; 206 is never stored', async () => {
    const h = fixed({
      status: 206,
      headers: ['Cache-Control: max-age=60', 'Content-Range: bytes 0-1/5'],
      body: 'he',
    });
    expect((await h.request('/a', ['Range: bytes=0-1'])).cacheStatus).toBe('BYPASS');
    expect(h.cache.store.entries).toBe(0);
  });

  test('a truncated body is not stored (3.3)', async () => {
    const h = fixed({
      status: 200,
      headers: ['Cache-Control: max-age=60', 'Content-Length: 10'],
      body: '0123456789',
      truncate: true,
    });
    await h.request('/a');
    expect(h.cache.store.entries).toBe(0);
  });

  test('a body shorter than its Content-Length is not stored even when completed (3.3)', () => {
    const cache = new HttpCache({ ...DEFAULT_CONFIG.cache, enabled: true });
    const d = cache.lookup({ method: 'GET', host: 'h', path: '/a', headers: hl() });
    if (d.kind !== 'forward') throw new Error(d.kind);
    const a = d.ticket.onResponseHead(
      200,
      'OK',
      hl('Cache-Control: max-age=60', 'Content-Length: 10'),
    );
    if (a.kind !== 'collect') throw new Error(a.kind);
    a.collector.push(Buffer.from('01234'));
    a.collector.complete();
    d.ticket.close();
    expect(cache.store.entries).toBe(0);
  });

  test('a body over maxObjectBytes streams uncached (collector stops by itself)', async () => {
    const big = 'x'.repeat(5000);
    const h = new Harness(
      () => ({
        status: 200,
        headers: ['Cache-Control: max-age=60', 'Transfer-Encoding: chunked'],
        body: big,
      }),
      {
        maxObjectBytes: 4096,
      },
    );
    // chunked: no Content-Length known up front, the collector gives up on the way
    const r = await h.request('/a');
    expect(r.body).toBe(big);
    expect(h.cache.store.entries).toBe(0);
  });

  test('a Content-Length over maxObjectBytes is not even collected', () => {
    const cache = new HttpCache({ ...DEFAULT_CONFIG.cache, enabled: true, maxObjectBytes: 100 });
    const d = cache.lookup({ method: 'GET', host: 'h', path: '/a', headers: hl() });
    if (d.kind !== 'forward') throw new Error(d.kind);
    expect(
      d.ticket.onResponseHead(200, 'OK', hl('Cache-Control: max-age=60', 'Content-Length: 101'))
        .kind,
    ).toBe('pass');
    d.ticket.close();
  });
});

describe('validation (RFC 9111 4.3)', () => {
  test('stale entry with ETag: conditional upstream, 304 refreshes and serves the stored body', async () => {
    let n = 0;
    const h = new Harness((_m, _p, headers) => {
      n++;
      if (headers.get('if-none-match') === '"v1"')
        return {
          status: 304,
          headers: ['Cache-Control: max-age=60', 'ETag: "v1"', 'X-Fresh: yes'],
        };
      return ok(
        ['Cache-Control: max-age=1', 'ETag: "v1"', 'Content-Type: text/plain', 'X-Fresh: no'],
        'body-v1',
      );
    });
    await h.request('/a');
    h.advance(2000);
    const r = await h.request('/a');
    expect(h.seen[1]!.headers.get('if-none-match')).toBe('"v1"');
    expect(r).toMatchObject({
      status: 200,
      body: 'body-v1',
      cacheStatus: 'REVALIDATED',
      fromUpstream: false,
    });
    // 3.2: fields from the 304 replace the stored ones.
    expect(r.headers.get('x-fresh')).toBe('yes');
    expect(r.headers.get('content-type')).toBe('text/plain');
    // The refreshed lifetime (max-age=60) applies from now.
    h.advance(30_000);
    expect((await h.request('/a')).cacheStatus).toBe('HIT');
    expect(n).toBe(2);
    expect(h.cache.snapshot().revalidated).toBe(1);
  });

  test('Last-Modified only: If-Modified-Since is sent', async () => {
    const lm = 'Thu, 01 Jan 2015 00:00:00 GMT';
    const h = fixed(ok(['Cache-Control: max-age=0', `Last-Modified: ${lm}`]));
    await h.request('/a');
    await h.request('/a');
    expect(h.seen[1]!.headers.get('if-modified-since')).toBe(lm);
  });

  test("the validators replace the client's own conditional fields", async () => {
    const h = fixed(ok(['Cache-Control: max-age=0', 'ETag: "v1"']));
    await h.request('/a');
    await h.request('/a', ['If-None-Match: "client"']);
    expect(h.seen[1]!.headers.getAll('if-none-match')).toEqual(['"v1"']);
  });

  test('a 200 to a revalidation replaces the entry', async () => {
    let v = 1;
    const h = new Harness(() => ok(['Cache-Control: max-age=1', `ETag: "v${v}"`], `body-${v}`));
    await h.request('/a');
    v = 2;
    h.advance(2000);
    expect((await h.request('/a')).body).toBe('body-2');
    expect((await h.request('/a')).cacheStatus).toBe('HIT');
    expect((await h.request('/a')).body).toBe('body-2');
  });

  test('client If-None-Match on a fresh entry: 304 without the backend (4.3.2)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60', 'ETag: "v1"', 'Content-Type: text/plain']));
    await h.request('/a');
    const r = await h.request('/a', ['If-None-Match: W/"v1"']);
    expect(r).toMatchObject({ status: 304, body: '', cacheStatus: 'HIT', fromUpstream: false });
    expect(r.headers.get('etag')).toBe('"v1"');
    expect(r.headers.has('content-type')).toBe(false);
    expect(h.seen).toHaveLength(1);
    // A non-matching tag gets the full response.
    expect((await h.request('/a', ['If-None-Match: "v0"'])).status).toBe(200);
  });

  test('client If-Modified-Since on a fresh entry: 304 (4.3.2)', async () => {
    const h = fixed(
      ok(['Cache-Control: max-age=60', 'Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT']),
    );
    await h.request('/a');
    expect(
      (await h.request('/a', ['If-Modified-Since: Fri, 02 Jan 2015 00:00:00 GMT'])).status,
    ).toBe(304);
  });

  test('client conditional after a revalidation: 304 to the client', async () => {
    const h = new Harness((_m, _p, headers) =>
      headers.has('if-none-match')
        ? { status: 304, headers: ['ETag: "v1"'] }
        : ok(['Cache-Control: max-age=0', 'ETag: "v1"']),
    );
    await h.request('/a');
    const r = await h.request('/a', ['If-None-Match: "v1"']);
    expect(r).toMatchObject({ status: 304, cacheStatus: 'REVALIDATED' });
  });

  test('client no-cache forces revalidation by default, not when switched off (5.2.1.4)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60', 'ETag: "v1"']));
    await h.request('/a');
    expect((await h.request('/a', ['Cache-Control: no-cache'])).fromUpstream).toBe(true);
    expect((await h.request('/a', ['Cache-Control: max-age=0'])).fromUpstream).toBe(true);
    const off = new Harness(() => ok(['Cache-Control: max-age=60']), { honorClientNoCache: false });
    await off.request('/a');
    expect((await off.request('/a', ['Cache-Control: no-cache'])).cacheStatus).toBe('HIT');
    expect((await off.request('/a', ['Pragma: no-cache'])).cacheStatus).toBe('HIT');
  });

  test('only-if-cached: 504 on a miss, served on a hit (5.2.1.7)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    expect((await h.request('/a', ['Cache-Control: only-if-cached'])).status).toBe(504);
    expect(h.seen).toHaveLength(0);
    await h.request('/a');
    expect((await h.request('/a', ['Cache-Control: only-if-cached'])).cacheStatus).toBe('HIT');
    h.advance(61_000);
    expect((await h.request('/a', ['Cache-Control: only-if-cached'])).status).toBe(504);
  });

  test('max-stale serves a stale entry as STALE (5.2.1.2)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=1']));
    await h.request('/a');
    h.advance(5000);
    expect((await h.request('/a', ['Cache-Control: max-stale=10'])).cacheStatus).toBe('STALE');
    expect(h.seen).toHaveLength(1);
  });

  test('If-Match is left to the origin (forwarded)', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60', 'ETag: "1"']));
    await h.request('/a');
    expect((await h.request('/a', ['If-Match: "1"'])).fromUpstream).toBe(true);
  });
});

describe('Vary (RFC 9111 4.1)', () => {
  test('two Accept-Encoding values are stored apart and served to the matching request', async () => {
    const h = new Harness((_m, _p, headers) =>
      ok(
        ['Cache-Control: max-age=60', 'Vary: Accept-Encoding'],
        `enc=${headers.get('accept-encoding') ?? 'none'}`,
      ),
    );
    expect((await h.request('/a', ['Accept-Encoding: gzip'])).body).toBe('enc=gzip');
    expect((await h.request('/a', ['Accept-Encoding: br'])).body).toBe('enc=br');
    const gz = await h.request('/a', ['Accept-Encoding: GZIP']);
    expect(gz).toMatchObject({ body: 'enc=gzip', cacheStatus: 'HIT' });
    const br = await h.request('/a', ['Accept-Encoding: br']);
    expect(br).toMatchObject({ body: 'enc=br', cacheStatus: 'HIT' });
    expect((await h.request('/a')).cacheStatus).toBe('MISS');
    expect(h.cache.store.entries).toBe(3);
  });
});

describe('invalidation (RFC 9111 4.4)', () => {
  test('a successful POST invalidates the target and same-origin Location', async () => {
    const h = new Harness((m) =>
      m === 'POST' ? { status: 201, headers: ['Location: /b'] } : ok(['Cache-Control: max-age=60']),
    );
    await h.request('/a');
    await h.request('/b');
    await h.request('/c');
    expect(h.cache.store.entries).toBe(3);
    expect((await h.request('/a', [], 'POST')).cacheStatus).toBe('BYPASS');
    expect((await h.request('/a')).cacheStatus).toBe('MISS');
    expect((await h.request('/b')).cacheStatus).toBe('MISS');
    expect((await h.request('/c')).cacheStatus).toBe('HIT');
  });

  test('a failed DELETE invalidates nothing', async () => {
    const h = new Harness((m) =>
      m === 'DELETE' ? { status: 500 } : ok(['Cache-Control: max-age=60']),
    );
    await h.request('/a');
    await h.request('/a', [], 'DELETE');
    expect((await h.request('/a')).cacheStatus).toBe('HIT');
  });

  test('purge: a URL, a path under every host, everything', async () => {
    const h = fixed(ok(['Cache-Control: max-age=60']));
    await h.request('/a', [], 'GET', 'one');
    await h.request('/a', [], 'GET', 'two');
    await h.request('/b', [], 'GET', 'one');
    await h.request('/b?q', [], 'GET', 'one');
    expect(h.cache.purge('http://one/a')).toBe(1);
    expect(h.cache.purge('/a')).toBe(1);
    expect(h.cache.purge('/b?q')).toBe(1);
    expect(h.cache.purgeAll()).toBe(1);
    expect(h.cache.store.bytes).toBe(0);
  });
});

describe('stale-if-error and stale-while-revalidate (RFC 5861, RFC 9111 4.2.4)', () => {
  function flaky(fields: string[], config = {}): { h: Harness; down: () => void } {
    let up = true;
    const h = new Harness(() => (up ? ok(fields) : { status: 0, error: true }), config);
    return { h, down: () => (up = false) };
  }

  test('backend down: stale served within stale-if-error', async () => {
    const { h, down } = flaky(['Cache-Control: max-age=1, stale-if-error=60']);
    await h.request('/a');
    down();
    h.advance(10_000);
    expect(await h.request('/a')).toMatchObject({
      status: 200,
      body: 'hello',
      cacheStatus: 'STALE',
    });
  });

  test('backend down past the window: 504 (revalidation failed, stale not allowed)', async () => {
    const { h, down } = flaky(['Cache-Control: max-age=1, stale-if-error=5']);
    await h.request('/a');
    down();
    h.advance(10_000);
    expect((await h.request('/a')).status).toBe(504);
  });

  test('must-revalidate: never stale, 504 (5.2.2.2)', async () => {
    const { h, down } = flaky(['Cache-Control: max-age=1, must-revalidate, stale-if-error=60']);
    await h.request('/a');
    down();
    h.advance(3000);
    expect((await h.request('/a')).status).toBe(504);
  });

  test('configured default window applies when the response names none', async () => {
    const { h, down } = flaky(['Cache-Control: max-age=1'], { staleIfError: 60_000 });
    await h.request('/a');
    down();
    h.advance(10_000);
    expect((await h.request('/a')).cacheStatus).toBe('STALE');
  });

  test('a 503 from the origin during revalidation: stale served (RFC 5861 4)', async () => {
    let status = 200;
    const h = new Harness(() =>
      status === 200
        ? ok(['Cache-Control: max-age=1, stale-if-error=60'])
        : { status, body: 'down' },
    );
    await h.request('/a');
    status = 503;
    h.advance(5000);
    expect(await h.request('/a')).toMatchObject({ status: 200, cacheStatus: 'STALE' });
    // ...while a 404 is a real answer: passed through and the old entry dropped.
    status = 404;
    expect((await h.request('/a')).status).toBe(404);
    expect(h.cache.store.entries).toBe(0);
  });

  test("a miss with the backend down: the exchange's own error (null)", async () => {
    const h = new Harness(() => ({ status: 0, error: true }));
    expect((await h.request('/a')).status).toBe(502);
  });

  test('stale-while-revalidate: stale served at once, one background revalidation', async () => {
    const calls: CacheTicket[] = [];
    let version = 1;
    const cache = new HttpCache(
      { ...DEFAULT_CONFIG.cache, enabled: true },
      { backgroundFetch: (_req, ticket) => calls.push(ticket) },
    );
    const get = () => cache.lookup({ method: 'GET', host: 'h', path: '/a', headers: hl() });
    const store = (ticket: CacheTicket) => {
      const a = ticket.onResponseHead(
        200,
        'OK',
        hl('Cache-Control: max-age=0, stale-while-revalidate=60', 'Content-Length: 2'),
      );
      if (a.kind === 'collect') {
        a.collector.push(Buffer.from(`v${version}`));
        a.collector.complete();
      }
      ticket.close();
    };
    const first = get();
    if (first.kind !== 'forward') throw new Error(first.kind);
    store(first.ticket);
    const s1 = get();
    const s2 = get();
    expect(s1.kind === 'hit' && s1.response.cacheStatus).toBe('STALE');
    expect(s2.kind === 'hit' && s2.response.cacheStatus).toBe('STALE');
    expect(calls).toHaveLength(1);
    version = 2;
    store(calls[0]!);
    const s3 = get();
    expect(s3.kind === 'hit' && Buffer.concat(s3.response.body as Buffer[]).toString()).toBe('v2');
    expect(calls).toHaveLength(2); // max-age=0 again: the next background fetch started
  });

  test('stale-while-revalidate without a background fetcher revalidates in the foreground', async () => {
    const h = fixed(ok(['Cache-Control: max-age=1, stale-while-revalidate=60']));
    await h.request('/a');
    h.advance(2000);
    expect((await h.request('/a')).fromUpstream).toBe(true);
  });
});

describe('coalescing', () => {
  test('100 concurrent cold GETs for one URL: one upstream request, all get the body', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = new Harness(async () => {
      await gate;
      return ok(['Cache-Control: max-age=60'], 'shared');
    });
    const all = Array.from({ length: 100 }, () => h.request('/hot'));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(h.seen).toHaveLength(1);
    expect(results.every((r) => r.body === 'shared' && r.status === 200)).toBe(true);
    expect(results.filter((r) => r.cacheStatus === 'MISS')).toHaveLength(1);
    expect(h.cache.snapshot().coalesced).toBe(99);
  });

  test('coalesced even when the response has max-age=0 (the waiters get what was fetched for them)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = new Harness(async () => {
      await gate;
      return ok(['Cache-Control: max-age=0']);
    });
    const all = Array.from({ length: 10 }, () => h.request('/x'));
    await new Promise((r) => setImmediate(r));
    release();
    await Promise.all(all);
    expect(h.seen).toHaveLength(1);
  });

  test('a non-cacheable answer releases the waiters to go upstream themselves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = new Harness(async () => {
      await gate;
      return ok(['Cache-Control: no-store'], 'private');
    });
    const all = Array.from({ length: 5 }, () => h.request('/p'));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(h.seen).toHaveLength(5);
    expect(results.every((r) => r.body === 'private')).toBe(true);
  });

  test('a truncated answer releases the waiters', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let n = 0;
    const h = new Harness(async () => {
      n++;
      if (n === 1) {
        await gate;
        return {
          status: 200,
          headers: ['Cache-Control: max-age=60', 'Content-Length: 10'],
          body: '0123456789',
          truncate: true,
        };
      }
      return ok(['Cache-Control: max-age=60'], 'whole');
    });
    const all = Array.from({ length: 3 }, () => h.request('/t'));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(results.filter((r) => r.body === 'whole').length).toBeGreaterThanOrEqual(2);
  });

  test('forced revalidations of one key are coalesced', async () => {
    let release!: () => void;
    let gate: Promise<void> = Promise.resolve();
    const h = new Harness(async (_m, _p, headers) => {
      await gate;
      return headers.has('if-none-match')
        ? { status: 304, headers: ['ETag: "1"'] }
        : ok(['Cache-Control: max-age=60', 'ETag: "1"']);
    });
    await h.request('/r');
    gate = new Promise<void>((r) => (release = r));
    const all = Array.from({ length: 20 }, () => h.request('/r', ['Cache-Control: no-cache']));
    await new Promise((r) => setImmediate(r));
    release();
    const results = await Promise.all(all);
    expect(h.seen).toHaveLength(2);
    expect(results.every((r) => r.status === 200 && r.body === 'hello')).toBe(true);
  });

  test('the wait is bounded: a slow leader does not hold the others past coalesceWait', async () => {
    let n = 0;
    const h = new Harness(
      async () => {
        n++;
        if (n === 1) await new Promise((r) => setTimeout(r, 300));
        return ok(['Cache-Control: max-age=60']);
      },
      { coalesceWait: 20 },
    );
    const all = [h.request('/s'), h.request('/s')];
    await Promise.all(all);
    expect(h.seen).toHaveLength(2);
  });

  test('a leader closed without a response (client gone) releases the waiters', async () => {
    const cache = new HttpCache({ ...DEFAULT_CONFIG.cache, enabled: true });
    const req = { method: 'GET', host: 'h', path: '/z', headers: hl() };
    const lead = cache.lookup(req);
    const wait = cache.lookup(req);
    expect(lead.kind).toBe('forward');
    expect(wait.kind).toBe('wait');
    if (lead.kind === 'forward') lead.ticket.close();
    if (wait.kind === 'wait') expect((await wait.promise).kind).toBe('forward');
  });
});

describe('revalidation races', () => {
  test('an entry evicted while it was revalidated is stored again by the 304', async () => {
    const h = new Harness((_m, _p, headers) =>
      headers.has('if-none-match')
        ? { status: 304, headers: ['ETag: "1"', 'Cache-Control: max-age=60'] }
        : ok(['Cache-Control: max-age=0', 'ETag: "1"']),
    );
    await h.request('/a');
    const d = h.cache.lookup({ method: 'GET', host: 'test', path: '/a', headers: hl() });
    if (d.kind !== 'forward') throw new Error(d.kind);
    h.cache.purgeAll();
    const a = d.ticket.onResponseHead(
      304,
      'Not Modified',
      hl('ETag: "1"', 'Cache-Control: max-age=60'),
    );
    d.ticket.close();
    expect(a.kind).toBe('serve');
    expect(h.cache.store.entries).toBe(1);
    expect((await h.request('/a')).cacheStatus).toBe('HIT');
  });
});

test('a failed background revalidation counts no stale response (no client was served)', () => {
  const tickets: CacheTicket[] = [];
  const cache = new HttpCache(
    { ...DEFAULT_CONFIG.cache, enabled: true },
    { backgroundFetch: (_r, t) => tickets.push(t) },
  );
  const req = { method: 'GET', host: 'h', path: '/a', headers: hl() };
  const first = cache.lookup(req);
  if (first.kind !== 'forward') throw new Error(first.kind);
  const a = first.ticket.onResponseHead(
    200,
    'OK',
    hl(
      'Cache-Control: max-age=0, stale-while-revalidate=60, stale-if-error=60',
      'Content-Length: 1',
    ),
  );
  if (a.kind === 'collect') {
    a.collector.push(Buffer.from('x'));
    a.collector.complete();
  }
  first.ticket.close();
  expect(cache.lookup(req).kind).toBe('hit');
  expect(cache.counters.stale).toBe(1);
  tickets[0]!.onError();
  tickets[0]!.close();
  expect(cache.counters.stale).toBe(1);
  // The entry may be revalidated in the background again.
  cache.lookup(req);
  expect(tickets).toHaveLength(2);
});

describe('304 selection (RFC 9111 4.3.4)', () => {
  test.each<[string, string, string, boolean]>([
    ['same strong ETag: updated', '"v1"', '"v1"', true],
    ['weak 304 ETag matching weakly: updated', '"v1"', 'W/"v1"', true],
    ['another strong ETag: not updated, entry dropped', '"v1"', '"v2"', false],
  ])('%s', async (_n, storedTag, notModifiedTag, updated) => {
    const h = new Harness((_m, _p, headers) =>
      headers.has('if-none-match')
        ? { status: 304, headers: [`ETag: ${notModifiedTag}`, 'Cache-Control: max-age=60'] }
        : ok(['Cache-Control: max-age=0', `ETag: ${storedTag}`], 'stored body'),
    );
    await h.request('/a');
    const r = await h.request('/a');
    expect(r.body).toBe('stored body');
    expect(r.cacheStatus).toBe(updated ? 'REVALIDATED' : 'STALE');
    expect(h.cache.store.entries).toBe(updated ? 1 : 0);
  });
});

describe('validators on the upstream request (RFC 9111 4.3.1)', () => {
  test("the client's other conditional field is removed, so a 304 can only be about our entry", async () => {
    const lm = 'Thu, 01 Jan 2015 00:00:00 GMT';
    const h = fixed(ok(['Cache-Control: max-age=0', `Last-Modified: ${lm}`]));
    await h.request('/a');
    await h.request('/a', ['If-None-Match: "client-tag"']);
    const sent = h.seen[1]!.headers;
    expect(sent.has('if-none-match')).toBe(false);
    expect(sent.get('if-modified-since')).toBe(lm);
  });

  test("a stale entry without validators: a 304 to the client's condition is passed through, not applied", async () => {
    const h = new Harness((_m, _p, headers) =>
      headers.has('if-none-match')
        ? { status: 304, headers: ['ETag: "c"'] }
        : ok(['Cache-Control: max-age=0'], 'stored'),
    );
    await h.request('/a');
    const r = await h.request('/a', ['If-None-Match: "c"']);
    expect(r).toMatchObject({ status: 304, fromUpstream: true });
    expect(h.cache.snapshot().revalidated).toBe(0);
  });
});
