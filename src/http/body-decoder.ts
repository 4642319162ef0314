import { ProxyError, type ErrorCode } from '../errors';
import { CR, FIELD_VALUE, HEX, HTAB, LF, SEMI, SP, TCHAR } from './chars';
import { parseFieldLines } from './head-parser';
import { HeaderList } from './headers';
import type { CodecLimits } from './limits';
import type { BodyFraming } from './message';

/** Receives decoded body bytes. Implemented by the connection objects, so no closure per message. */
export interface BodySink {
  onBodyData(chunk: Buffer): void;
}

const enum S {
  SizeStart,
  Size,
  SizeWs,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  Done,
}

/**
 * Where we are inside the chunk extensions of a chunk line (RFC 9112 7.1.1):
 *   chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 *   chunk-ext-val = token / quoted-string
 */
const enum X {
  /** After ";": BWS, then a name. */
  NameStart,
  Name,
  /** BWS after a name: "=" or ";" must follow. */
  NameWs,
  /** After "=": BWS, then a value. */
  ValueStart,
  Token,
  Quoted,
  QuotedPair,
  /** Just after a closing DQUOTE. */
  QuotedEnd,
  /** BWS after a value: ";" must follow. */
  ValueWs,
}

const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;

/** 1 where the byte is qdtext (RFC 9110 5.6.4): HTAB, SP, VCHAR except DQUOTE and "\\", obs-text. */
const QDTEXT = new Uint8Array(256);
QDTEXT[HTAB] = 1;
for (let c = 0x20; c <= 0xff; c++)
  QDTEXT[c] = c === DQUOTE || c === BACKSLASH || c === 0x7f ? 0 : 1;

/** The extension state after byte `c`, or -1 when `c` breaks the grammar. CR is handled apart. */
function nextExtState(x: X, c: number): X | -1 {
  const ws = c === SP || c === HTAB;
  switch (x) {
    case X.NameStart:
      return ws ? X.NameStart : TCHAR[c] === 1 ? X.Name : -1;
    case X.Name:
      if (TCHAR[c] === 1) return X.Name;
      return ws ? X.NameWs : c === EQUALS ? X.ValueStart : c === SEMI ? X.NameStart : -1;
    case X.NameWs:
      return ws ? X.NameWs : c === EQUALS ? X.ValueStart : c === SEMI ? X.NameStart : -1;
    case X.ValueStart:
      return ws ? X.ValueStart : c === DQUOTE ? X.Quoted : TCHAR[c] === 1 ? X.Token : -1;
    case X.Token:
      if (TCHAR[c] === 1) return X.Token;
      return ws ? X.ValueWs : c === SEMI ? X.NameStart : -1;
    case X.Quoted:
      return c === DQUOTE
        ? X.QuotedEnd
        : c === BACKSLASH
          ? X.QuotedPair
          : QDTEXT[c] === 1
            ? X.Quoted
            : -1;
    case X.QuotedPair:
      // quoted-pair = "\\" ( HTAB / SP / VCHAR / obs-text )
      return FIELD_VALUE[c] === 1 ? X.Quoted : -1;
    case X.QuotedEnd:
    case X.ValueWs:
      return ws ? X.ValueWs : c === SEMI ? X.NameStart : -1;
  }
}

/** True when the extensions may end (CRLF) in this state: after a name or a value, not after BWS. */
function extMayEnd(x: X): boolean {
  return x === X.Name || x === X.Token || x === X.QuotedEnd;
}

/**
 * Decodes one message body from a stream of Buffers split at any byte, handing out data as
 * subarrays of the input (no copies). Chunked framing is parsed strictly (RFC 9112 7.1): hex
 * sizes up to 2^53-1, extensions checked against their grammar (RFC 9112 7.1.1) and then ignored,
 * CRLF required (a bare LF is an error), chunk lines and trailers bounded.
 */
export class BodyDecoder {
  /** Decoded body bytes delivered so far. */
  received = 0;
  /** Trailer fields of a chunked body, once done (null when none were sent). */
  trailers: HeaderList | null = null;

  private state: S;
  private remaining: number;
  private size = 0;
  private lineBytes = 0;
  private ext: X = X.NameStart;
  private trailerBuf: Buffer | null = null;
  private trailerLen = 0;
  private readonly kind: BodyFraming['kind'];

  constructor(
    framing: BodyFraming,
    private readonly limits: CodecLimits,
    /** Error code for malformed framing: 400 for requests, 502 for responses. */
    private readonly errorCode: ErrorCode,
  ) {
    this.kind = framing.kind;
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.state =
      framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0)
        ? S.Done
        : framing.kind === 'chunked'
          ? S.SizeStart
          : S.Data;
  }

  get done(): boolean {
    return this.state === S.Done;
  }

  /** True for a body that ends only when the connection does. */
  get closeDelimited(): boolean {
    return this.kind === 'close';
  }

  /**
   * Consumes bytes of buf from `offset`, delivering body data to `sink`. Returns the index just
   * past the last byte consumed: when it is less than buf.length the body is complete and the
   * rest belongs to the next message.
   */
  decode(buf: Buffer, offset: number, sink: BodySink): number {
    switch (this.kind) {
      case 'none':
        return offset;
      case 'close': {
        if (offset < buf.length) {
          const data = offset === 0 ? buf : buf.subarray(offset);
          this.received += data.length;
          sink.onBodyData(data);
        }
        return buf.length;
      }
      case 'length': {
        if (this.state === S.Done) return offset;
        const avail = buf.length - offset;
        if (avail === 0) return offset;
        const take = avail < this.remaining ? avail : this.remaining;
        const data =
          offset === 0 && take === buf.length ? buf : buf.subarray(offset, offset + take);
        this.remaining -= take;
        this.received += take;
        if (this.remaining === 0) this.state = S.Done;
        sink.onBodyData(data);
        return offset + take;
      }
      case 'chunked':
        return this.decodeChunked(buf, offset, sink);
    }
  }

  /**
   * Called when the peer closed its side. Returns true when that legitimately ends the body
   * (close-delimited); false means the body was truncated.
   */
  endOfInput(): boolean {
    if (this.state === S.Done) return true;
    if (this.kind === 'close') {
      this.state = S.Done;
      return true;
    }
    return false;
  }

  private fail(detail: string): never {
    throw new ProxyError(this.errorCode, detail);
  }

  private decodeChunked(buf: Buffer, i: number, sink: BodySink): number {
    const n = buf.length;
    const maxLine = this.limits.maxChunkLineBytes;
    while (i < n) {
      switch (this.state) {
        case S.SizeStart: {
          const d = HEX[buf[i]!]!;
          if (d === -1) this.fail('invalid chunk size');
          this.size = d;
          this.lineBytes = 1;
          this.state = S.Size;
          i++;
          break;
        }
        case S.Size: {
          const c = buf[i]!;
          const d = HEX[c]!;
          if (d !== -1) {
            const s = this.size * 16 + d;
            if (s > Number.MAX_SAFE_INTEGER) this.fail('chunk size too large');
            this.size = s;
          } else if (c === CR) {
            // The limit counts the line without its CRLF, as in the Ext state.
            this.state = S.SizeLf;
            i++;
            break;
          } else if (c === SEMI) {
            this.state = S.Ext;
            this.ext = X.NameStart;
          } else if (c === SP || c === HTAB) this.state = S.SizeWs;
          else this.fail('invalid chunk size');
          if (++this.lineBytes > maxLine) this.fail('chunk line too long');
          i++;
          break;
        }
        case S.SizeWs: {
          const c = buf[i]!;
          if (c === SEMI) {
            this.state = S.Ext;
            this.ext = X.NameStart;
          } else if (c !== SP && c !== HTAB) this.fail('invalid chunk line');
          if (++this.lineBytes > maxLine) this.fail('chunk line too long');
          i++;
          break;
        }
        case S.Ext: {
          // Extensions are ignored, but must follow the grammar (a chunk line that parties could
          // read differently is a smuggling vector) and are bounded.
          while (i < n) {
            const c = buf[i++]!;
            if (c === CR) {
              if (!extMayEnd(this.ext)) this.fail('invalid chunk extension');
              this.state = S.SizeLf;
              break;
            }
            const x = nextExtState(this.ext, c);
            if (x === -1) this.fail('invalid chunk extension');
            this.ext = x;
            if (++this.lineBytes > maxLine) this.fail('chunk extension too long');
          }
          break;
        }
        case S.SizeLf: {
          if (buf[i] !== LF) this.fail('bare CR in chunk line');
          i++;
          if (this.size === 0) {
            this.state = S.Trailer;
            this.trailerLen = 0;
          } else {
            this.remaining = this.size;
            this.state = S.Data;
          }
          break;
        }
        case S.Data: {
          const avail = n - i;
          const take = avail < this.remaining ? avail : this.remaining;
          const data = i === 0 && take === n ? buf : buf.subarray(i, i + take);
          this.remaining -= take;
          this.received += take;
          i += take;
          if (this.remaining === 0) this.state = S.DataCr;
          sink.onBodyData(data);
          break;
        }
        case S.DataCr:
          if (buf[i] !== CR) this.fail('missing CRLF after chunk data');
          this.state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (buf[i] !== LF) this.fail('missing LF after chunk data');
          this.state = S.SizeStart;
          i++;
          break;
        case S.Trailer:
          i = this.scanTrailer(buf, i);
          break;
        case S.Done:
          return i;
      }
    }
    return i;
  }

  /** Accumulates the trailer section until its empty line; CRLF strictly. */
  private scanTrailer(buf: Buffer, i: number): number {
    const n = buf.length;
    const max = this.limits.maxTrailerBytes;
    let tb = this.trailerBuf;
    if (tb === null) tb = this.trailerBuf = Buffer.allocUnsafe(256);
    while (i < n) {
      const c = buf[i++]!;
      // Bounded by the limit itself, not by the buffer (whose first size may exceed it).
      if (this.trailerLen >= max) this.fail('trailer section too large');
      if (this.trailerLen >= tb.length) {
        const grown = Buffer.allocUnsafe(Math.min(max, tb.length * 2));
        tb.copy(grown, 0, 0, this.trailerLen);
        tb = this.trailerBuf = grown;
      }
      tb[this.trailerLen++] = c;
      if (c !== LF) continue;
      const len = this.trailerLen;
      if (len < 2 || tb[len - 2] !== CR) this.fail('bare LF in chunked trailer');
      // The section ends at an empty line: CRLF at its very start, or CRLFCRLF.
      if (len === 2 || (tb[len - 3] === LF && tb[len - 4] === CR)) {
        if (len > 2) {
          const trailers = new HeaderList();
          parseFieldLinesAs(tb, len, trailers, this.errorCode);
          this.trailers = trailers;
        }
        this.trailerBuf = null;
        this.state = S.Done;
        return i;
      }
    }
    return i;
  }
}

function parseFieldLinesAs(tb: Buffer, len: number, into: HeaderList, code: ErrorCode): void {
  try {
    parseFieldLines(tb, 0, len, into);
  } catch (err) {
    if (err instanceof ProxyError && err.code !== code) throw new ProxyError(code, err.detail);
    throw err;
  }
}
