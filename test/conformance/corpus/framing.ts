/**
 * Request framing: Content-Length / Transfer-Encoding ambiguities (request smuggling) and chunked
 * edge cases. A request whose length could be read two ways is refused and the connection closed
 * (RFC 9112 6.1, 6.3); no request hidden after the body ever reaches the backend.
 */
import type { Case, Expectation } from '../harness/types';
import { all, fwdBody, fwdField, HIDDEN, HOST, msg, post, type Check } from './build';

const REJECT: Expectation = { status: [400], close: true, forwarded: 0 };
const REJECT_OR_501: Expectation = { status: [400, 501], close: true, forwarded: 0 };

function smug(
  id: string,
  title: string,
  bytes: string,
  expect: Expectation,
  rfc: string,
  strict?: Expectation,
): Case {
  return {
    id,
    group: 'smuggling',
    title,
    writes: [bytes],
    rfc,
    expect,
    ...(strict ? { strict } : {}),
  };
}

/**
 * Both CL and TE (RFC 9112 6.3(3)): a server MAY reject, or process by TE alone, and MUST close
 * the connection after responding either way; a forwarded copy carries chunked framing only.
 * Issue 2 asks rrproxy for the rejection.
 */
const CL_TE: Expectation = {
  status: [400, 200],
  close: true,
  forwarded: [0, 1],
  check: (o) => {
    const r = o.forwarded[0];
    return r === undefined || r.framing === 'chunked'
      ? null
      : `forwarded with framing ${r.framing}`;
  },
};

/** A valid-looking chunked body "0\r\n\r\n" followed by the hidden request. */
const Z = `0\r\n\r\n${HIDDEN}`;

/** Accepted as one request of `len` body bytes, or refused; never anything else. */
function acceptedAs(body: string): Expectation {
  return {
    status: [200, 400],
    forwarded: [0, 1],
    check: all(fwdBody(body), (o) =>
      o.statuses[0] === 400 && !o.client.closed ? '400 without closing' : null,
    ),
  };
}

export const SMUGGLING: Case[] = [
  {
    id: 'cl-short-fin',
    group: 'smuggling',
    title: 'Content-Length 10, 5 bytes, then the client half-closes',
    writes: [post(['Content-Length: 10'], 'hello')],
    halfClose: true,
    rfc: 'RFC 9112 8 (an incomplete request is never completed upstream)',
    expect: { status: [0, 400], close: true, forwarded: 0 },
  },
  {
    id: 'cl-long-fin',
    group: 'smuggling',
    title: 'Content-Length 5, 9 bytes (4 extra), then half-close',
    writes: [post(['Content-Length: 5'], 'helloXYZW')],
    halfClose: true,
    rfc: 'RFC 9112 6.3 (the extra bytes are the start of a next request, never body)',
    expect: { status: [200], forwarded: 1, check: fwdBody('hello') },
  },
  smug(
    'cl-te',
    'Content-Length then Transfer-Encoding',
    post(['Content-Length: 5', 'Transfer-Encoding: chunked'], Z),
    CL_TE,
    'RFC 9112 6.1, 6.3(3)',
    REJECT,
  ),
  smug(
    'te-cl',
    'Transfer-Encoding then Content-Length',
    post(['Transfer-Encoding: chunked', 'Content-Length: 5'], Z),
    CL_TE,
    'RFC 9112 6.1, 6.3(3)',
    REJECT,
  ),
  smug(
    'cl-te-lower',
    'lower-case content-length + transfer-encoding',
    post(['content-length: 5', 'transfer-encoding: chunked'], Z),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'te-cl0',
    'TE chunked with Content-Length: 0',
    post(['Transfer-Encoding: chunked', 'Content-Length: 0'], Z),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'cl-te-classic',
    'CL.TE: CL 4 covering "5c\\r\\n", chunked hides a POST',
    post(
      ['Content-Length: 4', 'Transfer-Encoding: chunked'],
      `5c\r\nGPOST /SMUG HTTP/1.1\r\nHost: example.test\r\nContent-Type: x\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n`,
    ),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'te-cl-classic',
    'TE.CL: TE chunked, CL 3',
    post(['Transfer-Encoding: chunked', 'Content-Length: 3'], `8\r\nSMUGGLED\r\n0\r\n\r\n`),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'cl-te-http10',
    'CL + TE in HTTP/1.0',
    msg('POST /up HTTP/1.0', [HOST, 'Content-Length: 5', 'Transfer-Encoding: chunked'], Z),
    CL_TE,
    'RFC 9112 6.1',
    REJECT,
  ),
  smug(
    'cl-dup-equal',
    'two Content-Length fields, equal',
    post(['Content-Length: 5', 'Content-Length: 5'], 'hello'),
    acceptedAs('hello'),
    'RFC 9110 8.6, RFC 9112 6.3(5)',
  ),
  smug(
    'cl-dup-diff',
    'two Content-Length fields, different',
    post(['Content-Length: 5', 'Content-Length: 6'], `hello!${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-list-equal',
    'Content-Length: 5, 5',
    post(['Content-Length: 5, 5'], 'hello'),
    acceptedAs('hello'),
    'RFC 9110 8.6',
  ),
  smug(
    'cl-list-diff',
    'Content-Length: 5, 6',
    post(['Content-Length: 5, 6'], `hello!${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-plus',
    'Content-Length: +5',
    post(['Content-Length: +5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9110 8.6 (1*DIGIT), RFC 9112 6.3(5)',
  ),
  smug(
    'cl-minus',
    'Content-Length: -5',
    post(['Content-Length: -5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-hex',
    'Content-Length: 0x5',
    post(['Content-Length: 0x5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-inner-space',
    'Content-Length: 1 5',
    post(['Content-Length: 1 5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-decimal',
    'Content-Length: 5.0',
    post(['Content-Length: 5.0'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-empty',
    'empty Content-Length',
    post(['Content-Length:'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-nul',
    'Content-Length: 5 followed by NUL',
    post(['Content-Length: 5\x00'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9110 5.5, RFC 9112 6.3(5)',
  ),
  smug(
    'cl-fullwidth',
    'Content-Length in full-width digits (UTF-8)',
    post(['Content-Length: \xef\xbc\x95'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-overflow',
    'Content-Length of 20 digits',
    post(['Content-Length: 99999999999999999999'], `hello${HIDDEN}`),
    { status: [400, 413], close: true, forwarded: 0 },
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-2pow53',
    'Content-Length 2^53',
    post(['Content-Length: 9007199254740992'], `hello${HIDDEN}`),
    { status: [400, 413], close: true, forwarded: 0 },
    'RFC 9112 6.3(5)',
  ),
  smug(
    'cl-over-limit',
    'Content-Length 2^53-1 (over any body limit)',
    post(['Content-Length: 9007199254740991'], 'hello'),
    { status: [413], close: true, forwarded: 0 },
    'RFC 9110 15.5.14',
  ),
  smug(
    'cl-leading-comma',
    'Content-Length: , 5',
    post(['Content-Length: , 5'], 'hello'),
    acceptedAs('hello'),
    'RFC 9112 6.3(5) (a list whose values are all the same)',
  ),
  smug(
    'cl-list-empty-mid',
    'Content-Length: 5,,5',
    post(['Content-Length: 5,,5'], 'hello'),
    acceptedAs('hello'),
    'RFC 9112 6.3(5), RFC 9110 5.6.1',
  ),
  smug(
    'te-trailing-comma',
    'Transfer-Encoding: chunked,',
    post(['Transfer-Encoding: chunked,'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200, 400, 501], forwarded: [0, 1], check: fwdBody('hello') },
    'RFC 9110 5.6.1 (empty list elements)',
  ),
  smug(
    'cl-leading-zeros',
    'Content-Length: 005',
    post(['Content-Length: 005'], 'hello'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 8.6 (1*DIGIT)',
  ),
  smug(
    'cl-ows',
    'Content-Length with OWS around the value',
    post(['Content-Length: \t5 \t'], 'hello'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 5.5 (OWS is not part of the value)',
  ),
  smug(
    'cl-trailing-comma',
    'Content-Length: 5,',
    post(['Content-Length: 5,'], 'hello'),
    acceptedAs('hello'),
    'RFC 9110 5.6.1 / 8.6',
  ),
  smug(
    'cl-space-before-colon',
    'Content-Length : 5 (space before colon)',
    post(['Content-Length : 5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 5.1',
  ),
  smug(
    'cl-and-spaced-cl',
    'Content-Length and "Content-Length :" differ',
    post(['Content-Length: 5', 'Content-Length : 11'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 5.1',
  ),
  smug(
    'cl-obs-fold',
    'Content-Length folded onto a second line',
    post(['Content-Length:', ' 5'], `hello${HIDDEN}`),
    REJECT,
    'RFC 9112 5.2',
  ),
  smug(
    'cl-with-te-identity',
    'Content-Length + TE: identity',
    post(['Content-Length: 5', 'Transfer-Encoding: identity'], `hello${HIDDEN}`),
    REJECT_OR_501,
    'RFC 9112 6.1, 6.3',
  ),
  smug(
    'te-casing',
    'Transfer-Encoding: Chunked',
    post(['Transfer-Encoding: Chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9112 7 (codings are case-insensitive)',
  ),
  smug(
    'te-upper',
    'TRANSFER-ENCODING: CHUNKED',
    post(['TRANSFER-ENCODING: CHUNKED'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9112 7',
  ),
  smug(
    'te-trailing-space',
    'Transfer-Encoding: "chunked " (trailing space)',
    post(['Transfer-Encoding: chunked '], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 5.5 (OWS)',
  ),
  smug(
    'te-leading-tab',
    'Transfer-Encoding:\\tchunked',
    post(['Transfer-Encoding:\tchunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 5.5 (OWS)',
  ),
  smug(
    'te-trailing-space-cl',
    '"chunked " with Content-Length',
    post(['Transfer-Encoding: chunked ', 'Content-Length: 5'], Z),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'te-tab-cl',
    '"\\tchunked" with Content-Length',
    post(['Transfer-Encoding:\tchunked', 'Content-Length: 5'], Z),
    CL_TE,
    'RFC 9112 6.3(3)',
    REJECT,
  ),
  smug(
    'te-xchunked',
    'Transfer-Encoding: xchunked',
    post(['Transfer-Encoding: xchunked'], Z),
    REJECT_OR_501,
    'RFC 9112 6.1',
  ),
  smug(
    'te-xchunked-cl',
    'xchunked with Content-Length',
    post(['Transfer-Encoding: xchunked', 'Content-Length: 5'], Z),
    REJECT_OR_501,
    'RFC 9112 6.3(3)',
  ),
  smug(
    'te-chunked-identity',
    'Transfer-Encoding: chunked, identity (chunked not last)',
    post(['Transfer-Encoding: chunked, identity'], Z),
    REJECT,
    'RFC 9112 6.3(4): MUST 400 when chunked is not the final coding',
  ),
  smug(
    'te-identity-chunked',
    'Transfer-Encoding: identity, chunked',
    post(['Transfer-Encoding: identity, chunked'], Z),
    REJECT_OR_501,
    'RFC 9112 6.1 (501 for an unknown coding)',
  ),
  smug(
    'te-gzip-chunked',
    'Transfer-Encoding: gzip, chunked',
    post(['Transfer-Encoding: gzip, chunked'], Z),
    { status: [200, 400, 501], forwarded: [0, 1], check: noSecondWithoutClose },
    'RFC 9112 6.1',
  ),
  smug(
    'te-chunked-chunked',
    'Transfer-Encoding: chunked, chunked',
    post(['Transfer-Encoding: chunked, chunked'], Z),
    REJECT_OR_501,
    'RFC 9112 7 (chunked at most once)',
  ),
  smug(
    'te-two-lines',
    'TE: chunked + TE: identity (two fields)',
    post(['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], Z),
    REJECT,
    'RFC 9112 6.3(4): chunked not final -> MUST 400',
  ),
  smug(
    'te-two-lines-rev',
    'TE: identity + TE: chunked',
    post(['Transfer-Encoding: identity', 'Transfer-Encoding: chunked'], Z),
    REJECT_OR_501,
    'RFC 9112 6.1',
  ),
  smug(
    'te-two-chunked',
    'TE: chunked twice (two fields)',
    post(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], Z),
    REJECT_OR_501,
    'RFC 9112 7',
  ),
  smug(
    'te-empty',
    'empty Transfer-Encoding',
    post(['Transfer-Encoding:'], Z),
    REJECT_OR_501,
    'RFC 9112 6.1',
  ),
  smug(
    'te-quoted',
    'Transfer-Encoding: "chunked"',
    post(['Transfer-Encoding: "chunked"'], Z),
    REJECT_OR_501,
    'RFC 9112 6.1',
  ),
  smug(
    'te-param',
    'Transfer-Encoding: chunked;q=1',
    post(['Transfer-Encoding: chunked;q=1'], Z),
    REJECT_OR_501,
    'RFC 9112 7 (chunked has no parameters)',
  ),
  smug(
    'te-leading-comma',
    'Transfer-Encoding: , chunked',
    post(['Transfer-Encoding: , chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200, 400, 501], forwarded: [0, 1], check: fwdBody('hello') },
    'RFC 9110 5.6.1 (empty list elements)',
  ),
  smug(
    'te-space-before-colon',
    'Transfer-Encoding : chunked',
    post(['Transfer-Encoding : chunked', 'Content-Length: 5'], Z),
    REJECT,
    'RFC 9112 5.1',
  ),
  smug(
    'te-obs-fold',
    'Transfer-Encoding folded',
    post(['Transfer-Encoding:', ' chunked', 'Content-Length: 5'], Z),
    REJECT,
    'RFC 9112 5.2',
  ),
  smug(
    'te-nul',
    'Transfer-Encoding: chunked\\0',
    post(['Transfer-Encoding: chunked\x00'], Z),
    REJECT,
    'RFC 9110 5.5',
  ),
  smug(
    'te-vtab',
    'Transfer-Encoding: \\x0bchunked',
    post(['Transfer-Encoding: \x0bchunked', 'Content-Length: 5'], Z),
    REJECT_OR_501,
    'RFC 9110 5.5',
  ),
  smug(
    'te-http10',
    'Transfer-Encoding in an HTTP/1.0 request',
    msg('POST /up HTTP/1.0', [HOST, 'Transfer-Encoding: chunked'], Z),
    CL_TE,
    'RFC 9112 6.1 (HTTP/1.0 + TE: faulty framing)',
    REJECT,
  ),
  smug(
    'te-underscore',
    'Transfer_Encoding: chunked with Content-Length',
    post(['Transfer_Encoding: chunked', 'Content-Length: 5'], '0\r\n\r\n'),
    {
      status: [200],
      forwarded: 1,
      check: all(fwdBody('0\r\n\r\n'), fwdField('transfer-encoding', null)),
    },
    'RFC 9110 5.1 (a different field name)',
  ),
  smug(
    'te-cr-name',
    'Transfer-Encoding with a bare CR before the colon',
    post(['Transfer-Encoding\r: chunked', 'Content-Length: 5'], Z),
    REJECT,
    'RFC 9112 2.2, 5.1',
  ),
];

/** After a 200 to an odd coding the hidden request must not have been processed on that connection. */
function noSecondWithoutClose(o: import('../harness/types').Observation): string | null {
  return o.statuses.length > 1 ? `answered ${o.statuses.length} requests` : null;
}

function chunked(
  id: string,
  title: string,
  body: string,
  expect: Expectation,
  rfc: string,
  extra: Partial<Case> = {},
): Case {
  return {
    id,
    group: 'chunked',
    title,
    writes: [post(['Transfer-Encoding: chunked'], body)],
    rfc,
    expect,
    ...extra,
  };
}

const okBody = (body: string, more?: Check): Expectation => ({
  status: [200],
  forwarded: 1,
  check: more === undefined ? fwdBody(body) : all(fwdBody(body), more),
});

export const CHUNKED: Case[] = [
  chunked('ch-valid', 'one chunk', '5\r\nhello\r\n0\r\n\r\n', okBody('hello'), 'RFC 9112 7.1'),
  chunked(
    'ch-two',
    'two chunks',
    '3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-leading-zeros',
    'chunk size 0005',
    '0005\r\nhello\r\n0000\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1 (1*HEXDIG)',
  ),
  chunked(
    'ch-many-zeros',
    'chunk size with 30 leading zeros',
    `${'0'.repeat(30)}5\r\nhello\r\n0\r\n\r\n`,
    { status: [200, 400], forwarded: [0, 1], check: fwdBody('hello') },
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-upper-hex',
    'chunk size A (upper-case hex)',
    'A\r\n0123456789\r\n0\r\n\r\n',
    okBody('0123456789'),
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-lower-hex',
    'chunk size a (lower-case hex)',
    'a\r\n0123456789\r\n0\r\n\r\n',
    okBody('0123456789'),
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-overflow',
    'chunk size of 17 hex digits',
    `1FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1 (overflow must be an error)',
  ),
  chunked(
    'ch-u64',
    'chunk size 2^64-1',
    `ffffffffffffffff\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-u64-wrap',
    'chunk size 2^64+5 (wraps to 5 in 64 bits)',
    `10000000000000005\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-negative',
    'chunk size -5',
    `-5\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked('ch-0x', 'chunk size 0x5', `0x5\r\nhello\r\n0\r\n\r\n${HIDDEN}`, REJECT, 'RFC 9112 7.1'),
  chunked('ch-plus', 'chunk size +5', `+5\r\nhello\r\n0\r\n\r\n${HIDDEN}`, REJECT, 'RFC 9112 7.1'),
  chunked(
    'ch-leading-space',
    'chunk size " 5"',
    ` 5\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-trailing-space',
    'chunk size "5 " (no extension)',
    `5 \r\nhello\r\n0\r\n\r\n`,
    { status: [200, 400], forwarded: [0, 1], check: fwdBody('hello') },
    'RFC 9112 7.1 (not in the grammar; BWS only before ";")',
  ),
  chunked(
    'ch-empty-size',
    'empty chunk-size line',
    `\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-ext-name',
    'chunk extension without value',
    '5;foo\r\nhello\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-value',
    'chunk extension with token value',
    '5;foo=bar\r\nhello\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-quoted',
    'chunk extension with quoted value',
    '5;foo="bar baz"\r\nhello\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-quoted-escape',
    'quoted extension value with \\"',
    '5;foo="a\\"b"\r\nhello\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1, RFC 9110 5.6.4',
  ),
  chunked(
    'ch-ext-bws',
    'extension with BWS: "5 ; foo = bar"',
    '5 ; foo = bar\r\nhello\r\n0\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1 (BWS)',
  ),
  chunked(
    'ch-ext-many',
    'several extensions',
    '5;a;b=1;c="x"\r\nhello\r\n0;last=1\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-unterminated',
    'unterminated quoted extension',
    `5;foo="bar\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-bad-char',
    'extension "foo bar" (space inside a token)',
    `5;foo bar\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-lf-in-quoted',
    'bare LF inside a quoted extension',
    `5;foo="a\nb"\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-ext-long',
    'a 5000-byte chunk extension',
    `5;x=${'a'.repeat(5000)}\r\nhello\r\n0\r\n\r\n`,
    { status: [200, 400], forwarded: [0, 1], check: fwdBody('hello') },
    'RFC 9112 7.1.1 (recipients limit extensions)',
  ),
  chunked(
    'ch-bare-lf-size',
    'bare LF after the chunk size',
    `5\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1 (CRLF)',
  ),
  chunked(
    'ch-bare-lf-data',
    'bare LF after chunk data',
    `5\r\nhello\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-bare-lf-last',
    'bare LF after the last chunk',
    `5\r\nhello\r\n0\n\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-bare-cr',
    'bare CR after the chunk size',
    `5\rhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1, 2.2',
  ),
  chunked(
    'ch-missing-crlf',
    'no CRLF after chunk data',
    `5\r\nhelloX0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-data-too-long',
    'more data than the chunk size',
    `3\r\nhello\r\n0\r\n\r\n${HIDDEN}`,
    REJECT,
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-trailer',
    'trailer field after the last chunk',
    '5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.2',
  ),
  chunked(
    'ch-trailer-forbidden',
    'trailers Content-Length/Host/Transfer-Encoding',
    '5\r\nhello\r\n0\r\nContent-Length: 50\r\nHost: evil.test\r\nTransfer-Encoding: chunked\r\n\r\n',
    {
      status: [200, 400],
      forwarded: [0, 1],
      check: all(fwdBody('hello'), fwdField('host', ['example.test'])),
    },
    'RFC 9110 6.5.1 (never merged into the head)',
    {},
  ),
  chunked(
    'ch-trailer-obs-fold',
    'obs-fold in a trailer',
    `5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n${HIDDEN}`,
    { status: [400], close: true, forwarded: [0, 1], check: noCompleteForward },
    'RFC 9112 5.2, 7.1.2',
  ),
  chunked(
    'ch-trailer-bare-lf',
    'bare LF in the trailer section',
    `5\r\nhello\r\n0\r\nX-T: 1\n\r\n${HIDDEN}`,
    { status: [400], close: true, forwarded: [0, 1], check: noCompleteForward },
    'RFC 9112 7.1.2',
  ),
  chunked(
    'ch-trailer-no-colon',
    'trailer line without a colon',
    `5\r\nhello\r\n0\r\nX-T\r\n\r\n${HIDDEN}`,
    { status: [400], close: true, forwarded: [0, 1], check: noCompleteForward },
    'RFC 9112 7.1.2, 5',
  ),
  chunked(
    'ch-trailer-space-colon',
    'trailer with whitespace before the colon',
    `5\r\nhello\r\n0\r\nX-T : 1\r\n\r\n${HIDDEN}`,
    { status: [400], close: true, forwarded: [0, 1], check: noCompleteForward },
    'RFC 9112 5.1',
  ),
  chunked(
    'ch-many-small',
    '500 one-byte chunks',
    `${'x'
      .split('')
      .map(() => '1\r\na\r\n')
      .join('')
      .repeat(500)}0\r\n\r\n`,
    okBody('a'.repeat(500)),
    'RFC 9112 7.1',
  ),
  chunked(
    'ch-zero-ext',
    'last chunk with an extension',
    '5\r\nhello\r\n0;done\r\n\r\n',
    okBody('hello'),
    'RFC 9112 7.1.1',
  ),
  chunked(
    'ch-incomplete-fin',
    'no last chunk, then the client half-closes',
    '5\r\nhello\r\n',
    {
      check: all(noCompleteForward, (o) =>
        o.statuses[0] === 200 ? 'a 200 for a truncated body' : null,
      ),
    },
    'RFC 9112 8 (incomplete message)',
    { halfClose: true },
  ),
  chunked(
    'ch-no-final-crlf',
    'last chunk without the final CRLF, then half-close',
    '5\r\nhello\r\n0\r\n',
    {
      check: all(noCompleteForward, (o) =>
        o.statuses[0] === 200 ? 'a 200 for a truncated body' : null,
      ),
    },
    'RFC 9112 7.1 (the trailer section ends with CRLF)',
    { halfClose: true },
  ),
  chunked(
    'ch-split-writes',
    'chunked body split across writes',
    '',
    okBody('hello world'),
    'RFC 9112 7.1',
    {
      writes: [
        post(['Transfer-Encoding: chunked'], '5\r\nhel'),
        'lo\r\n6\r',
        '\n world\r\n0\r',
        '\n\r\n',
      ],
      gapMs: 30,
    },
  ),
  {
    id: 'ch-get-body',
    group: 'chunked',
    title: 'GET with a chunked body',
    writes: [
      msg('GET /g HTTP/1.1', [HOST, 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    ],
    rfc: 'RFC 9110 9.3.1 (content allowed, no defined semantics)',
    expect: { status: [200, 400], forwarded: [0, 1], check: fwdBody('hello') },
  },
];

/** A malformed chunked body may have started upstream, but must never be completed there. */
function noCompleteForward(o: import('../harness/types').Observation): string | null {
  return o.forwarded.length > 0
    ? `backend received a complete request: ${o.forwarded[0]!.line}`
    : null;
}
