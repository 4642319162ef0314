import net from 'node:net';

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
