/**
 * UpstreamConnection reads into a buffer it reuses (net's `onread`). Body data handed to the
 * handler lies in that buffer, so when the handler says some of it is still queued for a client
 * (endOutputBatch() === true) the next read must go to a new buffer; otherwise the same buffer
 * is reused. A real backend socket on loopback sends the response in two writes.
 */
import * as net from 'node:net';
import { makeBackend } from '../../src/balancer/backend';
import { ProxyError } from '../../src/errors';
import { DEFAULT_CODEC_LIMITS, type BodyFraming, type HeaderList } from '../../src/http';
import {
  UpstreamConnection,
  type ConnectionOwner,
  type UpstreamHandler,
} from '../../src/upstream/connection';

const FIRST = 'a'.repeat(3000);
const SECOND = 'b'.repeat(3000);

class Recorder implements UpstreamHandler {
  chunks: Buffer[] = [];
  status = 0;
  ended: Promise<void>;
  private resolve!: () => void;
  error: ProxyError | null = null;
  constructor(private readonly holds: boolean) {
    this.ended = new Promise((r) => (this.resolve = r));
  }
  onConnected(): void {}
  onInterimResponse(): void {}
  onResponseHead(head: { status: number }, _framing: BodyFraming): void {
    this.status = head.status;
  }
  onBodyData(chunk: Buffer): void {
    this.chunks.push(chunk); // kept by reference, as a queued client write would
  }
  onResponseEnd(_trailers: HeaderList | null): void {
    this.resolve();
  }
  onUpstreamError(err: ProxyError): void {
    this.error = err;
    this.resolve();
  }
  onUpstreamDrain(): void {}
  beginOutputBatch(): void {}
  endOutputBatch(): boolean {
    return this.holds;
  }
}

const owner: ConnectionOwner = { release: () => undefined, forget: () => undefined };

async function exchange(holds: boolean): Promise<Recorder> {
  const server = net.createServer((s) => {
    s.once('data', () => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${FIRST.length + SECOND.length}\r\n\r\n${FIRST}`);
      // A separate read on our side: the second half arrives after the first was handled.
      setTimeout(() => s.write(SECOND), 50);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const backend = makeBackend({ host: '127.0.0.1', port });
  const conn = new UpstreamConnection(backend, owner, DEFAULT_CODEC_LIMITS, 2000, 1000, 2000);
  const rec = new Recorder(holds);
  try {
    conn.attach(rec, 'GET');
    await new Promise<void>((r) => conn.socket.once('connect', r));
    conn.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
    await rec.ended;
  } finally {
    conn.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return rec;
}

test('bytes a client still holds are never overwritten by the next read', async () => {
  const rec = await exchange(true);
  expect(rec.error).toBeNull();
  expect(rec.status).toBe(200);
  expect(rec.chunks.length).toBeGreaterThanOrEqual(2);
  expect(Buffer.concat(rec.chunks).toString('latin1')).toBe(FIRST + SECOND);
  // The held read and the next one live in different memory.
  expect(rec.chunks[0]!.buffer).not.toBe(rec.chunks[rec.chunks.length - 1]!.buffer);
});

test('with nothing held, the next read reuses the same buffer', async () => {
  const rec = await exchange(false);
  expect(rec.error).toBeNull();
  expect(rec.chunks.length).toBeGreaterThanOrEqual(2);
  expect(rec.chunks[0]!.buffer).toBe(rec.chunks[rec.chunks.length - 1]!.buffer);
  // The first chunk's memory was read into again: what the handler kept is now the second half.
  expect(rec.chunks[0]!.toString('latin1')).not.toBe(FIRST);
});
