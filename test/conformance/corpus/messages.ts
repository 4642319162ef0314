/**
 * Request lines (RFC 9112 3), Expect and Upgrade (RFC 9110 10.1.1, 7.8), hop-by-hop fields and
 * Via (RFC 9110 7.6), Max-Forwards (RFC 9110 7.6.2), pipelining and persistence (RFC 9112 9).
 */
import { fieldValues } from '../harness/lenient';
import type { Case, Expectation, Group, Observation } from '../harness/types';
import {
  all,
  fwdBody,
  fwdField,
  fwdFieldLacks,
  fwdLine,
  fwdTarget,
  get,
  HIDDEN,
  HOST,
  msg,
  onForwarded,
  onResponse,
  post,
  respField,
} from './build';

const REJECT: Expectation = { status: [400], close: true, forwarded: 0 };
const OK: Expectation = { status: [200], forwarded: 1 };

function line(
  id: string,
  title: string,
  requestLine: string,
  expect: Expectation,
  rfc: string,
  fields = [HOST],
): Case {
  const hidden = expect.status?.includes(200) === true ? '' : HIDDEN;
  return {
    id,
    group: 'request-line',
    title,
    writes: [msg(requestLine, fields) + hidden],
    rfc,
    expect,
  };
}

/** Forwarded with this exact request line, or refused with one of `refusals`. */
function forwardedAsIs(requestLine: string, refusals: number[]): Expectation {
  return { status: [200, ...refusals], forwarded: [0, 1], check: fwdLine(requestLine) };
}

export const REQUEST_LINES: Case[] = [
  line(
    'rl-basic',
    'GET / HTTP/1.1',
    'GET / HTTP/1.1',
    { ...OK, close: false, check: fwdLine('GET / HTTP/1.1') },
    'RFC 9112 3',
  ),
  line(
    'rl-lowercase-method',
    'lower-case method "get" (methods are case-sensitive)',
    'get / HTTP/1.1',
    forwardedAsIs('get / HTTP/1.1', [400, 405, 501]),
    'RFC 9110 9.1 (case-sensitive; never rewritten to GET)',
  ),
  line(
    'rl-custom-method',
    'extension method PURGE',
    'PURGE /x HTTP/1.1',
    forwardedAsIs('PURGE /x HTTP/1.1', [405, 501]),
    'RFC 9110 9.1, 16.1',
  ),
  line(
    'rl-msearch',
    'method M-SEARCH',
    'M-SEARCH /x HTTP/1.1',
    forwardedAsIs('M-SEARCH /x HTTP/1.1', [405, 501]),
    'RFC 9110 9.1',
  ),
  line(
    'rl-tchar-method',
    "method made of odd tchars !#$%&'*+.^_`|~",
    "!#$%&'*+.^_`|~ /x HTTP/1.1",
    forwardedAsIs("!#$%&'*+.^_`|~ /x HTTP/1.1", [400, 405, 501]),
    'RFC 9110 9.1, 5.6.2',
  ),
  line(
    'rl-method-paren',
    'method with "(" (not a tchar)',
    'GE(T / HTTP/1.1',
    REJECT,
    'RFC 9112 3 (method = token)',
  ),
  line('rl-method-8bit', 'method with byte 0xC9', 'G\xc9T / HTTP/1.1', REJECT, 'RFC 9112 3'),
  line(
    'rl-method-long',
    'a 200-character method',
    `${'X'.repeat(200)} / HTTP/1.1`,
    forwardedAsIs(`${'X'.repeat(200)} / HTTP/1.1`, [400, 405, 501]),
    'RFC 9110 9.1',
  ),
  line(
    'rl-options-star',
    'OPTIONS * HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    { ...OK, check: fwdLine('OPTIONS * HTTP/1.1') },
    'RFC 9112 3.2.4',
  ),
  line(
    'rl-get-star',
    'GET * HTTP/1.1',
    'GET * HTTP/1.1',
    REJECT,
    'RFC 9112 3.2.4 (asterisk-form only for OPTIONS)',
  ),
  line(
    'rl-connect',
    'CONNECT example.test:443',
    'CONNECT example.test:443 HTTP/1.1',
    { status: [400, 405, 501], forwarded: 0 },
    'RFC 9110 9.3.6 (a reverse proxy need not tunnel)',
  ),
  line(
    'rl-connect-origin',
    'CONNECT with origin-form',
    'CONNECT / HTTP/1.1',
    { status: [400, 405, 501], forwarded: 0 },
    'RFC 9112 3.2.3',
  ),
  line(
    'rl-authority-get',
    'authority-form with GET',
    'GET example.test:80 HTTP/1.1',
    { status: [400, 501], forwarded: 0 },
    'RFC 9112 3.2.3 (authority-form only for CONNECT)',
  ),
  line(
    'rl-http09',
    'HTTP/0.9 "GET /"',
    'GET /',
    { status: [0, 400], forwarded: 0 },
    'RFC 9112 2.3, 3',
  ),
  line(
    'rl-http12',
    'HTTP/1.2 (higher minor version)',
    'GET /v HTTP/1.2',
    { ...OK, check: fwdLine('GET /v HTTP/1.1') },
    'RFC 9110 2.5: process as the highest 1.x minor',
  ),
  line(
    'rl-http19',
    'HTTP/1.9',
    'GET /v HTTP/1.9',
    { ...OK, check: fwdLine('GET /v HTTP/1.1') },
    'RFC 9110 2.5',
  ),
  line(
    'rl-http20',
    'HTTP/2.0 in an HTTP/1 request line',
    'GET / HTTP/2.0',
    { status: [505, 400], close: true, forwarded: 0 },
    'RFC 9110 15.6.6',
  ),
  line(
    'rl-http30',
    'HTTP/3.0',
    'GET / HTTP/3.0',
    { status: [505, 400], close: true, forwarded: 0 },
    'RFC 9110 15.6.6',
  ),
  line(
    'rl-h2-preface',
    'the HTTP/2 connection preface',
    'PRI * HTTP/2.0',
    { status: [400, 505], close: true, forwarded: 0 },
    'RFC 9113 3.4 / RFC 9110 15.6.6 (no h2 on an HTTP/1.1 port without upgrade)',
    [],
  ),
  line(
    'rl-http110',
    'HTTP/1.10 (two-digit minor)',
    'GET / HTTP/1.10',
    REJECT,
    'RFC 9112 2.3 (DIGIT "." DIGIT)',
  ),
  line('rl-http011', 'HTTP/01.1', 'GET / HTTP/01.1', REJECT, 'RFC 9112 2.3'),
  line(
    'rl-lower-http',
    'http/1.1 in lower case',
    'GET / http/1.1',
    REJECT,
    'RFC 9112 2.3 (HTTP-name is case-sensitive)',
  ),
  line(
    'rl-trailing-space',
    '"HTTP/1.1 " with a trailing space',
    'GET / HTTP/1.1 ',
    REJECT,
    'RFC 9112 3',
  ),
  line(
    'rl-double-space',
    'two spaces after the method',
    'GET  / HTTP/1.1',
    { status: [400, 200], forwarded: [0, 1], check: fwdTarget('/') },
    'RFC 9112 3 (MAY parse on whitespace)',
  ),
  line(
    'rl-double-space-2',
    'two spaces before the version',
    'GET /  HTTP/1.1',
    { status: [400, 200], forwarded: [0, 1], check: fwdTarget('/') },
    'RFC 9112 3',
  ),
  line(
    'rl-tabs',
    'HTAB separators',
    'GET\t/\tHTTP/1.1',
    { status: [400, 200], forwarded: [0, 1], check: fwdTarget('/') },
    'RFC 9112 3',
  ),
  line(
    'rl-leading-space',
    'leading space before the method',
    ' GET / HTTP/1.1',
    REJECT,
    'RFC 9112 3',
  ),
  line('rl-no-version', 'no version at all but fields follow', 'GET /x', REJECT, 'RFC 9112 3'),
  line('rl-empty-target', 'empty request-target', 'GET  HTTP/1.1', REJECT, 'RFC 9112 3.2'),
  line(
    'rl-space-in-target',
    'space inside the target',
    'GET /a b HTTP/1.1',
    REJECT,
    'RFC 9112 3.2',
  ),
  line('rl-nul-target', 'NUL in the target', 'GET /a\x00b HTTP/1.1', REJECT, 'RFC 9112 3.2'),
  line('rl-del-target', 'DEL in the target', 'GET /a\x7fb HTTP/1.1', REJECT, 'RFC 9112 3.2'),
  line('rl-cr-target', 'bare CR in the request line', 'GET /a\rb HTTP/1.1', REJECT, 'RFC 9112 2.2'),
  line(
    'rl-8bit-target',
    'raw UTF-8 bytes in the target',
    'GET /caf\xc3\xa9 HTTP/1.1',
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/caf\xc3\xa9') },
    'RFC 9112 3.2 (SHOULD 400 an invalid target)',
  ),
  line(
    'rl-pct-target',
    '%-encoded target kept byte for byte',
    'GET /a%20b/%2e%2E/%2F?q=%00 HTTP/1.1',
    { ...OK, check: fwdTarget('/a%20b/%2e%2E/%2F?q=%00') },
    'RFC 9110 7.1, 4.2.3 (no normalization required)',
  ),
  line(
    'rl-dot-segments',
    'dot segments kept as sent',
    'GET /a/../b/./c HTTP/1.1',
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/a/../b/./c') },
    'RFC 9110 4.2.3',
  ),
  line(
    'rl-double-slash',
    '//double//slash',
    'GET //double//slash HTTP/1.1',
    { ...OK, check: fwdTarget('//double//slash') },
    'RFC 3986 3.3',
  ),
  line(
    'rl-fragment',
    'fragment in the target',
    'GET /p#frag HTTP/1.1',
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/p') },
    'RFC 9112 3.2 (no fragment in request-target), RFC 9110 4.2.4',
  ),
  line(
    'rl-backslash',
    'backslash in the target',
    'GET /a\\b HTTP/1.1',
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/a\\b') },
    'RFC 9112 3.2 (SHOULD 400)',
  ),
  line(
    'rl-unsafe-chars',
    '"<>{}|^` in the target',
    'GET /a"<>{}|^`b HTTP/1.1',
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/a"<>{}|^`b') },
    'RFC 9112 3.2 (SHOULD 400)',
  ),
  line(
    'rl-query-only',
    'target "/?a=1&b"',
    'GET /?a=1&b HTTP/1.1',
    { ...OK, check: fwdTarget('/?a=1&b') },
    'RFC 9112 3.2.1',
  ),
  line(
    'rl-7k-uri',
    'a 7000-byte target',
    `GET /${'u'.repeat(7000)} HTTP/1.1`,
    { ...OK, check: fwdTarget(`/${'u'.repeat(7000)}`) },
    'RFC 9112 3 (at least 8000 octets SHOULD be supported)',
  ),
  line(
    'rl-8000-line',
    'a request line of exactly 8000 octets',
    `GET /${'u'.repeat(7986)} HTTP/1.1`,
    { ...OK, check: fwdTarget(`/${'u'.repeat(7986)}`) },
    'RFC 9112 3: request lines of at least 8000 octets are RECOMMENDED',
  ),
  line(
    'rl-9k-uri',
    'a 9000-byte target',
    `GET /${'u'.repeat(9000)} HTTP/1.1`,
    { status: [200, 414], forwarded: [0, 1] },
    'RFC 9110 15.5.15',
  ),
  line(
    'rl-70k-uri',
    'a 70000-byte target',
    `GET /${'u'.repeat(70000)} HTTP/1.1`,
    { status: [414], forwarded: 0 },
    'RFC 9110 15.5.15',
  ),
  line(
    'rl-leading-crlf',
    'empty lines before the request line',
    '\r\n\r\nGET /l HTTP/1.1',
    { ...OK, check: fwdTarget('/l') },
    'RFC 9112 2.2 (SHOULD ignore at least one empty line)',
  ),
  {
    id: 'rl-bare-lf',
    group: 'request-line',
    title: 'bare LF line endings throughout the head',
    writes: ['GET /lf HTTP/1.1\nHost: example.test\nX-A: 1\n\n'],
    rfc: 'RFC 9112 2.2 (MAY accept a bare LF; forwarded with CRLF)',
    expect: { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/lf') },
  },
  line(
    'rl-trace',
    'TRACE',
    'TRACE /t HTTP/1.1',
    { status: [200, 405, 501], forwarded: [0, 1], check: fwdLine('TRACE /t HTTP/1.1') },
    'RFC 9110 9.3.8',
  ),
  line(
    'mf-trace-0',
    'TRACE with Max-Forwards: 0',
    'TRACE /t HTTP/1.1',
    { status: [200, 405, 501], forwarded: 0 },
    'RFC 9110 7.6.2: MUST NOT forward, respond as the final recipient',
    [HOST, 'Max-Forwards: 0'],
  ),
  line(
    'mf-options-0',
    'OPTIONS with Max-Forwards: 0',
    'OPTIONS /o HTTP/1.1',
    { status: [200, 204, 405, 501], forwarded: 0 },
    'RFC 9110 7.6.2: MUST NOT forward, respond as the final recipient',
    [HOST, 'Max-Forwards: 0'],
  ),
  line(
    'mf-trace-5',
    'TRACE with Max-Forwards: 5',
    'TRACE /t HTTP/1.1',
    { status: [200, 405, 501], forwarded: [0, 1], check: fwdField('max-forwards', ['4']) },
    'RFC 9110 7.6.2: MUST decrement before forwarding',
    [HOST, 'Max-Forwards: 5'],
  ),
  line(
    'mf-options-3',
    'OPTIONS with Max-Forwards: 3',
    'OPTIONS /o HTTP/1.1',
    { status: [200], forwarded: 1, check: fwdField('max-forwards', ['2']) },
    'RFC 9110 7.6.2: MUST decrement before forwarding',
    [HOST, 'Max-Forwards: 3'],
  ),
  line(
    'mf-get-0',
    'GET with Max-Forwards: 0 (ignored for GET)',
    'GET /m HTTP/1.1',
    { ...OK, check: fwdField('max-forwards', ['0']) },
    'RFC 9110 7.6.2 (other methods MAY ignore it)',
    [HOST, 'Max-Forwards: 0'],
  ),
];

function exp(
  id: string,
  group: Group,
  title: string,
  writes: string[],
  expect: Expectation,
  rfc: string,
  extra: Partial<Case> = {},
): Case {
  return { id, group, title, writes, rfc, expect, ...extra };
}

type CaseArgs = [
  id: string,
  title: string,
  writes: string[],
  expect: Expectation,
  rfc: string,
  extra?: Partial<Case>,
];
const eu = (...a: CaseArgs): Case => exp(a[0], 'expect-upgrade', a[1], a[2], a[3], a[4], a[5]);
const hbh = (...a: CaseArgs): Case => exp(a[0], 'hop-by-hop', a[1], a[2], a[3], a[4], a[5]);
const pl = (...a: CaseArgs): Case => exp(a[0], 'pipelining', a[1], a[2], a[3], a[4], a[5]);

/** The backend got no Upgrade and no field the client named in Connection. */
const noUpgradeForwarded = all(
  fwdField('upgrade', null),
  fwdField('http2-settings', null),
  fwdField('connection', null),
);

export const EXPECT_UPGRADE: Case[] = [
  eu(
    'ex-100-body-now',
    'Expect: 100-continue with the body sent at once',
    [post(['Expect: 100-continue', 'Content-Length: 5'], 'hello')],
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 10.1.1',
  ),
  eu(
    'ex-100-wait',
    'Expect: 100-continue, body sent 300 ms later',
    [post(['Expect: 100-continue', 'Content-Length: 5'], ''), 'hello'],
    {
      status: [200],
      forwarded: 1,
      check: all(fwdBody('hello'), (o: Observation) =>
        o.interim.includes(100) ? null : 'no 100 Continue reached the client',
      ),
    },
    'RFC 9110 10.1.1',
    { gapMs: 300 },
  ),
  eu(
    'ex-100-case',
    'Expect: 100-Continue (case-insensitive)',
    [post(['Expect: 100-Continue', 'Content-Length: 5'], 'hello')],
    { status: [200], forwarded: 1 },
    'RFC 9110 10.1.1 (case-insensitive)',
  ),
  eu(
    'ex-100-chunked',
    'Expect: 100-continue with a chunked body',
    [post(['Expect: 100-continue', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n')],
    { status: [200], forwarded: 1, check: fwdBody('hello') },
    'RFC 9110 10.1.1',
  ),
  eu(
    'ex-100-get',
    'Expect: 100-continue on a GET without body',
    [get('/e', [HOST, 'Expect: 100-continue'])],
    { status: [200], forwarded: 1 },
    'RFC 9110 10.1.1',
  ),
  eu(
    'ex-unknown',
    'Expect: foo',
    [post(['Expect: foo', 'Content-Length: 5'], 'hello')],
    { status: [417, 200], forwarded: [0, 1] },
    'RFC 9110 10.1.1: 417 for an unknown expectation',
    { strict: { status: [417], forwarded: 0 } },
  ),
  eu(
    'ex-list',
    'Expect: 100-continue, foo',
    [post(['Expect: 100-continue, foo', 'Content-Length: 5'], 'hello')],
    { status: [417, 200], forwarded: [0, 1] },
    'RFC 9110 10.1.1',
    { strict: { status: [417], forwarded: 0 } },
  ),
  eu(
    'ex-http10',
    'Expect: 100-continue in HTTP/1.0 (ignored)',
    [msg('POST /up HTTP/1.0', [HOST, 'Expect: 100-continue', 'Content-Length: 5'], 'hello')],
    {
      status: [200],
      forwarded: 1,
      check: (o: Observation) =>
        o.interim.length > 0 ? `sent ${o.interim.join(',')} to an HTTP/1.0 client` : null,
    },
    'RFC 9110 10.1.1: MUST ignore in HTTP/1.0; 15.2: no 1xx to 1.0',
  ),
  eu(
    'ex-http10-foo',
    'Expect: foo in HTTP/1.0',
    [msg('POST /up HTTP/1.0', [HOST, 'Expect: foo', 'Content-Length: 5'], 'hello')],
    { status: [200, 417], forwarded: [0, 1] },
    'RFC 9110 10.1.1',
  ),
  eu(
    'ex-twice',
    'Expect: 100-continue in two fields',
    [post(['Expect: 100-continue', 'Expect: 100-continue', 'Content-Length: 5'], 'hello')],
    { status: [200, 417], forwarded: [0, 1] },
    'RFC 9110 10.1.1',
  ),
  eu(
    'up-h2c',
    'Upgrade: h2c with HTTP2-Settings',
    [
      get('/u', [
        HOST,
        'Connection: Upgrade, HTTP2-Settings',
        'Upgrade: h2c',
        'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA',
      ]),
    ],
    { status: [200], forwarded: 1, check: noUpgradeForwarded },
    'RFC 9110 7.8 (a server MAY ignore Upgrade), 7.6.1',
  ),
  eu(
    'up-h2c-post',
    'Upgrade: h2c on a POST with a body',
    [
      post(
        [
          'Connection: Upgrade, HTTP2-Settings',
          'Upgrade: h2c',
          'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA',
          'Content-Length: 5',
        ],
        'hello',
      ),
    ],
    { status: [200], forwarded: 1, check: all(noUpgradeForwarded, fwdBody('hello')) },
    'RFC 9110 7.8',
  ),
  eu(
    'up-websocket',
    'Upgrade: websocket',
    [
      get('/ws', [
        HOST,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
    ],
    { status: [501, 200], forwarded: [0, 1] },
    'issue 2 (501 until tunnelling exists); RFC 9110 15.6.2',
    { strict: { status: [501], forwarded: 0 } },
  ),
  eu(
    'up-websocket-case',
    'Upgrade: WebSocket',
    [get('/ws', [HOST, 'Connection: upgrade', 'Upgrade: WebSocket'])],
    { status: [501, 200], forwarded: [0, 1] },
    'RFC 9110 7.8 (protocol names are case-insensitive)',
    { strict: { status: [501], forwarded: 0 } },
  ),
  eu(
    'up-websocket-list',
    'Upgrade: foo/1, websocket',
    [get('/ws', [HOST, 'Connection: upgrade', 'Upgrade: foo/1, websocket'])],
    { status: [501, 200], forwarded: [0, 1] },
    'RFC 9110 7.8',
    { strict: { status: [501], forwarded: 0 } },
  ),
  eu(
    'up-websocket-noconn',
    'Upgrade: websocket without Connection: upgrade',
    [get('/ws', [HOST, 'Upgrade: websocket'])],
    { status: [200, 501], forwarded: [0, 1], check: noUpgradeForwarded },
    'RFC 9110 7.8',
  ),
  eu(
    'up-websocket-10',
    'Upgrade: websocket in HTTP/1.0 (must be ignored)',
    [msg('GET /ws HTTP/1.0', [HOST, 'Connection: upgrade', 'Upgrade: websocket'])],
    { status: [200], forwarded: 1, check: noUpgradeForwarded },
    'RFC 9110 7.8: a server MUST ignore Upgrade in an HTTP/1.0 request',
  ),
  eu(
    'up-tls',
    'Upgrade: TLS/1.0',
    [get('/u', [HOST, 'Connection: Upgrade', 'Upgrade: TLS/1.0'])],
    { status: [200], forwarded: 1, check: noUpgradeForwarded },
    'RFC 9110 7.8',
  ),
];

export const HOP_BY_HOP: Case[] = [
  hbh(
    'hop-custom',
    'Connection: X-Foo removes X-Foo',
    [get('/c', [HOST, 'Connection: X-Foo', 'X-Foo: secret', 'X-Bar: kept'])],
    {
      ...OK,
      check: all(
        fwdField('x-foo', null),
        fwdField('x-bar', ['kept']),
        fwdField('connection', null),
      ),
    },
    'RFC 9110 7.6.1: MUST remove fields named in Connection',
  ),
  hbh(
    'hop-custom-case',
    'Connection: x-FOO (case-insensitive option)',
    [get('/c', [HOST, 'Connection: x-FOO', 'X-Foo: secret'])],
    { ...OK, check: fwdField('x-foo', null) },
    'RFC 9110 7.6.1',
  ),
  hbh(
    'hop-two-conn',
    'two Connection fields',
    [get('/c', [HOST, 'Connection: X-A', 'Connection: X-B', 'X-A: 1', 'X-B: 2'])],
    { ...OK, check: all(fwdField('x-a', null), fwdField('x-b', null)) },
    'RFC 9110 7.6.1',
  ),
  hbh(
    'hop-xff',
    'Connection: X-Forwarded-For',
    [get('/c', [HOST, 'Connection: X-Forwarded-For', 'X-Forwarded-For: 203.0.113.9'])],
    { ...OK, check: fwdFieldLacks('x-forwarded-for', '203.0.113.9') },
    'RFC 9110 7.6.1: the client-sent field it names is removed',
  ),
  hbh(
    'hop-host',
    'Connection: Host',
    [get('/c', [HOST, 'Connection: Host'])],
    { ...OK, check: fwdField('host', ['example.test']) },
    'RFC 9112 3.2 (a Host is always sent)',
  ),
  hbh(
    'hop-cl',
    'Connection: Content-Length on a POST',
    [post(['Connection: Content-Length', 'Content-Length: 5'], 'hello')],
    { ...OK, check: fwdBody('hello') },
    'RFC 9110 7.6.1, RFC 9112 6',
  ),
  hbh(
    'hop-te',
    'Connection: Transfer-Encoding on a chunked POST',
    [
      post(
        ['Connection: Transfer-Encoding', 'Transfer-Encoding: chunked'],
        '5\r\nhello\r\n0\r\n\r\n',
      ),
    ],
    { ...OK, check: fwdBody('hello') },
    'RFC 9110 7.6.1, RFC 9112 6',
  ),
  hbh(
    'hop-te-header',
    'TE: trailers (hop-by-hop)',
    [get('/c', [HOST, 'TE: trailers'])],
    {
      ...OK,
      check: onForwarded((r) =>
        fieldValues(r.fields, 'te').length > 0 &&
        !fieldValues(r.fields, 'connection').join(',').toLowerCase().includes('te')
          ? 'TE forwarded without Connection: TE'
          : null,
      ),
    },
    'RFC 9110 10.1.4 (TE is hop-by-hop; needs Connection: TE)',
  ),
  hbh(
    'hop-keep-alive',
    'Keep-Alive: timeout=5',
    [get('/c', [HOST, 'Connection: keep-alive', 'Keep-Alive: timeout=5'])],
    { ...OK, check: fwdField('keep-alive', null) },
    'RFC 9112 C.2.2, RFC 9110 7.6.1',
  ),
  hbh(
    'hop-proxy-connection',
    'Proxy-Connection: keep-alive',
    [get('/c', [HOST, 'Proxy-Connection: keep-alive'])],
    { ...OK, check: fwdField('proxy-connection', null) },
    'RFC 9110 7.6.1 (not standard; stripped by rrproxy per issue 2)',
  ),
  hbh(
    'hop-via-named',
    'Connection: Via',
    [get('/c', [HOST, 'Connection: Via', 'Via: 1.1 upstream-a'])],
    { ...OK, check: fwdFieldLacks('via', 'upstream-a') },
    'RFC 9110 7.6.1',
  ),
  hbh(
    'hop-close',
    'Connection: close',
    [get('/c', [HOST, 'Connection: close'])],
    { ...OK, close: true, check: respField('connection', ['close']) },
    'RFC 9112 9.6',
  ),
  hbh(
    'hop-close-empty-elems',
    'Connection: , close ,',
    [get('/c', [HOST, 'Connection: , close ,'])],
    { ...OK, close: true },
    'RFC 9110 5.6.1 (empty list elements)',
  ),
  hbh(
    'hop-keepalive-and-close',
    'Connection: keep-alive, close',
    [get('/c', [HOST, 'Connection: keep-alive, close'])],
    { ...OK, close: true },
    'RFC 9112 9.6 (close wins)',
  ),
  hbh(
    'hop-keepalive-11',
    'Connection: keep-alive in HTTP/1.1',
    [get('/c', [HOST, 'Connection: keep-alive'])],
    { ...OK, close: false },
    'RFC 9112 9.3',
  ),
  hbh(
    'hop-close-named',
    'Connection: close, X-Foo',
    [get('/c', [HOST, 'Connection: close, X-Foo', 'X-Foo: 1'])],
    { ...OK, close: true, check: fwdField('x-foo', null) },
    'RFC 9110 7.6.1, RFC 9112 9.6',
  ),
  hbh(
    'via-added',
    'the proxy adds Via to the request it forwards',
    [get('/v')],
    {
      ...OK,
      check: onForwarded((r) =>
        fieldValues(r.fields, 'via').length > 0 ? null : 'no Via on the forwarded request',
      ),
    },
    'RFC 9110 7.6.3: a gateway MUST send Via in each inbound request',
  ),
  hbh(
    'via-added-10',
    'Via names HTTP/1.0 for a 1.0 request',
    [msg('GET /v HTTP/1.0', [HOST])],
    {
      ...OK,
      check: onForwarded((r) =>
        /^1\.0 /.test(fieldValues(r.fields, 'via').join(', '))
          ? null
          : `Via ${JSON.stringify(fieldValues(r.fields, 'via'))}`,
      ),
    },
    'RFC 9110 7.6.3 (received-protocol is the inbound version)',
  ),
  hbh(
    'xfp-spoof',
    'X-Forwarded-Proto: https from an untrusted client',
    [get('/x', [HOST, 'X-Forwarded-Proto: https'])],
    OK,
    'issue 2 section 6 (set from the connection unless the peer is trusted)',
    { strict: { ...OK, check: fwdField('x-forwarded-proto', ['http']) } },
  ),
  hbh(
    'xfh-spoof',
    'X-Forwarded-Host from an untrusted client',
    [get('/x', [HOST, 'X-Forwarded-Host: evil.test'])],
    OK,
    'issue 2 section 6',
    { strict: { ...OK, check: fwdField('x-forwarded-host', ['example.test']) } },
  ),
  hbh(
    'rid-invalid',
    'X-Request-Id with unsafe characters is replaced',
    [get('/x', [HOST, 'X-Request-Id: a b<script>'])],
    OK,
    'issue 2 section 6',
    { strict: { ...OK, check: fwdFieldLacks('x-request-id', '<script>') } },
  ),
  hbh(
    'rid-valid',
    'a valid X-Request-Id is kept',
    [get('/x', [HOST, 'X-Request-Id: abc-123'])],
    OK,
    'issue 2 section 6',
    {
      strict: {
        ...OK,
        check: all(fwdField('x-request-id', ['abc-123']), respField('x-request-id', ['abc-123'])),
      },
    },
  ),
  hbh(
    'via-loop',
    'Via names rrproxy: a loop',
    [get('/v', [HOST, 'Via: 1.1 rrproxy'])],
    { status: [508, 200], forwarded: [0, 1] },
    'RFC 9110 7.6.3 (loops), issue 2 (508)',
    { strict: { status: [508], forwarded: 0 } },
  ),
  hbh(
    'via-loop-list',
    'Via: 1.0 other, 1.1 rrproxy',
    [get('/v', [HOST, 'Via: 1.0 other, 1.1 rrproxy'])],
    { status: [508, 200], forwarded: [0, 1] },
    'RFC 9110 7.6.3',
    { strict: { status: [508], forwarded: 0 } },
  ),
  hbh(
    'via-loop-protoname',
    'Via: HTTP/1.1 rrproxy',
    [get('/v', [HOST, 'Via: HTTP/1.1 rrproxy'])],
    { status: [508, 200], forwarded: [0, 1] },
    'RFC 9110 7.6.3 (protocol-name is optional)',
    { strict: { status: [508], forwarded: 0 } },
  ),
  hbh(
    'via-loop-case',
    'Via: 1.1 RRPROXY',
    [get('/v', [HOST, 'Via: 1.1 RRPROXY'])],
    { status: [508, 200], forwarded: [0, 1] },
    'RFC 9110 7.6.3',
    { strict: { status: [508], forwarded: 0 } },
  ),
  hbh(
    'via-other',
    'Via: 1.1 rrproxy-2 (another name)',
    [get('/v', [HOST, 'Via: 1.1 rrproxy-2'])],
    {
      ...OK,
      check: onForwarded((r) =>
        fieldValues(r.fields, 'via').join(', ').startsWith('1.1 rrproxy-2')
          ? null
          : `Via ${JSON.stringify(fieldValues(r.fields, 'via'))}`,
      ),
    },
    'RFC 9110 7.6.3 (appended, order kept)',
  ),
  hbh(
    'via-comment',
    'Via: 1.1 other (rrproxy)',
    [get('/v', [HOST, 'Via: 1.1 other (rrproxy)'])],
    { ...OK },
    'RFC 9110 7.6.3 (a comment is not a received-by)',
  ),
];

const two = (a: string, b: string): string => a + b;

export const PIPELINING: Case[] = [
  pl(
    'pl-two-gets',
    'two GETs in one write',
    [two(get('/p1'), get('/p2'))],
    { statuses: [200, 200], forwarded: 2, check: all(fwdTarget('/p1', 0), fwdTarget('/p2', 1)) },
    'RFC 9112 9.3.2',
  ),
  pl(
    'pl-three-gets',
    'three GETs in one write',
    [get('/p1') + get('/p2') + get('/p3')],
    { statuses: [200, 200, 200], forwarded: 3 },
    'RFC 9112 9.3.2',
  ),
  pl(
    'pl-ten-gets',
    'ten GETs in one write',
    [Array.from({ length: 10 }, (_, i) => get(`/p${i}`)).join('')],
    { statuses: Array<number>(10).fill(200), forwarded: 10 },
    'RFC 9112 9.3.2',
  ),
  pl(
    'pl-post-get',
    'POST with Content-Length then GET',
    [post(['Content-Length: 5'], 'hello') + get('/p2')],
    { statuses: [200, 200], forwarded: 2, check: all(fwdBody('hello', 0), fwdTarget('/p2', 1)) },
    'RFC 9112 9.3.2',
  ),
  pl(
    'pl-chunked-cl-get',
    'chunked POST, CL POST, GET',
    [
      post(['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n') +
        post(['Content-Length: 3'], 'abc') +
        get('/p3'),
    ],
    {
      statuses: [200, 200, 200],
      forwarded: 3,
      check: all(fwdBody('hello', 0), fwdBody('abc', 1), fwdTarget('/p3', 2)),
    },
    'RFC 9112 9.3.2',
  ),
  pl(
    'pl-head-between',
    'GET, HEAD, GET',
    [get('/p1') + msg('HEAD /p2 HTTP/1.1', [HOST]) + get('/p3')],
    { statuses: [200, 200, 200], forwarded: 3 },
    'RFC 9112 9.3.2, RFC 9110 9.3.2',
    { heads: [false, true, false] },
  ),
  pl(
    'pl-bad-second',
    'GET then a CL+TE request',
    [get('/p1') + post(['Content-Length: 5', 'Transfer-Encoding: chunked'], `0\r\n\r\n${HIDDEN}`)],
    { statuses: [200, 400], close: true, forwarded: 1 },
    'RFC 9112 6.3(3)',
  ),
  pl(
    'pl-close-first',
    'Connection: close on the first of two',
    [get('/p1', [HOST, 'Connection: close']) + get('/SMUG')],
    { statuses: [200], close: true, forwarded: 1 },
    'RFC 9112 9.6: MUST NOT process further requests after close',
  ),
  pl(
    'pl-garbage-second',
    'GET then garbage',
    [get('/p1') + 'XYZ\r\n\r\n'],
    { statuses: [200, 400], close: true, forwarded: 1 },
    'RFC 9112 3',
  ),
  pl(
    'pl-crlf-between',
    'stray CRLF between two GETs',
    [get('/p1') + '\r\n' + get('/p2')],
    { statuses: [200, 200], forwarded: 2 },
    'RFC 9112 2.2',
  ),
  pl(
    'pl-gap',
    'second GET 100 ms after the first',
    [get('/p1'), get('/p2')],
    { statuses: [200, 200], forwarded: 2 },
    'RFC 9112 9.3',
    { gapMs: 100 },
  ),
  pl(
    'pl-split-head',
    'head split byte-wise over writes',
    ['GE', 'T /p1 HTTP/1.1\r', '\nHost: exa', 'mple.test\r\n', '\r\n'],
    { statuses: [200], forwarded: 1 },
    'RFC 9112 2.1',
    { gapMs: 20 },
  ),
  pl(
    'pl-half-close',
    'request then client half-close',
    [get('/p1')],
    { statuses: [200], forwarded: 1 },
    'RFC 9112 9.6 (answer before closing)',
    { halfClose: true },
  ),
  pl(
    'pl-http10',
    'HTTP/1.0 GET without keep-alive, then another',
    [msg('GET /p1 HTTP/1.0', [HOST]) + msg('GET /SMUG HTTP/1.0', [HOST])],
    { statuses: [200], close: true, forwarded: 1 },
    'RFC 9112 9.3 (1.0 closes by default)',
  ),
  pl(
    'pl-http10-keepalive',
    'HTTP/1.0 Connection: keep-alive, twice',
    [
      msg('GET /p1 HTTP/1.0', [HOST, 'Connection: keep-alive']) +
        msg('GET /p2 HTTP/1.0', [HOST, 'Connection: keep-alive']),
    ],
    {
      status: [200],
      forwarded: [1, 2],
      check: (o: Observation) => {
        if (o.statuses.length === 2) return respField('connection', ['keep-alive'])(o);
        return o.client.closed ? null : 'one answer and the connection left open';
      },
    },
    'RFC 9112 9.3, C.2.2 (keep-alive for 1.0 is optional, but must be announced)',
  ),
  pl(
    'pl-http10-response',
    'HTTP/1.0 request gets no chunked response',
    [msg('GET /script/close-delimited HTTP/1.0', [HOST])],
    {
      status: [200],
      forwarded: 1,
      check: onResponse((r) =>
        fieldValues(r.fields, 'transfer-encoding').length > 0
          ? 'Transfer-Encoding sent to an HTTP/1.0 client'
          : null,
      ),
    },
    'RFC 9112 6.1: MUST NOT send TE to a 1.0 client',
  ),
];
