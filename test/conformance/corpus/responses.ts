/**
 * Backend responses (RFC 9112 4, 6; RFC 9110 15): the recording backend answers a request for
 * /script/<name> with SCRIPTS[name], byte for byte. A proxy must not pass on a response it cannot
 * frame unambiguously (502), must drop bodies that cannot exist (HEAD, 204, 304), must never let
 * leftover backend bytes become the answer to the client's next request, and strips hop-by-hop.
 */
import { fieldValues } from '../harness/lenient';
import type { ResponseScript } from '../harness/recording-backend';
import type { Case, Expectation } from '../harness/types';
import {
  all,
  get,
  HIDDEN,
  HOST,
  msg,
  noJunk,
  onResponse,
  respBody,
  respField,
  type Check,
} from './build';

export const SCRIPTS: Record<string, ResponseScript> = {};

interface Opts {
  method?: 'GET' | 'HEAD';
  version?: '1.0' | '1.1';
  /** Pipeline a GET /after behind it: its answer must be the backend's own "ok". */
  after?: boolean;
  close?: boolean;
  gapMs?: number;
  extraFields?: string[];
  /** A request body (with its Content-Length), sent after a pause in a second write. */
  laterBody?: string;
  answerBeforeBody?: boolean;
}

function resp(
  id: string,
  title: string,
  bytes: string | string[],
  expect: Expectation,
  rfc: string,
  o: Opts = {},
): Case {
  const writes = typeof bytes === 'string' ? [bytes] : bytes;
  SCRIPTS[id] = {
    writes,
    close: o.close ?? false,
    gapMs: o.gapMs ?? 0,
    answerBeforeBody: o.answerBeforeBody ?? false,
  };
  const method = o.method ?? 'GET';
  let req = msg(`${method} /script/${id} HTTP/${o.version ?? '1.1'}`, [
    HOST,
    ...(o.extraFields ?? []),
  ]);
  const heads = [method === 'HEAD'];
  if (o.after === true) {
    req += get('/after');
    heads.push(false);
  }
  return {
    id: `r-${id}`,
    group: 'response',
    title,
    writes: [req],
    heads,
    rfc,
    expect,
    maxMs: 2000,
  };
}

const r = (status: string, fields: string[], body = ''): string =>
  msg(`HTTP/1.1 ${status}`, fields, body);

/** The second (pipelined) response is the backend's real answer to /after. */
const afterIsClean: Check = (o) => {
  const second = o.client.responses[1];
  if (second === undefined) return o.client.closed ? null : 'no answer to the pipelined request';
  return second.status === 200 && second.body.toString('latin1') === 'ok'
    ? null
    : `pipelined request answered with ${second.status} ${JSON.stringify(second.body.toString('latin1').slice(0, 40))}`;
};

/** The pipelined request went to the backend over another connection than the first. */
const notSameConnection: Check = (o) => {
  const [a, b] = o.forwarded;
  if (a === undefined || b === undefined) return null;
  return a.conn === b.conn ? 'the next request reused a connection the backend had closed' : null;
};

/** The client saw exactly these 1xx before the final response. */
function interimSeen(codes: number[]): Check {
  return (o) =>
    o.interim.join(',') === codes.join(',')
      ? null
      : `1xx seen [${o.interim.join(',')}], expected [${codes.join(',')}]`;
}

const BAD_GATEWAY: Expectation = { status: [502], forwarded: 1 };
/** 502, or an aborted connection when the head had already been sent. */
const BROKEN_BODY: Expectation = {
  forwarded: 1,
  check: (o) => {
    const first = o.client.responses[0];
    if (first === undefined) return o.client.closed ? null : 'no response, connection open';
    if (first.status === 502) return null;
    if (first.complete && !o.client.closed)
      return `a ${first.status} that looks complete: ${JSON.stringify(first.body.toString('latin1').slice(0, 40))}`;
    return o.client.closed ? null : 'connection left open';
  },
};

const okHello: Expectation = { status: [200], forwarded: 1, check: all(respBody('hello'), noJunk) };

export const RESPONSES: Case[] = [
  resp(
    'ok-cl',
    'plain 200 with Content-Length',
    r('200 OK', ['Content-Length: 5'], 'hello'),
    okHello,
    'RFC 9112 6.3',
  ),
  resp(
    'no-reason',
    'status line without reason phrase',
    r('200 ', ['Content-Length: 5'], 'hello'),
    okHello,
    'RFC 9112 4 (reason-phrase optional)',
  ),
  resp(
    'no-reason-no-sp',
    'status line "HTTP/1.1 200" (no SP)',
    r('200', ['Content-Length: 5'], 'hello'),
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 4 (SP required; clients SHOULD be lenient)',
  ),
  resp(
    'bad-status-alpha',
    'status "abc"',
    r('abc OK', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 4',
  ),
  resp(
    'bad-status-2digit',
    'status "20"',
    r('20 OK', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 4 (3DIGIT)',
  ),
  resp(
    'bad-status-4digit',
    'status "2000"',
    r('2000 OK', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 4',
  ),
  resp(
    'status-600',
    'status 600',
    r('600 Odd', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9110 15 (outside 100..599: invalid, treat as 5xx)',
  ),
  resp(
    'status-099',
    'status 099',
    r('099 Odd', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9110 15',
  ),
  resp(
    'version-20',
    'status line HTTP/2.0',
    msg('HTTP/2.0 200 OK', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 2.3',
  ),
  resp(
    'version-lower',
    'status line http/1.1',
    msg('http/1.1 200 OK', ['Content-Length: 5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 2.3',
  ),
  resp(
    'http09',
    'no status line (HTTP/0.9 body), then close',
    'hello\r\n',
    { ...BAD_GATEWAY },
    'RFC 9112 2.3',
    { close: true },
  ),
  resp(
    'empty-close',
    'backend closes without answering (an idempotent GET may be retried)',
    [],
    // How often depends on how many pooled sockets the proxy holds at that moment; the
    // at-most-one-retry rule of RFC 9110 9.2.2 is checked deterministically in retries.test.ts.
    { status: [502], forwarded: [1, 3] },
    'RFC 9110 15.6.3, 9.2.2',
    { close: true },
  ),
  resp(
    'half-head-close',
    'half a head, then close',
    'HTTP/1.1 200 OK\r\nContent-Le',
    BAD_GATEWAY,
    'RFC 9112 8',
    { close: true },
  ),
  resp(
    'bare-lf',
    'bare LF line endings',
    'HTTP/1.1 200 OK\nContent-Length: 5\n\nhello',
    {
      status: [200, 502],
      forwarded: 1,
      check: (o) => (o.statuses[0] === 200 ? respBody('hello')(o) : null),
    },
    'RFC 9112 2.2 (MAY accept)',
  ),
  resp(
    'leading-crlf',
    'empty line before the status line',
    `\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 2.2',
  ),
  resp(
    'cl-te',
    'Content-Length and Transfer-Encoding',
    r('200 OK', ['Content-Length: 100', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    {
      status: [200, 502],
      forwarded: 1,
      check: (o) =>
        o.statuses[0] === 200 ? all(respBody('hello'), respField('content-length', null))(o) : null,
    },
    'RFC 9112 6.1: TE wins and CL is removed, or the response is refused',
  ),
  resp(
    'cl-dup-equal',
    'two equal Content-Length fields',
    r('200 OK', ['Content-Length: 5', 'Content-Length: 5'], 'hello'),
    {
      status: [200, 502],
      forwarded: 1,
      check: (o) => (o.statuses[0] === 200 ? respBody('hello')(o) : null),
    },
    'RFC 9110 8.6',
  ),
  resp(
    'cl-dup-diff',
    'two different Content-Length fields',
    r('200 OK', ['Content-Length: 5', 'Content-Length: 6'], 'hello!'),
    BAD_GATEWAY,
    'RFC 9112 6.3(5): proxy MUST 502',
  ),
  resp(
    'cl-list-diff',
    'Content-Length: 5, 6',
    r('200 OK', ['Content-Length: 5, 6'], 'hello!'),
    BAD_GATEWAY,
    'RFC 9112 6.3(5)',
  ),
  resp(
    'cl-alpha',
    'Content-Length: abc',
    r('200 OK', ['Content-Length: abc'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 6.3(5)',
  ),
  resp(
    'cl-plus',
    'Content-Length: +5',
    r('200 OK', ['Content-Length: +5'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 6.3(5)',
  ),
  resp(
    'cl-negative',
    'Content-Length: -1',
    r('200 OK', ['Content-Length: -1'], 'hello'),
    BAD_GATEWAY,
    'RFC 9112 6.3(5)',
  ),
  resp(
    'cl-truncated',
    'Content-Length 10, 5 bytes, close',
    r('200 OK', ['Content-Length: 10'], 'hello'),
    BROKEN_BODY,
    'RFC 9112 8 (incomplete: never look complete)',
    { close: true },
  ),
  resp(
    'cl-extra-bytes',
    'more bytes than Content-Length',
    r('200 OK', ['Content-Length: 5'], 'helloHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil'),
    { status: [200], forwarded: [1, 2], check: all(respBody('hello'), afterIsClean) },
    'RFC 9112 6.3 (extra bytes are not a response)',
    { after: true },
  ),
  resp(
    'te-gzip-chunked',
    'Transfer-Encoding: gzip, chunked',
    r('200 OK', ['Transfer-Encoding: gzip, chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 6.1 (a proxy may forward other codings)',
  ),
  resp(
    'te-identity',
    'Transfer-Encoding: identity, close-delimited',
    r('200 OK', ['Transfer-Encoding: identity'], 'hello'),
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 6.3(4)',
    { close: true },
  ),
  resp(
    'te-http10',
    'HTTP/1.0 response with TE chunked',
    msg('HTTP/1.0 200 OK', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 6.1 (faulty framing; close after)',
    { close: true },
  ),
  resp(
    'chunked',
    'chunked body',
    r('200 OK', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    okHello,
    'RFC 9112 7.1',
  ),
  resp(
    'chunked-trailers',
    'chunked with trailers',
    r(
      '200 OK',
      ['Transfer-Encoding: chunked', 'Trailer: X-Sum'],
      '5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n',
    ),
    okHello,
    'RFC 9112 7.1.2',
  ),
  resp(
    'chunked-ext',
    'chunked with extensions',
    r('200 OK', ['Transfer-Encoding: chunked'], '5;a=b\r\nhello\r\n0;c\r\n\r\n'),
    okHello,
    'RFC 9112 7.1.1',
  ),
  resp(
    'chunked-bad-size',
    'chunked with size "zz"',
    r('200 OK', ['Transfer-Encoding: chunked'], 'zz\r\nhello\r\n0\r\n\r\n'),
    BROKEN_BODY,
    'RFC 9112 7.1',
  ),
  resp(
    'chunked-bare-lf',
    'chunked with a bare LF',
    r('200 OK', ['Transfer-Encoding: chunked'], '5\nhello\r\n0\r\n\r\n'),
    BROKEN_BODY,
    'RFC 9112 7.1',
  ),
  resp(
    'chunked-overflow',
    'chunked with an overflowing size',
    r('200 OK', ['Transfer-Encoding: chunked'], '10000000000000005\r\nhello\r\n0\r\n\r\n'),
    BROKEN_BODY,
    'RFC 9112 7.1',
  ),
  resp(
    'chunked-truncated',
    'chunked without last chunk, close',
    r('200 OK', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n'),
    BROKEN_BODY,
    'RFC 9112 8',
    { close: true },
  ),
  resp(
    'close-delimited',
    'no framing: body until close',
    r('200 OK', ['Content-Type: text/plain'], 'hello'),
    { status: [200], forwarded: 1, check: respBody('hello') },
    'RFC 9112 6.3(8)',
    { close: true },
  ),
  resp(
    'close-delimited-10',
    'close-delimited to an HTTP/1.0 client',
    r('200 OK', [], 'hello'),
    {
      status: [200],
      forwarded: 1,
      check: all(respBody('hello'), respField('transfer-encoding', null)),
    },
    'RFC 9112 6.1 (no TE to 1.0)',
    { close: true, version: '1.0' },
  ),
  resp(
    'chunked-to-10',
    'chunked response to an HTTP/1.0 client',
    r('200 OK', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    {
      status: [200],
      forwarded: 1,
      check: all(respBody('hello'), respField('transfer-encoding', null)),
    },
    'RFC 9112 6.1: MUST NOT send TE to a 1.0 client',
    { version: '1.0' },
  ),
  resp(
    'interim-100',
    '100 Continue before the final response',
    `HTTP/1.1 100 Continue\r\n\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    { ...okHello, check: all(respBody('hello'), interimSeen([100])) },
    'RFC 9110 15.2: a proxy MUST forward 1xx responses',
  ),
  resp(
    'interim-103',
    '103 Early Hints before the final response',
    `HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    { ...okHello, check: all(respBody('hello'), interimSeen([103])) },
    'RFC 8297, RFC 9110 15.2: a proxy MUST forward 1xx responses',
  ),
  resp(
    'interim-many',
    '100, 102, 103 then 200',
    `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    { ...okHello, check: all(respBody('hello'), interimSeen([100, 102, 103])) },
    'RFC 9110 15.2: a proxy MUST forward 1xx responses',
  ),
  resp(
    'interim-to-10',
    '103 to an HTTP/1.0 client',
    `HTTP/1.1 103 Early Hints\r\n\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    {
      ...okHello,
      check: all(respBody('hello'), (o) =>
        o.interim.length > 0 ? `sent ${o.interim.join(',')} to an HTTP/1.0 client` : null,
      ),
    },
    'RFC 9110 15.2: MUST NOT send 1xx to an HTTP/1.0 client',
    { version: '1.0' },
  ),
  resp(
    'interim-split',
    '1xx and final in separate writes',
    [`HTTP/1.1 103 Early Hints\r\n\r\n`, r('200 OK', ['Content-Length: 5'], 'hello')],
    okHello,
    'RFC 9110 15.2',
    { gapMs: 50 },
  ),
  resp(
    'unsolicited-101',
    'unsolicited 101 Switching Protocols',
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nhello`,
    BAD_GATEWAY,
    'RFC 9110 15.2.2 (no Upgrade was sent)',
  ),
  resp(
    '204-body',
    '204 followed by body bytes',
    r('204 No Content', []) + 'hello',
    { statuses: [204, 200], forwarded: [1, 2], check: afterIsClean },
    'RFC 9110 15.3.5, RFC 9112 6.3(1)',
    { after: true },
  ),
  resp(
    '204-cl',
    '204 with Content-Length: 5 and a body',
    r('204 No Content', ['Content-Length: 5'], 'hello'),
    {
      status: [204],
      forwarded: [1, 2],
      check: all(afterIsClean, (o) =>
        o.client.responses[0]?.body.length ? 'body sent with a 204' : null,
      ),
    },
    'RFC 9110 8.6: no Content-Length in a 204',
    { after: true },
  ),
  resp(
    '304-body',
    '304 followed by body bytes',
    r('304 Not Modified', ['ETag: "x"']) + 'hello',
    { status: [304], forwarded: [1, 2], check: afterIsClean },
    'RFC 9110 15.4.5',
    { after: true },
  ),
  resp(
    'head-body',
    'HEAD answered with a body',
    r('200 OK', ['Content-Length: 5'], 'hello'),
    {
      status: [200],
      forwarded: [1, 2],
      check: all(afterIsClean, respField('content-length', ['5'])),
    },
    'RFC 9110 9.3.2, RFC 9112 6.3(1)',
    { method: 'HEAD', after: true },
  ),
  resp(
    'head-chunked',
    'HEAD answered with TE chunked and no body',
    r('200 OK', ['Transfer-Encoding: chunked']),
    { status: [200], forwarded: [1, 2], check: afterIsClean },
    'RFC 9112 6.3(1)',
    { method: 'HEAD', after: true },
  ),
  resp(
    'head-chunked-body',
    'HEAD answered with a chunked body anyway',
    r('200 OK', ['Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'),
    { status: [200], forwarded: [1, 2], check: afterIsClean },
    'RFC 9110 9.3.2, RFC 9112 6.3(1)',
    { method: 'HEAD', after: true },
  ),
  resp(
    'date-kept',
    'the backend Date is kept, not doubled',
    r('200 OK', ['Date: Tue, 01 Jan 2030 00:00:00 GMT', 'Content-Length: 5'], 'hello'),
    { ...okHello, check: respField('date', ['Tue, 01 Jan 2030 00:00:00 GMT']) },
    'RFC 9110 6.6.1',
  ),
  resp(
    'cl0-after',
    'Content-Length: 0 then a pipelined request',
    r('200 OK', ['Content-Length: 0']),
    { statuses: [200, 200], forwarded: 2, check: afterIsClean },
    'RFC 9112 6.3',
    { after: true },
  ),
  resp(
    'close-then-next',
    'Connection: close from the backend, pipelined request behind',
    r('200 OK', ['Connection: close', 'Content-Length: 5'], 'hello'),
    { statuses: [200, 200], forwarded: 2, check: all(respBody('hello'), afterIsClean) },
    'RFC 9112 9.6 (the client connection is separate)',
    { after: true, close: true },
  ),
  resp(
    'bad-then-next',
    'invalid status line, pipelined request behind',
    r('20 OK', ['Content-Length: 5'], 'hello'),
    { status: [502], forwarded: [1, 2], check: afterIsClean },
    'RFC 9112 4, 9.3.2',
    { after: true },
  ),
  resp(
    'truncated-then-next',
    'Content-Length 10, 5 bytes, close; pipelined request behind',
    r('200 OK', ['Content-Length: 10'], 'hello'),
    {
      forwarded: [1, 2],
      check: (o) =>
        o.client.responses.length > 1
          ? 'answered the next request after a truncated response'
          : o.client.closed
            ? null
            : 'connection left open',
    },
    'RFC 9112 8: the client must see the truncation (connection closed)',
    { after: true, close: true },
  ),
  resp(
    'early-401',
    'final 401 before the body (Expect: 100-continue); body sent anyway',
    r('401 Unauthorized', ['Content-Length: 5'], 'nope!'),
    { status: [401], forwarded: 1 },
    'RFC 9110 10.1.1, 15.2.1: the rest of the body is not forwarded on that connection',
    {
      extraFields: ['Expect: 100-continue', `Content-Length: ${HIDDEN.length}`],
      laterBody: HIDDEN,
      answerBeforeBody: true,
    },
  ),
  resp(
    'early-401-noexpect',
    'final 401 before the body (no Expect), body 300 ms later',
    r('401 Unauthorized', ['Content-Length: 5'], 'nope!'),
    { status: [401], forwarded: 1 },
    'RFC 9112 9.3: a response before the whole request; the rest must not become requests',
    {
      extraFields: [`Content-Length: ${HIDDEN.length}`],
      laterBody: HIDDEN,
      answerBeforeBody: true,
    },
  ),
  resp(
    'chunked-extra-bytes',
    'bytes after the last chunk',
    r(
      '200 OK',
      ['Transfer-Encoding: chunked'],
      '5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil',
    ),
    { status: [200], forwarded: [1, 2], check: all(respBody('hello'), afterIsClean) },
    'RFC 9112 7.1 (what follows the body is not a response)',
    { after: true },
  ),
  resp(
    'cl-leading-zeros',
    'response Content-Length: 00005',
    r('200 OK', ['Content-Length: 00005'], 'hello'),
    okHello,
    'RFC 9110 8.6 (1*DIGIT)',
  ),
  resp(
    'reason-long',
    'a 10 KiB reason phrase',
    r(`200 ${'r'.repeat(10 * 1024)}`, ['Content-Length: 5'], 'hello'),
    { status: [200, 502], forwarded: 1 },
    'RFC 9112 4 (a recipient may limit the status line)',
  ),
  resp(
    'close-no-fin',
    'Connection: close but the backend keeps the socket open',
    r('200 OK', ['Connection: close', 'Content-Length: 5'], 'hello'),
    { statuses: [200, 200], forwarded: 2, check: all(afterIsClean, notSameConnection) },
    'RFC 9112 9.6: no further request on a connection after close',
    { after: true },
  ),
  resp(
    'http10-no-keepalive',
    'HTTP/1.0 response without keep-alive, socket left open',
    msg('HTTP/1.0 200 OK', ['Content-Length: 5'], 'hello'),
    { statuses: [200, 200], forwarded: 2, check: all(afterIsClean, notSameConnection) },
    'RFC 9112 9.3: an HTTP/1.0 response without keep-alive ends the connection',
    { after: true },
  ),
  resp(
    'nul-value',
    'NUL in a response field value',
    r('200 OK', ['X-A: a\x00b', 'Content-Length: 5'], 'hello'),
    {
      status: [502, 200],
      forwarded: 1,
      check: (o) => (o.statuses[0] === 200 ? respField('x-a', ['a b'])(o) : null),
    },
    'RFC 9110 5.5: reject or replace NUL with SP',
  ),
  resp(
    'cr-value',
    'bare CR in a response field value',
    r('200 OK', ['X-A: a\rb', 'Content-Length: 5'], 'hello'),
    {
      status: [502, 200],
      forwarded: 1,
      check: (o) => (o.statuses[0] === 200 ? respField('x-a', ['a b'])(o) : null),
    },
    'RFC 9112 2.2, RFC 9110 5.5',
  ),
  resp(
    'obs-fold',
    'obs-fold in a response field',
    r('200 OK', ['X-Fold: a', ' b', 'Content-Length: 5'], 'hello'),
    {
      status: [502, 200],
      forwarded: 1,
      check: (o) =>
        o.statuses[0] === 200
          ? onResponse((x) =>
              /[\r\n]/.test(fieldValues(x.fields, 'x-fold').join('')) ? 'fold forwarded raw' : null,
            )(o)
          : null,
    },
    'RFC 9112 5.2: proxy MUST 502 or replace with SP',
  ),
  resp(
    'space-colon',
    'whitespace before the colon in a response',
    r('200 OK', ['X-A : 1', 'Content-Length: 5'], 'hello'),
    {
      status: [502, 200],
      forwarded: 1,
      check: (o) =>
        o.statuses[0] === 200
          ? onResponse((x) =>
              x.fields.some(([n]) => /\s$/.test(n)) ? 'forwarded the whitespace' : null,
            )(o)
          : null,
    },
    'RFC 9112 5.1: proxy MUST remove it before forwarding',
  ),
  resp(
    'bad-name',
    'invalid field name in a response',
    r('200 OK', ['X(A): 1', 'Content-Length: 5'], 'hello'),
    { status: [502, 200], forwarded: 1 },
    'RFC 9110 5.1',
  ),
  resp(
    'no-colon',
    'response field line without a colon',
    r('200 OK', ['X-A', 'Content-Length: 5'], 'hello'),
    { status: [502, 200], forwarded: 1 },
    'RFC 9112 5',
  ),
  resp(
    'obs-text',
    'obs-text in a response field',
    r('200 OK', ['X-A: caf\xe9', 'Content-Length: 5'], 'hello'),
    { ...okHello, check: all(respBody('hello'), respField('x-a', ['caf\xe9'])) },
    'RFC 9110 5.5',
  ),
  resp(
    'set-cookie-dup',
    'three Set-Cookie fields',
    r(
      '200 OK',
      ['Set-Cookie: a=1; Path=/', 'Set-Cookie: b=2, c=3', 'Set-Cookie: d=4', 'Content-Length: 5'],
      'hello',
    ),
    { ...okHello, check: respField('set-cookie', ['a=1; Path=/', 'b=2, c=3', 'd=4']) },
    'RFC 9110 5.3 (Set-Cookie never combined), RFC 6265 3',
  ),
  resp(
    'huge-header',
    'a 70 KiB response field',
    r('200 OK', [`X-Big: ${'b'.repeat(70 * 1024)}`, 'Content-Length: 5'], 'hello'),
    { status: [502], forwarded: 1 },
    'RFC 9110 5.4 (a proxy limits what it buffers)',
  ),
  resp(
    'many-headers',
    '120 response fields',
    r(
      '200 OK',
      [...Array.from({ length: 119 }, (_, i) => `X-R${i}: v`), 'Content-Length: 5'],
      'hello',
    ),
    { status: [200, 502], forwarded: 1 },
    'RFC 9110 5.4',
  ),
  resp(
    'conn-named',
    'Connection: X-Secret in a response',
    r('200 OK', ['Connection: X-Secret', 'X-Secret: 1', 'Content-Length: 5'], 'hello'),
    { ...okHello, check: all(respBody('hello'), respField('x-secret', null)) },
    'RFC 9110 7.6.1',
  ),
  resp(
    'keep-alive-hdr',
    'Keep-Alive and Upgrade in a 200',
    r('200 OK', ['Keep-Alive: timeout=5', 'Upgrade: h2c', 'Content-Length: 5'], 'hello'),
    { ...okHello, check: all(respField('keep-alive', null), respField('upgrade', null)) },
    'RFC 9110 7.6.1, 7.8',
  ),
  resp(
    'conn-close',
    'Connection: close from the backend',
    r('200 OK', ['Connection: close', 'Content-Length: 5'], 'hello'),
    { ...okHello, close: false },
    'RFC 9110 7.6.1 (hop-by-hop: the client connection is separate)',
    { close: true },
  ),
  resp(
    'no-date',
    'response without Date',
    r('200 OK', ['Content-Length: 5'], 'hello'),
    {
      ...okHello,
      check: onResponse((x) =>
        fieldValues(x.fields, 'date').length === 1 ? null : 'no Date added',
      ),
    },
    'RFC 9110 6.6.1: a recipient with a clock MUST add Date when forwarding',
  ),
  resp(
    'head-cl-1000',
    'HEAD: Content-Length 1000, no body',
    r('200 OK', ['Content-Length: 1000']),
    { status: [200], forwarded: 1, check: respField('content-length', ['1000']) },
    'RFC 9110 9.3.2, 8.6',
    { method: 'HEAD' },
  ),
  resp(
    '1xx-with-cl',
    '100 Continue carrying Content-Length',
    `HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n${r('200 OK', ['Content-Length: 5'], 'hello')}`,
    okHello,
    'RFC 9112 6.3(1) (1xx has no content)',
  ),
  resp(
    'reason-8bit',
    'obs-text in the reason phrase',
    r('200 \xc9t\xe9', ['Content-Length: 5'], 'hello'),
    okHello,
    'RFC 9112 4',
  ),
  resp(
    'reason-nul',
    'NUL in the reason phrase',
    r('200 O\x00K', ['Content-Length: 5'], 'hello'),
    { status: [502, 200], forwarded: 1 },
    'RFC 9112 4',
  ),
];
