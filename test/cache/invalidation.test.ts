import { invalidationTargets, isSafeMethod } from '../../src/cache/rules/invalidation';
import { hl } from './helpers';

const target = { host: 'example.com', path: '/items/1?x=1' };

// RFC 9111 4.4: invalidation after unsafe requests.
describe('invalidationTargets (RFC 9111 4.4)', () => {
  test.each<[string, string, number, string[], string[]]>([
    ['GET never invalidates', 'GET', 200, [], []],
    ['HEAD never invalidates', 'HEAD', 200, [], []],
    ['POST 201: the target URI', 'POST', 201, [], ['/items/1?x=1']],
    ['PUT 204', 'PUT', 204, [], ['/items/1?x=1']],
    ['DELETE 200', 'DELETE', 200, [], ['/items/1?x=1']],
    ['PATCH 302 (3xx is non-error)', 'PATCH', 302, [], ['/items/1?x=1']],
    ['an unknown method counts as unsafe', 'FROB', 200, [], ['/items/1?x=1']],
    ['an error status does not invalidate', 'POST', 500, [], []],
    ['a 4xx does not invalidate', 'POST', 404, [], []],
    [
      'relative Location of the same origin',
      'POST',
      201,
      ['Location: /items/2'],
      ['/items/1?x=1', '/items/2'],
    ],
    [
      'relative Location resolved against the target',
      'POST',
      201,
      ['Location: 3'],
      ['/items/1?x=1', '/items/3'],
    ],
    [
      'absolute Content-Location of the same host',
      'PUT',
      200,
      ['Content-Location: http://example.com/items/1/v2'],
      ['/items/1?x=1', '/items/1/v2'],
    ],
    [
      'another host is not invalidated',
      'POST',
      201,
      ['Location: http://evil.example/items/1'],
      ['/items/1?x=1'],
    ],
    [
      'both fields',
      'POST',
      201,
      ['Location: /a', 'Content-Location: /b'],
      ['/items/1?x=1', '/a', '/b'],
    ],
    ['no duplicates', 'POST', 201, ['Location: /items/1?x=1'], ['/items/1?x=1']],
  ])('%s', (_n, method, status, fields, expected) => {
    const out = invalidationTargets(method, status, target, hl(...fields));
    expect(out.map((t) => t.path)).toEqual(expected);
    for (const t of out) expect(t.host).toBe('example.com');
  });

  test('safe methods (RFC 9110 9.2.1)', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) expect(isSafeMethod(m)).toBe(true);
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'FROB']) expect(isSafeMethod(m)).toBe(false);
  });
});
