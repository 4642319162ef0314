import { DEFAULT_CONFIG } from '../../src/config/defaults';
import { HeaderList } from '../../src/http';
import { setupTracing } from '../../src/observability/tracing';
import { startOtlpReceiver } from '../support/otlp-receiver';

/**
 * setupTracing against the real SDK and exporter modules, which are wrapped only to count when
 * they are loaded and constructed: with tracing off, no exporter module is even loaded.
 */

const mockCounts = { exporterModuleLoads: 0, exporters: 0, sdkModuleLoads: 0 };

jest.mock('@opentelemetry/exporter-trace-otlp-http', () => {
  mockCounts.exporterModuleLoads++;
  const actual = jest.requireActual<typeof import('@opentelemetry/exporter-trace-otlp-http')>(
    '@opentelemetry/exporter-trace-otlp-http',
  );
  class CountingExporter extends actual.OTLPTraceExporter {
    constructor(...args: ConstructorParameters<typeof actual.OTLPTraceExporter>) {
      mockCounts.exporters++;
      super(...args);
    }
  }
  return { ...actual, OTLPTraceExporter: CountingExporter };
});

jest.mock('@opentelemetry/sdk-node', () => {
  mockCounts.sdkModuleLoads++;
  return jest.requireActual('@opentelemetry/sdk-node');
});

const quiet = { info: () => undefined, warn: () => undefined };

test('tracing off: null, and neither the SDK nor an exporter is loaded or created', async () => {
  const off = await setupTracing(DEFAULT_CONFIG.tracing, {}, quiet);
  expect(off).toBeNull();
  const disabled = await setupTracing(
    DEFAULT_CONFIG.tracing,
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' },
    quiet,
  );
  expect(disabled).toBeNull();
  expect(mockCounts).toEqual({ exporterModuleLoads: 0, exporters: 0, sdkModuleLoads: 0 });
});

test('tracing on: one exporter; spans reach the collector, flushed at shutdown', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const infos: string[] = [];
    const t = await setupTracing(
      { ...DEFAULT_CONFIG.tracing, serviceName: 'edge-test' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint },
      { info: (_o, msg) => infos.push(msg), warn: () => undefined },
      { serviceVersion: '9.9.9' },
    );
    expect(t).not.toBeNull();
    expect(mockCounts.exporters).toBe(1);
    expect(infos).toContain('tracing on: OTLP/HTTP');
    const obs = t!.observer.requestStart({
      method: 'GET',
      target: '/x',
      upstreamTarget: '/x',
      headers: new HeaderList(),
      clientAddress: '127.0.0.1',
      peerAddress: '127.0.0.1',
      peerPort: 5000,
      localAddress: '127.0.0.1',
      localPort: 8080,
      host: null,
      versionMinor: 1,
      requestId: 'r1',
    })!;
    obs.requestEnd({
      status: 204,
      outcome: 'ok',
      bytesIn: 0,
      bytesOut: 0,
      durationMs: 1,
      backend: null,
      attempts: 0,
    });
    // The batch processor holds the span (5 s delay); shutdown must flush it.
    expect(receiver.spans()).toHaveLength(0);
    await t!.shutdown();
    const [span] = await receiver.waitForSpans((s) => s.length === 1, 'the flushed span');
    expect(span!.traceId).toBe(obs.traceId);
    expect(span!.kind).toBe('SERVER');
    expect(span!.resource['service.name']).toBe('edge-test');
    expect(span!.resource['service.version']).toBe('9.9.9');
    expect(receiver.exports()[0]!.contentType).toBe('application/json');
    receiver.assertNoProblems();
  } finally {
    await receiver.close();
  }
});
