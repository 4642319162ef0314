import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as http from 'node:http';
import { adminPath, sendJson, type AdminRoute } from '../observability/admin-server';

/**
 * What the purge route acts on: the cache of this process, or (a Promise) the caches of the
 * workers of a --workers primary (src/cluster).
 */
export interface Purgeable {
  purge(target: string): number | Promise<number>;
  purgeAll(): number | Promise<number>;
}

export interface PurgeRouteOptions {
  /** Token from config; '' when none. */
  readonly token: string;
  /** File holding the token (a mounted Kubernetes Secret); '' when none. Read per request, so a
   * rotated Secret takes effect without a restart. */
  readonly tokenFile: string;
}

const MAX_BODY_BYTES = 16 * 1024;
const PATH = '/cache/purge';

/**
 * The admin cache purge endpoint (admin port only, never the public one):
 *
 *   POST /cache/purge  {"url": "http://host/path?q"} | {"url": "/path?q"} | {"all": true}
 *   PURGE /path?q      (the path under every host)
 *
 * with `Authorization: Bearer <token>`. Answers 200 {"purged": n}, 400 for a bad body, 401
 * without the right token. With no token configured the endpoint does not exist (404).
 *
 * It purges THIS process's cache only: with several replicas each holds its own cache, and a
 * purge must be sent to every pod (e.g. to each endpoint of the admin Service).
 */
export function cachePurgeRoute(cache: Purgeable, opts: PurgeRouteOptions): AdminRoute {
  return async (req, res) => {
    const url = req.url ?? '/';
    const isPost = req.method === 'POST' && adminPath(req) === PATH;
    const isPurge = req.method === 'PURGE';
    if (!isPost && !isPurge) return false;
    const expected = await configuredToken(opts);
    if (expected === '') {
      sendJson(res, 404, { error: 'not found' });
      return true;
    }
    if (!bearerMatches(req.headers.authorization, expected)) {
      res.setHeader('www-authenticate', 'Bearer realm="rrproxy-admin"');
      sendJson(res, 401, { error: 'unauthorized' });
      return true;
    }
    if (isPurge) {
      sendJson(res, 200, { purged: await cache.purge(url) });
      return true;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      sendJson(res, 400, { error: `invalid JSON body: ${String(err)}` });
      return true;
    }
    const target = purgeTarget(body);
    if (typeof target !== 'object') {
      sendJson(res, 400, { error: target });
      return true;
    }
    const purged = await (target.all ? cache.purgeAll() : cache.purge(target.url));
    sendJson(res, 200, { purged });
    return true;
  };
}

/** Validates the JSON body: {url} (absolute http(s) URL or a path) or {all: true}. */
export function purgeTarget(body: unknown): { all: true } | { all: false; url: string } | string {
  if (typeof body !== 'object' || body === null) return 'expected {"url": "..."} or {"all": true}';
  const b = body as Record<string, unknown>;
  if (b['all'] === true) return { all: true };
  const url = b['url'];
  if (typeof url !== 'string' || url === '') return 'expected {"url": "..."} or {"all": true}';
  if (url.startsWith('/')) return { all: false, url };
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return { all: false, url };
  } catch {
    // fall through
  }
  return `'${url}' is neither a path nor an http(s) URL`;
}

async function configuredToken(opts: PurgeRouteOptions): Promise<string> {
  if (opts.token !== '') return opts.token;
  if (opts.tokenFile === '') return '';
  try {
    return (await readFile(opts.tokenFile, 'utf8')).trim();
  } catch {
    // An unreadable file disables purging rather than opening it.
    return '';
  }
}

function bearerMatches(header: string | undefined, expected: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (m === null) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(expected);
  // Constant time, so the token cannot be guessed byte by byte from response timing.
  return given.length === want.length && timingSafeEqual(given, want);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    req.on('data', (d: Buffer) => {
      n += d.length;
      if (n > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}
