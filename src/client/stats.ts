/**
 * Load-mode arithmetic: latency percentiles, how responses spread across backends, and the
 * verdict against the thresholds. Pure, so the numbers a Kubernetes Job acts on are unit-tested.
 */

/** Nearest-rank percentile (p in (0, 100]) of values sorted ascending; NaN for no values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const n = sorted.length;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    min: n === 0 ? NaN : sorted[0]!,
    mean: n === 0 ? NaN : sum / n,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: n === 0 ? NaN : sorted[n - 1]!,
  };
}

export interface Spread {
  /** Responses per backend name. */
  readonly counts: Readonly<Record<string, number>>;
  readonly backends: number;
  readonly min: number;
  readonly max: number;
  /** max / min over the backends seen; null when none was seen. */
  readonly ratio: number | null;
}

/** How responses were spread across backends: counts and the max/min ratio. */
export function spreadOf(counts: ReadonlyMap<string, number>): Spread {
  const values = [...counts.values()];
  const sortedNames = [...counts.keys()].sort();
  const record: Record<string, number> = {};
  for (const name of sortedNames) record[name] = counts.get(name)!;
  if (values.length === 0) return { counts: record, backends: 0, min: 0, max: 0, ratio: null };
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { counts: record, backends: values.length, min, max, ratio: max / min };
}

export interface Thresholds {
  /** Fail when errors / requests exceeds this (0.01 = 1 %). */
  readonly maxErrorRate: number;
  /** Fail when the spread's max/min ratio exceeds this. */
  readonly maxImbalance: number;
  /** Fail when fewer distinct backends answered; null = no expectation. */
  readonly expectBackends: number | null;
}

export interface Verdict {
  readonly pass: boolean;
  /** 'even' | 'uneven' | 'unknown' (no backend could be identified). */
  readonly balance: 'even' | 'uneven' | 'unknown';
  /** One sentence per failed check. */
  readonly failures: readonly string[];
}

export function verdictOf(
  results: { readonly requests: number; readonly errors: number; readonly spread: Spread },
  t: Thresholds,
): Verdict {
  const failures: string[] = [];
  const rate = results.requests === 0 ? 1 : results.errors / results.requests;
  if (results.requests === 0) failures.push('no request completed');
  else if (rate > t.maxErrorRate) {
    failures.push(
      `error rate ${formatPercent(rate)} above --max-error-rate ${formatPercent(t.maxErrorRate)}`,
    );
  }
  const { ratio, backends } = results.spread;
  let balance: Verdict['balance'] = 'unknown';
  if (ratio !== null) {
    balance = ratio <= t.maxImbalance ? 'even' : 'uneven';
    if (balance === 'uneven') {
      failures.push(
        `imbalance max/min ${ratio.toFixed(2)} above --max-imbalance ${t.maxImbalance}`,
      );
    }
  }
  if (t.expectBackends !== null && backends < t.expectBackends) {
    failures.push(`${backends} backend(s) answered, --expect-backends ${t.expectBackends}`);
  }
  return { pass: failures.length === 0, balance, failures };
}

export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}
