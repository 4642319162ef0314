import { createReadStream, type ReadStream } from 'node:fs';
import net from 'node:net';
import { backendId } from '../balancer/backend';
import { ProxyError } from '../errors';
import {
  BodyDecoder,
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  messagePersists,
  parseResponseHead,
  responseFraming,
  type BodyFraming,
  type BodySink,
  type HeaderList,
  type ResponseHead,
} from '../http';
import { ClientError, socketErrorToClientError } from './errors';

/** Where a response body goes; a Writable fits. `write` returning false pauses the socket. */
export interface BodyTarget {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Decides, once the final response head is in, where its body goes (null: discard). */
export type HeadHandler = (
  head: ResponseHead,
  rawHead: Buffer,
  framing: BodyFraming,
) => BodyTarget | null;

export type RequestBody =
  | { readonly kind: 'buffer'; readonly data: Buffer }
  | { readonly kind: 'file'; readonly path: string; readonly size: number };

export interface ExchangeResult {
  readonly head: ResponseHead;
  /** Interim (1xx) responses received before the final one. */
  readonly interim: readonly ResponseHead[];
  readonly bodyBytes: number;
  readonly trailers: HeaderList | null;
  /** Bytes of request head and body written. */
  readonly bytesSent: number;
  /** Milliseconds from sending to the first response byte, and to the end of the body. */
  readonly firstByteMs: number;
  readonly totalMs: number;
  /** True when the connection may carry another request (RFC 9112 9.3). */
  readonly reusable: boolean;
}

/**
 * A failed exchange on a kept-alive connection the server had already closed, before any
 * response byte: the request may be sent again on a new connection (RFC 9112 9.3.1).
 */
export class StaleConnectionError extends ClientError {
  constructor(where: string) {
    super('RRC_ERR_PROTOCOL', `connection to ${where} closed before a response (stale keep-alive)`);
  }
}

interface Exchange {
  readonly method: string;
  readonly onHead: HeadHandler;
  readonly resolve: (r: ExchangeResult) => void;
  readonly reject: (e: Error) => void;
  readonly keepAlive: boolean;
  readonly started: number;
  interim: ResponseHead[];
  head: ResponseHead | null;
  decoder: BodyDecoder | null;
  target: BodyTarget | null;
  received: number;
  firstByteAt: number;
  bytesSent: number;
  bodySent: boolean;
  upload: ReadStream | null;
  settled: boolean;
}

function protocolError(err: unknown, where: string): ClientError {
  if (err instanceof ProxyError)
    return new ClientError('RRC_ERR_PROTOCOL', `bad response from ${where}: ${err.detail}`);
  return socketErrorToClientError(err, where, where);
}

/**
 * One client TCP connection carrying HTTP/1.1 exchanges one after the other. Requests are written
 * as given (already serialized); responses are read with the shared codec: HeadScanner finds the
 * head, parseResponseHead parses it, responseFraming decides the body length (RFC 9112 6.3) and
 * BodyDecoder delimits the body.
 */
export class ClientConnection implements BodySink {
  private readonly scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, false);
  private current: Exchange | null = null;
  private exchanges = 0;
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    /** host:port, for messages. */
    readonly where: string,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.onError(err));
    socket.on('close', () => {
      this.closed = true;
      this.onEnd();
    });
    socket.on('timeout', () => this.onTimeout());
  }

  /** Opens a connection, failing with a ClientError (DNS, refused, timeout) the user can read. */
  static connect(host: string, port: number, timeoutMs: number): Promise<ClientConnection> {
    const where = backendId(host, port);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new ClientError(
            'RRC_ERR_TIMEOUT',
            `timed out after ${timeoutMs / 1000}s connecting to ${where}`,
          ),
        );
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(socketErrorToClientError(err, host, where));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        socket.setNoDelay(true);
        resolve(new ClientConnection(socket, where, timeoutMs));
      });
    });
  }

  /** True once the socket is closed or was found unusable. */
  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Number of exchanges started on this connection. */
  get exchangeCount(): number {
    return this.exchanges;
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Sends one request and reads its response. `keepAlive` false means the request said
   * `Connection: close`, so the connection is not reused whatever the server answers.
   */
  exchange(
    head: string,
    body: RequestBody | null,
    method: string,
    keepAlive: boolean,
    onHead: HeadHandler,
  ): Promise<ExchangeResult> {
    if (this.current !== null) throw new Error('exchange already in progress');
    if (this.isClosed) return Promise.reject(new StaleConnectionError(this.where));
    this.exchanges++;
    return new Promise((resolve, reject) => {
      const ex: Exchange = {
        method,
        onHead,
        resolve,
        reject,
        keepAlive,
        started: performance.now(),
        interim: [],
        head: null,
        decoder: null,
        target: null,
        received: 0,
        firstByteAt: 0,
        bytesSent: 0,
        bodySent: body === null,
        upload: null,
        settled: false,
      };
      this.current = ex;
      this.socket.setTimeout(this.timeoutMs);
      this.socket.resume();
      this.writeRequest(ex, head, body);
    });
  }

  private writeRequest(ex: Exchange, head: string, body: RequestBody | null): void {
    this.socket.write(head, 'latin1');
    ex.bytesSent += Buffer.byteLength(head, 'latin1');
    if (body === null) return;
    if (body.kind === 'buffer') {
      if (body.data.length > 0) this.socket.write(body.data);
      ex.bytesSent += body.data.length;
      ex.bodySent = true;
      return;
    }
    // A file is streamed, with backpressure, rather than read into memory.
    const upload = createReadStream(body.path);
    ex.upload = upload;
    let sent = 0;
    upload.on('data', (chunk) => {
      const buf = chunk as Buffer;
      if (sent + buf.length > body.size) {
        this.fail(ex, new ClientError('RRC_ERR_FILE', `${body.path} grew while it was being sent`));
        return;
      }
      sent += buf.length;
      ex.bytesSent += buf.length;
      // Complete once the last byte is handed to the socket: the response may arrive before
      // the file stream's 'end' event.
      if (sent === body.size) ex.bodySent = true;
      if (!this.socket.write(buf)) {
        upload.pause();
        this.socket.once('drain', () => upload.resume());
      }
    });
    upload.on('end', () => {
      if (sent !== body.size) {
        this.fail(
          ex,
          new ClientError('RRC_ERR_FILE', `${body.path} shrank while it was being sent`),
        );
        return;
      }
      ex.bodySent = true;
      ex.upload = null;
    });
    upload.on('error', (err) => {
      this.fail(ex, new ClientError('RRC_ERR_FILE', `cannot read ${body.path}: ${err.message}`));
    });
  }

  private onData(chunk: Buffer): void {
    const ex = this.current;
    if (ex === null) {
      // Bytes nobody asked for (RFC 9112 9.3): the connection cannot be trusted any more.
      this.destroy();
      return;
    }
    if (ex.firstByteAt === 0) ex.firstByteAt = performance.now();
    try {
      this.feed(ex, chunk);
    } catch (err) {
      this.fail(ex, protocolError(err, this.where));
    }
  }

  private feed(ex: Exchange, chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (ex.decoder === null) {
        const end = this.scanner.push(chunk, off);
        if (end === -1) return;
        const s = this.scanner;
        const raw = Buffer.from(s.headBuf.subarray(s.headStart, s.headEnd));
        const head = parseResponseHead(s.headBuf, s.headStart, s.headLineEnd, s.headEnd);
        off = end;
        // Interim responses (RFC 9110 15.2) precede the final one; 101 would switch protocols,
        // which this client never asks for, so it is taken as final.
        if (head.status < 200 && head.status !== 101) {
          ex.interim.push(head);
          continue;
        }
        const framing = responseFraming(head, ex.method);
        ex.head = head;
        ex.target = ex.onHead(head, raw, framing);
        ex.decoder = new BodyDecoder(
          framing,
          DEFAULT_CODEC_LIMITS,
          'RRP_ERR_UPSTREAM_BAD_RESPONSE',
        );
        if (ex.decoder.done) {
          this.finish(ex, chunk.length - off);
          return;
        }
        if (ex.settled) return;
      }
      off = ex.decoder.decode(chunk, off, this);
      if (ex.decoder.done) {
        this.finish(ex, chunk.length - off);
        return;
      }
    }
  }

  /** BodySink: body bytes from the decoder go to the target, pausing the socket when it is full. */
  onBodyData(data: Buffer): void {
    const ex = this.current;
    if (ex === null) return;
    ex.received += data.length;
    const target = ex.target;
    if (target !== null && !target.write(data)) {
      // Our side is slow (a terminal pager, a full disk queue): not the server's silence, so
      // the idle timeout is off until the target drains.
      this.socket.pause();
      this.socket.setTimeout(0);
      target.once('drain', () => {
        if (this.current === ex && !this.socket.destroyed) this.socket.setTimeout(this.timeoutMs);
        this.socket.resume();
      });
    }
  }

  private finish(ex: Exchange, leftover: number): void {
    if (ex.settled) return;
    const head = ex.head!;
    const decoder = ex.decoder!;
    const persistent = messagePersists(head.headers, head.versionMinor);
    const reusable =
      ex.keepAlive &&
      persistent &&
      !decoder.closeDelimited &&
      head.status !== 101 &&
      ex.bodySent &&
      leftover === 0;
    if (ex.upload !== null) {
      // The server answered before the whole body was sent (e.g. 413): stop sending.
      ex.upload.destroy();
      ex.upload = null;
    }
    const now = performance.now();
    this.settle(ex);
    if (!reusable) this.destroy();
    ex.resolve({
      head,
      interim: ex.interim,
      bodyBytes: ex.received,
      trailers: decoder.trailers,
      bytesSent: ex.bytesSent,
      firstByteMs: (ex.firstByteAt || now) - ex.started,
      totalMs: now - ex.started,
      reusable,
    });
  }

  private settle(ex: Exchange): void {
    ex.settled = true;
    if (this.current === ex) this.current = null;
    if (!this.socket.destroyed) this.socket.setTimeout(0);
  }

  private fail(ex: Exchange, err: Error): void {
    if (ex.settled) return;
    if (ex.upload !== null) ex.upload.destroy();
    this.settle(ex);
    this.destroy();
    ex.reject(err);
  }

  private onEnd(): void {
    const ex = this.current;
    if (ex === null) {
      this.closed = true;
      return;
    }
    if (ex.decoder !== null) {
      if (ex.decoder.endOfInput()) {
        this.finish(ex, 0);
        return;
      }
      const d = ex.decoder;
      this.fail(
        ex,
        new ClientError(
          'RRC_ERR_PROTOCOL',
          `connection to ${this.where} closed before the end of the response body (${d.received} bytes received)`,
        ),
      );
      return;
    }
    if (ex.firstByteAt === 0 && this.exchanges > 1) {
      this.fail(ex, new StaleConnectionError(this.where));
      return;
    }
    this.fail(
      ex,
      new ClientError(
        'RRC_ERR_PROTOCOL',
        ex.firstByteAt === 0
          ? `${this.where} closed the connection without responding`
          : `connection to ${this.where} closed in the middle of the response head`,
      ),
    );
  }

  private onError(err: Error): void {
    const ex = this.current;
    this.closed = true;
    if (ex === null) return;
    const code = (err as { code?: unknown }).code;
    if (ex.firstByteAt === 0 && this.exchanges > 1 && (code === 'ECONNRESET' || code === 'EPIPE')) {
      this.fail(ex, new StaleConnectionError(this.where));
      return;
    }
    this.fail(ex, socketErrorToClientError(err, this.where, this.where));
  }

  private onTimeout(): void {
    const ex = this.current;
    if (ex === null) return;
    const what =
      ex.head === null ? 'waiting for the response' : 'in the middle of the response body';
    this.fail(
      ex,
      new ClientError(
        'RRC_ERR_TIMEOUT',
        `timed out after ${this.timeoutMs / 1000}s ${what} from ${this.where}`,
      ),
    );
  }
}
