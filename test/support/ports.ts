import net from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Free loopback ports for tests. A port is found by listening on port 0 and closing again; the
 * tiny window before the real owner binds it is acceptable on a test machine. When several ports
 * are needed they are held open together, so the ports returned are distinct.
 */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}

/**
 * A loopback port that refuses connections: a port that was free a moment ago. Used as a backend
 * that is "down".
 */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  return freePort(host);
}

/**
 * Whether process `pid` holds a listening TCP socket on `port` (Linux /proc). A port probed free
 * can be taken by a concurrent test before the process under test binds it; the process then
 * exits, but a readiness probe on the port would have been answered by the other holder.
 */
export function listensOn(pid: number, port: number): boolean {
  let inodes: Set<string>;
  try {
    inodes = new Set();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    }
  } catch {
    return false; // the process is gone
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    // "sl local_address rem_address st ... inode": local "0100007F:1F90", st 0A = LISTEN.
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      if (cols[1]!.endsWith(`:${portHex}`) && inodes.has(cols[9]!)) return true;
    }
  }
  return false;
}
