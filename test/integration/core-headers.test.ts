/**
 * Request and response modification (issue 2 section 6): X-Forwarded-For appended, Via added,
 * X-Request-Id kept or generated and echoed, hop-by-hop fields stripped both ways (RFC 9110
 * 7.6.1), Upgrade stripped except websocket (501), absolute-form rewritten to origin-form with
 * the authority as Host (RFC 9112 3.2.2), field case/order/repetition preserved, Date added,
 * Via loops refused (508), credentials never logged.
 */
import { echoHeader, parseEcho, startEchoBackend, type EchoReport } from '../support/echo-backend';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  rawExchange,
  rawGet,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawResponse,
  type RawServer,
} from '../support/raw-http';

let echo: RawServer;
let proxy: ProxyProcess;
let hoppy: RawServer;
let hoppyProxy: ProxyProcess;
/** Configured by a YAML file: trusted loopback peers, own Via name, path prefix strip, Host rewrite. */
let tunedProxy: ProxyProcess;

const TUNED_CONFIG = `headers:
  trustedProxies: ["127.0.0.0/8"]
  viaName: edge-a
  stripPathPrefix: /api
  hostRewrite: internal.svc:8080
`;

beforeAll(async () => {
  echo = await startEchoBackend('echo');
  // A backend whose response carries hop-by-hop fields and repeated Set-Cookie, and no Date.
  hoppy = await startRawServer(async (conn) => {
    for (;;) {
      await conn.readRequest();
      await conn.write(
        responseBytes(
          200,
          [
            ['Connection', 'X-Backend-Hop'],
            ['X-Backend-Hop', 'secret'],
            ['Keep-Alive', 'timeout=5'],
            ['Upgrade', 'h2c'],
            ['Proxy-Connection', 'keep-alive'],
            ['Set-Cookie', 'a=1; Path=/'],
            ['X-Case-Kept', 'Yes'],
            ['Set-Cookie', 'b=2, c=3; Path=/'],
          ],
          'hop',
        ),
      );
    }
  });
  [proxy, hoppyProxy, tunedProxy] = await Promise.all([
    startProxy({ backends: [echo.address] }),
    startProxy({ backends: [hoppy.address] }),
    startProxy({ backends: [echo.address], configYaml: TUNED_CONFIG }),
  ]);
});

afterAll(async () => {
  await Promise.all([proxy?.stop(), hoppyProxy?.stop(), tunedProxy?.stop()]);
  await Promise.all([echo?.stop(), hoppy?.stop()]);
});

async function echoed(
  headers: Array<[string, string]>,
  target = '/h',
  method = 'GET',
  via: ProxyProcess = proxy,
): Promise<{ res: RawResponse; report: EchoReport }> {
  const [res] = await rawExchange(via.port, requestBytes(method, target, headers));
  expect(res!.status).toBe(200);
  return { res: res!, report: parseEcho(res!.body) };
}

test('X-Forwarded-For is set from the peer, and appended to when present', async () => {
  const a = await echoed([['Host', 'test']]);
  expect(echoHeader(a.report, 'x-forwarded-for')).toEqual(['127.0.0.1']);
  const b = await echoed([
    ['Host', 'test'],
    ['X-Forwarded-For', '203.0.113.7'],
  ]);
  expect(echoHeader(b.report, 'x-forwarded-for')).toEqual(['203.0.113.7, 127.0.0.1']);
});

test('Via is added toward the backend and on the response', async () => {
  const { res, report } = await echoed([['Host', 'test']]);
  expect(echoHeader(report, 'via').join(',')).toMatch(/1\.1 rrproxy/);
  expect(res.headers.getAll('via').join(',')).toMatch(/rrproxy/);
});

test("Via is appended to: the client's entries come first, ours last", async () => {
  const { report } = await echoed([
    ['Host', 'test'],
    ['Via', '1.0 corp-proxy, 1.1 cdn'],
  ]);
  const via = echoHeader(report, 'via').join(', ');
  expect(via).toMatch(/^1\.0 corp-proxy, 1\.1 cdn, 1\.1 rrproxy/);
});

test('a request already carrying our Via name is a loop -> 508', async () => {
  const res = await rawGet(proxy.port, '/loop', [
    ['Host', 'test'],
    ['Via', '1.1 rrproxy'],
  ]);
  expect(res.status).toBe(508);
});

test('X-Request-Id: a valid one is kept and echoed; otherwise one is generated and echoed', async () => {
  const a = await echoed([
    ['Host', 'test'],
    ['X-Request-Id', 'abc-123_DEF'],
  ]);
  expect(echoHeader(a.report, 'x-request-id')).toEqual(['abc-123_DEF']);
  expect(a.res.headers.get('x-request-id')).toBe('abc-123_DEF');

  const b = await echoed([['Host', 'test']]);
  const generated = echoHeader(b.report, 'x-request-id');
  expect(generated).toHaveLength(1);
  expect(generated[0]!.length).toBeGreaterThan(0);
  expect(b.res.headers.get('x-request-id')).toBe(generated[0]);

  const c = await echoed([
    ['Host', 'test'],
    ['X-Request-Id', 'bad id with spaces <script>'],
  ]);
  const replaced = echoHeader(c.report, 'x-request-id');
  expect(replaced).toHaveLength(1);
  expect(replaced[0]).not.toContain(' ');
  expect(c.res.headers.get('x-request-id')).toBe(replaced[0]);
});

test('hop-by-hop request fields never reach the backend; end-to-end ones keep case and order', async () => {
  const { report } = await echoed([
    ['Host', 'test'],
    ['Connection', 'keep-alive, X-Secret-Hop'],
    ['X-Secret-Hop', '1'],
    ['Keep-Alive', 'timeout=5'],
    ['TE', 'trailers'],
    ['Upgrade', 'h2c'],
    ['Proxy-Connection', 'keep-alive'],
    ['X-Multi', 'one'],
    ['x-MULTI', 'two'],
    ['Accept', 'text/plain'],
  ]);
  const names = report.headers.map(([n]) => n.toLowerCase());
  for (const hop of ['x-secret-hop', 'keep-alive', 'te', 'upgrade', 'proxy-connection']) {
    expect(names).not.toContain(hop);
  }
  // Our own Connection field, if any, names nothing of the client's.
  for (const v of echoHeader(report, 'connection'))
    expect(v.toLowerCase()).not.toContain('x-secret-hop');
  const kept = report.headers.filter(([n]) => ['x-multi', 'accept'].includes(n.toLowerCase()));
  expect(kept).toEqual([
    ['X-Multi', 'one'],
    ['x-MULTI', 'two'],
    ['Accept', 'text/plain'],
  ]);
});

test('Upgrade other than websocket is stripped and the request proxied normally', async () => {
  const { report } = await echoed([
    ['Host', 'test'],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'h2c'],
  ]);
  expect(echoHeader(report, 'upgrade')).toEqual([]);
});

test('Upgrade: websocket -> 501, and the backend never sees it', async () => {
  const before = echo.receivedText().length;
  const res = await rawGet(proxy.port, '/ws-attempt', [
    ['Host', 'test'],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Version', '13'],
  ]);
  expect(res.status).toBe(501);
  expect(echo.receivedText().slice(before)).not.toContain('/ws-attempt');
});

test('absolute-form target becomes origin-form, Host taken from the authority', async () => {
  const { report } = await echoed(
    [['Host', 'ignored.example']],
    'http://app.example:8080/path/x?q=1&r=%20',
  );
  expect(report.target).toBe('/path/x?q=1&r=%20');
  expect(echoHeader(report, 'host')).toEqual(['app.example:8080']);
});

test('OPTIONS * is forwarded as is', async () => {
  const { report } = await echoed([['Host', 'test']], '*', 'OPTIONS');
  expect(report.method).toBe('OPTIONS');
  expect(report.target).toBe('*');
});

test('authority-form / CONNECT -> 501', async () => {
  const [res] = await rawExchange(
    proxy.port,
    requestBytes('CONNECT', 'app.example:443', [['Host', 'app.example:443']]),
  );
  expect(res!.status).toBe(501);
});

test('response: hop-by-hop fields stripped, Set-Cookie kept separate, case kept, Date added', async () => {
  const res = await rawGet(hoppyProxy.port, '/r');
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('hop');
  for (const hop of ['x-backend-hop', 'keep-alive', 'upgrade', 'proxy-connection']) {
    expect(res.headers.has(hop)).toBe(false);
  }
  for (const v of res.headers.getAll('connection'))
    expect(v.toLowerCase()).not.toContain('x-backend-hop');
  expect(res.headers.getAll('set-cookie')).toEqual(['a=1; Path=/', 'b=2, c=3; Path=/']);
  expect(res.headText).toContain('\r\nX-Case-Kept: Yes\r\n');
  expect(res.headers.count('date')).toBe(1);
  expect(Number.isNaN(Date.parse(res.headers.get('date')!))).toBe(false);
});

test('Authorization and Cookie values are never logged', async () => {
  await echoed([
    ['Host', 'test'],
    ['Authorization', 'Bearer secret-token-xyz'],
    ['Cookie', 'session=secret-cookie-abc'],
    ['X-Request-Id', 'no-secrets-1'],
  ]);
  await proxy.waitForAccessLog((l) => l['reqId'] === 'no-secrets-1');
  expect(proxy.stdout()).not.toContain('secret-token-xyz');
  expect(proxy.stdout()).not.toContain('secret-cookie-abc');
  expect(proxy.stderr()).not.toContain('secret-token-xyz');
});

describe('trusted proxies (headers.trustedProxies)', () => {
  const forwarded: Array<[string, string]> = [
    ['Host', 'test'],
    ['X-Forwarded-For', '198.51.100.9'],
    ['X-Forwarded-Proto', 'https'],
    ['X-Forwarded-Host', 'public.example'],
  ];

  test('from an untrusted peer, X-Forwarded-Proto/Host are set from the connection', async () => {
    const { report } = await echoed([...forwarded, ['X-Request-Id', 'untrusted-1']]);
    expect(echoHeader(report, 'x-forwarded-proto')).toEqual(['http']);
    expect(echoHeader(report, 'x-forwarded-host')).toEqual(['test']);
    expect(echoHeader(report, 'x-forwarded-for')).toEqual(['198.51.100.9, 127.0.0.1']);
    const line = await proxy.waitForAccessLog((l) => l['reqId'] === 'untrusted-1');
    expect(line['client']).toBe('127.0.0.1');
  });

  test('from a trusted peer, they are kept and the client address is the rightmost untrusted', async () => {
    const { report } = await echoed(
      [...forwarded, ['X-Request-Id', 'trusted-1']],
      '/api/t',
      'GET',
      tunedProxy,
    );
    expect(echoHeader(report, 'x-forwarded-proto')).toEqual(['https']);
    expect(echoHeader(report, 'x-forwarded-host')).toEqual(['public.example']);
    expect(echoHeader(report, 'x-forwarded-for')).toEqual(['198.51.100.9, 127.0.0.1']);
    const line = await tunedProxy.waitForAccessLog((l) => l['reqId'] === 'trusted-1');
    expect(line['client']).toBe('198.51.100.9');
  });
});

describe('configured rewrites (YAML config file)', () => {
  test.each([
    ['/api/x/y?q=1', '/x/y?q=1'],
    ['/api', '/'],
    ['/api?q=1', '/?q=1'],
    ['/apiary/x', '/apiary/x'],
    ['/other/api/x', '/other/api/x'],
  ])('strip prefix /api: %s -> %s', async (from, to) => {
    const { report } = await echoed([['Host', 'test']], from, 'GET', tunedProxy);
    expect(report.target).toBe(to);
  });

  test('Host is rewritten; the client Host goes to X-Forwarded-Host; our Via name is used', async () => {
    const { res, report } = await echoed([['Host', 'shop.example']], '/api/h', 'GET', tunedProxy);
    expect(echoHeader(report, 'host')).toEqual(['internal.svc:8080']);
    expect(echoHeader(report, 'x-forwarded-host')).toEqual(['shop.example']);
    expect(echoHeader(report, 'via').join(',')).toMatch(/1\.1 edge-a/);
    expect(res.headers.getAll('via').join(',')).toMatch(/edge-a/);
  });

  test('a request carrying the configured Via name is a loop -> 508', async () => {
    const res = await rawGet(tunedProxy.port, '/api/loop', [
      ['Host', 'test'],
      ['Via', '1.0 other, 1.1 edge-a'],
    ]);
    expect(res.status).toBe(508);
  });
});
