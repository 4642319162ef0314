import {
  formatPercent,
  spreadOf,
  summarizeLatencies,
  verdictOf,
  type LatencySummary,
  type Spread,
  type Thresholds,
  type Verdict,
} from './stats';

/** What one load-mode request came to. */
export interface LoadRecord {
  /** Milliseconds from writing the request to the end of the response body. */
  readonly latencyMs: number;
  /** null when the exchange failed (no response). */
  readonly status: number | null;
  /** Backend named by the response (header or body pattern), or null. */
  readonly backend: string | null;
  /** Error code when the exchange failed (RRC_ERR_TIMEOUT...). */
  readonly error: string | null;
}

export interface LoadReport {
  readonly url: string;
  readonly connectTo: string;
  readonly requested: number;
  readonly completed: number;
  readonly concurrency: number;
  readonly durationS: number;
  readonly requestsPerSecond: number;
  /** Latency of exchanges that got a response. */
  readonly latencyMs: LatencySummary;
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Failed exchanges plus responses with status >= 400. */
  readonly errors: number;
  readonly errorRate: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  /** How the backend was identified: "header X-Backend" or "body /re/". */
  readonly backendSource: string;
  readonly spread: Spread;
  /** Responses that named no backend. */
  readonly unidentified: number;
  readonly thresholds: Thresholds;
  readonly verdict: Verdict;
  /** True when --duration-limit stopped the run before every request was sent. */
  readonly stoppedEarly: boolean;
}

function countBy<T>(items: readonly T[], key: (t: T) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) {
    const k = key(it);
    if (k !== null) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function buildLoadReport(input: {
  readonly records: readonly LoadRecord[];
  readonly url: string;
  readonly connectTo: string;
  readonly requested: number;
  readonly concurrency: number;
  readonly elapsedMs: number;
  readonly backendSource: string;
  readonly thresholds: Thresholds;
}): LoadReport {
  const { records } = input;
  const answered = records.filter((r) => r.status !== null);
  const errors = records.filter(
    (r) => r.error !== null || (r.status !== null && r.status >= 400),
  ).length;
  const backendCounts = new Map<string, number>();
  for (const r of answered)
    if (r.backend !== null) backendCounts.set(r.backend, (backendCounts.get(r.backend) ?? 0) + 1);
  const spread = spreadOf(backendCounts);
  const durationS = input.elapsedMs / 1000;
  return {
    url: input.url,
    connectTo: input.connectTo,
    requested: input.requested,
    completed: records.length,
    concurrency: input.concurrency,
    durationS,
    requestsPerSecond: durationS > 0 ? records.length / durationS : 0,
    latencyMs: summarizeLatencies(answered.map((r) => r.latencyMs)),
    statusCounts: countBy(answered, (r) => String(r.status)),
    errors,
    errorRate: records.length === 0 ? 0 : errors / records.length,
    errorKinds: countBy(records, (r) => r.error),
    backendSource: input.backendSource,
    spread,
    unidentified: answered.filter((r) => r.backend === null).length,
    thresholds: input.thresholds,
    verdict: verdictOf({ requests: records.length, errors, spread }, input.thresholds),
    stoppedEarly: records.length < input.requested,
  };
}

function ms(v: number): string {
  return Number.isNaN(v) ? '-' : `${v.toFixed(2)} ms`;
}

/** The human summary printed at the end of a load run. */
export function formatLoadReport(r: LoadReport): string {
  const lines: string[] = [];
  const via = r.connectTo === '' ? '' : ` (via ${r.connectTo})`;
  lines.push(`rrproxy-client load ${r.url}${via}`);
  lines.push(
    `  requests:  ${r.completed} of ${r.requested} in ${r.durationS.toFixed(2)} s ` +
      `(${r.requestsPerSecond.toFixed(1)} req/s), ${r.concurrency} connections` +
      (r.stoppedEarly ? ' [stopped by --duration-limit]' : ''),
  );
  const l = r.latencyMs;
  lines.push(`  latency:   p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`);
  const statuses = Object.entries(r.statusCounts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, n]) => `${s} x ${n}`);
  lines.push(`  status:    ${statuses.length === 0 ? '-' : statuses.join(', ')}`);
  const kinds = Object.entries(r.errorKinds).map(([k, n]) => `${k} x ${n}`);
  lines.push(
    `  errors:    ${r.errors} (${formatPercent(r.errorRate)})${kinds.length === 0 ? '' : ': ' + kinds.join(', ')}`,
  );
  lines.push(`  backends (${r.backendSource}):`);
  const answered = Object.values(r.spread.counts).reduce((a, b) => a + b, 0) + r.unidentified;
  for (const [name, n] of Object.entries(r.spread.counts)) {
    const share = answered === 0 ? 0 : n / answered;
    lines.push(`    ${name.padEnd(24)} ${String(n).padStart(7)}  ${formatPercent(share)}`);
  }
  if (r.unidentified > 0)
    lines.push(`    ${'(not identified)'.padEnd(24)} ${String(r.unidentified).padStart(7)}`);
  const s = r.spread;
  lines.push(
    s.ratio === null
      ? '  spread:    unknown (no response named its backend)'
      : `  spread:    ${s.backends} backend(s), max/min ${s.ratio.toFixed(2)} (${s.max}/${s.min}) -> ` +
          `${r.verdict.balance} (threshold ${r.thresholds.maxImbalance})`,
  );
  lines.push(`  verdict:   ${r.verdict.pass ? 'PASS' : 'FAIL: ' + r.verdict.failures.join('; ')}`);
  return lines.join('\n') + '\n';
}
