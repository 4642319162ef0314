/**
 * Pipelining (RFC 9112 9.3.2): several requests in one write are answered in order, each
 * response complete, HEAD in the middle included, and a final `Connection: close` is honoured.
 */
import { nginxProxyRig } from '../support/nginx-proxy';
import { RawClient, requestBytes } from '../support/raw-http';

const rig = nginxProxyRig();

const file = (name: string) => rig.ngx.files.find((f) => f.name === name)!;
const get = (target: string, extra: Array<[string, string]> = []) =>
  requestBytes('GET', target, [['Host', 'test'], ...extra]);

test('three requests in one write get three responses, in order', async () => {
  const names = ['1k.bin', '1b.bin', '1m.bin'];
  const c = await RawClient.connect(rig.proxy.port);
  try {
    await c.write(Buffer.concat(names.map((n) => get(`/files/${n}`))));
    const responses = await c.readResponses(['GET', 'GET', 'GET']);
    responses.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.bodySha256).toBe(file(names[i]!).sha256);
    });
    expect(c.closed).toBe(false);
  } finally {
    c.destroy();
  }
});

test('HEAD in the middle of a pipeline does not desynchronise the responses', async () => {
  const c = await RawClient.connect(rig.proxy.port);
  try {
    await c.write(
      Buffer.concat([
        get('/files/1b.bin'),
        requestBytes('HEAD', '/files/1m.bin', [['Host', 'test']]),
        get('/files/1k.bin'),
      ]),
    );
    const [a, b, d] = await c.readResponses(['GET', 'HEAD', 'GET']);
    expect(a!.bodySha256).toBe(file('1b.bin').sha256);
    expect(b!.status).toBe(200);
    expect(b!.body.length).toBe(0);
    expect(b!.headers.get('content-length')).toBe(String(1024 * 1024));
    expect(d!.bodySha256).toBe(file('1k.bin').sha256);
  } finally {
    c.destroy();
  }
});

test('a pipeline of large responses arrives in order and complete', async () => {
  const names = ['10m.bin', '1m.bin', '10m.bin', '1k.bin', '0b.bin'];
  const c = await RawClient.connect(rig.proxy.port);
  try {
    await c.write(Buffer.concat(names.map((n) => get(`/files/${n}`))));
    const responses = await c.readResponses(
      names.map(() => 'GET'),
      { timeoutMs: 20_000 },
    );
    responses.forEach((res, i) => expect(res.bodySha256).toBe(file(names[i]!).sha256));
  } finally {
    c.destroy();
  }
});

test('Connection: close on the last pipelined request closes after its response', async () => {
  const c = await RawClient.connect(rig.proxy.port);
  try {
    await c.write(
      Buffer.concat([get('/files/1b.bin'), get('/files/1k.bin', [['Connection', 'close']])]),
    );
    const [, last] = await c.readResponses(['GET', 'GET']);
    expect(last!.bodySha256).toBe(file('1k.bin').sha256);
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
});
