/**
 * Lenient HTTP/1.x parsing for the conformance harness, independent of src/http on purpose: the
 * harness must be able to describe whatever a proxy (rrproxy, nginx, HAProxy) puts on the wire,
 * including bytes our own strict codec would refuse. Framing follows RFC 9112 6.3 the way a
 * typical lenient server does (Transfer-Encoding ending in chunked wins over Content-Length), so a
 * request a proxy hid in a body shows up as a request here exactly as it would at a real backend.
 */

export type Field = [name: string, value: string];

export interface ParsedHead {
  /** The start line without its terminator. */
  line: string;
  fields: Field[];
  /** Bytes of the head, terminators included. */
  headBytes: number;
  /** True when some line ended with a bare LF. */
  bareLf: boolean;
}

export type Framing =
  { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** Finds a head starting at `pos` (leading empty lines skipped). Null when incomplete. */
export function parseHead(
  buf: Buffer,
  pos: number,
): { head: ParsedHead; start: number; end: number } | null {
  let start = pos;
  // Empty lines before a start line (RFC 9112 2.2).
  for (;;) {
    if (buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
    else if (buf[start] === 0x0a) start += 1;
    else break;
  }
  if (start >= buf.length) return null;
  const lines: string[] = [];
  let bareLf = false;
  let i = start;
  for (;;) {
    const lf = buf.indexOf(0x0a, i);
    if (lf === -1) return null;
    const hasCr = lf > i && buf[lf - 1] === 0x0d;
    if (!hasCr) bareLf = true;
    const text = buf.toString('latin1', i, hasCr ? lf - 1 : lf);
    i = lf + 1;
    if (text === '') break;
    lines.push(text);
  }
  const fields: Field[] = [];
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(':');
    if (colon === -1) fields.push([l, '']);
    else fields.push([l.slice(0, colon), l.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  return {
    head: { line: lines[0] ?? '', fields, headBytes: i - start, bareLf },
    start,
    end: i,
  };
}

export function fieldValues(fields: readonly Field[], name: string): string[] {
  const l = name.toLowerCase();
  return fields.filter(([n]) => n.toLowerCase() === l).map(([, v]) => v);
}

export function fieldValue(fields: readonly Field[], name: string): string | undefined {
  const all = fieldValues(fields, name);
  return all.length === 0 ? undefined : all.join(', ');
}

function listTokens(values: readonly string[]): string[] {
  return values
    .join(',')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

export function hasToken(fields: readonly Field[], name: string, token: string): boolean {
  return listTokens(fieldValues(fields, name)).includes(token);
}

/** Framing as a lenient recipient reads it: TE ending in chunked, else the first CL, else none. */
export function lenientFraming(fields: readonly Field[], isResponse: boolean): Framing | string {
  const te = listTokens(fieldValues(fields, 'transfer-encoding'));
  if (te.length > 0) {
    if (te[te.length - 1] === 'chunked') return { kind: 'chunked' };
    return isResponse ? { kind: 'close' } : 'transfer-encoding without chunked last';
  }
  const cl = fieldValues(fields, 'content-length');
  if (cl.length > 0) {
    const n = Number.parseInt(cl[0]!.split(',')[0]!.trim(), 10);
    if (!Number.isFinite(n) || n < 0) return `unparsable Content-Length ${JSON.stringify(cl[0])}`;
    return { kind: 'length', length: n };
  }
  return isResponse ? { kind: 'close' } : { kind: 'none' };
}

export interface ChunkedResult {
  /** Index just past the body (and trailers). */
  end: number;
  body: Buffer;
  trailers: Field[];
  /** Chunk lines as received (size and extensions). */
  chunkLines: string[];
}

/**
 * Decodes a chunked body from `pos`. Null when incomplete; a string when unparsable even
 * leniently.
 */
export function decodeChunked(buf: Buffer, pos: number): ChunkedResult | null | string {
  const parts: Buffer[] = [];
  const chunkLines: string[] = [];
  let i = pos;
  for (;;) {
    const lf = buf.indexOf(0x0a, i);
    if (lf === -1) return null;
    const line = buf.toString('latin1', i, lf).replace(/\r$/, '');
    chunkLines.push(line);
    const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size) || size < 0) return `bad chunk line ${JSON.stringify(line)}`;
    i = lf + 1;
    if (size === 0) {
      const trailers: Field[] = [];
      for (;;) {
        const tl = buf.indexOf(0x0a, i);
        if (tl === -1) return null;
        const t = buf.toString('latin1', i, tl).replace(/\r$/, '');
        i = tl + 1;
        if (t === '') return { end: i, body: Buffer.concat(parts), trailers, chunkLines };
        const c = t.indexOf(':');
        trailers.push(c === -1 ? [t, ''] : [t.slice(0, c), t.slice(c + 1).trim()]);
      }
    }
    if (buf.length < i + size) return null;
    parts.push(buf.subarray(i, i + size));
    i += size;
    if (buf[i] === 0x0d) i++;
    if (i >= buf.length) return null;
    if (buf[i] !== 0x0a) return `no CRLF after chunk data`;
    i++;
  }
}
