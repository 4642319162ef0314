import { buildLoadReport, formatLoadReport, type LoadRecord } from '../../src/client/load-report';
import { percentile, spreadOf, summarizeLatencies, verdictOf } from '../../src/client/stats';

describe('percentile (nearest rank)', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  it.each([
    [50, 50],
    [90, 90],
    [99, 99],
    [100, 100],
    [1, 1],
    [0.1, 1],
  ])('p%d of 1..100 is %d', (p, v) => {
    expect(percentile(values, p)).toBe(v);
  });
  it('small samples', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
    expect(percentile([], 50)).toBeNaN();
  });
  it('summarizeLatencies sorts its input', () => {
    expect(summarizeLatencies([5, 1, 3, 2, 4])).toEqual({
      min: 1,
      mean: 3,
      p50: 3,
      p90: 5,
      p99: 5,
      max: 5,
    });
  });
});

describe('spreadOf and verdictOf', () => {
  const t = { maxErrorRate: 0.01, maxImbalance: 1.5, expectBackends: null };
  it('even round robin', () => {
    const s = spreadOf(
      new Map([
        ['b', 334],
        ['a', 333],
        ['c', 333],
      ]),
    );
    expect(s).toMatchObject({ backends: 3, min: 333, max: 334 });
    expect(Object.keys(s.counts)).toEqual(['a', 'b', 'c']);
    const v = verdictOf({ requests: 1000, errors: 0, spread: s }, t);
    expect(v).toEqual({ pass: true, balance: 'even', failures: [] });
  });
  it('uneven spread fails with the ratio', () => {
    const v = verdictOf(
      {
        requests: 100,
        errors: 0,
        spread: spreadOf(
          new Map([
            ['a', 80],
            ['b', 20],
          ]),
        ),
      },
      t,
    );
    expect(v.pass).toBe(false);
    expect(v.balance).toBe('uneven');
    expect(v.failures[0]).toMatch(/imbalance max\/min 4\.00 above --max-imbalance 1\.5/);
  });
  it('error rate above the threshold fails; at the threshold passes', () => {
    const s = spreadOf(new Map([['a', 100]]));
    expect(verdictOf({ requests: 100, errors: 1, spread: s }, t).pass).toBe(true);
    const v = verdictOf({ requests: 100, errors: 2, spread: s }, t);
    expect(v.pass).toBe(false);
    expect(v.failures[0]).toMatch(/error rate 2\.00% above --max-error-rate 1\.00%/);
  });
  it('unknown balance does not fail by itself, --expect-backends does', () => {
    const none = spreadOf(new Map());
    expect(none.ratio).toBeNull();
    expect(verdictOf({ requests: 10, errors: 0, spread: none }, t)).toEqual({
      pass: true,
      balance: 'unknown',
      failures: [],
    });
    const one = spreadOf(new Map([['a', 10]]));
    const v = verdictOf({ requests: 10, errors: 0, spread: one }, { ...t, expectBackends: 3 });
    expect(v.pass).toBe(false);
    expect(v.failures[0]).toMatch(/1 backend\(s\) answered, --expect-backends 3/);
  });
  it('no completed request fails', () => {
    expect(verdictOf({ requests: 0, errors: 0, spread: spreadOf(new Map()) }, t).failures).toEqual([
      'no request completed',
    ]);
  });
});

describe('buildLoadReport', () => {
  const rec = (
    status: number | null,
    backend: string | null,
    latencyMs = 1,
    error: string | null = null,
  ): LoadRecord => ({
    status,
    backend,
    latencyMs,
    error,
  });
  const thresholds = { maxErrorRate: 0.1, maxImbalance: 1.5, expectBackends: null };

  it('counts statuses, errors (failures and >= 400), backends and unidentified responses', () => {
    const records = [
      rec(200, 'a', 1),
      rec(200, 'b', 2),
      rec(200, 'a', 3),
      rec(200, 'b', 4),
      rec(503, null, 5),
      rec(null, null, 6, 'RRC_ERR_TIMEOUT'),
    ];
    const r = buildLoadReport({
      records,
      url: 'http://h/',
      connectTo: '',
      requested: 6,
      concurrency: 2,
      elapsedMs: 2000,
      backendSource: 'header X-Backend',
      thresholds,
    });
    expect(r.statusCounts).toEqual({ '200': 4, '503': 1 });
    expect(r.errors).toBe(2);
    expect(r.errorRate).toBeCloseTo(2 / 6);
    expect(r.errorKinds).toEqual({ RRC_ERR_TIMEOUT: 1 });
    expect(r.spread.counts).toEqual({ a: 2, b: 2 });
    expect(r.unidentified).toBe(1);
    expect(r.requestsPerSecond).toBe(3);
    expect(r.latencyMs.max).toBe(5); // failed exchanges have no latency sample
    expect(r.verdict.pass).toBe(false);
    expect(r.stoppedEarly).toBe(false);
    const text = formatLoadReport(r);
    expect(text).toMatch(/status: +200 x 4, 503 x 1/);
    expect(text).toMatch(/max\/min 1\.00 \(2\/2\) -> even/);
    expect(text).toMatch(/verdict: +FAIL: error rate 33\.33%/);
  });

  it('reports a run cut short by the duration limit', () => {
    const r = buildLoadReport({
      records: [rec(200, 'a')],
      url: 'http://h/',
      connectTo: 'p:1',
      requested: 10,
      concurrency: 1,
      elapsedMs: 10,
      backendSource: 'header X-Backend',
      thresholds,
    });
    expect(r.stoppedEarly).toBe(true);
    expect(formatLoadReport(r)).toContain('[stopped by --duration-limit]');
    expect(formatLoadReport(r)).toContain('(via p:1)');
  });
});
