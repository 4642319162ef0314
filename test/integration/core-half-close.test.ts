/**
 * Half-close (RFC 9112 9.6; RFC 9293 3.6): a client may send its requests and then shut down its
 * sending side (`printf ... | nc`, many load tools, HTTP/1.0-era clients). Everything it sent
 * before the FIN is a complete request and must be answered; only then is the connection closed.
 */
import { parseEcho } from '../support/echo-backend';
import { nginxAndEchoProxyRig } from '../support/nginx-proxy';
import { RawClient, requestBytes } from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const rig = nginxAndEchoProxyRig();

const get = (target: string): Buffer => requestBytes('GET', target, [['Host', 'test']]);

/** Sends `data`, half-closes, and reads one response per method. */
async function sendAndShutdown(port: number, data: Buffer, methods: string[]) {
  const c = await RawClient.connect(port);
  try {
    await c.write(data);
    c.end();
    const out = await c.readResponses(methods);
    expect(await c.waitForClose(5_000)).toBe(true);
    return out;
  } finally {
    c.destroy();
  }
}

test('reference: nginx itself answers pipelined requests sent before a FIN', async () => {
  const responses = await sendAndShutdown(
    rig.ngx.ports[0]!,
    Buffer.concat([get('/files/1b.bin'), get('/files/1k.bin'), get('/files/0b.bin')]),
    ['GET', 'GET', 'GET'],
  );
  expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
});

test('one GET then FIN: answered', async () => {
  const [res] = await sendAndShutdown(rig.ngxProxy.port, get('/files/1k.bin'), ['GET']);
  expect(res!.status).toBe(200);
});

test('three pipelined GETs then FIN: all three answered in order', async () => {
  const names = ['1b.bin', '1k.bin', '0b.bin'];
  const responses = await sendAndShutdown(
    rig.ngxProxy.port,
    Buffer.concat(names.map((n) => get(`/files/${n}`))),
    ['GET', 'GET', 'GET'],
  );
  responses.forEach((r, i) =>
    expect(r.bodySha256).toBe(rig.ngx.files.find((f) => f.name === names[i])!.sha256),
  );
});

test('a POST with its whole body then FIN: the body is delivered and answered', async () => {
  const body = Buffer.from('a complete body sent before the FIN');
  const [res] = await sendAndShutdown(
    rig.echoProxy.port,
    requestBytes(
      'POST',
      '/posted',
      [
        ['Host', 'test'],
        ['Content-Length', String(body.length)],
      ],
      body,
    ),
    ['POST'],
  );
  expect(res!.status).toBe(200);
  expect(parseEcho(res!.body).bodySha256).toBe(sha256(body));
});

test('a chunked POST with its whole body then FIN: delivered and answered', async () => {
  const [res] = await sendAndShutdown(
    rig.echoProxy.port,
    requestBytes(
      'POST',
      '/posted-chunked',
      [
        ['Host', 'test'],
        ['Transfer-Encoding', 'chunked'],
      ],
      '5\r\nhello\r\n0\r\n\r\n',
    ),
    ['POST'],
  );
  expect(res!.status).toBe(200);
  expect(parseEcho(res!.body).bodySha256).toBe(sha256('hello'));
});

test('a POST whose body is cut by the FIN is not forwarded whole and gets no 200', async () => {
  const c = await RawClient.connect(rig.echoProxy.port);
  try {
    await c.write(
      requestBytes(
        'POST',
        '/cut',
        [
          ['Host', 'test'],
          ['Content-Length', '100'],
        ],
        'only ten b',
      ),
    );
    c.end();
    const res = await c.readResponseOrClose();
    if (res !== 'closed') expect(res.status).not.toBe(200);
  } finally {
    c.destroy();
  }
  expect(rig.echo.receivedText()).not.toMatch(/"target":"\/cut"/);
});
