import { ClientError } from '../../src/client/errors';
import {
  parseProxyAddress,
  parseUrl,
  percentDecode,
  percentEncode,
  removeDotSegments,
  resolveUrl,
  sameOrigin,
} from '../../src/client/url';

function badUrl(input: string): ClientError {
  try {
    parseUrl(input);
  } catch (err) {
    if (err instanceof ClientError) return err;
    throw err;
  }
  throw new Error(`parseUrl('${input}') did not fail`);
}

describe('parseUrl', () => {
  it('splits a plain http URL', () => {
    const u = parseUrl('http://Example.COM:8080/a/b?x=1#frag');
    expect(u).toMatchObject({
      host: 'example.com',
      port: 8080,
      hostHeader: 'example.com:8080',
      target: '/a/b?x=1',
      credentials: null,
      href: 'http://example.com:8080/a/b?x=1',
    });
  });

  it('uses port 80 and leaves it out of Host', () => {
    const u = parseUrl('http://example.com');
    expect(u.port).toBe(80);
    expect(u.hostHeader).toBe('example.com');
    expect(u.target).toBe('/');
  });

  it('keeps an explicit non-default port, drops an explicit :80 and an empty port', () => {
    expect(parseUrl('http://h:80/').hostHeader).toBe('h');
    expect(parseUrl('http://h:/').port).toBe(80);
    expect(parseUrl('http://h:8081/').hostHeader).toBe('h:8081');
  });

  it('takes a URL without scheme as http, like curl', () => {
    expect(parseUrl('127.0.0.1:9000/x').hostHeader).toBe('127.0.0.1:9000');
    expect(parseUrl('localhost:9000/x').port).toBe(9000);
    expect(parseUrl('localhost').target).toBe('/');
  });

  it('parses IPv6 literals with brackets in Host and none for connecting', () => {
    const u = parseUrl('http://[::1]:8080/p');
    expect(u.host).toBe('::1');
    expect(u.port).toBe(8080);
    expect(u.hostHeader).toBe('[::1]:8080');
    expect(parseUrl('http://[2001:DB8::1]/').hostHeader).toBe('[2001:db8::1]');
  });

  it('percent-encodes spaces, non-ASCII and unsafe characters, keeping existing escapes', () => {
    expect(parseUrl('http://h/a b/ü?q=x y&z="1"').target).toBe('/a%20b/%C3%BC?q=x%20y&z=%221%22');
    expect(parseUrl('http://h/already%20done/%2F').target).toBe('/already%20done/%2F');
    expect(parseUrl('http://h/100%/x').target).toBe('/100%25/x');
    expect(parseUrl('http://h/{a}|b^').target).toBe('/%7Ba%7D%7Cb%5E');
    expect(parseUrl('http://h/😀').target).toBe('/%F0%9F%98%80');
  });

  it('keeps the path as given (no dot-segment removal), drops the fragment', () => {
    expect(parseUrl('http://h/a/../b#x').target).toBe('/a/../b');
    expect(parseUrl('http://h?q').target).toBe('/?q');
  });

  it('reads credentials and leaves them out of href', () => {
    const u = parseUrl('http://us%40er:p%3Ass@h/');
    expect(u.credentials).toEqual({ user: 'us@er', password: 'p:ss' });
    expect(u.href).toBe('http://h/');
  });

  it('turns international names into their ASCII form', () => {
    expect(parseUrl('http://bücher.example/').host).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['https://example.com/', /https is not supported/],
    ['ftp://example.com/', /unsupported scheme 'ftp'/],
    ['mailto:someone', /unsupported scheme 'mailto'/],
    ['http://', /missing host/],
    ['http://h:99999/', /out of range/],
    ['http://h:0/', /out of range/],
    ['http://h:8x/', /invalid port/],
    ['http://::1/', /brackets/],
    ['http://[::1/', /missing '\]'/],
    ['http://[zz::1]/', /not an IPv6 address/],
    ['http://ex ample.com/', /invalid host name/],
    ['http://h/a\nb', /control character/],
    ['', /empty/],
  ])('refuses %j', (input, message) => {
    const err = badUrl(input);
    expect(err.code).toBe('RRC_ERR_BAD_URL');
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(message);
  });
});

describe('percent coding', () => {
  it('round-trips UTF-8', () => {
    expect(percentDecode(percentEncode('a b/ü?'))).toBe('a b/ü%3F'.replace('%3F', '?'));
    expect(percentDecode('%2e%2E%2f')).toBe('../');
    expect(percentDecode('%zz')).toBe('%zz');
  });
});

describe('removeDotSegments (RFC 3986 5.2.4)', () => {
  it.each([
    ['/a/b/c/./../../g', '/a/g'],
    ['/a/b/..', '/a/'],
    ['/../x', '/x'],
    ['/a/./b', '/a/b'],
    ['/', '/'],
  ])('%s -> %s', (input, out) => {
    expect(removeDotSegments(input)).toBe(out);
  });
});

describe('resolveUrl (redirect Location)', () => {
  const base = parseUrl('http://u:p@h:8080/dir/page?q=1');
  it.each([
    ['http://other/x', 'http://other/x'],
    ['//other:81/y', 'http://other:81/y'],
    ['/abs?z', 'http://h:8080/abs?z'],
    ['rel', 'http://h:8080/dir/rel'],
    ['../up', 'http://h:8080/up'],
    ['?only=query', 'http://h:8080/dir/page?only=query'],
    ['', 'http://h:8080/dir/page?q=1'],
    ['#frag', 'http://h:8080/dir/page?q=1'],
    ['/sp ace', 'http://h:8080/sp%20ace'],
  ])('%j -> %s', (loc, href) => {
    expect(resolveUrl(base, loc).href).toBe(href);
  });

  it('keeps credentials on the same origin only', () => {
    expect(resolveUrl(base, '/x').credentials).toEqual({ user: 'u', password: 'p' });
    expect(resolveUrl(base, 'http://other/').credentials).toBeNull();
  });

  it('refuses a redirect to https', () => {
    expect(() => resolveUrl(base, 'https://h/')).toThrow(/https is not supported/);
  });

  it('compares origins by host and port', () => {
    expect(sameOrigin(base, resolveUrl(base, '/x'))).toBe(true);
    expect(sameOrigin(base, parseUrl('http://h:8081/'))).toBe(false);
    expect(sameOrigin(base, parseUrl('http://H:8080/'))).toBe(true);
  });
});

describe('parseProxyAddress', () => {
  it('accepts host:port, [v6]:port and http://host:port', () => {
    expect(parseProxyAddress('127.0.0.1:9000')).toEqual({
      host: '127.0.0.1',
      port: 9000,
      label: '127.0.0.1:9000',
    });
    expect(parseProxyAddress('[::1]:9000')).toMatchObject({ host: '::1', port: 9000 });
    expect(parseProxyAddress('http://proxy:3128/')).toMatchObject({ host: 'proxy', port: 3128 });
  });
  it('refuses a URL with a path', () => {
    expect(() => parseProxyAddress('http://proxy/x')).toThrow(/host:port/);
  });
});
