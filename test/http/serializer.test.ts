/**
 * Serializer: exact bytes. Fields go out in their received case and order; the framing field is
 * written from the framing actually used (RFC 9112 6), never copied from the parsed head.
 */
import {
  CHUNKED,
  CLOSE_DELIMITED,
  HeaderList,
  NO_BODY,
  chunkHeader,
  lastChunk,
  lengthFraming,
  serializeRequestHead,
  serializeResponseHead,
} from '../../src/http';
import { parseRequest, parseResponse } from './codec-helpers';

function fields(): HeaderList {
  return HeaderList.from([
    ['Host', 'example.com'],
    ['x-a', '1'],
    ['X-A', '2'],
    ['Empty', ''],
  ]);
}

const FIELDS = 'Host: example.com\r\nx-a: 1\r\nX-A: 2\r\nEmpty: \r\n';

describe('serializeRequestHead (RFC 9112 3, always HTTP/1.1 upstream)', () => {
  test.each([
    ['no body', NO_BODY, ''],
    ['length', lengthFraming(42), 'Content-Length: 42\r\n'],
    ['length 0', lengthFraming(0), 'Content-Length: 0\r\n'],
    ['large length', lengthFraming(9007199254740991), 'Content-Length: 9007199254740991\r\n'],
    ['chunked', CHUNKED, 'Transfer-Encoding: chunked\r\n'],
    ['close (not a request framing): no field', CLOSE_DELIMITED, ''],
  ])('%s', (_name, framing, framingLine) => {
    expect(serializeRequestHead('POST', '/p?q=1', fields(), framing)).toBe(
      'POST /p?q=1 HTTP/1.1\r\n' + FIELDS + framingLine + '\r\n',
    );
  });

  test('no fields at all', () => {
    expect(serializeRequestHead('GET', '*', new HeaderList(), NO_BODY)).toBe(
      'GET * HTTP/1.1\r\n\r\n',
    );
  });

  test('the output parses back to the same head', () => {
    const out = serializeRequestHead('PUT', '/x', fields(), lengthFraming(3));
    const r = parseRequest(out);
    expect(r.method).toBe('PUT');
    expect(r.target).toBe('/x');
    expect(r.fields).toEqual([...fields().entries(), ['Content-Length', '3']]);
    expect(r.consumed).toBe(out.length);
  });
});

describe('serializeResponseHead (RFC 9112 4)', () => {
  test.each([
    ['no body', NO_BODY, ''],
    ['length', lengthFraming(5), 'Content-Length: 5\r\n'],
    ['chunked', CHUNKED, 'Transfer-Encoding: chunked\r\n'],
    ['close-delimited', CLOSE_DELIMITED, ''],
  ])('%s', (_name, framing, framingLine) => {
    expect(serializeResponseHead(200, 'OK', fields(), framing)).toBe(
      'HTTP/1.1 200 OK\r\n' + FIELDS + framingLine + '\r\n',
    );
  });

  test('HTTP/1.0 status line when asked', () => {
    expect(serializeResponseHead(200, 'Fine', new HeaderList(), lengthFraming(1), 0)).toBe(
      'HTTP/1.0 200 Fine\r\nContent-Length: 1\r\n\r\n',
    );
    expect(serializeResponseHead(200, 'Fine', new HeaderList(), CLOSE_DELIMITED, 1)).toBe(
      'HTTP/1.1 200 Fine\r\n\r\n',
    );
  });

  test('the received reason phrase is kept; a missing one is filled from STATUS_TEXT', () => {
    expect(serializeResponseHead(404, 'Nope', new HeaderList(), NO_BODY)).toBe(
      'HTTP/1.1 404 Nope\r\n\r\n',
    );
    expect(serializeResponseHead(502, '', new HeaderList(), NO_BODY)).toBe(
      'HTTP/1.1 502 Bad Gateway\r\n\r\n',
    );
    expect(serializeResponseHead(103, '', new HeaderList(), NO_BODY)).toBe(
      'HTTP/1.1 103 Early Hints\r\n\r\n',
    );
  });

  test('unknown status without reason: SP kept, reason empty (RFC 9112 4)', () => {
    const out = serializeResponseHead(299, '', new HeaderList(), NO_BODY);
    expect(out).toBe('HTTP/1.1 299 \r\n\r\n');
    expect(parseResponse(out)).toMatchObject({ status: 299, reason: '' });
  });

  test('two Set-Cookie fields go out as two lines', () => {
    const h = HeaderList.from([
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2, c'],
    ]);
    expect(serializeResponseHead(200, 'OK', h, lengthFraming(0))).toBe(
      'HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2, c\r\nContent-Length: 0\r\n\r\n',
    );
  });
});

describe('chunk framing output (RFC 9112 7.1)', () => {
  test.each([
    [1, '1\r\n'],
    [15, 'f\r\n'],
    [16, '10\r\n'],
    [255, 'ff\r\n'],
    [65536, '10000\r\n'],
    [9007199254740991, '1fffffffffffff\r\n'],
  ])('chunkHeader(%d)', (size, line) => {
    expect(chunkHeader(size)).toBe(line);
  });

  test.each([0, -1, 1.5, NaN, Infinity, 2 ** 53])(
    'chunkHeader(%d) throws: a zero-size chunk would end the body early',
    (size) => {
      expect(() => chunkHeader(size)).toThrow(RangeError);
    },
  );

  test('lastChunk without trailers', () => {
    expect(lastChunk(null)).toBe('0\r\n\r\n');
    expect(lastChunk(new HeaderList())).toBe('0\r\n\r\n');
  });

  test('lastChunk with trailers keeps case and order', () => {
    const t = HeaderList.from([
      ['X-Checksum', 'abc'],
      ['server-timing', 'db;dur=53'],
      ['X-Checksum', 'def'],
    ]);
    expect(lastChunk(t)).toBe(
      '0\r\nX-Checksum: abc\r\nserver-timing: db;dur=53\r\nX-Checksum: def\r\n\r\n',
    );
  });
});
