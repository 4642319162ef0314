/**
 * Valid request and response heads: what the scanner and the parsers produce, and that it does not
 * depend on how the bytes were split (RFC 9112 2.2: a recipient parses the octet stream, not the
 * reads that carried it).
 */
import {
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  HeaderList,
  parseFieldLines,
  parseResponseHead,
} from '../../src/http';
import {
  b,
  byteByByte,
  cut,
  everySplit,
  parseRequest,
  parseRequestPieces,
  parseResponse,
  parseResponsePieces,
  prng,
  randomCuts,
  scanPieces,
} from './codec-helpers';

const REQUESTS: readonly (readonly [string, string])[] = [
  ['minimal GET', 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['HTTP/1.0 without fields', 'GET /x HTTP/1.0\r\n\r\n'],
  [
    'repeated fields and mixed case',
    'POST /upload?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nset-cookie: a=1\r\n' +
      'Set-Cookie: b=2; Path=/\r\nX-A: 2\r\nCONTENT-LENGTH: 0\r\n\r\n',
  ],
  ['OWS around values', 'GET / HTTP/1.1\r\nHost:a\r\nX-Pad: \t padded value \t\r\nEmpty:\r\n\r\n'],
  ['absolute-form', 'GET http://example.com:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n'],
  ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['extension method', 'PURGE /cache HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['bare LF line endings (RFC 9112 2.2)', 'GET / HTTP/1.1\nHost: a\nX: y\n\n'],
  ['mixed CRLF and LF', 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n'],
  ['obs-text in value', 'GET / HTTP/1.1\r\nX-Latin: caf\xe9 \xff\r\n\r\n'],
  ['leading empty lines (RFC 9112 2.2)', '\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['leading bare LF', '\nGET / HTTP/1.1\r\nHost: a\r\n\r\n'],
];

const RESPONSES: readonly (readonly [string, string])[] = [
  ['200 OK', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n'],
  [
    'no reason phrase and no SP (leniency; RFC 9112 4 makes SP required)',
    'HTTP/1.1 204\r\nX: 1\r\n\r\n',
  ],
  ['empty reason phrase after SP', 'HTTP/1.1 304 \r\n\r\n'],
  ['HTTP/1.0 response', 'HTTP/1.0 200 Fine Thanks\r\n\r\n'],
  ['reason with HTAB and obs-text', 'HTTP/1.1 404 Not\tFound \xe9\r\nA: b\r\n\r\n'],
  [
    'two Set-Cookie fields',
    'HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT\r\n' +
      'set-cookie: b=2\r\n\r\n',
  ],
  ['100 Continue', 'HTTP/1.1 100 Continue\r\n\r\n'],
  ['599', 'HTTP/1.1 599 Whatever\r\n\r\n'],
];

describe('request head parsing (RFC 9112 3, 5)', () => {
  test('fields keep name case, order and repetition; lower-cased index alongside', () => {
    const r = parseRequest(
      'POST /u HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nX-A: 2\r\n\r\n',
    );
    expect(r.method).toBe('POST');
    expect(r.target).toBe('/u');
    expect(r.versionMinor).toBe(1);
    expect(r.fields).toEqual([
      ['Host', 'h'],
      ['X-A', '1'],
      ['set-cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['X-A', '2'],
    ]);
    expect(r.lower).toEqual(['host', 'x-a', 'set-cookie', 'set-cookie', 'x-a']);
  });

  test('values are trimmed of leading and trailing OWS only (RFC 9112 5.1)', () => {
    const r = parseRequest(
      'GET / HTTP/1.1\r\nA:x\r\nB: \t in  ner \t \r\nC:\r\nD: \t \r\nE:\tok\r\n\r\n',
    );
    expect(r.fields).toEqual([
      ['A', 'x'],
      ['B', 'in  ner'],
      ['C', ''],
      ['D', ''],
      ['E', 'ok'],
    ]);
  });

  test('HTTP/1.0 gives versionMinor 0; HTTP/1.2 is treated as 1.1 (RFC 9110 6.2)', () => {
    expect(parseRequest('GET / HTTP/1.0\r\n\r\n').versionMinor).toBe(0);
    expect(parseRequest('GET / HTTP/1.2\r\n\r\n').versionMinor).toBe(1);
    expect(parseRequest('GET / HTTP/1.9\r\n\r\n').versionMinor).toBe(1);
  });

  test('leading empty lines before the request line are skipped (RFC 9112 2.2)', () => {
    const r = parseRequest('\r\n\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(r.method).toBe('GET');
    expect(r.target).toBe('/a');
    expect(r.fields).toEqual([['Host', 'a']]);
  });

  test('the request-target is kept exactly as received', () => {
    const target = '/a/../b/%2F;p=1?x=%zz&y=[1]&z=\'"~!$*';
    expect(parseRequest(`GET ${target} HTTP/1.1\r\n\r\n`).target).toBe(target);
  });

  test('methods are case-sensitive tokens, kept as sent (RFC 9110 9.1)', () => {
    expect(parseRequest('get / HTTP/1.1\r\n\r\n').method).toBe('get');
    expect(parseRequest("M-!#$%&'*+.^_`|~9 / HTTP/1.1\r\n\r\n").method).toBe("M-!#$%&'*+.^_`|~9");
    expect(parseRequest('HEAD / HTTP/1.1\r\n\r\n').method).toBe('HEAD');
    expect(parseRequest('POST / HTTP/1.1\r\n\r\n').method).toBe('POST');
    expect(parseRequest('GETS / HTTP/1.1\r\n\r\n').method).toBe('GETS');
    expect(parseRequest('HEA / HTTP/1.1\r\n\r\n').method).toBe('HEA');
  });

  test.each(REQUESTS)('%s: same result at every split point and byte by byte', (_name, raw) => {
    const buf = b(raw);
    const whole = parseRequestPieces([buf]);
    expect(whole.consumed).toBe(buf.length);
    for (const pieces of everySplit(buf)) expect(parseRequestPieces(pieces)).toEqual(whole);
    expect(parseRequestPieces(byteByByte(buf))).toEqual(whole);
    // Three pieces at every pair of positions (bounded: these heads are short).
    for (let i = 1; i < buf.length; i++) {
      for (let j = i; j < buf.length; j += 3) {
        expect(parseRequestPieces(cut(buf, [i, j]))).toEqual(whole);
      }
    }
  });

  test('the scanner reports where the head ends so pipelined bytes are left alone', () => {
    const head = 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n';
    const buf = b(head + 'GET /2 HTTP/1.1\r\n\r\n');
    for (const pieces of everySplit(buf)) {
      const hit = scanPieces(pieces, true);
      expect(hit?.consumed).toBe(head.length);
    }
    for (let n = 1; n <= 7; n++) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < buf.length; i += n) pieces.push(buf.subarray(i, i + n));
      expect(scanPieces(pieces, true)?.consumed).toBe(head.length);
    }
  });

  test('push() honours a non-zero offset and can parse two pipelined heads in one buffer', () => {
    const buf = b('GET /1 HTTP/1.1\r\nA: 1\r\n\r\nPUT /2 HTTP/1.1\r\nB: 2\r\n\r\nrest');
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    const end1 = scanner.push(buf, 0);
    expect(buf.toString('latin1', scanner.headStart, scanner.headLineEnd)).toBe(
      'GET /1 HTTP/1.1\r',
    );
    const end2 = scanner.push(buf, end1);
    expect(scanner.headStart).toBe(end1);
    expect(buf.toString('latin1', end2)).toBe('rest');
    expect(buf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'PUT /2 HTTP/1.1\r\nB: 2\r\n\r\n',
    );
  });

  test('a scanner is reusable after a head that was accumulated across pieces', () => {
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    const first = b('GET /1 HTTP/1.1\r\nA: 1\r\n\r\n');
    expect(scanner.push(first.subarray(0, 10), 0)).toBe(-1);
    expect(scanner.partial).toBe(true);
    const tail = Buffer.concat([first.subarray(10), b('GET /2 HTTP/1.1\r\n\r\n')]);
    const end = scanner.push(tail, 0);
    expect(end).toBe(first.length - 10);
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      first.toString('latin1'),
    );
    expect(scanner.partial).toBe(false);
    const end2 = scanner.push(tail, end);
    expect(end2).toBe(tail.length);
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'GET /2 HTTP/1.1\r\n\r\n',
    );
  });

  test('an incomplete head returns -1 and keeps the bytes, however it is cut', () => {
    const buf = b('GET / HTTP/1.1\r\nHost: a\r\n\r');
    for (const pieces of everySplit(buf)) expect(scanPieces(pieces, true)).toBeNull();
    expect(scanPieces(byteByByte(buf), true)).toBeNull();
  });

  test('a long head fed a byte at a time parses identically (accumulator growth)', () => {
    let raw = 'GET /' + 'p'.repeat(3000) + ' HTTP/1.1\r\n';
    for (let i = 0; i < 90; i++) raw += `X-Field-${i}: ${'v'.repeat(i * 7)}\r\n`;
    raw += '\r\n';
    const buf = b(raw);
    const whole = parseRequestPieces([buf]);
    expect(whole.fields).toHaveLength(90);
    expect(parseRequestPieces(byteByByte(buf))).toEqual(whole);
    const rand = prng(7);
    for (let k = 0; k < 30; k++) {
      expect(parseRequestPieces(cut(buf, randomCuts(rand, buf.length, 40)))).toEqual(whole);
    }
  });
});

describe('response head parsing (RFC 9112 4)', () => {
  test('status line parts', () => {
    const r = parseResponse('HTTP/1.1 404 Not Found\r\nX: 1\r\n\r\n');
    expect(r).toMatchObject({ versionMinor: 1, status: 404, reason: 'Not Found' });
    expect(r.fields).toEqual([['X', '1']]);
    expect(parseResponse('HTTP/1.0 200 OK\r\n\r\n').versionMinor).toBe(0);
  });

  test('reason phrase is optional (RFC 9112 4: status-line = ... SP [ reason-phrase ])', () => {
    expect(parseResponse('HTTP/1.1 204\r\n\r\n')).toMatchObject({ status: 204, reason: '' });
    expect(parseResponse('HTTP/1.1 204 \r\n\r\n')).toMatchObject({ status: 204, reason: '' });
    expect(parseResponse('HTTP/1.1 200  two  spaces \r\n\r\n').reason).toBe(' two  spaces ');
  });

  test('every status from 100 to 599 is accepted', () => {
    for (let s = 100; s <= 599; s++) {
      expect(parseResponse(`HTTP/1.1 ${s} X\r\n\r\n`).status).toBe(s);
    }
  });

  test('two Set-Cookie fields stay two fields (RFC 9110 5.3)', () => {
    const r = parseResponse('HTTP/1.1 200 OK\r\nSet-Cookie: a=1, b\r\nSet-Cookie: c=3\r\n\r\n');
    expect(r.fields).toEqual([
      ['Set-Cookie', 'a=1, b'],
      ['Set-Cookie', 'c=3'],
    ]);
  });

  test.each(RESPONSES)('%s: same result at every split point and byte by byte', (_name, raw) => {
    const buf = b(raw);
    const whole = parseResponsePieces([buf]);
    expect(whole.consumed).toBe(buf.length);
    for (const pieces of everySplit(buf)) expect(parseResponsePieces(pieces)).toEqual(whole);
    expect(parseResponsePieces(byteByByte(buf))).toEqual(whole);
  });
});

describe('parseFieldLines (shared by heads and trailers)', () => {
  test('a field line without LF before the end is refused', () => {
    const buf = b('A: 1\r\nB: 2');
    expect(() => parseFieldLines(buf, 0, buf.length, new HeaderList())).toThrow(
      expect.objectContaining({ code: 'RRP_ERR_BAD_REQUEST' }),
    );
  });

  test('appends to an existing list and stops at the empty line', () => {
    const h = new HeaderList();
    h.add('Pre', '0');
    const buf = b('xxA: 1\r\nb-B: 2\n\r\nIGNORED: yes\r\n');
    parseFieldLines(buf, 2, buf.length, h);
    expect([...h.entries()]).toEqual([
      ['Pre', '0'],
      ['A', '1'],
      ['b-B', '2'],
    ]);
    expect(h.lower).toEqual(['pre', 'a', 'b-b']);
  });
});

describe('HeadScanner bookkeeping', () => {
  test('a head that starts at an offset and spans pieces (body end + next head in one read)', () => {
    const first = b('hello' + 'GET /2 HTTP/1.1\r\nA: ');
    const second = b('1\r\n\r\nrest');
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    expect(scanner.push(first, 5)).toBe(-1);
    expect(scanner.partial).toBe(true);
    const end = scanner.push(second, 0);
    expect(second.toString('latin1', end)).toBe('rest');
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'GET /2 HTTP/1.1\r\nA: 1\r\n\r\n',
    );
  });

  test('the accumulated part may continue at an offset of a later piece', () => {
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, false);
    expect(scanner.push(b('HTTP/1.1 200 OK\r\n'), 0)).toBe(-1);
    const second = b('xxX: y\r\n\r\nbody');
    const end = scanner.push(second, 2);
    expect(second.toString('latin1', end)).toBe('body');
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'HTTP/1.1 200 OK\r\nX: y\r\n\r\n',
    );
  });

  test('a body after a split head is not copied into the accumulator', () => {
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    expect(scanner.push(b('POST / HTTP/1.1\r\nContent-Le'), 0)).toBe(-1);
    const rest = Buffer.concat([b('ngth: 1048576\r\n\r\n'), Buffer.alloc(1 << 20, 0x61)]);
    const end = scanner.push(rest, 0);
    expect(end).toBe(rest.length - (1 << 20));
    expect(scanner.headBuf.length).toBeLessThan(4096);
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'POST / HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n',
    );
  });

  test('partial is false when only empty lines before a request were received', () => {
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    expect(scanner.partial).toBe(false);
    expect(scanner.push(b('\r\n'), 0)).toBe(-1);
    expect(scanner.partial).toBe(false);
    expect(scanner.push(b('\r\n'), 0)).toBe(-1);
    expect(scanner.partial).toBe(false);
    expect(scanner.push(b('G'), 0)).toBe(-1);
    expect(scanner.partial).toBe(true);
    expect(scanner.push(b('ET / HTTP/1.1\r\n\r\n'), 0)).not.toBe(-1);
    expect(scanner.partial).toBe(false);
  });

  test('interim and final responses in one read, parsed one after the other', () => {
    const buf = b(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    );
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, false);
    const statuses: number[] = [];
    let off = 0;
    while (off < buf.length) {
      const end = scanner.push(buf, off);
      expect(end).toBeGreaterThan(off);
      const { headBuf, headStart, headLineEnd, headEnd } = scanner;
      statuses.push(parseResponseHead(headBuf, headStart, headLineEnd, headEnd).status);
      scanner.reset();
      off = end;
    }
    expect(statuses).toEqual([100, 103, 200]);
    expect(off).toBe(buf.length);
  });

  test('reset drops a partial head', () => {
    const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, true);
    scanner.push(b('GARBAGE / HT'), 0);
    scanner.reset();
    expect(scanner.partial).toBe(false);
    const buf = b('GET / HTTP/1.1\r\n\r\n');
    expect(scanner.push(buf, 0)).toBe(buf.length);
    expect(scanner.headBuf.toString('latin1', scanner.headStart, scanner.headEnd)).toBe(
      'GET / HTTP/1.1\r\n\r\n',
    );
  });
});
