import { createHash } from 'node:crypto';
import net from 'node:net';
import {
  BodyDecoder,
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  responseFraming,
  type BodyFraming,
  type BodySink,
  type HeaderList,
} from '../../src/http';
import { trackCleanup } from './cleanup';

/**
 * Raw-socket HTTP for tests: a client that sends exact bytes and parses what comes back with the
 * project's own codec, and a server whose bytes the test controls. Nothing here goes through
 * node:http, so a test sees exactly what the proxy put on the wire.
 */

const DEFAULT_TIMEOUT_MS = 10_000;

export class ReadTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms reading ${what}`);
    this.name = 'ReadTimeoutError';
  }
}

/** The peer closed before a complete message arrived (the truncated part is kept). */
export class IncompleteMessageError extends Error {
  constructor(
    what: string,
    readonly headSeen: boolean,
    readonly bodyBytes: number,
  ) {
    super(
      `connection closed before a complete ${what} (head ${headSeen ? 'seen' : 'not seen'}, ${bodyBytes} body bytes)`,
    );
    this.name = 'IncompleteMessageError';
  }
}

interface ParsedMessage {
  /** The head exactly as received (start line and fields, CRLFs included). */
  headText: string;
  framing: BodyFraming['kind'];
  /** The body bytes (empty when not kept); bodyLength and bodySha256 are always computed. */
  body: Buffer;
  bodyLength: number;
  bodySha256: string;
  trailers: HeaderList | null;
}

export interface RawResponse extends ParsedMessage {
  versionMinor: 0 | 1;
  status: number;
  reason: string;
  headers: HeaderList;
  /** 1xx responses received before this final one (filled by readResponse). */
  interim: RawResponse[];
}

export interface RawRequest extends ParsedMessage {
  method: string;
  target: string;
  versionMinor: 0 | 1;
  headers: HeaderList;
}

class BodyCollector implements BodySink {
  readonly parts: Buffer[] = [];
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly keep: boolean) {}
  onBodyData(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    // Copy: the decoder hands out subarrays of socket buffers.
    if (this.keep) this.parts.push(Buffer.from(chunk));
  }
}

/**
 * Reads messages from a socket on demand. Bytes are queued as they arrive and parsed only when
 * a read is asked for, so the caller decides per message how to frame it (a response to HEAD
 * has no body). Parsing is incremental: a 10 MiB body is never concatenated more than once.
 */
class MessageReader {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly endWaiters = new Set<() => void>();
  /** Every byte received, in order. */
  readonly recorded: Buffer[] = [];
  recordedBytes = 0;

  constructor(
    socket: net.Socket,
    private readonly record: boolean,
  ) {
    socket.on('data', (d: Buffer) => {
      this.queue.push(d);
      this.recordedBytes += d.length;
      if (this.record) this.recorded.push(d);
      this.notify();
    });
    socket.on('end', () => this.finish(null));
    socket.on('close', () => this.finish(null));
    socket.on('error', (err) => this.finish(err));
  }

  get eof(): boolean {
    return this.ended && this.queue.length === 0;
  }

  /** True when unparsed bytes are waiting. */
  get pending(): number {
    return this.queue.reduce((n, b) => n + b.length, 0);
  }

  private finish(err: Error | null): void {
    if (err !== null && this.error === null) this.error = err;
    this.ended = true;
    this.notify();
    for (const w of [...this.endWaiters]) w();
    this.endWaiters.clear();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits for more input or end, at most until `deadline`; false on timeout. */
  waitInput(deadline: number): Promise<boolean> {
    if (this.queue.length > 0 || this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.wake = null;
          resolve(false);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Waits until the peer has closed (true) or the timeout passed (false). Keeps unread bytes. */
  waitEnd(timeoutMs: number): Promise<boolean> {
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.endWaiters.delete(done);
        resolve(this.ended);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.endWaiters.add(done);
    });
  }

  async read<H extends { headers: HeaderList }>(
    what: string,
    isRequest: boolean,
    parseHead: (buf: Buffer, start: number, lineLf: number, end: number) => H,
    frame: (head: H) => BodyFraming,
    timeoutMs: number,
    keepBody: boolean,
  ): Promise<{ head: H } & ParsedMessage> {
    const deadline = Date.now() + timeoutMs;
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, isRequest);
    const sink = new BodyCollector(keepBody);
    let head: H | null = null;
    let headText = '';
    let framing: BodyFraming | null = null;
    let decoder: BodyDecoder | null = null;
    const finish = (): { head: H } & ParsedMessage => ({
      head: head!,
      headText,
      framing: framing!.kind,
      body: Buffer.concat(sink.parts),
      bodyLength: sink.bytes,
      bodySha256: sink.hash.digest('hex'),
      trailers: decoder!.trailers,
    });
    for (;;) {
      while (this.queue.length > 0) {
        const chunk = this.queue.shift()!;
        if (head === null) {
          const end = scanner.push(chunk, 0);
          if (end === -1) continue;
          const hb = scanner.headBuf;
          head = parseHead(hb, scanner.headStart, scanner.headLineEnd, scanner.headEnd);
          headText = hb.toString('latin1', scanner.headStart, scanner.headEnd);
          framing = frame(head);
          decoder = new BodyDecoder(
            framing,
            DEFAULT_CODEC_LIMITS,
            isRequest ? 'RRP_ERR_BAD_REQUEST' : 'RRP_ERR_UPSTREAM_BAD_RESPONSE',
          );
          if (end < chunk.length) this.queue.unshift(chunk.subarray(end));
          if (decoder.done) return finish();
          continue;
        }
        const used = decoder!.decode(chunk, 0, sink);
        if (used < chunk.length) this.queue.unshift(chunk.subarray(used));
        if (decoder!.done) return finish();
      }
      if (this.ended) {
        if (decoder !== null && decoder.endOfInput()) return finish();
        if (this.error !== null && head === null && this.recordedBytes === 0) throw this.error;
        throw new IncompleteMessageError(what, head !== null, sink.bytes);
      }
      if (!(await this.waitInput(deadline))) throw new ReadTimeoutError(what, timeoutMs);
    }
  }
}

export interface ReadOptions {
  /** The request method this response answers (HEAD responses have no body). Default GET. */
  method?: string;
  timeoutMs?: number;
  /** Keep the body bytes (default true); the SHA-256 is always computed. */
  keepBody?: boolean;
}

/** A client connection that writes exact bytes and reads responses with the project's codec. */
export class RawClient {
  private readonly reader: MessageReader;

  private constructor(readonly socket: net.Socket) {
    this.reader = new MessageReader(socket, true);
  }

  static connect(
    port: number,
    host = '127.0.0.1',
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawClient(socket));
      });
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new Error('socket destroyed'));
        return;
      }
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  /** Reads the next message, interim (1xx) or final. */
  async readMessage(opts: ReadOptions = {}): Promise<RawResponse> {
    const method = opts.method ?? 'GET';
    const m = await this.reader.read(
      'response',
      false,
      parseResponseHead,
      (head) => responseFraming(head, method),
      opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      opts.keepBody ?? true,
    );
    const { head, ...rest } = m;
    return { ...rest, ...head, interim: [] };
  }

  /** Reads 1xx responses until the final one; the 1xx are in `interim`. */
  async readResponse(opts: ReadOptions = {}): Promise<RawResponse> {
    const interim: RawResponse[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await this.readMessage(opts);
      if (m.status >= 200 || m.status === 101) {
        m.interim = interim;
        return m;
      }
      interim.push(m);
    }
    throw new Error('more than 20 interim responses');
  }

  /** Reads `methods.length` responses, one per pipelined request, in order. */
  async readResponses(
    methods: string[],
    opts: Omit<ReadOptions, 'method'> = {},
  ): Promise<RawResponse[]> {
    const out: RawResponse[] = [];
    for (const method of methods) out.push(await this.readResponse({ ...opts, method }));
    return out;
  }

  /** True once the peer closed (after `timeoutMs` at most). Unread bytes stay readable. */
  waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    return this.reader.waitEnd(timeoutMs);
  }

  /**
   * The next final response, or 'closed' when the peer closed (or reset) the connection before
   * any byte of one arrived. A timeout still throws.
   */
  async readResponseOrClose(opts: ReadOptions = {}): Promise<RawResponse | 'closed'> {
    try {
      return await this.readResponse(opts);
    } catch (err) {
      if (err instanceof ReadTimeoutError) throw err;
      if (err instanceof IncompleteMessageError && err.headSeen) throw err;
      return 'closed';
    }
  }

  /** True when the peer has closed and no unread byte is left. */
  get closed(): boolean {
    return this.reader.eof;
  }

  /** Unread bytes received after the last message read. */
  get unreadBytes(): number {
    return this.reader.pending;
  }

  /** Everything received on this connection. */
  received(): Buffer {
    return Buffer.concat(this.reader.recorded);
  }

  /** Half-closes our side (FIN) after pending writes. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** One-shot: connects, writes `data`, reads one response per method, closes. */
export async function rawExchange(
  port: number,
  data: string | Buffer,
  methods: string[] = ['GET'],
  opts: Omit<ReadOptions, 'method'> = {},
): Promise<RawResponse[]> {
  const c = await RawClient.connect(port);
  try {
    await c.write(data);
    return await c.readResponses(methods, opts);
  } finally {
    c.destroy();
  }
}

/** One GET (HTTP/1.1, Host `test` unless given) on a fresh connection. */
export async function rawGet(
  port: number,
  target: string,
  headers: ReadonlyArray<readonly [string, string]> = [['Host', 'test']],
  opts: Omit<ReadOptions, 'method'> = {},
): Promise<RawResponse> {
  const [res] = await rawExchange(port, requestBytes('GET', target, headers), ['GET'], opts);
  return res!;
}

/** Builds request bytes: `request('GET', '/x', {Host: 'a'}, body?)` with CRLFs, no framing added. */
export function requestBytes(
  method: string,
  target: string,
  headers: ReadonlyArray<readonly [string, string]> = [['Host', 'test']],
  body: Buffer | string = '',
  version = 'HTTP/1.1',
): Buffer {
  let head = `${method} ${target} ${version}\r\n`;
  for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
  head += '\r\n';
  return Buffer.concat([
    Buffer.from(head, 'latin1'),
    typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
  ]);
}

/** Encodes `body` as chunked, in chunks of `chunkSize`, with optional trailer lines. */
export function chunkedBody(
  body: Buffer,
  chunkSize = 64 * 1024,
  trailers: ReadonlyArray<readonly [string, string]> = [],
): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) {
    const piece = body.subarray(i, Math.min(body.length, i + chunkSize));
    parts.push(Buffer.from(piece.length.toString(16) + '\r\n'), piece, Buffer.from('\r\n'));
  }
  let last = '0\r\n';
  for (const [n, v] of trailers) last += `${n}: ${v}\r\n`;
  last += '\r\n';
  parts.push(Buffer.from(last, 'latin1'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Raw server: a backend that misbehaves on purpose.

/** One accepted connection of a raw server. */
export class RawServerConnection {
  private readonly reader: MessageReader;
  /** Requests fully read on this connection via readRequest(). */
  requests = 0;

  constructor(
    readonly socket: net.Socket,
    /** 1-based, in accept order. */
    readonly id: number,
  ) {
    this.reader = new MessageReader(socket, true);
    // A test backend must not crash the test on ECONNRESET from the proxy.
    socket.on('error', () => undefined);
  }

  /** Every byte received on this connection. */
  received(): Buffer {
    return Buffer.concat(this.reader.recorded);
  }

  get receivedBytes(): number {
    return this.reader.recordedBytes;
  }

  /**
   * Waits until the bytes received so far satisfy `pred` (e.g. a whole head has arrived), without
   * consuming them: a later readRequest() still parses them.
   */
  async waitForReceived(
    pred: (text: string) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.received().toString('latin1'))) {
      if (Date.now() > deadline) throw new ReadTimeoutError('expected bytes', timeoutMs);
      if (this.socket.destroyed) throw new Error('connection closed while waiting for bytes');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Reads the next request (head and whole body) with the project's codec. */
  async readRequest(opts: { timeoutMs?: number; keepBody?: boolean } = {}): Promise<RawRequest> {
    const m = await this.reader.read(
      'request',
      true,
      parseRequestHead,
      requestFraming,
      opts.timeoutMs ?? 60_000,
      opts.keepBody ?? true,
    );
    this.requests++;
    const { head, ...rest } = m;
    return { ...rest, ...head };
  }

  /** Waits until the peer closes; false on timeout. */
  waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    return this.reader.waitEnd(timeoutMs);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () =>
        resolve(),
      );
    });
  }
}

export type RawHandler = (conn: RawServerConnection) => void | Promise<void>;

export interface RawServer {
  port: number;
  address: string;
  /** Connections accepted so far, in order. */
  connections: RawServerConnection[];
  /** Every byte received on every connection, concatenated per connection in accept order. */
  receivedText(): string;
  /** Requests read through readRequest() on all connections. */
  requestCount(): number;
  stop(): Promise<void>;
}

/**
 * Starts a raw TCP server on a free loopback port; `handler` runs once per connection and owns
 * its bytes. Errors thrown by the handler destroy that connection (the test sees it through the
 * proxy's behaviour); they are collected in `errors` for debugging.
 */
export async function startRawServer(
  handler: RawHandler,
  host = '127.0.0.1',
): Promise<RawServer & { errors: unknown[] }> {
  const connections: RawServerConnection[] = [];
  const sockets = new Set<net.Socket>();
  const errors: unknown[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const conn = new RawServerConnection(socket, connections.length + 1);
    connections.push(conn);
    Promise.resolve()
      .then(() => handler(conn))
      .catch((err: unknown) => {
        errors.push(err);
        socket.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    untrack();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const untrack = trackCleanup(stop);
  return {
    port,
    address: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    connections,
    errors,
    receivedText: () => connections.map((c) => c.received().toString('latin1')).join(''),
    requestCount: () => connections.reduce((n, c) => n + c.requests, 0),
    stop,
  };
}

/**
 * A handler for startRawServer: a keep-alive backend that answers every request of a connection
 * with `answer`, until the peer closes or sends what the codec rejects (then the connection is
 * destroyed).
 */
export function answerEachRequest(
  answer: (conn: RawServerConnection, req: RawRequest) => Promise<void>,
): RawHandler {
  return async (conn) => {
    for (;;) {
      let req: RawRequest;
      try {
        req = await conn.readRequest();
      } catch {
        conn.socket.destroy();
        return;
      }
      await answer(conn, req);
    }
  };
}

/** Serialises a simple response with Content-Length. */
export function responseBytes(
  status: number,
  headers: ReadonlyArray<readonly [string, string]> = [],
  body: Buffer | string = '',
  reason = 'OK',
): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
  head += `Content-Length: ${b.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}
