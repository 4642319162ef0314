import type { Duplex } from 'node:stream';
import { ProxyError, STATUS_TEXT } from '../errors';
import { BodyDecoder, HeadScanner, parseRequestHead, type BodySink } from '../http';
import { httpDate } from '../http/date';
import { deadlines, type DeadlineTarget } from '../timing/deadlines';
import type { ConnectionInfo, ProxyContext } from './context';
import { Exchange } from './exchange';
import { normalizePeerAddress, requestIdFieldName } from './forwarding';

/** Any byte stream a client speaks HTTP/1.1 over: a TCP socket today, TLS or PROXY-wrapped later. */
export type ClientTransport = Duplex & {
  setTimeout(ms: number): unknown;
};

const enum State {
  /** Waiting for, or reading, a request head. */
  Head,
  /** A request head was accepted; its body waits until the upstream is ready. */
  BodyWait,
  /** Reading the request body into the exchange. */
  Body,
  /** The request is read; its response is in progress. Further bytes are pipelined requests. */
  Response,
  /** Closing: we ended our side and discard input for a short linger. */
  Closing,
  Closed,
}

/** Why reading from the client is paused; reading resumes when no reason is left. */
const PAUSE_UPSTREAM = 1;
const PAUSE_PIPELINE = 2;

const LINGER_MS = 2000;

/**
 * One client connection: reads requests with the strict codec, one exchange at a time (pipelined
 * requests wait in a bounded buffer and are answered in order), applies the client timeouts, and
 * keeps the connection alive when it is safe to.
 */
export class ClientConnection implements BodySink, DeadlineTarget {
  readonly peerAddress: string;
  private state = State.Head;
  private readonly scanner: HeadScanner;
  private pending: Buffer | null = null;
  private exchange: Exchange | null = null;
  private bodyDecoder: BodyDecoder | null = null;
  private pauseMask = 0;
  private driving = false;
  private headStartedAt = 0;
  private peerEnded = false;
  private drainRequested = false;
  private corked = false;
  private batching = false;
  /** Inside receiveBorrowed(): the bytes being consumed are valid only until it returns. */
  private borrowed = false;
  /** DeadlineTarget: when the current timeout fires (performance.now()), 0 for none. */
  deadline = 0;
  /** When > 0, activity pushes the deadline this far ahead (an inactivity timeout). */
  private slidingMs = 0;
  private readonly uncorkBound: () => void;

  constructor(
    private readonly socket: ClientTransport,
    readonly info: ConnectionInfo,
    private readonly ctx: ProxyContext,
    private readonly onClosed: (conn: ClientConnection) => void,
    /** The transport calls receiveBorrowed() with each read instead of emitting 'data'. */
    borrowedReads = false,
  ) {
    this.peerAddress = normalizePeerAddress(info.remoteAddress);
    this.scanner = new HeadScanner(ctx.codecLimits, true);
    this.uncorkBound = this.uncork.bind(this);
    if (!borrowedReads) socket.on('data', this.onData.bind(this));
    socket.on('end', this.onEnd.bind(this));
    socket.on('error', this.onError.bind(this));
    socket.on('close', this.onClose.bind(this));
    socket.on('drain', this.onDrain.bind(this));
    deadlines.add(this);
    this.setTimer(ctx.config.timeouts.clientHeader);
  }

  /**
   * True when the connection will close after the current response. A client that half-closed
   * still gets answers to the requests it sent before its FIN (RFC 9112 9.6), so its connection
   * closes only once no received byte is left to serve.
   */
  get closing(): boolean {
    return (
      (this.peerEnded && this.pending === null) ||
      this.drainRequested ||
      this.state === State.Closing
    );
  }

  get idle(): boolean {
    return (
      this.state === State.Head &&
      this.exchange === null &&
      !this.scanner.partial &&
      this.pending === null
    );
  }

  // ---- input -----------------------------------------------------------------------------

  /**
   * One read into memory the transport reuses for its next read (see shared-reads.ts): it is
   * consumed here, and what must outlive the call is copied: a body chunk on its way upstream
   * (onBodyData) and unconsumed bytes (pipelined requests, a body not yet wanted).
   */
  receiveBorrowed(nread: number, buf: Buffer): boolean {
    this.borrowed = true;
    try {
      this.onData(buf.subarray(0, nread));
    } finally {
      this.borrowed = false;
      const p = this.pending;
      if (p !== null && p.buffer === buf.buffer) this.pending = Buffer.from(p);
    }
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.state >= State.Closing) return; // lingering: discard
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    const p = this.pending;
    this.pending = p === null ? chunk : Buffer.concat([p, chunk]);
    this.drive();
  }

  /** Consumes pending input as far as the current state allows. Re-entrant calls are folded. */
  private drive(): void {
    if (this.driving) return;
    this.driving = true;
    try {
      while (this.pending !== null) {
        const st = this.state;
        if (st === State.Head) {
          if (!this.readHead()) break;
        } else if (st === State.Body) {
          if (!this.readBodyBytes()) break;
        } else {
          // BodyWait / Response: hold the bytes; stop reading once the buffer is full.
          if (this.pending.length > this.ctx.config.limits.maxPipelineBytes)
            this.pauseFor('pipeline');
          break;
        }
      }
    } finally {
      this.driving = false;
    }
    if (this.peerEnded) this.afterPeerEndConsumed();
  }

  /**
   * The client half-closed and every byte it sent has been consumed: a request body still
   * incomplete can never complete, and with no request in progress nothing is left to answer.
   */
  private afterPeerEndConsumed(): void {
    if (this.pending !== null) return;
    if (this.state === State.Body) {
      this.exchange?.abort('RRP_ERR_CLIENT_ABORT');
      this.destroy();
    } else if (this.state === State.Head && this.exchange === null) {
      this.closeGracefully();
    }
  }

  /** Returns false when no progress is possible until more bytes arrive. */
  private readHead(): boolean {
    const buf = this.pending!;
    const sc = this.scanner;
    if (!sc.partial) this.headStartedAt = performance.now();
    let end: number;
    try {
      end = sc.push(buf, 0);
    } catch (err) {
      this.pending = null;
      this.protocolError(err);
      return false;
    }
    if (end === -1) {
      this.pending = null;
      // Slow clients: the whole head must arrive within clientHeader, trickled or not.
      const deadline = this.headStartedAt + this.ctx.config.timeouts.clientHeader;
      if (performance.now() >= deadline) {
        this.protocolError(new ProxyError('RRP_ERR_CLIENT_TIMEOUT', 'request head too slow'));
      } else {
        this.deadline = deadline;
        this.slidingMs = 0;
      }
      return false;
    }
    this.pending = end < buf.length ? buf.subarray(end) : null;
    let exchange: Exchange;
    try {
      const head = parseRequestHead(sc.headBuf, sc.headStart, sc.headLineEnd, sc.headEnd);
      sc.reset();
      exchange = new Exchange(this.ctx, this, head);
    } catch (err) {
      this.protocolError(err);
      return false;
    }
    this.exchange = exchange;
    this.bodyDecoder = exchange.hasBody
      ? new BodyDecoder(exchange.framing, this.ctx.codecLimits, 'RRP_ERR_BAD_REQUEST')
      : null;
    this.state = exchange.hasBody ? State.BodyWait : State.Response;
    this.setTimer(0);
    exchange.start();
    return true;
  }

  /** Called by the exchange when the upstream is ready for the request body. */
  readBody(): void {
    if (this.state !== State.BodyWait) return;
    this.state = State.Body;
    this.setTimer(this.ctx.config.timeouts.clientBodyIdle, true);
    this.resumeFor('pipeline');
    this.drive();
  }

  private readBodyBytes(): boolean {
    const buf = this.pending!;
    const dec = this.bodyDecoder!;
    const ex = this.exchange!;
    let off: number;
    try {
      off = dec.decode(buf, 0, this);
    } catch (err) {
      this.pending = null;
      const e =
        err instanceof ProxyError ? err : new ProxyError('RRP_ERR_BAD_REQUEST', String(err));
      ex.fail(e);
      return false;
    }
    this.pending = off < buf.length ? buf.subarray(off) : null;
    if (dec.done) {
      this.bodyDecoder = null;
      if (this.state === State.Body) {
        this.state = State.Response;
        this.setTimer(0);
      }
      ex.endBody(dec.trailers);
      return true;
    }
    return this.state === State.Body;
  }

  /** BodySink: decoded request body bytes. */
  onBodyData(chunk: Buffer): void {
    // A borrowed read is overwritten by the next one; the exchange may keep the chunk queued
    // on the backend socket or for a replay.
    this.exchange!.forwardBody(this.borrowed ? Buffer.from(chunk) : chunk);
  }

  pauseFor(reason: 'upstream' | 'pipeline'): void {
    const bit = reason === 'upstream' ? PAUSE_UPSTREAM : PAUSE_PIPELINE;
    if (this.pauseMask === 0) this.socket.pause();
    this.pauseMask |= bit;
  }

  resumeFor(reason: 'upstream' | 'pipeline'): void {
    const bit = reason === 'upstream' ? PAUSE_UPSTREAM : PAUSE_PIPELINE;
    if ((this.pauseMask & bit) === 0) return;
    this.pauseMask &= ~bit;
    if (this.pauseMask === 0 && this.state < State.Closing) this.socket.resume();
  }

  // ---- output ----------------------------------------------------------------------------

  /**
   * Writes to the client, corking so a head and its first body bytes leave in one writev.
   * `whole`: the data is a complete message in one piece and needs no cork of its own (one held
   * by earlier writes of this turn still applies, keeping their order).
   */
  write(data: Buffer | string, whole = false): boolean {
    const s = this.socket;
    if (this.state === State.Closed) return true;
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    if (!this.corked && !this.batching && !whole) {
      this.corked = true;
      s.cork();
      process.nextTick(this.uncorkBound);
    }
    return typeof data === 'string' ? s.write(data, 'latin1') : s.write(data);
  }

  private uncork(): void {
    this.corked = false;
    this.socket.uncork();
  }

  /** Starts a batch of writes that leave together (see UpstreamHandler.beginOutputBatch). */
  beginBatch(): void {
    if (this.batching || this.corked) return;
    this.batching = true;
    this.socket.cork();
  }

  /**
   * Ends a batch; returns true when bytes written so far are still queued in the socket (the
   * kernel took only part of them): memory they were written from must then stay untouched.
   */
  endBatch(): boolean {
    const s = this.socket;
    if (this.batching) {
      this.batching = false;
      s.uncork();
    }
    return s.writableLength !== 0;
  }

  /** The response head is going out: from now on a stalled client is bounded by clientSend. */
  beginResponse(): void {
    this.setTimer(this.ctx.config.timeouts.clientSend, true);
  }

  sendError(err: ProxyError, requestId: string | null, keepAlive: boolean): void {
    const status = err.status;
    const reason = STATUS_TEXT[status] ?? 'Error';
    const body = `${status} ${reason}\n`;
    let head =
      `HTTP/1.1 ${status} ${reason}\r\nDate: ${httpDate()}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${body.length}\r\n`;
    if (err.code === 'RRP_ERR_NO_BACKENDS' || err.code === 'RRP_ERR_BACKENDS_BUSY') {
      head += 'Retry-After: 1\r\n';
    }
    if (requestId !== null)
      head += `${requestIdFieldName(this.ctx.config.headers.requestIdHeader)}: ${requestId}\r\n`;
    if (!keepAlive) head += 'Connection: close\r\n';
    this.write(head + '\r\n' + body);
  }

  /** Answers a request we could not parse or accept, then closes (the stream is in doubt). */
  private protocolError(err: unknown): void {
    const e = err instanceof ProxyError ? err : new ProxyError('RRP_ERR_BAD_REQUEST', String(err));
    this.ctx.stats.errors++;
    this.ctx.observer?.requestRejected?.(e.status, e.code);
    if (e.code !== 'RRP_ERR_CLIENT_TIMEOUT' || this.scanner.partial || this.state !== State.Head) {
      this.sendError(e, null, false);
    }
    if (this.ctx.accessLog !== null) {
      this.ctx.logger.info(
        { client: this.peerAddress, status: e.status, outcome: e.code, detail: e.detail },
        'request rejected',
      );
    }
    this.closeGracefully();
  }

  /** Called by the exchange once its response is complete (or it failed). */
  exchangeDone(ex: Exchange, keepAlive: boolean): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.bodyDecoder = null;
    if (!keepAlive || this.closing || this.state === State.Body || this.state === State.BodyWait) {
      this.closeGracefully();
      return;
    }
    this.state = State.Head;
    this.setTimer(
      this.pending === null
        ? this.ctx.config.timeouts.clientKeepAlive
        : this.ctx.config.timeouts.clientHeader,
    );
    this.resumeFor('pipeline');
    this.drive();
  }

  /** Ends our side and lingers briefly so the client reads the response before any RST. */
  private closeGracefully(): void {
    if (this.state >= State.Closing) return;
    this.state = State.Closing;
    this.pending = null;
    this.pauseMask = 0;
    this.socket.resume();
    this.socket.end();
    this.setTimer(LINGER_MS);
  }

  destroy(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.socket.destroy();
  }

  /** SIGTERM: close now when idle, otherwise after the response in progress. */
  drain(): void {
    this.drainRequested = true;
    if (this.idle) this.closeGracefully();
  }

  // ---- socket events ---------------------------------------------------------------------

  private onDrain(): void {
    if (this.slidingMs !== 0) this.deadline = deadlines.coarseNow + this.slidingMs;
    this.exchange?.onClientDrain();
  }

  private onEnd(): void {
    this.peerEnded = true;
    switch (this.state) {
      case State.Head:
        if (this.exchange === null) this.closeGracefully();
        break;
      case State.Body:
        // Bytes already received may still complete the body; drive() decides once they are
        // consumed (an idle Body state has consumed them all).
        this.afterPeerEndConsumed();
        break;
      case State.BodyWait:
        // The body waits for the upstream; readBody() will consume what was received, then
        // drive() decides.
        break;
      case State.Closing:
        this.destroy();
        break;
      default:
        // Response in progress: finish it, then close (exchangeDone sees `closing`).
        break;
    }
  }

  private onError(): void {
    // 'close' follows and does the cleanup.
  }

  private onClose(): void {
    const ex = this.exchange;
    this.exchange = null;
    this.state = State.Closed;
    deadlines.delete(this);
    ex?.abort('RRP_ERR_CLIENT_ABORT');
    this.onClosed(this);
  }

  /** DeadlineTarget: the current timeout expired. */
  onDeadline(): void {
    switch (this.state) {
      case State.Head:
        if (this.scanner.partial)
          this.protocolError(new ProxyError('RRP_ERR_CLIENT_TIMEOUT', 'request head timeout'));
        else this.closeGracefully(); // idle keep-alive connection: close quietly
        return;
      case State.Body:
        if (this.exchange !== null && !this.exchange.responseStarted) {
          this.exchange.fail(new ProxyError('RRP_ERR_CLIENT_TIMEOUT', 'request body idle timeout'));
        } else {
          this.exchange?.abort('RRP_ERR_CLIENT_TIMEOUT');
          this.destroy();
        }
        return;
      case State.Response:
        // The client stopped reading our response (clientSend).
        this.exchange?.abort('RRP_ERR_CLIENT_TIMEOUT');
        this.destroy();
        return;
      default:
        this.destroy();
    }
  }

  /** Arms a timeout of `ms` (0: none); `sliding` makes it an inactivity timeout. */
  private setTimer(ms: number, sliding = false): void {
    this.deadline = ms === 0 ? 0 : performance.now() + ms;
    this.slidingMs = sliding ? ms : 0;
  }
}
