import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pollUntil, trackChild, waitForExit } from '../../support/cleanup';
import { freePorts } from '../../support/ports';

export const NGINX_BINARY = '/usr/sbin/nginx';
export const HAPROXY_BINARY = '/usr/sbin/haproxy';

/** A reverse proxy under comparison, in front of one backend. */
export interface PeerProxy {
  name: string;
  port: number;
  /** Its own diagnostics (error log or stderr), for the report. */
  log(): string;
  stop(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function runPeer(
  name: string,
  binary: string,
  args: string[],
  port: number,
  dir: string,
  logFile: string | null,
): Promise<PeerProxy> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing (apt-get install -y ${name})`);
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = waitForExit(child);
  const log = (): string =>
    out + (logFile !== null && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  try {
    await pollUntil(
      `${name} to listen`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited early:\n${log()}`);
        return canConnect(port);
      },
      10_000,
      50,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name,
    port,
    log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * nginx as a reverse proxy as commonly deployed: HTTP/1.1 and keep-alive upstream, the client's
 * Host passed on ($http_host), X-Forwarded-For appended. One process (no master), everything
 * in its own temp dir.
 */
export async function startNginxProxy(backend: string): Promise<PeerProxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conf-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d));
  const [port] = await freePorts(1);
  const errorLog = path.join(dir, 'error.log');
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLog} info;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream be {
    server ${backend};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  const file = path.join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return runPeer('nginx', NGINX_BINARY, ['-p', dir, '-c', file], port!, dir, errorLog);
}

/** HAProxy 2.6 in http mode, one thread, keep-alive both sides, X-Forwarded-For added. */
export async function startHaproxy(backend: string): Promise<PeerProxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conf-haproxy-'));
  const [port] = await freePorts(1);
  const conf = `global
  nbthread 1
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  option http-keep-alive
  option forwardfor
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  timeout http-request 5s
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  balance roundrobin
  server s1 ${backend}
`;
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, conf);
  return runPeer('haproxy', HAPROXY_BINARY, ['-db', '-f', file], port!, dir, null);
}
