import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  ClientConnection,
  StaleConnectionError,
  type BodyTarget,
} from '../../src/client/connection';
import { ClientError, socketErrorToClientError } from '../../src/client/errors';
import { startRawServer, writeInPieces, type RawRequest } from './raw-server';

type Server = Awaited<ReturnType<typeof startRawServer>>;
let server: Server | null = null;
let handler: (req: RawRequest) => void = () => undefined;

beforeAll(async () => {
  server = await startRawServer((req) => handler(req));
});
afterAll(async () => {
  await server?.close();
});

function collector(): BodyTarget & { data: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    write: (c: Buffer) => (parts.push(Buffer.from(c)), true),
    once: () => undefined,
    data: () => Buffer.concat(parts),
  };
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

async function connect(timeoutMs = 5000): Promise<ClientConnection> {
  return ClientConnection.connect('127.0.0.1', server!.port, timeoutMs);
}

async function expectClientError(
  p: Promise<unknown>,
  code: string,
  message: RegExp,
): Promise<ClientError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ClientError);
  const ce = caught as ClientError;
  expect(ce.code).toBe(code);
  expect(ce.message).toMatch(message);
  return ce;
}

describe('ClientConnection: response framing with the shared codec', () => {
  it('Content-Length body split one byte at a time; the connection stays reusable', async () => {
    handler = ({ socket }) =>
      void writeInPieces(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world', 1);
    const conn = await connect();
    const body = collector();
    const r = await conn.exchange(GET, null, 'GET', true, () => body);
    expect(r.head.status).toBe(200);
    expect(body.data().toString()).toBe('hello world');
    expect(r.bodyBytes).toBe(11);
    expect(r.reusable).toBe(true);
    // Second exchange on the same connection.
    const again = collector();
    const r2 = await conn.exchange(GET, null, 'GET', true, () => again);
    expect(again.data().toString()).toBe('hello world');
    expect(r2.reusable).toBe(true);
    expect(conn.exchangeCount).toBe(2);
    conn.destroy();
  });

  it('chunked body with extensions and trailers, split at odd places', async () => {
    const wire =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n' +
      '1\r\n \r\n' +
      '5\r\nworld\r\n' +
      '0\r\nX-Checksum: abc\r\n\r\n';
    handler = ({ socket }) => void writeInPieces(socket, wire, 3);
    const conn = await connect();
    const body = collector();
    const r = await conn.exchange(GET, null, 'GET', true, () => body);
    expect(body.data().toString()).toBe('hello world');
    expect(r.trailers?.get('x-checksum')).toBe('abc');
    expect(r.reusable).toBe(true);
    conn.destroy();
  });

  it('close-delimited body ends with the connection, which is then not reusable', async () => {
    handler = ({ socket }) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst part, ');
      setTimeout(() => socket.end('second part'), 20);
    };
    const conn = await connect();
    const body = collector();
    const r = await conn.exchange(GET, null, 'GET', true, () => body);
    expect(body.data().toString()).toBe('first part, second part');
    expect(r.reusable).toBe(false);
    expect(conn.isClosed).toBe(true);
  });

  it('HEAD, 204 and 304 have no body even with Content-Length; the next response follows at once', async () => {
    const answers = [
      'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: "x"\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    ];
    let i = 0;
    handler = ({ socket }) => socket.write(answers[i++]!);
    const conn = await connect();
    const statuses: number[] = [];
    for (const method of ['HEAD', 'GET', 'GET', 'GET']) {
      const body = collector();
      const r = await conn.exchange(
        `${method} / HTTP/1.1\r\nHost: x\r\n\r\n`,
        null,
        method,
        true,
        () => body,
      );
      statuses.push(r.head.status);
      expect(r.reusable).toBe(true);
      if (r.head.status === 200 && method === 'GET') expect(body.data().toString()).toBe('ok');
      else expect(r.bodyBytes).toBe(0);
    }
    expect(statuses).toEqual([200, 204, 304, 200]);
    conn.destroy();
  });

  it('skips interim 1xx responses', async () => {
    handler = ({ socket }) =>
      socket.write(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
      );
    const conn = await connect();
    const r = await conn.exchange(GET, null, 'GET', true, () => null);
    expect(r.head.status).toBe(201);
    expect(r.interim.map((h) => h.status)).toEqual([100, 103]);
    conn.destroy();
  });

  it('HTTP/1.0 without keep-alive is not reused; Connection: close is not reused', async () => {
    handler = ({ socket }) => socket.write('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx');
    let conn = await connect();
    expect((await conn.exchange(GET, null, 'GET', true, () => null)).reusable).toBe(false);
    handler = ({ socket }) =>
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx');
    conn = await connect();
    expect((await conn.exchange(GET, null, 'GET', true, () => null)).reusable).toBe(false);
  });
});

describe('ClientConnection: errors', () => {
  it('a truncated Content-Length body is a protocol error, not a short success', async () => {
    handler = ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this');
    const conn = await connect();
    await expectClientError(
      conn.exchange(GET, null, 'GET', true, () => null),
      'RRC_ERR_PROTOCOL',
      /closed before the end of the response body \(9 bytes received\)/,
    );
  });

  it('a truncated chunked body is a protocol error', async () => {
    handler = ({ socket }) =>
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
    const conn = await connect();
    await expectClientError(
      conn.exchange(GET, null, 'GET', true, () => null),
      'RRC_ERR_PROTOCOL',
      /closed before the end/,
    );
  });

  it.each([
    ['HTTP/1.1 099 Low\r\n\r\n', /invalid status code/],
    ['HTTP/1.1 2000 OK\r\n\r\n', /malformed status line/],
    ['HTTP/2.0 200 OK\r\n\r\n', /unsupported response version/],
    [
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      /both Content-Length and Transfer-Encoding/,
    ],
    [
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /conflicting Content-Length/,
    ],
    ['HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /field name/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
  ])('malformed response %j', async (wire, message) => {
    handler = ({ socket }) => socket.write(wire);
    const conn = await connect();
    await expectClientError(
      conn.exchange(GET, null, 'GET', true, () => null),
      'RRC_ERR_PROTOCOL',
      message,
    );
    expect(conn.isClosed).toBe(true);
  });

  it('a server that closes without answering', async () => {
    handler = ({ socket }) => socket.end();
    const conn = await connect();
    await expectClientError(
      conn.exchange(GET, null, 'GET', true, () => null),
      'RRC_ERR_PROTOCOL',
      /closed the connection without responding/,
    );
  });

  it('no answer within the timeout', async () => {
    handler = () => undefined;
    const conn = await connect(300);
    await expectClientError(
      conn.exchange(GET, null, 'GET', true, () => null),
      'RRC_ERR_TIMEOUT',
      /timed out after 0\.3s waiting for the response/,
    );
  });

  it('a kept-alive connection the server closed is reported as stale (safe to retry)', async () => {
    handler = ({ socket }) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const conn = await connect();
    const r = await conn.exchange(GET, null, 'GET', true, () => null);
    expect(r.reusable).toBe(true); // the server did not say close
    await new Promise((res) => setTimeout(res, 50));
    let caught: unknown;
    try {
      await conn.exchange(GET, null, 'GET', true, () => null);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StaleConnectionError);
  });

  it('connection refused', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expectClientError(
      ClientConnection.connect('127.0.0.1', port, 2000),
      'RRC_ERR_CONNECT',
      /connection refused by 127\.0\.0\.1:\d+/,
    );
  });
});

describe('socketErrorToClientError', () => {
  it.each([
    [{ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, 'RRC_ERR_DNS', 4, /could not resolve host h/],
    [{ code: 'EAI_AGAIN', syscall: 'getaddrinfo' }, 'RRC_ERR_DNS', 4, /could not resolve/],
    [{ code: 'ECONNREFUSED' }, 'RRC_ERR_CONNECT', 5, /connection refused by h:1/],
    [{ code: 'EHOSTUNREACH' }, 'RRC_ERR_CONNECT', 5, /cannot reach/],
    [{ code: 'ETIMEDOUT' }, 'RRC_ERR_TIMEOUT', 6, /timed out/],
    [{ code: 'ECONNRESET' }, 'RRC_ERR_PROTOCOL', 7, /reset/],
    [{ code: 'EWHATEVER', message: 'odd' }, 'RRC_ERR_FAILURE', 1, /h:1/],
  ])('%j', (fields, code, exit, message) => {
    const err = Object.assign(
      new Error(String((fields as { message?: string }).message ?? 'x')),
      fields,
    );
    const ce = socketErrorToClientError(err, 'h', 'h:1');
    expect(ce.code).toBe(code);
    expect(ce.exitCode).toBe(exit);
    expect(ce.message).toMatch(message);
  });
});

describe('ClientConnection: bodies both ways', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rrc-conn-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams a 1 MiB request body from a file, byte-exact', async () => {
    const data = randomBytes(1024 * 1024);
    const file = join(dir, 'up.bin');
    writeFileSync(file, data);
    handler = ({ head, rest, socket }) => {
      const length = Number(/content-length: *(\d+)/i.exec(head)![1]);
      const hash = createHash('sha256').update(rest);
      let got = rest.length;
      const onData = (c: Buffer): void => {
        hash.update(c);
        got += c.length;
        if (got >= length) {
          socket.removeListener('data', onData);
          const digest = hash.digest('hex');
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${digest.length}\r\n\r\n${digest}`);
        }
      };
      if (got >= length) onData(Buffer.alloc(0));
      else socket.on('data', onData);
    };
    const conn = await connect();
    const body = collector();
    const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${data.length}\r\n\r\n`;
    const r = await conn.exchange(
      head,
      { kind: 'file', path: file, size: data.length },
      'POST',
      true,
      () => body,
    );
    expect(body.data().toString()).toBe(createHash('sha256').update(data).digest('hex'));
    expect(r.bytesSent).toBe(head.length + data.length);
    expect(r.reusable).toBe(true);
    conn.destroy();
  });

  it('stops uploading when the server answers early, and does not reuse the connection', async () => {
    const file = join(dir, 'big.bin');
    writeFileSync(file, randomBytes(8 * 1024 * 1024));
    handler = ({ socket }) =>
      socket.write('HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n');
    const conn = await connect();
    const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`;
    const r = await conn.exchange(
      head,
      { kind: 'file', path: file, size: 8 * 1024 * 1024 },
      'POST',
      true,
      () => null,
    );
    expect(r.head.status).toBe(413);
    expect(r.reusable).toBe(false);
  });

  it('a target slower than --timeout is not a server timeout', async () => {
    const data = randomBytes(256 * 1024);
    handler = ({ socket }) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`);
      socket.write(data);
    };
    let stalled = false;
    const parts: Buffer[] = [];
    let drain: (() => void) | null = null;
    const target: BodyTarget = {
      write: (c) => {
        parts.push(Buffer.from(c));
        if (stalled) return true;
        stalled = true;
        return false; // the consumer is busy for longer than the 200 ms timeout
      },
      once: (_e, l) => {
        drain = l;
        setTimeout(() => drain?.(), 600);
      },
    };
    const conn = await connect(200);
    const r = await conn.exchange(GET, null, 'GET', true, () => target);
    expect(r.bodyBytes).toBe(data.length);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    conn.destroy();
  });

  it('respects backpressure from a slow body target and still gets every byte', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    handler = ({ socket }) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${data.length}\r\n\r\n`);
      socket.write(data);
    };
    const hash = createHash('sha256');
    let pauses = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        setImmediate(cb);
      },
    });
    const target: BodyTarget = {
      write: (c) => {
        const ok = slow.write(c);
        if (!ok) pauses++;
        return ok;
      },
      once: (e, l) => slow.once(e, l),
    };
    const conn = await connect();
    await conn.exchange(GET, null, 'GET', true, () => target);
    await new Promise<void>((r) => slow.end(r));
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(pauses).toBeGreaterThan(0);
    conn.destroy();
  });
});
