/**
 * The proxy process as an operator meets it: a bad configuration exits 2 with a message naming
 * what is wrong and no stack trace; a port already taken fails the start; an idle proxy stops
 * on SIGTERM or SIGINT with exit 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { trackChild } from '../support/cleanup';
import { freePort } from '../support/ports';
import { PROXY_MAIN, startProxy } from '../support/proxy-process';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the proxy to completion (bounded: killed after 10 s). */
function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROXY_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '', ...env },
    });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-cli-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function noStackTrace(r: Run): void {
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

test.each([
  ['an unknown flag', ['--no-such-flag'], /no-such-flag/],
  ['a malformed --listen', ['--listen', 'not-an-address'], /listen/],
  ['a malformed --backend', ['--listen', '127.0.0.1:0', '--backend', 'host:99999'], /backend/],
])('%s -> exit 2, message names it, no stack trace', async (_name, args, pattern) => {
  const r = await run(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(pattern);
  noStackTrace(r);
});

test('a backend hostname that does not resolve -> exit 2 naming it', async () => {
  const r = await run(['--listen', '127.0.0.1:0', '--backend', 'no-such-host.invalid:80']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no-such-host\.invalid/);
  noStackTrace(r);
});

test('a config file with a bad value -> exit 2 naming the key and the line', async () => {
  const file = path.join(tmp, 'bad.yaml');
  writeFileSync(file, 'listen: 127.0.0.1:0\ntimeouts:\n  connect: soon\n');
  const r = await run(['--config', file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/timeouts\.connect/);
  expect(r.stderr).toMatch(/line 3|:3\b/);
  noStackTrace(r);
});

test('a config file that is not YAML -> exit 2, no stack trace', async () => {
  const file = path.join(tmp, 'broken.yaml');
  writeFileSync(file, 'listen: [unclosed\n  backends: {\n');
  const r = await run(['--config', file]);
  expect(r.code).toBe(2);
  noStackTrace(r);
});

test('a bad environment value -> exit 2 naming the variable', async () => {
  const r = await run(['--listen', '127.0.0.1:0'], { RRPROXY_TIMEOUTS_RESPONSE_HEADER: 'forever' });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/RRPROXY_TIMEOUTS_RESPONSE_HEADER/);
  noStackTrace(r);
});

test('the listen port already taken -> the process fails (non-zero), no stack trace', async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', () => resolve()));
  try {
    const admin = await freePort();
    const r = await run([
      '--listen',
      `127.0.0.1:${port}`,
      '--admin',
      `127.0.0.1:${admin}`,
      '--backend',
      '127.0.0.1:1',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr + r.stdout).toMatch(/EADDRINUSE|in use/i);
    noStackTrace(r);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test.each(['SIGTERM', 'SIGINT'] as const)('an idle proxy exits 0 on %s', async (signal) => {
  const p = await startProxy({ backends: ['127.0.0.1:1'] });
  expect(await p.stop(signal)).toBe(0);
});
