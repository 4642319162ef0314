/**
 * Buffer.prototype.latin1Slice / latin1Write: what toString('latin1', a, b) and
 * write(s, offset, 'latin1') end in, minus the argument normalisation and dispatch that showed
 * in profiles (several calls per head). Heads are latin1 by definition (RFC 9110 5.5: octets).
 */
const proto = Buffer.prototype as unknown as {
  latin1Slice: (this: Buffer, start: number, end: number) => string;
  latin1Write: (this: Buffer, s: string, offset: number) => number;
};
const latin1Slice = proto.latin1Slice;
const latin1Write = proto.latin1Write;

/** buf[start, end) as a latin1 string. */
export function latin1(buf: Buffer, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

/** Writes `s` (one byte per char) into buf at `offset`; returns the bytes written. */
export function writeLatin1(buf: Buffer, s: string, offset: number): number {
  return latin1Write.call(buf, s, offset);
}
