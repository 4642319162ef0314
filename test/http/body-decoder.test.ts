/**
 * BodyDecoder: Content-Length, chunked (RFC 9112 7.1) and close-delimited (RFC 9112 6.3 item 8)
 * bodies from Buffers split at any byte.
 */
import type { ErrorCode } from '../../src/errors';
import {
  BodyDecoder,
  CHUNKED,
  CLOSE_DELIMITED,
  DEFAULT_CODEC_LIMITS,
  NO_BODY,
  lengthFraming,
  type BodyFraming,
  type CodecLimits,
} from '../../src/http';
import {
  b,
  byteByByte,
  CollectingSink,
  decodePieces,
  everySplit,
  fieldsOf,
  limitsWith,
  proxyErrorOf,
} from './codec-helpers';

const BAD = 'RRP_ERR_BAD_REQUEST';
const BAD_RESP = 'RRP_ERR_UPSTREAM_BAD_RESPONSE';

interface Outcome {
  data: string;
  end: number;
  trailers: [string, string][] | null;
}

/** Decodes at every split point and byte by byte; all must agree. Returns the common outcome. */
function decodeEverywhere(framing: BodyFraming, raw: string, limits?: CodecLimits): Outcome {
  const buf = b(raw);
  const run = (pieces: readonly Buffer[]): Outcome => {
    const r = decodePieces(framing, pieces, limits);
    const t = r.decoder.trailers;
    return {
      data: r.data.toString('latin1'),
      end: r.end,
      trailers: t === null ? null : fieldsOf(t),
    };
  };
  const whole = run([buf]);
  for (const pieces of everySplit(buf)) expect(run(pieces)).toEqual(whole);
  expect(run(byteByByte(buf))).toEqual(whole);
  return whole;
}

/** The error code thrown for raw at every split point (all must agree), or 'ok'/'incomplete'. */
function errorEverywhere(
  framing: BodyFraming,
  raw: string,
  code: ErrorCode = BAD,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
  splits = true,
): string {
  const buf = b(raw);
  const run = (pieces: readonly Buffer[]): string => {
    try {
      const r = decodePieces(framing, pieces, limits, code);
      return r.end === -1 ? 'incomplete' : 'ok';
    } catch (err) {
      return proxyErrorOf(() => {
        throw err;
      }).code;
    }
  };
  const whole = run([buf]);
  if (!splits) return whole;
  for (const pieces of everySplit(buf)) expect(run(pieces)).toBe(whole);
  expect(run(byteByByte(buf))).toBe(whole);
  return whole;
}

describe('no body and Content-Length (RFC 9112 6.2)', () => {
  test('NO_BODY is done at once and consumes nothing', () => {
    const d = new BodyDecoder(NO_BODY, DEFAULT_CODEC_LIMITS, BAD);
    const sink = new CollectingSink();
    expect(d.done).toBe(true);
    expect(d.decode(b('GET / HTTP/1.1\r\n'), 3, sink)).toBe(3);
    expect(sink.parts).toHaveLength(0);
    expect(d.endOfInput()).toBe(true);
    expect(d.closeDelimited).toBe(false);
  });

  test('Content-Length 0 is done at once', () => {
    const d = new BodyDecoder(lengthFraming(0), DEFAULT_CODEC_LIMITS, BAD);
    expect(d.done).toBe(true);
    expect(d.decode(b('next'), 0, new CollectingSink())).toBe(0);
  });

  test('exact length, stopping at the boundary and leaving pipelined bytes', () => {
    const out = decodeEverywhere(lengthFraming(5), 'hello' + 'GET /next HTTP/1.1\r\n\r\n');
    expect(out).toEqual({ data: 'hello', end: 5, trailers: null });
  });

  test('decode honours the offset and returns the index past the body', () => {
    const d = new BodyDecoder(lengthFraming(3), DEFAULT_CODEC_LIMITS, BAD);
    const sink = new CollectingSink();
    const buf = b('HEADabcREST');
    expect(d.decode(buf, 4, sink)).toBe(7);
    expect(sink.data.toString()).toBe('abc');
    expect(d.done).toBe(true);
    expect(d.received).toBe(3);
    // Once done, nothing more is taken.
    expect(d.decode(buf, 7, sink)).toBe(7);
  });

  test('data is handed out as views of the input, not copies', () => {
    const d = new BodyDecoder(lengthFraming(4), DEFAULT_CODEC_LIMITS, BAD);
    const seen: Buffer[] = [];
    const buf = b('xxabcdyy');
    d.decode(buf, 2, { onBodyData: (c) => seen.push(c) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.buffer).toBe(buf.buffer);
    expect(seen[0]!.byteOffset).toBe(buf.byteOffset + 2);
    expect(seen[0]!.toString()).toBe('abcd');
  });

  test('received counts bytes across pieces', () => {
    const d = new BodyDecoder(lengthFraming(10), DEFAULT_CODEC_LIMITS, BAD);
    const sink = new CollectingSink();
    d.decode(b('abc'), 0, sink);
    expect(d.received).toBe(3);
    expect(d.done).toBe(false);
    d.decode(b('defghijXYZ'), 0, sink);
    expect(d.received).toBe(10);
    expect(d.done).toBe(true);
  });

  test('truncated length body: endOfInput() is false (RFC 9112 8: incomplete message)', () => {
    const d = new BodyDecoder(lengthFraming(5), DEFAULT_CODEC_LIMITS, BAD);
    d.decode(b('hell'), 0, new CollectingSink());
    expect(d.endOfInput()).toBe(false);
    expect(d.done).toBe(false);
  });

  test('a complete length body: endOfInput() is true', () => {
    const d = new BodyDecoder(lengthFraming(2), DEFAULT_CODEC_LIMITS, BAD);
    d.decode(b('ok'), 0, new CollectingSink());
    expect(d.endOfInput()).toBe(true);
  });
});

describe('close-delimited (RFC 9112 6.3 item 8)', () => {
  test('takes everything until endOfInput(), which completes it', () => {
    const d = new BodyDecoder(CLOSE_DELIMITED, DEFAULT_CODEC_LIMITS, BAD_RESP);
    const sink = new CollectingSink();
    expect(d.closeDelimited).toBe(true);
    const buf = b('xxhello ');
    expect(d.decode(buf, 2, sink)).toBe(buf.length);
    expect(d.decode(b('world\r\n0\r\n\r\n'), 0, sink)).toBe(12);
    expect(d.decode(b(''), 0, sink)).toBe(0);
    expect(d.done).toBe(false);
    expect(d.endOfInput()).toBe(true);
    expect(d.done).toBe(true);
    expect(sink.data.toString()).toBe('hello world\r\n0\r\n\r\n');
    expect(sink.parts).toHaveLength(2);
    expect(d.received).toBe(18);
  });
});

describe('chunked (RFC 9112 7.1)', () => {
  test.each([
    ['one chunk', '5\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['several chunks', '3\r\nabc\r\n1\r\nd\r\na\r\n0123456789\r\n0\r\n\r\n', 'abcd0123456789'],
    [
      'upper and lower hex',
      'A\r\n0123456789\r\nb\r\n0123456789a\r\n0\r\n\r\n',
      '01234567890123456789a',
    ],
    ['leading zeros', '0005\r\nhello\r\n000\r\n\r\n', 'hello'],
    ['empty body', '0\r\n\r\n', ''],
    ['extension', '5;a=b\r\nhello\r\n0;last\r\n\r\n', 'hello'],
    ['BWS before extension', '5 ;a\r\nhello\r\n0\t;x=y\r\n\r\n', 'hello'],
    ['several extensions with BWS', '5 ; a = 1 ;b;c="x"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['quoted extension with ; and escaped "', '5;a="x;y\\"z"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['quoted extension with obs-text', '5;a="\xe9"\r\nhello\r\n0\r\n\r\n', 'hello'],
    ['empty quoted extension value', '5;a=""\r\nhello\r\n0\r\n\r\n', 'hello'],
    [
      'extension names and values of all tchars',
      "5;!#$%&'*+-.^_`|~09azAZ=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n",
      'hello',
    ],
    ['data containing CRLF and hex', '7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n', '\r\n0\r\n\r\n'],
  ])('%s', (_name, raw, data) => {
    const out = decodeEverywhere(CHUNKED, raw + 'NEXT');
    expect(out).toEqual({ data, end: raw.length, trailers: null });
  });

  test('trailers are parsed with name case and order kept (RFC 9112 7.1.2)', () => {
    const raw =
      '5\r\nhello\r\n0\r\nX-Checksum: abc\r\nserver-timing: a;dur=1\r\nX-Checksum:  def \r\n\r\n';
    const out = decodeEverywhere(CHUNKED, raw + 'HTTP/1.1 200 OK\r\n');
    expect(out.data).toBe('hello');
    expect(out.end).toBe(raw.length);
    expect(out.trailers).toEqual([
      ['X-Checksum', 'abc'],
      ['server-timing', 'a;dur=1'],
      ['X-Checksum', 'def'],
    ]);
  });

  test('trailers carry the lower-case index too', () => {
    const r = decodePieces(CHUNKED, [b('0\r\nX-T: 1\r\n\r\n')]);
    expect(r.decoder.trailers?.get('x-t')).toBe('1');
  });

  test('done is reported and nothing after the body is consumed', () => {
    const d = new BodyDecoder(CHUNKED, DEFAULT_CODEC_LIMITS, BAD);
    const sink = new CollectingSink();
    const buf = b('2\r\nab\r\n0\r\n\r\nGET');
    expect(d.decode(buf, 0, sink)).toBe(buf.length - 3);
    expect(d.done).toBe(true);
    expect(d.decode(buf, buf.length - 3, sink)).toBe(buf.length - 3);
    expect(d.received).toBe(2);
    expect(d.trailers).toBeNull();
    expect(d.endOfInput()).toBe(true);
  });

  test('a size of 2^53-1 is accepted (data then follows)', () => {
    const d = new BodyDecoder(CHUNKED, DEFAULT_CODEC_LIMITS, BAD);
    const sink = new CollectingSink();
    expect(d.decode(b('1fffffffffffff\r\nabc'), 0, sink)).toBe(19);
    expect(sink.data.toString()).toBe('abc');
    expect(d.done).toBe(false);
  });

  test.each([
    ['truncated in size line', '5'],
    ['truncated in data', '5\r\nhel'],
    ['truncated before CRLF after data', '5\r\nhello'],
    ['truncated before last chunk', '5\r\nhello\r\n'],
    ['truncated in trailer section', '0\r\nX: 1\r\n'],
    ['truncated before final CRLF', '0\r\n'],
    ['truncated in final CRLF', '0\r\n\r'],
  ])('%s: incomplete, and endOfInput() is false', (_name, raw) => {
    expect(errorEverywhere(CHUNKED, raw)).toBe('incomplete');
    const d = new BodyDecoder(CHUNKED, DEFAULT_CODEC_LIMITS, BAD);
    d.decode(b(raw), 0, new CollectingSink());
    expect(d.endOfInput()).toBe(false);
  });
});

describe('no empty data is ever handed out (a zero-size chunk header would end the body)', () => {
  test.each([
    ['length', lengthFraming(6), 'abcdef'],
    ['chunked', CHUNKED, '1\r\na\r\n2;x\r\nbc\r\n3\r\ndef\r\n0\r\nT: 1\r\n\r\n'],
    ['close', CLOSE_DELIMITED, 'abcdef'],
  ] as const)('%s, with empty pieces between bytes', (_name, framing, raw) => {
    const d = new BodyDecoder(framing, DEFAULT_CODEC_LIMITS, BAD);
    const sizes: number[] = [];
    const sink = { onBodyData: (c: Buffer): void => void sizes.push(c.length) };
    const buf = b(raw);
    for (let i = 0; i < buf.length && !d.done; i++) {
      d.decode(Buffer.alloc(0), 0, sink);
      d.decode(buf.subarray(i, i + 1), 0, sink);
      d.decode(buf, buf.length, sink); // nothing left at this offset
    }
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(6);
  });
});

describe('chunked rejections (RFC 9112 7.1), with the code given to the constructor', () => {
  const CASES: readonly (readonly [string, string])[] = [
    ['bare LF after size', '5\nhello\r\n0\r\n\r\n'],
    ['bare LF after extension', '5;a=b\nhello\r\n0\r\n\r\n'],
    ['bare LF after last-chunk size', '5\r\nhello\r\n0\n\r\n'],
    ['bare CR after size', '5\rhello\r\n0\r\n\r\n'],
    ['bare CR after extension', '5;a\rhello\r\n0\r\n\r\n'],
    ['CR CR LF after size', '5\r\r\nhello\r\n0\r\n\r\n'],
    ['missing CRLF after data', '5\r\nhelloX\r\n0\r\n\r\n'],
    ['data longer than size', '3\r\nhello\r\n0\r\n\r\n'],
    ['bare LF after data', '5\r\nhello\n0\r\n\r\n'],
    ['bare CR after data', '5\r\nhello\r0\r\n\r\n'],
    ['non-hex size', 'g\r\nhello\r\n0\r\n\r\n'],
    ['empty size', '\r\nhello\r\n0\r\n\r\n'],
    ['empty size before extension', ';a\r\nhello\r\n0\r\n\r\n'],
    ['0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['plus sign', '+5\r\nhello\r\n0\r\n\r\n'],
    ['minus sign', '-5\r\nhello\r\n0\r\n\r\n'],
    ['leading SP', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['SP inside size', '5 5\r\nhello\r\n0\r\n\r\n'],
    ['whitespace without extension', '5 \r\nhello\r\n0\r\n\r\n'],
    ['HTAB without extension', '5\t\r\nhello\r\n0\r\n\r\n'],
    ['whitespace after last-chunk without extension', '5\r\nhello\r\n0 \r\n\r\n'],
    ['20 hex digits', 'ffffffffffffffffffff\r\n'],
    ['2^53', '20000000000000\r\n'],
    ['NUL in extension', '5;a\x00\r\nhello\r\n0\r\n\r\n'],
    // RFC 9112 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
    ['extension without name', '5;\r\nhello\r\n0\r\n\r\n'],
    ['extension name missing before =', '5;=b\r\nhello\r\n0\r\n\r\n'],
    ['extension value missing after =', '5;a=\r\nhello\r\n0\r\n\r\n'],
    ['whitespace after extension name at end of line', '5;a \r\nhello\r\n0\r\n\r\n'],
    ['whitespace after extension value at end of line', '5;a=b \r\nhello\r\n0\r\n\r\n'],
    ['whitespace after quoted value at end of line', '5;a="b" \r\nhello\r\n0\r\n\r\n'],
    ['two values', '5;a=b=c\r\nhello\r\n0\r\n\r\n'],
    ['two names', '5;a b\r\nhello\r\n0\r\n\r\n'],
    ['quoted name', '5;"a"\r\nhello\r\n0\r\n\r\n'],
    ['non-token in name', '5;a@b\r\nhello\r\n0\r\n\r\n'],
    ['non-token in token value', '5;a=b@c\r\nhello\r\n0\r\n\r\n'],
    ['obs-text in token value', '5;a=\xe9\r\nhello\r\n0\r\n\r\n'],
    ['DQUOTE inside token value', '5;a=b"c"\r\nhello\r\n0\r\n\r\n'],
    ['text after quoted value', '5;a="b"c\r\nhello\r\n0\r\n\r\n'],
    ['unterminated quoted value', '5;a="b\r\nhello\r\n0\r\n\r\n'],
    ['quoted-pair escaping the CR', '5;a="b\\\r\nhello\r\n0\r\n\r\n'],
    ['bare LF inside quoted value', '5;a="b\nc"\r\nhello\r\n0\r\n\r\n'],
    ['DEL inside quoted value', '5;a="\x7f"\r\nhello\r\n0\r\n\r\n'],
    ['NUL as quoted-pair', '5;a="\\\x00"\r\nhello\r\n0\r\n\r\n'],
    ['invalid extension on the last chunk', '5\r\nhello\r\n0;\r\n\r\n'],
    ['DEL in extension', '5;a\x7f\r\nhello\r\n0\r\n\r\n'],
    ['bare LF in trailer', '0\r\nX: 1\n\r\n'],
    ['bare LF ending trailer section', '0\r\nX: 1\r\n\n'],
    ['bare LF as whole trailer section', '0\r\n\n'],
    ['bare CR in trailer value', '0\r\nX: a\rb\r\n\r\n'],
    ['NUL in trailer value', '0\r\nX: a\x00\r\n\r\n'],
    ['obs-fold in trailer', '0\r\nX: a\r\n b\r\n\r\n'],
    ['SP before colon in trailer', '0\r\nX : a\r\n\r\n'],
    ['invalid trailer name', '0\r\nX(y): a\r\n\r\n'],
    ['trailer line without colon', '0\r\nnocolon\r\n\r\n'],
  ];

  test.each(CASES)('%s -> 400 for a request body', (_name, raw) => {
    expect(errorEverywhere(CHUNKED, raw, BAD)).toBe(BAD);
  });

  test.each(CASES)('%s -> 502 for a response body', (_name, raw) => {
    expect(errorEverywhere(CHUNKED, raw, BAD_RESP)).toBe(BAD_RESP);
  });

  test('the thrown error carries the status of its code', () => {
    const d = new BodyDecoder(CHUNKED, DEFAULT_CODEC_LIMITS, BAD_RESP);
    const err = proxyErrorOf(() => d.decode(b('zz\r\n'), 0, new CollectingSink()));
    expect(err.status).toBe(502);
  });
});

describe('chunked limits', () => {
  const limits = limitsWith({ maxChunkLineBytes: 16, maxTrailerBytes: 64 });

  test('chunk line of maxChunkLineBytes (without CRLF) is accepted, one more byte is refused', () => {
    // Size digits only (leading zeros), and size plus extension.
    const atLimitDigits = '0'.repeat(15) + '5';
    const atLimitExt = '5;' + 'e'.repeat(14);
    for (const line of [atLimitDigits, atLimitExt]) {
      expect(line).toHaveLength(16);
      expect(errorEverywhere(CHUNKED, line + '\r\nhello\r\n0\r\n\r\n', BAD, limits)).toBe('ok');
      expect(errorEverywhere(CHUNKED, '0' + line + '\r\nhello\r\n0\r\n\r\n', BAD, limits)).toBe(
        BAD,
      );
    }
    const atLimitLast = '0;' + 'e'.repeat(14);
    expect(errorEverywhere(CHUNKED, atLimitLast + '\r\n\r\n', BAD, limits)).toBe('ok');
    expect(errorEverywhere(CHUNKED, atLimitLast + 'e\r\n\r\n', BAD, limits)).toBe(BAD);
  });

  test('an endless chunk extension is refused before its end arrives', () => {
    const d = new BodyDecoder(CHUNKED, limits, BAD);
    const sink = new CollectingSink();
    d.decode(b('5;'), 0, sink);
    let fed = 0;
    expect(() => {
      for (let i = 0; i < 100; i++) {
        d.decode(b('aaaa'), 0, sink);
        fed += 4;
      }
    }).toThrow(expect.objectContaining({ code: BAD }));
    expect(fed).toBeLessThanOrEqual(16);
  });

  test('endless BWS before an extension is bounded by the same limit', () => {
    expect(
      errorEverywhere(CHUNKED, '5' + ' '.repeat(13) + ';e\r\nhello\r\n0\r\n\r\n', BAD, limits),
    ).toBe('ok');
    expect(
      errorEverywhere(CHUNKED, '5' + ' '.repeat(14) + ';e\r\nhello\r\n0\r\n\r\n', BAD, limits),
    ).toBe(BAD);
  });

  test('default chunk line limit', () => {
    const max = DEFAULT_CODEC_LIMITS.maxChunkLineBytes;
    const ext = (n: number): string => '5;' + 'e'.repeat(n - 2);
    const d = DEFAULT_CODEC_LIMITS;
    expect(errorEverywhere(CHUNKED, ext(max) + '\r\nhello\r\n0\r\n\r\n', BAD, d, false)).toBe('ok');
    expect(errorEverywhere(CHUNKED, ext(max + 1) + '\r\nhello\r\n0\r\n\r\n', BAD, d, false)).toBe(
      BAD,
    );
  });

  /** A trailer section of exactly `n` bytes, its final CRLF included. */
  function trailerSection(n: number): string {
    const fieldLine = 'X: ' + 'v'.repeat(n - 2 - 5) + '\r\n';
    return fieldLine + '\r\n';
  }

  test('trailer section of maxTrailerBytes is accepted, one more byte is refused', () => {
    for (const max of [64, 1000]) {
      const l = limitsWith({ maxTrailerBytes: max });
      const ok = '0\r\n' + trailerSection(max);
      const tooBig = '0\r\n' + trailerSection(max + 1);
      expect(errorEverywhere(CHUNKED, ok, BAD, l)).toBe('ok');
      expect(errorEverywhere(CHUNKED, tooBig, BAD, l)).toBe(BAD);
      expect(errorEverywhere(CHUNKED, tooBig, BAD_RESP, l)).toBe(BAD_RESP);
    }
  });

  test('an endless trailer is refused before its end arrives', () => {
    const d = new BodyDecoder(CHUNKED, limits, BAD_RESP);
    const sink = new CollectingSink();
    d.decode(b('0\r\n'), 0, sink);
    let fed = 0;
    expect(() => {
      for (let i = 0; i < 1000; i++) {
        d.decode(b('X: 1\r\n'), 0, sink);
        fed += 6;
      }
    }).toThrow(expect.objectContaining({ code: BAD_RESP }));
    expect(fed).toBeLessThanOrEqual(64);
  });

  test('default trailer limit', () => {
    const max = DEFAULT_CODEC_LIMITS.maxTrailerBytes;
    const d = DEFAULT_CODEC_LIMITS;
    expect(errorEverywhere(CHUNKED, '0\r\n' + trailerSection(max), BAD, d, false)).toBe('ok');
    expect(errorEverywhere(CHUNKED, '0\r\n' + trailerSection(max + 1), BAD, d, false)).toBe(BAD);
  });
});
