/**
 * The demo backends' nginx.conf, as the chart renders it, served by Debian's real nginx on
 * loopback with the chart's static files: the page names the host (in a pod, the pod name) in the
 * body and in X-Backend and is never cached; the static files are cacheable and byte-exact.
 * Only what cannot run outside a pod is rewritten: the listen address and the writable paths.
 * Fails (does not skip) when nginx is missing: `apt-get install -y nginx`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, waitForExit } from '../support/cleanup';
import { freePort } from '../support/ports';
import {
  CHART,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  str,
} from './chart-harness';

const NGINX = '/usr/sbin/nginx';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function fetch(port: number, urlPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 5_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Replaces exactly one occurrence, so a chart change that breaks the adaptation fails loudly. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`expected exactly one "${from}" in nginx.conf`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

let dir: string;
let port: number;
let stopNginx: () => Promise<void> = async () => undefined;
let nginxOutput = '';

beforeAll(async () => {
  ensureTools();
  if (!existsSync(NGINX)) throw new Error(`${NGINX} not found: apt-get install -y nginx`);
  const docs = helmTemplate({}).docs;
  const nginxConf = str(find(docs, 'ConfigMap', 'rrproxy-backend-nginx'), 'data', 'nginx.conf');
  const staticFiles = find(docs, 'ConfigMap', 'rrproxy-backend-static');

  dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-backend-nginx-'));
  mkdirSync(path.join(dir, 'static'));
  for (const [name, text] of Object.entries(get(staticFiles, 'data') as Record<string, string>)) {
    writeFileSync(path.join(dir, 'static', name), text);
  }
  for (const [name, b64] of Object.entries(
    get(staticFiles, 'binaryData') as Record<string, string>,
  )) {
    writeFileSync(path.join(dir, 'static', name), Buffer.from(b64, 'base64'));
  }

  port = await freePort();
  let conf = nginxConf;
  conf = replaceOnce(conf, 'listen 8080;', `listen 127.0.0.1:${port};`);
  conf = conf.replaceAll('/tmp/', `${dir}/`);
  conf = replaceOnce(conf, 'root /usr/share/nginx;', `root ${dir};`);
  // In a pod stdout is a pipe or file; under jest it is a socket, which cannot be open()ed.
  conf = replaceOnce(conf, 'access_log /dev/stdout;', `access_log ${dir}/access.log;`);
  const confFile = path.join(dir, 'nginx.conf');
  writeFileSync(confFile, conf);

  // daemon off + master_process off: one foreground process, the one we stop. -e: the error log
  // before the config is read (the default path is under /var/log).
  const child = spawn(
    NGINX,
    [
      '-e',
      path.join(dir, 'error.log'),
      '-p',
      `${dir}/`,
      '-c',
      confFile,
      '-g',
      'daemon off; master_process off;',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  trackChild(child);
  child.stdout?.on('data', (d: Buffer) => (nginxOutput += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (nginxOutput += d.toString()));
  const exited = waitForExit(child);
  stopNginx = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  await pollUntil(
    `nginx on 127.0.0.1:${port} (output: ${nginxOutput})`,
    async () => {
      if (child.exitCode !== null)
        throw new Error(`nginx exited ${child.exitCode}: ${nginxOutput}`);
      return fetch(port, '/healthz').then(
        (r) => r.status === 200,
        () => false,
      );
    },
    15_000,
    50,
  );
}, FETCH_TIMEOUT_MS);

afterAll(async () => {
  await stopNginx();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the page names the host in the body and in X-Backend, and is never cached', async () => {
  const r = await fetch(port, '/');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/html/);
  expect(r.headers['cache-control']).toBe('no-store');
  expect(r.headers['x-backend']).toBe(os.hostname());
  expect(r.body.toString()).toContain(`Served by <span class="pod">${os.hostname()}</span>`);
});

test.each([
  ['data.bin', 'application/octet-stream'],
  ['logo.png', 'image/png'],
  ['hello.txt', 'text/plain'],
  ['style.css', 'text/css'],
])('/static/%s is byte-exact, typed %s, cacheable and names the backend', async (name, type) => {
  const r = await fetch(port, `/static/${name}`);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(new RegExp(`^${type}`));
  expect(r.headers['cache-control']).toBe('public, max-age=300');
  expect(r.headers['x-backend']).toBe(os.hostname());
  expect(r.body.equals(readFileSync(path.join(CHART, 'files', 'static', name)))).toBe(true);
});

test('a missing file is a 404 that still names the backend', async () => {
  const r = await fetch(port, '/static/nope.txt');
  expect(r.status).toBe(404);
  expect(r.headers['x-backend']).toBe(os.hostname());
});
