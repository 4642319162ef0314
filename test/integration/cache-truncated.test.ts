/**
 * A response that ends early is never stored (RFC 9111 3.3): the next request goes upstream.
 */
import { cachingProxyRig } from '../cache/caching-proxy';
import { IncompleteMessageError, rawGet } from '../support/raw-http';

const rig = cachingProxyRig();

test.each([
  ['Content-Length', false],
  ['chunked', true],
])('a truncated %s response is not stored', async (name, chunked) => {
  const target = `/truncated/${name}`;
  const body = Buffer.alloc(100_000, 0x61);
  rig.origin.route(target, (_req, n) =>
    n === 1
      ? { headers: [['Cache-Control', 'max-age=60']], body, chunked, truncate: true }
      : { headers: [['Cache-Control', 'max-age=60']], body: 'complete' },
  );
  // The client sees an incomplete message (the proxy never makes it look complete).
  await expect(rawGet(rig.proxy.port, target)).rejects.toBeInstanceOf(IncompleteMessageError);
  const second = await rawGet(rig.proxy.port, target);
  expect(second.status).toBe(200);
  expect(second.body.toString()).toBe('complete');
  expect(second.headers.get('x-cache')).toBe('MISS');
  expect(rig.origin.count(target)).toBe(2);
});
