import { ProxyError } from '../../src/errors';
import { isValidAuthority, parseRequestTarget, rewritePath } from '../../src/proxy/request-target';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProxyError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('parseRequestTarget (RFC 9112 3.2)', () => {
  test.each([
    ['GET', '/a/b?c=d', '/a/b?c=d', null],
    ['GET', 'http://example.com/p?q', '/p?q', 'example.com'],
    ['GET', 'HTTP://Example.com:8080', '/', 'Example.com:8080'],
    ['GET', 'http://example.com?x=1', '/?x=1', 'example.com'],
    ['GET', 'https://[2001:db8::1]:443/x', '/x', '[2001:db8::1]:443'],
    ['OPTIONS', '*', '*', null],
    ['OPTIONS', 'http://example.com', '*', 'example.com'],
    ['OPTIONS', 'http://example.com/', '/', 'example.com'],
  ])('%s %s -> %s', (method, target, path, authority) => {
    expect(parseRequestTarget(method, target)).toEqual({ path, authority });
  });

  test.each([
    ['CONNECT', 'example.com:443', 'RRP_ERR_NOT_IMPLEMENTED'],
    ['GET', 'example.com:443', 'RRP_ERR_NOT_IMPLEMENTED'],
    ['GET', '*', 'RRP_ERR_BAD_REQUEST'],
    ['GET', 'ftp://example.com/', 'RRP_ERR_BAD_REQUEST'],
    ['GET', 'http://user:pw@example.com/', 'RRP_ERR_BAD_REQUEST'],
    ['GET', 'http:///nohost', 'RRP_ERR_BAD_REQUEST'],
    ['GET', 'relative/path', 'RRP_ERR_BAD_REQUEST'],
    ['GET', 'http://example.com#frag', 'RRP_ERR_BAD_REQUEST'],
  ])('%s %s -> %s', (method, target, code) => {
    expect(codeOf(() => parseRequestTarget(method, target))).toBe(code);
  });
});

test.each([
  ['example.com', true],
  ['example.com:8080', true],
  ['127.0.0.1:80', true],
  ['[::1]:8080', true],
  ['[::1]', true],
  ['', false],
  ['exa mple.com', false],
  ['a/b', false],
  ['host:80:80', false],
  ['host:123456', false],
  ['[zz::1]', false],
])('isValidAuthority(%j) = %s', (v, ok) => {
  expect(isValidAuthority(v)).toBe(ok);
});

describe('rewritePath: prefixes match at a segment boundary', () => {
  test.each([
    ['/api', '/api', '', '/'],
    ['/api/x', '/api', '', '/x'],
    ['/api?q=1', '/api', '', '/?q=1'],
    ['/apiary', '/api', '', '/apiary'],
    ['/other', '/api', '', '/other'],
    ['/x', '', '/v1', '/v1/x'],
    ['/', '', '/v1', '/v1/'],
    ['/api/x', '/api', '/v2', '/v2/x'],
    ['*', '/api', '/v1', '*'],
  ])('%s strip=%s add=%s -> %s', (path, strip, add, out) => {
    expect(rewritePath(path, strip, add)).toBe(out);
  });
});
