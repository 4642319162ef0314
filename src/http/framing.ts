import { ProxyError, type ErrorCode } from '../errors';
import { splitList, trimOws, type HeaderList } from './headers';
import {
  CHUNKED,
  CLOSE_DELIMITED,
  lengthFraming,
  NO_BODY,
  type BodyFraming,
  type RequestHead,
  type ResponseHead,
} from './message';

/** Parses a Content-Length value: 1*DIGIT, at most 2^53-1. Returns -1 when invalid. */
export function parseContentLength(v: string): number {
  const n = v.length;
  if (n === 0) return -1;
  // Leading zeros are still 1*DIGIT: only the significant digits are bounded (2^53-1 has 16).
  let i = 0;
  while (i < n - 1 && v.charCodeAt(i) === 0x30) i++;
  if (n - i > 16) return -1;
  let x = 0;
  for (; i < n; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    x = x * 10 + d;
  }
  return x > Number.MAX_SAFE_INTEGER ? -1 : x;
}

/**
 * The one Content-Length of a message: duplicates (as separate fields or a list) must agree
 * (RFC 9110 8.6), every value must be plain digits. Returns -1 when absent.
 */
function contentLengthOf(headers: HeaderList, code: ErrorCode): number {
  let result = -1;
  const lower = headers.lower;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== 'content-length') continue;
    const raw = headers.values[i]!;
    const items = raw.indexOf(',') === -1 ? [raw] : splitList(raw);
    if (items.length === 0) throw new ProxyError(code, 'empty Content-Length');
    for (const item of items) {
      const n = parseContentLength(item);
      if (n === -1) throw new ProxyError(code, 'invalid Content-Length');
      if (result !== -1 && n !== result) throw new ProxyError(code, 'conflicting Content-Length');
      result = n;
    }
  }
  return result;
}

/** True when the Transfer-Encoding field(s) say exactly `chunked`, nothing else. */
function isExactlyChunked(values: string[]): boolean {
  if (values.length !== 1) return false;
  const v = values[0]!;
  // A value that trims to `chunked` holds no comma, so it is a one-element list.
  return (v.length === 7 ? v : trimOws(v)).toLowerCase() === 'chunked';
}

/** True when the last coding of the Transfer-Encoding list(s) is `chunked`. */
function chunkedIsLast(values: string[]): boolean {
  const last = values[values.length - 1]!;
  const items = splitList(last);
  const item = items[items.length - 1];
  return item !== undefined && item.toLowerCase() === 'chunked';
}

/**
 * Request body framing per RFC 9112 6.1-6.3, strictly: the defences against request smuggling
 * live here. Throws ProxyError (400, or 501 for a transfer coding we do not implement).
 */
export function requestFraming(head: RequestHead): BodyFraming {
  const headers = head.headers;
  const te = headers.getAll('transfer-encoding');
  if (te.length > 0) {
    if (head.versionMinor === 0)
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'Transfer-Encoding in HTTP/1.0 request');
    if (headers.has('content-length')) {
      throw new ProxyError('RRP_ERR_BAD_REQUEST', 'both Content-Length and Transfer-Encoding');
    }
    if (!isExactlyChunked(te)) {
      // RFC 9112 6.3(4): chunked not the final coding -> the length cannot be determined: 400.
      // Chunked last behind codings we do not implement (gzip, chunked) -> 501 (RFC 9112 6.1).
      if (!chunkedIsLast(te)) {
        throw new ProxyError('RRP_ERR_BAD_REQUEST', 'chunked is not the final transfer coding');
      }
      throw new ProxyError('RRP_ERR_NOT_IMPLEMENTED', 'Transfer-Encoding other than chunked');
    }
    return CHUNKED;
  }
  const cl = contentLengthOf(headers, 'RRP_ERR_BAD_REQUEST');
  return cl === -1 ? NO_BODY : lengthFraming(cl);
}

/**
 * Response body framing per RFC 9112 6.3. A response that could be read two ways (both
 * Content-Length and Transfer-Encoding, conflicting lengths, a coding other than chunked that we
 * would have to pass on undecoded) is refused: the caller turns it into a 502.
 */
export function responseFraming(head: ResponseHead, requestMethod: string): BodyFraming {
  const status = head.status;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return NO_BODY;
  const headers = head.headers;
  const te = headers.getAll('transfer-encoding');
  if (te.length > 0) {
    // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (head.versionMinor === 0) {
      throw new ProxyError(
        'RRP_ERR_UPSTREAM_BAD_RESPONSE',
        'Transfer-Encoding in HTTP/1.0 response',
      );
    }
    if (headers.has('content-length')) {
      throw new ProxyError(
        'RRP_ERR_UPSTREAM_BAD_RESPONSE',
        'both Content-Length and Transfer-Encoding',
      );
    }
    if (!isExactlyChunked(te)) {
      throw new ProxyError('RRP_ERR_UPSTREAM_BAD_RESPONSE', 'Transfer-Encoding other than chunked');
    }
    return CHUNKED;
  }
  const cl = contentLengthOf(headers, 'RRP_ERR_UPSTREAM_BAD_RESPONSE');
  return cl === -1 ? CLOSE_DELIMITED : lengthFraming(cl);
}
