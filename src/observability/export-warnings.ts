import { core, type tracing } from '@opentelemetry/sdk-node';

type SpanExporter = tracing.SpanExporter;
type ReadableSpan = tracing.ReadableSpan;
type ExportResult = core.ExportResult;

/** What the warnings are written to (the process logger). */
export interface WarningLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Wraps the OTLP exporter so that an unreachable or failing collector costs one warning per
 * interval (with the number of spans dropped since the last one), never a log line per batch
 * and never an error on the data path. The batch processor already drops spans it cannot queue.
 */
export class WarningSpanExporter implements SpanExporter {
  private lastWarnAt = -Infinity;
  private droppedSinceWarn = 0;
  private failuresSinceWarn = 0;
  /** Failed exports since start (a metric). */
  failures = 0;
  /** Spans in failed exports since start (a metric). */
  droppedSpans = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: WarningLogger,
    private readonly endpoint: string,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== core.ExportResultCode.SUCCESS) this.failed(spans.length, result.error);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private failed(spans: number, error: Error | undefined): void {
    this.failures++;
    this.droppedSpans += spans;
    this.failuresSinceWarn++;
    this.droppedSinceWarn += spans;
    const now = this.now();
    if (now - this.lastWarnAt < this.intervalMs) return;
    this.logger.warn(
      {
        endpoint: this.endpoint,
        err: error?.message ?? 'export failed',
        failedExports: this.failuresSinceWarn,
        droppedSpans: this.droppedSinceWarn,
      },
      'tracing: span export failed (next warning in at most one interval)',
    );
    this.lastWarnAt = now;
    this.failuresSinceWarn = 0;
    this.droppedSinceWarn = 0;
  }
}
