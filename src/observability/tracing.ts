import type { tracing as SdkTracing } from '@opentelemetry/sdk-node';
import type { TracingConfig } from '../config/types';
import type { ExchangeObserver } from '../proxy/observer';
import {
  describeSampler,
  resolveTracingSettings,
  type Env,
  type SamplerSpec,
  type TracingSettings,
} from './tracing-settings';

export { resolveTracingSettings, type TracingSettings } from './tracing-settings';

/** pino-compatible. */
export interface TracingLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Tracing {
  readonly settings: TracingSettings;
  /** The exchange hooks that make the spans. */
  readonly observer: ExchangeObserver;
  /** Export counters since start (metrics). */
  exportStats(): { failures: number; droppedSpans: number };
  /** Exports what is queued and stops; bounded, so a dead collector cannot hold up exit. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Minimum time between two "export failed" warnings. */
  readonly warnIntervalMs?: number;
  /** Bound on the final flush at shutdown. */
  readonly shutdownTimeoutMs?: number;
  readonly serviceVersion?: string;
}

/**
 * Starts OpenTelemetry tracing when an endpoint is configured (tracing.endpoint or the OTEL_*
 * variables), else returns null having loaded nothing: with tracing off no SDK module, exporter
 * or timer exists and the exchange has no tracing hook at all.
 *
 * When on: the NodeSDK with an OTLP/HTTP (JSON) exporter behind a BatchSpanProcessor (spans are
 * queued and sent in batches off the data path; a full queue drops spans, never blocks), the
 * resource from the SDK's detectors (OTEL_RESOURCE_ATTRIBUTES, host, process) plus service.name
 * and service.version, and a parent-based ratio sampler.
 */
export async function setupTracing(
  cfg: TracingConfig,
  env: Env,
  logger: TracingLogger,
  opts: TracingOptions = {},
): Promise<Tracing | null> {
  const settings = resolveTracingSettings(cfg, env);
  if (settings === null) return null;
  // Loaded only now: a process without tracing never pays for the SDK.
  const [sdkNode, otlp, api, { TracingObserver }, { WarningSpanExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/api'),
    import('./tracing-observer'),
    import('./export-warnings'),
  ]);
  const { tracing, resources, core } = sdkNode;
  const exporter = new WarningSpanExporter(
    new otlp.OTLPTraceExporter({ url: settings.url }),
    logger,
    settings.url,
    opts.warnIntervalMs ?? 60_000,
  );
  const version = opts.serviceVersion ?? '';
  const sdk = new sdkNode.NodeSDK({
    serviceName: settings.serviceName,
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes(version ? { 'service.version': version } : {})),
    sampler: buildSampler(tracing, settings.sampler),
    spanProcessors: [new tracing.BatchSpanProcessor(exporter)],
    // Spans only: no log or metric pipelines from the environment.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  if (settings.ignoredProtocol !== null) {
    logger.warn(
      { protocol: settings.ignoredProtocol },
      'tracing: only OTLP/HTTP with JSON (http/json) is sent; the requested protocol is ignored',
    );
  }
  logger.info(
    {
      endpoint: redactUrl(settings.url),
      endpointFrom: settings.urlSource,
      serviceName: settings.serviceName,
      sampler: describeSampler(settings.sampler),
    },
    'tracing on: OTLP/HTTP',
  );
  const tracer = api.trace.getTracer('rrproxy', version || undefined);
  const observer = new TracingObserver(tracer, new core.W3CTraceContextPropagator());
  const bound = opts.shutdownTimeoutMs ?? 5_000;
  let stopping: Promise<void> | null = null;
  return {
    settings,
    observer,
    exportStats: () => ({ failures: exporter.failures, droppedSpans: exporter.droppedSpans }),
    shutdown: () =>
      (stopping ??= withTimeout(sdk.shutdown(), bound).then(
        (done) => {
          if (!done) logger.warn({ timeoutMs: bound }, 'tracing: final flush timed out');
        },
        (err: unknown) => logger.warn({ err: String(err) }, 'tracing: final flush failed'),
      )),
  };
}

type TracingModule = typeof import('@opentelemetry/sdk-node').tracing;

function buildSampler(tracing: TracingModule, spec: SamplerSpec): SdkTracing.Sampler {
  const root =
    spec.ratio >= 1
      ? new tracing.AlwaysOnSampler()
      : spec.ratio <= 0
        ? new tracing.AlwaysOffSampler()
        : new tracing.TraceIdRatioBasedSampler(spec.ratio);
  return spec.parentBased ? new tracing.ParentBasedSampler({ root }) : root;
}

/** Userinfo in an endpoint URL is a credential: never logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

function withTimeout(p: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
