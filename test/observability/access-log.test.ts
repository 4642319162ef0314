import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { AccessLog, type AccessRecord } from '../../src/observability/access-log';
import { LineWriter } from '../../src/observability/line-writer';

function capture(bindings: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info', base: undefined, formatters: { level: (l) => ({ level: l }) } },
    {
      write: (s: string) => lines.push(s),
    },
  ).child(bindings);
  return { logger, lines };
}

const rec: AccessRecord = {
  reqId: 'r"1',
  client: '::1',
  method: 'GET',
  path: '/a?b="c"&d=\\',
  status: 200,
  bytesIn: 0,
  bytesOut: 42,
  durationMs: 1.25,
  upstream: '[::1]:8081',
  upstreamMs: null,
  attempts: 1,
  outcome: 'ok',
  cache: 'HIT',
  traceId: undefined,
  spanId: undefined,
};

test('one JSON line per request with every field, strings escaped, bindings kept', () => {
  const { logger, lines } = capture({ worker: 2 });
  const log = AccessLog.create(logger, true, false)!;
  log.write(rec);
  expect(lines).toHaveLength(1);
  expect(lines[0]!.endsWith('\n')).toBe(true);
  const obj = JSON.parse(lines[0]!);
  const { traceId: _t, spanId: _s, ...fields } = rec;
  expect(obj).toMatchObject({ ...fields, level: 'info', msg: 'request', worker: 2 });
  expect(obj).not.toHaveProperty('traceId');
  expect(new Date(obj.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
});

test('off when disabled or when the level hides info', () => {
  const { logger } = capture();
  expect(AccessLog.create(logger, false, false)).toBeNull();
  logger.level = 'warn';
  expect(AccessLog.create(logger, true, false)).toBeNull();
});

test('strings that need escaping (controls, non-ASCII, quotes) and plain ones both round-trip', () => {
  const { logger, lines } = capture();
  const log = AccessLog.create(logger, true, false)!;
  for (const path of ['/plain', '/tab\there', '/caf\u00e9', '/q"\\', '/\u0001\u007f']) {
    log.write({ ...rec, path, reqId: 'plain-id' });
  }
  expect(lines.map((l) => JSON.parse(l).path)).toEqual([
    '/plain',
    '/tab\there',
    '/caf\u00e9',
    '/q"\\',
    '/\u0001\u007f',
  ]);
});

describe('written straight into the stdout writer (LineWriter)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The lines of `records` as the string path writes them and as the byte path does. */
  function bothPaths(records: AccessRecord[], bindings: Record<string, unknown> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'rrp-al-'));
    dirs.push(dir);
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    const writer = new LineWriter(fd);
    const fileLogger = pino(
      { level: 'info', base: undefined, formatters: { level: (l) => ({ level: l }) } },
      writer,
    ).child(bindings);
    const bytes = AccessLog.create(fileLogger, true, false)!;
    const { logger, lines } = capture(bindings);
    const text = AccessLog.create(logger, true, false)!;
    for (const r of records) {
      bytes.write(r);
      text.write(r);
    }
    writer.flush();
    closeSync(fd);
    const written = readFileSync(file, 'utf8');
    return { written, strings: lines };
  }

  test('the same lines as the string path, field for field, escapes and all', () => {
    const plain: AccessRecord = { ...rec, reqId: 'a1b2-7', path: '/plain?x=1' };
    const records: AccessRecord[] = [
      plain,
      { ...plain, upstreamMs: 0.5, cache: null },
      { ...plain, durationMs: 0, upstreamMs: 0.001, bytesOut: 9_007_199_254_740_991 },
      { ...plain, durationMs: 12345.678, upstream: null, attempts: 3, outcome: 'RRP_ERR_X' },
      { ...plain, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) },
      // These need escaping: the string path writes them.
      rec,
      { ...plain, path: '/caf\u00e9' },
      { ...plain, path: '/tab\there', reqId: 'q"' },
    ];
    const { written, strings } = bothPaths(records, { worker: 3 });
    const lines = written.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(records.length);
    // The byte path writes milliseconds with three decimals: it wrote the plain ones.
    expect(lines[0]).toContain('"durationMs":1.250,');
    expect(lines[5]).toContain('"durationMs":1.25,');
    for (let i = 0; i < records.length; i++) {
      const fromBytes = JSON.parse(lines[i]!);
      const fromString = JSON.parse(strings[i]!);
      expect({ ...fromBytes, time: 0 }).toEqual({ ...fromString, time: 0 });
    }
  });
});
