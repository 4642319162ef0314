/**
 * The harness itself, against nginx directly (no proxy): proves the backends behave as the core
 * tests assume (chunked responses, WebDAV PUT, early 413, access log with connection ids), so a
 * failing core test points at the proxy, not at the test backend.
 */
import { startNginx, type NginxBackends } from '../support/nginx';
import { RawClient, chunkedBody, rawExchange, requestBytes } from '../support/raw-http';

let ngx: NginxBackends;

beforeAll(async () => {
  ngx = await startNginx();
});

afterAll(async () => {
  await ngx?.stop();
});

test('three backends on distinct ports, each naming itself', async () => {
  expect(new Set(ngx.ports).size).toBe(3);
  for (let i = 0; i < 3; i++) {
    const [res] = await rawExchange(ngx.ports[i]!, requestBytes('GET', '/', [['Host', 'x']]));
    expect(res!.status).toBe(200);
    expect(res!.headers.get('x-backend')).toBe(ngx.names[i]);
    expect(res!.body.toString()).toContain(`backend ${ngx.names[i]}`);
  }
});

test('sample files are served byte for byte', async () => {
  const c = await RawClient.connect(ngx.ports[0]!);
  try {
    for (const f of ngx.files) {
      await c.write(requestBytes('GET', `/files/${f.name}`, [['Host', 'x']]));
      const res = await c.readResponse();
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(f.size);
      expect(res.bodySha256).toBe(f.sha256);
    }
  } finally {
    c.destroy();
  }
});

test('the SSI location answers chunked to 1.1 and close-delimited to 1.0', async () => {
  const [r11] = await rawExchange(
    ngx.ports[0]!,
    requestBytes('GET', ngx.chunked.path, [['Host', 'x']]),
  );
  expect(r11!.framing).toBe('chunked');
  expect(r11!.bodySha256).toBe(ngx.chunked.sha256);
  const [r10] = await rawExchange(
    ngx.ports[0]!,
    requestBytes('GET', ngx.chunked.path, [['Host', 'x']], '', 'HTTP/1.0'),
  );
  expect(r10!.framing).toBe('close');
  expect(r10!.bodySha256).toBe(ngx.chunked.sha256);
});

test('WebDAV PUT stores a body (plain and chunked) readable from another backend', async () => {
  const f = ngx.files.find((x) => x.name === '1m.bin')!;
  const put = await rawExchange(
    ngx.ports[0]!,
    requestBytes(
      'PUT',
      '/dav/harness/a.bin',
      [
        ['Host', 'x'],
        ['Content-Length', String(f.size)],
      ],
      f.data,
    ),
  );
  expect(put[0]!.status).toBe(201);
  const putChunked = await rawExchange(
    ngx.ports[1]!,
    requestBytes(
      'PUT',
      '/dav/harness/b.bin',
      [
        ['Host', 'x'],
        ['Transfer-Encoding', 'chunked'],
      ],
      chunkedBody(f.data),
    ),
  );
  expect(putChunked[0]!.status).toBe(201);
  for (const name of ['a.bin', 'b.bin']) {
    const [get] = await rawExchange(
      ngx.ports[2]!,
      requestBytes('GET', `/dav/harness/${name}`, [['Host', 'x']]),
    );
    expect(get!.bodySha256).toBe(f.sha256);
  }
});

test('nginx answers 100 Continue, and 413 early on /small/ without a 100', async () => {
  const c = await RawClient.connect(ngx.ports[0]!);
  try {
    const body = Buffer.from('hello');
    await c.write(
      requestBytes('PUT', '/dav/harness/c.txt', [
        ['Host', 'x'],
        ['Content-Length', '5'],
        ['Expect', '100-continue'],
      ]),
    );
    const cont = await c.readMessage();
    expect(cont.status).toBe(100);
    await c.write(body);
    const res = await c.readResponse();
    expect(res.status).toBe(201);
  } finally {
    c.destroy();
  }
  const c2 = await RawClient.connect(ngx.ports[0]!);
  try {
    await c2.write(
      requestBytes('PUT', '/small/x.bin', [
        ['Host', 'x'],
        ['Content-Length', '100000'],
        ['Expect', '100-continue'],
      ]),
    );
    const res = await c2.readResponse();
    expect(res.interim).toHaveLength(0);
    expect(res.status).toBe(413);
  } finally {
    c2.destroy();
  }
});

test('the access log records the connection serial per request', async () => {
  const c = await RawClient.connect(ngx.ports[2]!);
  try {
    for (let i = 0; i < 3; i++) {
      await c.write(requestBytes('GET', `/files/1b.bin?n=${i}`, [['Host', 'x']]));
      await c.readResponse();
    }
  } finally {
    c.destroy();
  }
  const mine = ngx.accessLog().filter((e) => e.uri.startsWith('/files/1b.bin?n='));
  expect(mine).toHaveLength(3);
  expect(new Set(mine.map((e) => e.connection)).size).toBe(1);
  expect(mine.map((e) => e.connectionRequests)).toEqual([1, 2, 3]);
  expect(mine[0]!.port).toBe(ngx.ports[2]);
});
