import { connectionOptions, HOP_BY_HOP } from '../http/hop-by-hop';
import { splitList, HeaderList } from '../http/headers';
import { writeLatin1 } from '../http/latin1';
import type { RawFieldLines } from '../http/message';

/** Anything that can tell whether an address is a trusted proxy (a CIDR set). */
export interface AddressMatcher {
  has(ip: string): boolean;
}

/** Strips the "::ffff:" of an IPv4-mapped IPv6 address so logs and XFF show plain IPv4. */
export function normalizePeerAddress(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') && addr.indexOf('.') !== -1 ? addr.slice(7) : addr;
}

/**
 * The client address believed for logs, traces and hashing: the rightmost X-Forwarded-For entry
 * not in a trusted range, starting from the peer itself (which must be trusted for XFF to count).
 */
export function resolveClientAddress(
  peer: string,
  xff: readonly string[],
  trusted: AddressMatcher | null,
): string {
  if (trusted === null || !trusted.has(peer)) return peer;
  let leftmost = peer;
  for (let f = xff.length - 1; f >= 0; f--) {
    const items = splitList(xff[f]!);
    for (let i = items.length - 1; i >= 0; i--) {
      const ip = stripPort(items[i]!);
      if (!trusted.has(ip)) return ip;
      leftmost = ip;
    }
  }
  return leftmost;
}

function stripPort(entry: string): string {
  // "[v6]:port", "v4:port" (rare in XFF, but some proxies write them).
  if (entry.charCodeAt(0) === 0x5b) {
    const close = entry.indexOf(']');
    return close > 0 ? entry.slice(1, close) : entry;
  }
  const colon = entry.indexOf(':');
  return colon !== -1 && colon === entry.lastIndexOf(':') ? entry.slice(0, colon) : entry;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** True when a Via field lists `name` as a received-by (RFC 9110 7.6.3): a forwarding loop. */
export function viaHasName(values: readonly string[], name: string): boolean {
  const lname = name.toLowerCase();
  for (const v of values) {
    for (const item of splitList(v)) {
      // received-protocol RWS received-by [ RWS comment ]: the second word.
      let i = 0;
      const n = item.length;
      while (i < n && !isWs(item.charCodeAt(i))) i++;
      while (i < n && isWs(item.charCodeAt(i))) i++;
      let j = i;
      while (j < n && !isWs(item.charCodeAt(j))) j++;
      if (j > i && item.slice(i, j).toLowerCase() === lname) return true;
    }
  }
  return false;
}

const REQUEST_ID_MAX = 128;

/** A request id we keep as received: bounded length, characters safe in logs and headers. */
export function isValidRequestId(v: string): boolean {
  const n = v.length;
  if (n === 0 || n > REQUEST_ID_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d ||
      c === 0x2e ||
      c === 0x5f ||
      c === 0x3a ||
      c === 0x2b ||
      c === 0x2f ||
      c === 0x3d;
    if (!ok) return false;
  }
  return true;
}

/** The request id field as sent: `X-Request-Id` for the default name, else the configured one. */
export function requestIdFieldName(lowerName: string): string {
  return lowerName === 'x-request-id' ? 'X-Request-Id' : lowerName;
}

/** Our Via entry (RFC 9110 7.6.3): the protocol version we received, then our name. */
export function viaEntry(versionMinor: 0 | 1, viaName: string): string {
  return (versionMinor === 1 ? '1.1 ' : '1.0 ') + viaName;
}

export interface UpstreamRequestParams {
  /** Peer address of the client connection (normalized). */
  peer: string;
  /** Whether the peer is a trusted proxy, whose X-Forwarded-Proto/Host we keep. */
  peerTrusted: boolean;
  /** "http" or "https": the scheme of the client connection. */
  proto: string;
  /** The Host to send (client's, absolute-form authority, or the configured rewrite). */
  host: string | null;
  /** The Host the client asked for, for X-Forwarded-Host. */
  clientHost: string | null;
  versionMinor: 0 | 1;
  viaName: string;
  requestIdHeader: string;
  requestId: string;
  /** Whether to relay Expect (HTTP/1.1 with 100-continue). */
  keepExpect: boolean;
  /** TRACE/OPTIONS with Max-Forwards: the decremented value to send (RFC 9110 7.6.2), or null. */
  maxForwards: number | null;
}

/**
 * Builds the field list sent upstream: Host first, the client's end-to-end fields in their order
 * and case, hop-by-hop fields (and those Connection names) and framing fields removed, then
 * X-Forwarded-For appended to, X-Forwarded-Proto/Host, Via appended to, and the request id.
 */
export function buildUpstreamRequestHeaders(src: HeaderList, p: UpstreamRequestParams): HeaderList {
  const out = new HeaderList();
  if (p.host !== null) out.add('Host', p.host, 'host');
  const connOpts = connectionOptions(src);
  const ridLower = p.requestIdHeader;
  let xff: string | null = null;
  let xfProto: string | null = null;
  let xfHost: string | null = null;
  let sawMaxForwards = false;
  const { names, lower, values } = src;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    // Fields the client declared hop-by-hop go first, whatever they are (RFC 9110 7.6.1).
    if (connOpts !== null && connOpts.has(l)) continue;
    switch (l) {
      case 'host':
      case 'content-length':
        continue;
      case 'x-forwarded-for':
        xff = xff === null ? values[i]! : xff + ', ' + values[i]!;
        continue;
      case 'x-forwarded-proto':
        if (p.peerTrusted && xfProto === null) xfProto = values[i]!;
        continue;
      case 'x-forwarded-host':
        if (p.peerTrusted && xfHost === null) xfHost = values[i]!;
        continue;
      case 'expect':
        if (!p.keepExpect) continue;
        break;
      case 'max-forwards':
        if (p.maxForwards !== null) {
          if (!sawMaxForwards) out.add(names[i]!, String(p.maxForwards), l);
          sawMaxForwards = true;
          continue;
        }
        break;
      default:
        if (l === ridLower) continue;
        if (HOP_BY_HOP.has(l)) continue;
        if (connOpts !== null && connOpts.has(l)) continue;
    }
    out.add(names[i]!, values[i]!, l);
  }
  out.add('X-Forwarded-For', xff === null ? p.peer : xff + ', ' + p.peer, 'x-forwarded-for');
  out.add('X-Forwarded-Proto', xfProto ?? p.proto, 'x-forwarded-proto');
  const fwdHost = xfHost ?? p.clientHost;
  if (fwdHost !== null) out.add('X-Forwarded-Host', fwdHost, 'x-forwarded-host');
  out.add('Via', viaEntry(p.versionMinor, p.viaName), 'via');
  out.add(requestIdFieldName(ridLower), p.requestId, ridLower);
  return out;
}

export interface ClientResponseParams {
  /** Upstream response version, for our Via entry. */
  upstreamMinor: 0 | 1;
  viaName: string;
  requestIdHeader: string;
  requestId: string;
  /** Keep Content-Length: true for bodiless responses (HEAD, 304) where it is metadata. */
  keepContentLength: boolean;
  date: string;
}

/**
 * Whether a backend response field reaches the client: not hop-by-hop, not named by the response's
 * Connection (RFC 9110 7.6.1), not the request id field (ours replaces it).
 */
function isClientResponseField(
  l: string,
  connOpts: ReadonlySet<string> | null,
  ridLower: string,
): boolean {
  return l !== ridLower && !HOP_BY_HOP.has(l) && (connOpts === null || !connOpts.has(l));
}

function reachesClient(
  l: string,
  connOpts: ReadonlySet<string> | null,
  p: ClientResponseParams,
): boolean {
  return l === 'content-length'
    ? p.keepContentLength
    : isClientResponseField(l, connOpts, p.requestIdHeader);
}

/** Via, then the request id: the fields we add to every response after the backend's. */
function viaAndRequestId(p: ClientResponseParams): string {
  return (
    'Via: ' +
    viaEntry(p.upstreamMinor, p.viaName) +
    '\r\n' +
    requestIdFieldName(p.requestIdHeader) +
    ': ' +
    p.requestId +
    '\r\n'
  );
}

/** Builds the field list sent to the client: hop-by-hop stripped, Date ensured, Via, request id. */
export function buildClientResponseHeaders(src: HeaderList, p: ClientResponseParams): HeaderList {
  const out = new HeaderList();
  const connOpts = connectionOptions(src);
  const ridLower = p.requestIdHeader;
  let hasDate = false;
  const { names, lower, values } = src;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (!reachesClient(l, connOpts, p)) continue;
    if (l === 'date') hasDate = true;
    out.add(names[i]!, values[i]!, l);
  }
  if (!hasDate) out.add('Date', p.date, 'date');
  out.add('Via', viaEntry(p.upstreamMinor, p.viaName), 'via');
  out.add(requestIdFieldName(ridLower), p.requestId, ridLower);
  return out;
}

/** Scratch for clientResponseHeadBytes: [start, end) of each run of consecutive kept lines. */
const runs: number[] = [];

/**
 * The client's response head as bytes, without re-serialising the backend's fields: the lines
 * buildClientResponseHeaders would keep are copied as received (consecutive ones in one copy)
 * between our status line and our fields, in the same order that function gives. `tail` is what
 * follows Via and the request id, up to and including the empty line.
 */
export function clientResponseHeadBytes(
  headers: HeaderList,
  raw: RawFieldLines,
  p: ClientResponseParams,
  statusLine: string,
  tail: string,
  /** Bytes left free after the head, for a body the caller copies in (see Exchange). */
  room = 0,
): Buffer {
  const connOpts = connectionOptions(headers);
  const { lower } = headers;
  const starts = raw.starts;
  let hasDate = false;
  let n = 0;
  let bytes = 0;
  for (let i = 0; i < lower.length; i++) {
    const l = lower[i]!;
    if (!reachesClient(l, connOpts, p)) continue;
    if (l === 'date') hasDate = true;
    const s = starts[i]!;
    const e = starts[i + 1]!;
    bytes += e - s;
    if (n !== 0 && runs[n - 1] === s) runs[n - 1] = e;
    else {
      runs[n++] = s;
      runs[n++] = e;
    }
  }
  const ours = (hasDate ? '' : 'Date: ' + p.date + '\r\n') + viaAndRequestId(p) + tail;
  const out = Buffer.allocUnsafe(statusLine.length + bytes + ours.length + room);
  let o = writeLatin1(out, statusLine, 0);
  const buf = raw.buf;
  for (let k = 0; k < n; k += 2) o += buf.copy(out, o, runs[k]!, runs[k + 1]!);
  writeLatin1(out, ours, o);
  return out;
}

/** The end-to-end field lines of a stored response, serialised once (see storedFieldLines). */
export interface StoredFieldLines {
  /** "Name: value\r\n" for each field a client may see (hop-by-hop, framing, request id out). */
  readonly text: string;
  readonly hasDate: boolean;
}

const storedLines = new WeakMap<HeaderList, StoredFieldLines>();

/**
 * The field lines of a cached response, computed once per stored field list (the cache replaces
 * the list when a 304 refreshes it, so identity is the right key). Same filter as
 * buildClientResponseHeaders with keepContentLength false, for the cache-hit fast path.
 */
export function storedFieldLines(src: HeaderList, requestIdHeader: string): StoredFieldLines {
  let r = storedLines.get(src);
  if (r !== undefined) return r;
  const connOpts = connectionOptions(src);
  let text = '';
  let hasDate = false;
  const { names, lower, values } = src;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (l === 'content-length' || !isClientResponseField(l, connOpts, requestIdHeader)) continue;
    if (l === 'date') hasDate = true;
    text += names[i]! + ': ' + values[i]! + '\r\n';
  }
  r = { text, hasDate };
  storedLines.set(src, r);
  return r;
}
