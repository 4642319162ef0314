/**
 * Traces through the real proxy process, exported over OTLP/HTTP to a local receiver: the
 * operator's path from an access log line to the trace and to the backend that served it.
 */
import { parseEcho, startEchoBackend, echoHeader } from '../support/echo-backend';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { closedPort } from '../support/ports';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { rawGet, responseBytes, startRawServer, type RawServer } from '../support/raw-http';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { pollUntil } from '../support/cleanup';
import http from 'node:http';

jest.setTimeout(60_000);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

let receiver: OtlpReceiver;
let echo: RawServer;
let proxy: ProxyProcess;

function tracingEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_SERVICE_NAME: 'rrproxy-it',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,k8s.namespace.name=shop',
    // Export batches quickly so the test does not wait 5 s per batch.
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  };
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  echo = await startEchoBackend('echo');
  proxy = await startProxy({ backends: [echo.address], env: tracingEnv() });
});

afterAll(async () => {
  await proxy?.stop();
  await echo?.stop();
  await receiver?.close();
});

afterEach(() => receiver.assertNoProblems());

function spansOf(traceId: string): ReceivedSpan[] {
  return receiver.spans().filter((s) => s.traceId === traceId);
}

async function waitForTrace(traceId: string, count: number): Promise<ReceivedSpan[]> {
  await receiver.waitForSpans(
    () => spansOf(traceId).length >= count,
    `${count} spans of trace ${traceId}`,
  );
  return spansOf(traceId);
}

test('one SERVER span and one CLIENT child per request; the backend and the access log get the ids', async () => {
  const res = await rawGet(proxy.port, '/items/7?color=red', [
    ['Host', 'shop.test:8080'],
    ['User-Agent', 'it-client/1.0'],
    ['X-Request-Id', 'trace-it-1'],
  ]);
  expect(res.status).toBe(200);
  const seen = echoHeader(parseEcho(res.body), 'traceparent');
  expect(seen).toHaveLength(1);
  const [, traceId, parentAtBackend] = TRACEPARENT.exec(seen[0]!)!;

  const spans = await waitForTrace(traceId!, 2);
  expect(spans).toHaveLength(2);
  const server = spans.find((s) => s.kind === 'SERVER')!;
  const client = spans.find((s) => s.kind === 'CLIENT')!;
  expect(server.parentSpanId).toBe('');
  expect(client.parentSpanId).toBe(server.spanId);
  // The backend was told the CLIENT span is its parent.
  expect(parentAtBackend).toBe(client.spanId);

  expect(server.name).toBe('GET');
  expect(server.attributes).toMatchObject({
    'http.request.method': 'GET',
    'url.path': '/items/7',
    'url.query': 'color=red',
    'server.address': 'shop.test',
    'server.port': 8080,
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'network.protocol.version': '1.1',
    'user_agent.original': 'it-client/1.0',
    'http.response.status_code': 200,
    'rrproxy.request_id': 'trace-it-1',
  });
  expect(typeof server.attributes['network.peer.port']).toBe('number');
  expect(server.status.code).toBe('UNSET');
  expect(client.attributes).toMatchObject({
    'server.address': '127.0.0.1',
    'server.port': echo.port,
    'rrproxy.connection.reused': false,
    'http.response.status_code': 200,
  });
  expect(typeof client.attributes['rrproxy.upstream.ttfb_ms']).toBe('number');
  expect(client.endTimeUnixNano).toBeLessThanOrEqual(server.endTimeUnixNano);
  expect(client.startTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
  // Resource from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
  expect(server.resource).toMatchObject({
    'service.name': 'rrproxy-it',
    'deployment.environment': 'test',
    'k8s.namespace.name': 'shop',
  });

  const line = await proxy.waitForAccessLog((l) => l['reqId'] === 'trace-it-1');
  expect(line['traceId']).toBe(traceId);
  expect(line['spanId']).toBe(server.spanId);
});

test('an incoming traceparent is continued and the backend joins the same trace', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const res = await rawGet(proxy.port, '/continued', [
    ['Host', 'shop.test'],
    ['traceparent', `00-${traceId}-${callerSpan}-01`],
    ['tracestate', 'congo=t61rcWkgMzE'],
  ]);
  expect(res.status).toBe(200);
  const report = parseEcho(res.body);
  const seen = echoHeader(report, 'traceparent');
  // Exactly one traceparent upstream: ours replaces the client's.
  expect(seen).toHaveLength(1);
  const [, seenTrace, seenParent] = TRACEPARENT.exec(seen[0]!)!;
  expect(seenTrace).toBe(traceId);
  expect(seenParent).not.toBe(callerSpan);
  expect(echoHeader(report, 'tracestate')).toEqual(['congo=t61rcWkgMzE']);

  const spans = await waitForTrace(traceId, 2);
  const server = spans.find((s) => s.kind === 'SERVER')!;
  const client = spans.find((s) => s.kind === 'CLIENT')!;
  expect(server.parentSpanId).toBe(callerSpan);
  expect(client.parentSpanId).toBe(server.spanId);
  expect(seenParent).toBe(client.spanId);
});

test('a retry after a reset on a reused connection shows two CLIENT spans', async () => {
  // Answers the first request of each connection; a second one is read and dropped unanswered
  // (the keep-alive reuse race), so the proxy retries on a fresh connection.
  const dropper = await startRawServer(async (conn) => {
    const req = await conn.readRequest();
    await conn.write(responseBytes(200, [['X-Conn', String(conn.id)]], `ok ${req.target}`));
    await conn.readRequest().catch(() => undefined);
    conn.socket.destroy();
  });
  const p = await startProxy({ backends: [dropper.address], env: tracingEnv() });
  try {
    expect((await rawGet(p.port, '/first')).status).toBe(200);
    const res = await rawGet(p.port, '/second', [
      ['Host', 'test'],
      ['X-Request-Id', 'retried-1'],
    ]);
    expect(res.status).toBe(200);
    const line = await p.waitForAccessLog((l) => l['reqId'] === 'retried-1');
    expect(line['attempts']).toBe(2);
    const traceId = String(line['traceId']);
    const spans = await waitForTrace(traceId, 3);
    const server = spans.find((s) => s.kind === 'SERVER')!;
    const clients = spans
      .filter((s) => s.kind === 'CLIENT')
      .sort((a, b) => Number(a.startTimeUnixNano - b.startTimeUnixNano));
    expect(clients).toHaveLength(2);
    for (const c of clients) expect(c.parentSpanId).toBe(server.spanId);
    expect(clients[0]!.attributes['rrproxy.connection.reused']).toBe(true);
    expect(clients[0]!.status.code).toBe('ERROR');
    expect(clients[0]!.attributes['error.type']).toBe('RRP_ERR_UPSTREAM_RESET');
    expect(clients[1]!.attributes['rrproxy.connection.reused']).toBe(false);
    expect(clients[1]!.attributes['http.request.resend_count']).toBe(1);
    expect(clients[1]!.status.code).toBe('UNSET');
    expect(server.attributes['rrproxy.attempts']).toBe(2);
    expect(server.attributes['http.response.status_code']).toBe(200);
    // The retried request reached the backend with the second CLIENT span as its parent.
    const second = dropper.connections[1]!.received().toString('latin1');
    expect(second).toContain(`traceparent: 00-${traceId}-${clients[1]!.spanId}-01\r\n`);
  } finally {
    await p.stop();
    await dropper.stop();
  }
});

test('spans still queued at SIGTERM are flushed before exit', async () => {
  // A batch delay longer than the test: only the shutdown flush can deliver the span.
  const p = await startProxy({
    backends: [echo.address],
    env: tracingEnv({ OTEL_BSP_SCHEDULE_DELAY: '600000' }),
  });
  const res = await rawGet(p.port, '/at-shutdown', [
    ['Host', 'test'],
    ['X-Request-Id', 'flush-1'],
  ]);
  expect(res.status).toBe(200);
  const line = await p.waitForAccessLog((l) => l['reqId'] === 'flush-1');
  const traceId = String(line['traceId']);
  expect(spansOf(traceId)).toHaveLength(0);
  expect(await p.stop()).toBe(0);
  const spans = spansOf(traceId);
  expect(spans.map((s) => s.kind).sort()).toEqual(['CLIENT', 'SERVER']);
});

test('an unreachable collector: requests are unaffected, one rate-limited warning', async () => {
  const dead = await closedPort();
  const p = await startProxy({
    backends: [echo.address],
    env: tracingEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${dead}` }),
  });
  try {
    const failures = async (): Promise<number> =>
      sampleValue(
        parsePrometheusText(await adminText(p.adminPort, '/metrics')),
        'rrproxy_trace_export_failures_total',
        {},
      ) ?? 0;
    // Several export batches fail (requests in separate batch windows)...
    for (let round = 0; round < 20 && (await failures()) < 3; round++) {
      for (let i = 0; i < 5; i++)
        expect((await rawGet(p.port, `/r${round}-${i}`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    await pollUntil('three failed exports', async () => (await failures()) >= 3, 20_000, 100);
    // ...and cost exactly one warning.
    const warnings = p
      .logs()
      .filter((l) => String(l['msg']).startsWith('tracing: span export failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['level']).toBe('warn');
    expect(String(warnings[0]!['endpoint'])).toContain(`127.0.0.1:${dead}`);
  } finally {
    await p.stop();
  }
});

test('a collector that accepts but never answers: requests flow, exit at SIGTERM is not held up', async () => {
  // Reads the export and never responds (a hung collector or a black-holed route).
  const hung = await startRawServer(async (conn) => {
    await conn.readRequest().catch(() => undefined);
  });
  const p = await startProxy({
    backends: [echo.address],
    env: tracingEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${hung.address}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    }),
  });
  try {
    for (let i = 0; i < 20; i++) expect((await rawGet(p.port, `/hung/${i}`)).status).toBe(200);
    await pollUntil(
      'an export to reach the hung collector',
      () => hung.connections.length > 0,
      20_000,
    );
    await pollUntil(
      'the export timeout to be reported',
      () => p.logs().some((l) => String(l['msg']).startsWith('tracing: span export failed')),
      20_000,
      50,
    );
    for (let i = 0; i < 5; i++) expect((await rawGet(p.port, `/after/${i}`)).status).toBe(200);
    // Spans are still queued for a collector that never answers: the final flush is bounded,
    // so SIGTERM still ends in a clean exit (stop() would SIGKILL after 15 s otherwise).
    expect(await p.stop()).toBe(0);
  } finally {
    await p.stop();
    await hung.stop();
  }
});

function adminText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      })
      .on('error', reject);
  });
}
