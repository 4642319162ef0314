// rrproxy's benchmark, one command: `npm run bench` (builds, then runs this). Starts three nginx
// backends and, in turn, rrproxy and its peers (nginx, HAProxy, node-http-proxy, an undici
// proxy, direct), pins the proxy to one cpu and wrk + backends to the other, runs the wrk
// scenarios in interleaved rounds, the idle-connections and parser scenarios, and writes
// bench/results/<latest|quick>.{md,json} (+ raw-<stamp>.jsonl). Knobs and how to read the
// results: bench/README.md. Loopback only; every process it starts is stopped at the end and
// on SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { idleConnections } from './lib/idle-conns.mjs';
import { faultProgressLine, killedBackendRun } from './lib/killed-backend.mjs';
import { readOptions, BENCH_DIR } from './lib/options.mjs';
import { FAULT_PEERS, PEERS, peerRuns, peerCpus, renderConf } from './lib/peers.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { alive } from './lib/proc-stats.mjs';
import {
  cacheProbe,
  closesOnConnectionClose,
  get,
  rotation,
  waitFor200,
} from './lib/http-probe.mjs';
import { evaluateTargets, markdown, median, summarize } from './lib/report.mjs';
import { measureSample } from './lib/sample.mjs';
import { parseScenario } from './lib/scenarios.mjs';
import {
  ensureTools,
  freshDir,
  installNodePeers,
  portFinder,
  rrproxyVersion,
  versions,
  writeWww,
} from './lib/setup.mjs';

const SELF = fileURLToPath(import.meta.url);
const FD_LIMIT = 65536; // the idle scenario holds 10,000+ sockets in this process and the proxy

// --- 1. Run in a session of our own: its own scheduler autogroup (so NICE applies to the whole
// run against other jobs' autogroups), a raised open-files limit, and SIGINT forwarded.
if (!process.env.RRPROXY_BENCH_SESSION) {
  const child = spawn(
    'bash',
    [
      '-c',
      `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`,
      'bench',
      process.execPath,
      SELF,
    ],
    { detached: true, stdio: 'inherit', env: { ...process.env, RRPROXY_BENCH_SESSION: '1' } },
  );
  const forward = () => child.kill('SIGTERM');
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, sig) => process.exit(code ?? (sig ? 130 : 1)));
} else {
  await main();
}

async function main() {
  const opts = readOptions();
  const group = new ProcessGroup();
  let currentWrk = null;
  let stopping = false;
  const lockFile = join(opts.scratch, 'lock');
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    console.error('\ninterrupted: stopping every process this run started');
    currentWrk?.kill('SIGKILL');
    await group.stopAll(2000);
    rmSync(lockFile, { force: true });
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => group.killAllNow());

  try {
    prioritise(opts);
    ensureTools();
    mkdirSync(opts.scratch, { recursive: true });
    takeLock(lockFile);
    await run(opts, group, (w) => (currentWrk = w));
  } catch (err) {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await group.stopAll(10_000); // room for a proxy to drain and write its --cpu-prof profile
    removeDiskCaches(opts.runDir);
    rmSync(lockFile, { force: true });
  }
}

/** nginx proxy_cache folders can hold hundreds of MiB: the run's logs stay, those go. */
function removeDiskCaches(runDir) {
  try {
    for (const d of readdirSync(runDir)) {
      if (d.endsWith('-cache')) rmSync(join(runDir, d), { recursive: true, force: true });
    }
  } catch {
    /* no run folder */
  }
}

function prioritise(opts) {
  try {
    writeFileSync('/proc/self/autogroup', String(opts.nice));
  } catch {
    /* no autogroup on this kernel */
  }
  try {
    setPriority(opts.nice);
  } catch {
    console.error(`could not set nice ${opts.nice} (not root?): running at normal priority`);
  }
  // This process (the idle-connections client, the access-log reader) belongs on the load cpu.
  spawnSync('taskset', ['-a', '-p', '-c', opts.loadCpus, String(process.pid)], { stdio: 'ignore' });
}

function takeLock(file) {
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid && alive(pid)) throw new Error(`another bench run (pid ${pid}) is using ${file}`);
  }
  writeFileSync(file, String(process.pid));
}

async function run(opts, group, trackWrk) {
  const scenarios = opts.scenarios.map(parseScenario);
  for (const p of opts.peers)
    if (!PEERS[p]) throw new Error(`unknown peer "${p}" (known: ${Object.keys(PEERS).join(' ')})`);
  const loadScenarios = scenarios.filter((s) => s.kind === 'miss' || s.kind === 'cache');
  const faultScenarios = scenarios.filter((s) => s.kind === 'fault');
  const wanted = opts.peers.filter((p) => scenarios.some((s) => peerRuns(p, s, opts)));
  // Started up front and kept: peers of the load and idle scenarios. The killed-backend
  // scenario starts its own peer and backends per run.
  const upFront = wanted.filter((p) =>
    scenarios.some((s) => s.kind !== 'fault' && peerRuns(p, s, opts)),
  );
  const faultRuns = faultScenarios.reduce(
    (n, s) => n + wanted.filter((p) => peerRuns(p, s, opts)).length,
    0,
  );
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const samplesPerRound = loadScenarios.reduce(
    (n, s) => n + wanted.filter((p) => peerRuns(p, s, opts)).length,
    0,
  );
  console.error(
    `rrproxy bench ${stamp}: peers [${wanted.join(' ')}], scenarios [${opts.scenarios.join(' ')}], ` +
      `${opts.reps} round(s) x ${samplesPerRound} samples of ${opts.durationS} s ` +
      `+ ${faultRuns} killed-backend run(s) of ${opts.killDurationS} s ` +
      `(about ${Math.ceil((opts.reps * (samplesPerRound * (opts.durationS + opts.warmupS + 2) + faultRuns * (opts.killDurationS + 4))) / 60)} min of load)`,
  );

  const wwwDir = join(opts.scratch, 'www');
  const peersDir = join(opts.scratch, 'node-peers');
  freshDir(opts.runDir);
  writeWww(wwwDir);
  if (upFront.includes('http-proxy') || upFront.includes('undici-pool')) installNodePeers(peersDir);
  if (wanted.some((p) => p.startsWith('rrproxy')) && !existsSync(opts.rrproxyMain)) {
    console.error(
      `note: ${opts.rrproxyMain} is missing (npm run build); the rrproxy peers will be skipped`,
    );
  }

  const freePort = portFinder();
  const backendPorts = [await freePort(), await freePort(), await freePort()];
  let sinkPort = null;
  const ctx = {
    opts,
    group,
    runDir: opts.runDir,
    wwwDir,
    peersDir,
    backendPorts,
    freePort,
    traceSinkPort: () => sinkPort,
    fdLimit: openFilesLimit(),
  };

  // --- backends (and the OTLP sink) on the load cpu
  if (upFront.length) await startSharedBackends(ctx);
  if (upFront.includes('rrproxy-trace') || upFront.includes('rrproxy-trace1')) {
    sinkPort = await freePort();
    group.start('otlp-sink', process.execPath, [join(BENCH_DIR, 'lib', 'otlp-sink.mjs')], {
      cpus: opts.loadCpus,
      env: { PORT: String(sinkPort) },
      logFile: join(opts.runDir, 'otlp-sink.log'),
    });
    if (!(await waitForSink(sinkPort))) throw new Error('the OTLP sink did not start');
  }

  // --- peers: all started up front (an idle peer costs nothing), failures reported, not fatal
  const running = {};
  const skipped = [];
  const checks = [];
  const cacheNotes = {};
  for (const name of upFront) {
    try {
      const peer = { name, ...(await PEERS[name].start(ctx)) };
      if (peer.lines) peer.counter = async () => peer.lines.count;
      if (name === 'rrproxy-trace' || name === 'rrproxy-trace1') {
        peer.counter = async () => (await sinkStats(sinkPort)).posts;
      }
      running[name] = peer;
      const check = await checkPeer(name, peer.port, scenarios);
      checks.push(check.line);
      if (check.cache) cacheNotes[name] = check.cache;
    } catch (err) {
      const needs = PEERS[name].needs ? ` (depends on ${PEERS[name].needs})` : '';
      const why = String(err instanceof Error ? err.message : err);
      skipped.push(
        `${name}${needs}: did not start: ${why.split('\n').slice(0, 6).join(' / ').slice(0, 400)}`,
      );
      console.error(`skipping ${name}${needs}: ${why}`);
    }
  }
  for (const c of checks) console.error(`- ${c}`);

  // --- load scenarios: interleaved rounds, the peer order rotating every round
  mkdirSync(opts.resultsDir, { recursive: true });
  const rawFile = join(opts.resultsDir, `raw-${stamp}.jsonl`);
  const samples = [];
  const rootPid = process.pid;
  const backendPid = upFront.length ? group.pid('backends') : null;
  const warmed = new Set(); // peers past their first (longer) warm-up
  for (let round = 1; round <= opts.reps; round++) {
    for (const scenario of loadScenarios) {
      const names = Object.keys(running).filter((p) => peerRuns(p, scenario, opts));
      for (let i = 0; i < names.length; i++) {
        const peer = running[names[(i + round - 1) % names.length]];
        if (!peer) continue; // it exited earlier in this round
        if (peer.pid && group.exited(peer.name)) {
          dropDeadPeer(peer.name, running, skipped, opts.runDir);
          continue;
        }
        const cpus = peer.pid ? `${opts.loadCpus},${peerCpus(peer.name, opts)}` : opts.loadCpus;
        for (let attempt = 0; attempt <= opts.retries; attempt++) {
          const r = await measureSample({
            opts,
            peer,
            scenario,
            round,
            attempt,
            backendPid,
            rootPid,
            cpus,
            tracker: trackWrk,
            firstLoad: !warmed.has(peer.name),
          });
          warmed.add(peer.name);
          samples.push(r);
          appendFileSync(rawFile, JSON.stringify(r) + '\n');
          console.error(progressLine(r, round, opts.reps));
          if (!r.noisy && !r.failed) break;
        }
      }
    }
  }

  // --- a backend killed during the load: a fresh peer and backends per run, rounds interleaved
  const faults = [];
  for (let round = 1; round <= opts.reps; round++) {
    for (const scenario of faultScenarios) {
      const names = wanted.filter((p) => peerRuns(p, scenario, opts));
      for (let i = 0; i < names.length; i++) {
        const peerName = names[(i + round - 1) % names.length];
        const r = await killedBackendRun({ ctx, peerName, scenario, round, tracker: trackWrk });
        faults.push(r);
        appendFileSync(rawFile, JSON.stringify(r) + '\n');
        console.error(faultProgressLine(r, round, opts.reps));
      }
    }
  }

  // --- idle keep-alive connections
  const idle = [];
  for (const name of Object.keys(running)) {
    if (running[name].pid && group.exited(name)) dropDeadPeer(name, running, skipped, opts.runDir);
  }
  for (const scenario of scenarios.filter((s) => s.kind === 'idle')) {
    const count =
      opts.idleConnections ||
      (opts.quick ? Math.min(2000, scenario.connections) : scenario.connections);
    for (const name of Object.keys(running).filter((p) => peerRuns(p, scenario, opts))) {
      // A fresh process: after the load scenarios a proxy's RSS is its load working set (a grown
      // heap), which would hide what the idle connections themselves cost.
      await group.stop(name, 10_000);
      delete running[name];
      let peer;
      try {
        peer = { name, ...(await PEERS[name].start(ctx)) };
        running[name] = peer;
      } catch (err) {
        skipped.push(`${name} (${scenario.name}): did not restart: ${String(err).slice(0, 300)}`);
        continue;
      }
      console.error(
        `${scenario.name} ${name}: opening ${count} keep-alive connections to a fresh process`,
      );
      const r = {
        peer: name,
        scenario: scenario.name,
        ...(await idleConnections({ port: peer.port, pid: peer.pid, count })),
      };
      idle.push(r);
      console.error(
        `  opened ${r.opened} (failed ${r.failed}) in ${r.openSeconds}s, ${r.stillOpen} still open, RSS ${(r.rssBeforeKiB / 1024).toFixed(1)} -> ` +
          `${(r.rssKiB / 1024).toFixed(1)} MiB, new request ${r.newRequestOk ? 'served' : 'NOT served'}, reused ${r.reusedOk}/${r.reuseTried}`,
      );
    }
  }

  // --- parser micro-benchmark, on the proxy cpu
  let parser = null;
  if (scenarios.some((s) => s.kind === 'parser')) {
    console.error('parser micro-benchmark');
    parser = runParser(opts);
  }

  // --- report
  const cells = summarize(samples);
  const targets = evaluateTargets(cells, idle, cacheNotes, faults);
  const kept = Object.values(cells);
  const foreign = samples.map((r) => r.foreign).filter((x) => x != null);
  const meta = {
    stamp,
    quick: opts.quick,
    rrproxyVersion: rrproxyVersion(),
    versions: versions(peersDir),
    pinning: `wrk + backends on cpu ${opts.loadCpus}, single-process peers on cpu ${opts.proxyCpus} (-2w/-2t variants on both); machine has ${cpuCount()} cpus`,
    settings: `wrk -t${opts.wrkThreads} --timeout ${opts.wrkTimeoutS}s, ${opts.durationS} s samples after a ${opts.warmupS} s warm-up (${opts.firstWarmupS} s before a peer's first), ${opts.reps} interleaved round(s), nice ${opts.nice}, FOREIGN_MAX ${opts.foreignMax} %, RETRIES ${opts.retries}`,
    noise: foreign.length
      ? `median ${median(foreign)}, max ${Math.max(...foreign)}; ${samples.length - samples.filter((r) => r.attempt === 0).length} sample(s) rerun, ${kept.filter((c) => c.noisy).length} cell(s) still noisy (†)`
      : 'no samples',
    peers: wanted,
    peerNotes: [
      ...upFront.filter((p) => running[p]).map((p) => `${p}: ${PEERS[p].about}`),
      ...[...new Set(faults.map((r) => r.peer))].map(
        (p) => `${p} (killed-backend): ${FAULT_PEERS[p].about}`,
      ),
    ],
    scenarios: opts.scenarios,
    reps: opts.reps,
    checks,
    skipped,
    rawFile,
  };
  const md = markdown({ meta, cells, targets, idle, parser, faults });
  writeFileSync(join(opts.resultsDir, `${opts.resultsName}.md`), md);
  writeFileSync(
    join(opts.resultsDir, `${opts.resultsName}.json`),
    JSON.stringify({ meta, cells: kept, targets, idle, parser, faults, samples }, null, 2) + '\n',
  );
  process.stdout.write(md);
  console.error(
    `\nwrote ${join(opts.resultsDir, opts.resultsName)}.md and .json, raw samples in ${rawFile}`,
  );
}

/** The shared backends: one nginx, three server blocks b1 b2 b3, on the load cpu. */
async function startSharedBackends(ctx) {
  const { opts, group, backendPorts } = ctx;
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(opts.runDir, 'backends-temp', d), { recursive: true });
  const backendsConf = renderConf(ctx, 'backends.nginx.conf', 'backends', {
    B1: backendPorts[0],
    B2: backendPorts[1],
    B3: backendPorts[2],
  });
  group.start(
    'backends',
    'nginx',
    [
      '-p',
      opts.runDir,
      '-e',
      join(opts.runDir, 'backends.error.log'),
      '-c',
      backendsConf,
      '-g',
      'daemon off;',
    ],
    {
      cpus: opts.loadCpus,
      logFile: join(opts.runDir, 'backends.log'),
    },
  );
  for (const port of backendPorts) {
    if (!(await waitFor200(port, '/index.html', 10_000, () => group.exited('backends')))) {
      throw new Error(
        `the nginx backends did not start; see ${opts.runDir}/backends.log and backends.error.log`,
      );
    }
  }
}

/** A peer that exited during the run: reported with its log tail, left out from then on. */
function dropDeadPeer(name, running, skipped, runDir) {
  delete running[name];
  let log = '';
  try {
    log = readFileSync(join(runDir, `${name}.log`), 'utf8')
      .slice(-600)
      .split('\n')
      .join(' / ');
  } catch {
    /* no log */
  }
  skipped.push(`${name}: exited during the run; later samples left out. Log tail: ${log}`);
  console.error(`${name} exited during the run; leaving it out from now on`);
}

/** This process's soft open-files limit (children inherit it). */
function openFilesLimit() {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 1024;
}

function cpuCount() {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l)).length;
}

function progressLine(r, round, reps) {
  const f = (x, unit = '') => (x == null ? '-' : `${x}${unit}`);
  return (
    `[${round}/${reps}] ${r.scenario} ${r.peer}${r.attempt ? ` (attempt ${r.attempt + 1})` : ''}: ` +
    `${Math.round(r.rps)} req/s, p50 ${f(r.p50Ms, 'ms')}, p99 ${f(r.p99Ms, 'ms')}, proxy ${f(r.proxyCpu, '%')} ` +
    `${f(r.proxyUsPerReq, 'µs/req')}, peak RSS ${r.peakRssKiB ? (r.peakRssKiB / 1024).toFixed(1) + 'MiB' : '-'}, ` +
    `foreign ${f(r.foreign, '%')}${r.errors ? `, ${r.errors} errors` : ''}${r.counted != null ? `, counted ${r.countedPerRequest}/req` : ''}` +
    `${r.noisy ? ' NOISY' : ''}${r.failed ? ' FAILED' : ''}`
  );
}

/** Rotation over the backends and Connection: close, plus the cache status for cache peers. */
async function checkPeer(name, port, scenarios) {
  const parts = [];
  let cache = null;
  try {
    if (name !== 'direct') parts.push(`6 GETs went to [${await rotation(port, '/index.html')}]`);
    parts.push(
      `Connection: close honoured: ${(await closesOnConnectionClose(port, '/index.html')) ? 'yes' : 'NO'}`,
    );
    if (
      name !== 'direct' &&
      PEERS[name].kinds.includes('cache') &&
      scenarios.some((s) => s.kind === 'cache')
    ) {
      cache = await cacheProbe(port, '/cached/index.html');
      parts.push(cache);
    }
  } catch (err) {
    parts.push(`check failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { line: `${name}: ${parts.join('; ')}`, cache };
}

/** The OTLP sink's counters ({ posts, bytes }); zeros when it cannot be read. */
async function sinkStats(port) {
  try {
    return JSON.parse((await get(port, '/stats')).body.toString());
  } catch {
    return { posts: 0, bytes: 0 };
  }
}

async function waitForSink(port) {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await get(port, '/stats')).status === 200) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function runParser(opts) {
  const r = spawnSync(
    'taskset',
    ['-c', opts.proxyCpus, process.execPath, join(BENCH_DIR, 'parser-micro.mjs'), '--json'],
    {
      encoding: 'utf8',
      env: { ...process.env, PARSER_SECONDS: String(opts.parserSeconds) },
      timeout: 600_000,
    },
  );
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {
    return {
      node: process.version,
      batches: 0,
      error: (r.stderr || r.stdout || 'no output').trim().split('\n').slice(-3).join(' / '),
    };
  }
}
