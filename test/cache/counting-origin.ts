/**
 * A backend for the cache integration tests: answers each path as a test scripts it, counts the
 * requests per path and keeps their fields, so a test can prove a response came from the cache
 * (the count did not move) or what a revalidation carried (If-None-Match). Raw sockets, keep-alive.
 */
import type { HeaderList } from '../../src/http';
import { startRawServer, type RawRequest, type RawServer } from '../support/raw-http';

export interface OriginReply {
  status?: number;
  reason?: string;
  /** Fields without framing; Content-Length is added unless `chunked`. */
  headers?: Array<[string, string]>;
  body?: string | Buffer;
  chunked?: boolean;
  /** Send the head and half the body, then close. */
  truncate?: boolean;
  /** Wait before answering. */
  delayMs?: number;
}

export type OriginRoute = (req: RawRequest, count: number) => OriginReply;

export interface CountingOrigin {
  readonly server: RawServer;
  readonly address: string;
  /** Requests received for a path (query included). */
  count(target: string): number;
  total(): number;
  /** Fields of the requests received for a target, in order. */
  requests(target: string): HeaderList[];
  /** Scripts a target; unscripted targets answer 404 (max-age=0). */
  route(target: string, fn: OriginRoute): void;
  stop(): Promise<void>;
}

function serialize(r: OriginReply, method: string): Buffer[] {
  const body =
    typeof r.body === 'string' ? Buffer.from(r.body, 'latin1') : (r.body ?? Buffer.alloc(0));
  const status = r.status ?? 200;
  let head = `HTTP/1.1 ${status} ${r.reason ?? 'OK'}\r\n`;
  for (const [n, v] of r.headers ?? []) head += `${n}: ${v}\r\n`;
  const bodiless = method === 'HEAD' || status === 304 || status === 204;
  if (r.chunked === true) head += 'Transfer-Encoding: chunked\r\n';
  else if (status !== 304) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  if (bodiless) return [Buffer.from(head, 'latin1')];
  const payload = r.truncate === true ? body.subarray(0, body.length >> 1) : body;
  if (r.chunked === true) {
    const parts: Buffer[] = [Buffer.from(head, 'latin1')];
    if (payload.length > 0)
      parts.push(Buffer.from(payload.length.toString(16) + '\r\n'), payload, Buffer.from('\r\n'));
    if (r.truncate !== true) parts.push(Buffer.from('0\r\n\r\n'));
    return parts;
  }
  return [Buffer.from(head, 'latin1'), payload];
}

export async function startCountingOrigin(): Promise<CountingOrigin> {
  const counts = new Map<string, number>();
  const seen = new Map<string, HeaderList[]>();
  const routes = new Map<string, OriginRoute>();
  const server = await startRawServer(async (conn) => {
    for (;;) {
      let req: RawRequest;
      try {
        req = await conn.readRequest();
      } catch {
        conn.socket.destroy();
        return;
      }
      const n = (counts.get(req.target) ?? 0) + 1;
      counts.set(req.target, n);
      seen.set(req.target, [...(seen.get(req.target) ?? []), req.headers]);
      const route = routes.get(req.target);
      const reply: OriginReply = route
        ? route(req, n)
        : {
            status: 404,
            reason: 'Not Found',
            headers: [['Cache-Control', 'max-age=0']],
            body: 'no route',
          };
      if (reply.delayMs !== undefined) await new Promise((r) => setTimeout(r, reply.delayMs));
      for (const part of serialize(reply, req.method)) await conn.write(part);
      if (reply.truncate === true) {
        conn.socket.destroy();
        return;
      }
    }
  });
  return {
    server,
    address: server.address,
    count: (t) => counts.get(t) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    requests: (t) => seen.get(t) ?? [],
    route: (t, fn) => routes.set(t, fn),
    stop: () => server.stop(),
  };
}
