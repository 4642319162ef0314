import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the admin endpoints read; supplied by main.ts so this module knows no proxy internals. */
export interface AdminSource {
  /** Liveness: the event loop answers. */
  live(): boolean;
  /** Readiness: listening, config loaded, first discovery sync done, not draining. */
  ready(): { ready: boolean; reason: string };
  backends(): unknown;
}

export type AdminRoute = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
) => boolean | Promise<boolean>;

/**
 * The admin listener (node:http is fine here: this is not the data path). It serves health,
 * readiness and state; other capabilities add routes (metrics, cache purge). Never on the public
 * port.
 */
export class AdminServer {
  private readonly server: http.Server;
  private readonly routes: AdminRoute[] = [];

  /** Public so a cluster worker can answer its primary with the same views (src/cluster). */
  constructor(readonly source: AdminSource) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
  }

  addRoute(route: AdminRoute): void {
    this.routes.push(route);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      for (const r of this.routes) if (await r(req, res)) return;
      const path = adminPath(req);
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return sendJson(res, 405, { error: 'method not allowed' });
      switch (path) {
        case '/healthz':
          return sendJson(res, this.source.live() ? 200 : 503, { status: 'ok' });
        case '/readyz': {
          const r = this.source.ready();
          return sendJson(res, r.ready ? 200 : 503, { ready: r.ready, reason: r.reason });
        }
        case '/backends':
          return sendJson(res, 200, this.source.backends());
        default:
          return sendJson(res, 404, { error: 'not found' });
      }
    } catch (err) {
      sendJson(res, 500, { error: String(err) });
    }
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** The path of an admin request, without its query: what every route matches on. */
export function adminPath(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answers with `body` as JSON (never cached); shared by every admin route. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
