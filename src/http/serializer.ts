import { STATUS_TEXT } from '../errors';
import type { HeaderList } from './headers';
import type { BodyFraming } from './message';

/**
 * Head serialization. Heads are built as one latin1 string (V8 ropes, flattened once by the
 * socket write), fields in their received case and order; the framing field is written from the
 * framing of the message actually sent, never copied from the received one.
 */
function fieldLines(headers: HeaderList): string {
  const { names, values } = headers;
  let s = '';
  for (let i = 0; i < names.length; i++) s += names[i] + ': ' + values[i] + '\r\n';
  return s;
}

/** The framing field line for the message as sent ('' for none or close-delimited). */
export function framingLine(framing: BodyFraming): string {
  switch (framing.kind) {
    case 'length':
      return 'Content-Length: ' + framing.length + '\r\n';
    case 'chunked':
      return 'Transfer-Encoding: chunked\r\n';
    default:
      return '';
  }
}

export function serializeRequestHead(
  method: string,
  target: string,
  headers: HeaderList,
  framing: BodyFraming,
): string {
  return (
    method + ' ' + target + ' HTTP/1.1\r\n' + fieldLines(headers) + framingLine(framing) + '\r\n'
  );
}

/** "HTTP/1.1 200 OK\r\n"; an empty reason is replaced by the standard one. */
export function statusLine(status: number, reason: string, versionMinor: 0 | 1 = 1): string {
  return (
    (versionMinor === 1 ? 'HTTP/1.1 ' : 'HTTP/1.0 ') +
    status +
    ' ' +
    (reason || STATUS_TEXT[status] || '') +
    '\r\n'
  );
}

export function serializeResponseHead(
  status: number,
  reason: string,
  headers: HeaderList,
  framing: BodyFraming,
  versionMinor: 0 | 1 = 1,
): string {
  return (
    statusLine(status, reason, versionMinor) + fieldLines(headers) + framingLine(framing) + '\r\n'
  );
}

/**
 * The line that starts a chunk of `size` bytes. A size of 0 would be the last-chunk (RFC 9112
 * 7.1): the rest of the body would then be read by the peer as a new message, so it throws.
 */
export function chunkHeader(size: number): string {
  if (!(size > 0 && size <= Number.MAX_SAFE_INTEGER && Number.isInteger(size))) {
    throw new RangeError(`invalid chunk size ${size}`);
  }
  return size.toString(16) + '\r\n';
}

/** The last chunk and trailer section ending a chunked body. */
export function lastChunk(trailers: HeaderList | null): string {
  return trailers === null || trailers.length === 0
    ? '0\r\n\r\n'
    : '0\r\n' + fieldLines(trailers) + '\r\n';
}
