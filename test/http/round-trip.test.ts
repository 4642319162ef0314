/**
 * Property-style round trip (bounded, seeded): random valid messages are serialized, cut at random
 * places, parsed back through HeadScanner -> parse*Head -> *Framing -> BodyDecoder, and must come
 * back identical, ending exactly where the next pipelined message begins.
 */
import {
  BodyDecoder,
  CHUNKED,
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  HeaderList,
  chunkHeader,
  lastChunk,
  lengthFraming,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  responseFraming,
  serializeRequestHead,
  serializeResponseHead,
  type BodyFraming,
} from '../../src/http';
import { byteByByte, CollectingSink, cut, fieldsOf, prng, randomCuts } from './codec-helpers';

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

type Rand = () => number;

function int(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

function pick<T>(rand: Rand, xs: readonly T[]): T {
  return xs[int(rand, 0, xs.length - 1)]!;
}

function token(rand: Rand, maxLen: number): string {
  let s = '';
  const n = int(rand, 1, maxLen);
  for (let i = 0; i < n; i++) s += TCHARS[int(rand, 0, TCHARS.length - 1)];
  return s;
}

/** A field value: VCHAR and obs-text, inner SP/HTAB, no leading or trailing OWS (RFC 9110 5.5). */
function fieldValue(rand: Rand): string {
  const n = int(rand, 0, 40);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.1 && i > 0 && i < n - 1) s += rand() < 0.5 ? ' ' : '\t';
    else if (r < 0.2) s += String.fromCharCode(int(rand, 0x80, 0xff));
    else s += String.fromCharCode(int(rand, 0x21, 0x7e));
  }
  return s;
}

const FRAMING_NAMES = new Set(['content-length', 'transfer-encoding']);

function fieldList(rand: Rand, max: number): HeaderList {
  const h = new HeaderList();
  const n = int(rand, 0, max);
  for (let i = 0; i < n; i++) {
    // Sometimes repeat an earlier name, in another case.
    let name =
      h.length > 0 && rand() < 0.2 ? h.names[int(rand, 0, h.length - 1)]! : token(rand, 20);
    if (rand() < 0.3) name = rand() < 0.5 ? name.toUpperCase() : name.toLowerCase();
    if (FRAMING_NAMES.has(name.toLowerCase())) name = 'X-' + name;
    h.add(name, fieldValue(rand));
  }
  return h;
}

function target(rand: Rand): string {
  if (rand() < 0.05) return '*';
  let s = '/';
  const n = int(rand, 0, 60);
  for (let i = 0; i < n; i++) {
    const c = int(rand, 0x21, 0x7e);
    s += c === 0x23 ? '/' : String.fromCharCode(c); // no fragment in a request-target
  }
  return s;
}

function bytes(rand: Rand, n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) {
    // Plenty of framing-looking bytes inside the data.
    buf[i] = rand() < 0.3 ? pick(rand, [0x0d, 0x0a, 0x30, 0x3b]) : int(rand, 0, 255);
  }
  return buf;
}

/** A chunk-ext as in RFC 9112 7.1.1: *( BWS ";" BWS name [ BWS "=" BWS value ] ). */
function chunkExt(rand: Rand): string {
  let s = '';
  const n = int(rand, 0, 2);
  for (let i = 0; i < n; i++) {
    const bws = (): string => (rand() < 0.2 ? ' ' : '');
    s += bws() + ';' + bws() + token(rand, 8);
    if (rand() < 0.5) {
      s += bws() + '=' + bws() + (rand() < 0.5 ? token(rand, 8) : '"q;\\"x"');
    }
  }
  return s;
}

interface Message {
  head: Buffer;
  body: Buffer;
  chunks: Buffer[];
  trailers: HeaderList | null;
  framing: BodyFraming;
}

/** Body framing and encoded body for random data; chunked with random extensions and trailers. */
function encodeBody(rand: Rand, allowLength: boolean): Omit<Message, 'head'> {
  const chunks: Buffer[] = [];
  const nChunks = int(rand, 0, 5);
  for (let i = 0; i < nChunks; i++) chunks.push(bytes(rand, int(rand, 1, 300)));
  const data = Buffer.concat(chunks);
  if (allowLength && rand() < 0.3) {
    return { body: data, chunks, trailers: null, framing: lengthFraming(data.length) };
  }
  const trailers = rand() < 0.4 ? fieldList(rand, 4) : null;
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const line = chunkHeader(c.length);
    parts.push(Buffer.from(line.slice(0, -2) + chunkExt(rand) + '\r\n', 'latin1'));
    parts.push(c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(lastChunk(trailers), 'latin1'));
  return { body: Buffer.concat(parts), chunks, trailers, framing: CHUNKED };
}

interface Parsed {
  start: string[];
  fields: [string, string][];
  framing: BodyFraming;
  data: Buffer;
  trailers: [string, string][] | null;
  consumed: number;
}

/** What a connection does: scan the head, parse it, pick the framing, decode the body. */
function readMessage(pieces: readonly Buffer[], isRequest: boolean): Parsed | null {
  const scanner = new HeadScanner(DEFAULT_CODEC_LIMITS, isRequest);
  const sink = new CollectingSink();
  let decoder: BodyDecoder | null = null;
  let start: string[] = [];
  let fields: [string, string][] = [];
  let framing: BodyFraming = CHUNKED;
  let base = 0;
  for (const piece of pieces) {
    let off = 0;
    if (decoder === null) {
      const end = scanner.push(piece, 0);
      if (end === -1) {
        base += piece.length;
        continue;
      }
      const { headBuf, headStart, headLineEnd, headEnd } = scanner;
      if (isRequest) {
        const h = parseRequestHead(headBuf, headStart, headLineEnd, headEnd);
        start = [h.method, h.target, String(h.versionMinor)];
        fields = fieldsOf(h.headers);
        framing = requestFraming(h);
      } else {
        const h = parseResponseHead(headBuf, headStart, headLineEnd, headEnd);
        start = [String(h.status), h.reason, String(h.versionMinor)];
        fields = fieldsOf(h.headers);
        framing = responseFraming(h, 'GET');
      }
      decoder = new BodyDecoder(framing, DEFAULT_CODEC_LIMITS, 'RRP_ERR_BAD_REQUEST');
      off = end;
    }
    if (!decoder.done) off = decoder.decode(piece, off, sink);
    if (decoder.done) {
      const t = decoder.trailers;
      return {
        start,
        fields,
        framing,
        data: sink.data,
        trailers: t === null ? null : fieldsOf(t),
        consumed: base + off,
      };
    }
    base += piece.length;
  }
  return null;
}

const NEXT = Buffer.from('GET /next HTTP/1.1\r\nHost: n\r\n\r\n');

describe('round trip: serialize -> split anywhere -> parse (RFC 9112)', () => {
  test('200 random requests with chunked bodies, extensions and trailers', () => {
    const rand = prng(0x5eed);
    for (let n = 0; n < 200; n++) {
      const method = rand() < 0.5 ? pick(rand, ['GET', 'POST', 'PUT', 'HEAD']) : token(rand, 10);
      const tgt = target(rand);
      const headers = fieldList(rand, 12);
      const body = encodeBody(rand, false);
      const head = Buffer.from(serializeRequestHead(method, tgt, headers, body.framing), 'latin1');
      const wire = Buffer.concat([head, body.body, NEXT]);
      const pieces = cut(wire, randomCuts(rand, wire.length, 12));
      const parsed = readMessage(pieces, true);
      expect(parsed).not.toBeNull();
      expect(parsed!.start).toEqual([method, tgt, '1']);
      expect(parsed!.fields).toEqual([...headers.entries(), ['Transfer-Encoding', 'chunked']]);
      expect(parsed!.framing).toEqual(CHUNKED);
      expect(parsed!.data.equals(Buffer.concat(body.chunks))).toBe(true);
      expect(parsed!.trailers).toEqual(
        body.trailers === null || body.trailers.length === 0 ? null : fieldsOf(body.trailers),
      );
      expect(parsed!.consumed).toBe(head.length + body.body.length);
      // The very same message byte by byte, now and then (slower, so bounded).
      if (n % 20 === 0) expect(readMessage(byteByByte(wire), true)).toEqual(parsed);
    }
  });

  test('200 random responses with Content-Length or chunked bodies', () => {
    const rand = prng(0xc0ffee);
    for (let n = 0; n < 200; n++) {
      let status = int(rand, 200, 599);
      if (status === 204 || status === 304) status = 200;
      const reason = rand() < 0.2 ? '' : fieldValue(rand);
      const headers = fieldList(rand, 12);
      const body = encodeBody(rand, true);
      const head = Buffer.from(
        serializeResponseHead(status, reason, headers, body.framing),
        'latin1',
      );
      const wire = Buffer.concat([head, body.body, NEXT]);
      const pieces = cut(wire, randomCuts(rand, wire.length, 12));
      const parsed = readMessage(pieces, false);
      expect(parsed).not.toBeNull();
      expect(parsed!.start[0]).toBe(String(status));
      // An empty reason is filled in from STATUS_TEXT by the serializer.
      if (reason !== '') expect(parsed!.start[1]).toBe(reason);
      const framingField: [string, string] =
        body.framing.kind === 'chunked'
          ? ['Transfer-Encoding', 'chunked']
          : ['Content-Length', String(body.body.length)];
      expect(parsed!.fields).toEqual([...headers.entries(), framingField]);
      expect(parsed!.framing).toEqual(body.framing);
      expect(parsed!.data.equals(Buffer.concat(body.chunks))).toBe(true);
      expect(parsed!.consumed).toBe(head.length + body.body.length);
    }
  });
});
