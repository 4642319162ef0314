// Tests of the bench's pure parts (no processes, no load): `node --test bench/test/`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  evaluateTargets,
  faultTotals,
  markdown,
  median,
  spreadPct,
  summarize,
} from '../lib/report.mjs';
import { parseScenario } from '../lib/scenarios.mjs';
import { parseBackendCounts, parseWrk, wrkArgs } from '../lib/wrk.mjs';
import { parseCpuList } from '../lib/proc-stats.mjs';
import { readOptions } from '../lib/options.mjs';
import { topSelf } from '../profile-top.mjs';

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:8080/index.html
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.62ms    2.10ms  45.00ms   95.00%
    Req/Sec    31.10k     1.20k   33.00k    80.00%
  Latency Distribution
     50%    1.41ms
     75%    1.70ms
     90%    2.10ms
     99%  850.00us
  310000 requests in 10.00s, 380.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  31000.50
Transfer/sec:     38.00MB
`;

test('parseWrk reads rate, count, percentiles in their units, and errors', () => {
  const r = parseWrk(WRK_OUTPUT);
  assert.equal(r.rps, 31000.5);
  assert.equal(r.requests, 310000);
  assert.equal(r.p50Ms, 1.41);
  assert.equal(r.p99Ms, 0.85);
  assert.equal(r.errors, 12);
  assert.match(r.errorsDetail, /read 3/);
});

test('parseWrk on a failed run gives zeros, not NaN', () => {
  const r = parseWrk('unable to connect to 127.0.0.1:1 Connection refused');
  assert.equal(r.rps, 0);
  assert.equal(r.p99Ms, null);
  assert.equal(r.errors, 0);
});

test('scenario names', () => {
  assert.deepEqual(parseScenario('1k-c50'), {
    name: '1k-c50',
    kind: 'miss',
    size: '1k',
    path: '/index.html',
    connections: 50,
    close: false,
  });
  assert.equal(parseScenario('1k-c50-close').close, true);
  assert.equal(parseScenario('cache-100k-c256').path, '/cached/100k.bin');
  assert.equal(parseScenario('cache-100k-c256').kind, 'cache');
  assert.equal(parseScenario('cachefill-100k-c50').kind, 'cache');
  assert.equal(parseScenario('cachefill-100k-c50').keys, 2048);
  assert.equal(parseScenario('cache-100k-c50').keys, undefined);
  assert.equal(parseScenario('idle10k').connections, 10000);
  assert.equal(parseScenario('idle500').connections, 500);
  assert.equal(parseScenario('parser').kind, 'parser');
  assert.equal(parseScenario('killed-backend').kind, 'fault');
  assert.equal(parseScenario('killed-backend').connections, 50);
  assert.equal(parseScenario('killed-backend').path, '/index.html');
  assert.equal(parseScenario('killed-backend-c256').connections, 256);
  assert.throws(() => parseScenario('2k-c50'), /unknown scenario/);
  assert.throws(() => parseScenario('killed-backend-256'), /unknown scenario/);
});

test('parseWrk splits the socket errors by kind', () => {
  const r = parseWrk(WRK_OUTPUT);
  assert.deepEqual(r.socket, { connect: 0, read: 3, write: 0, timeout: 2 });
  assert.equal(r.non2xx, 7);
});

test('killed-backend: wrk counts responses per backend with a script; its lines are added up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const opts = { wrkThreads: 2, wrkTimeoutS: 10, runDir: dir };
    const args = wrkArgs(opts, parseScenario('killed-backend'), 9000, 6, true);
    const script = readFileSync(args[args.indexOf('-s') + 1], 'utf8');
    assert.match(script, /string\.lower\(name\) == "x-backend"/);
    assert.match(script, /thread:get\("counts"\)/);
    assert.equal(args.at(-1), 'http://127.0.0.1:9000/index.html');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const counts = parseBackendCounts(
    [
      'Requests/sec:  100.00',
      'backend-status b1 200 40',
      'backend-status - 502 3',
      'backend-status b1 200 10', // a second wrk thread
      'backend-status b2 200 7',
    ].join('\n'),
  );
  assert.deepEqual(counts.byBackend, { b1: 50, '-': 3, b2: 7 });
  assert.deepEqual(counts.byStatus, { 200: 57, 502: 3 });
});

test('wrk command line', () => {
  const opts = { wrkThreads: 1, wrkTimeoutS: 10 };
  const args = wrkArgs(opts, parseScenario('1k-c50-close'), 9000, 2, true);
  assert.deepEqual(args, [
    '-t1',
    '-c50',
    '-d2s',
    '--timeout',
    '10s',
    '--latency',
    '-H',
    'Connection: close',
    'http://127.0.0.1:9000/index.html',
  ]);
});

test('a cachefill scenario gets a wrk script asking for distinct URLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  try {
    const opts = { wrkThreads: 1, wrkTimeoutS: 10, runDir: dir };
    const args = wrkArgs(opts, parseScenario('cachefill-100k-c50'), 9000, 2, false);
    const script = args[args.indexOf('-s') + 1];
    assert.match(
      readFileSync(script, 'utf8'),
      /"\/cached\/100k\.bin\?k=" \.\. math\.random\(0, 2047\)/,
    );
    assert.equal(args.at(-1), 'http://127.0.0.1:9000/cached/100k.bin');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('median and spread', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([null, 5]), 5);
  assert.equal(median([]), null);
  assert.equal(spreadPct([90, 100, 110]), 20);
  assert.equal(spreadPct([100]), null);
});

test('cpu lists', () => {
  assert.deepEqual(parseCpuList('0-2,5'), [0, 1, 2, 5]);
  assert.deepEqual(parseCpuList('1'), [1]);
});

test('options: defaults, QUICK, and a bad value named', () => {
  const full = readOptions({});
  assert.equal(full.durationS, 10);
  assert.equal(full.reps, 3);
  assert.equal(full.nice, -10);
  assert.equal(full.resultsName, 'latest');
  const quick = readOptions({ QUICK: '1' });
  assert.equal(quick.durationS, 2);
  assert.equal(quick.reps, 1);
  assert.equal(quick.resultsName, 'quick');
  assert.deepEqual(readOptions({ PEERS: 'rrproxy, nginx' }).peers, ['rrproxy', 'nginx']);
  assert.throws(() => readOptions({ DURATION: 'ten' }), /DURATION/);
  assert.ok(full.scenarios.includes('killed-backend'));
  assert.equal(full.killDurationS, 10);
  assert.equal(full.killAtS, 3);
  assert.equal(quick.killDurationS, 6);
  assert.throws(() => readOptions({ KILL_AT: '10', KILL_DURATION: '5' }), /KILL_AT/);
});

function fault(peer, round, errors, fields = {}) {
  return {
    kind: 'fault',
    peer,
    scenario: 'killed-backend',
    round,
    connections: 50,
    durationS: 10,
    killAtS: 3,
    killedAtS: 3.001,
    killed: 'b2',
    requests: 1000,
    errors,
    non2xx: errors,
    socket: { connect: 0, read: 0, write: 0, timeout: 0 },
    byBackend: { b1: 400, b2: 200, b3: 400 },
    byStatus: { 200: 1000 - errors, 502: errors },
    p99Ms: 3,
    failed: false,
    ...fields,
  };
}

test('killed-backend: totals per peer, failed runs left out, kept out of the load cells', () => {
  const faults = [
    fault('rrproxy', 1, 0),
    fault('rrproxy', 2, 1),
    fault('nginx', 1, 5),
    fault('nginx', 2, 0, { failed: true, why: 'did not start' }),
  ];
  const totals = faultTotals(faults);
  const rr = totals.find((t) => t.peer === 'rrproxy');
  assert.equal(rr.errors, 1);
  assert.deepEqual(rr.perRun, [0, 1]);
  const ng = totals.find((t) => t.peer === 'nginx');
  assert.equal(ng.runs, 1);
  assert.equal(ng.failedRuns, 1);
  assert.deepEqual(summarize(faults), {});
});

test('killed-backend target: fewer errors than both, or none at all', () => {
  const target = (faults) =>
    evaluateTargets({}, [], {}, faults).find((t) => t.target.startsWith('killed backend'));
  let t = target([fault('rrproxy', 1, 2), fault('nginx', 1, 5), fault('haproxy', 1, 9)]);
  assert.equal(t.measured, 2);
  assert.equal(t.limit, 5);
  assert.equal(t.pass, true);
  t = target([fault('rrproxy', 1, 5), fault('nginx', 1, 5), fault('haproxy', 1, 9)]);
  assert.equal(t.pass, false); // equal is not fewer
  t = target([fault('rrproxy', 1, 0), fault('nginx', 1, 0), fault('haproxy', 1, 0)]);
  assert.equal(t.pass, true);
  assert.equal(target([fault('rrproxy', 1, 0)]), undefined); // nothing to compare with
});

test('killed-backend: the markdown has a table of its own, not a column of the load tables', () => {
  const meta = {
    stamp: 'x',
    quick: true,
    rrproxyVersion: '-',
    versions: '-',
    pinning: '-',
    settings: '-',
    noise: '-',
    peerNotes: [],
    checks: [],
    skipped: [],
    peers: ['rrproxy', 'nginx'],
    scenarios: ['killed-backend'],
    reps: 1,
  };
  const faults = [fault('rrproxy', 1, 0), fault('nginx', 1, 4)];
  const md = markdown({
    meta,
    cells: {},
    targets: evaluateTargets({}, [], {}, faults),
    idle: [],
    parser: null,
    faults,
  });
  assert.match(md, /### Backend killed during load/);
  assert.match(md, /\| nginx \| 1 \| \*\*4\*\* \| 4 \(502×4\) \| 0\/0\/0\/0 \|/);
  assert.doesNotMatch(md, /### Requests\/s/);
});

function sample(peer, scenario, round, fields) {
  return { peer, scenario, round, attempt: 0, ...fields };
}

test('summarize keeps the last attempt of a round and takes medians over rounds', () => {
  const cells = summarize([
    sample('nginx', '1k-c50', 1, { rps: 100, proxyUsPerReq: 30 }),
    { ...sample('nginx', '1k-c50', 1, { rps: 999, proxyUsPerReq: 1 }), attempt: 1 }, // the retry counts
    sample('nginx', '1k-c50', 2, { rps: 200, proxyUsPerReq: 40 }),
    sample('nginx', '1k-c50', 3, { rps: 300, proxyUsPerReq: 50 }),
  ]);
  const c = cells['nginx|1k-c50'];
  assert.equal(c.n, 3);
  assert.equal(c.rps, 300);
  assert.equal(c.proxyUsPerReq, 40);
});

test('targets: ratios against nginx, limits per size, log and cache and idle', () => {
  const cells = summarize([
    sample('rrproxy', '1k-c50', 1, { rps: 90, proxyUsPerReq: 45, p99Ms: 4 }),
    sample('nginx', '1k-c50', 1, { rps: 100, proxyUsPerReq: 30, p99Ms: 4 }),
    sample('rrproxy', '100k-c50', 1, { rps: 50, proxyUsPerReq: 130, p99Ms: 4 }),
    sample('nginx', '100k-c50', 1, { rps: 50, proxyUsPerReq: 100, p99Ms: 4 }),
    sample('rrproxy-log', '1k-c50', 1, { rps: 80, proxyUsPerReq: 50, countedPerRequest: 1 }),
    sample('rrproxy-cache', 'cache-1k-c50', 1, { rps: 120, proxyUsPerReq: 10 }),
    sample('nginx-cache', 'cache-1k-c50', 1, { rps: 100, proxyUsPerReq: 12 }),
    sample('direct', 'cache-1k-c50', 1, { rps: 110 }),
  ]);
  const idle = [
    {
      peer: 'rrproxy',
      scenario: 'idle10k',
      connections: 10000,
      opened: 10000,
      stillOpen: 10000,
      rssKiB: 160 * 1024,
      newRequestOk: true,
    },
  ];
  const t = evaluateTargets(cells, idle);
  const find = (target, scenario) =>
    t.find((x) => x.target.startsWith(target) && x.scenario === scenario);
  assert.equal(find('CPU/request rrproxy', '1k-c50').measured, 1.5);
  assert.equal(find('CPU/request rrproxy', '1k-c50').pass, true); // <= 1.5
  assert.equal(find('req/s rrproxy', '1k-c50').pass, true); // 0.9 >= 0.8
  assert.equal(find('CPU/request rrproxy', '100k-c50').measured, 1.3);
  assert.equal(find('CPU/request rrproxy', '100k-c50').pass, false); // > 1.2
  assert.equal(find('access log', '1k-c50').measured, 1.11);
  assert.equal(find('access log', '1k-c50').pass, false); // not < 1.1
  assert.equal(find('cache hit: CPU', 'cache-1k-c50').pass, true);
  assert.equal(find('cache hit: req/s', 'cache-1k-c50').pass, true);
  assert.equal(find('10000 idle keep-alive', 'idle10k').pass, false); // 160 MiB > 150
  assert.equal(find('10000 idle connections: new request', 'idle10k').pass, true);
});

test('profile-top: self time by function, idle left out of the percentages', () => {
  const frame = (id, functionName, url = '') => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
  });
  const profile = {
    nodes: [
      frame(1, '(root)'),
      frame(2, '(idle)'),
      frame(3, 'writev'),
      frame(4, 'parse', 'file:///x.js'),
    ],
    samples: [2, 2, 3, 3, 3, 4],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
    startTime: 0,
    endTime: 6000,
  };
  const top = topSelf(profile);
  assert.deepEqual(
    top.map((r) => [r.name, r.pct, r.selfMs]),
    [
      ['writev', 75, 3],
      ['parse', 25, 1],
    ],
  );
});

test('a peer first sample gets the longer warm-up: 5 s by default, 1 s QUICK, FIRST_WARMUP sets it', () => {
  assert.equal(readOptions({}).firstWarmupS, 5);
  assert.equal(readOptions({ QUICK: '1' }).firstWarmupS, 1);
  assert.equal(readOptions({ FIRST_WARMUP: '8' }).firstWarmupS, 8);
  assert.throws(() => readOptions({ FIRST_WARMUP: 'soon' }), /FIRST_WARMUP/);
});
