import { listHasToken, splitList, trimOws, type HeaderList } from './headers';

/** Fields that describe one connection hop and are never forwarded (RFC 9110 7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'transfer-encoding',
  'upgrade',
]);

/** "Connection: close": the one option besides hop-by-hop names that is common. */
const CLOSE_ONLY: ReadonlySet<string> = new Set(['close']);

/**
 * The names a message's Connection field(s) declare hop-by-hop, lower-cased, or null when they
 * add nothing to HOP_BY_HOP. Callers always drop HOP_BY_HOP fields as well, so names already in
 * it may be left out: the common `Connection: keep-alive` then costs no allocation.
 */
export function connectionOptions(headers: HeaderList): ReadonlySet<string> | null {
  let out: Set<string> | null = null;
  let closeOnly = false;
  const lower = headers.lower;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== 'connection') continue;
    const v = headers.values[i]!;
    if (v.indexOf(',') === -1) {
      const t = trimOws(v).toLowerCase();
      if (t === '' || HOP_BY_HOP.has(t)) continue;
      if (t === 'close' && out === null) {
        closeOnly = true;
        continue;
      }
      (out ??= new Set()).add(t);
      continue;
    }
    for (const t of splitList(v)) (out ??= new Set()).add(t.toLowerCase());
  }
  if (out === null) return closeOnly ? CLOSE_ONLY : null;
  if (closeOnly) out.add('close');
  return out;
}

/**
 * Whether the connection persists after this message (RFC 9112 9.3): HTTP/1.1 unless Connection
 * says "close"; HTTP/1.0 only with "keep-alive" (and without "close").
 */
export function messagePersists(headers: HeaderList, versionMinor: 0 | 1): boolean {
  let keepAlive = false;
  const { lower, values } = headers;
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== 'connection') continue;
    if (listHasToken(values[i], 'close')) return false;
    if (!keepAlive) keepAlive = listHasToken(values[i], 'keep-alive');
  }
  return versionMinor === 1 || keepAlive;
}
