// Everything the run needs before the first process starts: the tools (apt), the scratch folder
// (served files, the Node peers installed from bench/peers/package-lock.json), a free-port
// finder, the versions for the report.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR } from './options.mjs';
import { output } from './processes.mjs';

const has = (tool) =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** wrk, nginx, haproxy, taskset: installs the Debian packages when missing (needs root). */
export function ensureTools() {
  if (!process.env.PATH.split(':').includes('/usr/sbin')) process.env.PATH += ':/usr/sbin:/sbin';
  const missing = ['wrk', 'nginx', 'haproxy'].filter((t) => !has(t));
  if (missing.length) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `missing ${missing.join(', ')}: run "apt-get install -y ${missing.join(' ')}" as root`,
      );
    }
    console.error(`installing ${missing.join(' ')} (apt-get)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [
      ['update', '-q'],
      ['install', '-y', '-q', ...missing],
    ]) {
      const r = spawnSync('apt-get', args, { stdio: 'inherit', env, timeout: 600_000 });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
    }
  }
  if (!has('taskset')) throw new Error('taskset (util-linux) is missing');
}

/** Deterministic served files: /index.html (exactly 1 KiB), /100k.bin, /1m.bin. */
export function writeWww(dir) {
  mkdirSync(dir, { recursive: true });
  let x = 1; // xorshift32: the same bytes every run
  const bytes = (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 255;
    }
    return b;
  };
  const page =
    '<!doctype html><html><head><title>rrproxy bench</title></head><body>' +
    '<p>lorem ipsum dolor sit amet</p>\n'.repeat(27) +
    '</body></html>\n';
  writeFileSync(join(dir, 'index.html'), page.padEnd(1024, ' ').slice(0, 1024));
  writeFileSync(join(dir, '100k.bin'), bytes(100 * 1024));
  writeFileSync(join(dir, '1m.bin'), bytes(1024 * 1024));
}

/** npm ci of bench/peers into `dir`, only when the lock file changed since the last install. */
export function installNodePeers(dir) {
  mkdirSync(dir, { recursive: true });
  const src = join(BENCH_DIR, 'peers');
  for (const f of ['package.json', 'package-lock.json', 'http-proxy.mjs', 'undici-pool.mjs']) {
    copyFileSync(join(src, f), join(dir, f));
  }
  const lock = readFileSync(join(src, 'package-lock.json'), 'utf8');
  const stamp = join(dir, 'installed-lock.json');
  if (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === lock &&
    existsSync(join(dir, 'node_modules'))
  )
    return;
  console.error(`installing the Node peers into ${dir} (npm ci)`);
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`npm ci in ${dir} failed`);
  writeFileSync(stamp, lock);
}

/** A fresh run folder (configs, logs, nginx temp/cache dirs of this run). */
export function freshDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/**
 * A port free on 127.0.0.1 now, never handed out twice in this run. (Another process may take
 * it before we bind it; every peer's start then fails loudly instead of measuring the wrong thing.)
 */
export function portFinder() {
  const given = new Set();
  return async function freePort() {
    for (let i = 0; i < 50; i++) {
      const port = await new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
          const { port: p } = srv.address();
          srv.close(() => resolve(p));
        });
      });
      if (!given.has(port)) {
        given.add(port);
        return port;
      }
    }
    throw new Error('no free port found');
  };
}

/** One line naming the versions of everything measured. */
export function versions(peersDir) {
  const first = (s) => s.split('\n')[0];
  const nginx = first(output('nginx', ['-v'])).replace(/^nginx version: /, '');
  const haproxy = first(output('haproxy', ['-v']))
    .split(' ')
    .slice(0, 3)
    .join(' ');
  const wrk = first(output('wrk', ['-v']))
    .split(' ')
    .slice(0, 2)
    .join(' ');
  const pkgs = ['http-proxy', 'undici']
    .map((p) => {
      try {
        return `${p} ${JSON.parse(readFileSync(join(peersDir, 'node_modules', p, 'package.json'), 'utf8')).version}`;
      } catch {
        return `${p} ?`;
      }
    })
    .join(', ');
  return `${nginx}, ${haproxy}, ${wrk}, node ${process.version}, ${pkgs}`;
}

/** rrproxy's commit, "+dirty" when src/ has uncommitted changes. */
export function rrproxyVersion() {
  const rev = output('git', ['-C', ROOT_DIR, 'rev-parse', '--short', 'HEAD']);
  const dirty = output('git', ['-C', ROOT_DIR, 'status', '--porcelain', '--', 'src']);
  return `${rev || '?'}${dirty ? '+dirty' : ''}`;
}
