import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { packageVersion } from '../../src/config/load';
import { tempConfigs } from './helpers';

/**
 * The config contract as the user meets it: the built `rrproxy` exits 2 with a one-line-per-problem
 * message and no stack trace on a bad config, and 0 after --help / --version.
 */
const MAIN = path.resolve(__dirname, '../../dist/main.js');
const files = tempConfigs();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Only PATH/HOME from the parent: a stray RRPROXY_* in the developer's shell must not leak in.
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Every case here exits on its own; the bound only keeps a regression from hanging the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does)`);
});

const NO_STACK = /^\s+at /m;

test('a bad config file: exit 2, the key and line on stderr, no stack trace', async () => {
  const file = files.write(['timeouts:', '  conect: 5s', 'listen: 127.0.0.1:99999']);
  const r = await run(['--config', file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown key 'timeouts.conect' at line 2");
  expect(r.stderr).toContain('listen at line 3');
  expect(r.stderr).not.toMatch(NO_STACK);
});

test('a bad flag and a bad env var: exit 2 naming them', async () => {
  const r = await run(['--backend', '127.0.0.1'], { RRPROXY_LOG_LEVEL: 'loud' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('RRPROXY_LOG_LEVEL');
  expect(r.stderr).toContain('--backend');
  expect(r.stderr).not.toMatch(NO_STACK);
});

test('a backend hostname that does not resolve: exit 2 naming it', async () => {
  // RFC 6761 6.4: names under .invalid never resolve.
  const r = await run([
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--backend',
    'nosuch.invalid:80',
  ]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("cannot resolve backend host 'nosuch.invalid'");
  expect(r.stderr).not.toMatch(NO_STACK);
});

test('--help and --version: exit 0 with the text on stdout', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--backend HOST:PORT');
  expect(help.stderr).toBe('');
  const version = await run(['--version']);
  expect(version.code).toBe(0);
  expect(version.stdout.trim()).toBe(`rrproxy ${packageVersion()}`);
});
