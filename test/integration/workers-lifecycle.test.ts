/**
 * `--workers 2` over its lifetime: each worker has its own cache and a purge sent to the primary
 * reaches all of them; SIGTERM makes the pod unready, lets every worker finish its in-flight
 * requests and exits 0; a listen port already taken fails the start with exit 1 instead of
 * restarting workers forever.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { pollUntil, trackChild, waitForExit } from '../support/cleanup';
import { freePorts } from '../support/ports';
import { PROXY_MAIN, startProxy, type LogLine, type ProxyProcess } from '../support/proxy-process';
import { rawGet } from '../support/raw-http';

jest.setTimeout(90_000);

interface Origin {
  readonly address: string;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
  /** Requests to /slow/* wait here until released. */
  readonly held: Array<() => void>;
  close(): Promise<void>;
}

async function startOrigin(): Promise<Origin> {
  const hits = new Map<string, number>();
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const answer = (): void => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'cache-control': path.startsWith('/cached/') ? 'max-age=600' : 'no-store',
      });
      res.end(`origin ${path}`);
    };
    if (path.startsWith('/slow/')) held.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    hits,
    held,
    close: () =>
      new Promise((resolve) => {
        for (const f of held.splice(0)) f();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function admin(
  port: number,
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function workersOf(lines: LogLine[]): Set<unknown> {
  return new Set(lines.map((l) => l['worker']));
}

let origin: Origin;
let proxy: ProxyProcess | undefined;

beforeEach(async () => {
  origin = await startOrigin();
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  await origin.close();
});

test('each worker caches on its own; a purge on the primary empties every worker’s cache', async () => {
  const p = (proxy = await startProxy({
    backends: [origin.address],
    extraArgs: ['--workers', '2', '--cache'],
    env: { RRPROXY_CACHE_PURGE_TOKEN: 'purge-secret' },
    readyTimeoutMs: 30_000,
  }));
  /** GETs /cached/a on fresh connections until both workers have answered one (bounded). */
  const fetchOnBothWorkers = async (tag: string): Promise<LogLine[]> => {
    const mine = (): LogLine[] =>
      p.accessLogs().filter((l) => String(l['reqId']).startsWith(`${tag}-`));
    for (let i = 0; i < 40 && workersOf(mine()).size < 2; i++) {
      const res = await rawGet(p.port, '/cached/a', [
        ['Host', 'test'],
        ['X-Request-Id', `${tag}-${i}`],
      ]);
      expect(res.status).toBe(200);
      await pollUntil('its access line', () => mine().length === i + 1, 10_000);
    }
    expect(workersOf(mine())).toEqual(new Set([1, 2]));
    return mine();
  };

  const first = await fetchOnBothWorkers('warm');
  // One miss per worker: two caches, each filled once.
  expect(origin.hits.get('/cached/a')).toBe(2);
  expect(first.filter((l) => l['cache'] === 'MISS')).toHaveLength(2);
  await fetchOnBothWorkers('hit');
  expect(origin.hits.get('/cached/a')).toBe(2);

  expect((await admin(p.adminPort, 'PURGE', '/cached/a')).status).toBe(401);
  expect(await admin(p.adminPort, 'PURGE', '/cached/a', 'purge-secret')).toEqual({
    status: 200,
    body: JSON.stringify({ purged: 2 }) + '\n',
  });

  const after = await fetchOnBothWorkers('purged');
  // Both caches were emptied: each worker went to the origin again.
  expect(origin.hits.get('/cached/a')).toBe(4);
  expect(workersOf(after.filter((l) => l['cache'] === 'MISS'))).toEqual(new Set([1, 2]));
});

test('SIGTERM: unready at once, every worker finishes its in-flight requests, exit 0', async () => {
  const p = (proxy = await startProxy({
    backends: [origin.address],
    extraArgs: ['--workers', '2'],
    env: { RRPROXY_TIMEOUTS_SHUTDOWN_DELAY: '300ms', RRPROXY_TIMEOUTS_DRAIN: '20s' },
    readyTimeoutMs: 30_000,
  }));
  interface InFlight {
    backends: Array<{ workers: Array<{ worker: number; inFlight: number }> }>;
  }
  const inFlightWorkers = async (): Promise<number[]> => {
    const view = JSON.parse((await admin(p.adminPort, 'GET', '/backends')).body) as InFlight;
    return view.backends[0]!.workers.filter((w) => w.inFlight > 0).map((w) => w.worker);
  };

  // Slow requests on fresh connections until both workers hold one (bounded).
  const slow: Array<Promise<{ status: number; body: string }>> = [];
  for (let i = 0; i < 8 && (await inFlightWorkers()).length < 2; i++) {
    slow.push(
      rawGet(p.port, `/slow/${i}`, [['Host', 'test']], { timeoutMs: 60_000 }).then((r) => ({
        status: r.status,
        body: r.body.toString(),
      })),
    );
    await pollUntil('the request to reach the origin', () => origin.held.length === i + 1, 10_000);
  }
  expect((await inFlightWorkers()).sort()).toEqual([1, 2]);

  const exited = p.stop('SIGTERM');
  await pollUntil(
    'the pod to report unready',
    async () => (await admin(p.adminPort, 'GET', '/readyz')).status === 503,
    10_000,
  );
  expect(JSON.parse((await admin(p.adminPort, 'GET', '/readyz')).body)).toEqual({
    ready: false,
    reason: 'draining',
  });
  // Past the shutdown delay both workers are draining, their requests still held.
  await pollUntil(
    'both workers to drain',
    () => workersOf(p.logs().filter((l) => l['msg'] === 'draining')).size === 2,
    10_000,
  );
  for (const f of origin.held.splice(0)) f();
  const done = await Promise.all(slow);
  expect(done.map((d) => d.status)).toEqual(slow.map(() => 200));
  expect(done.map((d) => d.body)).toEqual(slow.map((_, i) => `origin /slow/${i}`));
  expect(await exited).toBe(0);
  const stopped = p.logs().filter((l) => l['msg'] === 'stopped');
  expect(stopped.map((l) => l['worker'] ?? l['role']).sort()).toEqual([1, 2, 'primary']);
});

test('a listen port already in use fails the start: exit 1, no restart loop', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  const [adminPort] = await freePorts(1);
  try {
    const child = spawn(
      process.execPath,
      [
        PROXY_MAIN,
        '--workers',
        '2',
        '--listen',
        `127.0.0.1:${port}`,
        '--admin',
        `127.0.0.1:${adminPort}`,
        '--backend',
        origin.address,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    trackChild(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await waitForExit(child);
    expect({ code, out }).toEqual({ code: 1, out: expect.stringContaining('EADDRINUSE') });
    expect(out).toContain('exited during startup');
    expect(out).not.toContain('worker restarted');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
