/**
 * Interned names of the common header fields. Parsing a field line would otherwise allocate its
 * name, allocate a lower-cased copy and hash both on every lookup; a match here costs a byte
 * compare and hands out constant (internalised) strings, so `lower === 'content-length'` and
 * Set lookups are pointer compares. The name still keeps the case it was received in: the
 * canonical spelling or all lower case are interned, any other casing is sliced as before.
 */

/** One known field name: its usual spelling and its lower case, and the latter's bytes. */
interface KnownName {
  readonly canonical: string;
  readonly lower: string;
  readonly bytes: Uint8Array;
}

const KNOWN_NAMES = [
  // Requests.
  'Host',
  'User-Agent',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Authorization',
  'Cookie',
  'Content-Length',
  'Content-Type',
  'Transfer-Encoding',
  'Connection',
  'Keep-Alive',
  'TE',
  'Upgrade',
  'Expect',
  'Referer',
  'Origin',
  'If-None-Match',
  'If-Modified-Since',
  'Cache-Control',
  'Pragma',
  'Range',
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
  'X-Request-Id',
  'X-Real-IP',
  'Via',
  'Forwarded',
  'Proxy-Connection',
  'Max-Forwards',
  'traceparent',
  'tracestate',
  // Responses.
  'Server',
  'Date',
  'Last-Modified',
  'ETag',
  'Accept-Ranges',
  'Expires',
  'Age',
  'Vary',
  'Location',
  'Set-Cookie',
  'Content-Encoding',
  'Content-Range',
  'Content-Language',
  'Content-Location',
  'Content-Disposition',
  'Strict-Transport-Security',
  'Access-Control-Allow-Origin',
  'X-Content-Type-Options',
  'X-Frame-Options',
  'X-Backend',
  'X-Cache',
  'Trailer',
  'WWW-Authenticate',
  'Retry-After',
  'Link',
  'Allow',
];

/** Candidates by name length; field names longer than the longest known one never match. */
const BY_LENGTH: KnownName[][] = [];
for (const canonical of KNOWN_NAMES) {
  const lower = canonical.toLowerCase();
  const entry: KnownName = { canonical, lower, bytes: Buffer.from(lower, 'latin1') };
  (BY_LENGTH[lower.length] ??= []).push(entry);
}

/** Bit set on an ASCII upper-case letter to make it lower case. */
const CASE_BIT = 0x20;

/** What lookupFieldName found; `name` is null when the received casing is not interned. */
export interface FieldNameMatch {
  name: string | null;
  lower: string;
}

/**
 * Looks buf[start, end) (already checked to be a token) up among the known names, ignoring case.
 * On a match fills `out` and returns true; `out.name` is interned only when the bytes are the
 * canonical or the lower-case spelling, and null otherwise (the caller slices the bytes).
 */
export function lookupFieldName(
  buf: Uint8Array,
  start: number,
  end: number,
  out: FieldNameMatch,
): boolean {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return false;
  const first = buf[start]! | CASE_BIT;
  for (let k = 0; k < candidates.length; k++) {
    const known = candidates[k]!;
    const want = known.bytes;
    if (want[0] !== first) continue;
    let allLower = true;
    let i = 0;
    for (; i < want.length; i++) {
      const c = buf[start + i]!;
      const w = want[i]!;
      if (c === w) continue;
      // Only letters differ by case: tchar also holds '^' and '~', which differ by the same bit.
      if (w >= 0x61 && w <= 0x7a && c === w - CASE_BIT) {
        allLower = false;
        continue;
      }
      break;
    }
    if (i !== want.length) continue;
    out.lower = known.lower;
    out.name = allLower
      ? known.lower
      : sameBytes(buf, start, known.canonical)
        ? known.canonical
        : null;
    return true;
  }
  return false;
}

function sameBytes(buf: Uint8Array, start: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (buf[start + i] !== s.charCodeAt(i)) return false;
  return true;
}
