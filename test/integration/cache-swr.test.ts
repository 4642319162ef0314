/**
 * Stale-while-revalidate through the real proxy (RFC 5861 3): a stale response inside the window
 * is served at once as STALE while one background revalidation refreshes the entry.
 */
import { cachingProxyRig } from '../cache/caching-proxy';
import { pollUntil } from '../support/cleanup';
import { rawGet } from '../support/raw-http';

const rig = cachingProxyRig();

test('stale within stale-while-revalidate: served at once, refreshed in the background', async () => {
  rig.origin.route('/swr', (_req, n) => ({
    headers: [
      ['Cache-Control', 'max-age=1, stale-while-revalidate=600'],
      ['ETag', `"v${n}"`],
    ],
    // The background fetch is slow: the stale answer must not wait for it.
    delayMs: n === 1 ? 0 : 300,
    body: `version ${n}`,
  }));
  expect((await rawGet(rig.proxy.port, '/swr')).body.toString()).toBe('version 1');
  await new Promise((r) => setTimeout(r, 1100));

  const stale = await rawGet(rig.proxy.port, '/swr');
  expect(stale.headers.get('x-cache')).toBe('STALE');
  expect(stale.body.toString()).toBe('version 1');
  const again = await rawGet(rig.proxy.port, '/swr');
  expect(again.body.toString()).toBe('version 1');

  // Exactly one background revalidation, carrying the stored validator.
  await pollUntil('the background revalidation', () => rig.origin.count('/swr') === 2, 5_000);
  expect(rig.origin.requests('/swr')[1]!.get('if-none-match')).toBe('"v1"');
  await pollUntil(
    'the refreshed entry',
    async () => (await rawGet(rig.proxy.port, '/swr')).body.toString() === 'version 2',
    5_000,
  );
  expect(rig.origin.count('/swr')).toBe(2);
});
