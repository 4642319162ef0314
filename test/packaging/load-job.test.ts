/**
 * The load Job runs for real here, minus the cluster: its wait step (the init container's script)
 * and its load step (the client with the Job's exact arguments, from dist/) against a loopback
 * server standing in for the proxy Service. The Job must succeed on an even spread and fail on an
 * uneven one or on errors, since that is what `helm test` reports.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { trackCleanup } from '../support/cleanup';
import {
  container,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  list,
  ROOT,
  type K8sObject,
} from './chart-harness';

type Behaviour = (n: number) => { status: number; backend: string };

const even: Behaviour = (n) => ({ status: 200, backend: `b${(n % 3) + 1}` });
/** b1 gets half of the requests: max/min = 2. */
const uneven: Behaviour = (n) => ({
  status: 200,
  backend: n % 2 === 0 ? 'b1' : `b${n % 4 === 1 ? 2 : 3}`,
});
const failing: Behaviour = (n) => ({
  status: n % 50 === 7 ? 502 : 200,
  backend: `b${(n % 3) + 1}`,
});
const oneBackend: Behaviour = () => ({ status: 200, backend: 'b1' });
const notReady: Behaviour = () => ({ status: 503, backend: '' });

async function startStandIn(
  behaviour: Behaviour,
): Promise<{ url: string; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    const { status, backend } = behaviour(n++);
    req.resume();
    const headers: Record<string, string> = {
      'content-type': 'text/plain',
      'cache-control': 'no-store',
    };
    if (backend) headers['x-backend'] = backend;
    res.writeHead(status, headers);
    res.end(`served by ${backend}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  trackCleanup(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close };
}

function run(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let job: K8sObject;
beforeAll(() => {
  ensureTools();
  job = find(helmTemplate({}).docs, 'Job', 'rrproxy-load');
}, FETCH_TIMEOUT_MS);

describe('wait step (init container script)', () => {
  function waitStep(
    url: string,
    waitSeconds: string,
  ): Promise<{ code: number | null; stdout: string }> {
    const c = container(job, 'wait-for-backends');
    const command = get(c, 'command') as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const env = Object.fromEntries(
      list(c, 'env').map((e) => [String(get(e, 'name')), String(get(e, 'value'))]),
    );
    return run(['-e', command[2]!], { ...env, TARGET_URL: url, WAIT_SECONDS: waitSeconds }, 20_000);
  }

  test('returns once every expected backend has answered through the proxy', async () => {
    const standIn = await startStandIn(even);
    const r = await waitStep(standIn.url, '15');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { wait: string; seen: string[]; want: number };
    expect(report.wait).toBe('ready');
    expect(report.want).toBe(3);
    expect([...report.seen].sort()).toEqual(['b1', 'b2', 'b3']);
    await standIn.close();
  });

  test.each([
    ['only one backend answers', oneBackend],
    ['the proxy is not ready (503)', notReady],
  ])('fails after its bound when %s', async (_what, behaviour) => {
    const standIn = await startStandIn(behaviour);
    const r = await waitStep(standIn.url, '1');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { wait: string }).wait).toBe('timeout');
    await standIn.close();
  });

  test('fails after its bound when nothing listens', async () => {
    const standIn = await startStandIn(even);
    await standIn.close();
    const r = await waitStep(standIn.url, '1');
    expect(r.code).toBe(1);
  });
});

describe('load step (rrproxy-client with the Job arguments)', () => {
  const clientMain = path.join(ROOT, 'dist', 'client', 'main.js');

  async function loadStep(
    url: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    if (!existsSync(clientMain))
      throw new Error(`${clientMain} is missing: run npm run build first`);
    const c = container(job, 'load');
    expect(get(c, 'command')).toEqual(['node', '/app/dist/client/main.js']);
    const args = [...(get(c, 'args') as string[])];
    expect(args[0]).toBe('load');
    args[1] = url; // the proxy Service URL, here the loopback stand-in
    return run([clientMain, ...args], {}, 60_000);
  }

  test('succeeds on an even spread without errors, printing a JSON summary', async () => {
    const standIn = await startStandIn(even);
    const r = await loadStep(standIn.url);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    expect(r.stdout).toMatch(/b1/);
    await standIn.close();
  });

  test.each([
    ['the spread is uneven', uneven],
    ['some requests fail', failing],
    ['fewer backends answer than are deployed', oneBackend],
  ])('fails when %s', async (_what, behaviour) => {
    const standIn = await startStandIn(behaviour);
    const r = await loadStep(standIn.url);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull(); // exited by itself, not killed by the timeout
    await standIn.close();
  });
});
