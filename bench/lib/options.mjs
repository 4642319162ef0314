// The benchmark's knobs, read once from the environment. Every default is here; bench/README.md
// lists them.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);

/** Every scenario the default run measures, in order. */
export const DEFAULT_SCENARIOS = [
  '1k-c50',
  '1k-c256',
  '100k-c50',
  '100k-c256',
  '1k-c50-close',
  'cache-1k-c50',
  'cache-100k-c50',
  'cachefill-100k-c50',
  'idle10k',
  'killed-backend',
  'parser',
];

/** Peers of the default run. Optional ones: rrproxy-2w, nginx-2w, haproxy-2t. */
export const DEFAULT_PEERS = [
  'rrproxy',
  'rrproxy-log',
  'rrproxy-trace',
  'rrproxy-trace1',
  'nginx',
  'haproxy',
  'http-proxy',
  'undici-pool',
  'direct',
  'rrproxy-cache',
  'nginx-cache',
];

function words(value, fallback) {
  const list = (value ?? '').split(/[\s,]+/).filter(Boolean);
  return list.length ? list : fallback;
}

function number(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

function integer(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return Number(raw);
}

/** Reads the knobs; throws with the variable's name on a bad value. */
export function readOptions(env = process.env) {
  const quick = env.QUICK === '1';
  const scratch = env.SCRATCH || '/tmp/rrproxy-bench';
  const options = {
    quick,
    peers: words(env.PEERS, DEFAULT_PEERS),
    scenarios: words(env.SCENARIOS, DEFAULT_SCENARIOS),
    durationS: number(env, 'DURATION', quick ? 2 : 10),
    warmupS: number(env, 'WARMUP', quick ? 0.5 : 1),
    // A peer's very first sample: JIT-compiled peers (the Node ones) reach their steady code
    // only after seconds of load; with 1 s their first round ran 30-50 % slower.
    firstWarmupS: number(env, 'FIRST_WARMUP', quick ? 1 : 5),
    reps: Math.max(1, Math.floor(number(env, 'REPS', quick ? 1 : 3))),
    wrkThreads: Math.max(1, Math.floor(number(env, 'WRK_THREADS', 1))),
    wrkTimeoutS: number(env, 'WRK_TIMEOUT', 10),
    loadCpus: env.LOAD_CPUS || '0',
    proxyCpus: env.PROXY_CPUS || '1',
    // Priority of the whole run (nice value, -20..19; needs root below 0). 0: no boost.
    nice: integer(env, 'NICE', -10),
    foreignMax: number(env, 'FOREIGN_MAX', 25),
    retries: Math.floor(number(env, 'RETRIES', quick ? 0 : 2)),
    quietWaitS: number(env, 'QUIET_WAIT', quick ? 3 : 20),
    idleConnections: Math.floor(number(env, 'IDLE_CONNS', 0)), // 0: from the scenario name
    idlePeers: words(env.IDLE_PEERS, ['rrproxy', 'nginx']),
    // killed-backend: seconds of load per run, and when (after the load starts) a backend dies.
    killDurationS: number(env, 'KILL_DURATION', quick ? 6 : 10),
    killAtS: number(env, 'KILL_AT', quick ? 2 : 3),
    parserSeconds: number(env, 'PARSER_SECONDS', quick ? 0.2 : 1),
    scratch,
    runDir: join(scratch, 'run'),
    resultsDir: env.RESULTS || join(BENCH_DIR, 'results'),
    // QUICK runs never overwrite the committed full-run figures.
    resultsName: env.RESULTS_NAME || (quick ? 'quick' : 'latest'),
    rrproxyMain: env.RRPROXY_MAIN || join(ROOT_DIR, 'dist', 'main.js'),
    rrproxyNodeArgs: words(env.RRPROXY_NODE_ARGS, []),
    rrproxyArgs: words(env.RRPROXY_ARGS, []),
  };
  if (options.killAtS >= options.killDurationS) {
    throw new Error(
      `KILL_AT (${options.killAtS}) must be below KILL_DURATION (${options.killDurationS})`,
    );
  }
  return options;
}
