// From raw samples to the summary (medians, spread), the targets of issue 9 with their measured
// ratios, and the markdown report. Pure functions over data: `node bench/lib/report.mjs
// raw-A.jsonl [raw-B.jsonl ...]` pools several runs' samples into one table.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function median(values) {
  const s = values.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** (max - min) / median, in %; null with fewer than 2 values. */
export function spreadPct(values) {
  const s = values.filter((x) => x != null && Number.isFinite(x));
  const m = median(s);
  if (s.length < 2 || !m) return null;
  return Math.round((100 * (Math.max(...s) - Math.min(...s))) / m);
}

/**
 * One cell per (peer, scenario): the last attempt of each round counts (earlier attempts were
 * retried as noisy or failed).
 */
export function summarize(samples) {
  const last = new Map();
  for (const r of samples) {
    if (r.kind === 'fault') continue; // killed-backend runs: their own table (faultTotals)
    last.set(`${r.run ?? ''}|${r.round}|${r.scenario}|${r.peer}`, r);
  }
  const groups = new Map();
  for (const r of last.values()) {
    const key = `${r.peer}|${r.scenario}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const cells = {};
  for (const [key, rs] of groups) {
    const col = (k) => rs.map((r) => r[k]);
    const counted = col('countedPerRequest').filter((x) => x != null);
    cells[key] = {
      peer: rs[0].peer,
      scenario: rs[0].scenario,
      n: rs.length,
      rps: median(col('rps')),
      rpsSpreadPct: spreadPct(col('rps')),
      p50Ms: median(col('p50Ms')),
      p99Ms: median(col('p99Ms')),
      proxyUsPerReq: median(col('proxyUsPerReq')),
      proxyUsSpreadPct: spreadPct(col('proxyUsPerReq')),
      proxyCpu: median(col('proxyCpu')),
      backendCpu: median(col('backendCpu')),
      wrkCpu: median(col('wrkCpu')),
      peakRssKiB: rs.some((r) => r.peakRssKiB != null)
        ? Math.max(...col('peakRssKiB').filter((x) => x != null))
        : null,
      errors: rs.reduce((a, r) => a + (r.errors || 0), 0),
      noisy: rs.some((r) => r.noisy),
      failed: rs.filter((r) => r.failed).length,
      countedPerRequest: counted.length ? median(counted) : null,
      counted: counted.length ? median(col('counted')) : null,
    };
  }
  return cells;
}

const cellOf = (cells, peer, scenario) => cells[`${peer}|${scenario}`];

/**
 * Killed-backend runs added up per (peer, scenario): { peer, scenario, runs, failedRuns,
 * errors, non2xx, socket, responses, perRun } over the runs that were measured.
 */
export function faultTotals(faults) {
  const out = new Map();
  for (const r of faults) {
    const key = `${r.peer}|${r.scenario}`;
    if (!out.has(key)) {
      out.set(key, {
        peer: r.peer,
        scenario: r.scenario,
        runs: 0,
        failedRuns: 0,
        errors: 0,
        non2xx: 0,
        socket: { connect: 0, read: 0, write: 0, timeout: 0 },
        responses: 0,
        perRun: [],
      });
    }
    const t = out.get(key);
    if (r.failed) {
      t.failedRuns++;
      continue;
    }
    t.runs++;
    t.errors += r.errors;
    t.non2xx += r.non2xx;
    for (const k of Object.keys(t.socket)) t.socket[k] += r.socket?.[k] ?? 0;
    t.responses += r.requests;
    t.perRun.push(r.errors);
  }
  return [...out.values()];
}
const ratio = (a, b) => (a != null && b ? Number((a / b).toFixed(2)) : null);

/**
 * The targets of issue 9, each with its measured ratio where both sides were measured.
 * kind: 'max' = measured must be <= limit, 'min' = >= limit, 'below' = < limit, 'info' = none.
 */
export function evaluateTargets(cells, idle, cacheNotes = {}, faults = []) {
  const out = [];
  const add = (target, scenario, measured, limit, kind, detail) => {
    let pass = null;
    if (measured != null && kind !== 'info') {
      pass =
        kind === 'max'
          ? measured <= limit
          : kind === 'min'
            ? measured >= limit
            : kind === 'fewer'
              ? measured < limit || measured === 0 // no errors at all is the best there is
              : measured < limit;
    }
    out.push({ target, scenario, measured, limit, kind, pass, detail });
  };
  const scenarios = [...new Set(Object.values(cells).map((c) => c.scenario))];
  const vs = (peerA, peerB, sc, field) =>
    ratio(cellOf(cells, peerA, sc)?.[field], cellOf(cells, peerB, sc)?.[field]);
  for (const sc of scenarios) {
    const kind = sc.startsWith('cache-') ? 'cache' : sc.startsWith('cachefill-') ? 'fill' : 'miss';
    if (kind === 'miss' && cellOf(cells, 'rrproxy', sc) && cellOf(cells, 'nginx', sc)) {
      const close = sc.endsWith('-close');
      const big = sc.startsWith('100k') || sc.startsWith('1m');
      const cpuLimit = close ? null : big ? 1.2 : 1.5;
      add(
        'CPU/request rrproxy ÷ nginx',
        sc,
        vs('rrproxy', 'nginx', sc, 'proxyUsPerReq'),
        cpuLimit,
        cpuLimit ? 'max' : 'info',
      );
      add(
        'req/s rrproxy ÷ nginx',
        sc,
        vs('rrproxy', 'nginx', sc, 'rps'),
        big || close ? null : 0.8,
        big || close ? 'info' : 'min',
      );
      add(
        'p99 rrproxy ÷ nginx',
        sc,
        vs('rrproxy', 'nginx', sc, 'p99Ms'),
        big || close ? null : 1.5,
        big || close ? 'info' : 'max',
      );
    }
    if (kind === 'miss' && cellOf(cells, 'rrproxy-log', sc) && cellOf(cells, 'rrproxy', sc)) {
      const r = vs('rrproxy-log', 'rrproxy', sc, 'proxyUsPerReq');
      const lines = cellOf(cells, 'rrproxy-log', sc).countedPerRequest;
      add(
        'access log: CPU/request on ÷ off',
        sc,
        r,
        1.1,
        'below',
        lines != null ? `${lines} log lines per request` : undefined,
      );
    }
    if (kind === 'miss' && cellOf(cells, 'rrproxy-trace', sc) && cellOf(cells, 'rrproxy', sc)) {
      const posts = cellOf(cells, 'rrproxy-trace', sc).counted;
      add(
        'tracing on: CPU/request on ÷ off',
        sc,
        vs('rrproxy-trace', 'rrproxy', sc, 'proxyUsPerReq'),
        null,
        'info',
        posts != null ? `${posts} OTLP export POSTs reached the sink per sample` : undefined,
      );
    }
    if (kind === 'miss' && cellOf(cells, 'rrproxy-trace1', sc) && cellOf(cells, 'rrproxy', sc)) {
      add(
        'tracing on at 1 %: CPU/request on ÷ off',
        sc,
        vs('rrproxy-trace1', 'rrproxy', sc, 'proxyUsPerReq'),
        null,
        'info',
      );
    }
    if (kind === 'cache' && cellOf(cells, 'rrproxy-cache', sc)) {
      if (cellOf(cells, 'nginx-cache', sc)) {
        add(
          'cache hit: CPU/request rrproxy ÷ nginx proxy_cache',
          sc,
          vs('rrproxy-cache', 'nginx-cache', sc, 'proxyUsPerReq'),
          1,
          'below',
          ['rrproxy-cache', 'nginx-cache']
            .filter((p) => cacheNotes[p])
            .map((p) => `${p} ${cacheNotes[p]}`)
            .join('; ') || undefined,
        );
      }
      if (cellOf(cells, 'direct', sc)) {
        add(
          'cache hit: req/s rrproxy ÷ nginx direct',
          sc,
          vs('rrproxy-cache', 'direct', sc, 'rps'),
          1,
          'min',
        );
      }
    }
  }
  for (const sc of scenarios.filter((s) => s.startsWith('cachefill-'))) {
    const c = cellOf(cells, 'rrproxy-cache', sc);
    if (c) {
      add(
        'cache filled: rrproxy peak RSS MiB',
        sc,
        c.peakRssKiB == null ? null : Number((c.peakRssKiB / 1024).toFixed(1)),
        null,
        'info',
        cellOf(cells, 'nginx-cache', sc)?.peakRssKiB != null
          ? `nginx proxy_cache ${(cellOf(cells, 'nginx-cache', sc).peakRssKiB / 1024).toFixed(1)} MiB`
          : undefined,
      );
    }
  }
  // Issue 7: with a backend killed during the load, fewer client-visible errors than both nginx
  // and HAProxy (zero errors counts as met even when they have zero too).
  const totals = faultTotals(faults);
  for (const sc of [...new Set(totals.map((t) => t.scenario))]) {
    const of = (p) => totals.find((t) => t.peer === p && t.scenario === sc && t.runs > 0);
    const ours = of('rrproxy');
    const others = ['nginx', 'haproxy'].map(of).filter(Boolean);
    if (!ours || !others.length) continue;
    add(
      `killed backend: rrproxy client errors vs the fewest of ${others.map((t) => t.peer).join(', ')}`,
      sc,
      ours.errors,
      Math.min(...others.map((t) => t.errors)),
      'fewer',
      [ours, ...others].map((t) => `${t.peer} ${t.errors} in ${t.runs} run(s)`).join(', '),
    );
  }
  for (const r of idle.filter((x) => x.peer === 'rrproxy')) {
    add(
      `${r.connections} idle keep-alive connections: RSS MiB`,
      r.scenario,
      Number((r.rssKiB / 1024).toFixed(1)),
      150,
      'max',
      `${r.stillOpen} of ${r.opened} still open; new request ${r.newRequestOk ? 'served' : 'NOT served'}`,
    );
    add(
      `${r.connections} idle connections: new request served`,
      r.scenario,
      r.newRequestOk ? 1 : 0,
      1,
      'min',
    );
  }
  return out;
}

// --- markdown -------------------------------------------------------------------------------

const k = (x) =>
  x == null ? '-' : x >= 1000 ? (x / 1000).toFixed(x >= 1e4 ? 1 : 2) + 'k' : String(Math.round(x));
const ms = (x) => (x == null ? '-' : x >= 10 ? Math.round(x) + 'ms' : x.toFixed(2) + 'ms');
const mib = (kib) => (kib == null ? '-' : (kib / 1024).toFixed(kib >= 10 * 1024 ? 0 : 1) + 'MiB');
const pm = (x) => (x == null ? '' : ` ±${x}%`);

function table(title, peers, scenarios, cells, format) {
  const lines = [
    '',
    title,
    '',
    `| peer | ${scenarios.join(' | ')} |`,
    `|---|${scenarios.map(() => '---').join('|')}|`,
  ];
  for (const p of peers) {
    const row = scenarios.map((sc) => {
      const c = cellOf(cells, p, sc);
      return c ? format(c) : '';
    });
    if (row.some(Boolean)) lines.push(`| ${p} | ${row.map((x) => x || '-').join(' | ')} |`);
  }
  return lines;
}

function targetLine(t) {
  const verdict =
    t.pass == null
      ? t.measured == null
        ? 'not measured'
        : 'info'
      : t.pass
        ? 'met'
        : '**NOT met**';
  const op = { max: '≤', min: '≥', below: '<', fewer: '<', info: '' }[t.kind];
  const limit =
    t.limit == null ? '-' : `${op} ${t.limit}${t.kind === 'fewer' ? ', or none at all' : ''}`;
  return `| ${t.target} | ${t.scenario} | ${t.measured ?? '-'} | ${limit} | ${verdict}${t.detail ? ` (${t.detail})` : ''} |`;
}

/** "round", or "file.round" when raw files were pooled. */
const runOf = (r) => (r.run != null ? `${r.run + 1}.${r.round}` : String(r.round));

/** The killed-backend table: one row per run, and a total per peer when there were rounds. */
function faultLines(faults, meta) {
  const first = faults.find((r) => !r.failed) ?? faults[0];
  const out = [
    '',
    '### Backend killed during load (issue 7): client-visible errors',
    '',
    `Backend \`${first.killed}\` of three (single-process nginx, fresh ones and a fresh peer per run) ` +
      `SIGKILLed ${first.killAtS} s into ${first.durationS} s of wrk GET /index.html at ` +
      `${first.connections} connections. Client errors = wrk socket errors + responses ≥ 400 ` +
      '(wrk never retries). "answered by" counts responses per `X-Backend` (`-`: made by the proxy).',
    '',
    '| peer | run | client errors | non-2xx (statuses) | socket errors connect/read/write/timeout | responses | answered by | killed at | p99 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const sorted = [...faults].sort(
    (a, b) =>
      meta.peers.indexOf(a.peer) - meta.peers.indexOf(b.peer) ||
      a.scenario.localeCompare(b.scenario) ||
      a.round - b.round,
  );
  for (const r of sorted) {
    if (r.failed && r.requests == null) {
      out.push(`| ${r.peer} | ${runOf(r)} | ✗ ${r.why ?? 'failed'} | | | | | | |`);
      continue;
    }
    const statuses = Object.entries(r.byStatus ?? {})
      .filter(([st]) => Number(st) >= 400)
      .map(([st, n]) => `${st}×${n}`)
      .join(' ');
    const by = Object.entries(r.byBackend ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([b, n]) => `${b} ${k(n)}`)
      .join(' · ');
    const s = r.socket;
    out.push(
      `| ${r.peer}${r.scenario === 'killed-backend' ? '' : ` (${r.scenario})`} | ${runOf(r)} | **${r.errors}**${r.failed ? ' ✗' : ''} | ` +
        `${r.non2xx}${statuses ? ` (${statuses})` : ''} | ${s.connect}/${s.read}/${s.write}/${s.timeout} | ` +
        `${k(r.requests)} | ${by || '-'} | ${r.killedAtS ?? '-'} s | ${ms(r.p99Ms)}${r.peerAlive === false ? ' (peer exited)' : ''} |`,
    );
  }
  const totals = faultTotals(faults).filter((t) => t.runs > 1);
  if (totals.length) {
    out.push(
      '',
      '| peer | scenario | runs | client errors, total | per run |',
      '|---|---|---|---|---|',
    );
    for (const t of totals)
      out.push(
        `| ${t.peer} | ${t.scenario} | ${t.runs}${t.failedRuns ? ` (+${t.failedRuns} failed)` : ''} | **${t.errors}** | ${t.perRun.join(', ')} |`,
      );
  }
  return out;
}

export function markdown({ meta, cells, targets, idle, parser, faults = [] }) {
  const loadScenarios = meta.scenarios.filter(
    (s) => !s.startsWith('idle') && s !== 'parser' && !s.startsWith('killed-backend'),
  );
  const peers = meta.peers;
  const out = [
    `## rrproxy benchmark: ${meta.stamp}${meta.quick ? ' (QUICK smoke: 2 s samples, 1 round; not figures to quote)' : ''}`,
    '',
    `- rrproxy: ${meta.rrproxyVersion}`,
    `- Versions: ${meta.versions}`,
    `- Pinning: ${meta.pinning}`,
    `- Settings: ${meta.settings}`,
    `- Other jobs' CPU during samples (% of one core): ${meta.noise}`,
    '- Peers:',
    ...meta.peerNotes.map((n) => `  - ${n}`),
    ...(meta.checks.length
      ? ['- Checks before the run:', ...meta.checks.map((c) => `  - ${c}`)]
      : []),
  ];
  if (loadScenarios.length) {
    out.push(
      ...table(
        '### Requests/s (median ±spread) · p50 · p99',
        peers,
        loadScenarios,
        cells,
        (c) =>
          `${k(c.rps)}${pm(c.rpsSpreadPct)} · ${ms(c.p50Ms)} · ${ms(c.p99Ms)}${c.n !== meta.reps ? ` (n=${c.n})` : ''}` +
          `${c.errors ? ` (${c.errors} err)` : ''}${c.noisy ? ' †' : ''}${c.failed ? ' ✗' : ''}`,
      ),
      ...table(
        '### Proxy CPU µs per request (median ±spread) · proxy CPU % of a core · proxy peak RSS',
        peers,
        loadScenarios,
        cells,
        (c) =>
          c.proxyUsPerReq == null && c.proxyCpu == null
            ? '-'
            : `${c.proxyUsPerReq ?? '-'}µs${pm(c.proxyUsSpreadPct)} · ${Math.round(c.proxyCpu ?? 0)}% · ${mib(c.peakRssKiB)}`,
      ),
      ...table(
        '### Load cpu: backends CPU % · wrk CPU % (the load cpu caps the fast peers)',
        peers,
        loadScenarios,
        cells,
        (c) => `${Math.round(c.backendCpu ?? 0)}% · ${Math.round(c.wrkCpu ?? 0)}%`,
      ),
    );
  }
  if (idle.length) {
    out.push(
      '',
      '### Idle keep-alive client connections (each used once, then idle)',
      '',
      '| peer | scenario | opened (failed) | open time | still open | RSS before → held | per connection | new request | idle reused |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of idle) {
      out.push(
        `| ${r.peer} | ${r.scenario} | ${r.opened} (${r.failed}) | ${r.openSeconds}s | ${r.stillOpen} | ${mib(r.rssBeforeKiB)} → ${mib(r.rssKiB)} | ${r.perConnectionKiB ?? '-'} KiB | ${r.newRequestOk ? 'served' : '**NOT served**'} | ${r.reusedOk}/${r.reuseTried} |`,
      );
    }
  }
  if (faults.length) out.push(...faultLines(faults, meta));
  if (parser) {
    out.push(
      '',
      `### Request-head parser micro-benchmark (${parser.node}, one core; ns per head, median of ${parser.batches} batches)`,
      '',
    );
    if (parser.error) out.push(`Not run: ${parser.error}`);
    else {
      out.push(
        `llhttp reached through: ${parser.llhttpVia}`,
        '',
        '| input | bytes | rrproxy ns | llhttp ns | rrproxy ÷ llhttp |',
        '|---|---|---|---|---|',
      );
      for (const r of parser.results)
        out.push(
          `| ${r.name} | ${r.bytes} | ${r.oursNs} | ${r.llhttpNs ?? '-'} | ${r.ratio ?? '-'} |`,
        );
    }
  }
  if (targets.length) {
    out.push(
      '',
      '### Targets (issue 9; killed backend: issue 7), within this run',
      '',
      '| target | scenario | measured | target | result |',
      '|---|---|---|---|---|',
      ...targets.map(targetLine),
    );
  }
  if (meta.skipped.length)
    out.push('', '### Not measured', '', ...meta.skipped.map((s) => `- ${s}`));
  out.push(
    '',
    '± = (max − min) / median over the rounds. † = another job used more than FOREIGN_MAX % of a core during a sample even after the retries; ✗ = a wrk run failed.',
    "Errors are wrk socket errors + non-2xx responses (details in the raw JSONL). CPU µs/request = the proxy's CPU time / requests in a window inside each sample: the per-core cost, comparable even when the load cpu (wrk + backends) is the bottleneck.",
  );
  return out.join('\n') + '\n';
}

// Pool raw files: node bench/lib/report.mjs raw-A.jsonl raw-B.jsonl
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const samples = process.argv.slice(2).flatMap((f, run) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ ...JSON.parse(l), run })),
  );
  const cells = summarize(samples);
  const faults = samples.filter((r) => r.kind === 'fault');
  const peers = [...new Set(samples.map((r) => r.peer))];
  const scenarios = [...new Set(samples.map((r) => r.scenario))];
  const meta = {
    stamp: process.argv.slice(2).join(' + '),
    quick: false,
    rrproxyVersion: '-',
    versions: '-',
    pinning: '-',
    settings: 'pooled raw files',
    noise: `max ${Math.max(...samples.map((r) => r.foreign ?? 0))}`,
    peerNotes: [],
    checks: [],
    skipped: [],
    peers,
    scenarios,
    reps: null,
  };
  process.stdout.write(
    markdown({
      meta,
      cells,
      targets: evaluateTargets(cells, [], {}, faults),
      idle: [],
      parser: null,
      faults,
    }),
  );
}
