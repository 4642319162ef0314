// Runs wrk and reads its report.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A wrk Lua script asking for `keys` distinct URLs (path?k=<random>), written into `dir`.
 * wrk.format keeps the -H headers (Connection: close) of the command line.
 */
function spreadScript(dir, path, keys) {
  const file = join(dir, `wrk-spread-${keys}.lua`);
  writeFileSync(
    file,
    [
      '-- Written by bench/lib/wrk.mjs: one of N distinct URLs per request.',
      'math.randomseed(os.time())',
      'request = function()',
      `  return wrk.format(nil, "${path}?k=" .. math.random(0, ${keys - 1}))`,
      'end',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * A wrk Lua script counting responses per (X-Backend, status), written into `dir`. wrk gives
 * each thread its own Lua state: done() gathers every thread's table and prints one line per
 * pair, "backend-status <backend> <status> <count>" ("-" when no X-Backend: an answer the
 * proxy made itself, e.g. its 502). Socket errors have no response and stay in wrk's summary.
 */
function backendCountScript(dir) {
  const file = join(dir, 'wrk-backend-count.lua');
  writeFileSync(
    file,
    [
      '-- Written by bench/lib/wrk.mjs: responses counted per X-Backend and status.',
      'local threads = {}',
      'function setup(thread) table.insert(threads, thread) end',
      'counts = {}',
      'function response(status, headers, body)',
      '  local backend = "-"',
      '  for name, value in pairs(headers) do',
      '    if string.lower(name) == "x-backend" then backend = value end',
      '  end',
      '  local key = backend .. " " .. status',
      '  counts[key] = (counts[key] or 0) + 1',
      'end',
      'function done(summary, latency, requests)',
      '  for _, thread in ipairs(threads) do',
      '    for key, n in pairs(thread:get("counts")) do',
      '      io.write("backend-status ", key, " ", n, "\\n")',
      '    end',
      '  end',
      'end',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * The per-backend counts printed by the backend-count script: { byBackend, byStatus, pairs }.
 * Counts of several lines for one key (several threads) are added up.
 */
export function parseBackendCounts(output) {
  const byBackend = {};
  const byStatus = {};
  const pairs = {};
  for (const m of output.matchAll(/^backend-status (\S+) (\d+) (\d+)$/gm)) {
    const [, backend, status, n] = m;
    byBackend[backend] = (byBackend[backend] ?? 0) + Number(n);
    byStatus[status] = (byStatus[status] ?? 0) + Number(n);
    pairs[`${backend} ${status}`] = (pairs[`${backend} ${status}`] ?? 0) + Number(n);
  }
  return { byBackend, byStatus, pairs };
}

/** wrk's command line for one scenario against a port. */
export function wrkArgs(opts, scenario, port, durationS, latency) {
  const args = [
    `-t${opts.wrkThreads}`,
    `-c${scenario.connections}`,
    `-d${durationS}s`,
    '--timeout',
    `${opts.wrkTimeoutS}s`,
  ];
  if (latency) args.push('--latency');
  if (scenario.close) args.push('-H', 'Connection: close');
  if (scenario.keys) args.push('-s', spreadScript(opts.runDir, scenario.path, scenario.keys));
  else if (scenario.countBackends) args.push('-s', backendCountScript(opts.runDir));
  args.push(`http://127.0.0.1:${port}${scenario.path}`);
  return args;
}

/**
 * Runs `taskset -c cpus wrk args`; resolves { code, output, pid } when it exits. `onSpawn` is
 * called with the pid right after the spawn. `hardLimitMs` bounds the run even if wrk hangs.
 * `track(child)` registers it so that SIGINT can stop it.
 */
export function runWrk(cpus, args, { hardLimitMs, onSpawn, track }) {
  return new Promise((resolve) => {
    const child = spawn('taskset', ['-c', cpus, 'wrk', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track?.(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), hardLimitMs);
    onSpawn?.(child.pid);
    child.on('error', (err) => {
      output += String(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      track?.(null);
      resolve({ code: code ?? (sig ? 128 : 1), output });
    });
  });
}

const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 };

/** Figures from wrk's text report. */
export function parseWrk(output) {
  const num = (re) => {
    const m = output.match(re);
    return m ? Number(m[1]) : 0;
  };
  const latency = (p) => {
    const m = output.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\b`, 'm'));
    return m ? Number((Number(m[1]) * UNIT_MS[m[2]]).toFixed(3)) : null;
  };
  const sock = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const socketErrors = sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0;
  const [connect, read, write, timeout] = sock ? sock.slice(1).map(Number) : [0, 0, 0, 0];
  return {
    socket: { connect, read, write, timeout },
    non2xx,
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50Ms: latency(50),
    p99Ms: latency(99),
    errors: socketErrors + non2xx,
    errorsDetail:
      socketErrors || non2xx ? `${sock ? sock[0] : ''} non2xx ${non2xx}`.trim() : undefined,
  };
}
