import { ProxyError } from '../errors';

/** Where a request goes, once its target form is understood (RFC 9112 3.2). */
export interface RequestTarget {
  /** What we send upstream: origin-form path and query, or "*" for OPTIONS *. */
  readonly path: string;
  /** The authority of an absolute-form target, which replaces Host (RFC 9112 3.2.2). */
  readonly authority: string | null;
}

/** unreserved / pct-encoded / sub-delims, the reg-name alphabet (RFC 3986 3.2.2). */
const REG_NAME = new Uint8Array(128);
for (const c of "-._~!$&'()*+,;=%") REG_NAME[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) REG_NAME[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) REG_NAME[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) REG_NAME[c] = 1;

/** True for `uri-host [ ":" port ]` (RFC 9110 7.2): reg-name, IPv4, or a bracketed IP-literal. */
export function isValidAuthority(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > 255) return false;
  let i = 0;
  if (v.charCodeAt(0) === 0x5b) {
    const close = v.indexOf(']');
    if (close < 3) return false;
    for (let k = 1; k < close; k++) {
      const c = v.charCodeAt(k);
      const ok =
        (c >= 0x30 && c <= 0x3a) ||
        (c >= 0x41 && c <= 0x46) ||
        (c >= 0x61 && c <= 0x66) ||
        c === 0x2e;
      if (!ok) return false;
    }
    i = close + 1;
  } else {
    while (i < n && v.charCodeAt(i) !== 0x3a) {
      const c = v.charCodeAt(i);
      if (c >= 128 || REG_NAME[c] !== 1) return false;
      i++;
    }
    if (i === 0) return false;
  }
  if (i === n) return true;
  if (v.charCodeAt(i) !== 0x3a) return false;
  // Port: digits, possibly empty (RFC 3986 allows "host:").
  if (n - i - 1 > 5) return false;
  for (let k = i + 1; k < n; k++) {
    const c = v.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isScheme(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    const alpha = c >= 0x61 && c <= 0x7a;
    if (
      !alpha &&
      (i === 0 || !((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e))
    )
      return false;
  }
  return true;
}

/**
 * Classifies the request-target. Origin-form passes through; absolute-form becomes origin-form
 * and yields its authority; asterisk-form is allowed for OPTIONS only; authority-form and CONNECT
 * are not implemented (we are not a forward proxy: no open-proxy behaviour).
 */
export function parseRequestTarget(method: string, target: string): RequestTarget {
  if (method === 'CONNECT') throw new ProxyError('RRP_ERR_NOT_IMPLEMENTED', 'CONNECT');
  const c0 = target.charCodeAt(0);
  if (c0 === 0x2f) return { path: target, authority: null };
  if (target === '*') {
    if (method !== 'OPTIONS')
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'asterisk-form without OPTIONS');
    return { path: '*', authority: null };
  }
  const sep = target.indexOf('://');
  if (sep > 0 && isScheme(target.slice(0, sep))) {
    const scheme = target.slice(0, sep).toLowerCase();
    if (scheme !== 'http' && scheme !== 'https')
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'unsupported scheme');
    const rest = sep + 3;
    let end = rest;
    while (end < target.length) {
      const c = target.charCodeAt(end);
      if (c === 0x2f || c === 0x3f || c === 0x23) break;
      end++;
    }
    const authority = target.slice(rest, end);
    if (authority.includes('@')) throw new ProxyError('RRP_ERR_BAD_REQUEST', 'userinfo in target');
    if (!isValidAuthority(authority))
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'invalid authority in target');
    let path = target.slice(end);
    if (path.charCodeAt(0) === 0x23)
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'fragment in target');
    // RFC 9112 3.2.4: OPTIONS for a URI with an empty path is forwarded as "OPTIONS *".
    if (path.length === 0) path = method === 'OPTIONS' ? '*' : '/';
    else if (path.charCodeAt(0) === 0x3f) path = '/' + path;
    return { path, authority };
  }
  // authority-form (host:port) is only for CONNECT; anything else is not a valid target.
  if (isValidAuthority(target) && target.includes(':')) {
    throw new ProxyError('RRP_ERR_NOT_IMPLEMENTED', 'authority-form target');
  }
  throw new ProxyError('RRP_ERR_BAD_REQUEST', 'invalid request-target');
}

/**
 * Applies the optional prefix rewrite. The strip prefix matches the raw path at a segment
 * boundary only: "/api" matches "/api", "/api/x" and "/api?q", never "/apiary".
 */
export function rewritePath(path: string, stripPrefix: string, addPrefix: string): string {
  if (path === '*') return path;
  let p = path;
  if (stripPrefix.length > 0 && p.startsWith(stripPrefix)) {
    const next = p.charCodeAt(stripPrefix.length);
    if (Number.isNaN(next) || next === 0x2f || next === 0x3f) {
      p = p.slice(stripPrefix.length);
      if (p.length === 0 || p.charCodeAt(0) === 0x3f) p = '/' + p;
    }
  }
  if (addPrefix.length > 0) p = p === '/' ? addPrefix + '/' : addPrefix + p;
  return p;
}
