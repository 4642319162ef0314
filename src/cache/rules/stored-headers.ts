import { HeaderList } from '../../http/headers';
import { connectionOptions, HOP_BY_HOP } from '../../http/hop-by-hop';
import type { CacheControl } from './cache-control';

/**
 * Which header fields are kept in a stored response, and how a 304 updates them (RFC 9111 3.1,
 * 3.2). Stored fields never include framing or hop-by-hop fields (the serving side frames the
 * body it has) nor Age (computed on every hit, 4.2.3).
 */

const NEVER_STORED = new Set([
  // Hop-by-hop (RFC 9110 7.6.1, the proxy's own list) and framing (RFC 9112 6).
  ...HOP_BY_HOP,
  'trailer',
  'content-length',
  // Recomputed per hit.
  'age',
  // RFC 9111 3.1: proxy authentication fields are about this hop.
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
]);

/** Fields a 304 never updates: the stored body's framing and encoding depend on them (3.2). */
const NOT_UPDATED = new Set([...NEVER_STORED, 'content-encoding', 'content-range', 'content-type']);

/**
 * The fields of a response as stored (RFC 9111 3.1): without hop-by-hop fields, fields the
 * Connection field names, framing, Age, and the fields a qualified `no-cache="..."` or
 * `private="..."` names (5.2.2.4 / 5.2.2.7: the rest may be stored and reused).
 */
export function storedFields(headers: HeaderList, cc: CacheControl): HeaderList {
  const conn = connectionOptions(headers);
  const out = new HeaderList();
  const { names, lower, values } = headers;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (NEVER_STORED.has(l)) continue;
    if (conn !== null && conn.has(l)) continue;
    if (cc.noCacheFields !== null && cc.noCacheFields.includes(l)) continue;
    if (cc.privateFields !== null && cc.privateFields.includes(l)) continue;
    out.add(names[i]!, values[i]!, l);
  }
  return out;
}

/**
 * Freshening stored headers with a 304 (RFC 9111 3.2, 4.3.4): each field the 304 carries replaces
 * all stored lines of that name, except fields never stored and fields the stored body depends on.
 */
export function updateStoredFields(stored: HeaderList, notModified: HeaderList): HeaderList {
  const conn = connectionOptions(notModified);
  const replaced = new Set<string>();
  const { names, lower, values } = notModified;
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (NOT_UPDATED.has(l) || (conn !== null && conn.has(l))) continue;
    replaced.add(l);
  }
  if (replaced.size === 0) return stored;
  const out = new HeaderList();
  for (let i = 0; i < stored.names.length; i++) {
    const l = stored.lower[i]!;
    if (!replaced.has(l)) out.add(stored.names[i]!, stored.values[i]!, l);
  }
  for (let i = 0; i < names.length; i++) {
    const l = lower[i]!;
    if (replaced.has(l)) out.add(names[i]!, values[i]!, l);
  }
  return out;
}

/** Fields a 304 to a client carries (RFC 9110 15.4.5), taken from the stored response. */
const NOT_MODIFIED_FIELDS = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'last-modified',
]);

export function notModifiedFields(stored: HeaderList): HeaderList {
  const out = new HeaderList();
  for (let i = 0; i < stored.names.length; i++) {
    const l = stored.lower[i]!;
    if (NOT_MODIFIED_FIELDS.has(l)) out.add(stored.names[i]!, stored.values[i]!, l);
  }
  return out;
}

/** Bytes a header list occupies on the wire ("Name: value\r\n" per field). */
export function headerBytes(headers: HeaderList): number {
  let n = 0;
  for (let i = 0; i < headers.names.length; i++)
    n += headers.names[i]!.length + headers.values[i]!.length + 4;
  return n;
}
