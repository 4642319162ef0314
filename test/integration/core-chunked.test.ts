/**
 * Chunked framing through the real proxy: a chunked request body with trailers reaches the
 * backend chunked with its trailers; nginx's chunked responses reach a 1.1 client intact; an
 * HTTP/1.0 client never gets chunked framing, and trailers are dropped (never merged into the
 * head) when re-framing. RFC 9112 7.1, 6.1; RFC 9110 6.5.
 */
import { randomBytes } from 'node:crypto';
import { parseEcho } from '../support/echo-backend';
import { nginxAndEchoProxyRig } from '../support/nginx-proxy';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  answerEachRequest,
  chunkedBody,
  rawExchange,
  requestBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';
import { sha256 } from '../support/sample-files';

const rig = nginxAndEchoProxyRig();
let trailing: RawServer;
let trailingProxy: ProxyProcess;

/** The body the trailer-sending backend answers with, in three chunks. */
const TRAILED_BODY = randomBytes(50_000);

beforeAll(async () => {
  // A backend that answers every request with a chunked body followed by a trailer section.
  trailing = await startRawServer(
    answerEachRequest(async (conn) => {
      await conn.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTrailer: X-Body-Sha256\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n',
      );
      await conn.write(
        chunkedBody(TRAILED_BODY, 20_000, [['X-Body-Sha256', sha256(TRAILED_BODY)]]),
      );
    }),
  );
  trailingProxy = await startProxy({ backends: [trailing.address] });
});

afterAll(async () => {
  await trailingProxy?.stop();
  await trailing?.stop();
});

test('a chunked request body with trailers reaches the backend chunked, trailers included', async () => {
  const data = randomBytes(300_000);
  const [res] = await rawExchange(
    rig.echoProxy.port,
    requestBytes(
      'POST',
      '/upload',
      [
        ['Host', 'test'],
        ['Trailer', 'X-Checksum'],
        ['Transfer-Encoding', 'chunked'],
      ],
      chunkedBody(data, 70_000, [['X-Checksum', sha256(data)]]),
    ),
  );
  expect(res!.status).toBe(200);
  const report = parseEcho(res!.body);
  expect(report.framing).toBe('chunked');
  expect(report.bodyBytes).toBe(data.length);
  expect(report.bodySha256).toBe(sha256(data));
  expect(report.trailers).toEqual([['X-Checksum', sha256(data)]]);
  // Never merged into the head.
  expect(report.headers.map(([n]) => n.toLowerCase())).not.toContain('x-checksum');
});

test('chunk extensions are accepted and the data still arrives intact', async () => {
  const body = Buffer.from('5;name=value\r\nhello\r\n6 ; x="y"\r\n world\r\n0\r\n\r\n', 'latin1');
  const [res] = await rawExchange(
    rig.echoProxy.port,
    requestBytes(
      'POST',
      '/ext',
      [
        ['Host', 'test'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body,
    ),
  );
  expect(res!.status).toBe(200);
  expect(parseEcho(res!.body).bodySha256).toBe(sha256('hello world'));
});

test("nginx's chunked response reaches an HTTP/1.1 client intact", async () => {
  const [res] = await rawExchange(
    rig.ngxProxy.port,
    requestBytes('GET', rig.ngx.chunked.path, [['Host', 'test']]),
  );
  expect(res!.status).toBe(200);
  // The length is unknown to the proxy too: chunked is the only keep-alive framing left.
  expect(res!.framing).toBe('chunked');
  expect(res!.body.length).toBe(rig.ngx.chunked.size);
  expect(res!.bodySha256).toBe(rig.ngx.chunked.sha256);
});

test('an HTTP/1.0 client gets no chunked framing', async () => {
  const [res] = await rawExchange(
    rig.ngxProxy.port,
    requestBytes('GET', rig.ngx.chunked.path, [['Host', 'test']], '', 'HTTP/1.0'),
  );
  expect(res!.status).toBe(200);
  expect(['close', 'length']).toContain(res!.framing);
  expect(res!.headText.toLowerCase()).not.toContain('transfer-encoding');
  expect(res!.headText.startsWith('HTTP/1.1 ') || res!.headText.startsWith('HTTP/1.0 ')).toBe(true);
  expect(res!.bodySha256).toBe(rig.ngx.chunked.sha256);
});

test('response trailers are forwarded to a 1.1 client when both sides are chunked', async () => {
  const [res] = await rawExchange(
    trailingProxy.port,
    requestBytes('GET', '/t', [['Host', 'test']]),
  );
  expect(res!.status).toBe(200);
  expect(res!.framing).toBe('chunked');
  expect(res!.bodySha256).toBe(sha256(TRAILED_BODY));
  expect(res!.trailers?.get('x-body-sha256')).toBe(sha256(TRAILED_BODY));
  expect(res!.headers.has('x-body-sha256')).toBe(false);
});

test('response trailers are dropped, not merged into the head, for a 1.0 client', async () => {
  const [res] = await rawExchange(
    trailingProxy.port,
    requestBytes('GET', '/t', [['Host', 'test']], '', 'HTTP/1.0'),
  );
  expect(res!.status).toBe(200);
  expect(['close', 'length']).toContain(res!.framing);
  expect(res!.bodySha256).toBe(sha256(TRAILED_BODY));
  // (The Trailer field announcing it may stay; the trailer field itself must not appear.)
  expect(res!.headers.has('x-body-sha256')).toBe(false);
  expect(res!.headText).not.toContain(sha256(TRAILED_BODY));
  expect(res!.body.toString('latin1')).not.toContain('X-Body-Sha256');
});
