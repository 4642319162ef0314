import { NO_DIRECTIVES, parseCacheControl } from '../../src/cache/rules/cache-control';
import {
  effectiveRequestDirectives,
  requestDirectives,
} from '../../src/cache/rules/request-directives';
import { decideReuse, staleIfErrorAllowed, type Reuse } from '../../src/cache/rules/reuse';
import { hl } from './helpers';

const cc = (v: string) => (v === '' ? NO_DIRECTIVES : parseCacheControl([v]));

// RFC 9111 4.2 (fresh/stale), 4.2.4 (serving stale), 5.2.1 (request directives), RFC 5861.
describe('decideReuse', () => {
  test.each<
    [string, { lifetime: number; age: number; res?: string; req?: string; swr?: number }, Reuse]
  >([
    ['fresh: age below lifetime (4.2)', { lifetime: 60, age: 10 }, 'fresh'],
    ['stale: age reached lifetime', { lifetime: 60, age: 60 }, 'revalidate'],
    ['lifetime 0 is stale at once', { lifetime: 0, age: 0 }, 'revalidate'],
    [
      'response no-cache: always validated (5.2.2.4)',
      { lifetime: 60, age: 1, res: 'no-cache, max-age=60' },
      'revalidate',
    ],
    [
      'request no-cache: validate (5.2.1.4)',
      { lifetime: 60, age: 1, req: 'no-cache' },
      'revalidate',
    ],
    [
      'request max-age=0: a reload, validate (5.2.1.1)',
      { lifetime: 60, age: 0, req: 'max-age=0' },
      'revalidate',
    ],
    [
      'request max-age below the age (5.2.1.1)',
      { lifetime: 60, age: 20, req: 'max-age=10' },
      'revalidate',
    ],
    ['request max-age above the age', { lifetime: 60, age: 5, req: 'max-age=10' }, 'fresh'],
    ['min-fresh satisfied (5.2.1.3)', { lifetime: 60, age: 10, req: 'min-fresh=30' }, 'fresh'],
    [
      'min-fresh not satisfied (5.2.1.3)',
      { lifetime: 60, age: 40, req: 'min-fresh=30' },
      'revalidate',
    ],
    [
      'max-stale accepts stale (5.2.1.2)',
      { lifetime: 60, age: 70, req: 'max-stale=20' },
      'stale-ok',
    ],
    ['max-stale too small', { lifetime: 60, age: 90, req: 'max-stale=20' }, 'revalidate'],
    [
      'bare max-stale accepts any staleness',
      { lifetime: 60, age: 1e6, req: 'max-stale' },
      'stale-ok',
    ],
    [
      'max-stale never beats must-revalidate (5.2.2.2)',
      { lifetime: 60, age: 70, res: 'must-revalidate', req: 'max-stale' },
      'revalidate',
    ],
    [
      'max-stale never beats proxy-revalidate (5.2.2.8)',
      { lifetime: 60, age: 70, res: 'proxy-revalidate', req: 'max-stale' },
      'revalidate',
    ],
    [
      'max-stale never beats s-maxage (5.2.2.10)',
      { lifetime: 60, age: 70, res: 's-maxage=60', req: 'max-stale' },
      'revalidate',
    ],
    [
      'stale-while-revalidate window (RFC 5861 3)',
      { lifetime: 60, age: 70, res: 'max-age=60, stale-while-revalidate=30' },
      'stale-while-revalidate',
    ],
    [
      'past the stale-while-revalidate window',
      { lifetime: 60, age: 100, res: 'max-age=60, stale-while-revalidate=30' },
      'revalidate',
    ],
    [
      'configured default stale-while-revalidate',
      { lifetime: 60, age: 70, swr: 15 },
      'stale-while-revalidate',
    ],
    [
      'stale-while-revalidate forbidden by must-revalidate (4.2.4)',
      { lifetime: 60, age: 70, res: 'must-revalidate, stale-while-revalidate=30' },
      'revalidate',
    ],
    [
      'stale-while-revalidate forbidden by s-maxage',
      { lifetime: 60, age: 70, res: 's-maxage=60, stale-while-revalidate=30' },
      'revalidate',
    ],
    [
      'stale-while-revalidate forbidden by no-cache',
      { lifetime: 60, age: 70, res: 'no-cache, stale-while-revalidate=30' },
      'revalidate',
    ],
    [
      'a client reload beats stale-while-revalidate',
      { lifetime: 60, age: 70, res: 'stale-while-revalidate=30', req: 'no-cache' },
      'revalidate',
    ],
  ])('%s', (_n, f, expected) => {
    expect(
      decideReuse({
        lifetime: f.lifetime,
        age: f.age,
        responseCc: cc(f.res ?? ''),
        requestCc: cc(f.req ?? ''),
        defaultStaleWhileRevalidate: f.swr ?? 0,
      }),
    ).toBe(expected);
  });
});

describe('staleIfErrorAllowed (RFC 5861 4, RFC 9111 4.2.4)', () => {
  test.each<[string, string, string, number, number, boolean]>([
    ['within the response window', 'max-age=60, stale-if-error=100', '', 50, 0, true],
    ['past the response window', 'max-age=60, stale-if-error=100', '', 150, 0, false],
    ['configured default window', 'max-age=60', '', 50, 60, true],
    ['no window at all', 'max-age=60', '', 1, 0, false],
    ['the request may ask for it', 'max-age=60', 'stale-if-error=100', 50, 0, true],
    [
      'never with must-revalidate',
      'max-age=60, must-revalidate, stale-if-error=100',
      '',
      50,
      100,
      false,
    ],
    [
      'never with proxy-revalidate',
      'max-age=60, proxy-revalidate, stale-if-error=100',
      '',
      50,
      100,
      false,
    ],
    ['never with s-maxage', 's-maxage=60, stale-if-error=100', '', 50, 100, false],
    ['never with no-cache', 'no-cache, stale-if-error=100', '', 50, 100, false],
    ['a still-fresh response may always stand in', 'max-age=60', '', -5, 0, true],
  ])('%s', (_n, res, req, staleness, defaultWindow, expected) => {
    expect(staleIfErrorAllowed(cc(res), cc(req), staleness, defaultWindow)).toBe(expected);
  });
});

describe('request directives (RFC 9111 5.2.1, 5.4)', () => {
  test('Pragma: no-cache counts when there is no Cache-Control (5.4)', () => {
    expect(requestDirectives(hl('Pragma: no-cache')).noCache).toBe(true);
    expect(requestDirectives(hl('Pragma: no-cache', 'Cache-Control: max-stale')).noCache).toBe(
      false,
    );
    expect(requestDirectives(hl('Pragma: foo')).noCache).toBe(false);
  });

  test('honorClientNoCache off drops no-cache and max-age, keeps the rest (5.2.1 advisory)', () => {
    const parsed = requestDirectives(hl('Cache-Control: no-cache, max-age=0, only-if-cached'));
    const kept = effectiveRequestDirectives(parsed, true);
    expect(kept).toBe(parsed);
    const dropped = effectiveRequestDirectives(parsed, false);
    expect(dropped.noCache).toBe(false);
    expect(dropped.maxAge).toBeUndefined();
    expect(dropped.onlyIfCached).toBe(true);
  });
});
