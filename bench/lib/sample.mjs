// One load sample: wrk against a peer, with the CPU time of every process involved read from
// /proc in a window inside the run (from 0.5 s after the start to 0.5 s before the end, so
// connection set-up and teardown are left out), in % of one core:
//   proxyCpu, backendCpu, wrkCpu: that process tree;
//   foreign: what other jobs on the box used on the cpus this sample runs on (their busy time
//            minus ours and the kernel threads'); a sample above FOREIGN_MAX is "noisy".
// proxyUsPerReq = the proxy's CPU time per request, the per-core cost (comparable even when the
// load cpu is the bottleneck). peakRssKiB = the proxy tree's VmHWM during the sample.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  USER_HZ,
  allowedCpus,
  busyOf,
  cpuBusy,
  memoryOf,
  parseCpuList,
  processTable,
  resetPeakRss,
  treeOf,
} from './proc-stats.mjs';
import { parseWrk, runWrk, wrkArgs } from './wrk.mjs';

const WINDOW_MARGIN_MS = 500;

function snapshot(roots) {
  const table = processTable();
  const trees = {};
  for (const [name, pid] of Object.entries(roots))
    trees[name] = pid ? treeOf(table, pid) : new Set();
  // Kernel threads (children of kthreadd, pid 2: softirq, kworkers) do our network work.
  for (const pid of trees.kernel) trees.ours.add(pid);
  return { at: process.hrtime.bigint(), table, cpus: cpuBusy(), trees };
}

function delta(a, b, sampleCpus) {
  const secs = Number(b.at - a.at) / 1e9;
  const pct = (ticks) => Math.round((1000 * ticks) / USER_HZ / secs) / 10;
  const used = (pid) => Math.max(0, (b.table.get(pid)?.cpu ?? 0) - (a.table.get(pid)?.cpu ?? 0));
  const inBoth = (name) => [...a.trees[name]].filter((p) => b.trees[name].has(p));
  const out = { windowS: Number(secs.toFixed(3)) };
  for (const name of ['proxy', 'backend', 'wrk']) {
    out[`${name}Cpu`] = a.trees[name].size
      ? pct(inBoth(name).reduce((s, p) => s + used(p), 0))
      : null;
  }
  // Our processes' time, per cpu: a pinned process ran on its cpu; others on the cpu they last
  // ran on (an estimate, good enough for the few unpinned kernel threads).
  const oursOn = b.cpus.map(() => 0);
  for (const pid of inBoth('ours')) {
    const allowed = allowedCpus(pid);
    const cpu = allowed.length === 1 ? allowed[0] : b.table.get(pid).lastCpu;
    if (cpu < oursOn.length) oursOn[cpu] += used(pid);
  }
  let foreign = 0;
  let steal = 0;
  const cpuBusyPct = [];
  const oursPct = [];
  b.cpus.forEach((c, i) => {
    steal += c.steal - a.cpus[i].steal;
    cpuBusyPct.push(pct(c.busy - a.cpus[i].busy));
    oursPct.push(pct(oursOn[i]));
    if (sampleCpus.has(i)) foreign += Math.max(0, c.busy - a.cpus[i].busy - oursOn[i]);
  });
  return { ...out, foreign: pct(foreign), steal: pct(steal), cpuBusyPct, oursPct };
}

/**
 * Waits until the sample's cpus were busy less than `foreignMax` % of one core during one
 * second (our processes are idle then, so that is other jobs), for at most `quietWaitS`.
 */
export async function waitQuiet(cpus, foreignMax, quietWaitS) {
  const deadline = Date.now() + quietWaitS * 1000;
  for (;;) {
    const a = busyOf(cpus);
    await sleep(1000);
    const used = busyOf(cpus) - a; // ticks in ~1 s = % of one core
    if (used <= foreignMax || Date.now() >= deadline) return used;
  }
}

/**
 * Measures one sample. `peer` = { name, port, pid, counter? }; returns a plain record (one JSONL
 * line). `tracker` registers the running wrk so that SIGINT can stop it.
 */
export async function measureSample({
  opts,
  peer,
  scenario,
  round,
  attempt,
  backendPid,
  rootPid,
  cpus,
  tracker,
  firstLoad = false,
}) {
  const sampleCpus = new Set(parseCpuList(cpus));
  await waitQuiet(sampleCpus, opts.foreignMax, opts.quietWaitS);
  const load = opts.loadCpus;
  const warmupS = firstLoad ? Math.max(opts.warmupS, opts.firstWarmupS) : opts.warmupS;
  if (warmupS > 0) {
    await runWrk(load, wrkArgs(opts, scenario, peer.port, warmupS, false), {
      hardLimitMs: (warmupS + opts.wrkTimeoutS + 5) * 1000,
      track: tracker,
    });
  }
  const proxyPids = peer.pid ? [...treeOf(processTable(), peer.pid)] : [];
  resetPeakRss(proxyPids);
  const counted0 = peer.counter ? await peer.counter() : null;

  let wrkPid = null;
  let s0 = null;
  let cpu = {};
  const roots = () => ({
    proxy: peer.pid,
    backend: backendPid,
    wrk: wrkPid,
    ours: rootPid,
    kernel: 2,
  });
  const windowEnd = Math.max(WINDOW_MARGIN_MS + 500, opts.durationS * 1000 - WINDOW_MARGIN_MS);
  const timers = [];
  const run = runWrk(load, wrkArgs(opts, scenario, peer.port, opts.durationS, true), {
    hardLimitMs: (opts.durationS + opts.wrkTimeoutS + 5) * 1000,
    track: tracker,
    onSpawn: (pid) => {
      wrkPid = pid;
      timers.push(setTimeout(() => (s0 = snapshot(roots())), WINDOW_MARGIN_MS));
      timers.push(
        setTimeout(() => {
          if (s0) cpu = delta(s0, snapshot(roots()), sampleCpus);
        }, windowEnd),
      );
    },
  });
  const { code, output } = await run;
  timers.forEach(clearTimeout);
  const mem = memoryOf(proxyPids);
  await sleep(100); // let the last access-log lines arrive through the pipe
  const counted1 = peer.counter ? await peer.counter() : null;

  const wrk = parseWrk(output);
  const record = {
    peer: peer.name,
    scenario: scenario.name,
    round,
    attempt,
    durationS: opts.durationS,
    wrkRc: code,
    ...wrk,
    ...cpu,
    proxyUsPerReq: cpu.proxyCpu && wrk.rps ? Math.round((cpu.proxyCpu * 1e4) / wrk.rps) : null,
    peakRssKiB: proxyPids.length ? mem.hwmKiB : null,
  };
  if (peer.counter) {
    record.counted = counted1 - counted0;
    record.countedPerRequest = wrk.requests
      ? Number((record.counted / wrk.requests).toFixed(3))
      : null;
  }
  if (code !== 0 || !wrk.rps) record.wrkOutput = output.slice(0, 2000);
  record.noisy = record.foreign == null || record.foreign > opts.foreignMax;
  record.failed = code !== 0 || !wrk.rps;
  return record;
}
