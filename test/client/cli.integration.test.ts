import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makePdf, makePng } from '../support/sample-files';
import { trackChild, waitForExit } from '../support/cleanup';
import { closedPort } from '../support/ports';
import { startRawServer } from './raw-server';
import { CLIENT_MAIN, expectExit, runClient, sha256hex } from './run-client';

/**
 * The built client against node:http test servers and a raw TCP server: request bodies, content
 * handling, redirects, errors and exit codes. (nginx and the proxy are in their own files.)
 */

const png = makePng();
const pdf = makePdf();
let work = '';
let serverA: http.Server;
let serverB: http.Server;
let portA = 0;
let portB = 0;

function listen(handler: http.RequestListener): Promise<[http.Server, number]> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve([server, (server.address() as AddressInfo).port])),
  );
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value) + '\n');
    };
    switch (url.pathname) {
      case '/echo':
        json(200, {
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: body.toString('latin1'),
        });
        return;
      case '/hash':
        json(200, {
          method: req.method,
          bytes: body.length,
          sha256: sha256hex(body),
          contentType: req.headers['content-type'] ?? null,
        });
        return;
      case '/evil-cd':
        res.writeHead(200, {
          'Content-Type': 'image/png',
          'Content-Disposition': 'attachment; filename="../../evil.png"',
        });
        res.end(png);
        return;
      case '/abs-cd':
        res.writeHead(200, {
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="${url.searchParams.get('name')}"`,
        });
        res.end(pdf);
        return;
      case '/report':
        res.writeHead(200, {
          'Content-Type': 'application/pdf',
          'Content-Disposition': "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        });
        res.end(pdf);
        return;
      case '/img/picture.png':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
        res.end(png);
        return;
      case '/escape':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('plain \x1b[31mred\x1b[0m \x1b]0;owned\x07 done\n');
        return;
      case '/chunked':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first,');
        setTimeout(() => res.end('second\n'), 10);
        return;
      case '/redirect':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), {
          Location: url.searchParams.get('to') ?? '/',
        });
        res.end('moving');
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' });
        res.end();
        return;
      case '/missing':
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<h1>not here</h1>\n');
        return;
      default:
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><p>hello from A</p>\n');
    }
  });
}

beforeAll(async () => {
  if (!existsSync(CLIENT_MAIN)) throw new Error('run npm run build first');
  work = mkdtempSync(path.join(tmpdir(), 'rrc-cli-'));
  [serverA, portA] = await listen(handler);
  [serverB, portB] = await listen(handler);
});

afterAll(async () => {
  await new Promise((r) => serverA.close(r));
  await new Promise((r) => serverB.close(r));
  rmSync(work, { recursive: true, force: true });
});

/** A fresh empty directory to run one client in. */
function freshDir(name: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const A = (p: string): string => `http://127.0.0.1:${portA}${p}`;

describe('help and usage', () => {
  it('--help documents the exit codes', async () => {
    const r = await runClient(['--help']);
    expectExit(r, 0);
    const text = r.stdout.toString();
    for (const line of [
      ' 3  bad URL',
      ' 4  host name could not be resolved',
      ' 5  connection refused',
      ' 6  timed out',
      ' 7  protocol error',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain('rrproxy-client load URL');
  });
  it('a usage error exits 2', async () => {
    const r = await runClient(['--nope', A('/')]);
    expectExit(r, 2);
    expect(r.stderr).toMatch(/unknown option --nope/);
  });
});

describe('requests', () => {
  it('POST of a 1 MiB body from a file arrives byte-exact', async () => {
    const data = randomBytes(1024 * 1024);
    const file = path.join(work, 'upload.bin');
    writeFileSync(file, data);
    const r = await runClient([
      '--data-binary',
      `@${file}`,
      '-H',
      'Content-Type: application/octet-stream',
      A('/hash'),
    ]);
    expectExit(r, 0);
    expect(JSON.parse(r.stdout.toString())).toEqual({
      method: 'POST',
      bytes: data.length,
      sha256: sha256hex(data),
      contentType: 'application/octet-stream',
    });
  });

  it('PUT of a body from stdin (@-)', async () => {
    const data = randomBytes(100_000);
    const r = await runClient(['-X', 'PUT', '--data-binary', '@-', A('/hash')], { stdin: data });
    expectExit(r, 0);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({
      method: 'PUT',
      bytes: data.length,
      sha256: sha256hex(data),
    });
  });

  it('-d sends a form body with its Content-Type', async () => {
    const r = await runClient(['-d', 'a=1', '-d', 'b=two', A('/echo')]);
    const echo = JSON.parse(r.stdout.toString());
    expect(echo).toMatchObject({ method: 'POST', body: 'a=1&b=two' });
    expect(echo.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(echo.headers['content-length']).toBe('9');
  });

  it('sends Host, User-Agent, custom headers and the encoded target', async () => {
    const r = await runClient(['-H', 'X-One: 1', '-H', 'X-Two: 2', 'DELETE', A('/echo?q=a b')]);
    const echo = JSON.parse(r.stdout.toString());
    expect(echo.method).toBe('DELETE');
    expect(echo.url).toBe('/echo?q=a%20b');
    expect(echo.headers.host).toBe(`127.0.0.1:${portA}`);
    expect(echo.headers['user-agent']).toMatch(/^rrproxy-client\/\d+\.\d+\.\d+/);
    expect(echo.headers['x-one']).toBe('1');
    expect(echo.headers['x-two']).toBe('2');
  });

  it('--proxy connects to the proxy address but keeps the URL Host and target', async () => {
    const r = await runClient(['--proxy', `127.0.0.1:${portA}`, 'http://app.example.test/echo']);
    expectExit(r, 0);
    const echo = JSON.parse(r.stdout.toString());
    expect(echo.headers.host).toBe('app.example.test');
    expect(echo.url).toBe('/echo');
  });

  it('talks to an IPv6 literal, with the brackets in Host', async () => {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '::1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await runClient([`http://[::1]:${port}/echo`]);
      expectExit(r, 0);
      expect(JSON.parse(r.stdout.toString()).headers.host).toBe(`[::1]:${port}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('-i prints the response head before the body', async () => {
    const r = await runClient(['-i', A('/')]);
    expect(r.stdout.toString('latin1')).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n<!doctype html><p>hello from A<\/p>\n$/,
    );
  });

  it('-v shows both heads on stderr, stdout keeps only the body', async () => {
    const r = await runClient(['-v', A('/')]);
    expect(r.stderr).toMatch(/^> GET \/ HTTP\/1\.1$/m);
    expect(r.stderr).toMatch(/^> Host: 127\.0\.0\.1:\d+$/m);
    expect(r.stderr).toMatch(/^< HTTP\/1\.1 200 OK$/m);
    expect(r.stdout.toString()).toBe('<!doctype html><p>hello from A</p>\n');
  });

  it('-I prints the response head and no body', async () => {
    const r = await runClient(['-I', A('/img/picture.png')]);
    expectExit(r, 0);
    const out = r.stdout.toString('latin1');
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toContain(`Content-Length: ${png.length}\r\n`);
    expect(out.endsWith('\r\n\r\n')).toBe(true);
  });

  it('a chunked response is printed whole', async () => {
    const r = await runClient([A('/chunked')]);
    expect(r.stdout.toString()).toBe('first,second\n');
  });
});

describe('content handling', () => {
  it('text into a pipe is written raw, escape sequences included', async () => {
    const r = await runClient([A('/escape')]);
    expect(r.stdout.toString('latin1')).toBe('plain \x1b[31mred\x1b[0m \x1b]0;owned\x07 done\n');
  });

  it('text on a terminal has its escape sequences neutralised', async () => {
    // script(1) gives the client a real pseudo-terminal as stdout. Async: the server answering
    // the client runs in this process.
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLIENT_MAIN)} ${A('/escape')}`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => parts.push(d));
    const code = await waitForExit(child);
    expect(code).toBe(0);
    const out = Buffer.concat(parts).toString('latin1');
    expect(out).toContain('plain ^[[31mred^[[0m ^[]0;owned^G done');
    expect(out).not.toContain('\x1b[31m');
  });

  it('saves a PNG under its URL name, byte-exact, and says where', async () => {
    const dir = freshDir('png');
    const r = await runClient([A('/img/picture.png')], { cwd: dir });
    expectExit(r, 0);
    expect(r.stdout.length).toBe(0);
    expect(sha256hex(readFileSync(path.join(dir, 'picture.png')))).toBe(sha256hex(png));
    expect(r.stderr).toContain(`saved ${png.length} bytes (image/png) to ./picture.png`);
  });

  it('never overwrites: a second download gets a numbered name', async () => {
    const dir = freshDir('twice');
    writeFileSync(path.join(dir, 'picture.png'), 'precious');
    const r = await runClient([A('/img/picture.png')], { cwd: dir });
    expectExit(r, 0);
    expect(readFileSync(path.join(dir, 'picture.png'), 'utf8')).toBe('precious');
    expect(sha256hex(readFileSync(path.join(dir, 'picture-1.png')))).toBe(sha256hex(png));
    expect(r.stderr).toContain('to ./picture-1.png');
  });

  it('uses the Content-Disposition name (RFC 8187 filename*) and --output-dir', async () => {
    const dir = freshDir('cd');
    const r = await runClient(['--output-dir', 'downloads', A('/report')], { cwd: dir });
    expectExit(r, 9); // the directory does not exist yet: a file error, nothing written
    mkdirSync(path.join(dir, 'downloads'));
    const r2 = await runClient(['--output-dir', 'downloads', A('/report')], { cwd: dir });
    expectExit(r2, 0);
    expect(sha256hex(readFileSync(path.join(dir, 'downloads', 'résumé.pdf')))).toBe(sha256hex(pdf));
  });

  it('a ../ name from Content-Disposition cannot escape the directory', async () => {
    const dir = freshDir('traversal/inner/deeper');
    const r = await runClient([A('/evil-cd')], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).toMatch(
      /warning: unsafe file name '\.\.\/\.\.\/evil\.png' from Content-Disposition/,
    );
    expect(existsSync(path.join(work, 'traversal', 'evil.png'))).toBe(false);
    expect(existsSync(path.join(work, 'traversal', 'inner', 'evil.png'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['evil.png']);
    expect(sha256hex(readFileSync(path.join(dir, 'evil.png')))).toBe(sha256hex(png));
  });

  it('an absolute name from Content-Disposition cannot escape either', async () => {
    const dir = freshDir('absolute');
    const outside = path.join(work, 'abs-escaped.pdf');
    const r = await runClient([A(`/abs-cd?name=${encodeURIComponent(outside)}`)], { cwd: dir });
    expectExit(r, 0);
    expect(existsSync(outside)).toBe(false);
    expect(readdirSync(dir)).toEqual(['abs-escaped.pdf']);
  });

  it('-o FILE saves any type, text included', async () => {
    const dir = freshDir('output');
    const r = await runClient(['-o', 'page.html', A('/')], { cwd: dir });
    expectExit(r, 0);
    expect(r.stdout.length).toBe(0);
    expect(readFileSync(path.join(dir, 'page.html'), 'utf8')).toBe(
      '<!doctype html><p>hello from A</p>\n',
    );
  });

  it('-o - writes any type to stdout, raw', async () => {
    const r = await runClient(['-o', '-', A('/img/picture.png')]);
    expectExit(r, 0);
    expect(sha256hex(r.stdout)).toBe(sha256hex(png));
  });

  it('--log appends one JSON line per request', async () => {
    const dir = freshDir('log');
    await runClient(['--log', 'req.jsonl', A('/')], { cwd: dir });
    await runClient(['--log', 'req.jsonl', '-L', A('/redirect?to=/echo')], { cwd: dir });
    const lines = readFileSync(path.join(dir, 'req.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.method, l.status])).toEqual([
      ['GET', 200],
      ['GET', 302],
      ['GET', 200],
    ]);
    expect(lines[0]).toMatchObject({ url: A('/'), connectTo: `127.0.0.1:${portA}` });
    expect(typeof lines[0].durationMs).toBe('number');
    expect(lines[0].bodyBytes).toBe('<!doctype html><p>hello from A</p>\n'.length);
  });
});

describe('load mode', () => {
  it('--duration-limit stops sending new requests and says so', async () => {
    const r = await runClient([
      'load',
      A('/'),
      '-n',
      '1000000',
      '-c',
      '2',
      '--duration-limit',
      '0.5',
      '--json',
    ]);
    expectExit(r, 0);
    const report = JSON.parse(r.stdout.toString());
    expect(report.stoppedEarly).toBe(true);
    expect(report.completed).toBeGreaterThan(0);
    expect(report.completed).toBeLessThan(1000000);
    expect(report.errors).toBe(0);
    expect(report.verdict.balance).toBe('unknown'); // server A sends no X-Backend
  });

  it('--log writes one line per load request', async () => {
    const dir = freshDir('load-log');
    const r = await runClient(['load', A('/'), '-n', '25', '-c', '5', '--log', 'load.jsonl'], {
      cwd: dir,
    });
    expectExit(r, 0);
    const lines = readFileSync(path.join(dir, 'load.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(25);
    expect(lines.every((l) => l.status === 200 && l.method === 'GET')).toBe(true);
  });

  it('an error rate above --max-error-rate exits 10', async () => {
    const r = await runClient(['load', A('/missing'), '-n', '10', '-c', '2']);
    expectExit(r, 10);
    expect(r.stdout.toString()).toMatch(/status: +404 x 10/);
    expect(r.stderr).toMatch(
      /load check failed: error rate 100\.00% above --max-error-rate 1\.00%/,
    );
  });
});

describe('redirects', () => {
  it('are not followed without -L', async () => {
    const r = await runClient([A('/redirect?to=/echo')]);
    expectExit(r, 0);
    expect(r.stdout.toString()).toBe('moving');
    expect(r.stderr).toMatch(/redirect \(302\) to \/echo; use -L to follow/);
  });

  it('-L keeps credentials on the same origin', async () => {
    const r = await runClient([
      '-L',
      '-H',
      'Authorization: Bearer t',
      '-H',
      'Cookie: s=1',
      A('/redirect?to=/echo'),
    ]);
    const echo = JSON.parse(r.stdout.toString());
    expect(echo.headers.authorization).toBe('Bearer t');
    expect(echo.headers.cookie).toBe('s=1');
  });

  it('-L drops Authorization and Cookie when the redirect leaves the origin', async () => {
    const to = `http://127.0.0.1:${portB}/echo`;
    const r = await runClient([
      '-L',
      '-H',
      'Authorization: Bearer t',
      '-H',
      'Cookie: s=1',
      '-H',
      'X-Keep: k',
      A(`/redirect?to=${encodeURIComponent(to)}`),
    ]);
    expectExit(r, 0);
    const echo = JSON.parse(r.stdout.toString());
    expect(echo.headers.host).toBe(`127.0.0.1:${portB}`);
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers['x-keep']).toBe('k');
  });

  it('303 after POST becomes GET without a body; 307 repeats the POST', async () => {
    const r303 = await runClient(['-L', '-d', 'x=1', A('/redirect?status=303&to=/echo')]);
    expect(JSON.parse(r303.stdout.toString())).toMatchObject({ method: 'GET', body: '' });
    const r307 = await runClient(['-L', '-d', 'x=1', A('/redirect?status=307&to=/echo')]);
    expect(JSON.parse(r307.stdout.toString())).toMatchObject({ method: 'POST', body: 'x=1' });
  });

  it('are bounded by --max-redirs (exit 8)', async () => {
    const r = await runClient(['-L', '--max-redirs', '3', A('/loop')]);
    expectExit(r, 8);
    expect(r.stderr).toMatch(/stopped after 3 redirects/);
  });
});

describe('errors and exit codes', () => {
  it('refused connection: exit 5 and a message naming the address', async () => {
    const port = await closedPort();
    const r = await runClient([`http://127.0.0.1:${port}/`]);
    expectExit(r, 5);
    expect(r.stderr).toContain(`connection refused by 127.0.0.1:${port}`);
  });

  it('https is refused with exit 3', async () => {
    const r = await runClient(['https://127.0.0.1/']);
    expectExit(r, 3);
    expect(r.stderr).toMatch(/https is not supported/);
  });

  it('a malformed URL: exit 3', async () => {
    const r = await runClient(['http://[::1/']);
    expectExit(r, 3);
  });

  it('--fail turns a 404 into exit 11, and the page is still shown', async () => {
    const r = await runClient(['-f', A('/missing')]);
    expectExit(r, 11);
    expect(r.stdout.toString()).toBe('<h1>not here</h1>\n');
    expect(r.stderr).toMatch(/server answered 404 Not Found/);
    expect((await runClient([A('/missing')])).code).toBe(0);
  });

  describe('against a raw server', () => {
    let raw: Awaited<ReturnType<typeof startRawServer>>;
    let mode = '';
    beforeAll(async () => {
      raw = await startRawServer(({ socket }) => {
        if (mode === 'silent') return;
        if (mode === 'untyped-text')
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n');
        if (mode === 'untyped-binary') {
          socket.end(
            Buffer.concat([
              Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n'),
              Buffer.from([0, 1, 2, 3, 0, 5, 6, 7]),
            ]),
          );
        }
        // Answers as if the connection stayed open, then closes it: every kept-alive
        // connection goes stale after one response.
        if (mode === 'close-after')
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Backend: raw\r\n\r\nok');
        if (mode === 'garbage') socket.end('SMTP ready\r\n\r\n');
        if (mode === 'close-delimited') {
          socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
          setTimeout(() => socket.end('the end\n'), 20);
        }
        if (mode === 'truncated')
          socket.end(
            'HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\npartial',
          );
      });
    });
    afterAll(() => raw.close());
    const R = (): string => `http://127.0.0.1:${raw.port}/x.png`;

    it('no response within --timeout: exit 6', async () => {
      mode = 'silent';
      const r = await runClient(['--timeout', '0.5', R()]);
      expectExit(r, 6);
      expect(r.stderr).toMatch(/timed out after 0\.5s waiting for the response/);
    });

    it('not HTTP: exit 7', async () => {
      mode = 'garbage';
      const r = await runClient([R()]);
      expectExit(r, 7);
      expect(r.stderr).toMatch(/bad response from 127\.0\.0\.1:\d+: malformed HTTP version/);
    });

    it('a close-delimited body is read to the end', async () => {
      mode = 'close-delimited';
      const r = await runClient([R()]);
      expectExit(r, 0);
      expect(r.stdout.toString()).toBe('until the end\n');
    });

    it('load mode retries a request once when a kept-alive connection went stale', async () => {
      mode = 'close-after';
      const before = raw.connections();
      const r = await runClient(['load', R(), '-n', '10', '-c', '1', '--json']);
      expectExit(r, 0);
      const report = JSON.parse(r.stdout.toString());
      expect(report).toMatchObject({ completed: 10, errors: 0, spread: { counts: { raw: 10 } } });
      expect(raw.connections() - before).toBeGreaterThanOrEqual(10);
    });

    it('without Content-Type, text is shown and binary is saved (sniffed)', async () => {
      const dir = freshDir('untyped');
      mode = 'untyped-text';
      const text = await runClient([`http://127.0.0.1:${raw.port}/data`], { cwd: dir });
      expect(text.stdout.toString()).toBe('hello\n');
      mode = 'untyped-binary';
      const bin = await runClient([`http://127.0.0.1:${raw.port}/data`], { cwd: dir });
      expectExit(bin, 0);
      expect(bin.stdout.length).toBe(0);
      expect([...readFileSync(path.join(dir, 'data.bin'))]).toEqual([0, 1, 2, 3, 0, 5, 6, 7]);
    });

    it('a truncated download: exit 7 and no partial file left behind', async () => {
      mode = 'truncated';
      const dir = freshDir('truncated');
      const r = await runClient([R()], { cwd: dir });
      expectExit(r, 7);
      expect(r.stderr).toMatch(/closed before the end of the response body/);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
