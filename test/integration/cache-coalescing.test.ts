/**
 * Request coalescing through the real proxy: 100 concurrent cold GETs for one URL reach the
 * backend exactly once; the rest are answered from the stored response.
 */
import { startCountingOrigin, type CountingOrigin } from '../cache/counting-origin';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { rawGet } from '../support/raw-http';

let origin: CountingOrigin;
let proxy: ProxyProcess;

beforeAll(async () => {
  origin = await startCountingOrigin();
  proxy = await startProxy({ backends: [origin.address], extraArgs: ['--cache'] });
});

afterAll(async () => {
  await proxy?.stop();
  await origin?.stop();
});

test('100 concurrent cold GETs for one URL -> exactly one backend request', async () => {
  // The backend takes a while, so all 100 requests arrive while the first is upstream.
  origin.route('/hot', () => ({
    headers: [['Cache-Control', 'max-age=60']],
    body: 'hot body',
    delayMs: 500,
  }));
  const results = await Promise.all(Array.from({ length: 100 }, () => rawGet(proxy.port, '/hot')));
  expect(results.every((r) => r.status === 200 && r.body.toString() === 'hot body')).toBe(true);
  expect(origin.count('/hot')).toBe(1);
  expect(results.filter((r) => r.headers.get('x-cache') === 'MISS')).toHaveLength(1);
});

test('a non-cacheable answer releases the waiters: each goes upstream', async () => {
  origin.route('/uncacheable', () => ({
    headers: [['Cache-Control', 'no-store']],
    body: 'nope',
    delayMs: 300,
  }));
  const results = await Promise.all(
    Array.from({ length: 5 }, () => rawGet(proxy.port, '/uncacheable')),
  );
  expect(results.every((r) => r.status === 200 && r.body.toString() === 'nope')).toBe(true);
  expect(origin.count('/uncacheable')).toBe(5);
});
