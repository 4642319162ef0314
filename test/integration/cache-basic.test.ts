/**
 * The response cache through the real proxy process (`--cache`) with a backend that counts its
 * requests: a hit leaves the count unchanged. Covers RFC 9111 3 (storable), 4.1 (Vary), 4.2.3
 * (Age), 4.3 (validation), 4.4 (invalidation), and the X-Cache / access-log reporting.
 */
import { cachingProxyRig } from '../cache/caching-proxy';
import { rawExchange, rawGet, requestBytes } from '../support/raw-http';

const rig = cachingProxyRig();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cacheable(
  target: string,
  extra: Array<[string, string]> = [],
  body = `body of ${target}`,
): void {
  rig.origin.route(target, () => ({
    headers: [['Cache-Control', 'max-age=60'], ['Content-Type', 'text/plain'], ...extra],
    body,
  }));
}

test('the second GET is served from the cache: backend count unchanged, X-Cache HIT, same body', async () => {
  cacheable('/basic/hit');
  const first = await rawGet(rig.proxy.port, '/basic/hit');
  expect(first.status).toBe(200);
  expect(first.headers.get('x-cache')).toBe('MISS');
  const second = await rawGet(rig.proxy.port, '/basic/hit');
  expect(second.status).toBe(200);
  expect(second.headers.get('x-cache')).toBe('HIT');
  expect(second.body.toString()).toBe('body of /basic/hit');
  expect(second.headers.get('content-type')).toBe('text/plain');
  expect(second.headers.get('content-length')).toBe(String('body of /basic/hit'.length));
  expect(second.headers.get('age')).toMatch(/^\d+$/);
  expect(rig.origin.count('/basic/hit')).toBe(1);
});

test('the access log line carries the cache status', async () => {
  cacheable('/basic/logged');
  await rawGet(rig.proxy.port, '/basic/logged');
  await rawGet(rig.proxy.port, '/basic/logged');
  const hit = await rig.proxy.waitForAccessLog(
    (l) => l['path'] === '/basic/logged' && l['cache'] === 'HIT',
  );
  expect(hit['status']).toBe(200);
  expect(
    rig.proxy.accessLogs().some((l) => l['path'] === '/basic/logged' && l['cache'] === 'MISS'),
  ).toBe(true);
});

test('after 1.1 s a hit carries Age >= 1 plus the Age the backend sent (RFC 9111 4.2.3)', async () => {
  cacheable('/basic/age');
  // max-age above the upstream Age, or the response would be stale on arrival.
  rig.origin.route('/basic/age-upstream', () => ({
    headers: [
      ['Cache-Control', 'max-age=600'],
      ['Age', '100'],
    ],
    body: 'aged',
  }));
  await rawGet(rig.proxy.port, '/basic/age');
  await rawGet(rig.proxy.port, '/basic/age-upstream');
  await sleep(1100);
  const a = await rawGet(rig.proxy.port, '/basic/age');
  const b = await rawGet(rig.proxy.port, '/basic/age-upstream');
  expect(a.headers.get('x-cache')).toBe('HIT');
  expect(Number(a.headers.get('age'))).toBeGreaterThanOrEqual(1);
  expect(a.headers.count('age')).toBe(1);
  expect(b.headers.get('x-cache')).toBe('HIT');
  expect(Number(b.headers.get('age'))).toBeGreaterThanOrEqual(101);
  expect(b.headers.count('age')).toBe(1);
  expect(rig.origin.count('/basic/age')).toBe(1);
  expect(rig.origin.count('/basic/age-upstream')).toBe(1);
});

test.each<[string, Array<[string, string]>, Array<[string, string]>]>([
  ['no-store', [['Cache-Control', 'no-store, max-age=60']], []],
  ['private', [['Cache-Control', 'private, max-age=60']], []],
  ['Authorization', [['Cache-Control', 'max-age=60']], [['Authorization', 'Bearer abc']]],
  [
    'Set-Cookie',
    [
      ['Cache-Control', 'max-age=60'],
      ['Set-Cookie', 'sid=1'],
    ],
    [],
  ],
])('%s responses are not cached (RFC 9111 3, 3.5, 5.2)', async (name, resFields, reqFields) => {
  const target = `/basic/not-cached/${name}`;
  rig.origin.route(target, () => ({ headers: resFields, body: 'x' }));
  const headers: Array<[string, string]> = [['Host', 'test'], ...reqFields];
  await rawGet(rig.proxy.port, target, headers);
  const again = await rawGet(rig.proxy.port, target, headers);
  expect(again.status).toBe(200);
  expect(again.headers.get('x-cache')).not.toBe('HIT');
  expect(rig.origin.count(target)).toBe(2);
});

test('Vary: two Accept-Encoding values are stored apart (RFC 9111 4.1)', async () => {
  rig.origin.route('/basic/vary', (req) => ({
    headers: [
      ['Cache-Control', 'max-age=60'],
      ['Vary', 'Accept-Encoding'],
    ],
    body: `encoding=${req.headers.get('accept-encoding') ?? 'none'}`,
  }));
  const get = (enc: string) =>
    rawGet(rig.proxy.port, '/basic/vary', [
      ['Host', 'test'],
      ['Accept-Encoding', enc],
    ]);
  expect((await get('gzip')).body.toString()).toBe('encoding=gzip');
  expect((await get('br')).body.toString()).toBe('encoding=br');
  const gz = await get('gzip');
  const br = await get('br');
  expect(gz.body.toString()).toBe('encoding=gzip');
  expect(gz.headers.get('x-cache')).toBe('HIT');
  expect(br.body.toString()).toBe('encoding=br');
  expect(br.headers.get('x-cache')).toBe('HIT');
  expect(rig.origin.count('/basic/vary')).toBe(2);
});

test('a successful POST invalidates the stored GET (RFC 9111 4.4)', async () => {
  let version = 1;
  rig.origin.route('/basic/item', (req) =>
    req.method === 'POST'
      ? { status: 204, reason: 'No Content', headers: [] }
      : { headers: [['Cache-Control', 'max-age=60']], body: `v${version}` },
  );
  expect((await rawGet(rig.proxy.port, '/basic/item')).body.toString()).toBe('v1');
  expect((await rawGet(rig.proxy.port, '/basic/item')).headers.get('x-cache')).toBe('HIT');
  version = 2;
  const [post] = await rawExchange(
    rig.proxy.port,
    requestBytes(
      'POST',
      '/basic/item',
      [
        ['Host', 'test'],
        ['Content-Length', '2'],
      ],
      'hi',
    ),
  );
  expect(post!.status).toBe(204);
  const after = await rawGet(rig.proxy.port, '/basic/item');
  expect(after.body.toString()).toBe('v2');
  expect(after.headers.get('x-cache')).toBe('MISS');
});

test('If-None-Match from the client: 304 from the cache without contacting the backend (4.3.2)', async () => {
  cacheable('/basic/etag', [['ETag', '"e1"']]);
  await rawGet(rig.proxy.port, '/basic/etag');
  const res = await rawGet(rig.proxy.port, '/basic/etag', [
    ['Host', 'test'],
    ['If-None-Match', '"e1"'],
  ]);
  expect(res.status).toBe(304);
  expect(res.body.length).toBe(0);
  expect(res.headers.get('etag')).toBe('"e1"');
  expect(rig.origin.count('/basic/etag')).toBe(1);
});

test('expiry: the backend sees If-None-Match, answers 304, the client gets 200 with the body (4.3)', async () => {
  rig.origin.route('/basic/revalidate', (req) =>
    req.headers.get('if-none-match') === '"r1"'
      ? {
          status: 304,
          reason: 'Not Modified',
          headers: [
            ['ETag', '"r1"'],
            ['Cache-Control', 'max-age=1'],
          ],
        }
      : {
          headers: [
            ['Cache-Control', 'max-age=1'],
            ['ETag', '"r1"'],
          ],
          body: 'the full body',
        },
  );
  await rawGet(rig.proxy.port, '/basic/revalidate');
  await sleep(1100);
  const res = await rawGet(rig.proxy.port, '/basic/revalidate');
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('the full body');
  expect(res.headers.get('x-cache')).toBe('REVALIDATED');
  const seen = rig.origin.requests('/basic/revalidate');
  expect(seen).toHaveLength(2);
  expect(seen[1]!.get('if-none-match')).toBe('"r1"');
});

test('HEAD is answered from a stored GET', async () => {
  cacheable('/basic/head');
  await rawGet(rig.proxy.port, '/basic/head');
  const [res] = await rawExchange(rig.proxy.port, requestBytes('HEAD', '/basic/head'), ['HEAD']);
  expect(res!.status).toBe(200);
  expect(res!.headers.get('x-cache')).toBe('HIT');
  expect(res!.headers.get('content-length')).toBe(String('body of /basic/head'.length));
  expect(rig.origin.count('/basic/head')).toBe(1);
});

test('a large body is served from the cache byte for byte', async () => {
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 256;
  rig.origin.route('/basic/big', () => ({
    headers: [['Cache-Control', 'max-age=60']],
    body: big,
    chunked: true,
  }));
  const a = await rawGet(rig.proxy.port, '/basic/big');
  const b = await rawGet(rig.proxy.port, '/basic/big');
  expect(a.body.equals(big)).toBe(true);
  expect(b.body.equals(big)).toBe(true);
  expect(b.headers.get('x-cache')).toBe('HIT');
  expect(rig.origin.count('/basic/big')).toBe(1);
});

test('only-if-cached: 504 on a miss without contacting the backend (RFC 9111 5.2.1.7)', async () => {
  cacheable('/basic/only-if-cached');
  const res = await rawGet(rig.proxy.port, '/basic/only-if-cached', [
    ['Host', 'test'],
    ['Cache-Control', 'only-if-cached'],
  ]);
  expect(res.status).toBe(504);
  expect(rig.origin.count('/basic/only-if-cached')).toBe(0);
  await rawGet(rig.proxy.port, '/basic/only-if-cached');
  const hit = await rawGet(rig.proxy.port, '/basic/only-if-cached', [
    ['Host', 'test'],
    ['Cache-Control', 'only-if-cached'],
  ]);
  expect(hit.status).toBe(200);
  expect(hit.headers.get('x-cache')).toBe('HIT');
});

test('client no-cache forces a revalidation (RFC 9111 5.2.1.4, honoured by default)', async () => {
  rig.origin.route('/basic/reload', (req) =>
    req.headers.has('if-none-match')
      ? {
          status: 304,
          reason: 'Not Modified',
          headers: [
            ['ETag', '"x"'],
            ['Cache-Control', 'max-age=60'],
          ],
        }
      : {
          headers: [
            ['Cache-Control', 'max-age=60'],
            ['ETag', '"x"'],
          ],
          body: 'reload me',
        },
  );
  await rawGet(rig.proxy.port, '/basic/reload');
  const res = await rawGet(rig.proxy.port, '/basic/reload', [
    ['Host', 'test'],
    ['Cache-Control', 'no-cache'],
  ]);
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('reload me');
  expect(res.headers.get('x-cache')).toBe('REVALIDATED');
  expect(rig.origin.count('/basic/reload')).toBe(2);
});
