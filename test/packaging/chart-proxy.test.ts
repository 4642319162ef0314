/**
 * The real proxy (dist/main.js) started exactly as the chart's Deployment starts it, with the
 * chart's rendered config.yaml (static mode, loopback backend and free ports being the only
 * changes): the probe paths answer on the admin port over IPv4 and IPv6 (the chart binds "::"),
 * traffic flows on the data port, and SIGTERM, which the kubelet sends after preStop, ends in a
 * clean exit 0 well within terminationGracePeriodSeconds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, trackCleanup, waitForExit } from '../support/cleanup';
import { freePorts } from '../support/ports';
import {
  container,
  ensureTools,
  FETCH_TIMEOUT_MS,
  find,
  get,
  helmTemplate,
  num,
  ROOT,
  str,
  type K8sObject,
} from './chart-harness';

function request(
  host: string,
  port: number,
  urlPath: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: urlPath, agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

let dir: string;
let docs: K8sObject[];
let port: number;
let adminPort: number;
let child: ReturnType<typeof spawn>;
let exited: Promise<number | NodeJS.Signals>;
let output = '';

beforeAll(async () => {
  ensureTools();
  const backend = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'x-backend': 'only-one', 'content-type': 'text/plain' });
    res.end('hello from the backend\n');
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  trackCleanup(() => new Promise<void>((resolve) => backend.close(() => resolve())));
  [port, adminPort] = (await freePorts(2)) as [number, number];

  docs = helmTemplate({
    set: {
      'discovery.mode': 'static',
      'discovery.staticBackends[0].host': '127.0.0.1',
      'discovery.staticBackends[0].port': (backend.address() as AddressInfo).port,
      'backends.enabled': false,
      'proxy.port': port,
      'proxy.adminPort': adminPort,
    },
  }).docs;
  dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-chart-proxy-'));
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(configFile, str(find(docs, 'ConfigMap', 'rrproxy-config'), 'data', 'config.yaml'));

  // The Deployment's command and args, with the image paths mapped onto this checkout.
  const proxy = container(find(docs, 'Deployment', 'rrproxy'), 'proxy');
  const [node, main] = get(proxy, 'command') as [string, string];
  const args = (get(proxy, 'args') as string[]).map((a) =>
    a === '/etc/rrproxy/config.yaml' ? configFile : a,
  );
  expect(node).toBe('node');
  // TEST_PROXY_MAIN: another build of the entry point, as in test/support/proxy-process.ts.
  const localMain = process.env['TEST_PROXY_MAIN'] ?? path.join(ROOT, path.relative('/app', main));
  if (!existsSync(localMain)) throw new Error(`${localMain} is missing: run npm run build first`);
  child = spawn(process.execPath, [localMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  exited = waitForExit(child);
  await pollUntil(
    'the proxy /readyz',
    async () => {
      if (child.exitCode !== null) throw new Error(`proxy exited ${child.exitCode}: ${output}`);
      return request('127.0.0.1', adminPort, '/readyz').then(
        (r) => r.status === 200,
        () => false,
      );
    },
    20_000,
    100,
  );
}, FETCH_TIMEOUT_MS);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
])('probe paths answer on the admin port over %s', async (_family, host) => {
  const proxy = container(find(docs, 'Deployment', 'rrproxy'), 'proxy');
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const r = await request(host, adminPort, str(proxy, probe, 'httpGet', 'path'));
    expect({ probe, status: r.status }).toEqual({ probe, status: 200 });
  }
});

test.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
])('the data port proxies to the backend over %s', async (_family, host) => {
  const r = await request(host, port, '/');
  expect(r.status).toBe(200);
  expect(r.body).toBe('hello from the backend\n');
});

test('SIGTERM ends in exit 0 within terminationGracePeriodSeconds', async () => {
  const grace = num(
    find(docs, 'Deployment', 'rrproxy'),
    'spec',
    'template',
    'spec',
    'terminationGracePeriodSeconds',
  );
  child.kill('SIGTERM');
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve('still running'), grace * 1000).unref(),
  );
  const code = await Promise.race([exited, timeout]);
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
}, 60_000);
