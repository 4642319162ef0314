// The peers: how each one is started, on which cpus, and which scenarios it takes part in.
// A peer is started once and measured across all its scenarios (its process stays up).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR } from './options.mjs';
import { waitFor200 } from './http-probe.mjs';

/**
 * kinds: which scenario kinds the peer runs ('miss' = plain proxying, 'cache' = cache hits).
 * only: when set, the load scenarios it runs are limited to these names.
 * cpus: 'proxy' = the proxy cpu alone; 'all' = load + proxy cpus (multi-worker variants).
 * needs: the rrproxy feature it depends on, shown when it fails to start.
 */
export const PEERS = {
  rrproxy: {
    kinds: ['miss'],
    about: 'rrproxy, access log off (--log-level warn)',
    start: (ctx) => startRrproxy(ctx, 'rrproxy', ['--log-level', 'warn']),
  },
  'rrproxy-log': {
    kinds: ['miss'],
    only: ['1k-c50', '1k-c256', '100k-c50'],
    about: 'rrproxy with the access log on (--log-level info), stdout read by the bench',
    start: (ctx) => startRrproxy(ctx, 'rrproxy-log', ['--log-level', 'info'], { countLines: true }),
  },
  'rrproxy-trace': {
    kinds: ['miss'],
    only: ['1k-c50', '100k-c50'],
    needs: 'tracing (issue 5)',
    about: 'rrproxy with tracing on (sample ratio 1) exporting OTLP/HTTP to a sink on the load cpu',
    start: (ctx) =>
      startRrproxy(ctx, 'rrproxy-trace', ['--log-level', 'warn', '--config', traceConfig(ctx, 1)]),
  },
  'rrproxy-trace1': {
    kinds: ['miss'],
    only: ['1k-c50', '100k-c50'],
    needs: 'tracing (issue 5)',
    about: 'rrproxy with tracing on at a 1 % sample ratio, exporting to the same sink',
    start: (ctx) =>
      startRrproxy(ctx, 'rrproxy-trace1', [
        '--log-level',
        'warn',
        '--config',
        traceConfig(ctx, 0.01),
      ]),
  },
  'rrproxy-trace-2w': {
    kinds: ['miss'],
    only: ['1k-c50', '100k-c50'],
    cpus: 'all',
    needs: '--workers and tracing (issues 9, 5)',
    about: 'rrproxy-trace with --workers 2 on both cpus: a proxy-bound load, to see 1 -> 2 workers',
    start: (ctx) =>
      startRrproxy(ctx, 'rrproxy-trace-2w', [
        '--log-level',
        'warn',
        '--workers',
        '2',
        '--config',
        traceConfig(ctx, 1),
      ]),
  },
  'rrproxy-cache': {
    kinds: ['cache'],
    needs: 'the cache (issue 3)',
    about: 'rrproxy --cache (in-memory cache, default 64 MiB)',
    start: (ctx) => startRrproxy(ctx, 'rrproxy-cache', ['--log-level', 'warn', '--cache']),
  },
  'rrproxy-cache-2w': {
    kinds: ['cache'],
    cpus: 'all',
    needs: '--workers (issue 9)',
    about: 'rrproxy --cache --workers 2 on both cpus (a cache per worker)',
    start: (ctx) =>
      startRrproxy(ctx, 'rrproxy-cache-2w', ['--log-level', 'warn', '--cache', '--workers', '2']),
  },
  'rrproxy-2w': {
    kinds: ['miss'],
    cpus: 'all',
    needs: '--workers (issue 9)',
    about: 'rrproxy --workers 2 on both cpus',
    start: (ctx) => startRrproxy(ctx, 'rrproxy-2w', ['--log-level', 'warn', '--workers', '2']),
  },
  nginx: {
    kinds: ['miss'],
    about: 'nginx proxy_pass, 1 worker, upstream keepalive 512',
    start: (ctx) => startNginx(ctx, 'nginx', 'nginx-proxy.conf', 1),
  },
  'nginx-2w': {
    kinds: ['miss'],
    cpus: 'all',
    about: 'nginx proxy_pass, 2 workers on both cpus',
    start: (ctx) => startNginx(ctx, 'nginx-2w', 'nginx-proxy.conf', 2),
  },
  'nginx-cache': {
    kinds: ['cache'],
    about: 'nginx proxy_cache (disk cache, hits from the page cache), 1 worker',
    start: (ctx) => startNginx(ctx, 'nginx-cache', 'nginx-cache.conf', 1),
  },
  haproxy: {
    kinds: ['miss'],
    about: 'HAProxy, balance roundrobin, nbthread 1',
    start: (ctx) => startHaproxy(ctx, 'haproxy', 1),
  },
  'haproxy-2t': {
    kinds: ['miss'],
    cpus: 'all',
    about: 'HAProxy, nbthread 2 on both cpus',
    start: (ctx) => startHaproxy(ctx, 'haproxy-2t', 2),
  },
  'http-proxy': {
    kinds: ['miss'],
    about: 'node-http-proxy 1.18 + keep-alive http.Agent, round robin',
    start: (ctx) => startNodePeer(ctx, 'http-proxy', 'http-proxy.mjs'),
  },
  'undici-pool': {
    kinds: ['miss'],
    about: 'node:http server + one undici Pool per backend, pool.stream()',
    start: (ctx) => startNodePeer(ctx, 'undici-pool', 'undici-pool.mjs'),
  },
  direct: {
    kinds: ['miss', 'cache'],
    about: 'wrk straight at backend 1 (nginx serving the file): the ceiling of this box',
    start: async (ctx) => ({ port: ctx.backendPorts[0], pid: null }),
  },
};

/**
 * The peers of the killed-backend scenario (kind 'fault'), each with its stock way of absorbing
 * a dead backend. They are started per run, in front of three backends of their own (one of
 * which the run kills), under the process name `kb-<peer>`.
 */
export const FAULT_PEERS = {
  rrproxy: {
    about:
      'rrproxy with its defaults: passive outlier ejection, active checks (static backends), retries within the budget',
    start: (ctx, name) => startRrproxy(ctx, name, ['--log-level', 'warn']),
  },
  nginx: {
    about:
      'nginx, server max_fails=1 fail_timeout=10s (the stock passive health), proxy_next_upstream error timeout http_502 http_503',
    start: (ctx, name) =>
      startNginx(ctx, name, 'nginx-failover.conf', 1, 'max_fails=1 fail_timeout=10s'),
  },
  haproxy: {
    about:
      'HAProxy, option httpchk GET / + check inter 1s fall 2 rise 2, retries 3, option redispatch',
    start: (ctx, name) => startHaproxy(ctx, name, 1, 'haproxy-failover.cfg'),
  },
};

/** Whether `peer` takes part in `scenario` (a parsed scenario). */
export function peerRuns(name, scenario, opts) {
  const peer = PEERS[name];
  if (scenario.kind === 'fault') return name in FAULT_PEERS;
  if (scenario.kind === 'idle') return opts.idlePeers.includes(name) && name !== 'direct';
  if (!peer.kinds.includes(scenario.kind)) return false;
  return !peer.only || peer.only.includes(scenario.name);
}

/** The cpus a peer's processes are pinned to (the proxy cpu for a name not in PEERS). */
export function peerCpus(name, opts) {
  return PEERS[name]?.cpus === 'all' ? `${opts.loadCpus},${opts.proxyCpus}` : opts.proxyCpus;
}

function fill(template, values) {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`no value for {{${key}}}`);
    return String(values[key]);
  });
}

/** Writes bench/conf/<file> with its placeholders filled into the run folder; returns the path. */
export function renderConf(ctx, file, name, values) {
  const text = fill(readFileSync(join(BENCH_DIR, 'conf', file), 'utf8'), {
    RUN: ctx.runDir,
    WWW: ctx.wwwDir,
    NAME: name,
    NOFILE: ctx.fdLimit,
    MAXCONN: Math.min(30000, Math.floor((ctx.fdLimit - 100) / 2)),
    ...values,
  });
  const out = join(ctx.runDir, `${name}.${file.endsWith('.cfg') ? 'cfg' : 'conf'}`);
  writeFileSync(out, text);
  return out;
}

/** Starts a process and waits until GET `path` on `port` answers 200 (or fails with its log). */
async function started(
  ctx,
  name,
  port,
  command,
  args,
  { env = {}, countLines = false, readyPath } = {},
) {
  const logFile = join(ctx.runDir, `${name}.log`);
  const child = ctx.group.start(name, command, args, {
    cpus: peerCpus(name, ctx.opts),
    env,
    logFile,
    pipeStdout: countLines,
    cwd: ROOT_DIR,
  });
  const lines = { count: 0 };
  if (countLines) {
    // The access log is read here and thrown away (a container runtime reads a pod's stdout the
    // same way); counting lines proves the log was really written.
    child.stdout.on('data', (d) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines.count++;
    });
  }
  const gone = () => ctx.group.exited(name);
  const ready = await waitFor200(
    readyPath?.port ?? port,
    readyPath?.path ?? '/index.html',
    15_000,
    gone,
  );
  const up = ready && (await waitFor200(port, '/index.html', 5_000, gone));
  if (!up) {
    let log = '';
    try {
      log = readFileSync(logFile, 'utf8').slice(-2000);
    } catch {
      /* no log */
    }
    const what = gone() ? 'exited' : 'did not answer on 127.0.0.1:' + port + ' within 20 s';
    await ctx.group.stop(name);
    throw new Error(`${name} ${what}. Log tail:\n${log}`);
  }
  return { port, pid: child.pid, lines: countLines ? lines : null };
}

export async function startRrproxy(ctx, name, extraArgs, { countLines = false } = {}) {
  const port = await ctx.freePort();
  const admin = await ctx.freePort();
  // RRPROXY_NODE_ARGS: node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (the profile is
  // written when the proxy exits on the bench's SIGTERM). RRPROXY_ARGS: extra proxy flags.
  const args = [...ctx.opts.rrproxyNodeArgs, ctx.opts.rrproxyMain];
  args.push('--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`);
  for (const b of ctx.backendPorts) args.push('--backend', `127.0.0.1:${b}`);
  args.push(...extraArgs, ...ctx.opts.rrproxyArgs);
  return started(ctx, name, port, process.execPath, args, {
    countLines,
    readyPath: { port: admin, path: '/readyz' },
  });
}

function traceConfig(ctx, ratio) {
  const file = join(ctx.runDir, `rrproxy-trace-${ratio}.yaml`);
  writeFileSync(
    file,
    [
      '# Written by bench/run.mjs: tracing on, exported to the bench sink.',
      'tracing:',
      `  endpoint: "http://127.0.0.1:${ctx.traceSinkPort()}"`,
      `  sampleRatio: ${ratio}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** `serverParams`: appended to every upstream "server" line (e.g. max_fails=...). */
export async function startNginx(ctx, name, confFile, workers, serverParams = '') {
  const port = await ctx.freePort();
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(ctx.runDir, `${name}-temp`, d), { recursive: true });
  }
  const conf = renderConf(ctx, confFile, name, {
    PORT: port,
    WORKERS: workers,
    SERVERS: ctx.backendPorts
      .map((p) => `server 127.0.0.1:${p}${serverParams ? ' ' + serverParams : ''};`)
      .join('\n        '),
  });
  return started(ctx, name, port, 'nginx', [
    '-p',
    ctx.runDir,
    '-e',
    join(ctx.runDir, `${name}.error.log`),
    '-c',
    conf,
    '-g',
    'daemon off;',
  ]);
}

export async function startHaproxy(ctx, name, threads, confFile = 'haproxy.cfg') {
  const port = await ctx.freePort();
  const conf = renderConf(ctx, confFile, name, {
    PORT: port,
    THREADS: threads,
    SERVERS: ctx.backendPorts.map((p, i) => `server b${i + 1} 127.0.0.1:${p}`).join('\n    '),
  });
  return started(ctx, name, port, 'haproxy', ['-db', '-f', conf]);
}

async function startNodePeer(ctx, name, script) {
  const port = await ctx.freePort();
  return started(ctx, name, port, process.execPath, [join(ctx.peersDir, script)], {
    env: { PORT: String(port), BACKENDS: ctx.backendPorts.map((p) => `127.0.0.1:${p}`).join(',') },
  });
}
