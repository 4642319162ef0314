import { makeBackend } from '../../src/balancer/backend';
import { combineObservers } from '../../src/observability/composite-observer';
import type {
  ExchangeObserver,
  RequestObservation,
  RequestStartEvent,
} from '../../src/proxy/observer';

/** A recording observer: every hook call is appended to `log` with its name prefix. */
function recorder(
  name: string,
  log: string[],
  over: Partial<RequestObservation> & { skip?: boolean; lines?: string | null } = {},
): ExchangeObserver {
  return {
    requestStart: () =>
      over.skip === true
        ? null
        : {
            traceId: over.traceId,
            spanId: over.spanId,
            injectsTraceContext: over.injectsTraceContext,
            attemptStart: (b, reused) => {
              log.push(`${name}.attemptStart ${b.id} ${reused}`);
              return over.lines ?? null;
            },
            attemptConnected: () => log.push(`${name}.attemptConnected`),
            attemptResponse: (s) => log.push(`${name}.attemptResponse ${s}`),
            attemptEnd: (o) => log.push(`${name}.attemptEnd ${o}`),
            cacheStatus: (s) => log.push(`${name}.cacheStatus ${s}`),
            requestEnd: (ev) => log.push(`${name}.requestEnd ${ev.status}`),
          },
  };
}

const ev = {} as RequestStartEvent;
const backend = makeBackend({ host: '10.0.0.1', port: 80 });

test('both observers see every hook in order; trace context and header lines come from the tracer', () => {
  const log: string[] = [];
  const combined = combineObservers(
    recorder('metrics', log),
    recorder('tracing', log, {
      traceId: 't'.repeat(32),
      spanId: 's'.repeat(16),
      injectsTraceContext: true,
      lines: 'traceparent: x\r\n',
    }),
  );
  const obs = combined.requestStart(ev)!;
  expect(obs.traceId).toBe('t'.repeat(32));
  expect(obs.spanId).toBe('s'.repeat(16));
  expect(obs.injectsTraceContext).toBe(true);
  expect(obs.attemptStart(backend, false)).toBe('traceparent: x\r\n');
  obs.attemptConnected();
  obs.attemptResponse(200);
  obs.attemptEnd('ok');
  obs.cacheStatus('MISS');
  obs.requestEnd({
    status: 200,
    outcome: 'ok',
    bytesIn: 0,
    bytesOut: 0,
    durationMs: 1,
    backend,
    attempts: 1,
  });
  expect(log).toEqual([
    'metrics.attemptStart 10.0.0.1:80 false',
    'tracing.attemptStart 10.0.0.1:80 false',
    'metrics.attemptConnected',
    'tracing.attemptConnected',
    'metrics.attemptResponse 200',
    'tracing.attemptResponse 200',
    'metrics.attemptEnd ok',
    'tracing.attemptEnd ok',
    'metrics.cacheStatus MISS',
    'tracing.cacheStatus MISS',
    'metrics.requestEnd 200',
    'tracing.requestEnd 200',
  ]);
});

test('an observer that ignores a request leaves the other one alone; lines are concatenated', () => {
  const log: string[] = [];
  const onlyFirst = combineObservers(recorder('a', log), recorder('b', log, { skip: true }));
  const obs = onlyFirst.requestStart(ev)!;
  expect(obs.injectsTraceContext).not.toBe(true);
  obs.attemptConnected();
  expect(log).toEqual(['a.attemptConnected']);
  const both = combineObservers(
    recorder('a', log, { lines: 'x: 1\r\n' }),
    recorder('b', log, { lines: 'y: 2\r\n' }),
  );
  expect(both.requestStart(ev)!.attemptStart(backend, true)).toBe('x: 1\r\ny: 2\r\n');
  const none = combineObservers(
    recorder('a', log, { skip: true }),
    recorder('b', log, { skip: true }),
  );
  expect(none.requestStart(ev)).toBeNull();
});
