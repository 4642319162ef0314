/**
 * Backends and a bounded load client for the resilience suite. Backends are real HTTP servers
 * on loopback whose behaviour a test switches at run time (answer, answer 503, stall, delay),
 * counting what reaches them; one kind runs in a child process so it can be killed for real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { trackChild, trackCleanup, waitForExit } from '../support/cleanup';

/** ok: 200; 503: 503; stall: never answers; reset: reads the request, then drops the socket. */
export type BackendMode = 'ok' | '503' | 'stall' | 'reset';

/** The path active health checks use in this suite, never counted as traffic. */
export const CHECK_PATH = '/health';

export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  mode: BackendMode;
  /** Delay before answering (ms), in 'ok' and '503' modes. */
  delayMs: number;
  /** Health check answers: 200 unless set. */
  checkStatus: number;
  /** Requests received, health checks excluded, by method. */
  readonly hits: { total: number; GET: number; POST: number; other: number };
  /** Health checks received. */
  checks: number;
  /** Most requests being answered at once (health checks excluded). */
  maxConcurrent: number;
  /** Sockets currently open to this backend. */
  openSockets(): number;
  /** Sockets accepted since start. */
  acceptedSockets(): number;
  resetCounts(): void;
  close(): Promise<void>;
}

/** An in-process node:http backend whose page names it (X-Backend and body). */
export async function startBackend(name: string): Promise<TestBackend> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let concurrent = 0;
  const server = http.createServer((req, res) => {
    if (req.url === CHECK_PATH) {
      b.checks++;
      req.resume();
      res.writeHead(b.checkStatus, { 'content-type': 'text/plain' }).end('check\n');
      return;
    }
    b.hits.total++;
    if (req.method === 'GET') b.hits.GET++;
    else if (req.method === 'POST') b.hits.POST++;
    else b.hits.other++;
    concurrent++;
    b.maxConcurrent = Math.max(b.maxConcurrent, concurrent);
    let done = false;
    const end = (): void => {
      if (!done) {
        done = true;
        concurrent--;
      }
    };
    res.on('close', end);
    req.resume();
    if (b.mode === 'stall') return; // accept, read, never answer
    if (b.mode === 'reset') {
      req.on('end', () => {
        end();
        req.socket.destroy();
      });
      return;
    }
    const answer = (): void => {
      const status = b.mode === '503' ? 503 : 200;
      const body = `backend ${name} ${status}\n`;
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
        'x-backend': name,
        'cache-control': 'no-store',
      });
      res.end(body);
      end();
    };
    req.on('end', () => (b.delayMs > 0 ? setTimeout(answer, b.delayMs) : answer()));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: net.Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  trackCleanup(close);
  const b: TestBackend = {
    name,
    port,
    address: `127.0.0.1:${port}`,
    mode: 'ok',
    delayMs: 0,
    checkStatus: 200,
    hits: { total: 0, GET: 0, POST: 0, other: 0 },
    checks: 0,
    maxConcurrent: 0,
    openSockets: () => sockets.size,
    acceptedSockets: () => accepted,
    resetCounts: () => {
      b.hits.total = b.hits.GET = b.hits.POST = b.hits.other = 0;
      b.checks = 0;
      b.maxConcurrent = 0;
    },
    close,
  };
  return b;
}

export async function startBackends(n: number): Promise<TestBackend[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => startBackend(`b${i + 1}`)));
}

/** A backend in its own process, so that a test can SIGKILL it mid-run. */
export interface ProcessBackend {
  readonly name: string;
  readonly address: string;
  kill(): Promise<void>;
}

const PROCESS_BACKEND = `
const http = require('node:http');
const name = process.argv[1];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = 'backend ' + name + '\\n';
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-backend': name });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export async function startProcessBackend(name: string): Promise<ProcessBackend> {
  const child: ChildProcess = spawn(process.execPath, ['-e', PROCESS_BACKEND, name], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  trackChild(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`backend ${name} did not start`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) {
        clearTimeout(timer);
        resolve(Number(out.slice(0, nl)));
      }
    });
    child.once('exit', () => reject(new Error(`backend ${name} exited early`)));
  });
  return {
    name,
    address: `127.0.0.1:${port}`,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitForExit(child);
    },
  };
}

export interface LoadResult {
  readonly statuses: Map<number, number>;
  /** Transport errors (resets, refused) seen by the client. */
  readonly errors: string[];
  /** Responses per X-Backend value. */
  readonly byBackend: Map<string, number>;
  readonly completed: number;
}

export interface LoadOptions {
  port: number;
  requests: number;
  concurrency: number;
  method?: string;
  path?: (i: number) => string;
  headers?: (i: number) => Record<string, string>;
  /** Called after each completed request with the count so far (e.g. to kill a backend). */
  onProgress?: (completed: number) => void | Promise<void>;
  /** Per-request bound; a request not answered in time counts as an error. */
  timeoutMs?: number;
}

/** Sends `requests` requests over `concurrency` keep-alive connections; bounded in count and time. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const statuses = new Map<number, number>();
  const byBackend = new Map<string, number>();
  const errors: string[] = [];
  let next = 0;
  let completed = 0;
  const one = (i: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: opts.port,
          method: opts.method ?? 'GET',
          path: opts.path?.(i) ?? `/load/${i}`,
          headers: opts.headers?.(i) ?? {},
          agent,
          timeout: opts.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            const name = res.headers['x-backend'];
            if (typeof name === 'string') byBackend.set(name, (byBackend.get(name) ?? 0) + 1);
            resolve();
          });
          res.on('error', (e) => {
            errors.push(`${i}: ${e.message}`);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', (e) => {
        errors.push(`${i}: ${e.message}`);
        resolve();
      });
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (next < opts.requests) {
      const i = next++;
      await one(i);
      completed++;
      await opts.onProgress?.(completed);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { statuses, errors, byBackend, completed };
}

/** GET /backends on the admin port, parsed. */
export async function adminBackends(adminPort: number): Promise<BackendsView> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: adminPort, path: '/backends', agent: false, timeout: 2_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('/backends timed out')));
    req.on('error', reject);
  });
  return JSON.parse(text) as BackendsView;
}

export interface BackendView {
  id: string;
  inFlight: number;
  health: {
    healthy: boolean;
    activeHealthy: boolean;
    ejectedUntil: number | null;
    ejections: number;
    inFlight: number;
    lastCheck: { ok: boolean; status?: number; error?: string } | null;
  };
}

export interface BackendsView {
  strategy: string;
  retryBudget: { active: number; limit: number; denied: number };
  queued: number;
  backends: BackendView[];
}

export function viewOf(view: BackendsView, b: { address: string }): BackendView {
  const found = view.backends.find((x) => x.id === b.address);
  if (found === undefined) throw new Error(`${b.address} not in /backends`);
  return found;
}
