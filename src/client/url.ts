import { isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { ClientError } from './errors';

/**
 * The parts of an http URL the client needs to send a request (RFC 9110 4.2.1, RFC 3986).
 * Parsed by hand rather than with WHATWG URL so the rules are ours and visible: the request
 * target is sent exactly as built here.
 */
export interface TargetUrl {
  /** Host to connect to: lower-cased name or IP, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** Host field value (RFC 9110 7.2): brackets around IPv6, port only when not the default. */
  readonly hostHeader: string;
  /** origin-form request target (RFC 9112 3.2.1): absolute path and optional query, encoded. */
  readonly target: string;
  /** user:password from the URL, percent-decoded; sent as Basic credentials. */
  readonly credentials: { readonly user: string; readonly password: string } | null;
  /** The URL as the client shows and logs it (credentials left out). */
  readonly href: string;
}

export const DEFAULT_HTTP_PORT = 80;

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):/;

function badUrl(input: string, why: string): never {
  throw new ClientError('RRC_ERR_BAD_URL', `bad URL '${input}': ${why}`);
}

/** Characters kept as they are in a path segment: unreserved, sub-delims, ':' and '@' (RFC 3986 3.3). */
const PATH_SAFE = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/")
  PATH_SAFE[c.charCodeAt(0)] = 1;
/** Queries also allow '?' (RFC 3986 3.4). */
const QUERY_SAFE = PATH_SAFE.slice();
QUERY_SAFE['?'.charCodeAt(0)] = 1;

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Percent-encodes what may not appear raw in a path or query: spaces, non-ASCII (as UTF-8
 * octets, RFC 3986 2.5), and delimiters such as `"<>\^`{|}`. Existing %XX escapes are kept as
 * they are, so an already-encoded URL is not encoded twice; a '%' that starts no escape becomes %25.
 */
export function percentEncode(s: string, safe: Uint8Array = PATH_SAFE): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      out +=
        i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2)) ? '%' : '%25';
    } else if (c < 128 && safe[c] === 1) {
      out += s[i];
    } else {
      // Encode the whole code point (a surrogate pair is one character in UTF-8).
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(ch, 'utf8'))
        out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Percent-decodes to a UTF-8 string; invalid escapes are left as they are. */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (
      c === 0x25 &&
      i + 2 < s.length &&
      isHex(s.charCodeAt(i + 1)) &&
      isHex(s.charCodeAt(i + 2))
    ) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 3986 5.2.4: removes "." and ".." segments from an absolute path. */
export function removeDotSegments(path: string): string {
  const input = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const seg = input[i]!;
    const last = i === input.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..' && out.length > 1) out.pop();
      if (last) out.push('');
    } else {
      out.push(seg);
    }
  }
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : '/' + joined;
}

function parseHostPort(
  input: string,
  authority: string,
): { host: string; port: number; hostHeader: string } {
  let host: string;
  let rest: string;
  let ipv6 = false;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) badUrl(input, "missing ']' after IPv6 address");
    host = authority.slice(1, close).toLowerCase();
    if (!isIPv6(host)) badUrl(input, `'${host}' is not an IPv6 address`);
    rest = authority.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) badUrl(input, "junk after ']'");
    ipv6 = true;
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    rest = colon === -1 ? '' : authority.slice(colon);
    if (host.includes(':'))
      badUrl(input, 'IPv6 addresses must be written in brackets, e.g. http://[::1]:8080/');
    if (/[^\x21-\x7e]/.test(host)) {
      // Internationalised names go on the wire as their ASCII (punycode) form.
      const ascii = domainToASCII(host);
      if (ascii === '') badUrl(input, `invalid host name '${host}'`);
      host = ascii;
    }
    host = host.toLowerCase();
    if (host === '') badUrl(input, 'missing host');
    if (!/^[a-z0-9_.-]+$/.test(host)) badUrl(input, `invalid host name '${host}'`);
  }
  let port = DEFAULT_HTTP_PORT;
  // An empty port after ':' means the default (RFC 3986 3.2.3).
  if (rest.length > 1) {
    const digits = rest.slice(1);
    if (!/^[0-9]{1,5}$/.test(digits)) badUrl(input, `invalid port '${digits}'`);
    port = Number(digits);
    if (port < 1 || port > 65535) badUrl(input, `port ${port} out of range 1-65535`);
  }
  const hostForm = ipv6 ? `[${host}]` : host;
  return { host, port, hostHeader: port === DEFAULT_HTTP_PORT ? hostForm : `${hostForm}:${port}` };
}

function buildTarget(path: string, query: string | null): string {
  const p = path === '' ? '/' : path;
  return (
    percentEncode(p, PATH_SAFE) + (query === null ? '' : '?' + percentEncode(query, QUERY_SAFE))
  );
}

/** Splits "path?query#fragment" (the fragment is never sent, RFC 9110 4.2.4). */
function splitPathQuery(s: string): { path: string; query: string | null } {
  const hash = s.indexOf('#');
  const noFrag = hash === -1 ? s : s.slice(0, hash);
  const q = noFrag.indexOf('?');
  return q === -1
    ? { path: noFrag, query: null }
    : { path: noFrag.slice(0, q), query: noFrag.slice(q + 1) };
}

/**
 * Parses an http URL. A URL without a scheme is taken as http (like curl). https and any
 * other scheme are refused with RRC_ERR_BAD_URL: this client speaks plain HTTP/1.1 only.
 */
export function parseUrl(input: string): TargetUrl {
  const s = input.trim();
  if (s === '') badUrl(input, 'empty');
  // Control characters are never part of a URL typed on one line (spaces are encoded below).
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(s)) badUrl(input, 'contains a control character');
  let rest: string;
  const scheme = SCHEME_RE.exec(s);
  if (scheme !== null && s.slice(scheme[0].length).startsWith('//')) {
    const name = scheme[1]!.toLowerCase();
    if (name === 'https') {
      badUrl(input, 'https is not supported (this client speaks plain HTTP/1.1 only; use http://)');
    }
    if (name !== 'http') badUrl(input, `unsupported scheme '${name}' (only http is supported)`);
    rest = s.slice(scheme[0].length + 2);
  } else if (s.startsWith('//')) {
    rest = s.slice(2);
  } else if (scheme !== null && !/^[0-9]/.test(s.slice(scheme[0].length))) {
    // "mailto:x" and the like; "localhost:8080/x" (a port after the colon) falls through.
    badUrl(input, `unsupported scheme '${scheme[1]!.toLowerCase()}' (only http is supported)`);
  } else {
    rest = s;
  }
  const end = rest.search(/[/?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const after = end === -1 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  let credentials: TargetUrl['credentials'] = null;
  if (at !== -1) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    credentials = {
      user: percentDecode(colon === -1 ? userinfo : userinfo.slice(0, colon)),
      password: colon === -1 ? '' : percentDecode(userinfo.slice(colon + 1)),
    };
  }
  const hp = parseHostPort(input, at === -1 ? authority : authority.slice(at + 1));
  const { path, query } = splitPathQuery(after);
  return makeUrl(hp, buildTarget(path, query), credentials);
}

function makeUrl(
  hp: { host: string; port: number; hostHeader: string },
  target: string,
  credentials: TargetUrl['credentials'],
): TargetUrl {
  return { ...hp, target, credentials, href: `http://${hp.hostHeader}${target}` };
}

/** The path part of a target (before '?'). */
export function targetPath(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

/**
 * Resolves a Location value against the URL of the request (RFC 9110 10.2.2, RFC 3986 5.2).
 * Credentials from the URL are kept only while the origin stays the same.
 */
export function resolveUrl(base: TargetUrl, reference: string): TargetUrl {
  const ref = reference.trim();
  const scheme = SCHEME_RE.exec(ref);
  if (scheme !== null) return parseUrl(ref);
  if (ref.startsWith('//')) return parseUrl('http:' + ref);
  const { path, query } = splitPathQuery(ref);
  const basePath = targetPath(base.target);
  let newPath: string;
  let newQuery: string | null = query;
  if (path === '') {
    newPath = basePath;
    if (query === null) {
      const q = base.target.indexOf('?');
      newQuery = q === -1 ? null : base.target.slice(q + 1);
    }
  } else if (path.startsWith('/')) {
    newPath = removeDotSegments(path);
  } else {
    newPath = removeDotSegments(basePath.slice(0, basePath.lastIndexOf('/') + 1) + path);
  }
  return makeUrl(base, buildTarget(newPath, newQuery), base.credentials);
}

/** Same origin: scheme (always http here), host and port (RFC 6454 4). */
export function sameOrigin(a: TargetUrl, b: TargetUrl): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * Parses the --proxy value: host:port, [v6]:port, or an http:// URL whose path is ignored.
 */
export function parseProxyAddress(value: string): { host: string; port: number; label: string } {
  const u = parseUrl(value);
  if (u.target !== '/') {
    throw new ClientError(
      'RRC_ERR_USAGE',
      `--proxy takes host:port, not a URL with a path: '${value}'`,
    );
  }
  return { host: u.host, port: u.port, label: u.hostHeader };
}
