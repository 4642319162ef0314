import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, waitForExit } from './cleanup';
import { freePorts, listensOn } from './ports';

/**
 * The entry point under test: the build, or TEST_PROXY_MAIN to run the same suite against
 * another implementation of the CLI (e.g. a deliberately naive proxy, to check the tests fail).
 */
export const PROXY_MAIN =
  process.env['TEST_PROXY_MAIN'] ?? path.resolve(__dirname, '../../dist/main.js');

export interface ProxyOptions {
  /** `host:port` backends, each passed as `--backend`. */
  backends: string[];
  /** Extra CLI arguments. */
  extraArgs?: string[];
  /** Extra environment variables (e.g. RRPROXY_TIMEOUTS_RESPONSE_HEADER: '1s'). */
  env?: Record<string, string>;
  /**
   * Active health checks of static backends (on by default in the proxy). Off unless asked for:
   * their GETs would show up in tests that count connections or requests at a backend.
   */
  activeHealthChecks?: boolean;
  /** YAML text written to a temp file and passed as `--config`. */
  configYaml?: string;
  /** Address the proxy listens on (an IPv6 literal without brackets). Default 127.0.0.1. */
  listenHost?: string;
  /** How long to wait for /readyz to answer 200. Default 10 s. */
  readyTimeoutMs?: number;
}

/** One JSON line of the proxy's stdout (pino). */
export type LogLine = Record<string, unknown>;

export interface ProxyProcess {
  /** The listen address (as given in ProxyOptions.listenHost) and port. */
  host: string;
  port: number;
  adminPort: number;
  pid: number;
  /** Parsed JSON stdout lines so far. */
  logs(): LogLine[];
  /** Access lines so far (msg "request"). */
  accessLogs(): LogLine[];
  stdout(): string;
  stderr(): string;
  /** Polls until an access line matching `pred` appears; returns it. */
  waitForAccessLog(pred: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** GET on the admin port; the status code. */
  adminStatus(pathname: string): Promise<number>;
  /** Resolves with the exit code or signal once the process exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` (SIGTERM by default), waits for the exit (SIGKILL after 15 s). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** GET http://127.0.0.1:port/path with node:http (admin endpoints are not the data path). */
export function httpStatus(port: number, pathname: string, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathname, agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)));
    req.on('error', reject);
  });
}

/**
 * Spawns the built proxy (`node dist/main.js`) on free loopback ports and waits until its
 * /readyz answers 200. The process is killed when the test file ends even if stop() is never
 * called.
 */
export async function startProxy(opts: ProxyOptions): Promise<ProxyProcess> {
  // A free port can be taken by another process between our probe and the proxy's bind (other
  // suites run in parallel): start again on new ports, a bounded number of times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startProxyOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

class PortTakenError extends Error {}

async function startProxyOnce(opts: ProxyOptions): Promise<ProxyProcess> {
  if (!existsSync(PROXY_MAIN)) {
    throw new Error(
      `${PROXY_MAIN} is missing: run \`npm run build\` first (npm test does it via pretest)`,
    );
  }
  const listenHost = opts.listenHost ?? '127.0.0.1';
  // Probed one after the other, two free ports can be the same one (the first probe has let
  // it go): the proxy would then refuse the overlap at startup.
  const [adminPort] = await freePorts(1);
  let port = adminPort;
  while (port === adminPort) port = (await freePorts(1, listenHost))[0];
  const listen = listenHost.includes(':') ? `[${listenHost}]:${port}` : `${listenHost}:${port}`;
  const args = [PROXY_MAIN, '--listen', listen, '--admin', `127.0.0.1:${adminPort}`];
  for (const b of opts.backends) args.push('--backend', b);
  let tmpDir: string | null = null;
  if (opts.configYaml !== undefined) {
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-cfg-'));
    const file = path.join(tmpDir, 'config.yaml');
    writeFileSync(file, opts.configYaml);
    args.push('--config', file);
  }
  args.push(...(opts.extraArgs ?? []));

  // Hermetic: settings and telemetry endpoints of the environment running the tests never leak
  // into the proxy under test; only what the test passes.
  const inherited: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('RRPROXY_') && !k.startsWith('OTEL_') && k !== 'KUBECONFIG') inherited[k] = v;
  }
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      ...(opts.activeHealthChecks === true ? {} : { RRPROXY_STRATEGY_HEALTH_CHECK_ENABLED: 'off' }),
      ...opts.env,
    },
  });
  trackChild(child);
  let out = '';
  let err = '';
  let partial = '';
  const lines: LogLine[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    out += d;
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) !== -1) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null) lines.push(parsed as LogLine);
      } catch {
        // not JSON (pretty output or a stray print): kept in stdout() only
      }
    }
  });
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = waitForExit(child).then((code) => {
    if (tmpDir !== null) rmSync(tmpDir, { recursive: true, force: true });
    return code;
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };

  const describe = (): string => `stdout:\n${out.slice(-4000)}\nstderr:\n${err.slice(-4000)}`;
  try {
    await pollUntil(
      'the proxy /readyz to answer 200',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `proxy exited early (${child.exitCode ?? child.signalCode})\n${describe()}`,
          );
        }
        if ((await httpStatus(adminPort, '/readyz').catch(() => 0)) !== 200) return false;
        // The answer must be our child's: another process may hold the port (see listensOn).
        if (!listensOn(child.pid!, adminPort)) {
          throw new PortTakenError(`admin port ${adminPort} is held by another process`);
        }
        return true;
      },
      opts.readyTimeoutMs ?? 10_000,
      50,
    );
  } catch (e) {
    await stop('SIGKILL');
    const message = `${e instanceof Error ? e.message : String(e)}\n${describe()}`;
    if (e instanceof PortTakenError || /EADDRINUSE/.test(out + err)) {
      throw new PortTakenError(message);
    }
    throw new Error(message);
  }

  const accessLogs = (): LogLine[] => lines.filter((l) => l['msg'] === 'request');
  return {
    host: listenHost,
    port,
    adminPort,
    pid: child.pid!,
    logs: () => [...lines],
    accessLogs,
    stdout: () => out,
    stderr: () => err,
    waitForAccessLog: async (pred, timeoutMs = 5_000) => {
      let found: LogLine | undefined;
      await pollUntil(
        'an access log line',
        () => (found = accessLogs().find(pred)) !== undefined,
        timeoutMs,
      );
      return found!;
    },
    adminStatus: (pathname) => httpStatus(adminPort, pathname),
    exited,
    stop,
  };
}
