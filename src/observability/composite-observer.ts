import type { Backend } from '../balancer/backend';
import type {
  ExchangeObserver,
  Outcome,
  RequestEndEvent,
  RequestObservation,
  RequestStartEvent,
} from '../proxy/observer';

/**
 * Metrics and tracing behind the one observer slot of the exchange. `first` takes part in every
 * request; `second` (tracing) may ignore one by returning null. The trace context comes from
 * whichever provides it.
 */
export function combineObservers(
  first: ExchangeObserver,
  second: ExchangeObserver,
): ExchangeObserver {
  return {
    requestStart(ev: RequestStartEvent): RequestObservation | null {
      const a = first.requestStart(ev);
      const b = second.requestStart(ev);
      if (a === null) return b;
      if (b === null) return a;
      return new PairedObservation(a, b);
    },
    requestRejected(status: number, outcome: Outcome): void {
      first.requestRejected?.(status, outcome);
      second.requestRejected?.(status, outcome);
    },
  };
}

class PairedObservation implements RequestObservation {
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly injectsTraceContext: boolean;

  constructor(
    private readonly a: RequestObservation,
    private readonly b: RequestObservation,
  ) {
    this.traceId = b.traceId ?? a.traceId;
    this.spanId = b.spanId ?? a.spanId;
    this.injectsTraceContext = a.injectsTraceContext === true || b.injectsTraceContext === true;
  }

  attemptStart(backend: Backend, reused: boolean): string | null {
    const x = this.a.attemptStart(backend, reused);
    const y = this.b.attemptStart(backend, reused);
    if (x === null) return y;
    return y === null ? x : x + y;
  }

  attemptConnected(): void {
    this.a.attemptConnected();
    this.b.attemptConnected();
  }

  attemptResponse(status: number): void {
    this.a.attemptResponse(status);
    this.b.attemptResponse(status);
  }

  attemptEnd(outcome: Outcome): void {
    this.a.attemptEnd(outcome);
    this.b.attemptEnd(outcome);
  }

  cacheStatus(status: string): void {
    this.a.cacheStatus(status);
    this.b.cacheStatus(status);
  }

  requestEnd(ev: RequestEndEvent): void {
    this.a.requestEnd(ev);
    this.b.requestEnd(ev);
  }
}
