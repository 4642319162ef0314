/**
 * The admin purge endpoint through the real proxy: bearer token from config, 401 without it,
 * never on the public port; a purged URL is fetched from the backend again.
 */
import http from 'node:http';
import { cachingProxyRig } from '../cache/caching-proxy';
import { rawExchange, rawGet, requestBytes } from '../support/raw-http';

const rig = cachingProxyRig({ env: { RRPROXY_CACHE_PURGE_TOKEN: 'purge-secret' } });

function admin(method: string, path: string, token: string | null, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const req = http.request(
      { host: '127.0.0.1', port: rig.proxy.adminPort, method, path, headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('POST /cache/purge with the token removes a URL; without it 401', async () => {
  rig.origin.route('/p/a', () => ({ headers: [['Cache-Control', 'max-age=600']], body: 'a' }));
  await rawGet(rig.proxy.port, '/p/a');
  expect((await rawGet(rig.proxy.port, '/p/a')).headers.get('x-cache')).toBe('HIT');

  expect(
    await admin('POST', '/cache/purge', null, JSON.stringify({ url: 'http://test/p/a' })),
  ).toBe(401);
  expect((await rawGet(rig.proxy.port, '/p/a')).headers.get('x-cache')).toBe('HIT');

  expect(
    await admin('POST', '/cache/purge', 'purge-secret', JSON.stringify({ url: 'http://test/p/a' })),
  ).toBe(200);
  expect((await rawGet(rig.proxy.port, '/p/a')).headers.get('x-cache')).toBe('MISS');
  expect(rig.origin.count('/p/a')).toBe(2);
});

test('PURGE /path and {all:true}', async () => {
  rig.origin.route('/p/b', () => ({ headers: [['Cache-Control', 'max-age=600']], body: 'b' }));
  rig.origin.route('/p/c', () => ({ headers: [['Cache-Control', 'max-age=600']], body: 'c' }));
  await rawGet(rig.proxy.port, '/p/b');
  await rawGet(rig.proxy.port, '/p/c');
  expect(await admin('PURGE', '/p/b', 'purge-secret')).toBe(200);
  expect((await rawGet(rig.proxy.port, '/p/b')).headers.get('x-cache')).toBe('MISS');
  expect((await rawGet(rig.proxy.port, '/p/c')).headers.get('x-cache')).toBe('HIT');
  expect(await admin('POST', '/cache/purge', 'purge-secret', '{"all":true}')).toBe(200);
  expect((await rawGet(rig.proxy.port, '/p/c')).headers.get('x-cache')).toBe('MISS');
});

test('the public port has no purge endpoint: the request is just proxied', async () => {
  const [res] = await rawExchange(
    rig.proxy.port,
    requestBytes(
      'POST',
      '/cache/purge',
      [
        ['Host', 'test'],
        ['Authorization', 'Bearer purge-secret'],
        ['Content-Length', '12'],
      ],
      '{"all":true}',
    ),
  );
  expect(res!.status).toBe(404); // the counting origin's answer for an unscripted path
  expect(rig.origin.count('/cache/purge')).toBe(1);
});
