import { isToken } from '../http/chars';
import { HeaderList, lengthFraming, NO_BODY, serializeRequestHead } from '../http';
import { ClientError } from './errors';
import type { TargetUrl } from './url';

/** A header the user gave with -H, in the order given. */
export interface UserHeader {
  readonly name: string;
  /** null removes a default header of this name ("-H 'Accept:'", as curl does). */
  readonly value: string | null;
}

export interface RequestSpec {
  readonly method: string;
  readonly url: TargetUrl;
  readonly headers: readonly UserHeader[];
  /** Body length in bytes, or null when the request has no body. */
  readonly bodyLength: number | null;
  readonly userAgent: string;
  /** false adds `Connection: close` (RFC 9112 9.6): a one-shot request lets the server close. */
  readonly keepAlive: boolean;
}

/** Methods whose request content has a defined meaning: send Content-Length: 0 when empty (RFC 9110 8.6). */
const METHODS_WITH_CONTENT = new Set(['POST', 'PUT', 'PATCH']);

/** Framing is the client's job: a user header must not contradict the bytes actually sent. */
const FRAMING_FIELDS = new Set(['content-length', 'transfer-encoding']);

/**
 * Parses a -H argument. "Name: value" sets a field, "Name:" removes a default field, "Name;"
 * sends the field with an empty value (curl's conventions). Names must be tokens and values
 * free of CR, LF and NUL (RFC 9110 5.1, 5.5): anything else would split the head.
 */
export function parseHeaderArg(arg: string): UserHeader {
  const colon = arg.indexOf(':');
  if (colon === -1) {
    if (arg.endsWith(';') && isToken(arg.slice(0, -1)))
      return { name: arg.slice(0, -1), value: '' };
    throw new ClientError('RRC_ERR_USAGE', `header '${arg}' must look like 'Name: value'`);
  }
  const name = arg.slice(0, colon).trim();
  if (!isToken(name)) throw new ClientError('RRC_ERR_USAGE', `invalid header name '${name}'`);
  if (FRAMING_FIELDS.has(name.toLowerCase())) {
    throw new ClientError(
      'RRC_ERR_USAGE',
      `${name} is set by the client from the body it sends; it cannot be given with -H`,
    );
  }
  const value = arg.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value))
    throw new ClientError('RRC_ERR_USAGE', `header ${name}: value contains CR, LF or NUL`);
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) {
      throw new ClientError('RRC_ERR_USAGE', `header ${name}: value has characters outside latin1`);
    }
  }
  return { name, value: value === '' ? null : value };
}

/**
 * The -H headers plus, for --data, curl's default `Content-Type: application/x-www-form-urlencoded`
 * unless the user gave a Content-Type of their own.
 */
export function withFormContentType(
  headers: readonly UserHeader[],
  formData: boolean,
  hasBody: boolean,
): readonly UserHeader[] {
  if (!formData || !hasBody || headers.some((h) => h.name.toLowerCase() === 'content-type')) {
    return headers;
  }
  return [...headers, { name: 'Content-Type', value: 'application/x-www-form-urlencoded' }];
}

/** Validates a method given with -X or as the first argument (RFC 9110 9.1: a token). */
export function parseMethod(method: string): string {
  if (!isToken(method)) throw new ClientError('RRC_ERR_USAGE', `invalid method '${method}'`);
  return method;
}

/** The header fields of a request, in the order they are sent (before the framing field). */
export function requestHeaders(spec: RequestSpec): HeaderList {
  const h = new HeaderList();
  // Host first (RFC 9112 3.2: a client MUST send Host; first, as it is the field servers route on).
  h.add('Host', spec.url.hostHeader);
  h.add('User-Agent', spec.userAgent);
  h.add('Accept', '*/*');
  const cred = spec.url.credentials;
  if (cred !== null) {
    const token = Buffer.from(`${cred.user}:${cred.password}`, 'utf8').toString('base64');
    h.add('Authorization', `Basic ${token}`); // RFC 7617
  }
  if (!spec.keepAlive) h.add('Connection', 'close');
  const replaced = new Set<string>();
  for (const uh of spec.headers) {
    const lower = uh.name.toLowerCase();
    if (uh.value === null) {
      h.remove(lower);
    } else if (h.has(lower) && !replaced.has(lower)) {
      // The first -H of a default field replaces it in place; later ones add repetitions.
      h.set(uh.name, uh.value, lower);
      replaced.add(lower);
    } else {
      h.add(uh.name, uh.value, lower);
      replaced.add(lower);
    }
  }
  return h;
}

/** The exact bytes of the request head (RFC 9112 3): origin-form target, CRLF line endings. */
export function buildRequestHead(spec: RequestSpec): string {
  const headers = requestHeaders(spec);
  let framing = NO_BODY;
  if (spec.bodyLength !== null) framing = lengthFraming(spec.bodyLength);
  else if (METHODS_WITH_CONTENT.has(spec.method)) framing = lengthFraming(0);
  return serializeRequestHead(spec.method, spec.url.target, headers, framing);
}
