import { NO_DIRECTIVES, parseCacheControl } from '../../src/cache/rules/cache-control';
import { whyNotStorable, type StorageOptions } from '../../src/cache/rules/storability';
import { hl } from './helpers';

const DEFAULTS: StorageOptions = { heuristic: false, storeSetCookie: false };

interface Case {
  method?: string;
  auth?: boolean;
  reqCc?: string;
  status?: number;
  fields: string[];
  opts?: Partial<StorageOptions>;
}

function why(c: Case): string | null {
  const headers = hl(...c.fields);
  return whyNotStorable(
    {
      method: c.method ?? 'GET',
      authorization: c.auth ?? false,
      requestCc: c.reqCc === undefined ? NO_DIRECTIVES : parseCacheControl([c.reqCc]),
      status: c.status ?? 200,
      responseCc: parseCacheControl(headers.getAll('cache-control')),
      headers,
    },
    { ...DEFAULTS, ...c.opts },
  );
}

// RFC 9111 section 3 (and 3.5, 5.2.x), with this proxy's stricter defaults.
describe('whyNotStorable (RFC 9111 3)', () => {
  test.each<[string, Case, string | null]>([
    ['GET with max-age', { fields: ['Cache-Control: max-age=60'] }, null],
    ['GET with s-maxage', { fields: ['Cache-Control: s-maxage=60'] }, null],
    ['GET with Expires', { fields: ['Expires: Thu, 01 Jan 2099 00:00:00 GMT'] }, null],
    ['public alone is enough (3)', { fields: ['Cache-Control: public'] }, null],
    [
      'any final status with explicit freshness (3)',
      { status: 302, fields: ['Cache-Control: max-age=60'] },
      null,
    ],
    ['500 with explicit freshness', { status: 500, fields: ['Cache-Control: max-age=5'] }, null],
    [
      'no explicit freshness, heuristics off',
      { fields: ['Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT'] },
      'no-freshness',
    ],
    [
      'heuristically cacheable status with heuristics on',
      { fields: [], opts: { heuristic: true } },
      null,
    ],
    [
      '404 is heuristically cacheable (RFC 9110 15.1)',
      { status: 404, fields: [], opts: { heuristic: true } },
      null,
    ],
    [
      '302 is not heuristically cacheable',
      { status: 302, fields: [], opts: { heuristic: true } },
      'no-freshness',
    ],
    [
      'HEAD responses are not stored',
      { method: 'HEAD', fields: ['Cache-Control: max-age=60'] },
      'method',
    ],
    [
      'POST responses are not stored',
      { method: 'POST', fields: ['Cache-Control: max-age=60'] },
      'method',
    ],
    [
      '206 is never stored as a full response (3.3)',
      { status: 206, fields: ['Cache-Control: max-age=60'] },
      'partial',
    ],
    [
      '304 is not a storable response',
      { status: 304, fields: ['Cache-Control: max-age=60'] },
      'status',
    ],
    ['1xx', { status: 103, fields: ['Cache-Control: max-age=60'] }, 'status'],
    [
      'response no-store (5.2.2.5)',
      { fields: ['Cache-Control: max-age=60, no-store'] },
      'no-store',
    ],
    [
      'request no-store (5.2.1.5)',
      { reqCc: 'no-store', fields: ['Cache-Control: max-age=60'] },
      'no-store',
    ],
    [
      'must-understand overrides no-store for a known status (5.2.2.3)',
      { fields: ['Cache-Control: max-age=60, no-store, must-understand'] },
      null,
    ],
    [
      'must-understand with an unknown status: not stored',
      { status: 299, fields: ['Cache-Control: max-age=60, must-understand'] },
      'status',
    ],
    ['private (5.2.2.7)', { fields: ['Cache-Control: private, max-age=60'] }, 'private'],
    [
      'qualified private is storable minus the field',
      { fields: ['Cache-Control: private="x-user", max-age=60'] },
      null,
    ],
    [
      'Authorization without permission (3.5)',
      { auth: true, fields: ['Cache-Control: max-age=60'] },
      'authorization',
    ],
    [
      'Authorization with public (3.5)',
      { auth: true, fields: ['Cache-Control: public, max-age=60'] },
      null,
    ],
    [
      'Authorization with s-maxage (3.5)',
      { auth: true, fields: ['Cache-Control: s-maxage=60'] },
      null,
    ],
    [
      'Authorization with must-revalidate (3.5)',
      { auth: true, fields: ['Cache-Control: max-age=60, must-revalidate'] },
      null,
    ],
    [
      'Set-Cookie, not configured',
      { fields: ['Cache-Control: max-age=60', 'Set-Cookie: a=b'] },
      'set-cookie',
    ],
    [
      'Set-Cookie, configured',
      { fields: ['Cache-Control: max-age=60', 'Set-Cookie: a=b'], opts: { storeSetCookie: true } },
      null,
    ],
    [
      'Vary: * is never served, so never stored (4.1)',
      { fields: ['Cache-Control: max-age=60', 'Vary: Accept, *'] },
      'vary-star',
    ],
    [
      'Vary with names is fine',
      { fields: ['Cache-Control: max-age=60', 'Vary: Accept-Encoding'] },
      null,
    ],
  ])('%s', (_n, c, expected) => {
    expect(why(c)).toBe(expected);
  });
});

describe('cache.statuses: which status codes may be stored', () => {
  const only = { statuses: new Set([200, 301]) };
  test.each([
    [200, null],
    [301, null],
    [404, 'status'],
    [500, 'status'],
  ])('status %d with max-age and statuses [200, 301] -> %s', (status, reason) => {
    expect(why({ status, fields: ['Cache-Control: max-age=60'], opts: only })).toBe(reason);
  });
  test('empty or absent: any final status RFC 9111 allows', () => {
    expect(
      why({ status: 404, fields: ['Cache-Control: max-age=60'], opts: { statuses: new Set() } }),
    ).toBeNull();
    expect(why({ status: 404, fields: ['Cache-Control: max-age=60'] })).toBeNull();
  });
});
