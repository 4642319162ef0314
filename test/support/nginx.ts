import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, waitForExit } from './cleanup';
import { freePorts, listensOn } from './ports';
import {
  makeChunkedText,
  sampleFiles,
  sha256,
  SSI_DIRECTIVE,
  type SampleFile,
} from './sample-files';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxOptions {
  /** Number of backends (one `server` block each, on its own port). Default 3. */
  backends?: number;
}

/** One line of the harness's access log format. */
export interface NginxAccessEntry {
  port: number;
  /** nginx's connection serial number: equal values mean the same TCP connection. */
  connection: number;
  /** Requests served on that connection so far, this one included. */
  connectionRequests: number;
  method: string;
  uri: string;
  status: number;
}

export interface NginxBackends {
  /** Backend names, `b1`, `b2`, ...: each response carries `X-Backend: <name>`. */
  names: string[];
  ports: number[];
  /** `127.0.0.1:<port>` per backend, as given to `--backend`. */
  addresses: string[];
  urls: string[];
  /** The docroot shared by every backend (so an upload via one is readable via another). */
  docroot: string;
  /** Files under /files/ (0 B, 1 B, 1 KiB, 1 MiB, 10 MiB random, a PNG, a PDF). */
  files: SampleFile[];
  /** GET /chunked/text.txt: nginx sends it chunked (SSI makes the length unknown). */
  chunked: { path: string; size: number; sha256: string };
  /** Parsed access log lines so far. */
  accessLog(): NginxAccessEntry[];
  /** The error log text (for failure messages). */
  errorLog(): string;
  /** Stops nginx, waits for the process to exit and deletes the temp dir. */
  stop(): Promise<void>;
}

/**
 * The location layout of every backend. PUT/DELETE under /dav/ (WebDAV module) store request
 * bodies in the shared docroot so a test can fetch them back and compare SHA-256. /small/ has a
 * 1 KiB body limit, so nginx answers 413 early, before reading the body.
 */
function serverBlock(dir: string, name: string, port: number): string {
  return `
  server {
    listen 127.0.0.1:${port};
    server_name ${name};
    root ${dir}/www;
    add_header X-Backend ${name} always;
    location = / { root ${dir}/${name}; }
    location = /index.html { root ${dir}/${name}; }
    location /files/ { }
    location /dav/ {
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      client_max_body_size 20m;
    }
    location /small/ {
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 1k;
    }
    location /chunked/ {
      ssi on;
      ssi_types *;
      default_type text/plain;
    }
  }`;
}

function nginxConf(dir: string, names: string[], ports: number[]): string {
  const t = `${dir}/tmp`;
  // daemon off + master_process off: the harness owns exactly one process, and it is the one
  // serving (no worker to leak). All paths nginx would write live in the temp dir.
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 1024; }
http {
  types {
    text/html html;
    text/plain txt;
    image/png png;
    application/pdf pdf;
  }
  default_type application/octet-stream;
  log_format rr '$server_port $connection $connection_requests $request_method "$request_uri" $status';
  access_log ${dir}/access.log rr;
  client_body_temp_path ${t}/client_body;
  proxy_temp_path ${t}/proxy;
  fastcgi_temp_path ${t}/fastcgi;
  uwsgi_temp_path ${t}/uwsgi;
  scgi_temp_path ${t}/scgi;
  keepalive_timeout 75s;
  keepalive_requests 10000;
  sendfile on;
${names.map((n, i) => serverBlock(dir, n, ports[i]!)).join('\n')}
}
`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function parseAccessLine(line: string): NginxAccessEntry | null {
  const m = /^(\d+) (\d+) (\d+) (\S+) "([^"]*)" (\d+)$/.exec(line);
  if (m === null) return null;
  return {
    port: Number(m[1]),
    connection: Number(m[2]),
    connectionRequests: Number(m[3]),
    method: m[4]!,
    uri: m[5]!,
    status: Number(m[6]),
  };
}

class PortTakenError extends Error {}

/** Starts Debian's nginx as N test backends on free loopback ports. Fails if nginx is missing. */
export async function startNginx(opts: NginxOptions = {}): Promise<NginxBackends> {
  // A probed free port may be taken before nginx binds it (suites run in parallel): retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

async function startNginxOnce(opts: NginxOptions): Promise<NginxBackends> {
  if (!existsSync(NGINX_BINARY)) {
    throw new Error(
      `${NGINX_BINARY} not found: the integration tests need Debian's nginx (apt-get install -y nginx)`,
    );
  }
  const count = opts.backends ?? 3;
  const names = Array.from({ length: count }, (_, i) => `b${i + 1}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-nginx-'));
  const files = sampleFiles();
  const chunkedText = makeChunkedText();
  mkdirSync(`${dir}/tmp`);
  mkdirSync(`${dir}/www/files`, { recursive: true });
  mkdirSync(`${dir}/www/dav`);
  mkdirSync(`${dir}/www/small`);
  mkdirSync(`${dir}/www/chunked`);
  for (const f of files) writeFileSync(`${dir}/www/files/${f.name}`, f.data);
  writeFileSync(
    `${dir}/www/chunked/text.txt`,
    Buffer.concat([Buffer.from(SSI_DIRECTIVE), chunkedText]),
  );
  for (const n of names) {
    mkdirSync(`${dir}/${n}`);
    writeFileSync(
      `${dir}/${n}/index.html`,
      `<!doctype html><title>${n}</title><p>backend ${n}</p>\n`,
    );
  }

  const ports = await freePorts(count);
  const conf = `${dir}/nginx.conf`;
  writeFileSync(conf, nginxConf(dir, names, ports));
  const errorLogPath = `${dir}/error.log`;
  const errorLog = (): string =>
    existsSync(errorLogPath) ? readFileSync(errorLogPath, 'latin1') : '';

  let output = '';
  // -e: the error log before the config is read (the default path is under /var/log).
  const child: ChildProcess = spawn(
    NGINX_BINARY,
    ['-e', errorLogPath, '-p', `${dir}/`, '-c', conf],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  trackChild(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = waitForExit(child);
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await pollUntil(
      'nginx to listen',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          if (/Address already in use/.test(output + errorLog())) {
            throw new PortTakenError(`nginx could not bind: ${errorLog()}`);
          }
          throw new Error(
            `nginx exited early (${child.exitCode ?? child.signalCode}): ${output}\n${errorLog()}`,
          );
        }
        for (const p of ports) if (!(await canConnect(p))) return false;
        // The listeners must be our nginx's (master_process off: the child itself holds them);
        // a port probed free can be taken by a concurrent test first (see listensOn).
        for (const p of ports) {
          if (!listensOn(child.pid!, p))
            throw new PortTakenError(`port ${p} is held by another process`);
        }
        return true;
      },
      10_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    names,
    ports,
    addresses: ports.map((p) => `127.0.0.1:${p}`),
    urls: ports.map((p) => `http://127.0.0.1:${p}`),
    docroot: `${dir}/www`,
    files,
    chunked: { path: '/chunked/text.txt', size: chunkedText.length, sha256: sha256(chunkedText) },
    accessLog: () => {
      const p = `${dir}/access.log`;
      if (!existsSync(p)) return [];
      return readFileSync(p, 'latin1')
        .split('\n')
        .map(parseAccessLine)
        .filter((e): e is NginxAccessEntry => e !== null);
    },
    errorLog,
    stop,
  };
}
