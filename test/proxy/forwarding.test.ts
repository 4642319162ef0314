import { CidrSet } from '../../src/config/cidr';
import {
  HeaderList,
  messagePersists,
  parseResponseHead,
  statusLine,
  type ResponseHead,
} from '../../src/http';
import {
  buildClientResponseHeaders,
  buildUpstreamRequestHeaders,
  clientResponseHeadBytes,
  isValidRequestId,
  storedFieldLines,
  normalizePeerAddress,
  resolveClientAddress,
  viaHasName,
  type ClientResponseParams,
  type UpstreamRequestParams,
} from '../../src/proxy/forwarding';

const base: UpstreamRequestParams = {
  peer: '203.0.113.7',
  peerTrusted: false,
  proto: 'http',
  host: 'example.com',
  clientHost: 'example.com',
  versionMinor: 1,
  viaName: 'rrproxy',
  requestIdHeader: 'x-request-id',
  requestId: 'rid-1',
  keepExpect: false,
  maxForwards: null,
};

function pairs(h: HeaderList): [string, string][] {
  return [...h.entries()];
}

describe('buildUpstreamRequestHeaders (RFC 9110 7.6)', () => {
  test('Host first, end-to-end fields kept in order and case, repeated fields kept apart', () => {
    const src = HeaderList.from([
      ['Accept', 'text/html'],
      ['host', 'example.com'],
      ['X-Thing', 'a'],
      ['x-thing', 'b'],
      ['Cookie', 'c=1'],
    ]);
    expect(pairs(buildUpstreamRequestHeaders(src, base))).toEqual([
      ['Host', 'example.com'],
      ['Accept', 'text/html'],
      ['X-Thing', 'a'],
      ['x-thing', 'b'],
      ['Cookie', 'c=1'],
      ['X-Forwarded-For', '203.0.113.7'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Host', 'example.com'],
      ['Via', '1.1 rrproxy'],
      ['X-Request-Id', 'rid-1'],
    ]);
  });

  test('hop-by-hop fields and every field named by Connection are stripped (7.6.1)', () => {
    const src = HeaderList.from([
      ['Connection', 'keep-alive, X-Secret'],
      ['Connection', 'foo'],
      ['Keep-Alive', 'timeout=5'],
      ['Proxy-Connection', 'keep-alive'],
      ['TE', 'trailers'],
      ['Transfer-Encoding', 'chunked'],
      ['Upgrade', 'h2c'],
      ['X-Secret', '1'],
      ['Foo', '2'],
      ['Content-Length', '5'],
      ['X-Kept', 'yes'],
    ]);
    const names = pairs(buildUpstreamRequestHeaders(src, base)).map(([n]) => n.toLowerCase());
    for (const gone of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'te',
      'transfer-encoding',
      'upgrade',
      'x-secret',
      'foo',
      'content-length',
    ]) {
      expect(names).not.toContain(gone);
    }
    expect(names).toContain('x-kept');
  });

  test('X-Forwarded-For is appended to; untrusted peers cannot set Proto/Host', () => {
    const src = HeaderList.from([
      ['X-Forwarded-For', '10.0.0.1'],
      ['X-Forwarded-For', '10.0.0.2, 10.0.0.3'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'evil.example'],
    ]);
    const h = buildUpstreamRequestHeaders(src, base);
    expect(h.getAll('x-forwarded-for')).toEqual(['10.0.0.1, 10.0.0.2, 10.0.0.3, 203.0.113.7']);
    expect(h.getAll('x-forwarded-proto')).toEqual(['http']);
    expect(h.getAll('x-forwarded-host')).toEqual(['example.com']);
  });

  test('trusted peers keep their X-Forwarded-Proto/Host', () => {
    const src = HeaderList.from([
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Host', 'public.example'],
    ]);
    const h = buildUpstreamRequestHeaders(src, { ...base, peerTrusted: true });
    expect(h.get('x-forwarded-proto')).toBe('https');
    expect(h.get('x-forwarded-host')).toBe('public.example');
  });

  test('Via is appended with the request protocol version; request id replaced', () => {
    const src = HeaderList.from([
      ['Via', '1.1 edge'],
      ['X-Request-Id', 'client-given'],
    ]);
    const h = buildUpstreamRequestHeaders(src, { ...base, versionMinor: 0 });
    expect(h.getAll('via')).toEqual(['1.1 edge', '1.0 rrproxy']);
    expect(h.getAll('x-request-id')).toEqual(['rid-1']);
  });

  test('a field named by Connection is removed even if we would otherwise append to it', () => {
    const src = HeaderList.from([
      ['Connection', 'X-Forwarded-For'],
      ['X-Forwarded-For', '6.6.6.6'],
    ]);
    expect(buildUpstreamRequestHeaders(src, base).getAll('x-forwarded-for')).toEqual([
      '203.0.113.7',
    ]);
  });

  test('Max-Forwards is replaced by the decremented value when given (RFC 9110 7.6.2)', () => {
    const src = HeaderList.from([
      ['Max-Forwards', '5'],
      ['max-forwards', '9'],
    ]);
    expect(
      buildUpstreamRequestHeaders(src, { ...base, maxForwards: 4 }).getAll('max-forwards'),
    ).toEqual(['4']);
    expect(buildUpstreamRequestHeaders(src, base).getAll('max-forwards')).toEqual(['5', '9']);
  });

  test('Expect is relayed only when asked to', () => {
    const src = HeaderList.from([['Expect', '100-continue']]);
    expect(buildUpstreamRequestHeaders(src, base).has('expect')).toBe(false);
    expect(buildUpstreamRequestHeaders(src, { ...base, keepExpect: true }).get('expect')).toBe(
      '100-continue',
    );
  });
});

/** Our side of a client response, shared by both ways of building its head. */
const p: ClientResponseParams = {
  upstreamMinor: 1,
  viaName: 'rrproxy',
  requestIdHeader: 'x-request-id',
  requestId: 'rid-9',
  keepContentLength: false,
  date: 'Fri, 27 Nov 2026 00:00:00 GMT',
};

describe('buildClientResponseHeaders', () => {
  test('strips hop-by-hop and framing, keeps Set-Cookie apart, adds Date, Via, request id', () => {
    const src = HeaderList.from([
      ['Set-Cookie', 'a=1'],
      ['Connection', 'close, X-Internal'],
      ['X-Internal', 'x'],
      ['Keep-Alive', 'timeout=5'],
      ['Transfer-Encoding', 'chunked'],
      ['Content-Length', '10'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect(pairs(buildClientResponseHeaders(src, p))).toEqual([
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Date', p.date],
      ['Via', '1.1 rrproxy'],
      ['X-Request-Id', 'rid-9'],
    ]);
  });
  test('keeps the backend Date and, for HEAD/304, Content-Length', () => {
    const src = HeaderList.from([
      ['Date', 'Thu, 01 Jan 2026 00:00:00 GMT'],
      ['Content-Length', '42'],
    ]);
    const h = buildClientResponseHeaders(src, { ...p, keepContentLength: true });
    expect(h.getAll('date')).toEqual(['Thu, 01 Jan 2026 00:00:00 GMT']);
    expect(h.get('content-length')).toBe('42');
  });
});

describe('clientResponseHeadBytes (the backend lines copied as received)', () => {
  const TAIL = 'Content-Length: 3\r\n\r\n';

  function parsed(fields: string): ResponseHead {
    const raw = Buffer.from('HTTP/1.1 200 OK\r\n' + fields + '\r\n', 'latin1');
    const lf = raw.indexOf('\n');
    return parseResponseHead(raw, 0, lf, raw.length);
  }

  /** The bytes the re-serialising path writes for the same head and our same extra fields. */
  function viaStrings(head: ResponseHead, params: ClientResponseParams): string {
    const h = buildClientResponseHeaders(head.headers, params);
    return statusLine(head.status, head.reason) + fieldLinesOf(h) + TAIL;
  }

  function fieldLinesOf(h: HeaderList): string {
    return h.names.map((n, i) => n + ': ' + h.values[i] + '\r\n').join('');
  }

  test.each([
    [
      'nginx-like',
      'Server: nginx\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: text/html\r\nContent-Length: 3\r\nConnection: keep-alive\r\nETag: "x"\r\n',
    ],
    [
      'hop-by-hop and Connection-named lines',
      'Set-Cookie: a=1\r\nConnection: close, X-Internal\r\nX-Internal: x\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\nSet-Cookie: b=2\r\n',
    ],
    ['no Date: ours is added', 'X-A: 1\r\n'],
    ['the backend request id is replaced', 'X-Request-Id: theirs\r\nX-B: 2\r\n'],
    ['no fields at all', ''],
  ])('%s: same bytes as the re-serialising path', (_name, fields) => {
    const head = parsed(fields);
    expect(head.raw).toBeDefined();
    for (const params of [p, { ...p, keepContentLength: true }]) {
      const bytes = clientResponseHeadBytes(
        head.headers,
        head.raw!,
        params,
        statusLine(200, 'OK'),
        TAIL,
      );
      expect(bytes.toString('latin1')).toBe(viaStrings(head, params));
    }
  });

  test('lines go out as received (OWS and case kept), dropped lines leave no trace', () => {
    const head = parsed('x-odd:  v  \r\nConnection: close\r\nServer:nginx\r\n');
    const out = clientResponseHeadBytes(head.headers, head.raw!, p, statusLine(200, ''), TAIL);
    expect(out.toString('latin1')).toBe(
      'HTTP/1.1 200 OK\r\nx-odd:  v  \r\nServer:nginx\r\nDate: ' +
        p.date +
        '\r\nVia: 1.1 rrproxy\r\nX-Request-Id: rid-9\r\n' +
        TAIL,
    );
  });

  test('a head with a bare-LF field line has no raw lines (it is re-serialised)', () => {
    expect(parsed('X-A: 1\nX-B: 2\r\n').raw).toBeUndefined();
    expect(parsed('X-A: 1\r\nX-B: 2\r\n').raw?.starts.length).toBe(3);
  });
});

describe('resolveClientAddress (headers.trustedProxies)', () => {
  const trusted = new CidrSet(['10.0.0.0/8', '::1/128']);
  test.each([
    ['untrusted peer: XFF ignored', '203.0.113.7', ['1.2.3.4'], '203.0.113.7'],
    [
      'trusted peer: rightmost untrusted entry',
      '10.1.1.1',
      ['1.2.3.4, 5.6.7.8, 10.2.2.2'],
      '5.6.7.8',
    ],
    ['all trusted: leftmost', '10.1.1.1', ['10.0.0.9, 10.0.0.8'], '10.0.0.9'],
    ['several fields are one list', '10.1.1.1', ['9.9.9.9', '10.0.0.3'], '9.9.9.9'],
    ['IPv6 peer trusted', '::1', ['2001:db8::1'], '2001:db8::1'],
    ['entries with ports', '10.1.1.1', ['[2001:db8::2]:443, 192.0.2.1:80'], '192.0.2.1'],
  ])('%s', (_name, peer, xff, expected) => {
    expect(resolveClientAddress(peer, xff, trusted)).toBe(expected);
  });
  test('no trusted ranges: the peer', () => {
    expect(resolveClientAddress('10.1.1.1', ['1.1.1.1'], null)).toBe('10.1.1.1');
  });
});

test('IPv4-mapped peers are shown as IPv4', () => {
  expect(normalizePeerAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
  expect(normalizePeerAddress('::1')).toBe('::1');
});

test('Via loop detection matches the received-by name, not the comment', () => {
  expect(viaHasName(['1.1 rrproxy'], 'rrproxy')).toBe(true);
  expect(viaHasName(['1.0 edge, HTTP/1.1 RRProxy (v1)'], 'rrproxy')).toBe(true);
  expect(viaHasName(['1.1 edge (rrproxy)'], 'rrproxy')).toBe(false);
  expect(viaHasName(['1.1 rrproxy2'], 'rrproxy')).toBe(false);
});

test('request ids: bounded, safe characters', () => {
  expect(isValidRequestId('abc-123_x.y:z')).toBe(true);
  expect(isValidRequestId('')).toBe(false);
  expect(isValidRequestId('a'.repeat(129))).toBe(false);
  expect(isValidRequestId('a b')).toBe(false);
  expect(isValidRequestId('a\u00e9')).toBe(false);
});

test('persistence per RFC 9112 9.3 (requests and responses alike)', () => {
  expect(messagePersists(HeaderList.from([]), 1)).toBe(true);
  expect(messagePersists(HeaderList.from([['Connection', 'Close']]), 1)).toBe(false);
  expect(messagePersists(HeaderList.from([['Connection', 'foo, close']]), 1)).toBe(false);
  expect(messagePersists(HeaderList.from([]), 0)).toBe(false);
  expect(messagePersists(HeaderList.from([['Connection', 'keep-alive']]), 0)).toBe(true);
});

test('stored field lines: the client-visible fields serialised once per stored list', () => {
  const src = HeaderList.from([
    ['Content-Type', 'text/html'],
    ['Connection', 'X-Internal'],
    ['X-Internal', 'secret'],
    ['Content-Length', '42'],
    ['X-Request-Id', 'old'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
  ]);
  const r = storedFieldLines(src, 'x-request-id');
  expect(r).toEqual({
    text: 'Content-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n',
    hasDate: false,
  });
  expect(storedFieldLines(src, 'x-request-id')).toBe(r); // memoised by list identity
  expect(storedFieldLines(HeaderList.from([['Date', 'x']]), 'x-request-id').hasDate).toBe(true);
});

test('an HTTP/1.0 message saying both keep-alive and close does not persist', () => {
  expect(messagePersists(HeaderList.from([['Connection', 'keep-alive, close']]), 0)).toBe(false);
});
