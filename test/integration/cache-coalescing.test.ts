/**
 * Request coalescing through the real proxy: 100 concurrent cold GETs for one URL reach the
 * backend exactly once; the rest are answered from the stored response.
 */
import { cachingProxyRig } from '../cache/caching-proxy';
import { rawGet } from '../support/raw-http';

const rig = cachingProxyRig();

test('100 concurrent cold GETs for one URL -> exactly one backend request', async () => {
  // The backend takes a while, so all 100 requests arrive while the first is upstream.
  rig.origin.route('/hot', () => ({
    headers: [['Cache-Control', 'max-age=60']],
    body: 'hot body',
    delayMs: 500,
  }));
  const results = await Promise.all(
    Array.from({ length: 100 }, () => rawGet(rig.proxy.port, '/hot')),
  );
  expect(results.every((r) => r.status === 200 && r.body.toString() === 'hot body')).toBe(true);
  expect(rig.origin.count('/hot')).toBe(1);
  expect(results.filter((r) => r.headers.get('x-cache') === 'MISS')).toHaveLength(1);
});

test('a non-cacheable answer releases the waiters: each goes upstream', async () => {
  rig.origin.route('/uncacheable', () => ({
    headers: [['Cache-Control', 'no-store']],
    body: 'nope',
    delayMs: 300,
  }));
  const results = await Promise.all(
    Array.from({ length: 5 }, () => rawGet(rig.proxy.port, '/uncacheable')),
  );
  expect(results.every((r) => r.status === 200 && r.body.toString() === 'nope')).toBe(true);
  expect(rig.origin.count('/uncacheable')).toBe(5);
});
