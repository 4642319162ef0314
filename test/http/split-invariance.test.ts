/**
 * Split invariance under mutation (bounded, seeded): valid messages with random bytes flipped,
 * inserted or deleted are fed whole and cut at random places. Whatever the verdict (parsed, the
 * error code, incomplete), it must not depend on the cuts: RFC 9112 2.2 defines messages over the
 * octet stream, and a parser whose answer depends on read boundaries can be steered by an
 * attacker who controls them.
 */
import { ProxyError } from '../../src/errors';
import { BodyDecoder, CHUNKED, type CodecLimits } from '../../src/http';
import {
  b,
  CollectingSink,
  cut,
  headOutcome,
  limitsWith,
  prng,
  randomCuts,
  parseRequestPieces,
  parseResponsePieces,
} from './codec-helpers';

type Rand = () => number;

const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x3b, 0x7f, 0xa0, 0xff];

function mutate(rand: Rand, src: Buffer): Buffer {
  const bytes = [...src];
  const n = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < n; k++) {
    const at = Math.floor(rand() * (bytes.length + 1));
    const v =
      rand() < 0.7
        ? INTERESTING[Math.floor(rand() * INTERESTING.length)]!
        : Math.floor(rand() * 256);
    const op = rand();
    if (op < 0.4 && at < bytes.length) bytes[at] = v;
    else if (op < 0.7) bytes.splice(at, 0, v);
    else if (at < bytes.length) bytes.splice(at, 1);
  }
  return Buffer.from(bytes);
}

const REQUEST_SEEDS = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'POST /p?q HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-A: 1\r\nX-A: 2\r\n\r\n',
  '\r\nPUT /x HTTP/1.0\nA: b\n\n',
];

const RESPONSE_SEEDS = [
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n',
  'HTTP/1.1 204\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n',
];

/** Small chunked limits so that the mutations also cross them. */
const SMALL: CodecLimits = limitsWith({ maxChunkLineBytes: 8, maxTrailerBytes: 24 });

function fullOutcome(pieces: readonly Buffer[], isRequest: boolean, limits: CodecLimits): unknown {
  const verdict = headOutcome(pieces, isRequest, limits);
  if (verdict !== 'ok') return verdict;
  return isRequest ? parseRequestPieces(pieces, limits) : parseResponsePieces(pieces, limits);
}

/**
 * Limits within a byte or a field of what the seed itself needs, so that mutants land on both
 * sides of every limit and right on it.
 */
function limitsNear(rand: Rand, seed: string): CodecLimits {
  const lines = seed.replace(/^(\r?\n)+/, '').split(/\r?\n/);
  const startLine = lines[0]!.length;
  const fieldLines = lines.slice(1, lines.indexOf('', 1));
  const eol = seed.includes('\r\n') ? 2 : 1;
  const headerBytes = fieldLines.reduce((sum, l) => sum + l.length + eol, 0);
  const jitter = (): number => Math.floor(rand() * 5) - 2;
  return limitsWith({
    maxStartLineBytes: startLine + jitter(),
    maxHeaderBytes: headerBytes + jitter(),
    maxHeaderCount: fieldLines.length + jitter(),
  });
}

describe('head verdicts do not depend on read boundaries', () => {
  test.each([
    ['requests', true, REQUEST_SEEDS],
    ['responses', false, RESPONSE_SEEDS],
  ] as const)('%s: 800 mutants x 4 cuttings, limits near the edge', (_n, isRequest, seeds) => {
    const rand = prng(isRequest ? 11 : 12);
    for (let n = 0; n < 800; n++) {
      const seed = seeds[n % seeds.length]!;
      // A third unmutated, so the exact-limit cases are not all mutated away.
      const wire = n % 3 === 0 ? b(seed) : mutate(rand, b(seed));
      const limits = n % 4 === 0 ? limitsWith({}) : limitsNear(rand, seed);
      const whole = fullOutcome([wire], isRequest, limits);
      for (let k = 0; k < 4; k++) {
        const pieces = cut(wire, randomCuts(rand, wire.length, 6));
        expect(fullOutcome(pieces, isRequest, limits)).toEqual(whole);
      }
    }
  });
});

const CHUNKED_SEEDS = [
  '5\r\nhello\r\n0\r\n\r\n',
  '3;a=b\r\nabc\r\n1 ;x\r\nd\r\n0\r\nT: 1\r\n\r\n',
  '0;z="q"\r\nA: 1\r\nb: 2\r\n\r\n',
];

function chunkedOutcome(pieces: readonly Buffer[], limits: CodecLimits): unknown {
  const d = new BodyDecoder(CHUNKED, limits, 'RRP_ERR_BAD_REQUEST');
  const sink = new CollectingSink();
  let base = 0;
  try {
    for (const piece of pieces) {
      const used = d.decode(piece, 0, sink);
      if (d.done) {
        const t = d.trailers;
        return {
          data: sink.data.toString('latin1'),
          end: base + used,
          trailers: t === null ? null : [...t.entries()],
        };
      }
      base += piece.length;
    }
    return 'incomplete';
  } catch (err) {
    if (err instanceof ProxyError) return err.code;
    throw err;
  }
}

describe('chunked verdicts do not depend on read boundaries', () => {
  test('800 mutants x 4 cuttings, default and small limits', () => {
    const rand = prng(13);
    for (let n = 0; n < 800; n++) {
      const wire = Buffer.concat([
        mutate(rand, b(CHUNKED_SEEDS[n % CHUNKED_SEEDS.length]!)),
        b('X'),
      ]);
      const limits = n % 2 === 0 ? limitsWith({}) : SMALL;
      const whole = chunkedOutcome([wire], limits);
      for (let k = 0; k < 4; k++) {
        expect(chunkedOutcome(cut(wire, randomCuts(rand, wire.length, 6)), limits)).toEqual(whole);
      }
    }
  });
});
