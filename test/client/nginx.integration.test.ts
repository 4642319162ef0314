import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pollUntil, trackChild, waitForExit } from '../support/cleanup';
import { startNginx, type NginxBackends } from '../support/nginx';
import { startProxy, type ProxyProcess } from '../support/proxy-process';
import { sampleFile } from '../support/sample-files';
import { CLIENT_MAIN, expectExit, runClient, sha256hex } from './run-client';

/**
 * The built client against real servers: Debian's nginx (three server blocks adding X-Backend)
 * directly, and the real proxy process (dist/main.js) in front of them. Fails, not skips, when
 * nginx is missing (startNginx throws).
 */

let nginx: NginxBackends;
let proxy: ProxyProcess;
let work = '';

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'rrc-nginx-'));
  nginx = await startNginx({ backends: 3 });
  proxy = await startProxy({ backends: nginx.addresses });
}, 30_000);

afterAll(async () => {
  await proxy?.stop();
  await nginx?.stop();
  rmSync(work, { recursive: true, force: true });
});

let dirCount = 0;
function freshDir(): string {
  const dir = path.join(work, `run-${++dirCount}`);
  mkdirSync(dir);
  return dir;
}

const b1 = (p: string): string => `${nginx.urls[0]}${p}`;

describe('client -> nginx', () => {
  it('shows the HTML page on stdout', async () => {
    const r = await runClient([b1('/')]);
    expectExit(r, 0);
    expect(r.stdout.toString()).toBe('<!doctype html><title>b1</title><p>backend b1</p>\n');
  });

  it.each(['image.png', 'doc.pdf', '1m.bin'])(
    'saves /files/%s byte-exact (SHA-256)',
    async (name) => {
      const dir = freshDir();
      const r = await runClient([b1(`/files/${name}`)], { cwd: dir });
      expectExit(r, 0);
      expect(r.stdout.length).toBe(0);
      expect(readdirSync(dir)).toEqual([name]);
      const sample = sampleFile(name);
      expect(sha256hex(readFileSync(path.join(dir, name)))).toBe(sample.sha256);
      expect(r.stderr).toContain(`saved ${sample.size} bytes`);
      expect(r.stderr).not.toContain('\r'); // no progress bar when stderr is not a terminal
    },
  );

  it('draws a progress bar on a terminal for a large download', async () => {
    const dir = freshDir();
    // script(1) runs the client on a pseudo-terminal (stdout and stderr).
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLIENT_MAIN)} ${b1('/files/10m.bin')}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    expect(await waitForExit(child)).toBe(0);
    const tty = Buffer.concat(parts).toString('latin1');
    expect(tty).toMatch(/\[#{30}\] 100% {2}10\.0 MiB \/ 10\.0 MiB/);
    expect(tty).toContain('saved 10485760 bytes (application/octet-stream) to ./10m.bin');
    expect(sha256hex(readFileSync(path.join(dir, '10m.bin')))).toBe(sampleFile('10m.bin').sha256);
  });

  it('HEAD: the head with the length, no body, no file', async () => {
    const dir = freshDir();
    const r = await runClient(['-I', b1('/files/doc.pdf')], { cwd: dir });
    expectExit(r, 0);
    const head = r.stdout.toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain(`Content-Length: ${sampleFile('doc.pdf').size}\r\n`);
    expect(head).toContain('X-Backend: b1\r\n');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads a chunked response (nginx SSI) completely', async () => {
    const r = await runClient(['-v', b1(nginx.chunked.path)]);
    expectExit(r, 0);
    expect(r.stderr).toMatch(/^< Transfer-Encoding: chunked$/m);
    expect(r.stdout.length).toBe(nginx.chunked.size);
    expect(sha256hex(r.stdout)).toBe(nginx.chunked.sha256);
  });

  it('PUTs a 1 MiB file that nginx stores byte-exact', async () => {
    const data = sampleFile('1m.bin').data;
    const file = path.join(work, 'upload.bin');
    writeFileSync(file, data);
    const put = await runClient([
      '-X',
      'PUT',
      '--data-binary',
      `@${file}`,
      '-f',
      b1('/dav/client-upload.bin'),
    ]);
    expectExit(put, 0);
    expect(sha256hex(readFileSync(path.join(nginx.docroot, 'dav', 'client-upload.bin')))).toBe(
      sha256hex(data),
    );
  });

  it('load mode reuses keep-alive connections', async () => {
    const r = await runClient(['load', b1('/'), '-n', '60', '-c', '3', '--json']);
    expectExit(r, 0);
    const report = JSON.parse(r.stdout.toString());
    expect(report).toMatchObject({ completed: 60, errors: 0, statusCounts: { '200': 60 } });
    const mine = () => nginx.accessLog().filter((e) => e.port === nginx.ports[0] && e.uri === '/');
    // nginx writes the access line as the request finishes: wait until all are in.
    await pollUntil('60 access log lines', () => mine().length >= 60, 10_000);
    const entries = mine();
    // 60 requests over 3 connections: nginx saw some connection serve many requests.
    expect(Math.max(...entries.map((e) => e.connectionRequests))).toBeGreaterThanOrEqual(10);
  });

  it('load mode with --expect-backends fails (exit 10) when only one backend answers', async () => {
    const r = await runClient(['load', b1('/'), '-n', '20', '-c', '2', '--expect-backends', '3']);
    expectExit(r, 10);
    expect(r.stdout.toString()).toMatch(/b1 +20/);
    expect(r.stdout.toString()).toMatch(
      /verdict: +FAIL: 1 backend\(s\) answered, --expect-backends 3/,
    );
  });
});

describe('client -> rrproxy -> nginx x3', () => {
  const viaProxy = (): string[] => ['--proxy', `127.0.0.1:${proxy.port}`];

  it('GET through the proxy saves the PNG byte-exact', async () => {
    const dir = freshDir();
    const r = await runClient([...viaProxy(), 'http://app.test/files/image.png'], { cwd: dir });
    expectExit(r, 0);
    expect(sha256hex(readFileSync(path.join(dir, 'image.png')))).toBe(
      sampleFile('image.png').sha256,
    );
  });

  it('a chunked response and a 1 MiB PUT pass through the proxy intact', async () => {
    const r = await runClient([...viaProxy(), `http://app.test${nginx.chunked.path}`]);
    expectExit(r, 0);
    expect(sha256hex(r.stdout)).toBe(nginx.chunked.sha256);
    const data = sampleFile('1m.bin').data;
    const file = path.join(work, 'upload-proxy.bin');
    writeFileSync(file, data);
    const put = await runClient([
      ...viaProxy(),
      '-X',
      'PUT',
      '--data-binary',
      `@${file}`,
      '-f',
      'http://app.test/dav/via-proxy.bin',
    ]);
    expectExit(put, 0);
    expect(sha256hex(readFileSync(path.join(nginx.docroot, 'dav', 'via-proxy.bin')))).toBe(
      sha256hex(data),
    );
  });

  it('load mode reports an even spread across the three backends (header)', async () => {
    const r = await runClient([
      'load',
      `http://127.0.0.1:${proxy.port}/`,
      '-n',
      '300',
      '-c',
      '6',
      '--json',
      '--expect-backends',
      '3',
      '--max-imbalance',
      '1.5',
      '--max-error-rate',
      '0',
      '--duration-limit',
      '60',
    ]);
    expectExit(r, 0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout.toString());
    expect(report.completed).toBe(300);
    expect(report.errors).toBe(0);
    expect(Object.keys(report.spread.counts)).toEqual(['b1', 'b2', 'b3']);
    const counts = Object.values(report.spread.counts) as number[];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    expect(report.spread.ratio).toBeLessThanOrEqual(1.5);
    expect(report.verdict).toEqual({ pass: true, balance: 'even', failures: [] });
    expect(report.latencyMs.p50).toBeGreaterThan(0);
  });

  it('load mode can read the backend from the body instead (text summary)', async () => {
    const r = await runClient([
      'load',
      `http://127.0.0.1:${proxy.port}/`,
      '-n',
      '90',
      '-c',
      '3',
      '--body-pattern',
      'backend (b[0-9]+)',
      '--expect-backends',
      '3',
    ]);
    expectExit(r, 0);
    const text = r.stdout.toString();
    expect(text).toMatch(/backends \(body \/backend \(b\[0-9\]\+\)\/\):/);
    for (const name of ['b1', 'b2', 'b3'])
      expect(text).toMatch(new RegExp(`^ +${name} +\\d+ `, 'm'));
    expect(text).toMatch(/-> even/);
    expect(text).toMatch(/verdict: +PASS/);
  });
});
