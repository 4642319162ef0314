import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type HrTime,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import type { Backend } from '../balancer/backend';
import type { HeaderList } from '../http';
import type {
  ExchangeObserver,
  Outcome,
  RequestEndEvent,
  RequestObservation,
  RequestStartEvent,
} from '../proxy/observer';

/**
 * Span times as HrTime from one monotonic clock (timeOrigin + performance.now()). Left to itself
 * the SDK gives each span its own Date.now()-based offset (whole milliseconds), so a CLIENT span
 * could end up to a millisecond after its SERVER parent.
 */
function nowHr(): HrTime {
  const ms = performance.timeOrigin + performance.now();
  const secs = Math.floor(ms / 1000);
  return [secs, Math.round((ms - secs * 1000) * 1e6)];
}

/**
 * Spans of the data path: one SERVER span per request and one CLIENT span per upstream attempt
 * (retries and replays are separate spans), with the stable HTTP semantic-convention attributes
 * (https://opentelemetry.io/docs/specs/semconv/http/http-spans/). The incoming W3C traceparent /
 * tracestate is continued, and the CLIENT span's context is what the backend receives, so a
 * backend's spans hang under the attempt that reached it.
 *
 * Spans are started against explicit parent contexts: no context manager, no async hooks. When
 * the sampler drops a request its spans are non-recording: ids are still made (the access log
 * and the backend get them), attributes are skipped.
 */

// Attribute names (stable semconv, spelled out: the semconv package is not worth loading).
const A = {
  method: 'http.request.method',
  methodOriginal: 'http.request.method_original',
  status: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  requestBodySize: 'http.request.body.size',
  responseBodySize: 'http.response.body.size',
  urlPath: 'url.path',
  urlQuery: 'url.query',
  urlScheme: 'url.scheme',
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  peerAddress: 'network.peer.address',
  peerPort: 'network.peer.port',
  protocolVersion: 'network.protocol.version',
  userAgent: 'user_agent.original',
  errorType: 'error.type',
  podName: 'k8s.pod.name',
  zone: 'cloud.availability_zone',
  requestId: 'rrproxy.request_id',
  cacheStatus: 'rrproxy.cache.status',
  outcome: 'rrproxy.outcome',
  attempts: 'rrproxy.attempts',
  backend: 'rrproxy.backend',
  reused: 'rrproxy.connection.reused',
  connectMs: 'rrproxy.upstream.connect_ms',
  ttfbMs: 'rrproxy.upstream.ttfb_ms',
} as const;

/** Methods semconv names as they are; any other is reported as _OTHER. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
  'QUERY',
]);

const HEADER_GETTER: TextMapGetter<HeaderList> = {
  keys: (h) => [...h.lower],
  get: (h, key) => h.get(key),
};

/** Collects injected fields as header lines for the upstream head. */
interface LineCarrier {
  lines: string;
}

const LINE_SETTER: TextMapSetter<LineCarrier> = {
  set: (c, key, value) => {
    c.lines += `${key}: ${value}\r\n`;
  },
};

export class TracingObserver implements ExchangeObserver {
  constructor(
    readonly tracer: Tracer,
    readonly propagator: TextMapPropagator,
  ) {}

  requestStart(ev: RequestStartEvent): RequestObservation {
    return new TracedRequest(this, ev);
  }
}

class TracedRequest implements RequestObservation {
  /** The exchange drops the client's traceparent/tracestate: ours replace them upstream. */
  readonly injectsTraceContext = true;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;

  private readonly server: Span;
  private readonly serverContext: Context;
  private readonly recording: boolean;
  private readonly method: string;
  /** The method is one semconv names as is (else spans say HTTP / _OTHER). */
  private readonly knownMethod: boolean;
  private readonly target: string;
  private client: Span | null = null;
  private clientReused = false;
  private attemptAt = 0;
  private attempts = 0;
  private cache: string | null = null;

  constructor(
    private readonly owner: TracingObserver,
    ev: RequestStartEvent,
  ) {
    const parent = ev.headers.has('traceparent')
      ? owner.propagator.extract(ROOT_CONTEXT, ev.headers, HEADER_GETTER)
      : ROOT_CONTEXT;
    const known = KNOWN_METHODS.has(ev.method);
    // Span name: the method, as there is no route (semconv "{method} {http.route}").
    const span = owner.tracer.startSpan(
      known ? ev.method : 'HTTP',
      { kind: SpanKind.SERVER, startTime: nowHr() },
      parent,
    );
    this.server = span;
    this.serverContext = trace.setSpan(parent, span);
    this.method = ev.method;
    this.knownMethod = known;
    this.target = ev.upstreamTarget;
    const sc = span.spanContext();
    if (trace.isSpanContextValid(sc)) {
      this.traceId = sc.traceId;
      this.spanId = sc.spanId;
    }
    this.recording = span.isRecording();
    if (!this.recording) return;
    const q = ev.target.indexOf('?');
    const [host, port] = splitHost(ev.host, ev.localAddress, ev.localPort);
    const attrs: Attributes = {
      [A.method]: known ? ev.method : '_OTHER',
      [A.urlScheme]: 'http',
      [A.urlPath]: q === -1 ? ev.target : ev.target.slice(0, q),
      [A.serverAddress]: host,
      [A.serverPort]: port,
      [A.clientAddress]: ev.clientAddress,
      [A.peerAddress]: ev.peerAddress,
      [A.peerPort]: ev.peerPort,
      [A.protocolVersion]: ev.versionMinor === 1 ? '1.1' : '1.0',
      [A.requestId]: ev.requestId,
    };
    if (!known) attrs[A.methodOriginal] = ev.method;
    if (q !== -1) attrs[A.urlQuery] = ev.target.slice(q + 1);
    const ua = ev.headers.get('user-agent');
    if (ua !== undefined) attrs[A.userAgent] = ua;
    span.setAttributes(attrs);
  }

  attemptStart(backend: Backend, reused: boolean): string | null {
    if (this.client !== null) this.endClient('attempt replaced');
    const owner = this.owner;
    const known = this.knownMethod;
    const span = owner.tracer.startSpan(
      known ? this.method : 'HTTP',
      { kind: SpanKind.CLIENT, startTime: nowHr() },
      this.serverContext,
    );
    this.client = span;
    this.clientReused = reused;
    this.attemptAt = performance.now();
    if (this.recording && span.isRecording()) {
      const attrs: Attributes = {
        [A.method]: known ? this.method : '_OTHER',
        [A.serverAddress]: backend.host,
        [A.serverPort]: backend.port,
        [A.peerAddress]: backend.host,
        [A.peerPort]: backend.port,
        [A.urlFull]: `http://${backend.id}${this.target}`,
        [A.protocolVersion]: '1.1',
        [A.backend]: backend.id,
        [A.reused]: reused,
      };
      if (!known) attrs[A.methodOriginal] = this.method;
      if (this.attempts > 0) attrs[A.resendCount] = this.attempts;
      if (backend.pod !== undefined) attrs[A.podName] = backend.pod;
      if (backend.zone !== undefined) attrs[A.zone] = backend.zone;
      span.setAttributes(attrs);
    }
    this.attempts++;
    const carrier: LineCarrier = { lines: '' };
    owner.propagator.inject(trace.setSpan(this.serverContext, span), carrier, LINE_SETTER);
    return carrier.lines === '' ? null : carrier.lines;
  }

  attemptConnected(): void {
    const span = this.client;
    if (span === null || this.clientReused || !span.isRecording()) return;
    span.setAttribute(A.connectMs, round(performance.now() - this.attemptAt));
    span.addEvent('connected');
  }

  attemptResponse(status: number): void {
    const span = this.client;
    if (span === null || !span.isRecording()) return;
    span.setAttribute(A.status, status);
    span.setAttribute(A.ttfbMs, round(performance.now() - this.attemptAt));
    span.addEvent('response head');
    // Semconv: 4xx and 5xx are errors of a CLIENT span.
    if (status >= 400) {
      span.setAttribute(A.errorType, String(status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }

  attemptEnd(outcome: Outcome): void {
    if (this.client === null) return;
    this.endClient(outcome === 'ok' ? null : outcome);
  }

  cacheStatus(status: string): void {
    this.cache = status;
  }

  requestEnd(ev: RequestEndEvent): void {
    if (this.client !== null) this.endClient(ev.outcome === 'ok' ? null : ev.outcome);
    const span = this.server;
    if (span.isRecording()) {
      const attrs: Attributes = {
        [A.outcome]: ev.outcome,
        [A.attempts]: ev.attempts,
        [A.requestBodySize]: ev.bytesIn,
        [A.responseBodySize]: ev.bytesOut,
      };
      if (ev.status > 0) attrs[A.status] = ev.status;
      if (this.cache !== null) attrs[A.cacheStatus] = this.cache;
      if (ev.backend !== null) attrs[A.backend] = ev.backend.id;
      // Semconv: only 5xx (and failures to answer) are errors of a SERVER span.
      if (ev.outcome !== 'ok' || ev.status >= 500) {
        attrs[A.errorType] = ev.outcome !== 'ok' ? ev.outcome : String(ev.status);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: ev.outcome !== 'ok' ? ev.outcome : undefined,
        });
      }
      span.setAttributes(attrs);
    }
    span.end(nowHr());
  }

  private endClient(error: string | null): void {
    const span = this.client!;
    this.client = null;
    if (error !== null && span.isRecording()) {
      span.setAttribute(A.errorType, error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    }
    span.end(nowHr());
  }
}

/**
 * server.address/port from the Host field ("name", "name:port", "[v6]:port"; no port means 80,
 * the http default), else the local address the request came in on (semconv: the address the
 * client thinks it talks to).
 */
export function splitHost(
  host: string | null,
  localAddress: string,
  localPort: number,
): [string, number] {
  if (host === null || host === '') return [localAddress, localPort];
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0) {
      const port = host.slice(close + 1).startsWith(':') ? Number(host.slice(close + 2)) : NaN;
      return [host.slice(1, close), Number.isInteger(port) && port > 0 ? port : HTTP_PORT];
    }
  }
  const colon = host.lastIndexOf(':');
  if (colon > 0 && host.indexOf(':') === colon) {
    const port = Number(host.slice(colon + 1));
    return [host.slice(0, colon), Number.isInteger(port) && port > 0 ? port : HTTP_PORT];
  }
  return [host, HTTP_PORT];
}

const HTTP_PORT = 80;

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
