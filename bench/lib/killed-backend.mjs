// The killed-backend scenario (issue 7): one of three backends dies during the load; what the
// clients see is the result. One run = three single-process nginx backends on fresh ports (the
// shared backends are one nginx, which cannot lose one replica alone), the peer started in front
// of them with its own failover settings (FAULT_PEERS), wrk for KILL_DURATION s counting
// responses per backend, SIGKILL of backend b2 KILL_AT s into the load, then everything of the
// run stopped. Client-visible errors = wrk's socket errors (connect, read, write, timeout) +
// responses with a status >= 400, exactly as wrk counts them: wrk never retries.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { rotation, waitFor200 } from './http-probe.mjs';
import { FAULT_PEERS, peerCpus, renderConf } from './peers.mjs';
import { parseCpuList } from './proc-stats.mjs';
import { waitQuiet } from './sample.mjs';
import { parseBackendCounts, parseWrk, runWrk, wrkArgs } from './wrk.mjs';

/** The backend that dies, of b1 b2 b3. */
export const VICTIM = 'b2';
const BACKEND_IDS = ['b1', 'b2', 'b3'];

/** Starts one single-process nginx backend answering with `X-Backend: <id>`. */
function startBackend(ctx, name, port, id) {
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(ctx.runDir, `${name}-temp`, d), { recursive: true });
  const conf = renderConf(ctx, 'backend-one.nginx.conf', name, { PORT: port, ID: id });
  return ctx.group.start(
    name,
    'nginx',
    [
      '-p',
      ctx.runDir,
      '-e',
      join(ctx.runDir, `${name}.error.log`),
      '-c',
      conf,
      '-g',
      'daemon off;',
    ],
    { cpus: ctx.opts.loadCpus, logFile: join(ctx.runDir, `${name}.log`) },
  );
}

/**
 * One killed-backend run for `peerName` (a FAULT_PEERS key). Resolves a plain record (one JSONL
 * line, kind 'fault'); a run that could not be set up comes back with `failed` and `why`.
 * Every process it started is stopped before it resolves.
 */
export async function killedBackendRun({ ctx, peerName, scenario, round, tracker }) {
  const { opts, group } = ctx;
  const tag = `kb-${peerName}`;
  const names = BACKEND_IDS.map((id) => `${tag}-${id}`);
  const record = {
    kind: 'fault',
    peer: peerName,
    scenario: scenario.name,
    round,
    connections: scenario.connections,
    durationS: opts.killDurationS,
    killAtS: opts.killAtS,
    killed: VICTIM,
  };
  let killTimer = null;
  try {
    const ports = [];
    for (let i = 0; i < BACKEND_IDS.length; i++) ports.push(await ctx.freePort());
    BACKEND_IDS.forEach((id, i) => startBackend(ctx, names[i], ports[i], id));
    for (let i = 0; i < ports.length; i++) {
      if (!(await waitFor200(ports[i], '/index.html', 10_000, () => group.exited(names[i])))) {
        throw new Error(`backend ${names[i]} did not start; see ${ctx.runDir}/${names[i]}.log`);
      }
    }
    const peer = await FAULT_PEERS[peerName].start({ ...ctx, backendPorts: ports }, tag);
    // Every backend must be in the rotation before one dies, or the run proves nothing.
    record.rotation = await rotation(peer.port, '/index.html');
    const missing = BACKEND_IDS.filter((id) => !record.rotation.split(' ').includes(id));
    if (missing.length)
      throw new Error(`6 GETs did not reach ${missing.join(' ')}: ${record.rotation}`);

    const cpus = new Set(parseCpuList(`${opts.loadCpus},${peerCpus(tag, opts)}`));
    await waitQuiet(cpus, opts.foreignMax, opts.quietWaitS);
    const victimPid = group.pid(names[BACKEND_IDS.indexOf(VICTIM)]);
    let spawnedAt = 0;
    const { code, output } = await runWrk(
      opts.loadCpus,
      wrkArgs(opts, scenario, peer.port, opts.killDurationS, true),
      {
        hardLimitMs: (opts.killDurationS + opts.wrkTimeoutS + 5) * 1000,
        track: tracker,
        onSpawn: () => {
          spawnedAt = performance.now();
          killTimer = setTimeout(() => {
            try {
              process.kill(victimPid, 'SIGKILL');
              record.killedAtS = Number(((performance.now() - spawnedAt) / 1000).toFixed(3));
            } catch (err) {
              record.why = `could not kill ${VICTIM}: ${String(err)}`;
            }
          }, opts.killAtS * 1000);
        },
      },
    );
    clearTimeout(killTimer);
    const wrk = parseWrk(output);
    const counts = parseBackendCounts(output);
    Object.assign(record, {
      wrkRc: code,
      rps: wrk.rps,
      requests: wrk.requests,
      p50Ms: wrk.p50Ms,
      p99Ms: wrk.p99Ms,
      errors: wrk.errors,
      socket: wrk.socket,
      non2xx: wrk.non2xx,
      byBackend: counts.byBackend,
      byStatus: counts.byStatus,
      peerAlive: !group.exited(tag),
    });
    record.failed = code !== 0 || !wrk.rps || record.killedAtS == null;
    if (record.failed) record.wrkOutput = output.slice(0, 2000);
  } catch (err) {
    record.failed = true;
    record.why = String(err instanceof Error ? err.message : err)
      .split('\n')
      .slice(0, 6)
      .join(' / ')
      .slice(0, 400);
  } finally {
    clearTimeout(killTimer);
    await group.stop(tag, 5000);
    for (const n of names) await group.stop(n, 3000);
  }
  return record;
}

/** One stderr line per run. */
export function faultProgressLine(r, round, reps) {
  const head = `[${round}/${reps}] ${r.scenario} ${r.peer}: `;
  if (r.failed && r.requests == null) return `${head}FAILED: ${r.why}`;
  const by = Object.entries(r.byBackend ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([b, n]) => `${b} ${n}`)
    .join(', ');
  const s = r.socket ?? {};
  return (
    `${head}${r.errors} client errors, ${r.requests} responses ` +
    `(non-2xx ${r.non2xx}, socket connect ${s.connect} read ${s.read} write ${s.write} timeout ${s.timeout}), ` +
    `${r.killed} killed at ${r.killedAtS ?? '-'} s, answered by [${by}], ` +
    `${Math.round(r.rps)} req/s, p99 ${r.p99Ms ?? '-'}ms${r.peerAlive === false ? ', PEER EXITED' : ''}` +
    `${r.failed ? ' FAILED' : ''}`
  );
}
