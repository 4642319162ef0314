// Small HTTP checks run against a peer before it is measured: is it up, does it rotate over the
// backends, does it honour "Connection: close", does its cache answer hits. node:http is fine
// here (it is the bench's client, not the proxy's data path).
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** One GET on a fresh connection; resolves { status, headers, bytes, body } or rejects. */
export function get(port, path, headers = {}, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode, headers: res.headers, bytes: body.length, body });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Polls until GET `path` answers 200, for at most `timeoutMs`. Returns true when it did. */
export async function waitFor200(port, path, timeoutMs, gone = () => false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone()) {
    try {
      if ((await get(port, path, {}, 1000)).status === 200) return true;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  return false;
}

/** Which backends (X-Backend) 6 GETs reached, e.g. "b2 b3 b1 b2 b3 b1". */
export async function rotation(port, path) {
  const seen = [];
  for (let i = 0; i < 6; i++) {
    const r = await get(port, path);
    seen.push(r.headers['x-backend'] ?? `?${r.status}`);
  }
  return seen.join(' ');
}

/**
 * Sends a request with "Connection: close" and waits for the server to close the connection
 * after its response (RFC 9112 9.6). Resolves true when it did within `timeoutMs`.
 */
export function closesOnConnectionClose(port, path, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', () => {});
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Two GETs of one URL: the cache-status headers of the second (X-Cache, Age). */
export async function cacheProbe(port, path) {
  await get(port, path);
  const r = await get(port, path);
  const xCache = r.headers['x-cache'] ?? '-';
  const age = r.headers['age'] ?? '-';
  return `2nd GET: X-Cache ${xCache}, Age ${age}`;
}
