/**
 * Every way a head is refused, with its code. A rejection must not depend on how the bytes were
 * split, so each case is also fed at every split point and byte by byte.
 *
 * Response heads are rejected with the same parse codes (RRP_ERR_BAD_REQUEST,
 * RRP_ERR_HEADERS_TOO_LARGE); the upstream connection maps them to RRP_ERR_UPSTREAM_BAD_RESPONSE.
 */
import type { ErrorCode } from '../../src/errors';
import { DEFAULT_CODEC_LIMITS, HeadScanner } from '../../src/http';
import {
  b,
  byteByByte,
  everySplit,
  expectCode,
  headOutcome,
  limitsWith,
  parseRequest,
  parseResponse,
} from './codec-helpers';

const BAD = 'RRP_ERR_BAD_REQUEST';

/** [name, raw request, code]. Each is otherwise a valid request. */
const REQUEST_REJECTIONS: readonly (readonly [string, string, ErrorCode])[] = [
  // RFC 9112 5.2: obs-fold is rejected with 400 (we never replace it with SP).
  ['obs-fold with SP', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', BAD],
  ['obs-fold with HTAB', 'GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n', BAD],
  ['obs-fold after bare LF', 'GET / HTTP/1.1\nX: a\n b\n\n', BAD],
  // RFC 9112 2.2: whitespace between the start line and the first field line.
  ['whitespace-preceded first field line', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', BAD],
  // RFC 9112 2.2: a bare CR is invalid anywhere in the head.
  ['bare CR in method', 'GE\rT / HTTP/1.1\r\n\r\n', BAD],
  ['bare CR before the request line', '\rGET / HTTP/1.1\r\n\r\n', BAD],
  ['bare CR in target', 'GET /a\rb HTTP/1.1\r\n\r\n', BAD],
  ['bare CR after target', 'GET /\r HTTP/1.1\r\n\r\n', BAD],
  ['bare CR in version', 'GET / HTTP/1\r.1\r\n\r\n', BAD],
  ['CR CR LF ending the request line', 'GET / HTTP/1.1\r\r\n\r\n', BAD],
  ['bare CR in field name', 'GET / HTTP/1.1\r\nX\rY: a\r\n\r\n', BAD],
  ['bare CR in field value', 'GET / HTTP/1.1\r\nX: a\rb\r\n\r\n', BAD],
  ['bare CR at end of field value', 'GET / HTTP/1.1\r\nX: a\r\r\n\r\n', BAD],
  ['bare CR then LF-terminated line', 'GET / HTTP/1.1\r\nX: a\r\nY: b\r\r\n\n', BAD],
  ['line made of a bare CR', 'GET / HTTP/1.1\r\nX: a\r\n\r\r\n\r\n', BAD],
  ['bare CR at start of field line', 'GET / HTTP/1.1\r\n\rX: a\r\n\r\n', BAD],
  // RFC 9110 5.5: NUL, CR and LF are never allowed in a value; other CTLs are not field-vchar.
  ['NUL in value', 'GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', BAD],
  ['NUL at start of value', 'GET / HTTP/1.1\r\nX: \x00\r\n\r\n', BAD],
  ['NUL in field name', 'GET / HTTP/1.1\r\nX\x00: a\r\n\r\n', BAD],
  ['NUL in method', 'G\x00T / HTTP/1.1\r\n\r\n', BAD],
  ['NUL in target', 'GET /\x00 HTTP/1.1\r\n\r\n', BAD],
  ['LF inside a value leaves a line without colon', 'GET / HTTP/1.1\r\nX: a\nb\r\n\r\n', BAD],
  ['CTL 0x01 in value', 'GET / HTTP/1.1\r\nX: a\x01\r\n\r\n', BAD],
  ['CTL 0x1f in value', 'GET / HTTP/1.1\r\nX: \x1fa\r\n\r\n', BAD],
  ['VT in value', 'GET / HTTP/1.1\r\nX: a\x0bb\r\n\r\n', BAD],
  ['FF in value', 'GET / HTTP/1.1\r\nX: a\x0cb\r\n\r\n', BAD],
  ['DEL in value', 'GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n', BAD],
  ['ESC in value', 'GET / HTTP/1.1\r\nX: \x1b[31m\r\n\r\n', BAD],
  // RFC 9112 5.1: no whitespace between field name and colon.
  ['SP before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', BAD],
  ['HTAB before colon', 'GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', BAD],
  ['SP inside field name', 'GET / HTTP/1.1\r\nX Y: a\r\n\r\n', BAD],
  // RFC 9110 5.1: field-name = token.
  ['empty field name', 'GET / HTTP/1.1\r\n: a\r\n\r\n', BAD],
  ['field line without colon', 'GET / HTTP/1.1\r\nNoColon\r\n\r\n', BAD],
  ['"(" in field name', 'GET / HTTP/1.1\r\nX(A): a\r\n\r\n', BAD],
  ['"@" in field name', 'GET / HTTP/1.1\r\nX@A: a\r\n\r\n', BAD],
  ['"/" in field name', 'GET / HTTP/1.1\r\nX/A: a\r\n\r\n', BAD],
  ['DQUOTE in field name', 'GET / HTTP/1.1\r\nX"A: a\r\n\r\n', BAD],
  ['"{" in field name', 'GET / HTTP/1.1\r\n{X}: a\r\n\r\n', BAD],
  ['"=" in field name', 'GET / HTTP/1.1\r\nX=A: a\r\n\r\n', BAD],
  ['non-ASCII in field name', 'GET / HTTP/1.1\r\nX\xe9: a\r\n\r\n', BAD],
  ['DEL in field name', 'GET / HTTP/1.1\r\nX\x7f: a\r\n\r\n', BAD],
  // RFC 9110 9.1: method = token.
  ['"(" in method', 'G(T / HTTP/1.1\r\n\r\n', BAD],
  ['"@" in method', 'G@T / HTTP/1.1\r\n\r\n', BAD],
  ['non-ASCII in method', 'G\xc9T / HTTP/1.1\r\n\r\n', BAD],
  ['":" in method', 'GET: / HTTP/1.1\r\n\r\n', BAD],
  ['empty method', ' / HTTP/1.1\r\n\r\n', BAD],
  ['HTAB after method', 'GET\t/ HTTP/1.1\r\n\r\n', BAD],
  // RFC 9112 3: method SP request-target SP HTTP-version, single SPs.
  ['two SPs after method', 'GET  / HTTP/1.1\r\n\r\n', BAD],
  ['two SPs before version', 'GET /  HTTP/1.1\r\n\r\n', BAD],
  ['missing target', 'GET HTTP/1.1\r\n\r\n', BAD],
  ['HTTP/0.9 style request line', 'GET /\r\n\r\n', BAD],
  ['request line of one word', 'GET\r\n\r\n', BAD],
  // RFC 9112 3.2: request-target characters.
  ['SP inside target', 'GET /a b HTTP/1.1\r\n\r\n', BAD],
  ['HTAB inside target', 'GET /a\tb HTTP/1.1\r\n\r\n', BAD],
  ['non-ASCII in target', 'GET /caf\xe9 HTTP/1.1\r\n\r\n', BAD],
  ['CTL in target', 'GET /a\x01 HTTP/1.1\r\n\r\n', BAD],
  ['DEL in target', 'GET /a\x7f HTTP/1.1\r\n\r\n', BAD],
  // RFC 9112 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
  ['lower-case http', 'GET / http/1.1\r\n\r\n', BAD],
  ['HTTP/1', 'GET / HTTP/1\r\n\r\n', BAD],
  ['HTTP/1.', 'GET / HTTP/1.\r\n\r\n', BAD],
  ['HTTP/11', 'GET / HTTP/11\r\n\r\n', BAD],
  ['HTTP/1.a', 'GET / HTTP/1.a\r\n\r\n', BAD],
  ['HTTP/a.1', 'GET / HTTP/a.1\r\n\r\n', BAD],
  ['HTTP/1,1', 'GET / HTTP/1,1\r\n\r\n', BAD],
  ['HTTPS/1.1', 'GET / HTTPS/1.1\r\n\r\n', BAD],
  ['HTTP /1.1', 'GET / HTTP /1.1\r\n\r\n', BAD],
  ['HTTP/1.10', 'GET / HTTP/1.10\r\n\r\n', BAD],
  ['HTTP/10.1', 'GET / HTTP/10.1\r\n\r\n', BAD],
  ['junk after version', 'GET / HTTP/1.1 x\r\n\r\n', BAD],
  ['SP after version', 'GET / HTTP/1.1 \r\n\r\n', BAD],
  ['HTAB after version', 'GET / HTTP/1.1\t\r\n\r\n', BAD],
  // RFC 9110 15.6.6: a major version we do not speak -> 505.
  ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 'RRP_ERR_VERSION_NOT_SUPPORTED'],
  ['HTTP/3.0', 'GET / HTTP/3.0\r\n\r\n', 'RRP_ERR_VERSION_NOT_SUPPORTED'],
  ['HTTP/0.9', 'GET / HTTP/0.9\r\n\r\n', 'RRP_ERR_VERSION_NOT_SUPPORTED'],
  ['HTTP/9.9', 'GET / HTTP/9.9\r\n\r\n', 'RRP_ERR_VERSION_NOT_SUPPORTED'],
  // RFC 9113 3.4: the HTTP/2 connection preface sent to an HTTP/1.1 port.
  [
    'h2 prior-knowledge preface',
    'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    'RRP_ERR_VERSION_NOT_SUPPORTED',
  ],
];

const RESPONSE_REJECTIONS: readonly (readonly [string, string])[] = [
  ['status 099', 'HTTP/1.1 099 X\r\n\r\n'],
  ['status 600', 'HTTP/1.1 600 X\r\n\r\n'],
  ['status 000', 'HTTP/1.1 000 X\r\n\r\n'],
  ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
  ['two-digit status at end', 'HTTP/1.1 20\r\n\r\n'],
  ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n'],
  ['status not digits', 'HTTP/1.1 abc OK\r\n\r\n'],
  ['signed status', 'HTTP/1.1 +20 OK\r\n\r\n'],
  ['reason without SP', 'HTTP/1.1 200OK\r\n\r\n'],
  ['HTAB instead of SP before reason', 'HTTP/1.1 200\tOK\r\n\r\n'],
  ['two SPs before status', 'HTTP/1.1  200 OK\r\n\r\n'],
  ['no status at all', 'HTTP/1.1\r\n\r\n'],
  ['version only and SP', 'HTTP/1.1 \r\n\r\n'],
  ['lower-case version', 'http/1.1 200 OK\r\n\r\n'],
  ['HTTP/2.0 response', 'HTTP/2.0 200 OK\r\n\r\n'],
  ['HTTP/1 response', 'HTTP/1 200 OK\r\n\r\n'],
  ['malformed version', 'HTTP/1.x 200 OK\r\n\r\n'],
  ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
  ['NUL in reason', 'HTTP/1.1 200 O\x00K\r\n\r\n'],
  ['bare CR in reason', 'HTTP/1.1 200 O\rK\r\n\r\n'],
  ['DEL in reason', 'HTTP/1.1 200 OK\x7f\r\n\r\n'],
  ['empty line before status line', '\r\nHTTP/1.1 200 OK\r\n\r\n'],
  ['NUL in field value', 'HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n'],
  ['bare CR in field value', 'HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n'],
  ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n'],
  ['SP before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n'],
  ['invalid field name', 'HTTP/1.1 200 OK\r\nX[1]: a\r\n\r\n'],
];

function expectRejectedEverywhere(raw: string, isRequest: boolean, code: ErrorCode): void {
  const buf = b(raw);
  expect(headOutcome([buf], isRequest)).toBe(code);
  for (const pieces of everySplit(buf)) expect(headOutcome(pieces, isRequest)).toBe(code);
  expect(headOutcome(byteByByte(buf), isRequest)).toBe(code);
}

describe('request head rejections (RFC 9112 2-5, RFC 9110 5)', () => {
  test.each(REQUEST_REJECTIONS.map(([name, raw, code]) => [name, code, raw] as const))(
    '%s -> %s',
    (_name, code, raw) => {
      expectRejectedEverywhere(raw, true, code);
    },
  );

  test('status of each code: 400, 505', () => {
    expectCode(() => parseRequest('GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n'), BAD, 400);
    expectCode(() => parseRequest('GET / HTTP/2.0\r\n\r\n'), 'RRP_ERR_VERSION_NOT_SUPPORTED', 505);
  });

  test('too many leading empty lines are refused, not skipped forever', () => {
    expect(headOutcome([b('\r\n'.repeat(200) + 'GET / HTTP/1.1\r\n\r\n')], true)).toBe(BAD);
    expect(headOutcome([b('\r\n'.repeat(100) + 'GET / HTTP/1.1\r\n\r\n')], true)).toBe('ok');
  });
});

describe('response head rejections (RFC 9112 4)', () => {
  test.each(RESPONSE_REJECTIONS)('%s', (_name, raw) => {
    expectRejectedEverywhere(raw, false, BAD);
  });

  test('a valid response still parses (the table above is not vacuous)', () => {
    expect(parseResponse('HTTP/1.1 200 OK\r\nX: a\r\n\r\n').status).toBe(200);
  });
});

describe('head size limits (RFC 9112 3 -> 414, RFC 6585 5 -> 431)', () => {
  const small = limitsWith({ maxStartLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4 });

  /** A request line of exactly `len` bytes, not counting its line terminator. */
  function requestLine(len: number): string {
    const fixed = 'GET / HTTP/1.1'.length;
    return 'GET /' + 'a'.repeat(len - fixed) + ' HTTP/1.1';
  }

  test('request line at the limit is accepted, one byte more is 414, however it arrives', () => {
    for (const eol of ['\r\n', '\n']) {
      const ok = b(requestLine(64) + eol + 'Host: a' + eol + eol);
      const tooLong = b(requestLine(65) + eol + 'Host: a' + eol + eol);
      for (const pieces of [[ok], ...everySplit(ok), byteByByte(ok)]) {
        expect(headOutcome(pieces, true, small)).toBe('ok');
      }
      for (const pieces of [[tooLong], ...everySplit(tooLong), byteByByte(tooLong)]) {
        expect(headOutcome(pieces, true, small)).toBe('RRP_ERR_URI_TOO_LONG');
      }
    }
  });

  test('414 as soon as the line is too long, before its end arrives (small pieces)', () => {
    const scanner = new HeadScanner(small, true);
    const piece = b('GET /' + 'a'.repeat(9));
    let thrown: unknown;
    let fed = 0;
    try {
      for (let i = 0; i < 100; i++) {
        scanner.push(piece, 0);
        fed += piece.length;
      }
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'RRP_ERR_URI_TOO_LONG', status: 414 });
    // It must not have buffered much beyond the limit.
    expect(fed).toBeLessThanOrEqual(64 + piece.length);
  });

  test('default limit: 8 KiB request line', () => {
    const max = DEFAULT_CODEC_LIMITS.maxStartLineBytes;
    expect(headOutcome([b(requestLine(max) + '\r\n\r\n')], true)).toBe('ok');
    expectCode(() => parseRequest(requestLine(max + 1) + '\r\n\r\n'), 'RRP_ERR_URI_TOO_LONG', 414);
  });

  test('a too-long status line is a parse error (400, mapped to 502 by the caller)', () => {
    const line = 'HTTP/1.1 200 ' + 'r'.repeat(100);
    expect(headOutcome([b(line + '\r\n\r\n')], false, small)).toBe(BAD);
  });

  /** A header section whose field lines total exactly `bytes` (terminators included). */
  function fieldsOfBytes(bytes: number, eol: string): string {
    const line = (n: number): string => 'X: ' + 'v'.repeat(n - 3 - eol.length) + eol;
    return line(bytes - 40) + line(40);
  }

  test('header section at the limit is accepted, one byte more is 431, however it arrives', () => {
    for (const eol of ['\r\n', '\n']) {
      const ok = b('GET / HTTP/1.1' + eol + fieldsOfBytes(128, eol) + eol);
      const tooBig = b('GET / HTTP/1.1' + eol + fieldsOfBytes(129, eol) + eol);
      for (const pieces of [[ok], ...everySplit(ok), byteByByte(ok)]) {
        expect(headOutcome(pieces, true, small)).toBe('ok');
      }
      for (const pieces of [[tooBig], ...everySplit(tooBig), byteByByte(tooBig)]) {
        expect(headOutcome(pieces, true, small)).toBe('RRP_ERR_HEADERS_TOO_LARGE');
      }
    }
  });

  test('431 for one huge field arriving in small pieces, before it ends', () => {
    const scanner = new HeadScanner(small, true);
    scanner.push(b('GET / HTTP/1.1\r\nX: '), 0);
    const piece = b('v'.repeat(10));
    let fed = 0;
    expect(() => {
      for (let i = 0; i < 100; i++) {
        scanner.push(piece, 0);
        fed += piece.length;
      }
    }).toThrow(expect.objectContaining({ code: 'RRP_ERR_HEADERS_TOO_LARGE', status: 431 }));
    expect(fed).toBeLessThanOrEqual(128 + piece.length);
  });

  test('field count: maxHeaderCount fields accepted, one more is 431', () => {
    const fields = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += `F${i}: ${i}\r\n`;
      return s;
    };
    const ok = b('GET / HTTP/1.1\r\n' + fields(4) + '\r\n');
    const tooMany = b('GET / HTTP/1.1\r\n' + fields(5) + '\r\n');
    for (const pieces of [[ok], ...everySplit(ok)]) {
      expect(headOutcome(pieces, true, small)).toBe('ok');
    }
    for (const pieces of [[tooMany], ...everySplit(tooMany)]) {
      expect(headOutcome(pieces, true, small)).toBe('RRP_ERR_HEADERS_TOO_LARGE');
    }
    expectCode(
      () => parseRequest('GET / HTTP/1.1\r\n' + fields(101) + '\r\n'),
      'RRP_ERR_HEADERS_TOO_LARGE',
      431,
    );
    expect(parseRequest('GET / HTTP/1.1\r\n' + fields(100) + '\r\n').fields).toHaveLength(100);
  });

  test('default limit: 64 KiB header section', () => {
    const max = DEFAULT_CODEC_LIMITS.maxHeaderBytes;
    expect(headOutcome([b('GET / HTTP/1.1\r\n' + fieldsOfBytes(max, '\r\n') + '\r\n')], true)).toBe(
      'ok',
    );
    expect(
      headOutcome([b('GET / HTTP/1.1\r\n' + fieldsOfBytes(max + 1, '\r\n') + '\r\n')], true),
    ).toBe('RRP_ERR_HEADERS_TOO_LARGE');
  });

  test('response heads obey the same header limits', () => {
    const tooBig = 'HTTP/1.1 200 OK\r\n' + fieldsOfBytes(129, '\r\n') + '\r\n';
    expect(headOutcome([b(tooBig)], false, small)).toBe('RRP_ERR_HEADERS_TOO_LARGE');
  });
});
