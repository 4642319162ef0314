/**
 * Stale-if-error through the real proxy (RFC 5861 4, RFC 9111 4.2.4): with every backend down,
 * a stale response is served within its stale-if-error window, and a must-revalidate one is
 * answered 504 (RFC 9111 5.2.2.2).
 */
import { cachingProxyRig } from '../cache/caching-proxy';
import { rawGet } from '../support/raw-http';

const rig = cachingProxyRig();

test('backends all down: stale served when stale-if-error allows, 504 for must-revalidate', async () => {
  rig.origin.route('/sie', () => ({
    headers: [['Cache-Control', 'max-age=1, stale-if-error=600']],
    body: 'still here',
  }));
  rig.origin.route('/mr', () => ({
    headers: [['Cache-Control', 'max-age=1, must-revalidate, stale-if-error=600']],
    body: 'strict',
  }));
  expect((await rawGet(rig.proxy.port, '/sie')).status).toBe(200);
  expect((await rawGet(rig.proxy.port, '/mr')).status).toBe(200);
  rig.origin.route('/fresh', () => ({
    headers: [['Cache-Control', 'max-age=600']],
    body: 'fresh',
  }));
  expect((await rawGet(rig.proxy.port, '/fresh')).status).toBe(200);

  await rig.origin.stop(); // every backend is down now: connections are refused
  await new Promise((r) => setTimeout(r, 1100)); // both entries are stale

  const stale = await rawGet(rig.proxy.port, '/sie');
  expect(stale.status).toBe(200);
  expect(stale.body.toString()).toBe('still here');
  expect(stale.headers.get('x-cache')).toBe('STALE');
  expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(1);

  const strict = await rawGet(rig.proxy.port, '/mr');
  expect(strict.status).toBe(504);

  // A fresh entry needs no backend at all.
  const fresh = await rawGet(rig.proxy.port, '/fresh');
  expect(fresh.status).toBe(200);
  expect(fresh.headers.get('x-cache')).toBe('HIT');
  expect(fresh.body.toString()).toBe('fresh');

  // Nothing stored: the usual 502 for a refused connection.
  expect((await rawGet(rig.proxy.port, '/never-seen')).status).toBe(502);
});
