/**
 * Message body framing (RFC 9112 6.1-6.3): the request-smuggling defences. Every head here goes
 * through the real parser first, so OWS trimming and field splitting are as on the wire; a few
 * cases build a HeaderList directly to reach values the parser would have trimmed.
 */
import type { ErrorCode } from '../../src/errors';
import {
  HeaderList,
  parseContentLength,
  requestFraming,
  responseFraming,
  type BodyFraming,
  type RequestHead,
  type ResponseHead,
} from '../../src/http';
import { expectCode, requestHead, responseHead } from './codec-helpers';

const BAD = 'RRP_ERR_BAD_REQUEST';
const NOT_IMPL = 'RRP_ERR_NOT_IMPLEMENTED';
const BAD_RESP = 'RRP_ERR_UPSTREAM_BAD_RESPONSE';

function req(fields: string, version = '1.1', method = 'POST'): RequestHead {
  return requestHead(`${method} / HTTP/${version}\r\n${fields}\r\n`);
}

function res(fields: string, status = 200, version = '1.1'): ResponseHead {
  return responseHead(`HTTP/${version} ${status} X\r\n${fields}\r\n`);
}

function framingOrCode(fn: () => BodyFraming): BodyFraming | ErrorCode {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error && 'code' in err) return (err as { code: ErrorCode }).code;
    throw err;
  }
}

describe('parseContentLength (RFC 9110 8.6: Content-Length = 1*DIGIT)', () => {
  test.each([
    ['0', 0],
    ['5', 5],
    ['007', 7],
    ['1048576', 1048576],
    ['9007199254740991', 9007199254740991],
    ['0009007199254740991', 9007199254740991],
    ['00000000000000000000000000005', 5],
  ])('%s -> %d', (v, n) => {
    expect(parseContentLength(v)).toBe(n);
  });

  test.each([
    '',
    '+5',
    '-1',
    ' 5',
    '5 ',
    '5 5',
    '0x5',
    '5.0',
    '1e3',
    '５',
    '5\xa0',
    '9007199254740992',
    '9007199254740993',
    '18446744073709551616',
    '99999999999999999999999',
  ])('%j -> invalid', (v) => {
    expect(parseContentLength(v)).toBe(-1);
  });
});

describe('requestFraming (RFC 9112 6.1-6.3)', () => {
  test.each([
    ['no body fields', '', { kind: 'none' }],
    ['Content-Length: 0', 'Content-Length: 0\r\n', { kind: 'length', length: 0 }],
    ['Content-Length: 5', 'Content-Length: 5\r\n', { kind: 'length', length: 5 }],
    [
      'CL with OWS (trimmed by parser)',
      'Content-Length: \t 5 \t\r\n',
      { kind: 'length', length: 5 },
    ],
    ['name case', 'content-LENGTH: 12\r\n', { kind: 'length', length: 12 }],
    [
      'identical duplicate fields',
      'Content-Length: 5\r\nContent-Length: 5\r\n',
      { kind: 'length', length: 5 },
    ],
    ['identical list members', 'Content-Length: 5, 5\r\n', { kind: 'length', length: 5 }],
    [
      'identical list and field',
      'Content-Length: 5,5\r\nContent-Length: 05\r\n',
      { kind: 'length', length: 5 },
    ],
    [
      '2^53-1',
      'Content-Length: 9007199254740991\r\n',
      { kind: 'length', length: 9007199254740991 },
    ],
    ['TE chunked', 'Transfer-Encoding: chunked\r\n', { kind: 'chunked' }],
    ['TE Chunked', 'Transfer-Encoding: Chunked\r\n', { kind: 'chunked' }],
    ['TE CHUNKED with OWS', 'transfer-encoding:  CHUNKED \r\n', { kind: 'chunked' }],
  ])('%s', (_name, fields, expected) => {
    expect(requestFraming(req(fields))).toEqual(expected);
  });

  test.each([
    // RFC 9112 6.3 item 3: both present is a smuggling signature; we refuse it.
    ['CL and TE', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', BAD],
    ['TE and CL', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', BAD],
    ['TE and CL 0', 'Transfer-Encoding: chunked\r\nContent-Length: 0\r\n', BAD],
    ['TE gzip and CL', 'Transfer-Encoding: gzip\r\nContent-Length: 5\r\n', BAD],
    // RFC 9112 6.3 item 5 / RFC 9110 8.6: differing lengths are unrecoverable.
    ['differing duplicate fields', 'Content-Length: 5\r\nContent-Length: 6\r\n', BAD],
    ['differing list members', 'Content-Length: 5, 6\r\n', BAD],
    ['differing list in second field', 'Content-Length: 5\r\nContent-Length: 5, 6\r\n', BAD],
    ['list with an invalid member', 'Content-Length: 5, x\r\n', BAD],
    ['list with a quoted member', 'Content-Length: 5, "5"\r\n', BAD],
    ['list with an unterminated quote', 'Content-Length: 5, "6\r\n', BAD],
    ['list member with NBSP', 'Content-Length: 5\xa0, 5\r\n', BAD],
    ['only commas', 'Content-Length: ,\r\n', BAD],
    ['plus sign', 'Content-Length: +5\r\n', BAD],
    ['hex', 'Content-Length: 0x5\r\n', BAD],
    ['inner space', 'Content-Length: 5 5\r\n', BAD],
    ['negative', 'Content-Length: -1\r\n', BAD],
    ['empty', 'Content-Length:\r\n', BAD],
    ['empty after a valid field', 'Content-Length: 5\r\nContent-Length: \r\n', BAD],
    ['2^53', 'Content-Length: 9007199254740992\r\n', BAD],
    ['2^64', 'Content-Length: 18446744073709551616\r\n', BAD],
    ['decimal point', 'Content-Length: 5.0\r\n', BAD],
    // RFC 9112 6.1: a coding other than exactly chunked is not implemented -> 501.
    // RFC 9112 6.3(4): chunked not the final coding -> 400; chunked last behind others -> 501.
    ['TE gzip', 'Transfer-Encoding: gzip\r\n', BAD],
    ['TE identity', 'Transfer-Encoding: identity\r\n', BAD],
    ['TE chunked, identity', 'Transfer-Encoding: chunked, identity\r\n', BAD],
    [
      'TE chunked field then identity field',
      'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n',
      BAD,
    ],
    ['TE gzip, chunked', 'Transfer-Encoding: gzip, chunked\r\n', NOT_IMPL],
    ['TE chunked, chunked', 'Transfer-Encoding: chunked, chunked\r\n', NOT_IMPL],
    [
      'TE chunked twice as fields',
      'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
      NOT_IMPL,
    ],
    [
      'TE gzip field then chunked field',
      'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n',
      NOT_IMPL,
    ],
    ['TE chunked with trailing comma', 'Transfer-Encoding: chunked,\r\n', NOT_IMPL],
    ['TE chunked with parameter', 'Transfer-Encoding: chunked;q=1\r\n', BAD],
    ['TE quoted chunked', 'Transfer-Encoding: "chunked"\r\n', BAD],
    ['TE chunked with NBSP', 'Transfer-Encoding: chunked\xa0\r\n', BAD],
    ['TE xchunked', 'Transfer-Encoding: xchunked\r\n', BAD],
    ['TE empty', 'Transfer-Encoding: \r\n', BAD],
  ])('%s', (_name, fields, code) => {
    expect(framingOrCode(() => requestFraming(req(fields)))).toBe(code);
  });

  test('status of each code: 400 and 501', () => {
    expectCode(() => requestFraming(req('Content-Length: 1\r\nContent-Length: 2\r\n')), BAD, 400);
    expectCode(() => requestFraming(req('Transfer-Encoding: gzip, chunked\r\n')), NOT_IMPL, 501);
    expectCode(() => requestFraming(req('Transfer-Encoding: gzip\r\n')), BAD, 400);
  });

  test('Transfer-Encoding in an HTTP/1.0 request is 400 (RFC 9112 6.1), even chunked', () => {
    expectCode(() => requestFraming(req('Transfer-Encoding: chunked\r\n', '1.0')), BAD, 400);
    expectCode(() => requestFraming(req('Transfer-Encoding: gzip\r\n', '1.0')), BAD, 400);
    expectCode(
      () => requestFraming(req('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', '1.0')),
      BAD,
    );
    expect(requestFraming(req('Content-Length: 3\r\n', '1.0'))).toEqual({
      kind: 'length',
      length: 3,
    });
  });

  test('values the parser would have trimmed are still refused when built by hand', () => {
    for (const v of [' 5', '5 ', '\t5', '5\t']) {
      const headers = HeaderList.from([['Content-Length', v]]);
      expectCode(
        () => requestFraming({ method: 'POST', target: '/', versionMinor: 1, headers }),
        BAD,
      );
    }
  });

  test('any method may carry a body; framing ignores the method (RFC 9112 6.3 item 6)', () => {
    expect(requestFraming(req('Content-Length: 2\r\n', '1.1', 'GET'))).toEqual({
      kind: 'length',
      length: 2,
    });
    expect(requestFraming(req('', '1.1', 'POST'))).toEqual({ kind: 'none' });
  });
});

describe('responseFraming (RFC 9112 6.3)', () => {
  test.each([
    ['HEAD response with CL', 'HEAD', 200, 'Content-Length: 5\r\n', { kind: 'none' }],
    ['HEAD response with TE', 'HEAD', 200, 'Transfer-Encoding: chunked\r\n', { kind: 'none' }],
    [
      'HEAD response with both',
      'HEAD',
      200,
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
      { kind: 'none' },
    ],
    ['100', 'GET', 100, '', { kind: 'none' }],
    ['103 with CL', 'GET', 103, 'Content-Length: 5\r\n', { kind: 'none' }],
    ['101', 'GET', 101, '', { kind: 'none' }],
    ['204 with CL', 'GET', 204, 'Content-Length: 5\r\n', { kind: 'none' }],
    ['304 with CL', 'GET', 304, 'Content-Length: 5\r\n', { kind: 'none' }],
    ['304 with TE', 'GET', 304, 'Transfer-Encoding: chunked\r\n', { kind: 'none' }],
    ['200 CL', 'GET', 200, 'Content-Length: 5\r\n', { kind: 'length', length: 5 }],
    ['200 CL 0', 'GET', 200, 'Content-Length: 0\r\n', { kind: 'length', length: 0 }],
    [
      '200 identical CLs',
      'GET',
      200,
      'Content-Length: 5\r\ncontent-length: 5\r\n',
      { kind: 'length', length: 5 },
    ],
    ['200 TE chunked', 'GET', 200, 'Transfer-Encoding: chunked\r\n', { kind: 'chunked' }],
    ['200 TE Chunked', 'POST', 200, 'transfer-encoding: Chunked\r\n', { kind: 'chunked' }],
    ['200 neither', 'GET', 200, '', { kind: 'close' }],
    ['404 neither', 'GET', 404, 'X: y\r\n', { kind: 'close' }],
    ['205 neither', 'GET', 205, '', { kind: 'close' }],
    ['500 CL', 'DELETE', 500, 'Content-Length: 3\r\n', { kind: 'length', length: 3 }],
  ])('%s', (_name, method, status, fields, expected) => {
    expect(responseFraming(res(fields, status), method)).toEqual(expected);
  });

  test.each([
    ['CL and TE', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'],
    ['TE and CL', 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n'],
    ['differing CLs', 'Content-Length: 5\r\nContent-Length: 6\r\n'],
    ['differing CL list', 'Content-Length: 5, 6\r\n'],
    ['CL not digits', 'Content-Length: 5a\r\n'],
    ['CL empty', 'Content-Length: \r\n'],
    ['CL 2^53', 'Content-Length: 9007199254740992\r\n'],
    // We would have to pass such a body on undecoded and re-frame it: refused instead.
    ['TE gzip', 'Transfer-Encoding: gzip\r\n'],
    ['TE gzip, chunked', 'Transfer-Encoding: gzip, chunked\r\n'],
    ['TE chunked, chunked', 'Transfer-Encoding: chunked, chunked\r\n'],
    ['TE identity', 'Transfer-Encoding: identity\r\n'],
  ])('%s -> RRP_ERR_UPSTREAM_BAD_RESPONSE (502)', (_name, fields) => {
    expectCode(() => responseFraming(res(fields), 'GET'), BAD_RESP, 502);
  });

  test('an HTTP/1.0 response with Transfer-Encoding has faulty framing (RFC 9112 6.1)', () => {
    expectCode(
      () => responseFraming(res('Transfer-Encoding: chunked\r\n', 200, '1.0'), 'GET'),
      BAD_RESP,
      502,
    );
    expectCode(
      () =>
        responseFraming(
          res('Transfer-Encoding: chunked\r\nContent-Length: 2\r\n', 200, '1.0'),
          'GET',
        ),
      BAD_RESP,
    );
    expect(responseFraming(res('Content-Length: 2\r\n', 200, '1.0'), 'GET')).toEqual({
      kind: 'length',
      length: 2,
    });
    expect(responseFraming(res('', 200, '1.0'), 'GET')).toEqual({ kind: 'close' });
  });
});
