import type { Backend } from '../balancer/backend';
import type { ErrorCode } from '../errors';
import type { HeaderList } from '../http';

/**
 * Observability hooks on the data path (metrics, tracing). The exchange calls them at fixed
 * points; with no observer configured (`ctx.observer === null`) the cost is one null check.
 */
export interface ExchangeObserver {
  /** A request passed its checks. Returns per-request state, or null to ignore this request. */
  requestStart(ev: RequestStartEvent): RequestObservation | null;
  /**
   * A request refused before it became an exchange (unparseable head, limits, timeouts): it has
   * a status (400, 408, 414, 431, 505...) but no backend and no observation.
   */
  requestRejected?(status: number, outcome: Outcome): void;
}

export interface RequestStartEvent {
  readonly method: string;
  /** Path and query as the client asked (before prefix rewriting): `url.path` / `url.query`. */
  readonly target: string;
  /** Path and query as sent upstream (after prefix rewriting): the CLIENT span's `url.full`. */
  readonly upstreamTarget: string;
  readonly headers: HeaderList;
  readonly clientAddress: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly host: string | null;
  readonly versionMinor: 0 | 1;
  readonly requestId: string;
}

export type Outcome = ErrorCode | 'ok';

export interface RequestObservation {
  /** Trace context for the access log line, when tracing. */
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  /**
   * True when attemptStart returns the trace context: the client's traceparent/tracestate are
   * then not forwarded, so the backend sees exactly one (W3C Trace Context 3.2).
   */
  readonly injectsTraceContext?: boolean;
  /**
   * An upstream attempt begins (each retry is a new attempt). Returns extra header lines for the
   * upstream request ("traceparent: ...\r\n"), or null.
   */
  attemptStart(backend: Backend, reused: boolean): string | null;
  /** The attempt's connection is ready (immediately for a reused one). */
  attemptConnected(): void;
  /** The attempt's response head arrived. */
  attemptResponse(status: number): void;
  /** The attempt ended: 'ok', or the error that ended it (retried or not). */
  attemptEnd(outcome: Outcome): void;
  /** The cache decided about this request (HIT, MISS, STALE, ...). */
  cacheStatus(status: string): void;
  /** The exchange is over. */
  requestEnd(ev: RequestEndEvent): void;
}

export interface RequestEndEvent {
  readonly status: number;
  readonly outcome: Outcome;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly durationMs: number;
  readonly backend: Backend | null;
  readonly attempts: number;
}
