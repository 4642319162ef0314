import { listHasToken, splitList, type HeaderList } from './headers';

/** Fields that describe one connection hop and are never forwarded (RFC 9110 7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The names a message's Connection field(s) declare hop-by-hop, lower-cased, or null when there
 * is no Connection field (the common case: no allocation).
 */
export function connectionOptions(headers: HeaderList): Set<string> | null {
  let out: Set<string> | null = null;
  const lower = headers.lower;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== 'connection') continue;
    for (const t of splitList(headers.values[i]!)) (out ??= new Set()).add(t.toLowerCase());
  }
  return out;
}

/**
 * Whether the connection persists after this message (RFC 9112 9.3): HTTP/1.1 unless Connection
 * says "close"; HTTP/1.0 only with "keep-alive" (and without "close").
 */
export function messagePersists(headers: HeaderList, versionMinor: 0 | 1): boolean {
  const conn = headers.getAll('connection');
  if (listHasToken(conn, 'close')) return false;
  return versionMinor === 1 || listHasToken(conn, 'keep-alive');
}
