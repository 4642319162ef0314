import * as net from 'node:net';
import { ProxyError, type ErrorCode } from '../errors';
import {
  BodyDecoder,
  HeadScanner,
  parseResponseHead,
  responseFraming,
  type BodyFraming,
  type BodySink,
  type CodecLimits,
  type HeaderList,
  type ResponseHead,
} from '../http';
import { messagePersists } from '../http/hop-by-hop';
import type { Backend } from '../balancer/backend';
import { deadlines, type DeadlineTarget } from '../timing/deadlines';
import { keepAliveTimeoutMs, pooledIdleMs } from './keep-alive';

/** What an exchange receives from the backend connection it is using. */
export interface UpstreamHandler extends BodySink {
  onConnected(conn: UpstreamConnection): void;
  onInterimResponse(head: ResponseHead): void;
  onResponseHead(head: ResponseHead, framing: BodyFraming): void;
  onResponseEnd(trailers: HeaderList | null): void;
  /** The connection failed; `responseStarted` says whether any response byte had arrived. */
  onUpstreamError(err: ProxyError, responseStarted: boolean): void;
  /** The upstream socket can take more request body. */
  onUpstreamDrain(): void;
  /**
   * Brackets the processing of one read from the backend, so that everything it produces for
   * the client (head, chunk framing, data) leaves in one writev. Body data handed to the sink
   * lies in the connection's read buffer: endOutputBatch returns true when some of it may still
   * be queued for the client (see onRead).
   */
  beginOutputBatch(): void;
  endOutputBatch(): boolean;
}

/**
 * Bytes per read from a backend (Node's own reads are 64 KiB too), into a buffer the connection
 * keeps: reading through `onread` skips an ArrayBuffer per read and the Readable machinery.
 */
const READ_BUFFER_BYTES = 64 * 1024;

/** Where a connection goes back to when its exchange is done. */
export interface ConnectionOwner {
  release(conn: UpstreamConnection, reusable: boolean): void;
  forget(conn: UpstreamConnection): void;
}

const enum State {
  Connecting,
  Idle,
  Busy,
  Closed,
}

/**
 * One socket to one backend, reading responses with the strict codec. It serves one exchange at
 * a time (no pipelining upstream) and knows when its framing is in doubt, in which case it is
 * never reused.
 */
export class UpstreamConnection implements DeadlineTarget {
  readonly socket: net.Socket;
  /** Times this socket was handed out; > 1 means a reused keep-alive connection. */
  uses = 0;
  /** Idle lifetime in ms, lowered when the backend advertises a shorter Keep-Alive timeout. */
  idleMs: number;
  idleSince = 0;

  private state = State.Connecting;
  private handler: UpstreamHandler | null = null;
  private readonly scanner: HeadScanner;
  private decoder: BodyDecoder | null = null;
  private method = 'GET';
  private responseStarted = false;
  private keepAlive = true;
  private pausedForClient = false;
  /** Where the next read goes; replaced when a client still holds bytes of it (see onRead). */
  private readBuf = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  private lent = false;
  /** Between attach and finish/destroy: counted active by the owner. */
  private inUse = false;
  /** DeadlineTarget: when the current timeout fires (performance.now()), 0 for none. */
  deadline = 0;
  /** When > 0, activity pushes the deadline this far ahead (an inactivity timeout). */
  private slidingMs = 0;
  private timeoutCode: ErrorCode = 'RRP_ERR_UPSTREAM_TIMEOUT';

  constructor(
    readonly backend: Backend,
    private readonly owner: ConnectionOwner,
    private readonly limits: CodecLimits,
    connectTimeoutMs: number,
    idleMs: number,
    /** Inactivity bound while an exchange uses the socket (timeouts.upstreamIdle). */
    private readonly activeIdleMs: number,
  ) {
    this.idleMs = idleMs;
    this.scanner = new HeadScanner(limits, false);
    const socket = (this.socket = net.connect({
      host: backend.host,
      port: backend.port,
      // net asks for the buffer of the next read after each callback (Node 20 and 24).
      onread: { buffer: this.nextReadBuffer.bind(this), callback: this.onRead.bind(this) },
    }));
    socket.setNoDelay(true);
    this.setTimer(connectTimeoutMs, 'RRP_ERR_UPSTREAM_CONNECT');
    socket.on('connect', this.onConnect.bind(this));
    socket.on('end', this.onEnd.bind(this));
    socket.on('error', this.onError.bind(this));
    socket.on('close', this.onClose.bind(this));
    deadlines.add(this);
    socket.on('drain', this.onDrain.bind(this));
  }

  get connecting(): boolean {
    return this.state === State.Connecting;
  }

  get idle(): boolean {
    return this.state === State.Idle;
  }

  get closed(): boolean {
    return this.state === State.Closed;
  }

  /** Binds an exchange. For a connecting socket, onConnected fires once connected. */
  attach(handler: UpstreamHandler, method: string): void {
    this.handler = handler;
    this.method = method;
    this.inUse = true;
    this.uses++;
    this.responseStarted = false;
    this.keepAlive = true;
    this.decoder = null;
    this.scanner.reset();
    if (this.state === State.Idle) {
      this.state = State.Busy;
      // No upstream timer while the request is sent: a stall there is the client's (its body
      // idle timeout fires) or the backend's backpressure (which pauses the client).
      this.setTimer(0, 'RRP_ERR_UPSTREAM_TIMEOUT');
    }
  }

  /** Arms the response-header timeout once the request head is written. */
  awaitResponse(responseHeaderMs: number): void {
    this.setTimer(responseHeaderMs, 'RRP_ERR_UPSTREAM_TIMEOUT');
  }

  write(data: Buffer | string): boolean {
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /** Stops reading because the client is slow; the idle timer is not a backend fault then. */
  pauseForClient(): void {
    this.pausedForClient = true;
    this.socket.pause();
  }

  resumeForClient(): void {
    this.pausedForClient = false;
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    this.socket.resume();
  }

  /** Ends the exchange's use of this connection; reusable only if framing ended cleanly. */
  finish(reusable: boolean): void {
    this.handler = null;
    if (this.pausedForClient) {
      this.pausedForClient = false;
      this.socket.resume();
    }
    const ok = reusable && this.keepAlive && this.state === State.Busy && this.idleMs > 0;
    if (!ok) {
      this.destroy();
      return;
    }
    this.state = State.Idle;
    this.inUse = false;
    this.idleSince = Date.now();
    this.setTimer(this.idleMs, 'RRP_ERR_UPSTREAM_TIMEOUT');
    this.owner.release(this, true);
  }

  destroy(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.handler = null;
    deadlines.delete(this);
    this.socket.destroy();
    if (this.inUse) {
      this.inUse = false;
      this.owner.release(this, false);
    } else {
      this.owner.forget(this);
    }
  }

  /** Arms a timeout of `ms` (0: none) reported as `code`; `sliding`: an inactivity timeout. */
  private setTimer(ms: number, code: ErrorCode, sliding = false): void {
    this.timeoutCode = code;
    this.deadline = ms === 0 ? 0 : performance.now() + ms;
    this.slidingMs = sliding ? ms : 0;
  }

  private onConnect(): void {
    if (this.state !== State.Connecting) return;
    this.state = this.handler ? State.Busy : State.Idle;
    this.setTimer(0, 'RRP_ERR_UPSTREAM_TIMEOUT');
    this.handler?.onConnected(this);
  }

  private onDrain(): void {
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    this.handler?.onUpstreamDrain();
  }

  /**
   * The buffer for the next read: the same one again, unless the client still has bytes of it
   * queued (a partial write keeps pointers into it until it completes); that one is left to the
   * write and the garbage collector, and reads go on into a new one.
   */
  private nextReadBuffer(): Buffer {
    if (this.lent) {
      this.lent = false;
      this.readBuf = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    }
    return this.readBuf;
  }

  /**
   * One read into the connection's buffer (net's `onread`). Nothing of it is kept past this call
   * except what the client socket still has queued (see nextReadBuffer): the head's strings and
   * the cache's collector copy.
   */
  private onRead(nread: number, buf: Uint8Array): boolean {
    const h = this.handler;
    if (h === null) {
      // Bytes with no request outstanding: the framing is in doubt, never reuse.
      this.destroy();
      return true;
    }
    this.responseStarted = true;
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    h.beginOutputBatch();
    try {
      this.consume((buf as Buffer).subarray(0, nread), h);
    } catch (err) {
      const e =
        err instanceof ProxyError
          ? err.code === 'RRP_ERR_UPSTREAM_BAD_RESPONSE'
            ? err
            : new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', err.detail)
          : new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', String(err));
      this.fail(e);
    } finally {
      if (h.endOutputBatch()) this.lent = true;
    }
    return true;
  }

  private consume(chunk: Buffer, h: UpstreamHandler): void {
    let off = 0;
    const n = chunk.length;
    while (off < n) {
      if (this.decoder === null) {
        const end = this.scanner.push(chunk, off);
        if (end === -1) return;
        const sc = this.scanner;
        const head = parseResponseHead(sc.headBuf, sc.headStart, sc.headLineEnd, sc.headEnd);
        sc.reset();
        off = end;
        if (head.status < 200) {
          if (head.status === 101) {
            // We never forward Upgrade, so a 101 is unsolicited (RFC 9110 15.2.2).
            throw new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', 'unsolicited 101');
          }
          h.onInterimResponse(head);
          if (this.handler !== h) return;
          continue;
        }
        const framing = responseFraming(head, this.method);
        this.keepAlive =
          messagePersists(head.headers, head.versionMinor) && framing.kind !== 'close';
        const advertised = keepAliveTimeoutMs(head.headers.get('keep-alive'));
        if (advertised >= 0) this.idleMs = pooledIdleMs(this.idleMs, advertised);
        this.decoder = new BodyDecoder(framing, this.limits, 'RRP_ERR_UPSTREAM_BAD_RESPONSE');
        this.setTimer(this.activeIdleMs, 'RRP_ERR_UPSTREAM_TIMEOUT', true);
        h.onResponseHead(head, framing);
        if (this.handler !== h) return;
        if (this.decoder.done) {
          this.complete(h, off < n);
          return;
        }
        continue;
      }
      off = this.decoder.decode(chunk, off, h);
      if (this.handler !== h) return;
      if (this.decoder.done) {
        this.complete(h, off < n);
        return;
      }
    }
  }

  /** The response is complete; bytes beyond it mean the backend broke framing. */
  private complete(h: UpstreamHandler, extraBytes: boolean): void {
    if (extraBytes) this.keepAlive = false;
    const trailers = this.decoder!.trailers;
    this.decoder = null;
    h.onResponseEnd(trailers);
  }

  private onEnd(): void {
    const h = this.handler;
    if (h !== null && this.decoder !== null && this.decoder.closeDelimited) {
      this.decoder.endOfInput();
      this.keepAlive = false;
      const trailers = this.decoder.trailers;
      this.decoder = null;
      h.onResponseEnd(trailers);
      return;
    }
    if (h !== null) {
      this.fail(
        new ProxyError(
          'RRP_ERR_UPSTREAM_RESET',
          this.responseStarted ? 'backend closed mid-response' : 'backend closed the connection',
        ),
      );
      return;
    }
    this.destroy();
  }

  private onError(err: NodeJS.ErrnoException): void {
    const code: ErrorCode =
      this.state === State.Connecting ? 'RRP_ERR_UPSTREAM_CONNECT' : 'RRP_ERR_UPSTREAM_RESET';
    this.fail(new ProxyError(code, err.code ?? err.message));
  }

  private onClose(): void {
    if (this.handler !== null) {
      this.fail(new ProxyError('RRP_ERR_UPSTREAM_RESET', 'connection closed'));
      return;
    }
    this.destroy();
  }

  /** DeadlineTarget: the current timeout expired. */
  onDeadline(): void {
    if (this.state === State.Idle) {
      this.destroy();
      return;
    }
    if (this.pausedForClient) return; // the client's send timeout governs this stall
    if (this.handler === null) {
      this.destroy();
      return;
    }
    const code = this.timeoutCode;
    this.fail(
      new ProxyError(
        code,
        code === 'RRP_ERR_UPSTREAM_CONNECT' ? 'connect timeout' : 'backend timeout',
      ),
    );
  }

  private fail(err: ProxyError): void {
    const h = this.handler;
    const started = this.responseStarted;
    this.destroy();
    h?.onUpstreamError(err, started);
  }
}
