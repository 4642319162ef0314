/**
 * A response that ends early is never stored (RFC 9111 3.3): the next request goes upstream.
 */
import { startCountingOrigin, type CountingOrigin } from '../cache/counting-origin';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { IncompleteMessageError, rawGet } from '../support/raw-http';

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

test.each([
  ['Content-Length', false],
  ['chunked', true],
])('a truncated %s response is not stored', async (name, chunked) => {
  const target = `/truncated/${name}`;
  const body = Buffer.alloc(100_000, 0x61);
  origin.route(target, (_req, n) =>
    n === 1
      ? { headers: [['Cache-Control', 'max-age=60']], body, chunked, truncate: true }
      : { headers: [['Cache-Control', 'max-age=60']], body: 'complete' },
  );
  // The client sees an incomplete message (the proxy never makes it look complete).
  await expect(rawGet(proxy.port, target)).rejects.toBeInstanceOf(IncompleteMessageError);
  const second = await rawGet(proxy.port, target);
  expect(second.status).toBe(200);
  expect(second.body.toString()).toBe('complete');
  expect(second.headers.get('x-cache')).toBe('MISS');
  expect(origin.count(target)).toBe(2);
});
