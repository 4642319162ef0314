/**
 * The memory bound through the real proxy: 10 MiB of distinct objects pushed through a 1 MiB
 * cache keep its byte total (bodies + headers, reported by the admin /cache/stats) under the cap
 * at every step, with LRU eviction: the newest objects stay, the oldest go.
 */
import http from 'node:http';
import { cachingProxyRig } from '../cache/caching-proxy';
import { RawClient, rawExchange, requestBytes } from '../support/raw-http';

const rig = cachingProxyRig({
  env: { RRPROXY_CACHE_MAX_BYTES: '1MiB', RRPROXY_CACHE_MAX_OBJECT_BYTES: '256KiB' },
});
const MiB = 1024 * 1024;
const OBJECT = 100 * 1024;
const COUNT = 100; // 100 x 100 KiB = ~10 MiB

function stats(port: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/cache/stats', agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET /cache/stats answered ${res.statusCode}: ${text}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as Record<string, number>);
          } catch (err) {
            reject(
              new Error(`GET /cache/stats answered ${res.statusCode}: ${text} (${String(err)})`),
            );
          }
        });
      })
      .on('error', reject);
  });
}

test('LRU eviction keeps the byte total under the cap with 10 MiB through a 1 MiB cache', async () => {
  for (let i = 0; i < COUNT; i++) {
    rig.origin.route(`/obj/${i}`, () => ({
      headers: [['Cache-Control', 'max-age=600']],
      body: Buffer.alloc(OBJECT, i % 256),
    }));
  }
  const client = await RawClient.connect(rig.proxy.port);
  try {
    for (let i = 0; i < COUNT; i++) {
      await client.write(requestBytes('GET', `/obj/${i}`));
      const res = await client.readResponse();
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(OBJECT);
      if (i % 10 === 9) {
        const s = await stats(rig.proxy.adminPort);
        expect(s['bytes']).toBeLessThanOrEqual(MiB);
      }
    }
    const s = await stats(rig.proxy.adminPort);
    expect(s['bytes']).toBeLessThanOrEqual(MiB);
    expect(s['bytes']).toBeGreaterThan(MiB / 2);
    expect(s['evictions']).toBeGreaterThanOrEqual(COUNT - 10);
    expect(s['entries']).toBeLessThanOrEqual(10);
    // The newest object is still a hit; the oldest was evicted.
    await client.write(requestBytes('GET', `/obj/${COUNT - 1}`));
    expect((await client.readResponse()).headers.get('x-cache')).toBe('HIT');
    await client.write(requestBytes('GET', '/obj/0'));
    expect((await client.readResponse()).headers.get('x-cache')).toBe('MISS');
    expect(rig.origin.count('/obj/0')).toBe(2);
    expect(rig.origin.count(`/obj/${COUNT - 1}`)).toBe(1);
  } finally {
    client.destroy();
  }
});

test.each([
  ['with Content-Length', false],
  ['chunked (collected until over the limit)', true],
])('a response over maxObjectBytes streams through uncached (%s)', async (_name, chunked) => {
  const target = `/too-big/${chunked ? 'chunked' : 'length'}`;
  const body = Buffer.alloc(300 * 1024, 0x62);
  rig.origin.route(target, () => ({ headers: [['Cache-Control', 'max-age=600']], body, chunked }));
  for (let i = 0; i < 2; i++) {
    const [res] = await rawExchange(rig.proxy.port, requestBytes('GET', target));
    expect(res!.status).toBe(200);
    expect(res!.body.equals(body)).toBe(true);
    expect(res!.headers.get('x-cache')).toBe('MISS');
  }
  expect(rig.origin.count(target)).toBe(2);
});
