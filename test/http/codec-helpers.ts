/**
 * Shared helpers for the codec tests: feeding bytes split at chosen positions, a seeded PRNG and
 * plain-data views of parsed heads so `toEqual` compares everything that matters.
 */
import { ProxyError, type ErrorCode } from '../../src/errors';
import {
  BodyDecoder,
  DEFAULT_CODEC_LIMITS,
  HeadScanner,
  parseRequestHead,
  parseResponseHead,
  type BodyFraming,
  type BodySink,
  type CodecLimits,
  type HeaderList,
  type RequestHead,
  type ResponseHead,
} from '../../src/http';

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');

export function limitsWith(over: Partial<CodecLimits>): CodecLimits {
  return { ...DEFAULT_CODEC_LIMITS, ...over };
}

/** Cuts `buf` at the given ascending positions. */
export function cut(buf: Buffer, positions: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of positions) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Every two-piece split of buf, including the empty first and last pieces. */
export function everySplit(buf: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= buf.length; i++) out.push(cut(buf, [i]));
  return out;
}

export function byteByByte(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i++) out.push(buf.subarray(i, i + 1));
  return out;
}

/** Mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random ascending cut positions inside [0, len]. */
export function randomCuts(rand: () => number, len: number, maxCuts: number): number[] {
  const n = Math.floor(rand() * (maxCuts + 1));
  const pos: number[] = [];
  for (let i = 0; i < n; i++) pos.push(Math.floor(rand() * (len + 1)));
  return pos.sort((x, y) => x - y);
}

export interface HeadHit {
  buf: Buffer;
  start: number;
  lineEnd: number;
  end: number;
  /** Index in the concatenation of all pieces just past the head. */
  consumed: number;
}

/**
 * Feeds pieces to a HeadScanner until it reports a head. Returns the head bounds and how many
 * bytes of the concatenated input it took, or null when the input ran out first.
 */
export function scanPieces(
  pieces: readonly Buffer[],
  isRequest: boolean,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): HeadHit | null {
  const scanner = new HeadScanner(limits, isRequest);
  let base = 0;
  for (const piece of pieces) {
    const end = scanner.push(piece, 0);
    if (end !== -1) {
      return {
        buf: scanner.headBuf,
        start: scanner.headStart,
        lineEnd: scanner.headLineEnd,
        end: scanner.headEnd,
        consumed: base + end,
      };
    }
    base += piece.length;
  }
  return null;
}

export interface PlainRequest {
  method: string;
  target: string;
  versionMinor: 0 | 1;
  fields: [string, string][];
  lower: string[];
  consumed: number;
}

export interface PlainResponse {
  status: number;
  reason: string;
  versionMinor: 0 | 1;
  fields: [string, string][];
  lower: string[];
  consumed: number;
}

export function fieldsOf(h: HeaderList): [string, string][] {
  return [...h.entries()];
}

function plainRequest(head: RequestHead, consumed: number): PlainRequest {
  return {
    method: head.method,
    target: head.target,
    versionMinor: head.versionMinor,
    fields: fieldsOf(head.headers),
    lower: [...head.headers.lower],
    consumed,
  };
}

function plainResponse(head: ResponseHead, consumed: number): PlainResponse {
  return {
    status: head.status,
    reason: head.reason,
    versionMinor: head.versionMinor,
    fields: fieldsOf(head.headers),
    lower: [...head.headers.lower],
    consumed,
  };
}

/** Scans and parses a request head from pieces; throws when the input ends before the head. */
export function parseRequestPieces(
  pieces: readonly Buffer[],
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): PlainRequest {
  const hit = scanPieces(pieces, true, limits);
  if (hit === null) throw new Error('incomplete head');
  return plainRequest(parseRequestHead(hit.buf, hit.start, hit.lineEnd, hit.end), hit.consumed);
}

export function parseResponsePieces(
  pieces: readonly Buffer[],
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): PlainResponse {
  const hit = scanPieces(pieces, false, limits);
  if (hit === null) throw new Error('incomplete head');
  return plainResponse(parseResponseHead(hit.buf, hit.start, hit.lineEnd, hit.end), hit.consumed);
}

export function parseRequest(raw: string, limits?: CodecLimits): PlainRequest {
  return parseRequestPieces([b(raw)], limits);
}

export function parseResponse(raw: string, limits?: CodecLimits): PlainResponse {
  return parseResponsePieces([b(raw)], limits);
}

/** Parses a request head and returns the parsed head itself (for framing tests). */
export function requestHead(raw: string): RequestHead {
  const hit = scanPieces([b(raw)], true);
  if (hit === null) throw new Error('incomplete head');
  return parseRequestHead(hit.buf, hit.start, hit.lineEnd, hit.end);
}

export function responseHead(raw: string): ResponseHead {
  const hit = scanPieces([b(raw)], false);
  if (hit === null) throw new Error('incomplete head');
  return parseResponseHead(hit.buf, hit.start, hit.lineEnd, hit.end);
}

/** Runs `fn` and returns the ProxyError it throws (fails the test when it throws anything else). */
export function proxyErrorOf(fn: () => unknown): ProxyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProxyError) return err;
    throw err;
  }
  throw new Error('expected a ProxyError, nothing was thrown');
}

export function expectCode(fn: () => unknown, code: ErrorCode, status?: number): void {
  const err = proxyErrorOf(fn);
  expect(err.code).toBe(code);
  if (status !== undefined) expect(err.status).toBe(status);
}

/** A BodySink that keeps copies of what it was handed. */
export class CollectingSink implements BodySink {
  readonly parts: Buffer[] = [];
  onBodyData(chunk: Buffer): void {
    // Copy: the decoder hands out subarrays of the caller's buffers.
    this.parts.push(Buffer.from(chunk));
  }
  get data(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface DecodeResult {
  data: Buffer;
  /** Index in the concatenated input just past the body, or -1 when the body never completed. */
  end: number;
  decoder: BodyDecoder;
}

/**
 * Feeds pieces to a BodyDecoder. Mirrors a connection: once the decoder says done, the rest of the
 * input is not offered to it.
 */
export function decodePieces(
  framing: BodyFraming,
  pieces: readonly Buffer[],
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
  code: ErrorCode = 'RRP_ERR_BAD_REQUEST',
): DecodeResult {
  const decoder = new BodyDecoder(framing, limits, code);
  const sink = new CollectingSink();
  let base = 0;
  for (const piece of pieces) {
    if (decoder.done) return { data: sink.data, end: base, decoder };
    const used = decoder.decode(piece, 0, sink);
    if (decoder.done) return { data: sink.data, end: base + used, decoder };
    expect(used).toBe(piece.length);
    base += piece.length;
  }
  return { data: sink.data, end: decoder.done ? base : -1, decoder };
}

/**
 * What happens to a head fed as these pieces: the ProxyError code it is rejected with, 'ok' when
 * it parses, 'incomplete' when the input ends first.
 */
export function headOutcome(
  pieces: readonly Buffer[],
  isRequest: boolean,
  limits: CodecLimits = DEFAULT_CODEC_LIMITS,
): ErrorCode | 'ok' | 'incomplete' {
  try {
    const hit = scanPieces(pieces, isRequest, limits);
    if (hit === null) return 'incomplete';
    if (isRequest) parseRequestHead(hit.buf, hit.start, hit.lineEnd, hit.end);
    else parseResponseHead(hit.buf, hit.start, hit.lineEnd, hit.end);
    return 'ok';
  } catch (err) {
    if (err instanceof ProxyError) return err.code;
    throw err;
  }
}
