/**
 * Stale-if-error through the real proxy (RFC 5861 4, RFC 9111 4.2.4): with every backend down,
 * a stale response is served within its stale-if-error window, and a must-revalidate one is
 * answered 504 (RFC 9111 5.2.2.2).
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

test('backends all down: stale served when stale-if-error allows, 504 for must-revalidate', async () => {
  origin.route('/sie', () => ({
    headers: [['Cache-Control', 'max-age=1, stale-if-error=600']],
    body: 'still here',
  }));
  origin.route('/mr', () => ({
    headers: [['Cache-Control', 'max-age=1, must-revalidate, stale-if-error=600']],
    body: 'strict',
  }));
  expect((await rawGet(proxy.port, '/sie')).status).toBe(200);
  expect((await rawGet(proxy.port, '/mr')).status).toBe(200);
  origin.route('/fresh', () => ({ headers: [['Cache-Control', 'max-age=600']], body: 'fresh' }));
  expect((await rawGet(proxy.port, '/fresh')).status).toBe(200);

  await origin.stop(); // every backend is down now: connections are refused
  await new Promise((r) => setTimeout(r, 1100)); // both entries are stale

  const stale = await rawGet(proxy.port, '/sie');
  expect(stale.status).toBe(200);
  expect(stale.body.toString()).toBe('still here');
  expect(stale.headers.get('x-cache')).toBe('STALE');
  expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(1);

  const strict = await rawGet(proxy.port, '/mr');
  expect(strict.status).toBe(504);

  // A fresh entry needs no backend at all.
  const fresh = await rawGet(proxy.port, '/fresh');
  expect(fresh.status).toBe(200);
  expect(fresh.headers.get('x-cache')).toBe('HIT');
  expect(fresh.body.toString()).toBe('fresh');

  // Nothing stored: the usual 502 for a refused connection.
  expect((await rawGet(proxy.port, '/never-seen')).status).toBe(502);
});
