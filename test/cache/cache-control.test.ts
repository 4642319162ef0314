import {
  NO_DIRECTIVES,
  parseCacheControl,
  parseDeltaSeconds,
  type CacheControl,
} from '../../src/cache/rules/cache-control';

// RFC 9111 5.2: Cache-Control directives, request and response.
describe('parseCacheControl (RFC 9111 5.2)', () => {
  const cases: Array<[string, string[], Partial<CacheControl>]> = [
    ['no field', [], {}],
    ['max-age', ['max-age=60'], { maxAge: 60 }],
    ['names are case-insensitive (5.2)', ['Max-Age=60, NO-STORE'], { maxAge: 60, noStore: true }],
    ['quoted argument (5.2: quoted-string form)', ['max-age="30"'], { maxAge: 30 }],
    ['s-maxage (5.2.2.10)', ['s-maxage=10, max-age=60'], { sMaxage: 10, maxAge: 60 }],
    [
      'several lines are one list (RFC 9110 5.6.1)',
      ['public', 'max-age=5'],
      { public: true, maxAge: 5 },
    ],
    ['duplicate equal values are fine (4.2.1)', ['max-age=5, max-age=5'], { maxAge: 5 }],
    ['duplicate different values: stale (4.2.1)', ['max-age=5', 'max-age=60'], { maxAge: 0 }],
    ['invalid max-age: stale (5.2)', ['max-age=abc'], { maxAge: 0 }],
    ['negative max-age: stale', ['max-age=-1'], { maxAge: 0 }],
    ['max-age without value: stale', ['max-age'], { maxAge: 0 }],
    [
      'huge delta-seconds capped at 2^31 (1.2.2)',
      ['max-age=99999999999999'],
      { maxAge: 2147483648 },
    ],
    ['bare max-stale: any staleness (5.2.1.2)', ['max-stale'], { maxStale: Infinity }],
    ['max-stale=N', ['max-stale=30'], { maxStale: 30 }],
    ['min-fresh (5.2.1.3)', ['min-fresh=10'], { minFresh: 10 }],
    ['only-if-cached (5.2.1.7)', ['only-if-cached'], { onlyIfCached: true }],
    ['no-cache unqualified (5.2.2.4)', ['no-cache'], { noCache: true, noCacheFields: null }],
    [
      'no-cache qualified with fields',
      ['no-cache="Set-Cookie, X-Foo"'],
      { noCache: false, noCacheFields: ['set-cookie', 'x-foo'] },
    ],
    ['private unqualified (5.2.2.7)', ['private'], { private: true }],
    ['private qualified', ['private="x-user"'], { private: false, privateFields: ['x-user'] }],
    [
      'revalidation directives (5.2.2.2, 5.2.2.8)',
      ['must-revalidate, proxy-revalidate'],
      { mustRevalidate: true, proxyRevalidate: true },
    ],
    [
      'must-understand (5.2.2.3)',
      ['must-understand, no-store'],
      { mustUnderstand: true, noStore: true },
    ],
    [
      'RFC 5861 directives',
      ['stale-while-revalidate=30, stale-if-error=600'],
      { staleWhileRevalidate: 30, staleIfError: 600 },
    ],
    ['unknown directives are ignored (5.2.3)', ['foo=bar, max-age=1, x'], { maxAge: 1 }],
    [
      'comma inside a quoted argument does not split',
      ['no-cache="a,b", max-age=3'],
      { noCacheFields: ['a', 'b'], maxAge: 3 },
    ],
    ['whitespace around items', ['  public ,   max-age=7  '], { public: true, maxAge: 7 }],
  ];
  test.each(cases)('%s', (_name, lines, expected) => {
    expect(parseCacheControl(lines)).toEqual({ ...NO_DIRECTIVES, ...expected });
  });

  test('a message without Cache-Control shares one frozen object (no allocation)', () => {
    expect(parseCacheControl([])).toBe(NO_DIRECTIVES);
    expect(Object.isFrozen(NO_DIRECTIVES)).toBe(true);
  });
});

describe('parseDeltaSeconds (RFC 9111 1.2.2)', () => {
  test.each([
    ['0', 0],
    ['120', 120],
    ['2147483648', 2147483648],
    ['2147483649', 2147483648],
    ['', NaN],
    ['1.5', NaN],
    ['+1', NaN],
    [' 1', NaN],
  ])('%j -> %p', (input, expected) => {
    expect(parseDeltaSeconds(input)).toBe(expected);
  });
});
