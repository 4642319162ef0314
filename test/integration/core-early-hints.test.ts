/**
 * 1xx interim responses (RFC 9110 15.2): a backend's 103 Early Hints is forwarded to an HTTP/1.1
 * client before the final response, and never to an HTTP/1.0 client (which cannot parse it).
 */
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import {
  answerEachRequest,
  rawExchange,
  requestBytes,
  responseBytes,
  startRawServer,
  type RawServer,
} from '../support/raw-http';

let raw: RawServer;
let proxy: ProxyProcess;

beforeAll(async () => {
  raw = await startRawServer(
    answerEachRequest(async (conn) => {
      await conn.write(
        'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n',
      );
      await new Promise((r) => setTimeout(r, 20));
      await conn.write(responseBytes(200, [['Content-Type', 'text/plain']], 'final body'));
    }),
  );
  proxy = await startProxy({ backends: [raw.address] });
});

afterAll(async () => {
  await proxy?.stop();
  await raw?.stop();
});

test('an HTTP/1.1 client gets the 103 with its Link, then the 200', async () => {
  const [res] = await rawExchange(proxy.port, requestBytes('GET', '/page', [['Host', 'test']]));
  expect(res!.interim.map((m) => m.status)).toEqual([103]);
  expect(res!.interim[0]!.headers.get('link')).toBe('</style.css>; rel=preload; as=style');
  expect(res!.status).toBe(200);
  expect(res!.body.toString()).toBe('final body');
});

test('an HTTP/1.0 client gets only the 200', async () => {
  const [res] = await rawExchange(
    proxy.port,
    requestBytes('GET', '/page', [['Host', 'test']], '', 'HTTP/1.0'),
  );
  expect(res!.interim).toHaveLength(0);
  expect(res!.status).toBe(200);
  expect(res!.body.toString()).toBe('final body');
});

test('keep-alive after a 103: the next request on the connection is answered normally', async () => {
  const [a, b] = await rawExchange(
    proxy.port,
    Buffer.concat([
      requestBytes('GET', '/one', [['Host', 'test']]),
      requestBytes('GET', '/two', [['Host', 'test']]),
    ]),
    ['GET', 'GET'],
  );
  expect(a!.interim.map((m) => m.status)).toEqual([103]);
  expect(b!.interim.map((m) => m.status)).toEqual([103]);
  expect(a!.status).toBe(200);
  expect(b!.status).toBe(200);
});
