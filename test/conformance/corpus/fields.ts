/**
 * Field syntax (RFC 9110 5, RFC 9112 5) and Host / target handling (RFC 9112 3.2, RFC 9110 7.2).
 */
import type { Case, Expectation } from '../harness/types';
import { fieldValues } from '../harness/lenient';
import {
  all,
  fwdField,
  fwdFieldLacks,
  fwdLine,
  fwdTarget,
  get,
  HIDDEN,
  HOST,
  msg,
  onForwarded,
} from './build';

const REJECT: Expectation = { status: [400], close: true, forwarded: 0 };
const OK: Expectation = { status: [200], forwarded: 1 };

function hdr(id: string, title: string, fields: string[], expect: Expectation, rfc: string): Case {
  // A request after the head only where the head must be refused: there it is hidden, and must
  // never be forwarded; after an accepted head it would be a legitimate pipelined request.
  const hidden = expect.status?.includes(200) === true ? '' : HIDDEN;
  return { id, group: 'headers', title, writes: [get('/h', fields) + hidden], rfc, expect };
}

/** obs-fold: 400, or the fold replaced by SP before forwarding (RFC 9112 5.2). */
const FOLD_OK: Expectation = {
  status: [400, 200],
  forwarded: [0, 1],
  check: onForwarded((r) => {
    const v = fieldValues(r.fields, 'x-fold').join('');
    return /[\r\n]/.test(v) ? `forwarded the fold raw: ${JSON.stringify(v)}` : null;
  }),
};

const many = (n: number): string[] => Array.from({ length: n }, (_, i) => `X-F${i}: v`);

export const HEADERS: Case[] = [
  hdr(
    'h-obs-fold',
    'obs-fold (SP) in a field value',
    [HOST, 'X-Fold: a', ' b'],
    FOLD_OK,
    'RFC 9112 5.2',
  ),
  hdr(
    'h-obs-fold-tab',
    'obs-fold (HTAB) in a field value',
    [HOST, 'X-Fold: a', '\tb'],
    FOLD_OK,
    'RFC 9112 5.2',
  ),
  hdr(
    'h-fold-first',
    'whitespace-led line right after the request line',
    [' X-A: 1', HOST],
    REJECT,
    'RFC 9112 2.2 (reject or ignore the line)',
  ),
  hdr(
    'h-space-colon',
    'whitespace before the colon',
    [HOST, 'X-A : 1'],
    REJECT,
    'RFC 9112 5.1: MUST 400',
  ),
  hdr('h-tab-colon', 'HTAB before the colon', [HOST, 'X-A\t: 1'], REJECT, 'RFC 9112 5.1: MUST 400'),
  hdr('h-empty-name', 'empty field name', [HOST, ': v'], REJECT, 'RFC 9110 5.1 (token)'),
  hdr('h-no-colon', 'field line without a colon', [HOST, 'X-A'], REJECT, 'RFC 9112 5'),
  hdr('h-name-space', 'space inside a field name', [HOST, 'X A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-paren', '"(" in a field name', [HOST, 'X(A): 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-at', '"@" in a field name', [HOST, 'X@A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-slash', '"/" in a field name', [HOST, 'X/A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-quote', 'DQUOTE in a field name', [HOST, 'X"A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-8bit', 'byte 0xE9 in a field name', [HOST, 'X\xe9A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr('h-name-nul', 'NUL in a field name', [HOST, 'X\x00A: 1'], REJECT, 'RFC 9110 5.1'),
  hdr(
    'h-name-underscore',
    'underscore in a field name (a valid tchar)',
    [HOST, 'X_Under: 1'],
    { status: [200], forwarded: 1 },
    'RFC 9110 5.1',
  ),
  hdr(
    'h-name-tchars',
    'every tchar in a field name',
    [HOST, "X!#$%&'*+-.^_`|~9: 1"],
    { status: [200], forwarded: 1 },
    'RFC 9110 5.6.2',
  ),
  hdr(
    'h-value-nul',
    'NUL in a field value',
    [HOST, 'X-A: a\x00b'],
    { status: [400], close: true, forwarded: [0, 1], check: fwdFieldLacks('x-a', '\x00') },
    'RFC 9110 5.5: reject or replace with SP',
  ),
  hdr(
    'h-value-cr',
    'bare CR in a field value',
    [HOST, 'X-A: a\rb'],
    { status: [400], close: true, forwarded: [0, 1], check: fwdFieldLacks('x-a', '\r') },
    'RFC 9112 2.2, RFC 9110 5.5',
  ),
  hdr(
    'h-value-lf',
    'bare LF inside a value starting a fake field',
    [HOST, 'X-A: a\nX-Injected: 1'],
    { status: [200, 400], forwarded: [0, 1] },
    'RFC 9112 2.2 (a bare LF MAY end the line)',
  ),
  hdr(
    'h-value-del',
    'DEL (0x7F) in a field value',
    [HOST, 'X-A: a\x7fb'],
    { status: [200, 400], forwarded: [0, 1], check: fwdField('x-a', ['a\x7fb']) },
    'RFC 9110 5.5 (not a field-vchar; SHOULD NOT be accepted silently)',
  ),
  hdr(
    'h-value-ctl',
    'ESC (0x1B) in a field value',
    [HOST, 'X-A: a\x1bb'],
    { status: [200, 400], forwarded: [0, 1], check: fwdField('x-a', ['a\x1bb']) },
    'RFC 9110 5.5',
  ),
  hdr(
    'h-value-vtab',
    'VT (0x0B) in a field value',
    [HOST, 'X-A: a\x0bb'],
    { status: [200, 400], forwarded: [0, 1], check: fwdField('x-a', ['a\x0bb']) },
    'RFC 9110 5.5',
  ),
  hdr(
    'h-value-obs-text',
    'obs-text (0x80-0xFF) in a field value',
    [HOST, 'X-A: caf\xe9 \xff'],
    { ...OK, check: fwdField('x-a', ['caf\xe9 \xff']) },
    'RFC 9110 5.5 (obs-text allowed)',
  ),
  hdr(
    'h-value-ows',
    'leading/trailing OWS around a value',
    [HOST, 'X-A: \t v \t'],
    { ...OK, check: fwdField('x-a', ['v']) },
    'RFC 9110 5.5',
  ),
  hdr(
    'h-value-empty',
    'empty field value',
    [HOST, 'X-A:'],
    { ...OK, check: fwdField('x-a', ['']) },
    'RFC 9110 5.5',
  ),
  hdr(
    'h-value-7k',
    'a 7000-byte value',
    [HOST, `X-A: ${'v'.repeat(7000)}`],
    { ...OK, check: fwdField('x-a', ['v'.repeat(7000)]) },
    'RFC 9110 5.4',
  ),
  hdr(
    'h-value-20k',
    'a 20 KiB value',
    [HOST, `X-A: ${'v'.repeat(20 * 1024)}`],
    { status: [200, 431, 400], forwarded: [0, 1] },
    'RFC 9110 5.4, RFC 6585 5',
  ),
  hdr(
    'h-value-70k',
    'a 70 KiB value (over a 64 KiB header limit)',
    [HOST, `X-A: ${'v'.repeat(70 * 1024)}`],
    { status: [431, 400], close: true, forwarded: 0 },
    'RFC 6585 5',
  ),
  hdr(
    'h-name-2k',
    'a 2000-byte field name',
    [HOST, `X-${'n'.repeat(2000)}: 1`],
    { status: [200, 431], forwarded: [0, 1] },
    'RFC 9110 5.4',
  ),
  hdr(
    'h-100-fields',
    '100 fields in all (Host + 99)',
    [HOST, ...many(99)],
    { status: [200], forwarded: 1 },
    'RFC 9110 5.4',
  ),
  hdr(
    'h-120-fields',
    '121 fields',
    [HOST, ...many(120)],
    { status: [200, 431], forwarded: [0, 1] },
    'RFC 9110 5.4, RFC 6585 5',
  ),
  hdr(
    'h-1000-fields',
    '1001 fields',
    [HOST, ...many(1000)],
    { status: [431, 400], close: true, forwarded: 0 },
    'RFC 6585 5',
  ),
  hdr(
    'h-dup-cookie',
    'three Cookie fields',
    [HOST, 'Cookie: a=1', 'Cookie: b=2', 'Cookie: c=3'],
    {
      ...OK,
      check: onForwarded((r) => {
        const v = fieldValues(r.fields, 'cookie').join('; ');
        return v.replace(/;\s*/g, ';') === 'a=1;b=2;c=3' ? null : `cookies ${JSON.stringify(v)}`;
      }),
    },
    'RFC 9110 5.3, RFC 6265 5.4',
  ),
  hdr(
    'h-xff-append',
    'client X-Forwarded-For is appended to',
    [HOST, 'X-Forwarded-For: 192.0.2.1'],
    {
      ...OK,
      check: onForwarded((r) => {
        const v = fieldValues(r.fields, 'x-forwarded-for').join(', ');
        return /^192\.0\.2\.1, 127\.2\./.test(v) ? null : `X-Forwarded-For ${JSON.stringify(v)}`;
      }),
    },
    'de-facto (nginx, HAProxy, Envoy); issue 2 section 6',
  ),
  hdr(
    'h-xff-two',
    'two X-Forwarded-For fields',
    [HOST, 'X-Forwarded-For: 192.0.2.1', 'X-Forwarded-For: 192.0.2.2'],
    {
      ...OK,
      check: onForwarded((r) => {
        const v = fieldValues(r.fields, 'x-forwarded-for').join(', ');
        return /^192\.0\.2\.1, 192\.0\.2\.2, 127\.2\./.test(v)
          ? null
          : `X-Forwarded-For ${JSON.stringify(v)}`;
      }),
    },
    'RFC 9110 5.3 (same-name fields combine in order)',
  ),
  // Host (RFC 9112 3.2: exactly one valid Host in HTTP/1.1)
  hdr(
    'host-dup-same',
    'two Host fields, same value',
    [HOST, HOST],
    REJECT,
    'RFC 9112 3.2: MUST 400',
  ),
  hdr(
    'host-dup-diff',
    'two Host fields, different',
    [HOST, 'Host: other.test'],
    REJECT,
    'RFC 9112 3.2: MUST 400',
  ),
  hdr(
    'host-list',
    'Host: a, b',
    ['Host: example.test, other.test'],
    REJECT,
    'RFC 9112 3.2 (invalid field value)',
  ),
  hdr('host-missing', 'HTTP/1.1 without Host', ['X-A: 1'], REJECT, 'RFC 9112 3.2: MUST 400'),
  hdr(
    'host-empty',
    'empty Host',
    ['Host:'],
    { status: [200, 400], forwarded: [0, 1] },
    'RFC 9110 7.2 (empty reg-name is valid)',
  ),
  hdr(
    'host-port',
    'Host with a port',
    ['Host: example.test:8080'],
    { ...OK, check: fwdField('host', ['example.test:8080']) },
    'RFC 9110 7.2',
  ),
  hdr(
    'host-ipv6',
    'Host [::1]:8080',
    ['Host: [::1]:8080'],
    { ...OK, check: fwdField('host', ['[::1]:8080']) },
    'RFC 9110 7.2, RFC 3986 3.2.2',
  ),
  hdr('host-ipv6-bare', 'Host ::1 (no brackets)', ['Host: ::1'], REJECT, 'RFC 3986 3.2.2'),
  hdr(
    'host-space',
    'Host with a space',
    ['Host: exa mple.test'],
    REJECT,
    'RFC 9112 3.2 (invalid value)',
  ),
  hdr('host-slash', 'Host with a slash', ['Host: example.test/evil'], REJECT, 'RFC 9112 3.2'),
  hdr(
    'host-userinfo',
    'Host with userinfo',
    ['Host: user@example.test'],
    REJECT,
    'RFC 9110 7.2 (no userinfo in Host)',
  ),
  hdr(
    'host-bad-port',
    'Host with a non-numeric port',
    ['Host: example.test:abc'],
    REJECT,
    'RFC 9110 7.2',
  ),
  hdr(
    'host-empty-port',
    'Host with an empty port',
    ['Host: example.test:'],
    { status: [200, 400], forwarded: [0, 1] },
    'RFC 3986 3.2.3 (port = *DIGIT)',
  ),
  hdr(
    'host-trailing-dot',
    'Host with a trailing dot',
    ['Host: example.test.'],
    { ...OK, check: fwdField('host', ['example.test.']) },
    'RFC 3986 3.2.2',
  ),
  hdr(
    'host-upper',
    'Host in upper case',
    ['Host: EXAMPLE.TEST'],
    { ...OK },
    'RFC 3986 3.2.2 (case-insensitive)',
  ),
  hdr('host-8bit', 'Host with a raw 0xE9 byte', ['Host: caf\xe9.test'], REJECT, 'RFC 9112 3.2'),
  hdr(
    'host-pct',
    'Host with pct-encoding',
    ['Host: ex%41mple.test'],
    { status: [200, 400], forwarded: [0, 1] },
    'RFC 3986 3.2.2 (pct-encoded reg-name)',
  ),
  {
    id: 'host-missing-10',
    group: 'headers',
    title: 'HTTP/1.0 without Host',
    writes: [msg('GET /h HTTP/1.0', ['X-A: 1'])],
    rfc: 'RFC 9112 3.2 (Host required in 1.1 only)',
    expect: { status: [200], forwarded: 1 },
  },
  {
    id: 'host-dup-10',
    group: 'headers',
    title: 'HTTP/1.0 with two Host fields',
    writes: [msg('GET /h HTTP/1.0', [HOST, 'Host: other.test'])],
    rfc: 'RFC 9112 3.2: MUST 400 for more than one Host line',
    expect: REJECT,
  },
  // absolute-form (RFC 9112 3.2.2: its authority replaces Host)
  req(
    'abs-other-host',
    'absolute-form with a different Host',
    'GET http://other.test/p?q=1 HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdTarget('/p?q=1'), fwdField('host', ['other.test'])) },
    'RFC 9112 3.2.2: MUST ignore Host, use the target authority',
  ),
  req(
    'abs-port',
    'absolute-form with a port',
    'GET http://other.test:8080/p HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdTarget('/p'), fwdField('host', ['other.test:8080'])) },
    'RFC 9112 3.2.2',
  ),
  req(
    'abs-no-path',
    'absolute-form without a path',
    'GET http://other.test HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdTarget('/'), fwdField('host', ['other.test'])) },
    'RFC 9112 3.2.1 (empty path -> "/")',
  ),
  req(
    'abs-query-no-path',
    'absolute-form with a query and no path',
    'GET http://other.test?x=1 HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdTarget('/?x=1'), fwdField('host', ['other.test'])) },
    'RFC 9112 3.2.1',
  ),
  req(
    'abs-https',
    'absolute-form with https',
    'GET https://other.test/p HTTP/1.1',
    [HOST],
    { status: [200, 400], forwarded: [0, 1], check: fwdTarget('/p') },
    'RFC 9112 3.2.2',
  ),
  req(
    'abs-userinfo',
    'absolute-form with userinfo',
    'GET http://user:pw@other.test/p HTTP/1.1',
    [HOST],
    REJECT,
    'RFC 9110 4.2.4: userinfo SHOULD be treated as an error',
  ),
  req(
    'abs-no-host-field',
    'absolute-form without a Host field',
    'GET http://other.test/p HTTP/1.1',
    ['X-A: 1'],
    { status: [200, 400], forwarded: [0, 1], check: fwdField('host', ['other.test']) },
    'RFC 9112 3.2 (Host required) vs 3.2.2',
  ),
  req(
    'abs-upper-scheme',
    'absolute-form with HTTP:// in upper case',
    'GET HTTP://other.test/p HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdTarget('/p'), fwdField('host', ['other.test'])) },
    'RFC 3986 3.1 (scheme is case-insensitive)',
  ),
  req(
    'abs-ftp',
    'absolute-form with scheme ftp',
    'GET ftp://other.test/p HTTP/1.1',
    [HOST],
    { status: [400, 501], forwarded: 0 },
    'RFC 9110 4.2',
  ),
  req(
    'abs-empty-host',
    'absolute-form http:///p (empty host)',
    'GET http:///p HTTP/1.1',
    [HOST],
    REJECT,
    'RFC 9110 4.2.1: empty host is invalid for http',
  ),
  req(
    'abs-http10',
    'absolute-form in HTTP/1.0 without Host',
    'GET http://other.test/p HTTP/1.0',
    ['X-A: 1'],
    { ...OK, check: all(fwdTarget('/p'), fwdField('host', ['other.test'])) },
    'RFC 9112 3.2.2',
  ),
  req(
    'abs-default-port',
    'absolute-form with the default port',
    'GET http://other.test:80/p HTTP/1.1',
    [HOST],
    { ...OK, check: fwdTarget('/p') },
    'RFC 9112 3.2.2',
  ),
  req(
    'abs-options-star',
    'OPTIONS http://other.test (empty path)',
    'OPTIONS http://other.test HTTP/1.1',
    [HOST],
    { ...OK, check: all(fwdLine('OPTIONS * HTTP/1.1'), fwdField('host', ['other.test'])) },
    'RFC 9112 3.2.4: the last proxy MUST send "*" for OPTIONS with an empty path',
  ),
];

function req(
  id: string,
  title: string,
  line: string,
  fields: string[],
  expect: Expectation,
  rfc: string,
): Case {
  return { id, group: 'headers', title, writes: [msg(line, fields)], rfc, expect };
}
