/**
 * Message framing edge cases through the real proxy (RFC 9112 6.3, 9.3; RFC 9110 6.4.1, 15.2):
 * bodiless responses that announce a length, HTTP/1.0 backends and clients, backend
 * `Connection: close`, several 1xx in a row, pipelined requests with bodies, and byte-exact
 * request targets and field values.
 */
import { randomBytes } from 'node:crypto';
import { pollUntil } from '../support/cleanup';
import { parseEcho, echoHeader } from '../support/echo-backend';
import { nginxAndEchoProxyRig } from '../support/nginx-proxy';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  RawClient,
  rawExchange,
  requestBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const rig = nginxAndEchoProxyRig();
let odd: RawServer;
let oddProxy: ProxyProcess;

const HTTP10_BODY = randomBytes(100_000);
let openBodyGate: () => void = () => undefined;
const bodyGate = new Promise<void>((resolve) => (openBodyGate = resolve));

beforeAll(async () => {
  // Answers by path with responses whose framing is unusual but valid.
  odd = await startRawServer(async (conn) => {
    for (;;) {
      const req = await conn.readRequest();
      switch (req.target) {
        case '/304':
          // Content-Length on a 304 describes the selected representation: no body follows.
          await conn.write(
            'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 1000\r\n\r\n',
          );
          break;
        case '/204':
          await conn.write('HTTP/1.1 204 No Content\r\nX-Empty: yes\r\n\r\n');
          break;
        case '/http10':
          // An HTTP/1.0 backend: no length, the body ends with the connection.
          await conn.write('HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
          await conn.write(HTTP10_BODY);
          conn.socket.end();
          return;
        case '/close':
          await conn.write(
            'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nclose',
          );
          conn.socket.end();
          return;
        case '/many-1xx':
          await conn.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n');
          await conn.write('HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\n');
          await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone');
          break;
        case '/obs-text':
          await conn.write(
            'HTTP/1.1 200 OK\r\nX-Latin: caf\xe9 \xff\r\nContent-Length: 2\r\n\r\nok',
          );
          break;
        case '/head-first':
          // The head now, the (small) body only once the test has seen the head.
          await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n');
          await bodyGate;
          await conn.write('later');
          break;
        default:
          await conn.write('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ndefault');
      }
    }
  });
  oddProxy = await startProxy({ backends: [odd.address] });
});

afterAll(async () => {
  await oddProxy?.stop();
  await odd?.stop();
});

const get = (target: string, version = 'HTTP/1.1', extra: Array<[string, string]> = []): Buffer =>
  requestBytes('GET', target, [['Host', 'test'], ...extra], '', version);

test('304 and 204 carry no body even when a length is announced; the connection stays in sync', async () => {
  const [a, b, c] = await rawExchange(
    oddProxy.port,
    Buffer.concat([get('/304'), get('/204'), get('/next')]),
    ['GET', 'GET', 'GET'],
  );
  expect(a!.status).toBe(304);
  expect(a!.body.length).toBe(0);
  expect(b!.status).toBe(204);
  expect(b!.headers.has('transfer-encoding')).toBe(false);
  expect(c!.body.toString()).toBe('default');
});

test('HEAD of a chunked nginx resource: no body; the next response parses', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    await c.write(
      Buffer.concat([
        requestBytes('HEAD', rig.ngx.chunked.path, [['Host', 'test']]),
        get('/files/1k.bin'),
      ]),
    );
    const [head, next] = await c.readResponses(['HEAD', 'GET']);
    expect(head!.status).toBe(200);
    expect(head!.body.length).toBe(0);
    expect(next!.bodySha256).toBe(rig.ngx.files.find((f) => f.name === '1k.bin')!.sha256);
  } finally {
    c.destroy();
  }
});

test('an HTTP/1.0 backend (close-delimited body) reaches a 1.1 client whole', async () => {
  const c = await RawClient.connect(oddProxy.port);
  try {
    await c.write(get('/http10'));
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    expect(res.bodySha256).toBe(sha256(HTTP10_BODY));
    // Re-framed (chunked) the client connection can be kept; close-delimited it must close.
    if (res.framing === 'close') expect(await c.waitForClose(5_000)).toBe(true);
    else {
      await c.write(get('/after-http10'));
      expect((await c.readResponse()).body.toString()).toBe('default');
    }
  } finally {
    c.destroy();
  }
});

test('backend Connection: close is honoured upstream; the client connection keeps working', async () => {
  const c = await RawClient.connect(oddProxy.port);
  try {
    for (let i = 0; i < 3; i++) {
      await c.write(get('/close'));
      const res = await c.readResponse();
      expect(res.body.toString()).toBe('close');
      // Connection is hop-by-hop: the backend's close is not the client's.
      expect(res.headers.getAll('connection').join()).not.toMatch(/close/i);
    }
  } finally {
    c.destroy();
  }
});

test('several 1xx in a row are all forwarded to a 1.1 client, in order', async () => {
  const [res] = await rawExchange(oddProxy.port, get('/many-1xx'));
  expect(res!.interim.map((m) => m.headers.get('link'))).toEqual([
    '</a.css>; rel=preload',
    '</b.js>; rel=preload',
  ]);
  expect(res!.body.toString()).toBe('done');
});

test('a response head is forwarded at once, not held back until its small body arrives', async () => {
  const c = await RawClient.connect(oddProxy.port);
  try {
    await c.write(get('/head-first'));
    await pollUntil('the head at the client', () => c.received().includes('\r\n\r\n'));
    expect(c.received().toString('latin1')).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 5\r\n/,
    );
    openBodyGate();
    const res = await c.readResponse();
    expect(res.body.toString()).toBe('later');
  } finally {
    openBodyGate();
    c.destroy();
  }
});

test('an HTTP/1.0 client without keep-alive: response, then close', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    await c.write(get('/files/1k.bin', 'HTTP/1.0'));
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    expect(res.headText.toLowerCase()).not.toContain('transfer-encoding');
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
});

test('an HTTP/1.0 client asking for keep-alive: kept only with an explicit Connection: keep-alive', async () => {
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    await c.write(get('/files/1k.bin', 'HTTP/1.0', [['Connection', 'keep-alive']]));
    const res = await c.readResponse();
    expect(res.status).toBe(200);
    expect(['length']).toContain(res.framing);
    const keptAlive = /keep-alive/i.test(res.headers.getAll('connection').join());
    if (keptAlive) {
      await c.write(get('/files/1b.bin', 'HTTP/1.0', [['Connection', 'keep-alive']]));
      expect((await c.readResponse()).status).toBe(200);
    } else {
      // A 1.0 client assumes close unless told otherwise (RFC 9112 9.3): the proxy must close.
      expect(await c.waitForClose(5_000)).toBe(true);
    }
  } finally {
    c.destroy();
  }
});

test('pipelined requests with bodies (Content-Length and chunked) are each delivered whole', async () => {
  const a = randomBytes(70_000);
  const b = randomBytes(90_000);
  const c = await RawClient.connect(rig.echoProxy.port);
  try {
    await c.write(
      Buffer.concat([
        requestBytes(
          'POST',
          '/p1',
          [
            ['Host', 'test'],
            ['Content-Length', String(a.length)],
          ],
          a,
        ),
        requestBytes(
          'PUT',
          '/p2',
          [
            ['Host', 'test'],
            ['Transfer-Encoding', 'chunked'],
          ],
          Buffer.concat([
            Buffer.from(b.length.toString(16) + '\r\n'),
            b,
            Buffer.from('\r\n0\r\n\r\n'),
          ]),
        ),
        get('/p3'),
      ]),
    );
    const [r1, r2, r3] = (await c.readResponses(['POST', 'PUT', 'GET'])).map((r) =>
      parseEcho(r.body),
    );
    expect([r1!.target, r1!.bodySha256]).toEqual(['/p1', sha256(a)]);
    expect([r2!.target, r2!.bodySha256]).toEqual(['/p2', sha256(b)]);
    expect([r3!.target, r3!.bodyBytes]).toEqual(['/p3', 0]);
  } finally {
    c.destroy();
  }
});

test('a bad request in a pipeline is answered in order, then the connection closes', async () => {
  const c = await RawClient.connect(rig.echoProxy.port);
  try {
    await c.write(
      Buffer.concat([
        get('/good-1'),
        Buffer.from('GET /bad HTTP/1.1\r\nHost: test\r\nBad Field: x\r\n\r\n'),
        get('/never'),
      ]),
    );
    const first = await c.readResponse();
    expect(parseEcho(first.body).target).toBe('/good-1');
    const second = await c.readResponse();
    expect(second.status).toBe(400);
    expect(await c.waitForClose(5_000)).toBe(true);
  } finally {
    c.destroy();
  }
  expect(rig.echo.receivedText()).not.toContain('/never');
});

test('the request target and field values reach the backend byte for byte', async () => {
  const target = '/a%2Fb/../c;p=1?x=%00&y=%zz&z=a+b#';
  const [res] = await rawExchange(
    rig.echoProxy.port,
    requestBytes('GET', target.replace('#', ''), [
      ['Host', 'test'],
      ['X-Latin', 'caf\xe9 \xff'],
      ['X-Spaces', 'a  b\tc'],
      ['X-Empty', ''],
    ]),
  );
  const report = parseEcho(res!.body);
  expect(report.target).toBe(target.replace('#', ''));
  // JSON carries the latin1 string; compare as such.
  expect(echoHeader(report, 'x-latin')).toEqual(['caf\xe9 \xff']);
  expect(echoHeader(report, 'x-spaces')).toEqual(['a  b\tc']);
  expect(echoHeader(report, 'x-empty')).toEqual(['']);
});

test('response field values with obs-text reach the client byte for byte', async () => {
  const [res] = await rawExchange(oddProxy.port, get('/obs-text'));
  expect(res!.headers.get('x-latin')).toBe('caf\xe9 \xff');
});

test('a backend answering 413 while the client is still uploading: the client gets the 413', async () => {
  // nginx refuses the body of /small/ (1 KiB limit) from the head alone and answers at once; the
  // client is still writing 10 MiB. The 413 must reach it, not a reset or a 502 (the proxy
  // stops forwarding and discards or lingers before closing, RFC 9112 9.6).
  const body = randomBytes(10 * 1024 * 1024);
  const c = await RawClient.connect(rig.ngxProxy.port);
  try {
    const writing = c
      .write(
        requestBytes(
          'PUT',
          '/small/big.bin',
          [
            ['Host', 'test'],
            ['Content-Length', String(body.length)],
          ],
          body,
        ),
      )
      .catch(() => undefined);
    const res = await c.readResponseOrClose({ timeoutMs: 20_000 });
    expect(res).not.toBe('closed');
    if (res !== 'closed') expect(res.status).toBe(413);
    await writing;
  } finally {
    c.destroy();
  }
});
