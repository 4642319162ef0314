import { ClientError } from '../../src/client/errors';
import {
  buildRequestHead,
  parseHeaderArg,
  parseMethod,
  type UserHeader,
} from '../../src/client/request';
import { parseUrl } from '../../src/client/url';
import {
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  parseRequestHead,
  requestFraming,
} from '../../src/http';

const UA = 'rrproxy-client/9.9.9';

function head(
  method: string,
  url: string,
  opts: { headers?: UserHeader[]; bodyLength?: number | null; keepAlive?: boolean } = {},
): string {
  return buildRequestHead({
    method,
    url: parseUrl(url),
    headers: opts.headers ?? [],
    bodyLength: opts.bodyLength ?? null,
    userAgent: UA,
    keepAlive: opts.keepAlive ?? false,
  });
}

describe('buildRequestHead: exact bytes', () => {
  it('GET', () => {
    expect(head('GET', 'http://example.com/index.html?a=1')).toBe(
      'GET /index.html?a=1 HTTP/1.1\r\n' +
        'Host: example.com\r\n' +
        `User-Agent: ${UA}\r\n` +
        'Accept: */*\r\n' +
        'Connection: close\r\n' +
        '\r\n',
    );
  });

  it('HEAD with a port and keep-alive (no Connection field)', () => {
    expect(head('HEAD', 'http://127.0.0.1:8080/', { keepAlive: true })).toBe(
      'HEAD / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n' + `User-Agent: ${UA}\r\nAccept: */*\r\n\r\n`,
    );
  });

  it('POST with a body: Content-Length last, after the user headers', () => {
    expect(
      head('POST', 'http://h/upload', {
        headers: [{ name: 'Content-Type', value: 'application/json' }],
        bodyLength: 13,
      }),
    ).toBe(
      'POST /upload HTTP/1.1\r\nHost: h\r\n' +
        `User-Agent: ${UA}\r\nAccept: */*\r\nConnection: close\r\n` +
        'Content-Type: application/json\r\nContent-Length: 13\r\n\r\n',
    );
  });

  it('POST, PUT and PATCH without a body send Content-Length: 0 (RFC 9110 8.6); GET and DELETE do not', () => {
    for (const m of ['POST', 'PUT', 'PATCH'])
      expect(head(m, 'http://h/')).toContain('\r\nContent-Length: 0\r\n\r\n');
    for (const m of ['GET', 'DELETE', 'OPTIONS'])
      expect(head(m, 'http://h/')).not.toContain('Content-Length');
  });

  it('DELETE, PUT and custom methods go out as given', () => {
    expect(head('DELETE', 'http://h/x')).toMatch(/^DELETE \/x HTTP\/1\.1\r\n/);
    expect(head('PUT', 'http://h/x', { bodyLength: 2 })).toMatch(
      /^PUT \/x HTTP\/1\.1\r\n[^]*Content-Length: 2\r\n\r\n$/,
    );
    expect(head('PURGE', 'http://h/x')).toMatch(/^PURGE \/x HTTP\/1\.1\r\n/);
  });

  it('IPv6 Host in brackets', () => {
    expect(head('GET', 'http://[::1]:9000/')).toContain('\r\nHost: [::1]:9000\r\n');
  });

  it('the encoded target goes on the request line', () => {
    expect(head('GET', 'http://h/a b?c=d e')).toMatch(/^GET \/a%20b\?c=d%20e HTTP\/1\.1\r\n/);
  });

  it('-H replaces a default field in place, repeats add, "Name:" removes', () => {
    const h = head('GET', 'http://h/', {
      headers: [
        { name: 'user-agent', value: 'mine/1' },
        { name: 'X-A', value: '1' },
        { name: 'X-A', value: '2' },
        { name: 'Accept', value: null },
        { name: 'Host', value: 'virtual.example' },
      ],
    });
    expect(h).toBe(
      'GET / HTTP/1.1\r\nHost: virtual.example\r\nuser-agent: mine/1\r\nConnection: close\r\nX-A: 1\r\nX-A: 2\r\n\r\n',
    );
  });

  it('URL credentials become Basic authorization (RFC 7617)', () => {
    expect(head('GET', 'http://al%20ice:s3cret@h/')).toContain(
      `\r\nAuthorization: Basic ${Buffer.from('al ice:s3cret').toString('base64')}\r\n`,
    );
  });

  it('is parsed back by our own request parser with the same meaning', () => {
    const bytes = Buffer.from(
      head('POST', 'http://h:81/p?q', { bodyLength: 5, headers: [{ name: 'X-T', value: 'v' }] }),
      'latin1',
    );
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    const end = scanner.push(bytes, 0);
    expect(end).toBe(bytes.length);
    const parsed = parseRequestHead(
      scanner.headBuf,
      scanner.headStart,
      scanner.headLineEnd,
      scanner.headEnd,
    );
    expect(parsed.method).toBe('POST');
    expect(parsed.target).toBe('/p?q');
    expect(parsed.headers.get('host')).toBe('h:81');
    expect(parsed.headers.get('x-t')).toBe('v');
    expect(requestFraming(parsed)).toEqual({ kind: 'length', length: 5 });
  });
});

describe('parseHeaderArg', () => {
  it('parses "Name: value", trims, and keeps the name case', () => {
    expect(parseHeaderArg('X-Thing:  a b ')).toEqual({ name: 'X-Thing', value: 'a b' });
  });
  it('"Name:" removes, "Name;" sends empty', () => {
    expect(parseHeaderArg('Accept:')).toEqual({ name: 'Accept', value: null });
    expect(parseHeaderArg('X-Empty;')).toEqual({ name: 'X-Empty', value: '' });
  });
  it.each([
    ['NoColon', /Name: value/],
    ['Bad Name: x', /invalid header name/],
    [': x', /invalid header name/],
    ['X: a\r\nInjected: 1', /CR, LF or NUL/],
    ['Content-Length: 5', /set by the client/],
    ['transfer-encoding: chunked', /set by the client/],
    ['X: \u2603', /latin1/],
  ])('refuses %j', (arg, message) => {
    let caught: unknown;
    try {
      parseHeaderArg(arg);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ClientError);
    expect((caught as ClientError).code).toBe('RRC_ERR_USAGE');
    expect((caught as ClientError).message).toMatch(message);
  });
});

describe('parseMethod', () => {
  it('accepts tokens and refuses anything that would break the request line', () => {
    expect(parseMethod('PATCH')).toBe('PATCH');
    expect(() => parseMethod('GET /x')).toThrow(ClientError);
    expect(() => parseMethod('')).toThrow(ClientError);
  });
});
