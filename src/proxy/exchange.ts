import type { Backend } from '../balancer/backend';
import type { PickContext } from '../balancer/balancer';
import type { CapacityWaiter } from '../balancer/capacity-queue';
import {
  applyValidators,
  type BodyCollector,
  type CacheDecision,
  type CachedResponse,
  type CacheTicket,
} from '../cache/http-cache';
import { ProxyError, type ErrorCode } from '../errors';
import {
  CHUNKED,
  CLOSE_DELIMITED,
  NO_BODY,
  chunkHeader,
  lastChunk,
  lengthFraming,
  messagePersists,
  framingLine,
  serializeRequestHead,
  serializeResponseHead,
  statusLine,
  type BodyFraming,
  HeaderList,
  type RequestHead,
  type ResponseHead,
} from '../http';
import { httpDate } from '../http/date';
import { writeLatin1 } from '../http/latin1';
import type { UpstreamConnection, UpstreamHandler } from '../upstream/connection';
import type { ClientConnection } from './client-connection';
import type { ProxyContext } from './context';
import {
  buildClientResponseHeaders,
  buildUpstreamRequestHeaders,
  clientResponseHeadBytes,
  requestIdFieldName,
  storedFieldLines,
  viaEntry,
  type UpstreamRequestParams,
} from './forwarding';
import type { RequestObservation } from './observer';
import { checkRequest } from './request-checks';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const CRLF = '\r\n';

/** Bodies up to this size are copied behind their head and written with it in one piece. */
const WHOLE_WRITE_MAX_BODY = 16 * 1024;
/**
 * One request/response exchange: picks a backend, sends the request over a pooled connection,
 * streams the body both ways with backpressure, and ends with one access-log line. All retries
 * go through `mayRetry`, the project's one retry rule.
 */
export class Exchange implements UpstreamHandler {
  readonly startedAt = performance.now();
  readonly requestId: string;
  readonly clientAddress: string;
  readonly method: string;
  /** Request body framing as received from the client. */
  readonly framing: BodyFraming;

  /** Built on first use: a request answered from the cache never needs it. */
  private upstreamHeaders: HeaderList | null = null;
  private readonly forwarding: UpstreamRequestParams;
  /** TRACE/OPTIONS with Max-Forwards: 0 (RFC 9110 7.6.2). */
  private readonly answerLocally: boolean;
  private readonly upstreamPath: string;
  private readonly clientPath: string;
  private readonly clientHost: string;
  private upstreamHead = '';
  /** The cache's part in this exchange, when it forwards. */
  private ticket: CacheTicket | null = null;
  private collector: BodyCollector | null = null;
  private cacheStatus: string | null = null;
  /** The upstream response is replaced by a stored one; its bytes are dropped. */
  private discarding = false;
  /** The head sent by the current attempt (the upstream head plus any trace context). */
  private attemptHead = '';
  private readonly obs: RequestObservation | null;
  private readonly idempotent: boolean;
  private readonly tried: Backend[] = [];
  private attempts = 0;
  /** What hashing strategies read: the client's request fields. */
  private readonly pickContext: PickContext;
  /** Retry tokens taken from the retry budget, given back when the exchange finishes. */
  private retryTokens = 0;
  /** Waiting for a backend below limits.maxInFlightPerBackend, and until when. */
  private capacityWaiter: CapacityWaiter | null = null;
  private queueDeadline = 0;
  private lastError: ProxyError | null = null;
  private lastWasReused = false;
  /**
   * A reset sent the request again: the replay goes out on a fresh connection. On the same
   * backend it happens once (RFC 9110 9.2.2: a failed automatic retry is not retried again);
   * other backends each get their attempt, up to limits.maxTries.
   */
  private replayed = false;
  private sameBackendReplayed = false;
  private upstream: UpstreamConnection | null = null;
  private backend: Backend | null = null;
  private upstreamStartedAt = 0;
  private upstreamEndedAt = 0;

  /** Request body chunks kept for a replay; null once it overflowed (no replay then). */
  private replay: Buffer[] | null;
  private replayBytes = 0;
  private requestBodyDone: boolean;
  private requestTrailers: HeaderList | null = null;
  bytesIn = 0;

  private responseHeadSent = false;
  private clientFraming: BodyFraming = NO_BODY;
  /** A response head not yet written, with room behind it for its small body (onBodyData). */
  private heldHead: Buffer | null = null;
  private heldHeadLength = 0;
  private forwardTrailers = false;
  private keepAlive: boolean;
  /** Final response arrived before the request body was complete (RFC 9110 15.2.1 / 10.1.1). */
  private earlyResponse = false;
  private status = 0;
  private bytesOut = 0;
  private finished = false;
  private outcome: ErrorCode | 'ok' = 'ok';

  constructor(
    private readonly ctx: ProxyContext,
    private readonly conn: ClientConnection,
    readonly head: RequestHead,
  ) {
    // Throws ProxyError for a request we must refuse; the connection answers it.
    const checked = checkRequest(head, ctx, conn.peerAddress, conn.info);
    this.method = head.method;
    this.framing = checked.framing;
    this.requestId = checked.requestId;
    this.clientAddress = checked.clientAddress;
    this.idempotent = IDEMPOTENT.has(head.method);
    this.pickContext = { headers: head.headers };
    this.replay = this.idempotent ? [] : null;
    this.requestBodyDone =
      checked.framing.kind === 'none' ||
      (checked.framing.kind === 'length' && checked.framing.length === 0);
    this.keepAlive = messagePersists(head.headers, head.versionMinor);
    this.forwarding = checked.forwarding;
    this.answerLocally = checked.answerLocally;
    this.upstreamPath = checked.path;
    this.clientPath = checked.clientPath;
    this.clientHost = checked.clientHost ?? '';
    const observer = ctx.observer;
    this.obs =
      observer === null
        ? null
        : observer.requestStart({
            method: head.method,
            target: checked.clientPath,
            upstreamTarget: checked.path,
            headers: head.headers,
            clientAddress: checked.clientAddress,
            peerAddress: conn.peerAddress,
            peerPort: conn.info.remotePort,
            localAddress: conn.info.localAddress,
            localPort: conn.info.localPort,
            host: checked.forwarding.host,
            versionMinor: head.versionMinor,
            requestId: checked.requestId,
          });
    ctx.stats.requests++;
    ctx.stats.activeRequests++;
  }

  get hasBody(): boolean {
    return !this.requestBodyDone;
  }

  get responseStarted(): boolean {
    return this.responseHeadSent;
  }

  /** Consults the cache (when enabled), then goes upstream. */
  start(): void {
    if (this.answerLocally) {
      this.answerAsFinalRecipient();
      return;
    }
    const cache = this.ctx.cache;
    if (cache === null) {
      this.forward();
      return;
    }
    this.consultCache(
      cache.lookup({
        method: this.method,
        host: this.clientHost,
        path: this.clientPath,
        headers: this.head.headers,
      }),
    );
  }

  private consultCache(d: CacheDecision): void {
    if (this.finished) return;
    switch (d.kind) {
      case 'hit':
        this.serveStored(d.response);
        return;
      case 'gateway-timeout':
        this.setCacheStatus(d.cacheStatus);
        this.fail(
          new ProxyError('RRP_ERR_CACHE_GATEWAY_TIMEOUT', 'only-if-cached: nothing usable'),
        );
        return;
      case 'wait':
        // Coalesced behind a concurrent fetch of the same URL (rare path: a closure is fine).
        d.promise.then(
          (next) => this.consultCache(next),
          (err: unknown) => this.fail(new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', String(err))),
        );
        return;
      case 'forward': {
        const t = (this.ticket = d.ticket);
        this.setCacheStatus(t.cacheStatus);
        // Validators of a stale entry replace the client's own conditionals (RFC 9111 4.3.1).
        applyValidators(this.upstreamFields(), t);
        this.forward();
        return;
      }
    }
  }

  private setCacheStatus(status: string): void {
    this.cacheStatus = status;
    this.obs?.cacheStatus(status);
  }

  /** The field list sent upstream (forwarding rules applied), built once. */
  private upstreamFields(): HeaderList {
    let h = this.upstreamHeaders;
    if (h === null) {
      h = this.upstreamHeaders = buildUpstreamRequestHeaders(this.head.headers, this.forwarding);
      // The backend must see exactly one trace context: ours, when tracing injects it.
      if (this.obs !== null && this.obs.injectsTraceContext === true) {
        h.remove('traceparent');
        h.remove('tracestate');
      }
    }
    return h;
  }

  private forward(): void {
    // Requests are framed upstream as received: a length stays a length, chunked stays chunked.
    this.upstreamHead = serializeRequestHead(
      this.method,
      this.upstreamPath,
      this.upstreamFields(),
      this.framing,
    );
    this.attempt();
  }

  /** Picks a backend and starts an attempt. */
  private attempt(): void {
    let backend = this.ctx.balancer.pick(this.tried, this.pickContext);
    if (backend === undefined) {
      if (this.waitForCapacity()) return;
      const last = this.lastError;
      if (last === null) {
        this.upstreamFailed(new ProxyError('RRP_ERR_NO_BACKENDS', 'no backends available'));
        return;
      }
      // Every backend was tried. A connect failure means that backend is down: give up. A reset
      // on a reused keep-alive socket is the reuse race: the same backend gets a fresh socket.
      if (
        last.code !== 'RRP_ERR_UPSTREAM_RESET' ||
        !this.lastWasReused ||
        this.sameBackendReplayed
      ) {
        this.upstreamFailed(last);
        return;
      }
      backend = this.tried[this.tried.length - 1]!;
      this.sameBackendReplayed = true;
    }
    if (this.attempts > 0 && !this.takeRetryToken()) {
      this.upstreamEndedAt = performance.now();
      this.upstreamFailed(this.lastError!);
      return;
    }
    this.attemptOn(backend);
  }

  /** Starts an attempt on `backend`. */
  private attemptOn(backend: Backend): void {
    const ctx = this.ctx;
    if (this.attempts > 0 && !this.requestBodyDone) {
      // A replay is starting: hold the client's body until the new connection has the head.
      this.conn.pauseFor('upstream');
    }
    this.tried.push(backend);
    this.attempts++;
    this.backend = backend;
    if (this.upstreamStartedAt === 0) this.upstreamStartedAt = performance.now();
    const up = ctx.pools.get(backend).acquire(this.replayed);
    this.upstream = up;
    this.attemptHead = this.upstreamHead;
    if (this.obs !== null) {
      const extra = this.obs.attemptStart(backend, !up.connecting);
      // Trace context goes last, before the empty line that ends the head.
      if (extra !== null) this.attemptHead = this.upstreamHead.slice(0, -2) + extra + '\r\n';
    }
    up.attach(this, this.method);
    if (!up.connecting) this.onConnected(up);
  }

  /**
   * Every retry counts against the retry budget (src/balancer/retry-budget.ts), except the reuse
   * race: a pooled socket the backend closed as we reused it says nothing about the backend.
   */
  private takeRetryToken(): boolean {
    const res = this.ctx.resilience;
    if (res === undefined) return true;
    const last = this.lastError;
    // Not budgeted: the keep-alive reuse race (our socket, not the backend's fault), and a
    // connect failure (nothing reached any backend; a refused connect costs the fleet nothing, and
    // refusing the retry would turn a dead backend into client errors until it is ejected).
    if (last !== null && last.code === 'RRP_ERR_UPSTREAM_RESET' && this.lastWasReused) return true;
    if (last !== null && last.code === 'RRP_ERR_UPSTREAM_CONNECT') return true;
    if (!res.budget.tryAcquire(this.ctx.stats.activeRequests)) return false;
    this.retryTokens++;
    return true;
  }

  /**
   * Every backend left for this request is at limits.maxInFlightPerBackend: wait (bounded by
   * timeouts.backendQueue) for a slot, then pick again; 503 with Retry-After when none frees.
   * Returns false when the pick failed for another reason.
   */
  private waitForCapacity(): boolean {
    const res = this.ctx.resilience;
    if (res === undefined || !res.balancer.saturated(this.tried)) return false;
    const now = performance.now();
    if (this.queueDeadline === 0) this.queueDeadline = now + this.ctx.config.timeouts.backendQueue;
    const busy = (): void =>
      this.upstreamFailed(
        new ProxyError('RRP_ERR_BACKENDS_BUSY', 'every backend is at limits.maxInFlightPerBackend'),
      );
    const left = this.queueDeadline - now;
    if (left <= 0) {
      busy();
      return true;
    }
    this.capacityWaiter = res.queue.wait(
      () => {
        this.capacityWaiter = null;
        if (!this.finished) this.attempt();
      },
      () => {
        this.capacityWaiter = null;
        if (!this.finished) busy();
      },
      left,
    );
    return true;
  }

  /**
   * limits.retryGatewayErrors: a 502/503/504 to an idempotent request, before any of it reached
   * the client and with the whole request in the replay buffer, is dropped and the request goes
   * to another backend (within maxTries and the retry budget). Returns true when it did.
   */
  private retryGatewayError(status: number): boolean {
    const ctx = this.ctx;
    if (status !== 502 && status !== 503 && status !== 504) return false;
    if (!ctx.config.limits.retryGatewayErrors || ctx.resilience === undefined) return false;
    if (!this.idempotent || this.replay === null || !this.requestBodyDone) return false;
    if (this.responseHeadSent || this.attempts >= ctx.config.limits.maxTries) return false;
    const next = ctx.balancer.pick(this.tried, this.pickContext);
    if (next === undefined) return false; // no other backend: the client gets this answer
    this.lastError = new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', `backend answered ${status}`);
    this.lastWasReused = false;
    if (!this.takeRetryToken()) return false;
    // The response is dropped as the cache's 'serve' path drops one: its connection is closed
    // (its body is never read), which also releases the backend's in-flight slot.
    const up = this.upstream;
    this.upstream = null;
    up?.destroy();
    this.obs?.attemptEnd('RRP_ERR_UPSTREAM_BAD_RESPONSE');
    this.attemptOn(next);
    return true;
  }

  // ---- upstream events -------------------------------------------------------------------

  onConnected(up: UpstreamConnection): void {
    if (up !== this.upstream) return;
    this.obs?.attemptConnected();
    up.write(this.attemptHead);
    if (this.attempts > 1 && this.replay !== null)
      for (const b of this.replay) this.writeBodyChunk(up, b);
    if (this.requestBodyDone) {
      this.endUpstreamBody(up);
    } else {
      this.conn.resumeFor('upstream');
      this.conn.readBody();
    }
  }

  beginOutputBatch(): void {
    this.conn.beginBatch();
  }

  endOutputBatch(): boolean {
    // The body did not come with its head: the head goes alone.
    if (this.heldHead !== null) this.writeHeldHead();
    return this.conn.endBatch();
  }

  /** Writes the held response head without a body behind it. */
  private writeHeldHead(): void {
    const held = this.heldHead!;
    this.heldHead = null;
    this.conn.write(held.subarray(0, this.heldHeadLength));
  }

  onUpstreamDrain(): void {
    this.conn.resumeFor('upstream');
  }

  onInterimResponse(head: ResponseHead): void {
    // 1xx go to HTTP/1.1 clients only (RFC 9110 15.2), never after the final head.
    if (this.head.versionMinor === 0 || this.responseHeadSent) return;
    const headers = buildClientResponseHeaders(head.headers, {
      upstreamMinor: head.versionMinor,
      viaName: this.ctx.config.headers.viaName,
      requestIdHeader: this.ctx.config.headers.requestIdHeader,
      requestId: this.requestId,
      keepContentLength: false,
      date: httpDate(),
    });
    this.conn.write(serializeResponseHead(head.status, head.reason, headers, NO_BODY));
  }

  onResponseHead(head: ResponseHead, framing: BodyFraming): void {
    const ctx = this.ctx;
    const client11 = this.head.versionMinor === 1;
    this.obs?.attemptResponse(head.status);
    if (this.backend !== null) this.ctx.resilience?.health.recordStatus(this.backend, head.status);
    if (this.retryGatewayError(head.status)) return;
    const t = this.ticket;
    if (t !== null) {
      const action = t.onResponseHead(head.status, head.reason, head.headers);
      if (action.kind === 'serve') {
        // A 304 refreshed the stored response, or stale-if-error replaces a 5xx: the upstream
        // bytes are dropped. A bodiless one lets its connection go back to the pool.
        if (framing.kind === 'none') {
          this.discarding = true;
        } else {
          const up = this.upstream;
          this.upstream = null;
          up?.destroy();
          this.obs?.attemptEnd('ok');
        }
        this.serveStored(action.response);
        return;
      }
      if (action.kind === 'collect') this.collector = action.collector;
      this.setCacheStatus(t.cacheStatus);
    }
    this.status = head.status;
    let out: BodyFraming;
    switch (framing.kind) {
      case 'none':
      case 'length':
        out = framing;
        break;
      case 'chunked':
        out = client11 ? CHUNKED : CLOSE_DELIMITED;
        this.forwardTrailers = client11;
        break;
      case 'close':
        // Re-frame as chunked for a 1.1 client so its connection survives.
        out = client11 ? CHUNKED : CLOSE_DELIMITED;
        break;
    }
    this.clientFraming = out;
    // The backend answered before the whole body: the rest is not forwarded, and neither
    // connection can be reused safely (connectionValue closes the client's).
    if (!this.requestBodyDone) this.earlyResponse = true;
    const connection = this.connectionValue(out.kind === 'close');
    const keepCl = framing.kind === 'none' && (this.method === 'HEAD' || head.status === 304);
    const params = {
      upstreamMinor: head.versionMinor,
      viaName: ctx.config.headers.viaName,
      requestIdHeader: ctx.config.headers.requestIdHeader,
      requestId: this.requestId,
      keepContentLength: keepCl,
      date: httpDate(),
    };
    const statusHeader = ctx.cache?.statusHeader;
    const cacheStatus = t !== null && statusHeader ? t.cacheStatus : null;
    this.responseHeadSent = true;
    this.conn.beginResponse();
    if (head.raw !== undefined) {
      // The backend's lines as received: no per-field strings joined and encoded again.
      let tail = '';
      if (cacheStatus !== null) tail += statusHeader + ': ' + cacheStatus + '\r\n';
      if (connection !== null) tail += 'Connection: ' + connection + '\r\n';
      tail += framingLine(out) + '\r\n';
      const line = statusLine(head.status, head.reason);
      // A small body usually comes in the same read as its head: room is left behind the head
      // so both leave in one write (onBodyData), instead of a writev of two buffers.
      const room = out.kind === 'length' && out.length <= WHOLE_WRITE_MAX_BODY ? out.length : 0;
      const bytes = clientResponseHeadBytes(head.headers, head.raw, params, line, tail, room);
      if (room === 0) this.conn.write(bytes);
      else {
        this.heldHead = bytes;
        this.heldHeadLength = bytes.length - room;
      }
      return;
    }
    const headers = buildClientResponseHeaders(head.headers, params);
    if (cacheStatus !== null) headers.add(statusHeader!, cacheStatus);
    if (connection !== null) headers.add('Connection', connection, 'connection');
    this.conn.write(serializeResponseHead(head.status, head.reason, headers, out, 1));
  }

  /** Response body data from the backend. */
  onBodyData(chunk: Buffer): void {
    if (this.discarding) return;
    this.collector?.push(chunk);
    this.bytesOut += chunk.length;
    const held = this.heldHead;
    if (held !== null) {
      const at = this.heldHeadLength;
      if (chunk.length !== held.length - at) this.writeHeldHead();
      else {
        // The whole body: copied behind the head, one write.
        this.heldHead = null;
        chunk.copy(held, at);
        if (!this.conn.write(held)) this.upstream?.pauseForClient();
        return;
      }
    }
    let ok: boolean;
    if (this.clientFraming.kind === 'chunked') {
      this.conn.write(chunkHeader(chunk.length));
      this.conn.write(chunk);
      ok = this.conn.write(CRLF);
    } else {
      ok = this.conn.write(chunk);
    }
    if (!ok) this.upstream?.pauseForClient();
  }

  /** The client socket drained: let the backend send more. */
  onClientDrain(): void {
    this.upstream?.resumeForClient();
  }

  onResponseEnd(trailers: HeaderList | null): void {
    if (this.discarding) {
      // The client was answered from the cache; only the connection is left to release.
      this.obs?.attemptEnd('ok');
      const up = this.upstream;
      this.upstream = null;
      up?.finish(this.requestBodyDone);
      return;
    }
    if (this.collector !== null) {
      this.collector.complete();
      this.collector = null;
    }
    if (this.clientFraming.kind === 'chunked') {
      this.conn.write(lastChunk(this.forwardTrailers ? filterTrailers(trailers) : null));
    }
    this.upstreamEndedAt = performance.now();
    this.obs?.attemptEnd('ok');
    const up = this.upstream;
    this.upstream = null;
    up?.finish(this.requestBodyDone && !this.earlyResponse);
    this.complete();
  }

  onUpstreamError(err: ProxyError, responseStarted: boolean): void {
    const up = this.upstream;
    this.upstream = null;
    if (this.finished) return;
    this.lastError = err;
    this.lastWasReused = up !== null && up.uses > 1;
    this.obs?.attemptEnd(err.code);
    this.reportFailure(err);
    if (this.mayRetry(err, responseStarted)) {
      if (err.code === 'RRP_ERR_UPSTREAM_RESET') this.replayed = true;
      this.attempt();
      return;
    }
    this.upstreamEndedAt = performance.now();
    this.upstreamFailed(err);
  }

  /** Tells passive health what the backend did; the reuse race is ours, not the backend's. */
  private reportFailure(err: ProxyError): void {
    const health = this.ctx.resilience?.health;
    const b = this.backend;
    if (health === undefined || b === null) return;
    switch (err.code) {
      case 'RRP_ERR_UPSTREAM_CONNECT':
        health.recordFailure(b, 'connect');
        return;
      case 'RRP_ERR_UPSTREAM_TIMEOUT':
        health.recordFailure(b, 'timeout');
        return;
      case 'RRP_ERR_UPSTREAM_RESET':
      case 'RRP_ERR_UPSTREAM_BAD_RESPONSE':
        if (!this.lastWasReused) health.recordFailure(b, 'reset');
        return;
      default:
        return;
    }
  }

  /** No usable response from any backend: the cache may still answer (stale-if-error). */
  private upstreamFailed(err: ProxyError): void {
    const t = this.ticket;
    if (t !== null && !this.responseHeadSent) {
      const e = t.onError();
      if (e !== null) {
        if (e.kind === 'serve') this.serveStored(e.response);
        else
          this.fail(
            new ProxyError(
              'RRP_ERR_CACHE_GATEWAY_TIMEOUT',
              `stale may not be served: ${err.detail}`,
            ),
          );
        return;
      }
    }
    this.fail(err);
  }

  /**
   * The one retry rule: again (to another backend when there is one) only if nothing of the
   * request was sent (connect failed), or it is idempotent, no response byte has arrived, and
   * its whole body so far is held in the replay buffer. Never after a timeout: a slow backend
   * must not receive the same request twice.
   */
  private mayRetry(err: ProxyError, responseStarted: boolean): boolean {
    if (this.responseHeadSent || responseStarted) return false;
    if (this.attempts >= this.ctx.config.limits.maxTries) return false;
    if (err.code === 'RRP_ERR_UPSTREAM_CONNECT') {
      // Nothing reached the backend; a body already read must be replayable, though. A body not
      // read yet (it waits for the connection) is simply read for the next attempt.
      return this.bytesIn === 0 || this.replay !== null;
    }
    if (err.code === 'RRP_ERR_UPSTREAM_RESET') return this.idempotent && this.replay !== null;
    return false;
  }

  // ---- request body (from the client connection) -----------------------------------------

  /** Decoded request body data. */
  forwardBody(chunk: Buffer): void {
    const n = chunk.length;
    this.bytesIn += n;
    if (this.bytesIn > this.ctx.config.limits.maxRequestBodyBytes) {
      throw new ProxyError('RRP_ERR_BODY_TOO_LARGE', 'request body over limit');
    }
    if (this.earlyResponse) return;
    const up = this.upstream;
    // While a replay connects, the bytes already read must be kept whatever the bound: the
    // client is paused, so this is at most what was buffered.
    const connecting = up === null || up.connecting;
    if (this.replay !== null) {
      if (connecting || this.replayBytes + n <= this.ctx.config.limits.replayBufferBytes) {
        this.replay.push(chunk);
        this.replayBytes += n;
      } else {
        this.replay = null;
      }
    }
    if (connecting) return; // onConnected writes the replay buffer
    if (!this.writeBodyChunk(up, chunk)) this.conn.pauseFor('upstream');
  }

  /** The client's request body is complete. */
  endBody(trailers: HeaderList | null): void {
    this.requestBodyDone = true;
    this.requestTrailers = trailers;
    if (this.earlyResponse) return;
    const up = this.upstream;
    if (up !== null && !up.connecting) this.endUpstreamBody(up);
  }

  private writeBodyChunk(up: UpstreamConnection, chunk: Buffer): boolean {
    if (this.framing.kind === 'chunked') {
      up.write(chunkHeader(chunk.length));
      up.write(chunk);
      return up.write(CRLF);
    }
    return up.write(chunk);
  }

  private endUpstreamBody(up: UpstreamConnection): void {
    if (this.framing.kind === 'chunked') up.write(lastChunk(filterTrailers(this.requestTrailers)));
    up.awaitResponse(this.ctx.config.timeouts.responseHeader);
  }

  // ---- endings ---------------------------------------------------------------------------

  /** The client went away or broke the protocol mid-exchange. */
  abort(code: ErrorCode): void {
    if (this.finished) return;
    const up = this.upstream;
    this.upstream = null;
    if (up !== null) {
      up.destroy();
      this.obs?.attemptEnd(code);
    }
    this.outcome = code;
    this.finish();
  }

  /** Ends the exchange with an error: an error response if nothing was sent, else an abort. */
  fail(err: ProxyError): void {
    if (this.finished) return;
    const up = this.upstream;
    this.upstream = null;
    if (up !== null) {
      up.destroy();
      this.obs?.attemptEnd(err.code);
    }
    this.outcome = err.code;
    this.ctx.stats.errors++;
    if (this.responseHeadSent) {
      // Never let a truncated response look complete: abort the client connection.
      this.finish();
      this.conn.destroy();
      return;
    }
    this.status = err.status;
    const keep = this.keepAlive && this.requestBodyDone && !this.ctx.draining && err.status >= 500;
    this.conn.sendError(err, this.requestId, keep);
    this.keepAlive = keep;
    this.finish();
    this.conn.exchangeDone(this, keep);
  }

  /** Answers from the cache: stored fields, Age, the status header, Content-Length framing. */
  private serveStored(r: CachedResponse): void {
    const ctx = this.ctx;
    this.setCacheStatus(r.cacheStatus);
    this.status = r.status;
    const hdr = ctx.config.headers;
    // The stored fields are serialised once per entry; per hit only the dynamic lines are added,
    // in the order buildClientResponseHeaders + the serializer would write them.
    const stored = storedFieldLines(r.headers, hdr.requestIdHeader);
    let head = statusLine(r.status, r.reason) + stored.text;
    if (!stored.hasDate) head += 'Date: ' + httpDate() + '\r\n';
    head +=
      'Via: ' +
      viaEntry(1, hdr.viaName) +
      '\r\n' +
      requestIdFieldName(hdr.requestIdHeader) +
      ': ' +
      this.requestId +
      '\r\nAge: ' +
      r.age +
      '\r\n';
    const statusHeader = ctx.cache?.statusHeader;
    if (statusHeader) head += statusHeader + ': ' + r.cacheStatus + '\r\n';
    const connection = this.connectionValue(false);
    if (connection !== null) head += 'Connection: ' + connection + '\r\n';
    const hasBody = r.status !== 304;
    if (hasBody) head += 'Content-Length: ' + r.bodyBytes + '\r\n';
    head += '\r\n';
    this.responseHeadSent = true;
    this.conn.beginResponse();
    const withBody = this.method !== 'HEAD' && hasBody;
    if (withBody && r.bodyBytes <= WHOLE_WRITE_MAX_BODY) {
      // Small: head and body leave in one buffer, one write(2) without corking (a writev
      // and the cork's tick cost more than copying the body).
      const headLen = head.length;
      const out = Buffer.allocUnsafe(headLen + r.bodyBytes);
      writeLatin1(out, head, 0);
      let at = headLen;
      for (const b of r.body) at += b.copy(out, at);
      this.bytesOut += r.bodyBytes;
      this.conn.write(out, true);
    } else {
      this.conn.write(head);
      if (withBody) {
        for (const b of r.body) {
          this.bytesOut += b.length;
          this.conn.write(b);
        }
      }
    }
    this.complete();
  }

  /**
   * Max-Forwards reached 0 on TRACE or OPTIONS: we are the final recipient (RFC 9110 7.6.2).
   * OPTIONS gets the methods we forward; TRACE gets the request as received (9.3.8), minus the
   * credentials it may carry.
   */
  private answerAsFinalRecipient(): void {
    const ctx = this.ctx;
    const headers = buildClientResponseHeaders(new HeaderList(), {
      upstreamMinor: 1,
      viaName: ctx.config.headers.viaName,
      requestIdHeader: ctx.config.headers.requestIdHeader,
      requestId: this.requestId,
      keepContentLength: false,
      date: httpDate(),
    });
    let body = '';
    if (this.method === 'TRACE') {
      const h = this.head;
      body = `${h.method} ${h.target} HTTP/1.${h.versionMinor}\r\n`;
      for (let i = 0; i < h.headers.length; i++) {
        const l = h.headers.lower[i]!;
        if (l === 'authorization' || l === 'proxy-authorization' || l === 'cookie') continue;
        body += h.headers.names[i]! + ': ' + h.headers.values[i]! + '\r\n';
      }
      body += '\r\n';
      headers.add('Content-Type', 'message/http', 'content-type');
    } else {
      headers.add('Allow', 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE', 'allow');
    }
    const connection = this.connectionValue(false);
    if (connection !== null) headers.add('Connection', connection, 'connection');
    this.status = 200;
    this.responseHeadSent = true;
    this.conn.beginResponse();
    const bytes = Buffer.from(body, 'latin1');
    this.conn.write(serializeResponseHead(200, 'OK', headers, lengthFraming(bytes.length), 1));
    if (bytes.length > 0) this.conn.write(bytes);
    this.bytesOut = bytes.length;
    this.complete();
  }

  /**
   * Settles whether the client connection survives the response being written, and returns its
   * Connection field value: "close" when it does not (asked for, draining, the client half-closed,
   * or request body bytes are still unread), "keep-alive" for a persistent HTTP/1.0 client
   * (RFC 9112 9.3), else none.
   */
  private connectionValue(mustClose: boolean): string | null {
    const ctx = this.ctx;
    if (mustClose || !this.requestBodyDone || ctx.draining || this.conn.closing) {
      this.keepAlive = false;
    }
    if (!this.keepAlive) return 'close';
    return this.head.versionMinor === 0 ? 'keep-alive' : null;
  }

  private complete(): void {
    this.finish();
    this.conn.exchangeDone(this, this.keepAlive);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const ctx = this.ctx;
    ctx.stats.activeRequests--;
    if (this.capacityWaiter !== null) {
      this.capacityWaiter.cancel();
      this.capacityWaiter = null;
    }
    if (this.retryTokens > 0) {
      ctx.resilience?.budget.release(this.retryTokens);
      this.retryTokens = 0;
    }
    if (this.ticket !== null) {
      // Releases coalesced waiters; aborts a collector whose body did not complete.
      this.collector = null;
      this.ticket.close();
    }
    const now = performance.now();
    const obs = this.obs;
    if (obs !== null) {
      obs.requestEnd({
        status: this.status,
        outcome: this.outcome,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        durationMs: now - this.startedAt,
        backend: this.backend,
        attempts: this.attempts,
      });
    }
    const log = ctx.accessLog;
    if (log === null) return;
    log.write({
      reqId: this.requestId,
      client: this.clientAddress,
      method: this.method,
      path: this.head.target,
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      durationMs: round(now - this.startedAt),
      upstream: this.backend === null ? null : this.backend.id,
      upstreamMs:
        this.upstreamStartedAt === 0
          ? null
          : round((this.upstreamEndedAt || now) - this.upstreamStartedAt),
      attempts: this.attempts,
      outcome: this.outcome,
      cache: this.cacheStatus,
      traceId: obs?.traceId,
      spanId: obs?.spanId,
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Framing and routing fields have no place in a trailer section (RFC 9110 6.5.1). */
const FORBIDDEN_TRAILERS = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'te',
  'trailer',
  'keep-alive',
  'upgrade',
  'authorization',
  'set-cookie',
  'cache-control',
  'content-type',
  'content-encoding',
  'content-range',
  'expect',
  'max-forwards',
  'pragma',
  'range',
]);

function filterTrailers(trailers: HeaderList | null): HeaderList | null {
  if (trailers === null) return null;
  if (!trailers.lower.some((l) => FORBIDDEN_TRAILERS.has(l))) return trailers;
  const out = trailers.clone();
  for (const l of FORBIDDEN_TRAILERS) out.remove(l);
  return out;
}
