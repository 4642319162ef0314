import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { cachePurgeRoute, purgeTarget, type Purgeable } from '../../src/cache/purge-route';
import { cacheStatsRoute } from '../../src/cache/stats-route';
import { AdminServer } from '../../src/observability/admin-server';

class FakeCache implements Purgeable {
  readonly calls: string[] = [];
  purge(target: string): number {
    this.calls.push(target);
    return 1;
  }
  purgeAll(): number {
    this.calls.push('*');
    return 7;
  }
}

function call(
  port: number,
  method: string,
  pathname: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: pathname, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function withAdmin(
  opts: { token: string; tokenFile: string },
  fn: (port: number, cache: FakeCache) => Promise<void>,
): Promise<void> {
  const cache = new FakeCache();
  const admin = new AdminServer({
    live: () => true,
    ready: () => ({ ready: true, reason: 'ok' }),
    backends: () => [],
  });
  admin.addRoute(cachePurgeRoute(cache, opts));
  admin.addRoute(cacheStatsRoute({ snapshot: () => ({ entries: cache.calls.length }) }));
  const addr = await admin.listen('127.0.0.1', 0);
  try {
    await fn(addr.port, cache);
  } finally {
    await admin.close();
  }
}

const AUTH = { authorization: 'Bearer s3cret', 'content-type': 'application/json' };

describe('admin cache purge route', () => {
  test('POST /cache/purge {url} and {all} with the bearer token', async () => {
    await withAdmin({ token: 's3cret', tokenFile: '' }, async (port, cache) => {
      expect(
        await call(port, 'POST', '/cache/purge', AUTH, JSON.stringify({ url: 'http://h/a?b' })),
      ).toEqual({
        status: 200,
        body: '{"purged":1}\n',
      });
      expect((await call(port, 'POST', '/cache/purge', AUTH, '{"all":true}')).body).toBe(
        '{"purged":7}\n',
      );
      expect(cache.calls).toEqual(['http://h/a?b', '*']);
    });
  });

  test('PURGE /path purges that path', async () => {
    await withAdmin({ token: 's3cret', tokenFile: '' }, async (port, cache) => {
      expect((await call(port, 'PURGE', '/x/y?z=1', AUTH)).status).toBe(200);
      expect(cache.calls).toEqual(['/x/y?z=1']);
    });
  });

  test('401 without the token or with a wrong one; nothing purged', async () => {
    await withAdmin({ token: 's3cret', tokenFile: '' }, async (port, cache) => {
      expect((await call(port, 'POST', '/cache/purge', {}, '{"all":true}')).status).toBe(401);
      expect(
        (await call(port, 'POST', '/cache/purge', { authorization: 'Bearer nope' }, '{"all":true}'))
          .status,
      ).toBe(401);
      expect(
        (
          await call(
            port,
            'POST',
            '/cache/purge',
            { authorization: 'Basic czNjcmV0' },
            '{"all":true}',
          )
        ).status,
      ).toBe(401);
      expect((await call(port, 'PURGE', '/a', { authorization: 'Bearer s3cre' })).status).toBe(401);
      expect(cache.calls).toEqual([]);
    });
  });

  test('400 for a bad body', async () => {
    await withAdmin({ token: 's3cret', tokenFile: '' }, async (port) => {
      expect((await call(port, 'POST', '/cache/purge', AUTH, 'not json')).status).toBe(400);
      expect((await call(port, 'POST', '/cache/purge', AUTH, '{"url":"ftp://x/"}')).status).toBe(
        400,
      );
      expect((await call(port, 'POST', '/cache/purge', AUTH, '{}')).status).toBe(400);
    });
  });

  test('no token configured: the endpoint does not exist (404)', async () => {
    await withAdmin({ token: '', tokenFile: '' }, async (port, cache) => {
      expect((await call(port, 'POST', '/cache/purge', AUTH, '{"all":true}')).status).toBe(404);
      expect((await call(port, 'PURGE', '/a', AUTH)).status).toBe(404);
      expect(cache.calls).toEqual([]);
      // Other admin routes are untouched.
      expect((await call(port, 'GET', '/healthz')).status).toBe(200);
    });
  });

  test('token from a file (a mounted Secret), re-read on each request', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rrproxy-purge-'));
    const file = path.join(dir, 'token');
    try {
      writeFileSync(file, 'first\n');
      await withAdmin({ token: '', tokenFile: file }, async (port) => {
        expect((await call(port, 'PURGE', '/a', { authorization: 'Bearer first' })).status).toBe(
          200,
        );
        writeFileSync(file, 'second');
        expect((await call(port, 'PURGE', '/a', { authorization: 'Bearer first' })).status).toBe(
          401,
        );
        expect((await call(port, 'PURGE', '/a', { authorization: 'Bearer second' })).status).toBe(
          200,
        );
        rmSync(file);
        // An unreadable file disables purging.
        expect((await call(port, 'PURGE', '/a', { authorization: 'Bearer second' })).status).toBe(
          404,
        );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GET /cache/stats reports the counters', async () => {
    await withAdmin({ token: 's3cret', tokenFile: '' }, async (port) => {
      await call(port, 'PURGE', '/a', AUTH);
      expect(await call(port, 'GET', '/cache/stats')).toEqual({
        status: 200,
        body: '{"entries":1}\n',
      });
    });
  });

  test('purgeTarget validation', () => {
    expect(purgeTarget({ all: true })).toEqual({ all: true });
    expect(purgeTarget({ url: '/a' })).toEqual({ all: false, url: '/a' });
    expect(purgeTarget({ url: 'https://h/a' })).toEqual({ all: false, url: 'https://h/a' });
    expect(typeof purgeTarget({ url: 'h/a' })).toBe('string');
    expect(typeof purgeTarget(null)).toBe('string');
    expect(typeof purgeTarget({ all: 'yes' })).toBe('string');
  });
});
