import { ProxyError } from '../errors';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TARGET, TCHAR } from './chars';
import { lookupFieldName, type FieldNameMatch } from './field-names';
import { HeaderList } from './headers';
import { latin1 } from './latin1';
import type { CodecLimits } from './limits';
import type { RequestHead, ResponseHead } from './message';

/** Leading empty lines skipped before a request line (RFC 9112 2.2), at most this many bytes. */
const MAX_LEADING_EMPTY_BYTES = 256;

/**
 * Finds the end of a message head in a stream of Buffers split at any byte. The common case (a
 * whole head inside one chunk) costs a few memchr calls and no copy; a head split across chunks
 * is accumulated in a buffer that doubles, so a byte-at-a-time sender costs O(n), not O(n^2).
 *
 * Line terminators: CRLF, or a bare LF (RFC 9112 2.2 allows a recipient to accept it; we
 * re-serialize heads with CRLF so no ambiguity reaches a backend). A bare CR is rejected later by
 * the line parser.
 */
export class HeadScanner {
  private acc: Buffer | null = null;
  private accLen = 0;
  private scanPos = 0;
  private lineStart = 0;
  private startLineEnd = -1;
  private lines = 0;
  private leadingSkipped = 0;

  /** After a hit: the buffer holding the head and its bounds (start line begins at headStart). */
  headBuf: Buffer = Buffer.alloc(0);
  headStart = 0;
  /** Index of the LF ending the start line. */
  headLineEnd = 0;
  /** Index just past the final LF of the head. */
  headEnd = 0;

  constructor(
    private readonly limits: CodecLimits,
    private readonly isRequest: boolean,
  ) {}

  /**
   * True when some bytes of an incomplete head are held. Empty lines before a request line are
   * not part of it (RFC 9112 2.2): a keep-alive client that sent a stray CRLF after its last body
   * is idle, not half-way through a request.
   */
  get partial(): boolean {
    return this.accLen > this.headStart;
  }

  reset(): void {
    this.acc = null;
    this.accLen = 0;
    this.scanPos = 0;
    this.lineStart = 0;
    this.startLineEnd = -1;
    this.lines = 0;
    this.leadingSkipped = 0;
  }

  /**
   * Scans `chunk` from `offset`. Returns the index in `chunk` just past the head, or -1 when the
   * head is still incomplete (its bytes are then kept here). Throws ProxyError on limits.
   */
  push(chunk: Buffer, offset: number): number {
    if (this.accLen === 0) {
      // Direct scan in the chunk: positions are chunk indices.
      this.scanPos = this.lineStart = this.headStart = offset;
      this.startLineEnd = -1;
      this.lines = 0;
      this.leadingSkipped = 0;
      const end = this.scan(chunk, offset, chunk.length);
      if (end !== -1) {
        this.headBuf = chunk;
        return end;
      }
      // Keep the partial head; rebase positions to the accumulator.
      const n = chunk.length - offset;
      if (n === 0) return -1;
      const acc = Buffer.allocUnsafe(Math.max(1024, n * 2));
      chunk.copy(acc, 0, offset);
      this.acc = acc;
      this.accLen = n;
      this.scanPos -= offset;
      this.lineStart -= offset;
      this.headStart -= offset;
      if (this.startLineEnd !== -1) this.startLineEnd -= offset;
      return -1;
    }
    // Append a line at a time, so that the bytes after the head (a body, a pipelined request)
    // are not copied into the accumulator.
    const before = this.accLen;
    let from = offset;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      const upto = lf === -1 ? chunk.length : lf + 1;
      this.append(chunk, from, upto);
      const end = this.scan(this.acc!, this.scanPos, this.accLen);
      if (end !== -1) {
        this.headBuf = this.acc!;
        this.acc = null;
        this.accLen = 0;
        return offset + (end - before);
      }
      if (lf === -1) return -1;
      from = upto;
    }
  }

  /** Appends chunk[from, to) to the accumulator, doubling it when full. */
  private append(chunk: Buffer, from: number, to: number): void {
    let acc = this.acc!;
    const need = this.accLen + (to - from);
    if (need > acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, acc.length * 2));
      acc.copy(grown, 0, 0, this.accLen);
      acc = this.acc = grown;
    }
    chunk.copy(acc, this.accLen, from, to);
    this.accLen = need;
  }

  /** Scans buf[pos, end) line by line; returns index past the head or -1. */
  private scan(buf: Buffer, pos: number, end: number): number {
    const limits = this.limits;
    for (;;) {
      let lf = buf.indexOf(LF, pos);
      if (lf >= end) lf = -1;
      if (lf === -1) {
        this.scanPos = end;
        this.checkPartialLimits(buf, end);
        return -1;
      }
      const lineStart = this.lineStart;
      const empty = lf === lineStart || (lf === lineStart + 1 && buf[lineStart] === CR);
      if (this.startLineEnd === -1) {
        if (empty) {
          if (!this.isRequest) throw new ProxyError('RRP_ERR_BAD_REQUEST', 'empty status line');
          this.leadingSkipped += lf + 1 - lineStart;
          if (this.leadingSkipped > MAX_LEADING_EMPTY_BYTES) {
            throw new ProxyError('RRP_ERR_BAD_REQUEST', 'too many empty lines before request');
          }
          this.headStart = this.lineStart = pos = lf + 1;
          continue;
        }
        // The limit counts the line without its terminator (CRLF or LF alike).
        if (contentEnd(buf, this.headStart, lf) - this.headStart > limits.maxStartLineBytes) {
          this.startLineTooLong();
        }
        this.startLineEnd = lf;
      } else if (empty) {
        this.headLineEnd = this.startLineEnd;
        this.headEnd = lf + 1;
        return lf + 1;
      } else {
        if (++this.lines > limits.maxHeaderCount) {
          throw new ProxyError('RRP_ERR_HEADERS_TOO_LARGE', 'too many header fields');
        }
        if (lf - this.startLineEnd > limits.maxHeaderBytes) {
          throw new ProxyError('RRP_ERR_HEADERS_TOO_LARGE', 'header section too large');
        }
      }
      this.lineStart = pos = lf + 1;
    }
  }

  /**
   * Limits on an incomplete line, so a huge line is refused before it ends. Counts only what the
   * complete line will surely count: a trailing CR may be the first half of the CRLF that ends the
   * line (or the head), so the verdict does not depend on where the bytes were split. Header bytes
   * are the field-line bytes after the start line, terminators included, as in scan().
   */
  private checkPartialLimits(buf: Buffer, end: number): void {
    const tail = end > 0 && buf[end - 1] === CR ? end - 1 : end;
    if (this.startLineEnd === -1) {
      if (tail - this.headStart > this.limits.maxStartLineBytes) this.startLineTooLong();
    } else if (tail - (this.startLineEnd + 1) > this.limits.maxHeaderBytes) {
      throw new ProxyError('RRP_ERR_HEADERS_TOO_LARGE', 'header section too large');
    }
  }

  private startLineTooLong(): never {
    if (this.isRequest) throw new ProxyError('RRP_ERR_URI_TOO_LONG', 'request line too long');
    throw new ProxyError('RRP_ERR_BAD_REQUEST', 'status line too long');
  }
}

function bad(detail: string): never {
  throw new ProxyError('RRP_ERR_BAD_REQUEST', detail);
}

/** End of the line content that ends at `lf` (drops one CR before the LF). */
function contentEnd(buf: Buffer, lineStart: number, lf: number): number {
  return lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
}

function methodString(buf: Buffer, start: number, end: number): string {
  // Interned common methods: no allocation per request.
  const len = end - start;
  const c = buf[start];
  if (len === 3 && c === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
  if (
    len === 4 &&
    c === 0x48 &&
    buf[start + 1] === 0x45 &&
    buf[start + 2] === 0x41 &&
    buf[start + 3] === 0x44
  )
    return 'HEAD';
  if (
    len === 4 &&
    c === 0x50 &&
    buf[start + 1] === 0x4f &&
    buf[start + 2] === 0x53 &&
    buf[start + 3] === 0x54
  )
    return 'POST';
  return latin1(buf, start, end);
}

/**
 * Parses "HTTP/" DIGIT "." DIGIT at buf[i, i+8). Returns the minor (0 or 1), throws 505 for a
 * major other than 1, 400 for anything that is not a version.
 */
function parseVersion(buf: Buffer, i: number, end: number, isRequest: boolean): 0 | 1 {
  if (
    end - i < 8 ||
    buf[i] !== 0x48 ||
    buf[i + 1] !== 0x54 ||
    buf[i + 2] !== 0x54 ||
    buf[i + 3] !== 0x50 ||
    buf[i + 4] !== 0x2f ||
    buf[i + 6] !== 0x2e
  ) {
    bad('malformed HTTP version');
  }
  const major = buf[i + 5]! - 0x30;
  const minor = buf[i + 7]! - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) bad('malformed HTTP version');
  if (major !== 1) {
    if (isRequest) throw new ProxyError('RRP_ERR_VERSION_NOT_SUPPORTED', `HTTP/${major}.${minor}`);
    bad('unsupported response version');
  }
  return minor === 0 ? 0 : 1;
}

/** Scratch for lookupFieldName (parsing is synchronous, so one suffices). */
const known: FieldNameMatch = { name: null, lower: '' };

/**
 * Parses field lines in buf[pos, end) where `end` is just past the terminating empty line.
 * Shared by heads and chunked trailers. Strict per RFC 9112 5: no obs-fold, no whitespace before
 * the colon, token names, no CTL (incl. NUL, bare CR) in values.
 */
export function parseFieldLines(
  buf: Buffer,
  pos: number,
  end: number,
  into: HeaderList,
  /** When given, receives each line's start (see RawFieldLines); returns false on a bare LF. */
  starts: number[] | null = null,
): boolean {
  let crlf = true;
  // One native slice for the whole section; names and values are substrings of it (V8 makes
  // those in JIT code, where a latin1Slice per value costs a call into C++ each).
  const text = latin1(buf, pos, end);
  const base = pos;
  while (pos < end) {
    const lf = buf.indexOf(LF, pos);
    if (lf === -1 || lf >= end) bad('unterminated field line');
    const le = contentEnd(buf, pos, lf);
    if (starts !== null) starts.push(pos);
    if (le === pos) return crlf; // empty line: end of section
    if (le === lf) crlf = false;
    const first = buf[pos];
    if (first === SP || first === HTAB) bad('obs-fold in field section');
    let i = pos;
    let upper = false;
    let c = 0;
    while (i < le && TCHAR[(c = buf[i]!)] === 1) {
      if (c >= 0x41 && c <= 0x5a) upper = true;
      i++;
    }
    if (i === pos) bad('empty or invalid field name');
    if (i === le || buf[i] !== COLON) bad('invalid character in field name');
    let name: string;
    let lowerName: string;
    if (lookupFieldName(buf, pos, i, known)) {
      name = known.name ?? text.slice(pos - base, i - base);
      lowerName = known.lower;
    } else {
      name = text.slice(pos - base, i - base);
      lowerName = upper ? name.toLowerCase() : name;
    }
    i++;
    while (i < le && ((c = buf[i]!) === SP || c === HTAB)) i++;
    let ve = le;
    while (ve > i && ((c = buf[ve - 1]!) === SP || c === HTAB)) ve--;
    for (let k = i; k < ve; k++)
      if (FIELD_VALUE[buf[k]!] !== 1) bad('invalid character in field value');
    into.add(name, i === ve ? '' : text.slice(i - base, ve - base), lowerName);
    pos = lf + 1;
  }
  return crlf;
}

/** Parses a request head found by HeadScanner. */
export function parseRequestHead(
  buf: Buffer,
  start: number,
  lineLf: number,
  end: number,
): RequestHead {
  const le = contentEnd(buf, start, lineLf);
  let i = start;
  while (i < le && TCHAR[buf[i]!] === 1) i++;
  if (i === start || buf[i] !== SP) bad('invalid method or request line');
  const method = methodString(buf, start, i);
  const ts = ++i;
  while (i < le && TARGET[buf[i]!] === 1) i++;
  if (i === ts || buf[i] !== SP) bad('invalid request-target');
  const target = latin1(buf, ts, i);
  i++;
  const versionMinor = parseVersion(buf, i, le, true);
  if (i + 8 !== le) bad('junk after HTTP version');
  const headers = new HeaderList();
  parseFieldLines(buf, lineLf + 1, end, headers);
  return { method, target, versionMinor, headers };
}

/** Parses a response head found by HeadScanner. */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  lineLf: number,
  end: number,
): ResponseHead {
  const le = contentEnd(buf, start, lineLf);
  const versionMinor = parseVersion(buf, start, le, false);
  let i = start + 8;
  if (buf[i] !== SP) bad('malformed status line');
  i++;
  const d0 = buf[i]! - 0x30;
  const d1 = buf[i + 1]! - 0x30;
  const d2 = buf[i + 2]! - 0x30;
  if (le - i < 3 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9)
    bad('invalid status code');
  const status = d0 * 100 + d1 * 10 + d2;
  i += 3;
  let reason = '';
  if (i < le) {
    if (buf[i] !== SP) bad('malformed status line');
    i++;
    for (let k = i; k < le; k++) if (FIELD_VALUE[buf[k]!] !== 1) bad('invalid reason phrase');
    reason = latin1(buf, i, le);
  }
  const headers = new HeaderList();
  const starts: number[] = [];
  const crlf = parseFieldLines(buf, lineLf + 1, end, headers, starts);
  return { versionMinor, status, reason, headers, raw: crlf ? { buf, starts } : undefined };
}
