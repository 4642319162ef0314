import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { core, tracing } from '@opentelemetry/sdk-node';
import { makeBackend } from '../../src/balancer/backend';
import { HeaderList } from '../../src/http';
import { splitHost, TracingObserver } from '../../src/observability/tracing-observer';
import type { RequestEndEvent, RequestStartEvent } from '../../src/proxy/observer';

/**
 * The tracing hooks against the real SDK tracer, spans captured in memory: what the exchange's
 * calls turn into (names, kinds, parentage, attributes, the injected traceparent).
 */

function setup(ratio = 1) {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  const observer = new TracingObserver(
    provider.getTracer('test'),
    new core.W3CTraceContextPropagator(),
  );
  return { exporter, observer };
}

function startEvent(over: Partial<RequestStartEvent> = {}): RequestStartEvent {
  return {
    method: 'GET',
    target: '/shop/items?id=7',
    upstreamTarget: '/shop/items?id=7',
    headers: HeaderList.from([
      ['Host', 'shop.example:8080'],
      ['User-Agent', 'curl/8.0'],
    ]),
    clientAddress: '203.0.113.9',
    peerAddress: '10.0.0.5',
    peerPort: 51234,
    localAddress: '10.0.0.1',
    localPort: 8080,
    host: 'shop.example:8080',
    versionMinor: 1,
    requestId: 'req-1',
    ...over,
  };
}

function endEvent(over: Partial<RequestEndEvent> = {}): RequestEndEvent {
  return {
    status: 200,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 42,
    durationMs: 3,
    backend: null,
    attempts: 1,
    ...over,
  };
}

const pod = makeBackend({ host: '10.1.2.3', port: 8080, pod: 'web-7d9f-abcde', zone: 'z1' });

test('one SERVER span and one CLIENT child per attempt, with semconv attributes', () => {
  const { exporter, observer } = setup();
  const obs = observer.requestStart(startEvent())!;
  expect(obs.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(obs.spanId).toMatch(/^[0-9a-f]{16}$/);
  expect(obs.injectsTraceContext).toBe(true);
  const lines = obs.attemptStart(pod, false);
  obs.attemptConnected();
  obs.attemptResponse(200);
  obs.attemptEnd('ok');
  obs.cacheStatus('MISS');
  obs.requestEnd(endEvent({ backend: pod }));

  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(2);
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  expect(server.name).toBe('GET');
  expect(server.spanContext().traceId).toBe(obs.traceId);
  expect(server.spanContext().spanId).toBe(obs.spanId);
  expect(server.parentSpanContext).toBeUndefined();
  expect(server.attributes).toMatchObject({
    'http.request.method': 'GET',
    'url.path': '/shop/items',
    'url.query': 'id=7',
    'url.scheme': 'http',
    'server.address': 'shop.example',
    'server.port': 8080,
    'client.address': '203.0.113.9',
    'network.peer.address': '10.0.0.5',
    'network.peer.port': 51234,
    'network.protocol.version': '1.1',
    'user_agent.original': 'curl/8.0',
    'http.response.status_code': 200,
    'rrproxy.cache.status': 'MISS',
    'rrproxy.request_id': 'req-1',
  });
  expect(server.status.code).toBe(SpanStatusCode.UNSET);

  expect(client.name).toBe('GET');
  expect(client.spanContext().traceId).toBe(obs.traceId);
  expect(client.parentSpanContext?.spanId).toBe(obs.spanId);
  expect(client.attributes).toMatchObject({
    'server.address': '10.1.2.3',
    'server.port': 8080,
    'k8s.pod.name': 'web-7d9f-abcde',
    'rrproxy.connection.reused': false,
    'http.response.status_code': 200,
    'url.full': 'http://10.1.2.3:8080/shop/items?id=7',
  });
  expect(typeof client.attributes['rrproxy.upstream.ttfb_ms']).toBe('number');
  expect(typeof client.attributes['rrproxy.upstream.connect_ms']).toBe('number');
  expect(client.events.map((e) => e.name)).toEqual(['connected', 'response head']);
  // The backend is told the CLIENT span is its parent.
  expect(lines).toBe(`traceparent: 00-${obs.traceId}-${client.spanContext().spanId}-01\r\n`);
});

test('an incoming traceparent is continued, tracestate kept and passed on', () => {
  const { exporter, observer } = setup(0); // the ratio is irrelevant: the parent sampled it
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const headers = HeaderList.from([
    ['traceparent', `00-${traceId}-00f067aa0ba902b7-01`],
    ['tracestate', 'vendor=abc'],
  ]);
  const obs = observer.requestStart(startEvent({ headers }))!;
  expect(obs.traceId).toBe(traceId);
  const lines = obs.attemptStart(pod, true)!;
  obs.attemptEnd('ok');
  obs.requestEnd(endEvent());
  const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
  const client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT)!;
  expect(server.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  expect(lines).toBe(
    `traceparent: 00-${traceId}-${client.spanContext().spanId}-01\r\ntracestate: vendor=abc\r\n`,
  );
});

test('a retry is a second CLIENT span; the failed one has error status and type', () => {
  const { exporter, observer } = setup();
  const obs = observer.requestStart(startEvent())!;
  const other = makeBackend({ host: '10.1.2.4', port: 8080 });
  obs.attemptStart(pod, true);
  obs.attemptEnd('RRP_ERR_UPSTREAM_RESET');
  obs.attemptStart(other, false);
  obs.attemptConnected();
  obs.attemptResponse(200);
  obs.attemptEnd('ok');
  obs.requestEnd(endEvent({ backend: other, attempts: 2 }));
  const clients = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT);
  expect(clients).toHaveLength(2);
  expect(clients[0]!.status).toEqual({
    code: SpanStatusCode.ERROR,
    message: 'RRP_ERR_UPSTREAM_RESET',
  });
  expect(clients[0]!.attributes['error.type']).toBe('RRP_ERR_UPSTREAM_RESET');
  expect(clients[0]!.attributes['http.request.resend_count']).toBeUndefined();
  expect(clients[1]!.status.code).toBe(SpanStatusCode.UNSET);
  expect(clients[1]!.attributes['http.request.resend_count']).toBe(1);
  expect(clients[1]!.attributes['server.address']).toBe('10.1.2.4');
  const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
  for (const c of clients) expect(c.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  expect(server.attributes['rrproxy.attempts']).toBe(2);
});

test('SERVER span: 5xx and failures are errors, 4xx is not; CLIENT span: 4xx is', () => {
  const { exporter, observer } = setup();
  const a = observer.requestStart(startEvent())!;
  a.attemptStart(pod, true);
  a.attemptResponse(404);
  a.attemptEnd('ok');
  a.requestEnd(endEvent({ status: 404 }));
  const b = observer.requestStart(startEvent())!;
  b.attemptStart(pod, true);
  b.attemptEnd('RRP_ERR_UPSTREAM_CONNECT');
  b.requestEnd(endEvent({ status: 502, outcome: 'RRP_ERR_UPSTREAM_CONNECT' }));
  const spans = exporter.getFinishedSpans();
  const byTrace = (id: string | undefined) => spans.filter((s) => s.spanContext().traceId === id);
  const [aClient, aServer] = byTrace(a.traceId);
  expect(aClient!.kind).toBe(SpanKind.CLIENT);
  expect(aClient!.status.code).toBe(SpanStatusCode.ERROR);
  expect(aServer!.status.code).toBe(SpanStatusCode.UNSET);
  const bServer = byTrace(b.traceId).find((s) => s.kind === SpanKind.SERVER)!;
  expect(bServer.status.code).toBe(SpanStatusCode.ERROR);
  expect(bServer.attributes['error.type']).toBe('RRP_ERR_UPSTREAM_CONNECT');
  expect(bServer.attributes['http.response.status_code']).toBe(502);
});

test('an attempt still open when the request ends is ended with it', () => {
  const { exporter, observer } = setup();
  const obs = observer.requestStart(startEvent())!;
  obs.attemptStart(pod, false);
  obs.requestEnd(endEvent({ status: 0, outcome: 'RRP_ERR_CLIENT_ABORT', bytesOut: 0 }));
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => s.kind).sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
  const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  expect(client.attributes['error.type']).toBe('RRP_ERR_CLIENT_ABORT');
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  expect(server.attributes['http.response.status_code']).toBeUndefined();
});

test('not sampled: nothing exported, yet ids exist and the backend gets an unsampled traceparent', () => {
  const { exporter, observer } = setup(0);
  const obs = observer.requestStart(startEvent())!;
  expect(obs.traceId).toMatch(/^[0-9a-f]{32}$/);
  const lines = obs.attemptStart(pod, true)!;
  expect(lines).toMatch(new RegExp(`^traceparent: 00-${obs.traceId}-[0-9a-f]{16}-00\\r\\n$`));
  obs.attemptEnd('ok');
  obs.requestEnd(endEvent());
  expect(exporter.getFinishedSpans()).toHaveLength(0);
});

test('an unknown method is _OTHER, named HTTP', () => {
  const { exporter, observer } = setup();
  const obs = observer.requestStart(startEvent({ method: 'PURGE' }))!;
  obs.requestEnd(endEvent());
  const [server] = exporter.getFinishedSpans();
  expect(server!.name).toBe('HTTP');
  expect(server!.attributes['http.request.method']).toBe('_OTHER');
  expect(server!.attributes['http.request.method_original']).toBe('PURGE');
});

test('splitHost: name (port 80), name:port, [v6]:port, and the local address without a Host', () => {
  expect(splitHost('a.example', '10.0.0.1', 8080)).toEqual(['a.example', 80]);
  expect(splitHost('a.example:8443', '10.0.0.1', 8080)).toEqual(['a.example', 8443]);
  expect(splitHost('[::1]:9000', '::1', 8080)).toEqual(['::1', 9000]);
  expect(splitHost('[::1]', '::1', 8080)).toEqual(['::1', 80]);
  expect(splitHost(null, '10.0.0.1', 8080)).toEqual(['10.0.0.1', 8080]);
});

test('an unsampled incoming parent is respected: nothing recorded, the same trace id goes on, flags 00', () => {
  const { exporter, observer } = setup(1);
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const headers = HeaderList.from([['traceparent', `00-${traceId}-b7ad6b7169203331-00`]]);
  const obs = observer.requestStart(startEvent({ headers }))!;
  expect(obs.traceId).toBe(traceId);
  expect(obs.attemptStart(pod, true)).toMatch(
    new RegExp(`^traceparent: 00-${traceId}-[0-9a-f]{16}-00\\r\\n$`),
  );
  obs.attemptEnd('ok');
  obs.requestEnd(endEvent());
  expect(exporter.getFinishedSpans()).toHaveLength(0);
});

test('a malformed incoming traceparent starts a new trace', () => {
  const { exporter, observer } = setup();
  const headers = HeaderList.from([['traceparent', '00-zzzz-not-a-trace-01']]);
  const obs = observer.requestStart(startEvent({ headers }))!;
  expect(obs.traceId).toMatch(/^[0-9a-f]{32}$/);
  obs.requestEnd(endEvent());
  const [server] = exporter.getFinishedSpans();
  expect(server!.parentSpanContext).toBeUndefined();
});

test('url.path is the path the client asked for; the CLIENT span names the rewritten one', () => {
  const { exporter, observer } = setup();
  const obs = observer.requestStart(
    startEvent({ target: '/api/items?id=7', upstreamTarget: '/items?id=7' }),
  )!;
  obs.attemptStart(pod, true);
  obs.attemptEnd('ok');
  obs.requestEnd(endEvent({ backend: pod }));
  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
  expect(server.attributes['url.path']).toBe('/api/items');
  expect(client.attributes['url.full']).toBe('http://10.1.2.3:8080/items?id=7');
});
