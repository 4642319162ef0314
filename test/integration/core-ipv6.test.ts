/**
 * IPv6 on both sides (issue 2 section 2: `[::]` accepted): a client on ::1 reaches a backend on
 * ::1 through a proxy listening on [::1]; X-Forwarded-For carries the IPv6 peer as is.
 */
import { echoHeader, parseEcho, startEchoBackend } from '../support/echo-backend';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { RawClient, requestBytes, type RawServer } from '../support/raw-http';

let echo: RawServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  echo = await startEchoBackend('echo6', '::1');
  proxy = await startProxy({ backends: [echo.address], listenHost: '::1' });
});

afterAll(async () => {
  await proxy?.stop();
  await echo?.stop();
});

test('client ::1 -> proxy [::1] -> backend [::1]', async () => {
  const c = await RawClient.connect(proxy.port, '::1');
  try {
    await c.write(requestBytes('GET', '/six', [['Host', '[::1]']]));
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    const report = parseEcho(res.body);
    expect(report.backend).toBe('echo6');
    expect(echoHeader(report, 'x-forwarded-for')).toEqual(['::1']);
    expect(echoHeader(report, 'host')).toEqual(['[::1]']);
  } finally {
    c.destroy();
  }
  const line = await proxy.waitForAccessLog((l) => l['path'] === '/six');
  expect(line['client']).toBe('::1');
});
